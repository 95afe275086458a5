import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import {
  cholesky,
  det,
  eigSym2,
  fromEig,
  identity,
  inverse,
  inverseSpd,
  logAbsDet,
  matmul,
  maxAbsDiff,
  NotSpdError,
  solve,
  sqrtm2,
  sqrtmSym,
  symEig,
  transpose,
  tryCholesky,
} from '../../../src/core/linalg.ts';
import type { Rng } from '../../../src/core/types.ts';

function randomMatrix(rng: Rng, n: number, m = n): Float64Array {
  return Float64Array.from({ length: n * m }, () => rng.normal());
}
/** A random SPD matrix A Aᵀ + δ I. */
function randomSpd(rng: Rng, n: number, delta = 0.1): Float64Array {
  const A = randomMatrix(rng, n);
  const S = matmul(A, transpose(A, n, n), n, n, n);
  for (let i = 0; i < n; i++) S[i * n + i] += delta;
  return S;
}

describe('linalg', () => {
  const rng = createRng(123);
  const sizes = [1, 2, 3, 5, 10, 30];

  it('matmul and transpose agree with hand values', () => {
    const A = Float64Array.of(1, 2, 3, 4, 5, 6); // 2x3
    const B = Float64Array.of(1, 0, 0, 1, 1, 1); // 3x2
    expect(Array.from(matmul(A, B, 2, 3, 2))).toEqual([4, 5, 10, 11]);
    expect(Array.from(transpose(A, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('Cholesky reconstructs random SPD matrices: L Lᵀ = A', () => {
    for (const n of sizes) {
      const A = randomSpd(rng, n);
      const L = cholesky(A, n);
      expect(maxAbsDiff(matmul(L, transpose(L, n, n), n, n, n), A)).toBeLessThan(1e-10 * n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
    }
  });

  it('Cholesky rejects non-SPD matrices with NotSpdError', () => {
    expect(tryCholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
    expect(() => cholesky(Float64Array.of(1, 0, 0, -1), 2, 'C')).toThrow(NotSpdError);
    expect(() => cholesky(Float64Array.of(1, 0, 0, NaN), 2)).toThrow(/not symmetric positive definite/);
  });

  it('inverses: A A⁻¹ = I (SPD via Cholesky and general via LU); solve; determinants', () => {
    for (const n of sizes) {
      const A = randomSpd(rng, n);
      expect(maxAbsDiff(matmul(A, inverseSpd(A, n), n, n, n), identity(n))).toBeLessThan(1e-8);
      const G = randomMatrix(rng, n);
      expect(maxAbsDiff(matmul(G, inverse(G, n), n, n, n), identity(n))).toBeLessThan(1e-8);
      const b = randomMatrix(rng, n, 1);
      const x = solve(G, b, n);
      expect(maxAbsDiff(matmul(G, x, n, n, 1), b)).toBeLessThan(1e-9);
      // log |det| of an SPD matrix is positive-signed, and det of the inverse is the reciprocal.
      expect(logAbsDet(A, n).sign).toBe(1);
      const dG = det(G, n);
      expect(det(inverse(G, n), n) * dG).toBeCloseTo(1, 8);
    }
    expect(() => inverse(Float64Array.of(1, 2, 2, 4), 2)).toThrow(/singular/);
    expect(det(Float64Array.of(0, 1, 1, 0), 2)).toBe(-1);
  });

  it('symmetric eigen reconstructs: Q Λ Qᵀ = A, Qᵀ Q = I, values ascending', () => {
    for (const n of sizes) {
      const A = randomMatrix(rng, n);
      const S = Float64Array.from(A, (_, k) => 0.5 * (A[k] + A[(k % n) * n + Math.floor(k / n)]));
      const { values, vectors } = symEig(S, n);
      expect(maxAbsDiff(fromEig(vectors, values, n), S)).toBeLessThan(1e-10 * n);
      expect(maxAbsDiff(matmul(transpose(vectors, n, n), vectors, n, n, n), identity(n))).toBeLessThan(1e-10 * n);
      for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    }
  });

  it('2x2 eigen: closed form, including diagonal and repeated eigenvalues', () => {
    const e = eigSym2(2, 1, 2);
    expect(e.values[0]).toBeCloseTo(1, 14);
    expect(e.values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(e.vectors[1] * e.vectors[3] - 0.5)).toBeLessThan(1e-14); // (1,1)/√2
    for (const [a, b, c] of [[3, 0, 1], [1, 0, 3], [2, 0, 2], [1e-8, 1e-9, 4], [5, -2, 5]]) {
      const { values, vectors } = eigSym2(a, b, c);
      expect(maxAbsDiff(fromEig(vectors, values, 2), [a, b, b, c])).toBeLessThan(1e-14 * (Math.abs(a) + Math.abs(c) + 1));
    }
  });

  it('matrix square roots: sqrtm² = A, sqrtm2 closed form', () => {
    for (const n of [2, 3, 6]) {
      const A = randomSpd(rng, n);
      const R = sqrtmSym(A, n);
      expect(maxAbsDiff(matmul(R, R, n, n, n), A)).toBeLessThan(1e-9);
    }
    const A = randomSpd(rng, 2);
    const R2 = sqrtm2(A);
    expect(maxAbsDiff(matmul(R2, R2, 2, 2, 2), A)).toBeLessThan(1e-12);
    expect(maxAbsDiff(R2, sqrtmSym(A, 2))).toBeLessThan(1e-12);
    // Singular PSD works; indefinite is reported.
    const P = Float64Array.of(1, 1, 1, 1);
    expect(maxAbsDiff(matmul(sqrtm2(P), sqrtm2(P), 2, 2, 2), P)).toBeLessThan(1e-12);
    expect(() => sqrtmSym(Float64Array.of(1, 0, 0, -1), 2)).toThrow(NotSpdError);
    expect(() => sqrtm2(Float64Array.of(1, 0, 0, -1))).toThrow(NotSpdError);
  });
});
