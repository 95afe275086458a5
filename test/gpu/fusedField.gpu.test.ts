/**
 * The fused grid fields (src/gpu/samplers/fusedField.ts) against the tfjs fields, on 24 × 24 grids: a learned model's
 * s1θ, direct s2θ and autodiff Hessian (symmetrised ∇ₓs1θ, models/hessian.ts); the exact σ-blurred mixture's s1, s2
 * and log q, and a grid-interpolated density's (gridSource.ts; models/exactField.ts); and `train.fields` through the
 * job, which takes the fused path on webgpu and returns the numbers of the op-by-op path.
 *
 * Tolerance: |fused − tfjs| ≤ 1e-4 · (1 + |tfjs|) + 2⁻¹⁸ · |s1|² per entry. The second term is the float32 rounding of
 * the mixture's s2 = Σ r (a aᵀ − P) − s1 s1ᵀ, which cancels terms of size |s1|² far in the tails; it is negligible
 * (< 1.4e-4) wherever |s1| < 6 (measured on a 64 × 64 grid: 5.8e-4 at |s1|² = 460, about 20 float32 ulps of 460).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { countDispatches } from '../../src/gpu/dispatchCount.ts';
import { evaluateFusedFields } from '../../src/gpu/samplers/fusedField.ts';
import { fusedSourceOf, mixtureSource, type FusedScoreSource } from '../../src/gpu/samplers/source.ts';
import { getDensity } from '../../src/core/densities/index.ts';
import { gridPoints, makeGrid } from '../../src/core/grid.ts';
import { createRng } from '../../src/core/rng.ts';
import type { JobContext } from '../../src/engine/job.ts';
import { trainCreate, trainFields, TrainSession, trainSteps, type TrainProgress } from '../../src/engine/jobs/train.ts';
import { SessionStore } from '../../src/engine/sessions.ts';
import { gmmScoreField, gridScoreField } from '../../src/models/exactField.ts';
import { rowJacobian, symmetrise } from '../../src/models/hessian.ts';
import { ScoreModel, type ScoreModelSpec } from '../../src/models/scoreModel.ts';

const density = getDensity('gmm2');
const points = Float32Array.from(gridPoints(makeGrid(density.bounds!, 24, 24)));
const n = points.length / 2;

/** Asserts the tolerance of the module note entry by entry; `per` entries per point, `s1` the reference s1 [n·2]. */
function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, s1: ArrayLike<number>, per: number): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  let at = '';
  for (let k = 0; k < want.length; k++) {
    const p = Math.floor(k / per);
    const g2 = s1[2 * p] ** 2 + s1[2 * p + 1] ** 2;
    const r = Math.abs(got[k] - want[k]) / (1e-4 * (1 + Math.abs(want[k])) + 2 ** -18 * g2);
    if (!(r <= worst)) [worst, at] = [r, `${what}[${k}]: ${got[k]} vs ${want[k]}, |s1|² = ${g2}`];
  }
  expect(worst, at).toBeLessThan(1);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k])));

/** Random weights of unit-order effect in every layer (a fresh model's zero-initialised heads would test little). */
function randomise(model: ScoreModel, seed: number): ScoreModel {
  const rng = createRng(seed + 1);
  for (const [, v] of model.namedVariables()) {
    const vals = Float32Array.from({ length: v.size }, () => rng.normal() / Math.sqrt(v.rank === 2 ? v.shape[0] : 4));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
  return model;
}

function randomModel(seed: number): ScoreModel {
  const spec: ScoreModelSpec = { dim: 2, sigma: 0.4, s2: 'psd', rank: 1, width: 32, depth: 2, act: 'tanh', shareTrunk: true, inputShift: [0, 0], inputScale: [1.6, 1.1], s2Scale: 0.2 };
  return randomise(new ScoreModel(spec, createRng(seed)), seed);
}

describe('fused grid fields (one dispatch per field)', () => {
  it('a learned model: s1θ, the direct s2θ (psd head on the shared trunk) and the autodiff Hessian match tfjs, 2 dispatches', async () => {
    const model = randomModel(3);
    const x = tf.tensor2d(points, [n, 2]);
    const refs = tf.tidy(() => [model.s1(x), model.s2(x), symmetrise(rowJacobian((v) => model.s1(v), x))]);
    const [refS1, refS2, refAd] = await Promise.all(refs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([x, ...refs]);
    const tensors = tf.memory().numTensors;
    const buffers = liveFusedBuffers();
    const fused = await countDispatches(() =>
      evaluateFusedFields(points, [
        { source: { kind: 'model', model, hessian: 'direct' }, hessian: true },
        { source: { kind: 'model', model, hessian: 'autodiff' }, hessian: true },
      ]),
    );
    // Submissions: 1 for the kernels, plus tfjs reading each weight variable of each source.
    expect(fused.dispatches).toBe(2);
    const [direct, auto] = fused.value;
    expectClose('direct.s1', direct.s1, refS1, refS1, 2);
    expectClose('direct.s2', direct.s2!, refS2, refS1, 4);
    expectClose('autodiff.s1', auto.s1, refS1, refS1, 2);
    expectClose('autodiff.s2', auto.s2!, refAd, refS1, 4);
    expect(direct.logp).toBeUndefined();
    // The direct head and the autodiff Hessian of this random model differ: the comparisons could fail.
    expect(maxAbsDiff(auto.s2!, direct.s2!)).toBeGreaterThan(0.1);
    expect(liveFusedBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('the exact σ-blurred mixture: s1, s2 and log q match gmmScoreField, in 1 dispatch against tfjs many', async () => {
    const field = gmmScoreField(density.gmm!, 0.3);
    const x = tf.tensor2d(points, [n, 2]);
    const tfjs = await countDispatches(async () => {
      const ts = tf.tidy(() => [field.score(x), field.hessian!(x), field.logp!(x)]);
      const out = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(ts);
      return out;
    });
    const [refS1, refS2, refLogp] = tfjs.value;
    x.dispose();
    field.dispose();
    const tensors = tf.memory().numTensors;
    const buffers = liveFusedBuffers();
    const fused = await countDispatches(() => evaluateFusedFields(points, [{ source: mixtureSource(density.gmm!, 0.3), hessian: true }]));
    expect(fused.dispatches).toBe(1);
    expect(tfjs.dispatches).toBeGreaterThan(10);
    const [v] = fused.value;
    expectClose('s1', v.s1, refS1, refS1, 2);
    expectClose('s2', v.s2!, refS2, refS1, 4);
    expectClose('logp', v.logp!, refLogp, refS1, 1);
    expect(liveFusedBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a grid-interpolated density (banana, 61² nodes): s1, s2 and log p match gridScoreField inside the window and on its Gaussian wall', async () => {
    const banana = getDensity('banana');
    const field = gridScoreField(banana, { resolution: 61, sigma: 0.2 });
    const [[x0, x1], [y0, y1]] = banana.bounds!;
    const pad = 0.1 * Math.max(x1 - x0, y1 - y0);
    const pts = Float32Array.from(gridPoints(makeGrid([[x0 - pad, x1 + pad], [y0 - pad, y1 + pad]], 24, 24)));
    const x = tf.tensor2d(pts, [pts.length / 2, 2]);
    const refs = tf.tidy(() => [field.score(x), field.hessian!(x), field.logp!(x)]);
    const [refS1, refS2, refLogp] = await Promise.all(refs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([x, ...refs]);
    const source = fusedSourceOf(field);
    expect(typeof source).not.toBe('string');
    const buffers = liveFusedBuffers();
    const fused = await countDispatches(() => evaluateFusedFields(pts, [{ source: source as FusedScoreSource, hessian: true }]));
    expect(fused.dispatches).toBe(1);
    const [v] = fused.value;
    expectClose('grid s1', v.s1, refS1, refS1, 2);
    expectClose('grid s2', v.s2!, refS2, refS1, 4);
    expectClose('grid logp', v.logp!, refLogp, refS1, 1);
    // Points on the wall are compared too: some lie outside the window, where log p falls below the table's values.
    const outside = Array.from({ length: pts.length / 2 }, (_, k) => pts[2 * k] < x0 || pts[2 * k] > x1 || pts[2 * k + 1] < y0 || pts[2 * k + 1] > y1);
    expect(outside.filter(Boolean).length).toBeGreaterThan(50);
    expect(liveFusedBuffers()).toBe(buffers);
    field.dispose();
  });

  it('refuses points that are not n·D numbers', async () => {
    const buffers = liveFusedBuffers();
    await expect(evaluateFusedFields(Float32Array.of(1, 2, 3), [{ source: mixtureSource(density.gmm!) }])).rejects.toThrow(/n·2 numbers/);
    expect(liveFusedBuffers()).toBe(buffers);
  });

  it('train.fields on webgpu: the fused path, with the numbers of the op-by-op path; no leaks', async () => {
    const sessions = new SessionStore();
    const ctx = { sessions, progress() {}, checkpoint: async () => {}, cancelled: false, backend: { name: 'webgpu', adapter: '' } } as unknown as JobContext<never>;
    const cases = [
      { key: 'diag', hyper: { s2: 'diag' as const, width: 32, act: 'softplus' as const, batch: 64, sigma: 0.3, seed: 5 }, autodiff: true, steps: 2 },
      { key: 'none', hyper: { s2: 'none' as const, width: 20, act: 'tanh' as const, batch: 64, sigma: 0.3, seed: 6 }, autodiff: false, steps: 0 },
    ];
    for (const c of cases) {
      await trainCreate.run({ key: c.key, density: 'gmm2', hyper: c.hyper }, ctx);
      randomise(sessions.get<TrainSession>(c.key)!.model, c.hyper.seed);
      // Fused training steps write the weights back into the variables from GPU buffers (read here as the app does).
      if (c.steps) await trainSteps.run({ key: c.key, steps: c.steps, reportMs: 0 }, ctx as unknown as JobContext<TrainProgress>);
    }
    const tensors = tf.memory().numTensors;
    const buffers = liveFusedBuffers();
    for (const c of cases) {
      const params = { key: c.key, nx: 24, ny: 24, samples: 10, autodiff: c.autodiff };
      const ref = await trainFields.run({ ...params, fieldsEngine: 'tfjs' }, ctx);
      expect(ref.fieldsEngine).toBe('tfjs');
      expect(ref.fieldsOpByOpReason).toMatch(/asked for/);
      const fused = await countDispatches(() => trainFields.run(params, ctx));
      const f = fused.value;
      expect([f.fieldsEngine, f.fieldsOpByOpReason]).toEqual(['webgpu-fused', undefined]);
      expect(fused.dispatches).toBe(c.key === 'diag' ? 2 : 1);
      expect(f.truth).toEqual(ref.truth);
      expect([f.data, f.noisy, f.xs, f.ys]).toEqual([ref.data, ref.noisy, ref.xs, ref.ys]);
      expectClose(`${c.key} s1`, f.s1, ref.s1, ref.s1, 2);
      if (c.key === 'diag') {
        expectClose('diag s2Direct', f.s2Direct!, ref.s2Direct!, ref.s1, 4);
        expect(Array.from(f.s2Direct!).filter((_, k) => k % 4 === 1 || k % 4 === 2).every((v) => v === 0)).toBe(true);
        expectClose('diag s2Autodiff', f.s2Autodiff!, ref.s2Autodiff!, ref.s1, 4);
      } else {
        expect([f.s2Direct, f.s2Autodiff, ref.s2Direct, ref.s2Autodiff]).toEqual([null, null, null, null]);
      }
    }
    await expect(trainFields.run({ key: 'none', nx: 4, fieldsEngine: 'gpu' as never }, ctx)).rejects.toThrow(/fieldsEngine must be one of auto, webgpu-fused, tfjs/);
    expect(liveFusedBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    sessions.clear();
  });
});
