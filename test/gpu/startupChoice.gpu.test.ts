/**
 * The start-up choice between WebGPU and WASM (issue 16), on Dawn + SwiftShader. SwiftShader is a software adapter, so
 * the automatic order skips WebGPU there; these tests present it as a real adapter (`probe`) to run the choice: with
 * stated timings (the faster backend starts, the info says why, a requested backend skips the measurement, a
 * measurement over its time cap loses) and with the real measurement of a small model (both backends timed, the faster
 * chosen, nothing leaked). The default model's fused kernels take tens of seconds to compile on SwiftShader.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { selectBackend, setWasmLocation, type WebGpuProbe } from '../../src/engine/backend.ts';
import { timeStartupWork } from '../../src/engine/startupTiming.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { DEFAULT_HYPER } from '../../src/models/hyper.ts';

setWasmLocation(join(__dirname, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));

const REAL = async (): Promise<WebGpuProbe> => ({ available: true, fallback: false, description: 'test adapter' });
/** A measurement that reports `ms[backend]` for the active backend and counts its calls. */
function stated(ms: Record<string, number>) {
  const calls: string[] = [];
  return { calls, measure: async () => (calls.push(tf.getBackend()), ms[tf.getBackend()]) };
}

it('the faster backend by the stated timings starts, and the info says why; a requested backend is not measured', async () => {
  const wasmFaster = stated({ webgpu: 5, wasm: 2 });
  const a = await selectBackend(undefined, { probe: REAL, measure: wasmFaster.measure });
  expect(wasmFaster.calls).toEqual(['webgpu', 'wasm']);
  expect(a).toMatchObject({ name: 'wasm', measured: 'WebGPU 5.0 ms/step, WASM 2.0 ms/step (default model\'s training step)' });
  expect(a.notice).toMatch(/^WASM was faster than this WebGPU adapter at start-up: WebGPU 5\.0/);
  expect(tf.getBackend()).toBe('wasm');

  const gpuFaster = stated({ webgpu: 1, wasm: 2 });
  const b = await selectBackend(undefined, { probe: REAL, measure: gpuFaster.measure });
  expect(b.name).toBe('webgpu');
  expect(b.notice).toBeUndefined();
  expect(b.measured).toMatch(/^WebGPU 1\.0 ms\/step, WASM 2\.0 ms\/step/);
  expect(tf.getBackend()).toBe('webgpu');

  const slow = { measure: () => (tf.getBackend() === 'webgpu' ? new Promise<number>(() => {}) : Promise.resolve(3)) };
  const d = await selectBackend(undefined, { probe: REAL, measure: slow.measure, measureCapMs: 50 });
  expect(d).toMatchObject({ name: 'wasm', measured: 'WebGPU timed out, WASM 3.0 ms/step (default model\'s training step)' });

  const requested = stated({ webgpu: 5, wasm: 2 });
  const c = await selectBackend('webgpu', { probe: REAL, measure: requested.measure });
  expect(requested.calls).toEqual([]);
  expect(c.name).toBe('webgpu');
  expect(c.measured).toBeUndefined();
});

it('the real measurement times both backends, starts the faster one and leaks nothing', async () => {
  const tensors0 = tf.memory().numTensors;
  const buffers0 = liveFusedBuffers();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const small = { ...DEFAULT_HYPER, s2: 'none' as const, vr: false, width: 16, batch: 64 };
  const info = await selectBackend(undefined, { probe: REAL, measure: () => timeStartupWork({ hyper: small }), measureCapMs: 120_000 });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`start-up choice: ${info.name}; ${info.measured}; selectBackend ${wallMs.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`);
  const m = /^WebGPU ([\d.]+) ms\/step, WASM ([\d.]+) ms\/step/.exec(info.measured ?? '');
  expect(m).not.toBeNull();
  const [webgpu, wasm] = [Number(m![1]), Number(m![2])];
  expect(webgpu > 0 && wasm > 0).toBe(true);
  expect(info.name).toBe(wasm < webgpu ? 'wasm' : 'webgpu');
  expect(tf.getBackend()).toBe(info.name);
  expect(tf.memory().numTensors).toBe(tensors0);
  expect(liveFusedBuffers()).toBe(buffers0);
});
