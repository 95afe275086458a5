/**
 * The `posterior` engine job (issue 4 step 3) driven in-process on the cpu backend: exact moments, the learned and
 * autodiff Tweedie moments of a model (against the model's own outputs and finite differences of s1θ), grids,
 * exact posterior samples, cancellation, input errors, and no leaked tensors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { getDensity } from '../../../src/core/densities/index.ts';
import { gmmMoments, gmmPosterior } from '../../../src/core/gmm.ts';
import { maxAbsDiff } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { approximationError } from '../../../src/core/uncertainty.ts';
import { EngineError, type EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import type { S2Kind } from '../../../src/models/hyper.ts';
import { ScoreModel, type ScoreModelSpec } from '../../../src/models/scoreModel.ts';
import { deserializeModel, serializeModel } from '../../../src/models/serialize.ts';

let engine: EngineClient;
beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'cpu' });
});
afterAll(() => engine.close());

const SIGMA = 0.5;
const POINTS = [0, 0.2, -1.5, 0.8, 2.5, 1.5];

function spec(s2: S2Kind): ScoreModelSpec {
  return { dim: 2, sigma: SIGMA, s2, rank: 1, width: 16, depth: 2, act: 'softplus', shareTrunk: false, inputShift: [0, 0], inputScale: [1.5, 1.2] };
}

async function modelJson(s2: S2Kind, seed = 3): Promise<{ json: unknown; model: ScoreModel }> {
  const model = new ScoreModel(spec(s2), createRng(seed));
  return { json: await serializeModel(model), model };
}

describe('posterior job: exact side', () => {
  it('returns the closed-form posterior moments of gmm2 and no learned side without a model', async () => {
    const r = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS });
    expect(r.n).toBe(3);
    expect(r.learned).toBeNull();
    expect(r.autodiff).toBeNull();
    const g = getDensity('gmm2').gmm!;
    for (let k = 0; k < 3; k++) {
      const m = gmmMoments(gmmPosterior(g, SIGMA, POINTS.slice(2 * k, 2 * k + 2)));
      expect(maxAbsDiff(r.exact.mean.subarray(2 * k, 2 * k + 2), m.mean)).toBeLessThan(1e-12);
      expect(maxAbsDiff(r.exact.cov.subarray(4 * k, 4 * k + 4), m.cov)).toBeLessThan(1e-12);
    }
  });

  it('a grid of cell centres over the plot window, and exact posterior samples for the first points', async () => {
    const r = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, grid: { nx: 8, ny: 6 }, samples: 500, samplePoints: 2, seed: 4 });
    expect(r.n).toBe(48);
    expect(r.grid).toEqual({ nx: 8, ny: 6, bounds: getDensity('gmm2').bounds });
    expect(r.points[0]).toBeCloseTo(-4 + 0.5, 12); // [-4, 4] in 8 cells of width 1
    expect(r.samples!.length).toBe(2 * 500 * 2);
    // Sample mean of the first block near the exact mean (5 standard errors).
    let mx = 0;
    let my = 0;
    for (let s = 0; s < 500; s++) {
      mx += r.samples![2 * s] / 500;
      my += r.samples![2 * s + 1] / 500;
    }
    expect(Math.abs(mx - r.exact.mean[0])).toBeLessThan(5 * Math.sqrt(r.exact.cov[0] / 500));
    expect(Math.abs(my - r.exact.mean[1])).toBeLessThan(5 * Math.sqrt(r.exact.cov[3] / 500));
  });

  it('grid targets use the lattice truth (banana)', async () => {
    const r = await engine.run('posterior', { density: 'banana', sigma: 0.5, points: [0, -1], samples: 200 });
    const m = getDensity('banana').noisy(0.5).posteriorMoments!([0, -1]);
    expect(maxAbsDiff(r.exact.mean, m.mean)).toBeLessThan(1e-12);
    expect(r.samples!.length).toBe(400);
  });
});

describe('posterior job: learned and autodiff sides', () => {
  it('learned = Tweedie of the model outputs; autodiff = Tweedie of the finite-difference Jacobian of s1θ', async () => {
    const { json, model } = await modelJson('full');
    // Whatever loading the model file alone leaves behind (expected 0), the job must add nothing to it.
    let before = tf.memory().numTensors;
    deserializeModel(json).dispose();
    const loadLeak = tf.memory().numTensors - before;
    before = tf.memory().numTensors;
    const r = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'model', model: json } });
    expect(tf.memory().numTensors - before).toBe(loadLeak);
    expect(r.s2Kind).toBe('full');
    const x = tf.tensor2d(POINTS, [3, 2]);
    const s1 = await model.s1(x).data();
    const s2 = await model.s2(x).data();
    const v = SIGMA * SIGMA;
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 2; i++) expect(r.learned!.mean[2 * k + i]).toBeCloseTo(POINTS[2 * k + i] + v * s1[2 * k + i], 5);
      for (let q = 0; q < 4; q++) {
        const sym = 0.5 * (s2[4 * k + q] + s2[4 * k + [0, 2, 1, 3][q]]);
        expect(r.learned!.cov[4 * k + q]).toBeCloseTo(v * v * sym + (q === 0 || q === 3 ? v : 0), 5);
      }
      // Error numbers are those of approximationError on the returned moments.
      const e = approximationError(
        { mean: r.learned!.mean.subarray(2 * k, 2 * k + 2), cov: r.learned!.cov.subarray(4 * k, 4 * k + 4) },
        { mean: r.exact.mean.subarray(2 * k, 2 * k + 2), cov: r.exact.cov.subarray(4 * k, 4 * k + 4) },
        2,
      );
      expect(r.learned!.w2[k]).toBeCloseTo(e.w2, 12);
      expect(r.learned!.psd[k]).toBe(e.psd ? 1 : 0);
    }
    // Autodiff against central differences of s1θ (float32: h = 1e-2, loose tolerance).
    const h = 1e-2;
    for (let k = 0; k < 3; k++) {
      const J = new Float64Array(4);
      for (let j = 0; j < 2; j++) {
        const plus = POINTS.slice(2 * k, 2 * k + 2);
        const minus = plus.slice();
        plus[j] += h;
        minus[j] -= h;
        const sp = await model.s1(tf.tensor2d(plus, [1, 2])).data();
        const sm = await model.s1(tf.tensor2d(minus, [1, 2])).data();
        for (let i = 0; i < 2; i++) J[i * 2 + j] = (sp[i] - sm[i]) / (2 * h);
      }
      for (let q = 0; q < 4; q++) {
        const sym = 0.5 * (J[q] + J[[0, 2, 1, 3][q]]);
        expect(Math.abs(r.autodiff!.cov[4 * k + q] - (v * v * sym + (q === 0 || q === 3 ? v : 0)))).toBeLessThan(2e-3);
      }
    }
    x.dispose();
    model.dispose();
  });

  it('a diagonal head gives a diagonal learned covariance; s2 = none gives autodiff only', async () => {
    const diag = await modelJson('diag');
    const r = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'model', model: diag.json } });
    for (let k = 0; k < 3; k++) {
      expect(r.learned!.cov[4 * k + 1]).toBe(0);
      expect(r.learned!.cov[4 * k + 2]).toBe(0);
    }
    const none = await modelJson('none');
    const r2 = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'model', model: none.json } });
    expect(r2.learned).toBeNull();
    expect(r2.autodiff).not.toBeNull();
    diag.model.dispose();
    none.model.dispose();
  });

  it('posteriorLoadModel keeps a model file in the engine for later requests by key', async () => {
    const { json, model } = await modelJson('psd');
    const info = await engine.run('posteriorLoadModel', { key: 'uncertainty:test', model: json });
    expect(info).toMatchObject({ key: 'uncertainty:test', dim: 2, sigma: SIGMA, s2: 'psd' });
    const a = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'session', key: 'uncertainty:test' } });
    const b = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'model', model: json } });
    expect(maxAbsDiff(a.learned!.cov, b.learned!.cov)).toBe(0);
    // The PSD head cannot produce a non-PSD covariance.
    expect(a.learned!.nonPsd).toBe(0);
    await expect(engine.run('posteriorLoadModel', { key: 'k', model: { format: 'nope' } })).rejects.toThrow(/could not be loaded/);
    model.dispose();
  });

  it("uses the Scores lab's training session by key (engine/jobs/train.ts), and the model's σ must match", async () => {
    await engine.run('train.create', { key: 'scores', density: 'gmm2', hyper: { sigma: SIGMA, width: 8, depth: 1 } });
    const r = await engine.run('posterior', { density: 'gmm2', sigma: SIGMA, points: POINTS, model: { kind: 'session', key: 'scores' } });
    expect(r.learned!.mean).toHaveLength(6);
    expect(r.autodiff!.cov).toHaveLength(12);
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 1, points: POINTS, model: { kind: 'session', key: 'scores' } })).rejects.toThrow(/trained at σ/);
    await engine.run('train.dispose', { key: 'scores' });
  });

  it('counts non-PSD predictions and gives them infinite KL (the shipped gmm2 model at σ = 0.3, far from the data)', async () => {
    const json = JSON.parse(readFileSync(new URL('../../../public/models/uncertainty/gmm2-sigma0.3.json', import.meta.url), 'utf8'));
    const r = await engine.run('posterior', { density: 'gmm2', sigma: 0.3, grid: { nx: 13 }, model: { kind: 'model', model: json } });
    const count = Array.from(r.learned!.psd).filter((v) => v === 0).length;
    expect(count).toBeGreaterThan(0);
    expect(r.learned!.nonPsd).toBe(count);
    for (let k = 0; k < r.n; k++) {
      if (!r.learned!.psd[k]) {
        expect(r.learned!.minEigenvalue[k]).toBeLessThan(0);
        expect(r.learned!.kl[k]).toBe(Infinity);
        expect(Number.isFinite(r.learned!.w2[k])).toBe(true);
      }
    }
  });
});

describe('posterior job: errors and cancellation', () => {
  it('refuses bad input with a reason', async () => {
    await expect(engine.run('posterior', { density: 'nope', sigma: 1, points: [0, 0] })).rejects.toThrow(/unknown density/);
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 0, points: [0, 0] })).rejects.toThrow(/σ must be a positive/);
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 1, points: [0, 0, 1] })).rejects.toThrow(/multiple of 2/);
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 1 })).rejects.toThrow(/at least one noisy point/);
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 1, points: [0, 0], model: { kind: 'session', key: 'none' } })).rejects.toThrow(
      /train one in the Scores lab/,
    );
    const { json, model } = await modelJson('full');
    await expect(engine.run('posterior', { density: 'gmm2', sigma: 0.3, points: [0, 0], model: { kind: 'model', model: json } })).rejects.toThrow(
      /trained at σ = 0.5/,
    );
    model.dispose();
  });

  it('a cancelled request rejects with cancelled: true', async () => {
    const ctrl = new AbortController();
    const p = engine.run('posterior', { density: 'gmm2', sigma: SIGMA, grid: { nx: 40 }, samples: 1000 }, { signal: ctrl.signal });
    ctrl.abort();
    const e = await p.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).cancelled).toBe(true);
  });
});
