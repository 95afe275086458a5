/**
 * The Gaussian posterior approximation of one noisy image from the low-rank second-order score (MATH.md
 * sections 1 and 4; paper 1, Sec. 5): plain TypeScript on Float32Arrays read back from the models.
 *
 *   mean      μ = x̃ + σ² s1(x̃) = x̃ + σ r
 *   cov       C = σ⁴ s2 + σ² I = σ² (diag(a) + V Vᵀ)        (a: 784, V: 784 × r, row-major [pixel][k])
 *   variance  diag(C)_i = σ² (a_i + Σ_k V_ik²)
 *   top-k eigenvectors of C: Rayleigh–Ritz on span(V), an r × r eigenproblem (exact when a is constant),
 *     refined by block Davidson with O(D r) products (lowRankEigen.ts); the residual ‖C y − λ y‖ is reported.
 *   samples   μ + σ (√a ⊙ ξ₁ + V ξ₂), ξ₁ ~ N(0, I_D), ξ₂ ~ N(0, I_r): exactly N(μ, C) when a ≥ 0
 *             (negative a_i, which a learned s2 can produce, are clamped to 0 and counted).
 */
import { frobenius, scale } from '../../core/linalg.ts';
import { normals } from '../../core/rng.ts';
import { davidson, orthonormalStart, pixelStart, ritzOnSpanV, shiftedSolver, type LowRankCov } from './lowRankEigen.ts';
import type { Rng } from '../../core/types.ts';

/** Tweedie mean x̃ + σ r (r = σ s1), per pixel. */
export function tweedieMean(noisy: ArrayLike<number>, r1: ArrayLike<number>, sigma: number): Float32Array {
  const out = new Float32Array(noisy.length);
  for (let i = 0; i < out.length; i++) out[i] = noisy[i] + sigma * r1[i];
  return out;
}

/** diag(C) = σ² (a_i + Σ_k V_ik²) for the low-rank model (V row-major, D × r). */
export function lowRankVariance(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number): Float32Array {
  const D = a.length;
  const out = new Float32Array(D);
  for (let i = 0; i < D; i++) {
    let s = a[i];
    for (let k = 0; k < rank; k++) s += V[i * rank + k] * V[i * rank + k];
    out[i] = sigma * sigma * s;
  }
  return out;
}

/** Posterior variance σ² a of the diagonal model. */
export function diagVariance(a: ArrayLike<number>, sigma: number): Float32Array {
  return Float32Array.from(a, (v) => sigma * sigma * v);
}

/** Per-pixel standard deviation √max(var, 0), and how many pixels had a negative variance. */
export function stdMap(variance: ArrayLike<number>): { std: Float32Array; negative: number } {
  let negative = 0;
  const std = Float32Array.from(variance, (v) => {
    if (v < 0) negative++;
    return Math.sqrt(Math.max(v, 0));
  });
  return { std, negative };
}

/** The dense D × D covariance σ² (diag(a) + V Vᵀ) (for tests and small cases). */
export function denseCovariance(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number): Float64Array {
  const D = a.length;
  const C = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      let s = i === j ? a[i] : 0;
      for (let k = 0; k < rank; k++) s += V[i * rank + k] * V[j * rank + k];
      C[i * D + j] = C[j * D + i] = sigma * sigma * s;
    }
  }
  return C;
}

/** y = C x with C = σ² (diag(a) + V Vᵀ), O(D r). */
export function covTimes(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number, x: ArrayLike<number>): Float64Array {
  const D = a.length;
  const t = new Float64Array(rank);
  for (let i = 0; i < D; i++) for (let k = 0; k < rank; k++) t[k] += V[i * rank + k] * x[i];
  const y = new Float64Array(D);
  const s2 = sigma * sigma;
  for (let i = 0; i < D; i++) {
    let s = a[i] * x[i];
    for (let k = 0; k < rank; k++) s += V[i * rank + k] * t[k];
    y[i] = s2 * s;
  }
  return y;
}

export interface TopEigen {
  /** Eigenvalues of C, descending. */
  values: number[];
  /** k unit vectors of length D (sign: the largest-magnitude entry is positive). */
  vectors: Float32Array[];
  /** ‖C y − λ y‖ / |λ| per pair (0 = exact). */
  residuals: number[];
}

/** |cos| above which an eigenvector counts as aligned with the estimated noise (within 60°). */
export const NOISE_ALIGNED = 0.5;

export interface TopEigenOptions {
  /** Most block Davidson rounds after the start on span(V) (default 30; 0: the r × r problem only). */
  iterations?: number;
  /** A direction u to project out: the pairs of P C P, P = I − û ûᵀ, on the complement of u. */
  exclude?: ArrayLike<number>;
  /** Stop once every pair has ‖C y − λ y‖ ≤ tol |λ| (default 1e-4). */
  tol?: number;
}

/** Pixel indices sorted by `key`, ascending. */
function pixelsBy(D: number, key: (i: number) => number): number[] {
  return Array.from({ length: D }, (_, i) => i).sort((i, j) => key(i) - key(j));
}

/**
 * The top-k eigenpairs of C = σ² (diag(a) + V Vᵀ), matrix-free (lowRankEigen.ts): Rayleigh–Ritz on span(V) from
 * r × r Gram matrices (exact when the diagonal a is constant, since span(V) is then invariant), refined by block
 * Davidson on k + 2 vectors until the residuals are below `tol` (`TopEigenOptions`). With `exclude`, C has a
 * direction projected out. Every product with C is O(D r); no D × D matrix is formed.
 */
export function topEigen(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number, k: number, opts: TopEigenOptions = {}): TopEigen {
  const { iterations = 30, exclude, tol = 1e-4 } = opts;
  const D = a.length;
  const un = exclude ? frobenius(exclude) : 0;
  const u = exclude && un > 0 ? scale(exclude, 1 / un) : undefined;
  const cov: LowRankCov = { a, V, rank, sigma, u };
  const want = Math.max(0, Math.min(k, D - (u ? 1 : 0)));
  if (want === 0) return { values: [], vectors: [], residuals: [] };
  const block = Math.min(D - (u ? 1 : 0), want + 2);
  let S = orthonormalStart(ritzOnSpanV(cov, block).map((p) => p.vector));
  // span(V) too small (rank < block, or V = 0): pad with the unit pixels of the largest a
  if (S.length < block) S = [...S, ...pixelStart(D, pixelsBy(D, (i) => -a[i]).slice(0, block), S, u)].slice(0, block);
  const pairs = davidson(cov, S, { k: want, block: S.length, largest: true, tol, iterations });
  const values: number[] = [];
  const vectors: Float32Array[] = [];
  const residuals: number[] = [];
  for (const p of pairs) {
    let big = 0;
    for (let i = 0; i < D; i++) if (Math.abs(p.vector[i]) > Math.abs(big)) big = p.vector[i];
    const sign = big < 0 ? -1 : 1;
    values.push(p.value);
    vectors.push(Float32Array.from(p.vector, (v) => sign * v));
    residuals.push(residualNorm(p.image, p.value, p.vector) / Math.max(Math.abs(p.value), 1e-30));
  }
  return { values, vectors, residuals };
}

/** ‖y − λ v‖ for vectors of equal length. */
function residualNorm(y: ArrayLike<number>, lambda: number, v: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < v.length; i++) r += (y[i] - lambda * v[i]) ** 2;
  return Math.sqrt(r);
}

/**
 * The smallest eigenvalue of C (negative = the learned s2 violates s2 + I/σ² ⪰ 0, MATH.md section 1).
 * Bracket: σ² min(a) ≤ λ_min ≤ min_i C_ii (since V Vᵀ ⪰ 0). `value` is the smallest Ritz value of block Davidson
 * (lowRankEigen.ts, matrix-free) started on the unit vectors of the `pixels` smallest a and the `pixels` smallest
 * C_ii (an upper bound of λ_min by Courant–Fischer), its corrections solves with C − μ I, μ just below the bracket
 * (`shiftedSolver`: inverse iteration, O(D r) each), after at most `iterations` rounds, stopping once its
 * residual ‖C y − λ y‖ ≤ `tol` max_i C_ii.
 */
export function minEigenvalue(
  a: ArrayLike<number>,
  V: ArrayLike<number>,
  rank: number,
  sigma: number,
  pixels = 6,
  iterations = 12,
  tol = 1e-4,
): { value: number; lower: number; upper: number } {
  const D = a.length;
  const s2 = sigma * sigma;
  const diagC = new Float64Array(D);
  let lower = Infinity;
  for (let i = 0; i < D; i++) {
    lower = Math.min(lower, s2 * a[i]);
    let d = a[i];
    for (let k = 0; k < rank; k++) d += V[i * rank + k] * V[i * rank + k];
    diagC[i] = s2 * d;
  }
  let upper = Infinity;
  let scaleC = 0;
  for (let i = 0; i < D; i++) {
    upper = Math.min(upper, diagC[i]);
    scaleC = Math.max(scaleC, Math.abs(diagC[i]));
  }
  const n = Math.min(pixels, D);
  const start = [...new Set([...pixelsBy(D, (i) => a[i]).slice(0, n), ...pixelsBy(D, (i) => diagC[i]).slice(0, n)])];
  const S = pixelStart(D, start, []);
  const cov: LowRankCov = { a, V, rank, sigma };
  const solve = shiftedSolver(cov, lower - 1e-3 * Math.max(scaleC, 1e-30));
  const [min] = davidson(cov, S, { k: 1, block: Math.min(S.length, 3), largest: false, tol, iterations, scale: () => scaleC, precondition: (_, r) => solve(r) });
  const value = Math.min(upper, min.value);
  return { value: Math.max(value, lower), lower, upper };
}

/** n samples from N(μ, C) (a clamped at 0): μ + σ (√a ⊙ ξ₁ + V ξ₂). */
export function gaussianSamples(
  mean: ArrayLike<number>,
  a: ArrayLike<number>,
  V: ArrayLike<number>,
  rank: number,
  sigma: number,
  rng: Rng,
  n: number,
): { samples: Float32Array[]; clamped: number } {
  const D = mean.length;
  let clamped = 0;
  const sa = Float64Array.from(a, (v) => {
    if (v < 0) clamped++;
    return Math.sqrt(Math.max(v, 0));
  });
  const samples: Float32Array[] = [];
  for (let s = 0; s < n; s++) {
    const xi1 = normals(rng, D);
    const xi2 = normals(rng, rank);
    const out = new Float32Array(D);
    for (let i = 0; i < D; i++) {
      let v = sa[i] * xi1[i];
      for (let k = 0; k < rank; k++) v += V[i * rank + k] * xi2[k];
      out[i] = mean[i] + sigma * v;
    }
    samples.push(out);
  }
  return { samples, clamped };
}
