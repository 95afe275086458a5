/**
 * Mixtures of logistics (issue 17 item 1): s1 and s2 of the clean density against finite differences of log p
 * (3-D and 50-D), the noisy density's quadrature against a brute-force convolution, sample moments against the
 * closed form, and the density file's validation. Everything seeded.
 */
import { describe, expect, it } from 'vitest';
import { BudgetError } from '../../../src/core/budgets.ts';
import { densityFromJson, densityFromLogisticMixture, densityInfo, getDensity, logisticMixtureBuiltin } from '../../../src/core/densities/index.ts';
import { logisticMixtureMoments, makeLogisticMixture } from '../../../src/core/logisticMixture.ts';
import { createRng } from '../../../src/core/rng.ts';
import { sampleCovariance, sampleMean } from '../../../src/core/stats.ts';
import type { Density } from '../../../src/core/types.ts';
import { fdGrad, fdJacobian, relErr } from './helpers.ts';

/** A random K-component mixture of logistics in d dimensions (locations N(0, 1.5²), scales in [0.3, 1.3]). */
function randomMixture(seed: number, d: number, K: number) {
  const rng = createRng(seed);
  return makeLogisticMixture(
    Array.from({ length: K }, () => 0.2 + rng.uniform()),
    Array.from({ length: K }, () => Array.from({ length: d }, () => 1.5 * rng.normal())),
    Array.from({ length: K }, () => Array.from({ length: d }, () => 0.3 + rng.uniform())),
  );
}

/** Checks score and Hessian at `pts` random points against central differences of log p and of the score. */
function expectDerivatives(p: Density, seed: number, pts: number) {
  const rng = createRng(seed);
  const xs = p.sample(rng, pts);
  const d = p.dim;
  for (let k = 0; k < pts; k++) {
    // Points near the data, jittered so they are not exactly samples.
    const x = Array.from(xs.subarray(k * d, (k + 1) * d), (v) => v + 0.3 * rng.normal());
    expect(relErr(p.score(x), fdGrad((y) => p.logp(y), x, 1e-5))).toBeLessThan(1e-6);
    const H = p.hessian(x);
    expect(relErr(H, fdJacobian((y) => p.score(y), x, 1e-5))).toBeLessThan(1e-6);
    // The diagonal straight from log p: second differences.
    const h = 1e-3;
    const l0 = p.logp(x);
    for (let i = 0; i < d; i++) {
      const xp = [...x];
      const xm = [...x];
      xp[i] += h;
      xm[i] -= h;
      expect(Math.abs((p.logp(xp) - 2 * l0 + p.logp(xm)) / (h * h) - H[i * d + i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(H[i * d + i])));
    }
  }
}

describe('mixture of logistics: clean density', () => {
  it('s1 and s2 match finite differences of log p in 3-D (8 points, tolerance 1e-6 relative)', () => {
    expectDerivatives(densityFromLogisticMixture('mix3', randomMixture(7, 3, 4)), 1, 8);
  });

  it('s1 and s2 match finite differences of log p in 50-D (logistic50, 2 points)', () => {
    expectDerivatives(getDensity('logistic50'), 2, 2);
  });

  it('log p is normalised in 1-D (trapezoid over ±60, 1e-9)', () => {
    const p = densityFromLogisticMixture('mix1', randomMixture(3, 1, 3));
    let z = 0;
    const h = 0.005;
    for (let y = -60; y <= 60; y += h) z += Math.exp(p.logp([y])) * h;
    expect(Math.abs(z - 1)).toBeLessThan(1e-9);
  });

  it('sample mean and covariance match the closed form (logistic50, 20000 draws, within 5 standard errors)', () => {
    const m = logisticMixtureBuiltin(50);
    const p = getDensity('logistic50');
    const n = 20000;
    const xs = p.sample(createRng(5), n);
    const { mean, cov } = logisticMixtureMoments(m);
    const d = 50;
    const sm = sampleMean(xs, d);
    const sc = sampleCovariance(xs, d);
    for (let i = 0; i < d; i++) {
      const v = cov[i * d + i];
      expect(Math.abs(sm[i] - mean[i])).toBeLessThan(5 * Math.sqrt(v / n));
      // Var of the sample variance ≈ (μ4 − v²)/n; a logistic mixture's kurtosis is moderate, 5 × √(4 v²/n) is loose.
      expect(Math.abs(sc[i * d + i] - v)).toBeLessThan(5 * Math.sqrt((4 * v * v) / n));
      for (let j = 0; j < i; j++) expect(Math.abs(sc[i * d + j] - cov[i * d + j])).toBeLessThan(5 * Math.sqrt((cov[i * d + i] * cov[j * d + j] * 2) / n));
    }
  });
});

describe('mixture of logistics: noisy density by quadrature', () => {
  /** log q(x) by a brute-force convolution ∫ p(y) N(x − y; 0, σ²) dy on a fine grid. */
  function bruteLogq(p: Density, sigma: number, x: number): number {
    let s = 0;
    const h = Math.min(0.002, sigma / 50);
    for (let y = x - 12 * sigma - 40; y <= x + 12 * sigma + 40; y += h) s += Math.exp(p.logp([y]) - ((x - y) / sigma) ** 2 / 2) * h;
    return Math.log(s / (sigma * Math.sqrt(2 * Math.PI)));
  }

  it('log q matches a brute-force convolution in 1-D at σ/s from 0.05 to 10 (1e-8 absolute)', () => {
    const p = densityFromLogisticMixture('mix1', randomMixture(11, 1, 3));
    for (const sigma of [0.05, 1, 10]) {
      const q = p.noisy(sigma);
      for (const x of [-2, 0.3, 4]) expect(Math.abs(q.logp([x]) - bruteLogq(p, sigma, x))).toBeLessThan(1e-8);
    }
  });

  it('its s1 and s2 are the derivatives of its log q (3-D, σ = 0.1 and 2; 1e-6 relative) and tend to p as σ → 0', () => {
    const p = densityFromLogisticMixture('mix3', randomMixture(7, 3, 4));
    const x = [0.4, -1, 0.7];
    for (const sigma of [0.1, 2]) {
      const q = p.noisy(sigma);
      expect(relErr(q.s1(x), fdGrad((y) => q.logp(y), x))).toBeLessThan(1e-6);
      expect(relErr(q.s2(x), fdJacobian((y) => q.s1(y), x))).toBeLessThan(1e-6);
    }
    expect(relErr(p.noisy(1e-4).s2(x), p.hessian(x))).toBeLessThan(1e-6);
  });

  it('takes a diagonal Σ (the same as isotropic σ when equal) and refuses a full one', () => {
    const p = densityFromLogisticMixture('mix2', randomMixture(4, 2, 2));
    const x = [0.2, 0.1];
    expect(relErr(p.noisy(Float64Array.of(0.25, 0, 0, 0.25)).s2(x), p.noisy(0.5).s2(x))).toBeLessThan(1e-12);
    expect(() => p.noisy(Float64Array.of(1, 0.5, 0.5, 1))).toThrow(/isotropic or diagonal noise/);
  });
});

describe('mixture of logistics: registry and density file', () => {
  it('logistic50 and logistic80: 20 components, quadrature truth, no closed-form noisy density or posterior', () => {
    for (const [name, d] of [
      ['logistic50', 50],
      ['logistic80', 80],
    ] as const) {
      const info = densityInfo(getDensity(name));
      expect(info).toMatchObject({ name, dim: d, truth: 'grid', cliOnly: true, closedForm: { logp: true, score: true, hessian: true, noisy: false, posterior: false } });
      expect(logisticMixtureBuiltin(d).weights.length).toBe(20);
    }
  });

  it('reads {"type":"logistic-mixture"} files (weights normalised) and still reads Gaussian mixtures', () => {
    const p = densityFromJson(JSON.stringify({ type: 'logistic-mixture', weights: [1, 3], locs: [[0, 1], [2, -1]], scales: [[1, 0.5], [0.7, 2]] }), 'f');
    const ref = densityFromLogisticMixture('f', makeLogisticMixture([0.25, 0.75], [[0, 1], [2, -1]], [[1, 0.5], [0.7, 2]]));
    expect(p.logp([0.3, 0.2])).toBeCloseTo(ref.logp([0.3, 0.2]), 14);
    expect(densityFromJson(JSON.stringify({ type: 'gmm', weights: [1], means: [[0]], covs: [[[1]]] }), 'g').gmm).toBeDefined();
  });

  it.each([
    ['a non-positive scale', { weights: [1], locs: [[0, 0]], scales: [[1, 0]] }, /scale \[0\]\[1\] is 0; scales must be positive/],
    ['a string location', { weights: [1], locs: [[0, '1']], scales: [[1, 1]] }, /"locs" must be an array of number arrays/],
    ['ragged locations', { weights: [1, 1], locs: [[0, 0], [1]], scales: [[1, 1], [1, 1]] }, /location row 1 has 1 coordinates but row 0 has 2/],
    ['scales of the wrong shape', { weights: [1], locs: [[0, 0]], scales: [[1]] }, /scale row 0 has 1 numbers but the locations have 2/],
    ['a count mismatch', { weights: [1, 1], locs: [[0]], scales: [[1], [1]] }, /2 weights but 1 location rows/],
    ['a zero weight', { weights: [0], locs: [[0]], scales: [[1]] }, /weight 0 is 0; weights must be positive/],
    ['no weights', { weights: [], locs: [[0]], scales: [[1]] }, /"weights" must be a non-empty array/],
  ])('refuses %s with a message naming it', (_what, body, msg) => {
    expect(() => densityFromJson(JSON.stringify({ type: 'logistic-mixture', ...body }), 'bad')).toThrow(msg);
  });

  it('refuses a location that overflows to infinity', () => {
    expect(() => densityFromJson('{"type":"logistic-mixture","weights":[1],"locs":[[1e400]],"scales":[[1]]}', 'bad')).toThrow(/location \[0\]\[0\] is Infinity; locations must be finite/);
  });

  it('refuses an unknown type, and checks the budgets before validating anything else', () => {
    expect(() => densityFromJson('{"type":"flow"}', 'x')).toThrow(/"type" must be "gmm" or "logistic-mixture"/);
    const wide = { type: 'logistic-mixture', weights: [1], locs: [new Array(300).fill(0)], scales: 'not checked yet' };
    expect(() => densityFromJson(JSON.stringify(wide), 'x')).toThrow(BudgetError);
    expect(() => densityFromJson(JSON.stringify(wide), 'x')).toThrow(/300 dimensions of a density is over the budget of 256/);
    const many = { type: 'logistic-mixture', weights: new Array(1_400_000).fill(1), locs: [[0]], scales: [[1]] };
    expect(() => densityFromJson(JSON.stringify(many), 'x')).toThrow(/4,200,000 numbers in a mixture file is over the budget/);
  });
});
