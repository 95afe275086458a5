/**
 * The typed-array chains (engine "cpu", src/samplers/cpu/) against the tfjs reference: the exact fields agree
 * with the tfjs fields, one step of every sampler agrees with `samplerMove` given the same ξ and log U, the
 * divergence, freeze and acceptance bookkeeping follows the Chains contract, CPU MALA has the right moments,
 * and `createChains` picks the engine by score source and backend. cpu backend, fixed seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { getDensity } from '../../../src/core/densities/index.ts';
import { evalPrepared, prepareGmm } from '../../../src/core/gmm.ts';
import type { Gmm } from '../../../src/core/types.ts';
import { exactScoreField, gmmScoreField, gridScoreField, type ExactScoreField } from '../../../src/models/exactField.ts';
import type { ScoreField } from '../../../src/models/scoreField.ts';
import { ChainSet } from '../../../src/samplers/chains.ts';
import { chainsEngineFor, createChains } from '../../../src/samplers/createChains.ts';
import { CpuChains } from '../../../src/samplers/cpu/cpuChains.ts';
import { cpuField, NEED_DIAG, NEED_FULL, NEED_LOGP, NEED_SCORE } from '../../../src/samplers/cpu/field.ts';
import { cpuMove, MoveWorkspace } from '../../../src/samplers/cpu/moves.ts';
import { fillLogUniforms, fillNormals } from '../../../src/samplers/cpu/noise.ts';
import { samplerMove, type MoveOptions } from '../../../src/samplers/kernels.ts';
import { corrGauss, gaussian, moments, useCpu } from './helpers.ts';

beforeAll(useCpu);

/** Three components in 2-D (the general K path), 3-D pair (the any-dimension path). */
function threeComponents(): Gmm {
  const c = (w: number, m: number[], cov: number[]) => ({ weight: w, mean: Float64Array.from(m), cov: Float64Array.from(cov) });
  return { dim: 2, components: [c(0.3, [-1, 0.5], [0.5, 0.2, 0.2, 0.4]), c(0.5, [1.2, -0.4], [0.3, -0.1, -0.1, 0.6]), c(0.2, [0, 2], [0.2, 0, 0, 0.2])] };
}
function pair3d(): Gmm {
  const c = (w: number, m: number[], cov: number[]) => ({ weight: w, mean: Float64Array.from(m), cov: Float64Array.from(cov) });
  return { dim: 3, components: [c(0.4, [-1, 0, 0.5], [0.5, 0.1, 0, 0.1, 0.4, 0.05, 0, 0.05, 0.3]), c(0.6, [1, 0.5, -0.5], [0.3, 0, 0, 0, 0.6, 0, 0, 0, 0.4])] };
}

/** The fields the parity tests cover: each path of the typed-array evaluator. */
interface Case {
  name: string;
  field: ExactScoreField;
  /** Sd of the test points (and of the points of the step test, when given). */
  spread: number;
  stepSpread?: number;
  /** The mixture and σ, for the float64 reference. */
  gmm?: Gmm;
  sigma: number;
}

function fields(): Case[] {
  const g2 = getDensity('gmm2').gmm!;
  const mix = (name: string, gmm: Gmm, sigma: number, spread: number, stepSpread?: number): Case => ({ name, field: gmmScoreField(gmm, sigma), spread, stepSpread, gmm, sigma });
  return [
    mix('gmm2 (two components)', g2, 0, 2.5, 1.5),
    mix('gmm2 blurred at σ = 0.3', g2, 0.3, 2.5, 1.5),
    mix('three components', threeComponents(), 0, 2),
    mix('3-D pair', pair3d(), 0, 1.5),
    // The spread reaches past the banana's window, so the wall is exercised too.
    { name: 'banana (grid, 61²)', field: gridScoreField(getDensity('banana'), { resolution: 61 }), spread: 5, sigma: 0 },
  ];
}

function points(n: number, d: number, spread: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([n, d], 0, spread, 'float32', seed).dataSync() as Float32Array);
}

/** max |a − b| / (1 + |b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

describe('typed-array exact fields = tfjs exact fields', () => {
  it('agree (grid 1e-5; mixtures: s1 1e-4, s2 1e-2, the float32 error of the tfjs reference) and mixtures match float64 within 2e-5', () => {
    for (const { name, field, spread, gmm, sigma } of fields()) {
      const n = 400;
      const d = field.dim;
      const x = points(n, d, spread, 3);
      const cf = cpuField(field.source);
      const ws = new MoveWorkspace(n, d);
      cf.evaluate(x, n, NEED_SCORE | NEED_DIAG | NEED_FULL | NEED_LOGP, ws.here);
      const xt = tf.tensor2d(x, [n, d]);
      const [g, hd, lp, h] = tf.tidy(() => [field.score(xt), field.hessianDiag!(xt), field.logp!(xt), ...(d === 2 ? [field.hessian!(xt)] : [])].map((t) => t.dataSync()));
      // Relative to 1 + |value|. s2 = Σ r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ cancels where |s1| is large: in float32 (the
      // tfjs reference) it loses up to 0.9% there at 2.5 sd, the float64 typed arrays do not.
      // s1 of the reference is off by up to 5.3e-5 there (measured against float64).
      const s1Tol = gmm ? 1e-4 : 1e-5;
      const s2Tol = gmm ? 1e-2 : 1e-5;
      expect(relErr(ws.here.g, g), `${name}: s1`).toBeLessThan(s1Tol);
      expect(relErr(ws.here.logp, lp), `${name}: log p`).toBeLessThan(1e-5);
      expect(relErr(ws.here.hd, hd), `${name}: diag s2`).toBeLessThan(s2Tol);
      if (h) expect(relErr(ws.here.h, h), `${name}: s2`).toBeLessThan(s2Tol);
      if (gmm) {
        // Against the core's float64 closed form (MATH.md section 6): only the float32 constants differ.
        const prep = prepareGmm(gmm, sigma > 0 ? sigma : undefined);
        const truth = { g: new Float64Array(n * d), hd: new Float64Array(n * d), lp: new Float64Array(n) };
        for (let i = 0; i < n; i++) {
          const e = evalPrepared(prep, Array.from(x.subarray(i * d, (i + 1) * d)), 2);
          truth.lp[i] = e.logp;
          for (let j = 0; j < d; j++) {
            truth.g[i * d + j] = e.s1![j];
            truth.hd[i * d + j] = e.s2![j * d + j];
          }
        }
        expect(relErr(ws.here.g, truth.g), `${name}: s1 vs float64`).toBeLessThan(2e-5);
        expect(relErr(ws.here.hd, truth.hd), `${name}: diag s2 vs float64`).toBeLessThan(2e-5);
        expect(relErr(ws.here.logp, truth.lp), `${name}: log p vs float64`).toBeLessThan(2e-5);
      }
      xt.dispose();
      field.dispose();
    }
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

describe('one step given the same noise = the tfjs kernels', () => {
  it('every sampler on every field: positions within 1e-5 (Ozaki on mixtures 5e-4, relative to 1 + |x|), the same MALA decisions', () => {
    for (const { name, field, spread, stepSpread } of fields()) {
      const n = 300;
      const d = field.dim;
      const cf = cpuField(field.source);
      for (const opts of KINDS) {
        if (opts.kind === 'ozaki-full' && d !== 2) continue;
        const x = points(n, d, stepSpread ?? spread, 5);
        const xi = new Float64Array(n * d);
        const logU = new Float64Array(n);
        fillNormals(xi, 9, 1);
        fillLogUniforms(logU, 9, 1);
        const ws = new MoveWorkspace(n, d);
        const next = new Float32Array(n * d);
        cpuMove(cf, ws, x, xi, logU, opts, { valid: false }, next);
        const ref = tf.tidy(() => {
          const r = samplerMove(field, tf.tensor2d(x, [n, d]), { xi: tf.tensor2d(Float32Array.from(xi), [n, d]), logU: tf.tensor1d(Float32Array.from(logU)) }, opts);
          return { x: r.x.dataSync(), acc: r.accepted?.dataSync() };
        });
        const label = `${name}, ${opts.kind}${opts.clamp ? ' (clamp)' : ''}`;
        // Relative to 1 + |x|: float32 rounding, except Ozaki on mixtures, which inherits the float32 s2 of the
        // reference (see the field test), amplified by ε (0.3 with the clamp).
        const tol = field.source.kind === 'gmm' && opts.kind.startsWith('ozaki') ? 5e-4 : 1e-5;
        expect(relErr(next, ref.x), label).toBeLessThan(tol);
        if (ref.acc) {
          expect(Array.from(ws.accepted), label).toEqual(Array.from(ref.acc));
          // Both outcomes occur, so the comparison means something.
          expect(ws.accepted.includes(0) && ws.accepted.includes(1), label).toBe(true);
        }
      }
      field.dispose();
    }
  });

  it('Ozaki is Langevin to float32 precision where εH is tiny (φ by its series)', () => {
    // A Gaussian of variance 1e8 has H = −1e-8: φ(εH) = 1 − 5e-10, below float32 resolution after the step.
    const field = gmmScoreField(gaussian([0, 0], [1e8, 0, 0, 1e8]));
    const cf = cpuField(field.source);
    const n = 50;
    const x = points(n, 2, 3, 1);
    const xi = new Float64Array(n * 2);
    fillNormals(xi, 2, 1);
    const run = (kind: MoveOptions['kind']) => {
      const out = new Float32Array(n * 2);
      cpuMove(cf, new MoveWorkspace(n, 2), x, xi, undefined, { kind, step: 0.1 }, { valid: false }, out);
      return Array.from(out);
    };
    expect(relErr(run('ozaki'), run('langevin'))).toBeLessThan(1e-6);
    field.dispose();
  });
});

describe('seeded noise', () => {
  it('ziggurat normals have the moments and tails of N(0, 1), and the draws of iteration t depend on (seed, t) only', () => {
    const z = new Float64Array(400000);
    fillNormals(z, 1, 7);
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    let tail = 0;
    for (const v of z) {
      s += v;
      s2 += v * v;
      s4 += v ** 4;
      if (Math.abs(v) > 3) tail++;
    }
    const N = z.length;
    // Standard errors: mean 1/√N = 0.0016, var √(2/N) = 0.0022, 4th moment √(96/N) = 0.015, tail √(p/N) = 8e-5.
    expect(Math.abs(s / N)).toBeLessThan(0.007);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.01);
    expect(Math.abs(s4 / N - 3)).toBeLessThan(0.07);
    expect(Math.abs(tail / N - 0.0026998)).toBeLessThan(4e-4);
    const again = new Float64Array(1000);
    fillNormals(again, 1, 7);
    expect(Array.from(again)).toEqual(Array.from(z.subarray(0, 1000)));
    fillNormals(again, 1, 8);
    expect(again[0]).not.toBe(z[0]);
    const u = new Float64Array(100000);
    fillLogUniforms(u, 1, 7);
    // −log U ~ Exp(1): mean 1 (standard error 0.003), and log U < 0 always.
    expect(Math.abs(-u.reduce((a, b) => a + b, 0) / u.length - 1)).toBeLessThan(0.015);
    expect(u.every((v) => v < 0 && Number.isFinite(v))).toBe(true);
  });
});

const iso = (w: number, m: number[], v: number) => ({ weight: w, mean: Float64Array.from(m), cov: Float64Array.from([v, 0, 0, v]) });

/** A wide Gaussian at 0 and a very narrow one at (10, 10): a Langevin step of 0.05 multiplies x − (10, 10) by −2499 there. */
function stiffPair(): Gmm {
  return { dim: 2, components: [iso(0.5, [0, 0], 1), iso(0.5, [10, 10], 1e-5)] };
}

describe('CpuChains bookkeeping (the Chains contract)', () => {
  it('records divergence at the same iterations as the tfjs ChainSet, freezes those chains finite, leaves the others moving', async () => {
    const field = gmmScoreField(stiffPair());
    const n = 20;
    const x0 = new Float32Array(n * 2);
    for (let c = 0; c < n; c++) {
      const far = c % 4 === 1; // chains 1, 5, 9, 13, 17 start on the narrow component
      // 0.028 from (10, 10) the narrow component dominates; one step throws the chain ~70 away, past the bound.
      x0[2 * c] = far ? 10.02 : 0.1 * c - 1;
      x0[2 * c + 1] = far ? 9.98 : 0.3;
    }
    const opts = { kind: 'langevin' as const, step: 0.05, seed: 2, center: [0, 0], bound: 30 };
    const cpu = await createChains(field, x0, opts, 'cpu');
    const ref = await createChains(field, x0, opts, 'tfjs');
    expect([cpu.engine, ref.engine]).toEqual(['cpu', 'tfjs']);
    const frames = await cpu.run(10);
    await ref.advance(10);
    const [dc, dr] = [await cpu.divergence(), await ref.divergence()];
    expect(dc.count).toBe(5);
    expect(Array.from(dc.at)).toEqual(Array.from(dr.at));
    const last = frames.subarray(9 * n * 2);
    for (let c = 0; c < n; c++) {
      const at = dc.at[c];
      if (c % 4 === 1) {
        expect(at).toBeGreaterThanOrEqual(1);
        // Frozen at its last position inside the bound from iteration `at` on.
        for (let f = at - 1; f < 10; f++) {
          const p = frames.subarray(f * n * 2 + 2 * c, f * n * 2 + 2 * c + 2);
          const before = at >= 2 ? frames.subarray((at - 2) * n * 2 + 2 * c, (at - 2) * n * 2 + 2 * c + 2) : x0.subarray(2 * c, 2 * c + 2);
          expect(Array.from(p)).toEqual(Array.from(before));
          expect(Math.max(Math.abs(p[0]), Math.abs(p[1]))).toBeLessThanOrEqual(30);
        }
      } else {
        expect(at).toBe(-1);
        expect(last[2 * c]).not.toBe(frames[8 * n * 2 + 2 * c]);
      }
    }
    // Reset: iteration 0, every chain alive again.
    cpu.reset(x0);
    expect(cpu.t).toBe(0);
    expect((await cpu.divergence()).count).toBe(0);
    cpu.dispose();
    ref.dispose();
    field.dispose();
  });

  it('catches non-finite steps (Ozaki on positive curvature overflows) and counts MALA acceptance over alive chains only', async () => {
    // Midway between N((±3, 0), I) the curvature of log q along x is 9 − 1 = 8 > 0: e^{εh} overflows at ε = 500.
    const field = gmmScoreField({ dim: 2, components: [iso(0.5, [-3, 0], 1), iso(0.5, [3, 0], 1)] });
    const x0 = Float32Array.from([0, 0, -3, 0]);
    const oz = new CpuChains(cpuField(field.source), x0, { kind: 'ozaki', step: 500, seed: 1, center: [0, 0], bound: 1e6 });
    await oz.run(3);
    expect(Array.from((await oz.divergence()).at)).toEqual([1, -1]);
    const mala = new CpuChains(cpuField(field.source), Float32Array.from([0.2, 0.1, -0.3, 0.5, 1, -1]), { kind: 'mala', step: 0.5, seed: 3, center: [0, 0], bound: 100 });
    expect(Array.from(await mala.acceptance()).every(Number.isNaN)).toBe(true);
    await mala.advance(200);
    const acc = await mala.acceptance();
    for (const a of acc) {
      expect(a).toBeGreaterThan(0.3);
      expect(a).toBeLessThan(1);
      // A rate over 200 steps is a multiple of 1/200.
      expect(Math.abs(a * 200 - Math.round(a * 200))).toBeLessThan(1e-3);
    }
    mala.resetCounters();
    expect(Array.from(await mala.acceptance()).every(Number.isNaN)).toBe(true);
    field.dispose();
  });

  it('common random numbers: same seed, same trajectories; configure takes effect at the next step', async () => {
    const field = gmmScoreField(getDensity('gmm2').gmm!);
    const x0 = points(64, 2, 2, 4);
    const opts = { kind: 'mala' as const, step: 0.2, seed: 5, center: [0, 0], bound: 100 };
    const a = await createChains(field, x0, opts, 'cpu');
    const b = await createChains(field, x0, opts, 'cpu');
    expect(Array.from(await a.run(20))).toEqual(Array.from(await b.run(20)));
    b.configure({ kind: 'langevin' });
    a.configure({ kind: 'langevin', seed: 6 });
    expect(Array.from(await a.run(1))).not.toEqual(Array.from(await b.run(1)));
    field.dispose();
  });
});

describe('CPU MALA samples its target', () => {
  it('has the mean and covariance of a correlated 2-D Gaussian (condition number 50)', async () => {
    const { gmm, mean, cov } = corrGauss();
    const field = gmmScoreField(gmm);
    const n = 2000;
    const chains = await createChains(field, points(n, 2, 1, 8), { kind: 'mala', step: 0.02, seed: 12, center: mean, bound: 100 }, 'cpu');
    await chains.advance(400);
    chains.resetCounters();
    const frames = await chains.run(200);
    // Thin to every 20th frame: 20 000 draws, correlated within a chain.
    const kept: number[] = [];
    for (let f = 19; f < 200; f += 20) kept.push(...frames.subarray(f * n * 2, (f + 1) * n * 2));
    const m = moments(kept, 2);
    // Sd of the larger axis is 1: the mean is within 0.05, covariance entries within 0.05 (relative 5%).
    expect(Math.abs(m.mean[0] - mean[0])).toBeLessThan(0.05);
    expect(Math.abs(m.mean[1] - mean[1])).toBeLessThan(0.05);
    for (let k = 0; k < 4; k++) expect(Math.abs(m.cov[k] - cov[k])).toBeLessThan(0.05);
    const acc = await chains.acceptance();
    const rate = acc.reduce((s, v) => s + v, 0) / n;
    expect(rate).toBeGreaterThan(0.5);
    expect(rate).toBeLessThan(1);
    field.dispose();
  });
});

describe('engine selection (createChains)', () => {
  it('exact fields run on typed arrays on wasm and cpu, on fused kernels on webgpu; tfjs otherwise', () => {
    const exact = gmmScoreField(getDensity('gmm2').gmm!);
    const grid = exactScoreField(getDensity('banana'));
    const unknown: ScoreField = { dim: 2, score: (x) => tf.neg(x), dispose() {} };
    // 2-D mixtures take the WebAssembly SIMD engine there (test/unit/samplers/simdChains.test.ts).
    expect(chainsEngineFor(exact, 'wasm')).toBe('cpu-simd');
    expect(chainsEngineFor(exact, 'cpu')).toBe('cpu-simd');
    expect(chainsEngineFor(exact, 'webgpu')).toBe('webgpu-fused');
    expect(chainsEngineFor(grid, 'webgpu')).toBe('webgpu-fused');
    expect(chainsEngineFor(grid, 'wasm')).toBe('cpu');
    expect(chainsEngineFor(exact, 'webgl')).toBe('tfjs');
    expect(chainsEngineFor(unknown, 'wasm')).toBe('tfjs');
    expect(chainsEngineFor(unknown, 'webgpu')).toBe('tfjs');
    expect(chainsEngineFor(exact, 'wasm', 'tfjs')).toBe('tfjs');
    expect(() => chainsEngineFor(unknown, 'wasm', 'cpu')).toThrow(/exact score fields only/);
    expect(() => chainsEngineFor(exact, 'wasm', 'webgpu-fused')).toThrow(/need the webgpu backend/);
    expect(() => chainsEngineFor(unknown, 'webgpu', 'webgpu-fused')).toThrow(/do not know this score field/);
    exact.dispose();
    grid.dispose();
  });

  it('the tfjs path leaks no tensors through the Chains interface (every sampler, run, advance, reset)', async () => {
    const field = gmmScoreField(corrGauss().gmm);
    const before = tf.memory().numTensors;
    for (const opts of KINDS) {
      const x0 = points(16, 2, 1, 2);
      const cs = await createChains(field, x0, { ...opts, seed: 1, center: [0, 0], bound: 50 }, 'tfjs');
      expect(cs).toBeInstanceOf(ChainSet);
      await cs.advance(3);
      await cs.run(4);
      cs.resetCounters();
      cs.reset(x0);
      await cs.run(2);
      await cs.divergence();
      await cs.acceptance();
      cs.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    field.dispose();
  });
});
