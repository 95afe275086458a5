/**
 * The engine's chains selection on the webgpu backend (samplers/createChains.ts): exact mixtures and
 * grid-interpolated densities go to the fused kernels; both run the same sampler contract end to end.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getDensity } from '../../src/core/densities/index.ts';
import { exactScoreField } from '../../src/models/exactField.ts';
import { createChains } from '../../src/samplers/createChains.ts';

const opts = { kind: 'mala' as const, step: 0.05, seed: 3, center: [0, 0], bound: 50 };
const start = (n: number) => Float32Array.from({ length: 2 * n }, (_, i) => 0.1 * Math.sin(i + 1));

describe('createChains on webgpu', () => {
  it('an exact mixture and a grid density run on the fused kernels; both move and stay finite', async () => {
    const before = tf.memory().numTensors;
    for (const [name, engine] of [['gmm2', 'webgpu-fused'], ['banana', 'webgpu-fused']] as const) {
      const field = exactScoreField(getDensity(name));
      const cs = await createChains(field, start(2048), opts);
      expect(cs.engine).toBe(engine);
      const frames = await cs.run(5);
      expect(frames.length).toBe(5 * 2048 * 2);
      expect(frames.every(Number.isFinite)).toBe(true);
      expect(frames.subarray(4 * 4096).some((v, i) => v !== start(2048)[i])).toBe(true);
      const acc = await cs.acceptance();
      expect(acc.reduce((s, v) => s + v, 0) / acc.length).toBeGreaterThan(0.3);
      cs.dispose();
      field.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
