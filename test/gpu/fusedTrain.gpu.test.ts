/**
 * The fused WebGPU training step (src/gpu/train/) on Dawn + SwiftShader against the op-by-op tfjs step: parity over
 * 100 steps for the default model and 40 steps for the other configurations (same init, same data and noise: the
 * fused step reads z from a buffer drawn exactly as the op-by-op step draws it), its in-shader noise, dispatches per
 * step, no leaks, and the fallback. The op-by-op reference trajectories run on tfjs's CPU backend (the same step,
 * 10–25× faster there than tfjs-webgpu on SwiftShader, which kept this file at minutes), one on tfjs-webgpu itself.
 *
 * Tolerance (float32): per step |loss_fused − loss_tfjs| ≤ 1e-5 · max(1, |loss_tfjs|), and at the end every
 * parameter within 1e-5 absolute. Both paths round differently (sums in another order, no tfjs op boundaries), so
 * exact equality is not expected; measured here (both references): ≤ 4.1e-7 relative on the losses and ≤ 2.7e-7 on the
 * parameters (each case logs its own).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getDensity } from '../../src/core/densities/index.ts';
import { normals } from '../../src/core/rng.ts';
import { countDispatches } from '../../src/gpu/dispatchCount.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { parseScoreModelFile } from '../../src/models/modelFile.ts';
import { fusedTrainRefusal, samplesPerGroup } from '../../src/gpu/train/support.ts';
import { tfjsDevice } from '../../src/gpu/device.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../src/models/hyper.ts';
import { ScoreTrainer, type TrainingData, type TrainerOptions } from '../../src/models/trainer.ts';

const LOSS_TOL = 1e-5;
const PARAM_TOL = 1e-5;

const gmm2 = getDensity('gmm2');

async function run(hyper: TrainHyper, steps: number, options: TrainerOptions, data: TrainingData = gmm2) {
  const t = ScoreTrainer.create(hyper, data, options);
  const losses: number[] = [];
  // reportMs 0: a report (and so a loss) after every step.
  const out = await t.train(steps, { reportMs: 0, onReport: (r) => losses.push(r.loss) });
  const params = await Promise.all(t.model.variables().map((v) => v.data()));
  const reason = t.opByOpReason;
  t.dispose();
  return { losses, params, reason, out };
}

/** `work` with tfjs on `backend`, then back on webgpu. */
async function onBackend<T>(backend: 'cpu' | 'webgpu', work: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await work();
  } finally {
    await tf.setBackend('webgpu');
  }
}

async function expectParity(hyper: TrainHyper, steps = 100, refBackend: 'cpu' | 'webgpu' = 'cpu'): Promise<void> {
  const ref = await onBackend(refBackend, () => run(hyper, steps, { path: 'tfjs' }));
  const fused = await run(hyper, steps, { path: 'fused', fusedNoise: 'buffer' });
  expect(fused.reason).toBeNull();
  expect(fused.out.diverged).toBeUndefined();
  expect(fused.losses).toHaveLength(steps);
  const lossDiffs = ref.losses.map((l, i) => Math.abs(fused.losses[i] - l) / Math.max(1, Math.abs(l)));
  let worst = 0;
  ref.params.forEach((p, i) => p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - fused.params[i][j])))));
  console.log(`parity against tfjs-${refBackend}: losses within ${Math.max(...lossDiffs).toExponential(1)} relative, parameters within ${worst.toExponential(1)}`);
  lossDiffs.forEach((d) => expect(d).toBeLessThanOrEqual(LOSS_TOL));
  expect(worst).toBeLessThanOrEqual(PARAM_TOL);
  // The run must have moved the weights far more than the tolerance (otherwise parity says nothing).
  expect(Math.abs(ref.losses[0] - ref.losses[steps - 1])).toBeGreaterThan(100 * LOSS_TOL);
}

const base: TrainHyper = { ...DEFAULT_HYPER, sigma: 0.3, lr: 2e-3, seed: 5 };

describe('fused training step (WebGPU, SwiftShader): parity with the op-by-op tfjs step', () => {
  it('s1, DSM, the default 2-128-128-2 softplus model at batch 512, 100 steps', () => expectParity({ ...base, s2: 'none', vr: false, act: 'softplus', width: 128, depth: 2, batch: 512 }), 900_000);

  it('s1, DSM-VR, tanh, width 30 (scalar product paths), against tfjs-webgpu op by op', () =>
    expectParity({ ...base, s2: 'none', vr: true, act: 'tanh', width: 30, depth: 2, batch: 64 }, 40, 'webgpu'), 600_000);

  it('full s2 head, D2SM-VR + γ DSM-VR, SiLU', () => expectParity({ ...base, s2: 'full', vr: true, gamma: 1, act: 'silu', width: 32, depth: 2, batch: 64 }, 40), 600_000);

  it('PSD head on a shared trunk, VR, stop-gradient, γ = 0.5, s2 output scale auto', () =>
    expectParity({ ...base, s2: 'psd', rank: 1, vr: true, stopGrad: true, gamma: 0.5, shareTrunk: true, act: 'softplus', width: 32, depth: 2, batch: 64, s2Scale: 'auto' }, 40), 600_000);

  it('low-rank head (r = 2), plain D2SM, ReLU, depth 3', () => expectParity({ ...base, s2: 'lowrank', rank: 2, vr: false, gamma: 1, act: 'relu', width: 16, depth: 3, batch: 64 }, 40), 600_000);

  it('diagonal head, diagonal D2SM-VR, γ = 2, depth 1 width 20', () => expectParity({ ...base, s2: 'diag', vr: true, gamma: 2, act: 'tanh', width: 20, depth: 1, batch: 64 }, 40), 600_000);
});

describe('fused training step: noise, dispatches, leaks, fallback', () => {
  it('draws standard normal noise in the shader: with o1 ≡ 0 the DSM loss is ‖z‖², mean D = 2 and variance 2D = 4', async () => {
    const t = ScoreTrainer.create({ ...base, s2: 'none', vr: false, act: 'softplus', width: 16, depth: 1, batch: 512, lr: 1e-12 }, gmm2, { path: 'fused' });
    const vars = t.model.variables();
    for (const v of vars.slice(-2)) v.assign(tf.zerosLike(v));
    const losses: number[] = [];
    const variances: number[] = [];
    await t.train(50, { reportMs: 0, onReport: (r) => (losses.push(r.loss), variances.push(r.lossVariance)) });
    t.dispose();
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const meanVar = variances.reduce((a, b) => a + b, 0) / variances.length;
    // sd of one step's mean ‖z‖² over 512 samples: √(4/512) ≈ 0.088, of the 50-step average ≈ 0.0125.
    expect(Math.abs(mean - 2)).toBeLessThan(0.06);
    expect(Math.abs(meanVar - 4)).toBeLessThan(0.4);
    // Each step draws fresh noise.
    expect(new Set(losses).size).toBe(losses.length);
  }, 300_000);

  it('runs a step in 2 dispatches (≤ 4), against tfjs’s dozens op by op', async () => {
    const hyper: TrainHyper = { ...base, s2: 'full', vr: true, act: 'softplus', width: 32, depth: 2, batch: 512 };
    const fused = ScoreTrainer.create(hyper, gmm2, { path: 'fused' });
    await fused.train(1);
    const f = await countDispatches(() => fused.train(20, { reportMs: 60_000 }));
    fused.dispose();
    // One op-by-op step (its first: Adam's moments are made then too, which only adds dispatches).
    const ref = ScoreTrainer.create(hyper, gmm2, { path: 'tfjs' });
    const r = await countDispatches(() => ref.train(1, { reportMs: 60_000 }));
    ref.dispose();
    console.log(`dispatches per step: fused ${f.dispatches / 20} (${f.submits} submits for 20 steps), op by op ${r.dispatches}`);
    expect(f.dispatches / 20).toBeLessThanOrEqual(4);
    expect(f.dispatches).toBe(2 * 20);
    // Several steps per submission: 20 steps, a stats read-back and the weights' write-back in far fewer submits.
    expect(f.submits).toBeLessThan(20);
    expect(r.dispatches).toBeGreaterThan(20);
  }, 300_000);

  it('leaks no tensor and destroys every GPU buffer it created (reset and dispose)', async () => {
    const hyper: TrainHyper = { ...base, s2: 'psd', vr: true, act: 'tanh', width: 16, depth: 2, batch: 64 };
    const buffers0 = liveFusedBuffers();
    const t = ScoreTrainer.create(hyper, gmm2, { path: 'fused' });
    await t.train(3, { reportMs: 0 });
    const n0 = tf.memory().numTensors;
    await t.train(20, { reportMs: 0 });
    t.configure({ batch: 32, vr: false });
    await t.train(5);
    // The weights written back from the fused buffers have their tensors' sizes, so a saved model loads again.
    const saved = await t.export();
    expect(() => parseScoreModelFile(saved)).not.toThrow();
    for (const v of t.model.variables()) expect((await v.data()).length).toBe(v.size);
    expect(tf.memory().numTensors).toBe(n0);
    // params, m, v, statistics, read-back, uniforms + x, z, scratch, partials, workgroup statistics.
    expect(liveFusedBuffers() - buffers0).toBe(11);
    t.reset();
    expect(liveFusedBuffers()).toBe(buffers0);
    await t.train(3, { reportMs: 0 });
    expect(tf.memory().numTensors).toBe(n0);
    t.dispose();
    expect(liveFusedBuffers()).toBe(buffers0);
  }, 300_000);

  it('falls back to the op-by-op step for a configuration it refuses, and says why; forcing it there throws', async () => {
    const dim = 17;
    const data: TrainingData = { dim, sample: (rng, n) => normals(rng, n * dim) };
    const hyper: TrainHyper = { ...base, s2: 'full', vr: false, act: 'softplus', width: 8, depth: 1, batch: 16 };
    const auto = await run(hyper, 2, {}, data);
    expect(auto.reason).toMatch(/full s2 head up to dimension 16/);
    expect(auto.losses).toHaveLength(2);
    expect(auto.losses.every(Number.isFinite)).toBe(true);
    await expect(run(hyper, 1, { path: 'fused' }, data)).rejects.toThrow(/fused WebGPU training step cannot run: .*dimension/);
    expect(fusedTrainRefusal({ ...gmm2Spec(), act: 'softplus' }, { batch: 512, vr: true }, { limits: { maxStorageBufferBindingSize: 1 << 16, maxComputeWorkgroupsPerDimension: 65535 } })).toMatch(/binding limit/);
    // Bigger workgroups on a software adapter (SwiftShader here), the smaller ones elsewhere.
    expect(samplesPerGroup(tfjsDevice())).toBe(256);
    expect(samplesPerGroup({ limits: tfjsDevice().limits, adapterInfo: { isFallbackAdapter: false } })).toBe(128);
  }, 300_000);

  it('uses the fused step by default on webgpu and the op-by-op step on another backend', async () => {
    const hyper: TrainHyper = { ...base, s2: 'none', vr: false, act: 'softplus', width: 8, depth: 1, batch: 16 };
    expect((await run(hyper, 1, {})).reason).toBeNull();
    await tf.setBackend('cpu');
    try {
      expect((await run(hyper, 1, {})).reason).toMatch(/backend is cpu/);
    } finally {
      await tf.setBackend('webgpu');
    }
  }, 300_000);
});

function gmm2Spec() {
  return { dim: 2, sigma: 0.3, s2: 'full' as const, rank: 0, width: 128, depth: 2, act: 'tanh' as const, shareTrunk: false, inputShift: [0, 0], inputScale: [1, 1] };
}
