import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tfjsDevice } from '../../src/gpu/device.ts';
import { countDispatches } from '../../src/gpu/dispatchCount.ts';

describe('WebGPU dispatch count (Dawn, SwiftShader)', () => {
  it('runs on the webgpu backend and exposes its device', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(typeof tfjsDevice().createShaderModule).toBe('function');
  });

  it('counts one dispatch per tfjs elementwise kernel and restores the prototypes', async () => {
    // Above WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD (1000), so tfjs runs both ops on the GPU, not on the CPU.
    const n = 4096;
    const a = tf.range(0, n);
    const direct = GPUComputePassEncoder.prototype.dispatchWorkgroups;
    const { value, dispatches, submits } = await countDispatches(async () => {
      const b = tf.tidy(() => tf.mul(tf.add(a, 1), 2));
      const v = await b.data();
      b.dispose();
      return Array.from(v.subarray(0, 3));
    });
    expect(value).toEqual([2, 4, 6]);
    expect(dispatches).toBe(2);
    expect(submits).toBeGreaterThanOrEqual(1);
    expect(GPUComputePassEncoder.prototype.dispatchWorkgroups).toBe(direct);
    a.dispose();
  });

  it('refuses a nested count', async () => {
    await expect(countDispatches(() => countDispatches(async () => 0))).rejects.toThrow(/already running/);
  });
});
