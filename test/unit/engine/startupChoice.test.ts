/**
 * The start-up choice between WebGPU and WASM on a real adapter (issue 16): the faster of the two timings wins, WebGPU
 * on ties and when both measurements failed (or timed out); the info carries both timings and, when WASM wins, a
 * notice saying why.
 */
import { describe, expect, it } from 'vitest';
import { chooseByTiming } from '../../../src/engine/startupChoice.ts';

const WORK = 'train step';

describe('chooseByTiming', () => {
  it('WebGPU faster: WebGPU, the timings and no notice', () => {
    expect(chooseByTiming({ webgpuMs: 0.8, wasmMs: 4.1 }, WORK)).toEqual({ backend: 'webgpu', measured: 'WebGPU 0.80 ms/step, WASM 4.1 ms/step (train step)' });
  });

  it('WASM faster: WASM, with a notice naming both timings', () => {
    expect(chooseByTiming({ webgpuMs: 31.25, wasmMs: 7.4 }, WORK)).toEqual({
      backend: 'wasm',
      measured: 'WebGPU 31.3 ms/step, WASM 7.4 ms/step (train step)',
      notice: 'WASM was faster than this WebGPU adapter at start-up: WebGPU 31.3 ms/step, WASM 7.4 ms/step (train step)',
    });
  });

  it('a tie keeps WebGPU (the default on a real adapter)', () => {
    expect(chooseByTiming({ webgpuMs: 5, wasmMs: 5 }, WORK).backend).toBe('webgpu');
  });

  it('a failed measurement loses; both failed keeps WebGPU', () => {
    const gpuFailed = chooseByTiming({ webgpuMs: null, wasmMs: 9 }, WORK);
    expect(gpuFailed.backend).toBe('wasm');
    expect(gpuFailed.measured).toBe('WebGPU failed, WASM 9.0 ms/step (train step)');
    expect(chooseByTiming({ webgpuMs: 2, wasmMs: null }, WORK).backend).toBe('webgpu');
    expect(chooseByTiming({ webgpuMs: null, wasmMs: null }, WORK)).toEqual({ backend: 'webgpu', measured: 'WebGPU failed, WASM failed (train step)' });
    expect(chooseByTiming({ webgpuMs: Number.NaN, wasmMs: 3 }, WORK).backend).toBe('wasm');
  });

  it('a measurement that ran out of time loses, and says so', () => {
    expect(chooseByTiming({ webgpuMs: Infinity, wasmMs: 30 }, WORK)).toMatchObject({ backend: 'wasm', measured: 'WebGPU timed out, WASM 30.0 ms/step (train step)' });
    expect(chooseByTiming({ webgpuMs: 1, wasmMs: Infinity }, WORK).backend).toBe('webgpu');
  });
});
