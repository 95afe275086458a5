/**
 * The WebAssembly SIMD chains (engine "cpu-simd", src/samplers/cpu/simdChains.ts, kernel src/wasm/assembly/samplers.ts)
 * against the typed-array engine (its reference, float64) and the fused samplers' float64 noise twin: the field, the
 * noise (values, moments, Kolmogorov–Smirnov), one step of every sampler given the same noise, splits of the
 * iterations into calls, divergence freeze, MALA acceptance, and the engine choice. cpu backend, fixed seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getDensity } from '../../../src/core/densities/index.ts';
import { evalPrepared, prepareGmm } from '../../../src/core/gmm.ts';
import { normalCdf } from '../../../src/core/gmmDistance.ts';
import type { Gmm } from '../../../src/core/types.ts';
import { fusedNoise } from '../../../src/gpu/samplers/rng.ts';
import { exactScoreField, gmmScoreField, type GmmFieldSource } from '../../../src/models/exactField.ts';
import type { ChainsOptions } from '../../../src/samplers/chainsApi.ts';
import { chainsEngineFor, createChains } from '../../../src/samplers/createChains.ts';
import { cpuField, NEED_DIAG, NEED_FULL, NEED_LOGP, NEED_SCORE } from '../../../src/samplers/cpu/field.ts';
import { cpuMove, MoveWorkspace } from '../../../src/samplers/cpu/moves.ts';
import { SimdChains, simdChainsUnsupported } from '../../../src/samplers/cpu/simdChains.ts';
import { SimdKernel } from '../../../src/samplers/cpu/simdKernel.ts';
import type { MoveOptions } from '../../../src/samplers/kernels.ts';
import { corrGauss, gmmSource, moments, points2, useCpu } from './helpers.ts';

beforeAll(useCpu);

const comp = (w: number, m: number[], cov: number[]) => ({ weight: w, mean: Float64Array.from(m), cov: Float64Array.from(cov) });

/** Three components (the kernel's any-K path; two components take the one-exp pair path). */
function threeComponents(): Gmm {
  return { dim: 2, components: [comp(0.3, [-1, 0.5], [0.5, 0.2, 0.2, 0.4]), comp(0.5, [1.2, -0.4], [0.3, -0.1, -0.1, 0.6]), comp(0.2, [0, 2], [0.2, 0, 0, 0.2])] };
}

interface Case {
  name: string;
  gmm: Gmm;
  sigma: number;
}

const CASES: Case[] = [
  { name: 'gmm2 (pair path)', gmm: getDensity('gmm2').gmm!, sigma: 0 },
  { name: 'gmm2 blurred at σ = 0.3', gmm: getDensity('gmm2').gmm!, sigma: 0.3 },
  { name: 'three components', gmm: threeComponents(), sigma: 0 },
];

const source = (c: Case): GmmFieldSource => gmmSource(c.gmm, c.sigma);

/** max |a − b| / (1 + |b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

const opts = (o: MoveOptions & Partial<ChainsOptions>): ChainsOptions => ({ seed: 3, center: [0, 0], bound: 100, ...o });

describe('the kernel field = the typed-array field (float64)', () => {
  it('s1 within 2e-5, s2 within 5e-5 relative to 1 + |value| (float32 arithmetic), log q within 2e-6 (and of the core)', async () => {
    for (const c of CASES) {
      const n = 401;
      const src = source(c);
      const x = points2(n, 2.5, 1);
      const kernel = await SimdKernel.create(src, 8);
      const got = kernel.field(x);
      const ws = new MoveWorkspace(n, 2);
      cpuField(src).evaluate(x, n, NEED_SCORE | NEED_DIAG | NEED_FULL | NEED_LOGP, ws.here);
      expect(relErr(got.g, ws.here.g), `${c.name}: s1`).toBeLessThan(2e-5);
      expect(relErr(got.h, ws.here.h), `${c.name}: s2`).toBeLessThan(5e-5);
      expect(relErr(got.logp, ws.here.logp), `${c.name}: log q`).toBeLessThan(2e-6);
      const prep = prepareGmm(c.gmm, c.sigma > 0 ? c.sigma : undefined);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got.logp[i] - evalPrepared(prep, [x[2 * i], x[2 * i + 1]], 0).logp) / (1 + Math.abs(got.logp[i])));
      expect(worst, `${c.name}: log q vs the core`).toBeLessThan(2e-6);
    }
  });
});

describe('noise: pcg4d of (seed, t, chain, stream) with Box–Muller', () => {
  it('is the fused samplers’ float64 twin to float32 precision (ξ and log U within 2e-6 absolute)', async () => {
    const n = 2001;
    const kernel = await SimdKernel.create(source(CASES[0]), n);
    for (const [seed, t] of [
      [0, 1],
      [12345, 77],
      [2 ** 32 - 1, 2 ** 31 + 5],
    ]) {
      kernel.configure({ seed, step: 0.1, clamp: false, center: [0, 0], bound: 1 });
      const { xi, logU } = kernel.noise(t);
      let dx = 0;
      let du = 0;
      for (let c = 0; c < n; c++) {
        const ref = fusedNoise(seed, t, c, 2);
        dx = Math.max(dx, Math.abs(xi[2 * c] - ref.xi[0]), Math.abs(xi[2 * c + 1] - ref.xi[1]));
        du = Math.max(du, Math.abs(logU[c] - ref.logU));
      }
      expect(dx, `seed ${seed}, t ${t}`).toBeLessThan(2e-6);
      // log U: the uniform is rounded to float32 as on the GPU ((k + ½)·2⁻²⁴ for k ≥ 2²³), so log U near 0 is off by ≤ 3e-8.
      expect(du, `seed ${seed}, t ${t}`).toBeLessThan(2e-6);
    }
  });

  it('has the moments and the distribution of N(0, 1) (2·10⁵ normals: moments, Kolmogorov–Smirnov), and log U of Uniform(0, 1)', async () => {
    const n = 25000;
    const kernel = await SimdKernel.create(source(CASES[0]), n);
    kernel.configure({ seed: 11, step: 0.1, clamp: false, center: [0, 0], bound: 1 });
    const z: number[] = [];
    const u: number[] = [];
    let cross = 0;
    for (let t = 1; t <= 4; t++) {
      const { xi, logU } = kernel.noise(t);
      z.push(...xi);
      u.push(...logU);
      for (let c = 0; c < n; c++) cross += xi[2 * c] * xi[2 * c + 1];
    }
    const N = z.length;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (const v of z) {
      s += v;
      s2 += v * v;
      s4 += v ** 4;
    }
    // Standard errors at N = 2e5: mean 0.0022, variance 0.0032, 4th moment 0.022, E[ξ₀ξ₁] (1e5 pairs) 0.0032.
    expect(Math.abs(s / N)).toBeLessThan(0.01);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.015);
    expect(Math.abs(s4 / N - 3)).toBeLessThan(0.1);
    expect(Math.abs(cross / (N / 2))).toBeLessThan(0.015);
    // Kolmogorov–Smirnov: sup |F_N − Φ| below the 1% critical value 1.63/√N.
    const sorted = Float64Array.from(z).sort();
    let D = 0;
    for (let i = 0; i < N; i++) {
      const F = normalCdf(sorted[i]);
      D = Math.max(D, Math.abs(F - i / N), Math.abs(F - (i + 1) / N));
    }
    expect(D).toBeLessThan(1.63 / Math.sqrt(N));
    // −log U ~ Exp(1): mean 1 (standard error 0.002), and log U ≤ 0.
    expect(Math.abs(-u.reduce((a, b) => a + b, 0) / u.length - 1)).toBeLessThan(0.01);
    expect(u.every((v) => v <= 0 && Number.isFinite(v))).toBe(true);
  });
});

const KINDS: MoveOptions[] = [
  { kind: 'langevin', step: 0.05 },
  { kind: 'ozaki', step: 0.05 },
  { kind: 'ozaki', step: 0.3, clamp: true },
  { kind: 'ozaki-full', step: 0.05 },
  { kind: 'ozaki-full', step: 0.3, clamp: true },
  { kind: 'mala', step: 0.1 },
];

describe('one step given the same noise = the typed-array engine', () => {
  it('every sampler on every case: positions within 2e-5 relative to 1 + |x| (float32), the same MALA decisions but at near-ties', async () => {
    const n = 303;
    for (const c of CASES) {
      const src = source(c);
      for (const o of KINDS) {
        const label = `${c.name}, ${o.kind}${o.clamp ? ' (clamp)' : ''}`;
        const x = points2(n, 1.5, 5);
        const chains = await SimdChains.create(src, x, opts({ ...o, seed: 9 }));
        const frame = await chains.run(1);
        // The draws the kernel took at iteration 1, through its test hook.
        const { xi, logU } = chains.kernel.noise(1);
        const ws = new MoveWorkspace(n, 2);
        const next = new Float32Array(n * 2);
        cpuMove(cpuField(src), ws, x, Float64Array.from(xi), Float64Array.from(logU), o, { valid: false }, next);
        // The divergence rule on the reference's move: a chain that leaves the bound (or is not finite) stays.
        const dead = (await chains.divergence()).at;
        for (let i = 0; i < n; i++) {
          const out = !(Math.abs(next[2 * i]) <= 100 && Math.abs(next[2 * i + 1]) <= 100);
          expect(dead[i] === 1, `${label}, chain ${i}`).toBe(out);
          if (out) next.set(x.subarray(2 * i, 2 * i + 2), 2 * i);
        }
        if (o.kind !== 'mala') {
          expect(relErr(frame, next), label).toBeLessThan(2e-5);
          continue;
        }
        const accepted = (await chains.acceptance()).map((a) => a);
        expect(accepted.includes(0) && accepted.includes(1), label).toBe(true);
        let differ = 0;
        for (let i = 0; i < n; i++) {
          if (accepted[i] !== ws.accepted[i]) {
            differ++;
            continue;
          }
          expect(relErr(frame.subarray(2 * i, 2 * i + 2), next.subarray(2 * i, 2 * i + 2)), `${label}, chain ${i}`).toBeLessThan(2e-5);
        }
        // A decision may flip only where log U and log α agree to float32 rounding: rare.
        expect(differ, label).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('SimdChains bookkeeping (the Chains contract)', () => {
  it('any split of the iterations into calls gives the same chains, frames and counters (n not a multiple of 4)', async () => {
    const src = source(CASES[0]);
    const x0 = points2(13, 1.5, 2);
    for (const o of KINDS) {
      const one = await SimdChains.create(src, x0, opts(o));
      const split = await SimdChains.create(src, x0, opts(o));
      const whole = await one.run(12);
      const parts = [await split.run(5), (await split.advance(2), await split.run(5))];
      expect(Array.from(parts[0]), o.kind).toEqual(Array.from(whole.subarray(0, 5 * 26)));
      expect(Array.from(parts[1]), o.kind).toEqual(Array.from(whole.subarray(7 * 26)));
      expect(Array.from(await split.acceptance())).toEqual(Array.from(await one.acceptance()));
      expect(split.t).toBe(12);
      // Frames through a small frame buffer (several kernel calls per run) are the same frames.
      const chunked = await SimdChains.create(src, x0, opts(o));
      const out = new Float32Array(12 * 26);
      chunked.kernel.run(o.kind, 0, 12, out, { frameBytes: 16 * 8 * 3 });
      if (o.kind !== 'mala') expect(Array.from(out), o.kind).toEqual(Array.from(whole));
    }
  });

  it('records divergence at the same iterations as the typed-array engine and freezes those chains at their last point', async () => {
    // A wide Gaussian at 0 and a very narrow one at (10, 10): a chain started 0.028 from (10, 10) is thrown ~70 away.
    const field = gmmScoreField({ dim: 2, components: [comp(0.5, [0, 0], [1, 0, 0, 1]), comp(0.5, [10, 10], [1e-5, 0, 0, 1e-5])] });
    const n = 21;
    const x0 = new Float32Array(n * 2);
    for (let c = 0; c < n; c++) {
      const far = c % 4 === 1;
      x0[2 * c] = far ? 10.02 : 0.1 * c - 1;
      x0[2 * c + 1] = far ? 9.98 : 0.3;
    }
    const o = opts({ kind: 'langevin', step: 0.05, seed: 2, bound: 30 });
    const simd = await createChains(field, x0, o, 'cpu-simd');
    const ref = await createChains(field, x0, o, 'cpu');
    expect([simd.engine, ref.engine]).toEqual(['cpu-simd', 'cpu']);
    const frames = await simd.run(10);
    await ref.advance(10);
    const [ds, dr] = [await simd.divergence(), await ref.divergence()];
    expect(ds.count).toBe(5);
    expect(Array.from(ds.at)).toEqual(Array.from(dr.at));
    for (let c = 1; c < n; c += 4) {
      for (let f = ds.at[c] - 1; f < 10; f++) expect(Array.from(frames.subarray(f * n * 2 + 2 * c, f * n * 2 + 2 * c + 2))).toEqual(Array.from(x0.subarray(2 * c, 2 * c + 2)));
    }
    simd.reset(x0);
    expect(simd.t).toBe(0);
    expect((await simd.divergence()).count).toBe(0);
    // Non-finite steps: Ozaki overflows on positive curvature (midway between N((±3, 0), I), h = 8 at ε = 500).
    const pair = gmmScoreField({ dim: 2, components: [comp(0.5, [-3, 0], [1, 0, 0, 1]), comp(0.5, [3, 0], [1, 0, 0, 1])] });
    const oz = await createChains(pair, Float32Array.from([0, 0, -3, 0]), opts({ kind: 'ozaki', step: 500, seed: 1, bound: 1e6 }), 'cpu-simd');
    const f = await oz.run(3);
    expect(Array.from((await oz.divergence()).at)).toEqual([1, -1]);
    expect(Array.from(f.subarray(4, 6))).toEqual([0, 0]);
    field.dispose();
    pair.dispose();
  });

  it('MALA: acceptance per chain over alive chains, reset by resetCounters; configure takes effect at the next step', async () => {
    const src = source(CASES[0]);
    const x0 = points2(40, 1, 6);
    const mala = await SimdChains.create(src, x0, opts({ kind: 'mala', step: 0.1, seed: 4 }));
    expect(Array.from(await mala.acceptance()).every(Number.isNaN)).toBe(true);
    await mala.advance(200);
    for (const a of await mala.acceptance()) {
      expect(a).toBeGreaterThan(0.2);
      expect(a).toBeLessThan(1);
      expect(Math.abs(a * 200 - Math.round(a * 200))).toBeLessThan(1e-3);
    }
    mala.resetCounters();
    expect(Array.from(await mala.acceptance()).every(Number.isNaN)).toBe(true);
    // Same seed, same trajectories; switching sampler or seed changes the next step.
    const b = await SimdChains.create(src, x0, opts({ kind: 'mala', step: 0.1, seed: 4 }));
    await b.advance(200);
    expect(Array.from(await b.run(3))).toEqual(Array.from(await mala.run(3)));
    b.configure({ kind: 'langevin' });
    mala.configure({ kind: 'langevin', seed: 5 });
    expect(Array.from(await mala.run(1))).not.toEqual(Array.from(await b.run(1)));
    expect(() => b.configure({ center: [0, 0, 0] })).toThrow(/center has 3 coordinates/);
  });

  it('MALA samples its target: the mean and covariance of a correlated 2-D Gaussian (condition number 50)', async () => {
    const { gmm, mean, cov } = corrGauss();
    const field = gmmScoreField(gmm);
    const n = 2000;
    const chains = await createChains(field, points2(n, 1, 8), { kind: 'mala', step: 0.02, seed: 12, center: mean, bound: 100 }, 'cpu-simd');
    await chains.advance(400);
    chains.resetCounters();
    const frames = await chains.run(200);
    const kept: number[] = [];
    for (let f = 19; f < 200; f += 20) kept.push(...frames.subarray(f * n * 2, (f + 1) * n * 2));
    const m = moments(kept, 2);
    // As the typed-array engine's test: mean within 0.05, covariance entries within 0.05 (sd of the larger axis is 1).
    expect(Math.abs(m.mean[0] - mean[0])).toBeLessThan(0.05);
    expect(Math.abs(m.mean[1] - mean[1])).toBeLessThan(0.05);
    for (let k = 0; k < 4; k++) expect(Math.abs(m.cov[k] - cov[k])).toBeLessThan(0.05);
    const rate = (await chains.acceptance()).reduce((s, v) => s + v, 0) / n;
    expect(rate).toBeGreaterThan(0.5);
    expect(rate).toBeLessThan(1);
    field.dispose();
  });
});

describe('engine choice', () => {
  it('2-D mixtures run on WebAssembly SIMD on wasm and cpu; grids and other dimensions on typed arrays; forced choices say why not', () => {
    const gmm2 = gmmScoreField(getDensity('gmm2').gmm!);
    const grid = exactScoreField(getDensity('banana'));
    const threeD = gmmScoreField({ dim: 3, components: [comp(1, [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1])] });
    expect(chainsEngineFor(gmm2, 'wasm')).toBe('cpu-simd');
    expect(chainsEngineFor(gmm2, 'cpu')).toBe('cpu-simd');
    expect(chainsEngineFor(grid, 'wasm')).toBe('cpu');
    expect(chainsEngineFor(threeD, 'wasm')).toBe('cpu');
    expect(chainsEngineFor(gmm2, 'wasm', 'cpu')).toBe('cpu');
    expect(simdChainsUnsupported(grid.source)).toMatch(/Gaussian mixtures only/);
    expect(() => chainsEngineFor(grid, 'wasm', 'cpu-simd')).toThrow(/Gaussian mixtures only/);
    expect(() => chainsEngineFor(threeD, 'wasm', 'cpu-simd')).toThrow(/2-D mixtures only \(this one has dimension 3\)/);
    expect(() => chainsEngineFor({ dim: 2, score: (x) => x, dispose() {} }, 'wasm', 'cpu-simd')).toThrow(/exact score fields only/);
    gmm2.dispose();
    grid.dispose();
    threeD.dispose();
  });
});
