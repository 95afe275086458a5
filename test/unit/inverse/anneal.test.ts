/**
 * The digits annealed sampler (src/models/inverse/anneal.ts) with the exact energy of a Gaussian prior, where
 * every level's target p_t(z | y) ∝ exp(−U(z, λ_t)) N(y; z, λ_y − λ_t) is Gaussian in closed form:
 * - MALA corrector moves leave it invariant (moments of 4000 exact draws after 10 moves within 4.5 standard
 *   errors), while ULA at the same step is visibly biased (the test can fail);
 * - the whole annealed run (geometric and energy-guided schedules) ends near the exact posterior p(x | y);
 * - the energy-guided schedule spends the geometric schedule's log-variance budget and ends at λ_L.
 */
import { describe, expect, it } from 'vitest';
import { cholesky, choleskyInverse, inverseSpd, matvec } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { annealImages, correctorMoves, energyGuidedNext, geometricLambdas, smoothOverFree } from '../../../src/models/inverse/anneal.ts';
import { gaussianImageEnergy } from '../../../src/models/inverse/imageEnergy.ts';

const d = 4;
const mean = [0.3, 0.5, 0.2, 0.6];
// A correlated prior covariance (SPD): 0.05 on the diagonal, correlations 0.6 / 0.3.
const C = [0.05, 0.03, 0.015, 0.0, 0.03, 0.05, 0.03, 0.015, 0.015, 0.03, 0.05, 0.03, 0.0, 0.015, 0.03, 0.05];
const energy = gaussianImageEnergy(mean, C);
// pixels 0, 1 seen with σ₁ = 0.1; pixels 2, 3 hidden (variance 100)
const lambdaY = Float32Array.from([0.01, 0.01, 100, 100]);
const y = Float32Array.from([0.45, 0.62, 3.1, -7.5]);

/** Mean and covariance of the Gaussian N(m, A) prior times N(y; z, diag(1/Λ)) on the free pixels. */
function levelPosterior(lambda: ArrayLike<number>): { mu: Float64Array; S: Float64Array } {
  const A = Float64Array.from(C);
  for (let i = 0; i < d; i++) A[i * d + i] += lambda[i];
  const Ainv = inverseSpd(A, d);
  const M = Float64Array.from(Ainv);
  const b = matvec(Ainv, mean, d, d);
  for (let i = 0; i < d; i++) {
    const lam = 1 / (lambdaY[i] - lambda[i]);
    M[i * d + i] += lam;
    b[i] += lam * y[i];
  }
  const S = choleskyInverse(cholesky(M, d), d);
  return { mu: matvec(S, b, d, d), S };
}

function draw(mu: Float64Array, S: Float64Array, n: number, seed: number): Float32Array {
  const L = cholesky(S, d);
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  for (let j = 0; j < n; j++) {
    const e = Array.from({ length: d }, () => rng.normal());
    for (let i = 0; i < d; i++) {
      let s = mu[i];
      for (let k = 0; k <= i; k++) s += L[i * d + k] * e[k];
      out[j * d + i] = s;
    }
  }
  return out;
}

function moments(z: Float32Array, n: number): { mu: number[]; S: number[] } {
  const mu = new Array(d).fill(0);
  const S = new Array(d * d).fill(0);
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) mu[i] += z[j * d + i] / n;
  for (let j = 0; j < n; j++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) S[a * d + b] += ((z[j * d + a] - mu[a]) * (z[j * d + b] - mu[b])) / (n - 1);
  return { mu, S };
}

/** Largest |estimate − truth| / standard error over means and variances. */
function zScore(z: Float32Array, n: number, mu: Float64Array, S: Float64Array): number {
  const m = moments(z, n);
  let worst = 0;
  for (let i = 0; i < d; i++) {
    const v = S[i * d + i];
    worst = Math.max(worst, Math.abs(m.mu[i] - mu[i]) / Math.sqrt(v / n));
    worst = Math.max(worst, Math.abs(m.S[i * d + i] - v) / (v * Math.sqrt(2 / (n - 1))));
  }
  return worst;
}

const tile = (v: Float32Array, n: number) => {
  const out = new Float32Array(v.length * n);
  for (let j = 0; j < n; j++) out.set(v, j * v.length);
  return out;
};

describe('MALA corrector moves leave the level target invariant (exact Gaussian energy)', () => {
  const lambda = Float32Array.from([0.004, 0.004, 0.5, 0.5]);
  const n = 4000;
  const exact = levelPosterior(lambda);
  const start = draw(exact.mu, exact.S, n, 11);

  it('MALA: moments stay within 4.5 standard errors after 10 moves', async () => {
    const r = await correctorMoves(energy, start, tile(y, n), tile(lambdaY, n), tile(lambda, n), { steps: 10, corrector: 'mala', stepSize: 1.5 }, createRng(3));
    expect(r.accepted / r.proposed).toBeGreaterThan(0.3);
    expect(zScore(r.z, n, exact.mu, exact.S)).toBeLessThan(4.5);
  });

  it('ULA at the same step drifts away from it (the check has power)', async () => {
    const r = await correctorMoves(energy, start, tile(y, n), tile(lambdaY, n), tile(lambda, n), { steps: 10, corrector: 'ula', stepSize: 1.5 }, createRng(3));
    expect(zScore(r.z, n, exact.mu, exact.S)).toBeGreaterThan(8);
  });
});

describe('annealed sampling ends near the exact posterior p(x | y)', () => {
  const exact = levelPosterior([0, 0, 0, 0]);
  for (const schedule of ['geometric', 'energy'] as const) {
    it(`${schedule} schedule, 30 levels × 4 MALA steps, 2000 chains`, async () => {
      const r = await annealImages(energy, y, lambdaY, 1, { levels: 30, correctorSteps: 4, corrector: 'mala', stepSize: 0.5, samples: 2000, seed: 5, schedule, finalVar: 1e-4 });
      expect(r.diverged).toBe(0);
      const m = moments(r.samples, 2000);
      for (let i = 0; i < d; i++) {
        const sd = Math.sqrt(exact.S[i * d + i]);
        // within 0.15 posterior standard deviations in the mean, 20% in the standard deviation
        expect(Math.abs(m.mu[i] - exact.mu[i])).toBeLessThan(0.15 * sd);
        expect(Math.abs(Math.sqrt(m.S[i * d + i]) / sd - 1)).toBeLessThan(0.2);
      }
      expect(r.lambdas).toHaveLength(31);
      for (let i = 0; i < d; i++) expect(r.lambdas[30][i]).toBeCloseTo(Math.min(lambdaY[i], 1e-4), 8);
    });
  }
});

describe('schedules', () => {
  it('geometric: λ_t = min(λ_y, g_t), from λ_y to min(λ_y, finalVar)', () => {
    const g = geometricLambdas(lambdaY, 10, 1e-4);
    expect(Array.from(g[0])).toEqual(Array.from(lambdaY));
    expect(g[5][2]).toBeCloseTo(100 * Math.pow(1e-6, 0.5), 6);
    expect(g[5][0]).toBeCloseTo(0.01, 8);
    expect(Array.from(g[10]).map((v) => +v.toPrecision(6))).toEqual([1e-4, 1e-4, 1e-4, 1e-4]);
  });

  it('energy-guided: spends gap/levelsLeft of log-variance, in proportion to max(a, floor), never past the end', () => {
    const lam = Float32Array.from([1, 1, 1, 1e-4]);
    const end = Float32Array.from([1e-4, 1e-4, 1e-4, 1e-4]);
    const next = energyGuidedNext(lam, end, [0.5, 0.1, -1, 0.3], 4);
    const steps = Array.from(next).map((v, i) => Math.log(lam[i] / v));
    const budget = (3 * Math.log(1e4)) / 4;
    expect(steps.reduce((a, b) => a + b, 0)).toBeCloseTo(budget, 4);
    expect(steps[3]).toBeCloseTo(0, 10);
    expect(steps[0] / steps[1]).toBeCloseTo(5, 3);
    expect(steps[1] / steps[2]).toBeCloseTo(0.1 / 0.02, 3);
    // a big weight cannot overshoot: pixel 0 stops at its end and the rest goes to the others
    const capped = energyGuidedNext(lam, end, [100, 0.1, 0.1, 0], 2);
    expect(capped[0]).toBeCloseTo(1e-4, 8);
    const spent = Array.from(capped).reduce((s, v, i) => s + Math.log(lam[i] / v), 0);
    expect(spent).toBeCloseTo((3 * Math.log(1e4)) / 2, 4);
    expect(Array.from(energyGuidedNext(lam, end, [1, 1, 1, 1], 1))).toEqual(Array.from(end));
  });

  it('energy-guided weights: box average over the pixels still above their end, pinned pixels untouched', () => {
    // 3×3 image; pixel 4 (centre) and 8 are pinned (at their end variance)
    const lam = Float32Array.from([1, 1, 1, 1, 1e-4, 1, 1, 1, 1e-4]);
    const end = new Float32Array(9).fill(1e-4);
    const a = [0.1, 0.2, 0.3, 0.4, 9, 0.6, 0.7, 0.8, 9];
    const s = smoothOverFree(a, lam, end, 1);
    expect(s[4]).toBe(9);
    expect(s[8]).toBe(9);
    // corner 0: neighbours 0, 1, 3 (4 pinned) → (0.1 + 0.2 + 0.4) / 3
    expect(s[0]).toBeCloseTo(0.7 / 3, 12);
    // pixel 5: neighbours 1, 2, 5, 7 (4 and 8 pinned) → (0.2 + 0.3 + 0.6 + 0.8) / 4
    expect(s[5]).toBeCloseTo(1.9 / 4, 12);
    expect(Array.from(smoothOverFree(a, lam, end, 0))).toEqual(a);
    const flat = smoothOverFree(new Array(9).fill(0.25), lam, end, 2);
    for (const i of [0, 1, 2, 3, 5, 6, 7]) expect(flat[i]).toBeCloseTo(0.25, 12);
    expect(() => smoothOverFree([1, 2], Float32Array.from([1, 1]), Float32Array.from([0, 0]), 1)).toThrow(/square/);
  });
});
