/**
 * The PSD check and the clipped covariance (MATH.md section 1), the error numbers of a Gaussian approximation
 * against the exact posterior (section 4), and the grid of noisy points.
 */
import { describe, expect, it } from 'vitest';
import { congruence, diag, fromEig, frobenius, matmul, maxAbsDiff, rotation2, sub, symEig, transpose } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { gridPoints } from '../../../src/core/grid.ts';
import { approximationError, cellCentreGrid, checkCovariance, tweedieCovariance } from '../../../src/core/uncertainty.ts';
import { randomSpd } from './fixtures.ts';

describe('checkCovariance', () => {
  it('a PSD matrix passes unchanged', () => {
    const C = randomSpd(createRng(1), 4);
    const c = checkCovariance(C, 4);
    expect(c.psd).toBe(true);
    expect(c.clippedCount).toBe(0);
    expect(c.minEigenvalue).toBeGreaterThan(0);
    expect(maxAbsDiff(c.clipped, C)).toBeLessThan(1e-15);
  });

  it('a rotated non-PSD 2×2 matrix: smallest eigenvalue reported, clipped version keeps the axes', () => {
    const R = rotation2(0.6);
    const C = congruence(R, diag([2, -0.5]), 2);
    const c = checkCovariance(C, 2);
    expect(c.psd).toBe(false);
    expect(c.minEigenvalue).toBeCloseTo(-0.5, 12);
    expect(c.maxEigenvalue).toBeCloseTo(2, 12);
    expect(c.clippedCount).toBe(1);
    expect(maxAbsDiff(c.clipped, congruence(R, diag([2, 0]), 2))).toBeLessThan(1e-12);
  });

  it('clipping gives the nearest PSD matrix in Frobenius norm and only raises (5-D)', () => {
    const rng = createRng(2);
    const d = 5;
    const Q = symEig(randomSpd(rng, d), d).vectors;
    const lambda = [-0.3, -0.01, 0.2, 1, 3];
    const C = fromEig(Q, lambda, d);
    const c = checkCovariance(C, d);
    expect(c.psd).toBe(false);
    expect(c.clippedCount).toBe(2);
    expect(c.minEigenvalue).toBeCloseTo(-0.3, 10);
    expect(symEig(c.clipped, d).values[0]).toBeGreaterThanOrEqual(-1e-12);
    expect(frobenius(sub(c.clipped, C))).toBeCloseTo(Math.hypot(0.3, 0.01), 10);
    // clip(C) − C is PSD (the clipping never lowers a direction's variance).
    expect(symEig(sub(c.clipped, C), d).values[0]).toBeGreaterThanOrEqual(-1e-12);
    // A floor lifts every eigenvalue below it.
    const f = checkCovariance(C, d, { floor: 0.5 }).clipped;
    expect(symEig(f, d).values[0]).toBeCloseTo(0.5, 10);
  });

  it('degenerate inputs: singular PSD, rounding-level negatives, zero, non-finite', () => {
    const singular = checkCovariance([1, 1, 1, 1], 2);
    expect(singular.psd).toBe(true);
    expect(Math.abs(singular.minEigenvalue)).toBeLessThan(1e-15);
    expect(checkCovariance([1, 0, 0, -1e-14], 2).psd).toBe(true);
    expect(checkCovariance([1, 0, 0, -1e-6], 2).psd).toBe(false);
    const zero = checkCovariance([0, 0, 0, 0], 2);
    expect(zero.psd).toBe(true);
    expect(zero.minEigenvalue).toBe(0);
    const bad = checkCovariance([1, NaN, NaN, 1], 2);
    expect(bad.psd).toBe(false);
    expect(bad.minEigenvalue).toBeNaN();
    expect(Array.from(bad.clipped)).toEqual([0, 0, 0, 0]);
    expect(() => checkCovariance([1, 0, 0], 2)).toThrow(/expected 4/);
  });

  it('a learned s2 below −I/σ² makes the Tweedie covariance non-PSD, and the check sees it', () => {
    const sigma = 0.3;
    const s2 = [-2 / sigma ** 2, 0, 0, -0.5 / sigma ** 2]; // σ⁴ s2 + σ² I = σ² diag(−1, 0.5)
    const c = checkCovariance(tweedieCovariance(s2, sigma, 2), 2);
    expect(c.psd).toBe(false);
    expect(c.minEigenvalue).toBeCloseTo(-(sigma ** 2), 12);
  });
});

describe('approximationError (W2 and KL against the exact moments)', () => {
  const d = 3;
  const rng = createRng(4);
  const S = randomSpd(rng, d);
  const m = Float64Array.of(0.3, -1, 2);

  it('is zero for the exact moments', () => {
    const e = approximationError({ mean: m, cov: S }, { mean: m, cov: S }, d);
    expect(e.w2).toBeLessThan(1e-7);
    expect(Math.abs(e.kl)).toBeLessThan(1e-12);
    expect(e.psd).toBe(true);
  });

  it('a shifted mean: W2 = ‖Δ‖ and KL = ½ Δᵀ C⁻¹ Δ', () => {
    const delta = Float64Array.of(0.1, 0.2, -0.3);
    const e = approximationError({ mean: m.map((v, i) => v + delta[i]), cov: S }, { mean: m, cov: S }, d);
    expect(e.w2).toBeCloseTo(Math.hypot(...delta), 7);
    // Δᵀ S⁻¹ Δ via the eigen-decomposition.
    const { values, vectors } = symEig(S, d);
    const proj = matmul(transpose(vectors, d, d), delta, d, d, 1);
    const mahal = Array.from(proj).reduce((s, p, i) => s + (p * p) / values[i], 0);
    expect(e.kl).toBeCloseTo(0.5 * mahal, 9);
  });

  it('scaled covariances: W2 of commuting Gaussians is ‖√A − √B‖_F', () => {
    const e = approximationError({ mean: m, cov: S.map((v) => 4 * v) }, { mean: m, cov: S }, d);
    // √(4S) − √S = √S, so W2² = tr(S).
    expect(e.w2).toBeCloseTo(Math.sqrt(S[0] + S[4] + S[8]), 6);
    // KL(N(0, S) ‖ N(0, 4S)) = ½ (tr(¼ I) − d + d log 4).
    expect(e.kl).toBeCloseTo(0.5 * (d / 4 - d + d * Math.log(4)), 9);
  });

  it('a non-PSD approximation: KL is +∞, W2 uses the clipped covariance, the flag is set', () => {
    const bad = fromEig(symEig(S, d).vectors, [-0.1, 0.5, 1], d);
    const e = approximationError({ mean: m, cov: bad }, { mean: m, cov: S }, d);
    expect(e.psd).toBe(false);
    expect(e.kl).toBe(Infinity);
    expect(Number.isFinite(e.w2)).toBe(true);
    expect(e.minEigenvalue).toBeCloseTo(-0.1, 10);
  });
});

describe('cellCentreGrid', () => {
  it('cell centres, x fastest', () => {
    const g = cellCentreGrid(
      [
        [0, 4],
        [-1, 1],
      ],
      4,
      2,
    );
    expect(Array.from(gridPoints(g))).toEqual([0.5, -0.5, 1.5, -0.5, 2.5, -0.5, 3.5, -0.5, 0.5, 0.5, 1.5, 0.5, 2.5, 0.5, 3.5, 0.5]);
    expect(() => cellCentreGrid([[0, 1], [0, 1]], 0)).toThrow(/positive/);
    expect(() => cellCentreGrid([[1, 1], [0, 1]], 2)).toThrow(/empty/);
  });
});
