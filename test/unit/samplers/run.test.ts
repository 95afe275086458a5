/**
 * Batch runs, metrics, the live session and the engine jobs of the Samplers lab (cpu backend, fixed seeds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { getDensity } from '../../../src/core/densities/index.ts';
import { createRng } from '../../../src/core/rng.ts';
import { EngineError, type EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { gmmScoreField } from '../../../src/models/exactField.ts';
import type { ScoreField } from '../../../src/models/scoreField.ts';
import { ScoreModel } from '../../../src/models/scoreModel.ts';
import { serializeModel } from '../../../src/models/serialize.ts';
import { samplerMetrics } from '../../../src/samplers/metrics.ts';
import { bestStep, logGrid, parseGrid, runChains, sweep, type SweepPoint } from '../../../src/samplers/run.ts';
import { MIN_WINDOW, SamplerSession } from '../../../src/samplers/session.ts';
import { samplerTarget, trueMarginals, type SamplerTarget } from '../../../src/samplers/target.ts';
import { gaussian, useCpu } from './helpers.ts';

beforeAll(useCpu);

/** N(0, 1) in 1-D as a sampler target, chains starting at the given points. */
function gauss1(start: number[]): { field: ScoreField; target: SamplerTarget } {
  const field = gmmScoreField(gaussian([0], [1]));
  const rng = createRng(4);
  const target: SamplerTarget = {
    name: 'n01',
    dim: 1,
    mean: Float64Array.from([0]),
    cov: Float64Array.from([1]),
    reference: Float64Array.from({ length: 500 }, () => rng.normal()),
    init: { kind: 'points', points: Float32Array.from(start) },
    center: [0],
    bound: 50,
    draw: () => new Float64Array(0),
  };
  return { field, target };
}

describe('grids', () => {
  it('parses LO:HI:N into a log-spaced grid and refuses malformed ones', () => {
    expect(parseGrid('0.01:1:3')).toEqual({ lo: 0.01, hi: 1, n: 3 });
    const g = logGrid(0.01, 1, 3);
    expect(g[1]).toBeCloseTo(0.1, 12);
    expect(() => parseGrid('0.01:1')).toThrow(/LO:HI:N/);
    expect(() => parseGrid('1:0.1:4')).toThrow(/lo <= hi/);
    expect(() => parseGrid('0:1:4')).toThrow();
  });

  it('picks the best step among runs without divergence and within the whitened bias gate, and flags a grid edge', () => {
    const p = (step: number, essMin: number, covErrorWhitened: number, diverged = 0, covError = 0.01) => ({ step, essMin, covErrorWhitened, covError, diverged }) as SweepPoint;
    const gate = { maxWhitenedError: 0.2, maxCovError: null };
    const pts = [p(0.1, 50, 0.01), p(0.2, 90, 0.05), p(0.4, 300, 0.5), p(0.8, 900, 0.01, 3)];
    const r = bestStep(pts, gate);
    expect(r.best?.step).toBe(0.2);
    expect(r.bestUngated?.step).toBe(0.4);
    expect(r.bestAtGridEdge).toBe(false);
    // The relative error passes 0.4, the whitened one does not (the former gate would have picked it).
    expect(bestStep([p(0.1, 50, 0.01), p(0.4, 300, 0.5, 0, 0.09)], gate).best?.step).toBe(0.1);
    // A best at the largest or at the smallest step is flagged; no best, no flag.
    expect(bestStep([p(0.1, 50, 0.01), p(0.2, 90, 0.05)], gate).bestAtGridEdge).toBe(true);
    expect(bestStep([p(0.1, 90, 0.01), p(0.2, 50, 0.05)], gate).bestAtGridEdge).toBe(true);
    const none = bestStep([p(0.1, 90, 0.5), p(0.2, 50, 0.5)], gate);
    expect(none.best).toBeNull();
    expect(none.bestAtGridEdge).toBe(false);
    // The former gate, when asked for, applies as well.
    expect(bestStep([p(0.1, 50, 0.01), p(0.2, 90, 0.05, 0, 0.3)], { maxWhitenedError: 0.2, maxCovError: 0.1 }).best?.step).toBe(0.1);
  });
});

describe('a diverging chain does not poison the others', () => {
  it('is reported with its iteration and the statistics equal those of the other chains alone', async () => {
    const quartic: ScoreField = {
      dim: 1,
      score: (x) => tf.tidy(() => tf.neg(tf.pow(x, 3)) as tf.Tensor2D),
      hessianDiag: (x) => tf.tidy(() => tf.mul(tf.square(x), -3) as tf.Tensor2D),
      dispose() {},
    };
    const spec = { kind: 'langevin' as const, step: 0.1, chains: 8, steps: 200, burn: 10, seed: 3 };
    const start = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, -0.7, 0.8];
    const a = gauss1([10, ...start.slice(1)]);
    const b = gauss1(start);
    const runA = await runChains(quartic, a.target, spec);
    const runB = await runChains(quartic, b.target, spec);
    expect([...runA.divergedAt]).toEqual([2, -1, -1, -1, -1, -1, -1, -1]);
    const mA = samplerMetrics(runA.draws, a.target, { divergedAt: runA.divergedAt, seconds: 1 });
    // The same draws of chains 1..7 in run B (identical noise: common random numbers), with chain 0 left out.
    const mB = samplerMetrics(runB.draws, b.target, { divergedAt: [0, -1, -1, -1, -1, -1, -1, -1], seconds: 1 });
    expect(mA.diverged).toBe(1);
    expect(mA.firstDivergence).toBe(2);
    expect(mA.chainsUsed).toBe(7);
    for (const k of ['essMin', 'meanError', 'covError', 'distance'] as const) {
      expect(Number.isFinite(mA[k])).toBe(true);
      expect(mA[k]).toBeCloseTo(mB[k], 6);
    }
    // Frozen inside the bound: the diverged chain's last draw is finite and within it (no plot blow-up).
    const last = runA.draws.data[(runA.draws.iters - 1) * 8];
    expect(Math.abs(last)).toBeLessThanOrEqual(50);
    a.field.dispose();
    b.field.dispose();
  });
});

describe('sweep', () => {
  it('finds Langevin diverging past ε = 4 on N(0, 1) while Ozaki keeps sampling, with no leaked tensors', async () => {
    const { field, target } = gauss1(Array.from({ length: 16 }, (_, i) => (i - 8) / 4));
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const curves = await sweep(field, target, { samplers: [{ kind: 'langevin' }, { kind: 'ozaki' }], grid: [0.5, 2, 5], chains: 16, steps: 100, burn: 20, seed: 1 }, {
      checkpoint: async (p) => void progress.push(p.done / p.total),
    });
    expect(tf.memory().numTensors).toBe(before);
    const [lan, oz] = curves;
    expect(lan.points.map((p) => p.diverged)).toEqual([0, 0, 16]);
    expect(oz.points.every((p) => p.diverged === 0)).toBe(true);
    // Ozaki with the exact Hessian of a Gaussian is exact: no bias at any step.
    for (const p of oz.points) expect(p.covErrorWhitened).toBeLessThan(0.3);
    expect(oz.gate).toEqual({ maxWhitenedError: 0.2, maxCovError: null });
    expect(lan.best?.step).not.toBe(5);
    expect(oz.best).not.toBeNull();
    expect(progress[progress.length - 1]).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    field.dispose();
  });
});

describe('live session', () => {
  it('advances panels in lockstep with common random numbers, takes a new step at once, resets, and frees everything', async () => {
    const density = getDensity('corr-gauss');
    const target = samplerTarget(density, { reference: 300 });
    const field = gmmScoreField(density.gmm!);
    const before = tf.memory().numTensors;
    const s = await SamplerSession.create(field, target, {
      chains: 40, seed: 2, burn: 5, trailChains: 10, trailLength: 6, pathLength: 30,
      panels: [{ kind: 'langevin', step: 0.02 }, { kind: 'langevin', step: 0.02 }, { kind: 'ozaki', step: 0.02 }],
    }, false);
    const f0 = await s.frames();
    expect(f0[0].positions).toEqual(f0[2].positions); // shared initial points
    let frames = await s.advance(8);
    expect(frames.map((f) => f.t)).toEqual([8, 8, 8]);
    expect(frames[0].positions).toEqual(frames[1].positions); // same sampler, same noise
    expect(frames[0].positions).not.toEqual(frames[2].positions);
    expect(frames[0].trails.length).toBe(6 * 10 * 2);
    expect(frames[0].path.length).toBe(8 * 2);
    expect(frames[0].pathStart).toBe(1);
    // Panel 1 gets a larger step while running: the next advance uses it, its window restarts.
    s.configure(1, { step: 0.05 });
    frames = await s.advance(8);
    expect(frames[1].step).toBe(0.05);
    expect(frames[0].positions).not.toEqual(frames[1].positions);
    let diag = await s.diagnostics({ maxLag: 5, bins: 10 });
    expect(diag[0].kept).toBe(16 - 5);
    expect(diag[1].kept).toBe(16 - 13); // its window restarted at iteration 8, plus the burn-in
    expect(diag[0].metrics).toBeNull(); // too few kept iterations for an ESS
    await s.advance(MIN_WINDOW);
    diag = await s.diagnostics({ maxLag: 5, bins: 10 });
    expect(diag[1].kept).toBe(16 + MIN_WINDOW - 13);
    expect(diag[0].metrics?.chainsUsed).toBe(40);
    expect(diag[1].metrics?.essMin).toBeGreaterThan(0);
    expect(diag[0].autocorr[0].length).toBe(6);
    expect(diag[0].hist.density[1].length).toBe(10);
    expect(diag[0].distanceCurve.t.slice(0, 4)).toEqual([1, 2, 3, 4]);
    await s.reset();
    frames = await s.frames();
    expect(frames[0].t).toBe(0);
    expect(frames[0].positions).toEqual(f0[0].positions);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    field.dispose();
  });

  it('gives the true marginals of a 2-D target as normalised densities', () => {
    const m = trueMarginals(getDensity('gmm2'), 100)!;
    for (let j = 0; j < 2; j++) {
      const h = m.x[j][1] - m.x[j][0];
      expect(m.p[j].reduce((a, v) => a + v, 0) * h).toBeCloseTo(1, 1);
    }
  });
});

/** A saved (untrained) 2-D model at σ = 0.3 with a diagonal s2 head: a learned score source for the jobs. */
async function smallSavedModel(): Promise<Awaited<ReturnType<typeof serializeModel>>> {
  const model = new ScoreModel(
    { dim: 2, sigma: 0.3, s2: 'diag', rank: 1, width: 8, depth: 1, act: 'softplus', shareTrunk: false, inputShift: [0, 0], inputScale: [1, 1] },
    createRng(5),
  );
  const json = await serializeModel(model);
  model.dispose();
  return json;
}

describe('engine jobs', () => {
  let engine: EngineClient;
  beforeAll(async () => {
    engine = createInProcessEngine();
    await engine.run('init', { backend: 'cpu' });
  });
  afterAll(() => engine.close());

  it('sample: metrics of one run with exact scores, MALA acceptance included', async () => {
    const r = await engine.run('sample', { density: 'corr-gauss', score: { kind: 'exact' }, sampler: 'mala', step: 0.02, chains: 20, steps: 60, burn: 20, seed: 1 });
    expect(r.essPerDim.length).toBe(2);
    expect(r.essMin).toBeGreaterThan(0);
    expect(r.acceptRate).toBeGreaterThan(0.3);
    expect(r.diverged).toBe(0);
  });

  it('sweep: progress, curves and best steps; learned scores from a saved model run through the same job', async () => {
    const json = await smallSavedModel();
    const seen: number[] = [];
    const r = await engine.run(
      'sweep',
      { density: 'gmm2', score: { kind: 'model', model: json }, samplers: ['langevin', 'ozaki'], grid: { lo: 0.01, hi: 0.1, n: 2 }, chains: 8, steps: 20, burn: 0, seed: 0 },
      { onProgress: (p) => seen.push(p.done) },
    );
    expect(r.grid.length).toBe(2);
    expect(r.curves.map((c) => c.sampler)).toEqual(['langevin', 'ozaki']);
    expect(r.curves[0].points.length).toBe(2);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('learned scores target q_σ at the model\'s σ, and a model trained on another density is refused', async () => {
    const json = await smallSavedModel();
    const panels = [{ kind: 'langevin' as const, step: 0.05 }];
    const exact = await engine.run('samplerStart', { key: 'q', density: 'gmm2', score: { kind: 'exact' }, chains: 4, seed: 1, burn: 0, panels });
    const learned = await engine.run('samplerStart', { key: 'q', density: 'gmm2', score: { kind: 'model', model: { ...json, density: 'gmm2' } }, chains: 4, seed: 1, burn: 0, panels });
    expect(exact.sigma).toBe(0);
    expect(learned.sigma).toBe(0.3);
    // Cov[q_σ] = Cov[p] + σ² I (MATH.md section 6), the mean unchanged.
    expect(learned.mean).toEqual(exact.mean);
    const expected = exact.cov.map((v, i) => v + (i % 3 === 0 ? 0.09 : 0));
    learned.cov.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    await engine.run('samplerStop', { key: 'q' });
    await expect(
      engine.run('sample', { density: 'corr-gauss', score: { kind: 'model', model: { ...json, density: 'gmm2' } }, sampler: 'langevin', step: 0.1, chains: 4, steps: 10, burn: 0, seed: 0 }),
    ).rejects.toThrow(/trained on "gmm2" but the target is "corr-gauss"/);
  });

  it('refuses what a score source cannot do, and unknown samplers, with a clear message', async () => {
    const json = await smallSavedModel();
    await expect(engine.run('sample', { density: 'gmm2', score: { kind: 'model', model: json }, sampler: 'mala', step: 0.1, chains: 4, steps: 10, burn: 0, seed: 0 })).rejects.toThrow(/mala cannot run here: it needs a log density/);
    await expect(engine.run('sample', { density: 'gmm2', score: { kind: 'model', model: json }, sampler: 'ozaki-full', step: 0.1, chains: 4, steps: 10, burn: 0, seed: 0 })).rejects.toThrow(/full second-order score/);
    await expect(engine.run('sample', { density: 'gmm2', score: { kind: 'exact' }, sampler: 'hmc' as never, step: 0.1, chains: 4, steps: 10, burn: 0, seed: 0 })).rejects.toThrow(/unknown sampler "hmc"/);
    await expect(engine.run('samplerAdvance', { key: 'nothing', steps: 1 })).rejects.toBeInstanceOf(EngineError);
  });

  it('live session jobs: start, advance with a slider change, diagnostics, reset, stop, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const start = await engine.run('samplerStart', {
      key: 't', density: 'gmm2', score: { kind: 'exact' }, chains: 30, seed: 4, burn: 0,
      panels: [{ kind: 'langevin', step: 0.05 }, { kind: 'ozaki', step: 0.05 }],
    });
    expect(start.dim).toBe(2);
    expect(start.marginals?.p.length).toBe(2);
    expect(start.has).toEqual({ hessian: true, hessianDiag: true, logp: true });
    let r = await engine.run('samplerAdvance', { key: 't', steps: 5, configure: [{ panel: 1, step: 0.2 }] });
    expect(r.frames[1].step).toBe(0.2);
    expect(r.frames[1].t).toBe(5);
    const d = await engine.run('samplerDiagnostics', { key: 't' });
    expect(d.panels[0].kept).toBe(5);
    r = await engine.run('samplerReset', { key: 't' });
    expect(r.frames[0].t).toBe(0);
    await expect(engine.run('samplerConfigure', { key: 't', panel: 7, step: 1 })).rejects.toThrow(/no panel 7/);
    await expect(engine.run('samplerConfigure', { key: 't', panel: 0, step: -1 })).rejects.toThrow(/positive/);
    expect((await engine.run('samplerStop', { key: 't' })).stopped).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
