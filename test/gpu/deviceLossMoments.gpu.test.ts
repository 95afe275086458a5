/**
 * Device loss (issue 16), on Dawn + SwiftShader: Adam's moments and step count survive it. A run of the default model
 * on the fused step (noise drawn on the CPU, so the WASM step can draw the same) keeps a CPU copy at every report,
 * moments included (`FusedTrainStep.readAdamState`); after a forced `device.destroy()` it continues on the WASM step
 * from that copy and follows the uninterrupted fused run.
 *
 * Tolerance: every parameter within 1e-5 of the uninterrupted run after 10 steps on each side of the loss (the
 * fused/WASM parity tolerance of test/gpu/fusedTrain.gpu.test.ts and test/unit/models/wasmTrainStep.test.ts; the two
 * steps sum in different orders). With the moments restarted instead the difference is ~1e-2 (see the log line).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { getDensity } from '../../src/core/densities/index.ts';
import { movedOffLostDevice, setWasmLocation } from '../../src/engine/backend.ts';
import { createInProcessEngine } from '../../src/engine/inProcess.ts';
import { trainDeviceLoss } from '../../src/engine/trainRecovery.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { tfjsDevice } from '../../src/gpu/device.ts';
import { FusedTrainStep } from '../../src/gpu/train/fusedTrainStep.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../src/models/hyper.ts';
import { ScoreTrainer } from '../../src/models/trainer.ts';

setWasmLocation(join(__dirname, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
const client = createInProcessEngine();
afterAll(() => client.close());

const gmm2 = getDensity('gmm2');
const read = (t: ScoreTrainer) => Promise.all(t.model.variables().map(async (v) => (await v.data()) as Float32Array));

it('a fused run continued on WASM after device.destroy() keeps its moments and follows the uninterrupted run', async () => {
  expect((await client.run('init', { backend: 'webgpu' })).name).toBe('webgpu');
  const buffers0 = liveFusedBuffers();
  // The default model (2-128-128-2 softplus, DSM, batch 512) with the fused step's noise drawn on the CPU.
  const hyper: TrainHyper = { ...DEFAULT_HYPER, s2: 'none', vr: false, seed: 7 };
  const options = { fusedNoise: 'buffer' as const };

  // The uninterrupted reference: 20 fused steps.
  const ref = ScoreTrainer.create(hyper, gmm2, options);
  await ref.train(20, { reportMs: 0 });
  expect(ref.opByOpReason).toBeNull();
  const expected = await read(ref);
  ref.dispose();

  // The copy's read-back of the moments, timed (one per report): wall and process CPU (SwiftShader's threads included).
  const reads: number[] = [];
  let readCpuUs = 0;
  const readAdamState = FusedTrainStep.prototype.readAdamState;
  vi.spyOn(FusedTrainStep.prototype, 'readAdamState').mockImplementation(async function (this: FusedTrainStep) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const s = await readAdamState.call(this);
    const c = process.cpuUsage(c0);
    readCpuUs += c.user + c.system;
    reads.push(performance.now() - t0);
    return s;
  });
  const notices: string[] = [];
  const deviceLoss = trainDeviceLoss((n) => notices.push(n));
  const run = ScoreTrainer.create(hyper, gmm2, options);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run.train(10, { reportMs: 0, deviceLoss });
  const fusedMs = performance.now() - t0;
  const fusedCpu = process.cpuUsage(cpu0);
  expect(run.opByOpReason).toBeNull();
  expect(reads).toHaveLength(10);

  // The device goes between two calls: no step is lost, so the data stream is the uninterrupted run's.
  tfjsDevice().destroy();
  expect((await movedOffLostDevice())?.name).toBe('wasm');
  const out = await run.train(10, { reportMs: 0, deviceLoss });
  expect(tf.getBackend()).toBe('wasm');
  expect(run.tensorsBackend).toBe('wasm');
  expect(run.opByOpReason).toBeNull();
  expect(out.steps).toBe(10);
  expect(run.step).toBe(20);
  expect(notices).toHaveLength(1);
  expect(notices[0]).toMatch(/^WebGPU device lost \(device was destroyed\): continuing on WASM; training continued from step 10 \(0 steps since the last report were lost\)$/);

  const params = await read(run);
  let worst = 0;
  expected.forEach((p, i) => p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - params[i][j])))));
  const readMs = reads.reduce((a, b) => a + b, 0) / reads.length;
  const cpuMs = (fusedCpu.user + fusedCpu.system) / 1000;
  console.log(
    `moments read-back: ${readMs.toFixed(2)} ms wall, ${(readCpuUs / 1000 / reads.length).toFixed(2)} ms CPU per report (mean of ${reads.length}); 10 fused steps with a copy at each report ` +
      `${fusedMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU; worst parameter difference from the uninterrupted run ${worst.toExponential(2)}`,
  );
  expect(worst).toBeLessThanOrEqual(1e-5);
  run.dispose();
  expect(liveFusedBuffers()).toBe(buffers0);
});
