/**
 * The fused grid-field evaluation (src/gpu/samplers/fusedField.ts) against the tfjs fields the panels use today:
 * a learned model's s1θ, direct s2θ and autodiff Hessian (symmetrised ∇ₓ s1θ, models/hessian.ts), and the exact
 * σ-blurred mixture's s1, s2 and log q (models/exactField.ts), on a 64 × 64 grid over gmm2's window.
 *
 * Tolerance: |fused − tfjs| ≤ 1e-4 · (1 + |tfjs|) + 2⁻¹⁸ · |s1|² per entry. The second term is the float32 rounding of
 * the mixture's s2 = Σ r (a aᵀ − P) − s1 s1ᵀ, which cancels terms of size |s1|² far in the tails; it is negligible
 * (< 1.4e-4) wherever |s1| < 6; measured: 5.8e-4 at |s1|² = 460, about 20 float32 ulps of 460.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countDispatches } from '../../src/gpu/dispatchCount.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { evaluateFusedField } from '../../src/gpu/samplers/fusedField.ts';
import { mixtureSource } from '../../src/gpu/samplers/source.ts';
import { getDensity } from '../../src/core/densities/index.ts';
import { gridPoints, makeGrid } from '../../src/core/grid.ts';
import { createRng } from '../../src/core/rng.ts';
import { gmmScoreField } from '../../src/models/exactField.ts';
import { rowJacobian, symmetrise } from '../../src/models/hessian.ts';
import { ScoreModel, type ScoreModelSpec } from '../../src/models/scoreModel.ts';

const density = getDensity('gmm2');
const points = Float32Array.from(gridPoints(makeGrid(density.bounds!, 64, 64)));
const n = points.length / 2;

function expectClose(what: string, got: Float32Array, want: Float32Array, s1: Float32Array, per: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let at = '';
  for (let k = 0; k < want.length; k++) {
    const p = Math.floor(k / per);
    const g2 = s1[2 * p] ** 2 + s1[2 * p + 1] ** 2;
    const r = Math.abs(got[k] - want[k]) / (1e-4 * (1 + Math.abs(want[k])) + 2 ** -18 * g2);
    if (r > worst) [worst, at] = [r, `${what}[${k}]: ${got[k]} vs ${want[k]}, |s1|² = ${g2}`];
  }
  expect(worst, at).toBeLessThan(1);
}

function randomModel(patch: Partial<ScoreModelSpec>, seed: number): ScoreModel {
  const spec: ScoreModelSpec = { dim: 2, sigma: 0.4, s2: 'psd', rank: 1, width: 32, depth: 2, act: 'tanh', shareTrunk: false, inputShift: [0, 0], inputScale: [1.6, 1.1], s2Scale: 0.2, ...patch };
  const model = new ScoreModel(spec, createRng(seed));
  const rng = createRng(seed + 1);
  for (const [, v] of model.namedVariables()) {
    const vals = Float32Array.from({ length: v.size }, () => rng.normal() / Math.sqrt(v.rank === 2 ? v.shape[0] : 4));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
  return model;
}

describe('fused grid fields (one dispatch per field)', () => {
  it('a learned model: s1θ, the direct s2θ (psd head) and the autodiff Hessian match tfjs', async () => {
    const model = randomModel({}, 3);
    const x = tf.tensor2d(points, [n, 2]);
    const refS1 = (await model.s1(x).data()) as Float32Array;
    const refS2 = (await model.s2(x).data()) as Float32Array;
    const adT = tf.tidy(() => symmetrise(rowJacobian((v) => model.s1(v), x)));
    const refAd = (await adT.data()) as Float32Array;
    tf.dispose([x, adT]);
    const tensors = tf.memory().numTensors;
    const direct = await countDispatches(() => evaluateFusedField({ kind: 'model', model, hessian: 'direct' }, points, { hessian: true }));
    expect(direct.dispatches).toBe(1);
    expectClose('direct.value.s1', direct.value.s1, refS1, refS1, 2);
    expectClose('direct.value.s2', direct.value.s2!, refS2, refS1, 4);
    expect(direct.value.logp).toBeUndefined();
    const auto = await evaluateFusedField({ kind: 'model', model, hessian: 'autodiff' }, points, { hessian: true });
    expectClose('auto.s2', auto.s2!, refAd, refS1, 4);
    // The direct head and the autodiff Hessian of this random model differ: the comparison could fail.
    expect(Math.max(...auto.s2!.map((v, k) => Math.abs(v - direct.value.s2![k])))).toBeGreaterThan(0.1);
    expect(liveFusedBuffers()).toBe(0);
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
    const fused = await countDispatches(() => evaluateFusedField(mixtureSource(density.gmm!, 0.3), points, { hessian: true }));
    expect(fused.dispatches).toBe(1);
    expect(tfjs.dispatches).toBeGreaterThan(10);
    expectClose('fused.value.s1', fused.value.s1, refS1, refS1, 2);
    expectClose('fused.value.s2', fused.value.s2!, refS2, refS1, 4);
    expectClose('fused.value.logp', fused.value.logp!, refLogp, refS1, 1);
    expect(liveFusedBuffers()).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses points that are not n·D numbers', async () => {
    await expect(evaluateFusedField(mixtureSource(density.gmm!), Float32Array.of(1, 2, 3))).rejects.toThrow(/n·2 numbers/);
    expect(liveFusedBuffers()).toBe(0);
  });
});
