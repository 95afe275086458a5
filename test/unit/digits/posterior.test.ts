/**
 * The posterior pieces of MATH.md section 4 from low-rank factors, against the dense formulas on small cases:
 * variance = diag of the dense σ² (diag(a) + V Vᵀ); eigenvectors from the r × r problem equal the dense
 * eigenvectors (exactly when a is constant, after refinement otherwise), also with a direction projected out;
 * Gaussian samples have covariance C.
 */
import { describe, expect, it } from 'vitest';
import { createRng, normals } from '../../../src/core/rng.ts';
import { symEig } from '../../../src/core/linalg.ts';
import {
  covTimes,
  denseCovariance,
  gaussianSamples,
  lowRankVariance,
  minEigenvalue,
  topEigen,
  tweedieMean,
} from '../../../src/models/digits/posterior.ts';

function randomFactors(seed: number, D: number, r: number, aConst?: number) {
  const rng = createRng(seed);
  const a = aConst === undefined ? Float64Array.from(normals(rng, D), (v) => 0.2 + 0.1 * Math.abs(v)) : new Float64Array(D).fill(aConst);
  const V = Float64Array.from(normals(rng, D * r), (v) => 0.5 * v);
  return { a, V };
}

function denseTop(C: Float64Array, D: number, k: number) {
  const { values, vectors } = symEig(C, D);
  const out = [];
  for (let j = D - 1; j >= D - k; j--) {
    const v = new Float64Array(D);
    for (let i = 0; i < D; i++) v[i] = vectors[i * D + j];
    out.push({ value: values[j], vector: v });
  }
  return out;
}

function absCos(a: ArrayLike<number>, b: ArrayLike<number>) {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return Math.abs(d) / Math.sqrt(na * nb);
}

describe('low-rank posterior covariance', () => {
  const D = 24;
  const r = 4;
  const sigma = 0.5;

  it('Tweedie mean is x̃ + σ r', () => {
    expect(Array.from(tweedieMean([1, 2], [0.5, -1], 0.5))).toEqual([1.25, 1.5]);
  });

  it('per-pixel variance and C x equal the dense formula', () => {
    const { a, V } = randomFactors(1, D, r);
    const C = denseCovariance(a, V, r, sigma);
    const v = lowRankVariance(a, V, r, sigma);
    for (let i = 0; i < D; i++) expect(v[i]).toBeCloseTo(C[i * D + i], 6);
    const x = normals(createRng(2), D);
    const y = covTimes(a, V, r, sigma, x);
    for (let i = 0; i < D; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += C[i * D + j] * x[j];
      expect(y[i]).toBeCloseTo(s, 10);
    }
  });

  it('the r × r problem gives the dense eigenvectors exactly when the diagonal is constant', () => {
    const { a, V } = randomFactors(3, D, r, 0.3);
    const dense = denseTop(denseCovariance(a, V, r, sigma), D, 3);
    const got = topEigen(a, V, r, sigma, 3, { iterations: 0 });
    for (let j = 0; j < 3; j++) {
      expect(got.values[j]).toBeCloseTo(dense[j].value, 8);
      expect(absCos(got.vectors[j], dense[j].vector)).toBeGreaterThan(1 - 1e-6);
      expect(got.residuals[j]).toBeLessThan(1e-6);
    }
  });

  it('with a varying diagonal, the refined eigenpairs equal the dense ones', () => {
    const { a, V } = randomFactors(4, D, r);
    const dense = denseTop(denseCovariance(a, V, r, sigma), D, 3);
    const got = topEigen(a, V, r, sigma, 3, { iterations: 200, tol: 1e-10 });
    for (let j = 0; j < 3; j++) {
      expect(got.values[j]).toBeCloseTo(dense[j].value, 6);
      expect(absCos(got.vectors[j], dense[j].vector)).toBeGreaterThan(1 - 1e-6);
    }
  });

  it('with a direction u excluded, the eigenpairs equal the dense ones of P C P (P = I − û ûᵀ) and are orthogonal to u', () => {
    const { a, V } = randomFactors(5, D, r);
    // u inside span(V) plus a little of everything: it removes a large direction of C
    const u = Float64Array.from({ length: D }, (_, i) => V[i * r] + 0.1);
    const n = Math.hypot(...u);
    const C = denseCovariance(a, V, r, sigma);
    const P = Float64Array.from({ length: D * D }, (_, k) => (k % (D + 1) === 0 ? 1 : 0) - (u[Math.floor(k / D)] * u[k % D]) / (n * n));
    const PCP = new Float64Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let p = 0; p < D; p++) for (let q = 0; q < D; q++) s += P[i * D + p] * C[p * D + q] * P[q * D + j];
        PCP[i * D + j] = s;
      }
    const dense = denseTop(PCP, D, 3);
    const got = topEigen(a, V, r, sigma, 3, { iterations: 200, exclude: u, tol: 1e-10 });
    const plain = topEigen(a, V, r, sigma, 1);
    expect(got.values[0]).toBeLessThan(plain.values[0]);
    for (let j = 0; j < 3; j++) {
      expect(got.values[j]).toBeCloseTo(dense[j].value, 6);
      expect(absCos(got.vectors[j], dense[j].vector)).toBeGreaterThan(1 - 1e-6);
      expect(absCos(got.vectors[j], u)).toBeLessThan(1e-6); // vectors are float32
      expect(got.residuals[j]).toBeLessThan(1e-6);
    }
  });

  it('smallest eigenvalue: detects a non-PSD covariance', () => {
    const { a, V } = randomFactors(5, D, r);
    a[7] = -0.4;
    const dense = symEig(denseCovariance(a, V, r, sigma), D).values[0];
    expect(dense).toBeLessThan(0);
    const m = minEigenvalue(a, V, r, sigma);
    expect(m.lower).toBeLessThanOrEqual(dense + 1e-12);
    expect(m.upper).toBeGreaterThanOrEqual(dense - 1e-12);
    expect(m.value).toBeCloseTo(dense, 5);
    const ok = randomFactors(6, D, r);
    expect(minEigenvalue(ok.a, ok.V, r, sigma).value).toBeGreaterThanOrEqual(0);
  });

  it('Gaussian samples have mean μ and covariance C (statistical, fixed seed)', () => {
    const d = 6;
    const rr = 2;
    const { a, V } = randomFactors(7, d, rr);
    const mu = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const n = 40000;
    const { samples, clamped } = gaussianSamples(mu, a, V, rr, sigma, createRng(8), n);
    expect(clamped).toBe(0);
    const C = denseCovariance(a, V, rr, sigma);
    const m = new Float64Array(d);
    for (const s of samples) for (let i = 0; i < d; i++) m[i] += s[i] / n;
    for (let i = 0; i < d; i++) expect(m[i]).toBeCloseTo(mu[i], 2);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let c = 0;
        for (const s of samples) c += (s[i] - m[i]) * (s[j] - m[j]);
        c /= n - 1;
        expect(Math.abs(c - C[i * d + j])).toBeLessThan(0.03 * Math.sqrt(C[i * d + i] * C[j * d + j]) + 1e-3);
      }
    }
  });
});
