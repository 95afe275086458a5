/**
 * Device loss (issue 16), on Dawn + SwiftShader: a training job started through the engine's handler on webgpu (the
 * fused step) survives a forced `device.destroy()` mid-run. The engine moves to WASM and says why (backend info and
 * the `backend.watch` job, which the app's badge follows), the run continues from the CPU copy of its last report
 * (weights equal to that copy bit for bit, and Adam's moments and step count equal to the fused step's read-back of that
 * report, loaded into the WASM step; step count continuing, the lost steps run again so the job still ends N steps
 * later), a held model is rebuilt from its copy, nothing escapes as an exception and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { setWasmLocation } from '../../src/engine/backend.ts';
import { EngineClient } from '../../src/engine/client.ts';
import { createEngineHandler } from '../../src/engine/handler.ts';
import type { TrainProgress, TrainSession } from '../../src/engine/jobs/train.ts';
import type { EngineResponse } from '../../src/engine/protocol.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { tfjsDevice } from '../../src/gpu/device.ts';
import { FusedTrainStep } from '../../src/gpu/train/fusedTrainStep.ts';
import { createRng } from '../../src/core/rng.ts';
import type { AdamState } from '../../src/models/adam.ts';
import { ScoreModel } from '../../src/models/scoreModel.ts';
import { serializeModel } from '../../src/models/serialize.ts';
import { WasmTrainStep } from '../../src/wasm/train/wasmTrainStep.ts';

setWasmLocation(join(__dirname, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));

let listener: ((res: EngineResponse) => void) | undefined;
const handler = createEngineHandler((res) => listener?.(res));
const client = new EngineClient({
  post: (req) => handler.handle(structuredClone(req)),
  listen: (fn) => {
    listener = (res) => fn(structuredClone(res));
  },
  close: () => handler.sessions.clear(),
});
afterAll(() => client.close());

const readAll = (vars: tf.Variable[]) => Promise.all(vars.map(async (v) => ((await v.data()) as Float32Array).slice(0, v.size)));

it('a training job continues on WASM from its last report when the WebGPU device is lost', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  const init = await client.run('init', { backend: 'webgpu' });
  expect(init.name).toBe('webgpu');
  const tensors0 = tf.memory().numTensors;
  const buffers0 = liveFusedBuffers();
  // Adam's state as the fused step reads it back for the CPU copy (the last read), and as the WASM step holds it right
  // after each load.
  let lastRead: AdamState | null = null;
  const readAdamState = FusedTrainStep.prototype.readAdamState;
  vi.spyOn(FusedTrainStep.prototype, 'readAdamState').mockImplementation(async function (this: FusedTrainStep) {
    lastRead = await readAdamState.call(this);
    return lastRead;
  });
  const wasmLoaded: AdamState[] = [];
  const load = WasmTrainStep.prototype.load;
  vi.spyOn(WasmTrainStep.prototype, 'load').mockImplementation(async function (this: WasmTrainStep, ...args: Parameters<WasmTrainStep['load']>) {
    await load.apply(this, args);
    wasmLoaded.push(this.adamState());
  });

  // A small model (fused on webgpu), 12 steps with a report (and a CPU copy) after each.
  await client.run('train.create', { density: 'gmm2', hyper: { s2: 'none', vr: false, width: 16, depth: 2, batch: 64, seed: 3 } });
  await client.run('train.steps', { steps: 12, reportMs: 0 });
  const session = handler.sessions.get<TrainSession>('scores')!;
  expect(session.trainer.opByOpReason).toBeNull();
  const atCopy = await readAll(session.trainer.model.variables());
  const copiedAdam = lastRead as AdamState | null;
  expect(copiedAdam?.t).toBe(12);
  // The moments moved: a restart (zeros) would not pass for them.
  expect(copiedAdam!.v.some((v) => v.some((x) => x > 0))).toBe(true);

  // A held model (as `posteriorLoadModel` stores one): copied to the CPU when stored.
  const held = handler.sessions.set('held', new ScoreModel({ ...session.model.spec }, createRng(9)));
  const heldWeights = await readAll(held.variables());
  await new Promise((r) => setTimeout(r, 50));
  // An idle run (another key): moved by the handler as soon as the engine is on WASM.
  await client.run('train.create', { key: 'idle', density: 'ring8', hyper: { s2: 'none', vr: false, width: 8, depth: 1, batch: 32, seed: 4 } });
  await client.run('train.steps', { key: 'idle', steps: 3, reportMs: 0 });
  const idle = handler.sessions.get<TrainSession>('idle')!;
  const idleWeights = await readAll(idle.trainer.model.variables());
  // A run created but not trained yet: no copy needed, its seed gives its weights again.
  await client.run('train.create', { key: 'fresh', density: 'gmm2', hyper: { s2: 'none', vr: false, width: 8, depth: 1, batch: 32, seed: 5 } });
  const freshWeights = await readAll(handler.sessions.get<TrainSession>('fresh')!.trainer.model.variables());
  // A sampler session (fused chains) with 5 iterations done, and one on a learned model of its own (not recoverable).
  const start = await client.run('samplerStart', { density: 'gmm2', score: { kind: 'exact' }, chains: 16, seed: 1, burn: 0, panels: [{ kind: 'langevin', step: 0.05 }, { kind: 'mala', step: 0.05 }] });
  expect(start.engine).toBe('webgpu-fused');
  const before = (await client.run('samplerAdvance', { steps: 5 })).frames;
  const modelFile = await serializeModel(held);
  await client.run('samplerStart', { key: 'owned', density: 'gmm2', score: { kind: 'model', model: modelFile }, chains: 4, seed: 1, burn: 0, panels: [{ kind: 'langevin', step: 0.05 }] });


  // The weights the run continues from, read right after the restore.
  let restoredWeights: Float32Array[] | null = null;
  const restore = session.trainer.restoreFromCpu.bind(session.trainer);
  vi.spyOn(session.trainer, 'restoreFromCpu').mockImplementation(async () => {
    const r = await restore();
    if (r) restoredWeights = (await Promise.all(session.trainer.model.variables().map((v) => v.data()))) as Float32Array[];
    return r;
  });
  // The device goes when the job's first fused submission has been waited on: no report comes before the loss.
  const done = FusedTrainStep.prototype.done;
  vi.spyOn(FusedTrainStep.prototype, 'done').mockImplementationOnce(function (this: FusedTrainStep) {
    tfjsDevice().destroy();
    return done.call(this);
  });
  const watched = client.run('backend.watch', {});
  const progress: TrainProgress[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await client.run('train.steps', { steps: 20, reportMs: 1e9 }, { onProgress: (p) => void progress.push(p) });
  const wallMs = performance.now() - t0;
  const cpuMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
  console.log(`device loss and 20 steps: ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU; ${out.notice}`);

  // The engine and the badge: WASM, with the device's reason.
  const info = await watched;
  expect(info.name).toBe('wasm');
  expect(info.deviceLost).toBe('device was destroyed');
  expect(info.notice).toMatch(/^WebGPU device lost \(device was destroyed\): continuing on WASM/);
  expect(tf.getBackend()).toBe('wasm');
  expect((await client.run('train.info', {})).backend).toBe('wasm');

  // The run: continued from step 12 with the copy's weights, 20 steps after the request began, on WASM.
  expect(restoredWeights).not.toBeNull();
  restoredWeights!.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(atCopy[i])));
  expect(out.step).toBe(32);
  expect(out.steps).toBe(20);
  expect(out.last?.step).toBe(32);
  expect(Number.isFinite(out.last?.loss)).toBe(true);
  expect(out.notice).toMatch(/continuing on WASM; training continued from step 12 \(\d+ steps? since the last report (was|were) lost\)$/);
  // Adam on WASM continued from the copy's moments and step count (the first WASM load is this run's, at the restore).
  expect(session.trainer.opByOpReason).toBeNull();
  expect(wasmLoaded[0]).toEqual(copiedAdam);
  expect(progress.at(-1)?.notice).toBe(out.notice);
  expect(session.trainer.tensorsBackend).toBe('wasm');
  const history = (await client.run('train.info', {})).history;
  expect(history.map((h) => h.step)).toEqual([...Array.from({ length: 12 }, (_, i) => i + 1), 32]);

  // The held model: rebuilt on WASM from its copy.
  expect(held.variables().map((v) => Array.from(v.dataSync()))).toEqual(heldWeights.map((w) => Array.from(w)));
  // The idle run: its weights of step 3 on WASM, and it trains on.
  expect(idle.trainer.tensorsBackend).toBe('wasm');
  expect(idle.trainer.model.variables().map((v) => Array.from(v.dataSync()))).toEqual(idleWeights.map((w) => Array.from(w)));
  expect((await client.run('train.steps', { key: 'idle', steps: 2, reportMs: 0 })).step).toBe(5);
  await client.run('train.dispose', { key: 'idle' });
  // The untrained run: its seed's weights on WASM, at step 0.
  const fresh = handler.sessions.get<TrainSession>('fresh')!;
  expect(fresh.trainer.tensorsBackend).toBe('wasm');
  expect(fresh.trainer.model.variables().map((v) => Array.from(v.dataSync()))).toEqual(freshWeights.map((w) => Array.from(w)));
  await client.run('train.dispose', { key: 'fresh' });
  // The sampler session: each panel continues from its last positions, iteration count and all, on the CPU chains.
  const frames0 = (await client.run('samplerAdvance', { steps: 0 })).frames;
  expect(frames0.map((f) => [f.t, Array.from(f.positions)])).toEqual(before.map((f) => [5, Array.from(f.positions)]));
  const after = (await client.run('samplerAdvance', { steps: 3 })).frames;
  expect(after.map((f) => f.t)).toEqual([8, 8]);
  expect(after.every((f) => f.positions.every(Number.isFinite) && f.diverged === 0)).toBe(true);
  expect(Array.from(after[0].positions)).not.toEqual(Array.from(before[0].positions));
  await client.run('samplerStop', {});
  // The session on a learned model of its own: released (its weights were on the device), and its next use says why.
  await expect(client.run('samplerAdvance', { key: 'owned', steps: 1 })).rejects.toThrow('"owned" was on the WebGPU device, which was lost: start or load it again');

  // Training goes on, and nothing leaks: every tensor and fused buffer of the run is released with it.
  const more = await client.run('train.steps', { steps: 3, reportMs: 0 });
  expect(more.step).toBe(35);
  await client.run('train.dispose', {});
  handler.sessions.delete('held');
  expect(tf.memory().numTensors).toBe(tensors0);
  expect(liveFusedBuffers()).toBe(buffers0);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});
