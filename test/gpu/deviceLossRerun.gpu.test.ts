/**
 * Device loss (issue 16) under a job that does not recover itself, on Dawn + SwiftShader: a sampler advance on fused
 * WebGPU chains when the device is destroyed. The handler moves the sessions to WASM and runs the request once more:
 * the caller gets its frames, continued from the chains' last positions, and no error.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { setWasmLocation } from '../../src/engine/backend.ts';
import { createInProcessEngine } from '../../src/engine/inProcess.ts';
import { tfjsDevice } from '../../src/gpu/device.ts';

setWasmLocation(join(__dirname, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
const client = createInProcessEngine();
afterAll(() => client.close());

it('a sampler advance in flight when the device is lost is answered from the chains continued on WASM', async () => {
  await client.run('init', { backend: 'webgpu' });
  const start = await client.run('samplerStart', { density: 'gmm2', score: { kind: 'exact' }, chains: 64, seed: 2, burn: 0, panels: [{ kind: 'langevin', step: 0.05 }] });
  expect(start.engine).toBe('webgpu-fused');
  await client.run('samplerAdvance', { steps: 2 });
  const advancing = client.run('samplerAdvance', { steps: 3 });
  tfjsDevice().destroy();
  const { frames } = await advancing;
  expect(frames[0].t).toBe(5);
  expect(frames[0].positions.every(Number.isFinite)).toBe(true);
  expect((await client.run('samplerAdvance', { steps: 1 })).frames[0].t).toBe(6);
});
