/**
 * The Gaussian posterior approximation of one noisy image from the low-rank second-order score (MATH.md
 * sections 1 and 4; paper 1, Sec. 5): plain TypeScript on Float32Arrays read back from the models.
 *
 *   mean      μ = x̃ + σ² s1(x̃) = x̃ + σ r
 *   cov       C = σ⁴ s2 + σ² I = σ² (diag(a) + V Vᵀ)        (a: 784, V: 784 × r, row-major [pixel][k])
 *   variance  diag(C)_i = σ² (a_i + Σ_k V_ik²)
 *   top-k eigenvectors of C: Rayleigh–Ritz on span(V), an r × r eigenproblem (exact when a is constant),
 *     refined by a few block power iterations with O(D r) products; the residual ‖C y − λ y‖ is reported.
 *   samples   μ + σ (√a ⊙ ξ₁ + V ξ₂), ξ₁ ~ N(0, I_D), ξ₂ ~ N(0, I_r): exactly N(μ, C) when a ≥ 0
 *             (negative a_i, which a learned s2 can produce, are clamped to 0 and counted).
 */
import { dot, frobenius, scale, symEig } from '../../core/linalg.ts';
import { normals } from '../../core/rng.ts';
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

/** ‖y − λ v‖ for vectors of equal length. */
function residualNorm(y: ArrayLike<number>, lambda: number, v: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < v.length; i++) r += (y[i] - lambda * v[i]) ** 2;
  return Math.sqrt(r);
}

/** Orthonormal basis (columns) of the span of the m columns of B (D × m, column-major arrays), by Gram–Schmidt twice. */
function orthonormalize(cols: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const c0 of cols) {
    const c = Float64Array.from(c0);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of out) {
        let d = 0;
        for (let i = 0; i < c.length; i++) d += q[i] * c[i];
        for (let i = 0; i < c.length; i++) c[i] -= d * q[i];
      }
    }
    let n = 0;
    for (let i = 0; i < c.length; i++) n += c[i] * c[i];
    n = Math.sqrt(n);
    if (n > 1e-10) out.push(c.map((v) => v / n));
  }
  return out;
}

/** |cos| above which an eigenvector counts as aligned with the estimated noise (within 60°). */
export const NOISE_ALIGNED = 0.5;

/** x − (uᵀx) u for a unit vector u (identity when u is absent). */
function projectOut(x: Float64Array, u?: Float64Array): Float64Array {
  if (!u) return x;
  const d = dot(u, x);
  return x.map((v, i) => v - d * u[i]);
}

/** Rayleigh–Ritz of C on span(Q): eigenpairs of the small matrix Qᵀ C Q, lifted back, descending. */
function rayleighRitz(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number, Q: Float64Array[], u?: Float64Array) {
  const m = Q.length;
  const n = Q[0].length;
  const CQ = Q.map((q) => projectOut(covTimes(a, V, rank, sigma, q), u));
  const T = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const qi = Q[i];
    for (let j = i; j < m; j++) {
      const cj = CQ[j];
      let s = 0;
      for (let p = 0; p < n; p++) s += qi[p] * cj[p];
      T[i * m + j] = s;
      T[j * m + i] = s;
    }
  }
  const { values, vectors } = symEig(T, m);
  const out: { value: number; vector: Float64Array }[] = [];
  for (let j = m - 1; j >= 0; j--) {
    const y = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      const w = vectors[i * m + j];
      const qi = Q[i];
      for (let p = 0; p < n; p++) y[p] += w * qi[p];
    }
    out.push({ value: values[j], vector: y });
  }
  return out;
}

export interface TopEigenOptions {
  /** Most block power iterations after the start on span(V) (default 30; 0: the r × r problem only). */
  iterations?: number;
  /** A direction u to project out: the pairs of P C P, P = I − û ûᵀ, on the complement of u. */
  exclude?: ArrayLike<number>;
  /** Stop once every pair has ‖C y − λ y‖ ≤ tol |λ| (default 1e-4). */
  tol?: number;
}

/**
 * The top-k eigenpairs of C = σ² (diag(a) + V Vᵀ). Starts from the r × r problem on span(V) (exact when the
 * diagonal a is constant, since span(V) is then invariant) and refines with block power iteration on k + 4
 * vectors until the residuals are below `tol` (`TopEigenOptions`). With `exclude`, C has a direction projected out.
 */
export function topEigen(a: ArrayLike<number>, V: ArrayLike<number>, rank: number, sigma: number, k: number, opts: TopEigenOptions = {}): TopEigen {
  const { iterations = 30, exclude, tol = 1e-4 } = opts;
  const D = a.length;
  const u = exclude ? scale(exclude, 1 / (frobenius(exclude) || 1)) : undefined;
  const cols: Float64Array[] = [];
  for (let c = 0; c < rank; c++) {
    const v = new Float64Array(D);
    for (let i = 0; i < D; i++) v[i] = V[i * rank + c];
    cols.push(projectOut(v, u));
  }
  let Q = orthonormalize(cols);
  if (Q.length === 0) {
    // V = 0: C is diagonal; its top eigenvectors are unit pixels
    Q = [];
  }
  let pairs = Q.length ? rayleighRitz(a, V, rank, sigma, Q, u) : [];
  const block = Math.min(D, k + 4);
  // pad with unit vectors of the largest a when span(V) is too small
  if (pairs.length < block) {
    const idx = Array.from({ length: D }, (_, i) => i).sort((i, j) => a[j] - a[i]);
    const extra = idx.slice(0, block).map((i) => {
      const e = new Float64Array(D);
      e[i] = 1;
      return e;
    });
    Q = orthonormalize([...pairs.map((p) => p.vector), ...extra.map((e) => projectOut(e, u))]).slice(0, block);
    pairs = rayleighRitz(a, V, rank, sigma, Q, u);
  }
  // C y of the current pairs, kept when the loop stops on converged residuals (no second round of products).
  let products: Float64Array[] | null = null;
  for (let it = 0; it < iterations; it++) {
    const top = pairs.slice(0, block).map((p) => projectOut(covTimes(a, V, rank, sigma, p.vector), u));
    if (pairs.slice(0, k).every((p, j) => residualNorm(top[j], p.value, p.vector) <= tol * Math.abs(p.value))) {
      products = top;
      break;
    }
    pairs = rayleighRitz(a, V, rank, sigma, orthonormalize(top), u);
  }
  const values: number[] = [];
  const vectors: Float32Array[] = [];
  const residuals: number[] = [];
  for (const [j, p] of pairs.slice(0, k).entries()) {
    const Cy = products?.[j] ?? projectOut(covTimes(a, V, rank, sigma, p.vector), u);
    let big = 0;
    for (let i = 0; i < D; i++) if (Math.abs(p.vector[i]) > Math.abs(big)) big = p.vector[i];
    const sign = big < 0 ? -1 : 1;
    values.push(p.value);
    vectors.push(Float32Array.from(p.vector, (v) => sign * v));
    residuals.push(residualNorm(Cy, p.value, p.vector) / Math.max(Math.abs(p.value), 1e-30));
  }
  return { values, vectors, residuals };
}

/**
 * The smallest eigenvalue of C (negative = the learned s2 violates s2 + I/σ² ⪰ 0, MATH.md section 1).
 * Bracket: σ² min(a) ≤ λ_min ≤ min_i C_ii (since V Vᵀ ⪰ 0); `value` is the smallest Ritz value of C on
 * span(V) plus the unit vectors of the `pixels` smallest a (an upper bound, tight in practice), refined by
 * block iterations of (s I − C), at most `iterations`, until the smallest pair has ‖C y − λ y‖ ≤ `tol` s.
 */
export function minEigenvalue(
  a: ArrayLike<number>,
  V: ArrayLike<number>,
  rank: number,
  sigma: number,
  pixels = 24,
  iterations = 12,
  tol = 1e-4,
): { value: number; lower: number; upper: number } {
  const D = a.length;
  const s2 = sigma * sigma;
  let lower = Infinity;
  let upper = Infinity;
  for (let i = 0; i < D; i++) {
    lower = Math.min(lower, s2 * a[i]);
    let d = a[i];
    for (let k = 0; k < rank; k++) d += V[i * rank + k] * V[i * rank + k];
    upper = Math.min(upper, s2 * d);
  }
  const idx = Array.from({ length: D }, (_, i) => i).sort((i, j) => a[i] - a[j]).slice(0, Math.min(pixels, D));
  const cols: Float64Array[] = idx.map((i) => {
    const e = new Float64Array(D);
    e[i] = 1;
    return e;
  });
  for (let c = 0; c < rank; c++) {
    const v = new Float64Array(D);
    for (let i = 0; i < D; i++) v[i] = V[i * rank + c];
    cols.push(v);
  }
  let pairs = rayleighRitz(a, V, rank, sigma, orthonormalize(cols));
  // power iteration on s I − C finds λ_min when s > (λ_max + λ_min) / 2, and converges faster the smaller s is: the
  // largest Ritz value on span(V) (≤ λ_max, and close to it since span(V) holds the top directions) is enough.
  const shift = 1.1 * Math.max(pairs[0].value, 1e-12);
  const block = Math.min(8, pairs.length);
  for (let it = 0; it < iterations; it++) {
    const last = pairs.slice(-block);
    const Cys = last.map((p) => covTimes(a, V, rank, sigma, p.vector));
    const min = last[last.length - 1];
    if (residualNorm(Cys[Cys.length - 1], min.value, min.vector) <= tol * shift) break;
    pairs = rayleighRitz(a, V, rank, sigma, orthonormalize(last.map((p, j) => p.vector.map((v, i) => shift * v - Cys[j][i]))));
  }
  const value = Math.min(upper, pairs[pairs.length - 1].value);
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
