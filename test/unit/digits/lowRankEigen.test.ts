/**
 * The structured (matrix-free) eigen-solver of the Digits posterior covariance C = σ² (diag(a) + V Vᵀ) against a
 * dense reference: the QL solver (denseSymEig.ts) first against cyclic Jacobi (core/linalg symEig), then
 * topEigen / minEigenvalue (posterior.ts, on lowRankEigen.ts) against the dense eigen-decomposition of C, on a
 * small case and an MNIST-sized one (D = 784, rank 50), with the app's default tolerance (tol = 1e-4):
 *   eigenvalues to 1e-6 relative, the top-k subspace to sin∠ ≤ 1e-3, λ_min to 1e-6 of max C_ii and inside its bracket.
 */
import { describe, expect, it } from 'vitest';
import { symEig } from '../../../src/core/linalg.ts';
import { createRng, normals } from '../../../src/core/rng.ts';
import { symEigQL } from '../../../src/models/digits/denseSymEig.ts';
import { covTimesBlock } from '../../../src/models/digits/lowRankEigen.ts';
import { covTimes, denseCovariance, minEigenvalue, topEigen } from '../../../src/models/digits/posterior.ts';

/** Factors shaped like the learned ones: a mostly small and positive with a few negative pixels, V with decaying columns. */
function factors(seed: number, D: number, r: number) {
  const rng = createRng(seed);
  const a = Float32Array.from(normals(rng, D), (v, i) => (i % 97 === 5 ? -0.1 : 0.05 + 0.1 * Math.abs(v)));
  const z = normals(rng, D * r);
  const V = Float32Array.from(z, (v, j) => (v * 0.6) / (1 + (j % r)));
  return { a, V };
}

function randomSym(seed: number, n: number): Float64Array {
  const B = normals(createRng(seed), n * n);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = B[i * n + j] + B[j * n + i];
  return A;
}

/** Columns j0..j1-1 of a row-major n × n eigenvector matrix, as vectors. */
function columns(vectors: Float64Array, n: number, js: number[]): Float64Array[] {
  return js.map((j) => Float64Array.from({ length: n }, (_, i) => vectors[i * n + j]));
}

/** sin of the largest principal angle between span(Y) and span(Q) (Q orthonormal, Y unit columns, same count). */
function subspaceSin(Y: ArrayLike<number>[], Q: Float64Array[]): number {
  let worst = 0;
  for (const y of Y) {
    const r = Float64Array.from(y);
    for (const q of Q) {
      let d = 0;
      for (let i = 0; i < r.length; i++) d += q[i] * y[i];
      for (let i = 0; i < r.length; i++) r[i] -= d * q[i];
    }
    worst = Math.max(worst, Math.hypot(...r));
  }
  return worst;
}

describe('symEigQL (Householder + implicit QL)', () => {
  it.each([1, 2, 12, 40])('matches cyclic Jacobi and gives an orthonormal eigenbasis (n = %i)', (n) => {
    const A = randomSym(n, n);
    const ql = symEigQL(A, n);
    const jac = symEig(A, n);
    for (let j = 0; j < n; j++) expect(Math.abs(ql.values[j] - jac.values[j])).toBeLessThan(1e-10 * (1 + Math.abs(jac.values[j])));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let av = 0;
        let vtv = 0;
        for (let k = 0; k < n; k++) {
          av += A[i * n + k] * ql.vectors[k * n + j];
          vtv += ql.vectors[k * n + i] * ql.vectors[k * n + j];
        }
        expect(Math.abs(av - ql.values[j] * ql.vectors[i * n + j])).toBeLessThan(1e-10 * n);
        expect(Math.abs(vtv - (i === j ? 1 : 0))).toBeLessThan(1e-12 * n);
      }
    }
  });

  it('refuses a non-finite entry and a wrong size with a one-line error', () => {
    expect(() => symEigQL([1, NaN, NaN, 1], 2)).toThrow(/not finite/);
    expect(() => symEigQL([1, 2, 3], 2)).toThrow(/expected 4 entries/);
  });
});

describe.each([
  { name: 'small', D: 30, r: 5, k: 3 },
  { name: 'MNIST-sized', D: 784, r: 50, k: 8 },
])('structured eigen-solver vs dense reference ($name: D = $D, rank $r)', ({ D, r, k }) => {
  const sigma = 0.5;
  const { a, V } = factors(D + r, D, r);
  const C = denseCovariance(a, V, r, sigma);
  const dense = symEigQL(C, D);
  const topIdx = Array.from({ length: k }, (_, q) => D - 1 - q);

  it('block products equal the dense C x (and the single-vector covTimes)', () => {
    const X = [0, 1].map((s) => Float64Array.from(normals(createRng(s), D)));
    const Y = covTimesBlock({ a, V, rank: r, sigma }, X);
    X.forEach((x, j) => {
      const y1 = covTimes(a, V, r, sigma, x);
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let p = 0; p < D; p++) s += C[i * D + p] * x[p];
        expect(Math.abs(Y[j][i] - s)).toBeLessThan(1e-10);
        expect(Math.abs(y1[i] - s)).toBeLessThan(1e-10);
      }
    });
  });

  it(`top-k eigenvalues to 1e-6 (relative) and the top-k subspace to sin∠ ≤ 1e-3`, () => {
    const got = topEigen(a, V, r, sigma, k);
    expect(got.values).toHaveLength(k);
    got.values.forEach((v, q) => expect(Math.abs(v - dense.values[topIdx[q]])).toBeLessThan(1e-6 * dense.values[topIdx[q]]));
    for (const res of got.residuals) expect(res).toBeLessThanOrEqual(1e-4);
    expect(subspaceSin(got.vectors, columns(dense.vectors, D, topIdx))).toBeLessThan(1e-3);
  });

  it('with a direction projected out: the top pairs of P C P (P = I − û ûᵀ), orthogonal to u', () => {
    const u = Float64Array.from({ length: D }, (_, i) => V[i * r] + 0.05 * Math.sin(i));
    const un = Math.hypot(...u);
    const PCP = new Float64Array(D * D);
    const Cu = covTimes(a, V, r, sigma, u);
    const uCu = u.reduce((s, v, i) => s + v * Cu[i], 0);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        PCP[i * D + j] = C[i * D + j] - (u[i] * Cu[j] + Cu[i] * u[j]) / un ** 2 + (u[i] * u[j] * uCu) / un ** 4;
      }
    }
    const ref = symEigQL(PCP, D);
    const got = topEigen(a, V, r, sigma, k, { exclude: u });
    got.values.forEach((v, q) => expect(Math.abs(v - ref.values[topIdx[q]])).toBeLessThan(1e-6 * ref.values[topIdx[q]]));
    expect(subspaceSin(got.vectors, columns(ref.vectors, D, topIdx))).toBeLessThan(1e-3);
    for (const y of got.vectors) expect(Math.abs(y.reduce((s, v, i) => s + v * u[i], 0)) / un).toBeLessThan(1e-6);
  });

  it('the smallest eigenvalue to 1e-6 of max C_ii, inside its bracket', () => {
    const m = minEigenvalue(a, V, r, sigma);
    const lmin = dense.values[0];
    let scaleC = 0;
    for (let i = 0; i < D; i++) scaleC = Math.max(scaleC, Math.abs(C[i * D + i]));
    expect(lmin).toBeLessThan(0); // the negative pixels of a make C indefinite, as a learned s2 can
    expect(Math.abs(m.value - lmin)).toBeLessThan(1e-6 * scaleC);
    expect(m.value).toBeGreaterThanOrEqual(lmin - 1e-12); // a Ritz value: an upper bound
    expect(m.lower).toBeLessThanOrEqual(lmin + 1e-12);
    expect(m.upper).toBeGreaterThanOrEqual(m.value);
  });
});
