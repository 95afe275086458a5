/**
 * Fused WebGPU sampler kernels (src/gpu/samplers) against the tfjs op-by-op reference `samplerMove`
 * (src/samplers/kernels.ts), on Dawn + SwiftShader: same initial points, same noise (supplied to the fused
 * kernel through its noise buffer), every sampler kind, on the exact mixture score and on learned MLP scores.
 *
 * Float32 tolerance: after 5 steps every coordinate agrees within 2e-4 · (1 + |x|) (the two sides evaluate the
 * same formulas in a different order: a streaming log-sum-exp against tfjs's two-pass one, fused multiply-adds,
 * expm1 as exp − 1; the differences are ~1e-6 per step and are amplified by the dynamics). Chains start at draws
 * of the target: far in a mixture's tails s2 = Σ r (a aᵀ − P) − s1 s1ᵀ cancels terms of size |s1|², so both sides'
 * float32 Hessians are only accurate to ~|s1|² · 2⁻²⁴ there (measured: 1.5e-3 after one full-Ozaki step of
 * ε = 0.5 at |s1| ≈ 60), which is the reference's own error, not a disagreement. MALA accept/reject decisions
 * may flip where log U is within float32 noise of log α: at most 0.2% of chains may differ.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { countDispatches } from '../../src/gpu/dispatchCount.ts';
import { liveFusedBuffers } from '../../src/gpu/buffers.ts';
import { createFusedChains, type FusedChainsOptions, type FusedScoreSource } from '../../src/gpu/samplers/fusedChains.ts';
import { fusedNoise } from '../../src/gpu/samplers/rng.ts';
import { fusedSourceOf, mixtureSource } from '../../src/gpu/samplers/source.ts';
import { getDensity } from '../../src/core/densities/index.ts';
import { createRng } from '../../src/core/rng.ts';
import { makeGmm, sampleGmm } from '../../src/core/gmm.ts';
import type { Gmm } from '../../src/core/types.ts';
import { gmmScoreField, gridScoreField } from '../../src/models/exactField.ts';
import { scoreFieldFromModel } from '../../src/models/learnedField.ts';
import { ScoreModel, type ScoreModelSpec } from '../../src/models/scoreModel.ts';
import type { ScoreField } from '../../src/models/scoreField.ts';
import { samplerMove, type ChainCache, type SamplerKind } from '../../src/samplers/kernels.ts';

const N = 1500;
const D = 2;
/** Steps of each parity run: the reference's tfjs-webgpu steps on SwiftShader are most of this file's time (10 took ~2× as long). */
const STEPS = 5;
const TOL = 2e-4;

const gmm2 = (): Gmm => getDensity('gmm2').gmm!;

function startPoints(n: number, seed: number, spread = 1.5): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * D }, () => spread * rng.normal());
}

/** Noise of `steps` iterations, [step][chain][ξ_1, ξ_2, log U]. */
function noiseTable(steps: number, n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(steps * n * (D + 1));
  for (let r = 0; r < steps * n; r++) {
    for (let i = 0; i < D; i++) out[r * (D + 1) + i] = rng.normal();
    out[r * (D + 1) + D] = Math.log(Math.max(rng.uniform(), 1e-12));
  }
  return out;
}

/** The tfjs reference: `samplerMove` step after step with the same noise (MALA cache as ChainSet keeps it). */
async function reference(field: ScoreField, x0: Float32Array, kind: SamplerKind, step: number, clamp: boolean, noise: Float32Array, steps: number): Promise<{ frames: Float32Array; accepted: Float32Array }> {
  const n = x0.length / D;
  let x = tf.tensor2d(x0, [n, D]);
  let cache: ChainCache = {};
  const frames = new Float32Array(steps * n * D);
  const accepted = new Float32Array(n);
  for (let s = 0; s < steps; s++) {
    const rows = noise.subarray(s * n * (D + 1), (s + 1) * n * (D + 1));
    const xi = tf.tensor2d(Float32Array.from({ length: n * D }, (_, k) => rows[Math.floor(k / D) * (D + 1) + (k % D)]), [n, D]);
    const logU = tf.tensor1d(Float32Array.from({ length: n }, (_, c) => rows[c * (D + 1) + D]));
    const res = samplerMove(field, x, { xi, logU }, { kind, step, clamp }, cache);
    xi.dispose();
    logU.dispose();
    x.dispose();
    cache.g?.dispose();
    cache.logp?.dispose();
    x = res.x;
    cache = res.cache;
    frames.set(await x.data(), s * n * D);
    if (res.accepted) {
      const a = await res.accepted.data();
      for (let c = 0; c < n; c++) accepted[c] += a[c];
      res.accepted.dispose();
    }
  }
  x.dispose();
  cache.g?.dispose();
  cache.logp?.dispose();
  return { frames, accepted };
}

function opts(kind: SamplerKind, step: number, clamp = false, extra: Partial<FusedChainsOptions> = {}): FusedChainsOptions {
  return { kind, step, clamp, seed: 7, center: [0, 0], bound: 1e6, ...extra };
}

/** Largest |a − b| / (1 + |b|) over entries, ignoring the chains in `skip`. */
function maxRelDiff(a: Float32Array, b: Float32Array, n: number, skip: Set<number> = new Set()): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    if (skip.has(Math.floor(k / D) % n)) continue;
    worst = Math.max(worst, Math.abs(a[k] - b[k]) / (1 + Math.abs(b[k])));
  }
  return worst;
}

/** Start points drawn from gmm2 (the parity tests' chains start at stationarity, see the module note). */
function targetPoints(n: number, seed: number): Float32Array {
  return Float32Array.from(sampleGmm(gmm2(), createRng(seed), n));
}

async function parity(source: FusedScoreSource, field: ScoreField, kind: SamplerKind, step: number, clamp = false): Promise<void> {
  const x0 = targetPoints(N, 11);
  const noise = noiseTable(STEPS, N, 12);
  const ref = await reference(field, x0, kind, step, clamp, noise, STEPS);
  const chains = await createFusedChains(source, x0, opts(kind, step, clamp));
  try {
    chains.useNoise(noise);
    const frames = await chains.run(STEPS);
    expect(frames.length).toBe(STEPS * N * D);
    const skip = new Set<number>();
    if (kind === 'mala') {
      // Chains whose accept count differs took another path (a decision within float32 noise): at most 0.2%.
      const acc = await chains.acceptance();
      for (let c = 0; c < N; c++) if (Math.round(acc[c] * STEPS) !== ref.accepted[c]) skip.add(c);
      expect(skip.size).toBeLessThanOrEqual(0.002 * N);
      const meanAcc = ref.accepted.reduce((s, v) => s + v, 0) / (N * STEPS);
      expect(meanAcc).toBeGreaterThan(0.2); // the test exercises both outcomes
      expect(meanAcc).toBeLessThan(0.98);
    }
    expect(maxRelDiff(frames, ref.frames, N, skip)).toBeLessThan(TOL);
    expect((await chains.divergence()).count).toBe(0);
  } finally {
    chains.dispose();
  }
}

/** The fused source of a tfjs field (fails the test when the field has none). */
function sourceOf(field: ScoreField): FusedScoreSource {
  const s = fusedSourceOf(field);
  if (typeof s === 'string') throw new Error(s);
  return s;
}

function modelSpec(patch: Partial<ScoreModelSpec>): ScoreModelSpec {
  return { dim: 2, sigma: 0.4, s2: 'full', rank: 1, width: 24, depth: 2, act: 'softplus', shareTrunk: true, inputShift: [0.1, -0.2], inputScale: [1.5, 1.2], s2Scale: 0.3, ...patch };
}

/** A model with weights of unit scale (fresh models start with a near-zero s2 head, which would test little). */
function randomModel(patch: Partial<ScoreModelSpec>, seed: number): ScoreModel {
  const model = new ScoreModel(modelSpec(patch), createRng(seed));
  const rng = createRng(seed + 100);
  for (const [, v] of model.namedVariables()) {
    const fan = v.shape[0];
    const vals = Float32Array.from({ length: v.size }, () => rng.normal() / Math.sqrt(v.rank === 2 ? fan : 4));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
  return model;
}

describe('fused sampler kernels: parity with samplerMove on the exact mixture (same noise)', () => {
  const field = gmmScoreField(gmm2());
  const blurred = gmmScoreField(gmm2(), 0.3);
  afterAll(() => {
    field.dispose();
    blurred.dispose();
  });
  const cases: [SamplerKind, number, boolean][] = [
    ['langevin', 0.05, false],
    ['ozaki', 0.05, false],
    ['ozaki', 0.2, true],
    ['ozaki-full', 0.05, false],
    ['ozaki-full', 0.3, true],
    ['mala', 0.2, false],
  ];
  for (const [kind, step, clamp] of cases) {
    it(`${kind}${clamp ? ' (clamped)' : ''}, ε = ${step}`, async () => {
      await parity(sourceOf(field), field, kind, step, clamp);
    });
  }
  it('ozaki-full and mala on the σ-blurred mixture (σ = 0.3)', async () => {
    await parity(sourceOf(blurred), blurred, 'ozaki-full', 0.1);
    await parity(sourceOf(blurred), blurred, 'mala', 0.3);
  });
  it('clamped ozaki-full and mala on a grid-interpolated density (banana, σ = 0.3; gpu/samplers/gridSource.ts)', async () => {
    const grid = gridScoreField(getDensity('banana'), { resolution: 101, sigma: 0.3 });
    try {
      await parity(sourceOf(grid), grid, 'ozaki-full', 0.1, true);
      await parity(sourceOf(grid), grid, 'mala', 0.1);
    } finally {
      grid.dispose();
    }
  });
});

describe('fused sampler kernels: parity with samplerMove on learned MLP scores (same noise)', () => {
  const cases: [string, Partial<ScoreModelSpec>, 'direct' | 'autodiff', SamplerKind[]][] = [
    ['softplus, full s2 head on the shared trunk', {}, 'direct', ['langevin', 'ozaki', 'ozaki-full']],
    ['tanh, psd head (rank 1) on its own MLP', { act: 'tanh', s2: 'psd', shareTrunk: false }, 'direct', ['ozaki', 'ozaki-full']],
    ['silu, lowrank head (rank 2)', { act: 'silu', s2: 'lowrank', rank: 2, depth: 3 }, 'direct', ['ozaki-full']],
    ['relu, diagonal head', { act: 'relu', s2: 'diag' }, 'direct', ['ozaki']],
    ['softplus, s2 = none, autodiff Hessian', { s2: 'none' }, 'autodiff', ['ozaki', 'ozaki-full']],
  ];
  for (const [name, patch, hessian, kinds] of cases) {
    it(name, async () => {
      const model = randomModel(patch, 5);
      const field = scoreFieldFromModel(model, { hessian });
      try {
        expect(sourceOf(field)).toEqual({ kind: 'model', model, hessian });
        for (const kind of kinds) await parity(sourceOf(field), field, kind, kind === 'langevin' ? 0.01 : 0.02, kind === 'ozaki-full');
      } finally {
        field.dispose();
        model.dispose();
      }
    });
  }
  it('refuses MALA on a learned score (no log density) with a clear error', async () => {
    const model = randomModel({}, 6);
    try {
      await expect(createFusedChains({ kind: 'model', model }, startPoints(4, 1), opts('mala', 0.1))).rejects.toThrow(/mala cannot run here: it needs a log density/);
    } finally {
      model.dispose();
    }
  });
});

describe('fused sampler kernels: in-shader noise, divergence, counters', () => {
  it('draws the noise of rng.ts: one Langevin step equals x0 + (ε/2) g(x0) + √ε ξ(seed, 1, chain)', async () => {
    const n = 2048;
    const x0 = targetPoints(n, 3);
    const eps = 0.3;
    const field = gmmScoreField(gmm2());
    const g = tf.tidy(() => field.score(tf.tensor2d(x0, [n, D])));
    const gv = await g.data();
    g.dispose();
    field.dispose();
    const chains = await createFusedChains(mixtureSource(gmm2()), x0, opts('langevin', eps, false, { seed: 1234 }));
    const x1 = await chains.run(1);
    chains.dispose();
    let worst = 0;
    const xis: number[] = [];
    for (let c = 0; c < n; c++) {
      const { xi } = fusedNoise(1234, 1, c, D);
      for (let i = 0; i < D; i++) {
        const want = x0[c * D + i] + (eps / 2) * gv[c * D + i] + Math.sqrt(eps) * xi[i];
        // float32 step (1e-5 relative) plus WGSL's sin/cos accuracy (2⁻¹¹ absolute) times the Box–Muller radius.
        const allowed = 1e-5 * (1 + Math.abs(want)) + Math.sqrt(eps) * Math.hypot(xi[0], xi[1]) * 2 ** -11;
        worst = Math.max(worst, Math.abs(x1[c * D + i] - want) / allowed);
        xis.push(xi[i]);
      }
    }
    expect(worst).toBeLessThan(1);
    // And the generator's normals look standard: mean within 4 standard errors of 0, variance within 0.1 of 1.
    const mean = xis.reduce((s, v) => s + v, 0) / xis.length;
    const variance = xis.reduce((s, v) => s + (v - mean) ** 2, 0) / xis.length;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(xis.length));
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });

  it('gives the same chains whatever the split into calls and dispatches (counter-based noise)', async () => {
    const x0 = startPoints(1200, 4);
    const a = await createFusedChains(mixtureSource(gmm2()), x0, opts('mala', 0.2, false, { maxStepsPerDispatch: 64 }));
    const b = await createFusedChains(mixtureSource(gmm2()), x0, opts('mala', 0.2, false, { maxStepsPerDispatch: 3 }));
    try {
      const fa = await a.run(20);
      await b.advance(7);
      const fb = await b.run(13);
      expect(Array.from(fb.subarray(fb.length - 1200 * D))).toEqual(Array.from(fa.subarray(fa.length - 1200 * D)));
      expect(Array.from(await b.acceptance())).toEqual(Array.from(await a.acceptance()));
      expect(a.t).toBe(20);
      expect(b.t).toBe(20);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('freezes a chain where it leaves the bound and records the iteration, as ChainSet does', async () => {
    const n = 1200;
    const x0 = startPoints(n, 8, 0.5);
    const noise = noiseTable(STEPS, n, 9);
    const field = gmmScoreField(gmm2());
    const ref = await reference(field, x0, 'langevin', 0.2, false, noise, STEPS);
    field.dispose();
    const bound = 2.0;
    const chains = await createFusedChains(mixtureSource(gmm2()), x0, opts('langevin', 0.2, false, { bound }));
    try {
      chains.useNoise(noise);
      const frames = await chains.run(STEPS);
      const { count, at } = await chains.divergence();
      let expected = 0;
      for (let c = 0; c < n; c++) {
        let want = -1;
        for (let s = 0; s < STEPS && want < 0; s++) {
          const o = (s * n + c) * D;
          if (Math.abs(ref.frames[o]) > bound || Math.abs(ref.frames[o + 1]) > bound) want = s + 1;
        }
        if (want > 0) expected++;
        expect(at[c]).toBe(want);
        if (want > 0) {
          // Frozen at its last position (x0 when it left at the first step).
          const last = want >= 2 ? ref.frames.subarray(((want - 2) * n + c) * D, ((want - 2) * n + c) * D + D) : x0.subarray(c * D, c * D + D);
          const end = frames.subarray(((STEPS - 1) * n + c) * D, ((STEPS - 1) * n + c) * D + D);
          const own = want >= 2 ? frames.subarray(((want - 2) * n + c) * D, ((want - 2) * n + c) * D + D) : x0.subarray(c * D, c * D + D);
          expect(Array.from(end)).toEqual(Array.from(own));
          // These chains run in the tails, where float32 s1 and s2 are least accurate (module note): 1e-3.
          for (let i = 0; i < D; i++) expect(Math.abs(end[i] - last[i])).toBeLessThan(1e-3 * (1 + Math.abs(last[i])));
        }
      }
      expect(count).toBe(expected);
      expect(count).toBeGreaterThan(10);
      expect(count).toBeLessThan(n / 2);
    } finally {
      chains.dispose();
    }
  });

  it('reports divergence of unclamped Ozaki between the modes (non-finite steps), and resets', async () => {
    const x0 = startPoints(1200, 10);
    const chains = await createFusedChains(mixtureSource(gmm2()), x0, opts('ozaki', 3, false, { bound: 50 }));
    try {
      await chains.advance(30);
      const div = await chains.divergence();
      expect(div.count).toBeGreaterThan(0);
      chains.reset(x0);
      expect(chains.t).toBe(0);
      expect((await chains.divergence()).count).toBe(0);
      const again = await chains.run(1);
      expect(again.every(Number.isFinite)).toBe(true);
    } finally {
      chains.dispose();
    }
  });
});

describe('fused sampler kernels: MALA on a Gaussian target', () => {
  it('matches the mean and covariance of N(μ, C) (4000 chains, 300 steps)', async () => {
    const mu = [1, -1];
    const C = [1, 0.6, 0.6, 2];
    const g = makeGmm([1], [mu], [C]);
    const n = 4000;
    const chains = await createFusedChains(mixtureSource(g), startPoints(n, 21, 3), opts('mala', 0.8, false, { seed: 3, center: mu, bound: 100 }));
    try {
      await chains.advance(200);
      chains.resetCounters();
      const frames = await chains.run(100);
      const x = frames.subarray(99 * n * D);
      const m = [0, 0];
      for (let c = 0; c < n; c++) for (let i = 0; i < D; i++) m[i] += x[c * D + i] / n;
      const cov = [0, 0, 0, 0];
      for (let c = 0; c < n; c++) {
        for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) cov[i * D + j] += ((x[c * D + i] - m[i]) * (x[c * D + j] - m[j])) / (n - 1);
      }
      // Standard errors with 4000 independent chains: mean ≤ √(2/4000) ≈ 0.022, covariance entries ≤ ~0.045.
      for (let i = 0; i < D; i++) expect(Math.abs(m[i] - mu[i])).toBeLessThan(0.1);
      for (let k = 0; k < 4; k++) expect(Math.abs(cov[k] - C[k])).toBeLessThan(0.2);
      const acc = await chains.acceptance();
      const meanAcc = acc.reduce((s, v) => s + v, 0) / n;
      expect(meanAcc).toBeGreaterThan(0.5);
      expect(meanAcc).toBeLessThan(1);
      expect((await chains.divergence()).count).toBe(0);
    } finally {
      chains.dispose();
    }
  });
});

describe('fused sampler kernels: dispatches and leaks', () => {
  it('one dispatch per call of up to maxStepsPerDispatch steps, one submission; tfjs needs many per step', async () => {
    const n = 10000;
    const x0 = startPoints(n, 30);
    const chains = await createFusedChains(mixtureSource(gmm2()), x0, opts('langevin', 0.05, false, { maxStepsPerDispatch: 64 }));
    try {
      await chains.advance(1); // warm
      const one = await countDispatches(() => chains.advance(1));
      expect(one.dispatches).toBe(1);
      expect(one.submits).toBe(1);
      const many = await countDispatches(() => chains.advance(64));
      expect(many.dispatches).toBe(1);
      expect(many.submits).toBe(1);
      const split = await countDispatches(() => chains.run(130));
      expect(split.dispatches).toBe(3);
      expect(split.submits).toBe(1);
    } finally {
      chains.dispose();
    }
    const field = gmmScoreField(gmm2());
    const x = tf.tensor2d(x0, [n, D]);
    const xi = tf.randomNormal([n, D], 0, 1, 'float32', 1) as tf.Tensor2D;
    const tfjs = await countDispatches(async () => {
      const r = samplerMove(field, x, { xi }, { kind: 'langevin', step: 0.05 });
      await r.x.data();
      r.x.dispose();
    });
    x.dispose();
    xi.dispose();
    field.dispose();
    expect(tfjs.dispatches).toBeGreaterThan(10); // 24 with tfjs 4.22 on Dawn/SwiftShader
  });

  it('leaves no tensors and destroys every GPU buffer it made', async () => {
    const model = randomModel({ s2: 'psd', shareTrunk: false }, 8);
    const tensors = tf.memory().numTensors;
    expect(liveFusedBuffers()).toBe(0); // every earlier test disposed its chains
    const x0 = targetPoints(1100, 2);
    const a = await createFusedChains(mixtureSource(gmm2()), x0, opts('mala', 0.2, false, { maxStepsPerDispatch: 5 }));
    const b = await createFusedChains({ kind: 'model', model }, x0, opts('ozaki-full', 0.05));
    expect(liveFusedBuffers()).toBe(14); // 7 per chain set until frames, noise and parameters are needed
    for (const c of [a, b]) {
      await c.advance(12);
      c.useNoise(noiseTable(3, 1100, 1));
      await c.run(3);
      await c.run(40); // grows the frames buffer (the smaller one is destroyed)
      c.configure({ kind: 'langevin' });
      await c.run(2);
      c.resetCounters();
      c.reset(x0);
      await c.divergence();
      await c.acceptance();
    }
    a.dispose();
    b.dispose();
    expect(liveFusedBuffers()).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
    await expect(a.run(1)).rejects.toThrow(/after dispose/);
  });
});
