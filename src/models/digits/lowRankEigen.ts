/**
 * A matrix-free eigen-solver for the Digits posterior covariance C = σ² (diag(a) + V Vᵀ) (MATH.md section 4;
 * a: D, V: D × r row-major), optionally with a unit direction u projected out (P C P, P = I − u uᵀ).
 *
 * Nothing D × D is formed: a product C x costs O(D r), a block of b products O(D r b). The work is
 *   1. the start (top pairs): Rayleigh–Ritz on span(P V) from Gram matrices, G = Wᵀ W and Wᵀ C W = σ² (Wᵀ A W
 *      + G²) with W = P V (two O(D r²) passes and r × r eigenproblems; exact when a is constant);
 *   2. block Davidson: each round adds the corrections t_j = P (θ_j − A)⁻¹ (C y_j − θ_j y_j) of the b current Ritz
 *      pairs and runs Rayleigh–Ritz on span(Y, T, Y_prev) (b new products; Y_prev, the previous round's vectors,
 *      adds LOBPCG's momentum at no product cost; a 3b × 3b eigenproblem). (θ − A)⁻¹ is the
 *      preconditioner the structure suggests: an eigenvector of A + V Vᵀ with eigenvalue λ is (λ − A)⁻¹ V (Vᵀ y),
 *      so for θ near λ the correction points at the missing part, and the rounds converge in a few steps;
 *   3. for the bottom pair the correction is a solve with C − μ I, μ below the spectrum (`shiftedSolver`,
 *      Woodbury, O(D r) per solve): inverse iteration, robust when the smallest a cluster.
 * Ritz values of the top pairs are lower bounds of the true ones, of the bottom pair an upper bound (Courant–Fischer).
 */
import { cholesky, choleskySolve, matvec } from '../../core/linalg.ts';
import { symEigQL } from './denseSymEig.ts';

/** C = σ² (diag(a) + V Vᵀ) with an optional unit direction `u` projected out on both sides. */
export interface LowRankCov {
  a: ArrayLike<number>;
  /** D × rank, row-major [pixel][k]. */
  V: ArrayLike<number>;
  rank: number;
  sigma: number;
  u?: Float64Array;
}

export interface EigenPair {
  value: number;
  /** Unit vector of length D. */
  vector: Float64Array;
  /** C y (so callers can report residuals without another product). */
  image: Float64Array;
}

function dotv(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** The r columns of a D × r row-major matrix, each contiguous. */
function columnsOf(M: ArrayLike<number>, D: number, r: number): Float64Array[] {
  const cols = Array.from({ length: r }, () => new Float64Array(D));
  for (let i = 0; i < D; i++) for (let k = 0; k < r; k++) cols[k][i] = M[i * r + k];
  return cols;
}

/** w ⊙ x. */
function weighted(w: ArrayLike<number>, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = w[i] * x[i];
  return out;
}

/** Xᵀ Y (r × r, row-major) for columns X, Y whose product is symmetric (X = M Y with M diagonal): dots of contiguous columns, upper triangle mirrored. */
function gram(X: readonly Float64Array[], Y: readonly Float64Array[]): Float64Array {
  const r = X.length;
  const out = new Float64Array(r * r);
  for (let k = 0; k < r; k++) {
    for (let l = k; l < r; l++) {
      const v = dotv(X[k], Y[l]);
      out[k * r + l] = v;
      out[l * r + k] = v;
    }
  }
  return out;
}

/** x · c in place. */
function scaled(x: Float64Array, c: number): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] *= c;
  return x;
}

function projectOutInPlace(x: Float64Array, u?: Float64Array): Float64Array {
  if (!u) return x;
  const d = dotv(u, x);
  for (let i = 0; i < x.length; i++) x[i] -= d * u[i];
  return x;
}

/** C X for a block of vectors (O(D r b)): one pass over V for Vᵀ X, one for A X + V (Vᵀ X). */
export function covTimesBlock(cov: LowRankCov, X: readonly Float64Array[]): Float64Array[] {
  const { a, V, rank: r, sigma, u } = cov;
  const b = X.length;
  if (b === 0) return [];
  const D = a.length;
  const xs = u ? X.map((x) => projectOutInPlace(Float64Array.from(x), u)) : X;
  // T = Vᵀ X as [j][k], so both passes run along a row of V (contiguous in k)
  const T = new Float64Array(b * r);
  for (let j = 0; j < b; j++) {
    const x = xs[j];
    const tj = j * r;
    for (let i = 0; i < D; i++) {
      const xij = x[i];
      if (xij === 0) continue;
      const row = i * r;
      for (let k = 0; k < r; k++) T[tj + k] += V[row + k] * xij;
    }
  }
  const s2 = sigma * sigma;
  const Y = xs.map(() => new Float64Array(D));
  for (let j = 0; j < b; j++) {
    const x = xs[j];
    const y = Y[j];
    const tj = j * r;
    for (let i = 0; i < D; i++) {
      const row = i * r;
      let acc = a[i] * x[i];
      for (let k = 0; k < r; k++) acc += V[row + k] * T[tj + k];
      y[i] = s2 * acc;
    }
  }
  return u ? Y.map((y) => projectOutInPlace(y, u)) : Y;
}

/** v −= (q · v) q, and the same multiple of cq from img when both are given (q a unit vector). */
function subtractProjection(v: Float64Array, q: Float64Array, img?: Float64Array, cq?: Float64Array): void {
  const d = dotv(q, v);
  for (let i = 0; i < v.length; i++) v[i] -= d * q[i];
  if (img && cq) for (let i = 0; i < img.length; i++) img[i] -= d * cq[i];
}

/**
 * Orthonormalises `add` against the orthonormal `basis` and each other (Gram–Schmidt, twice); drops vectors
 * whose remaining norm is below `drop` of their original norm. With `images` (C of each `add`, and `basisImages`
 * C of each basis vector) the same combinations are applied to them, so no product has to be recomputed.
 * Returns the new unit vectors only (and their images when given).
 */
function orthonormalAdditions(
  basis: readonly Float64Array[],
  add: readonly Float64Array[],
  drop = 1e-8,
  images?: { basis: readonly Float64Array[]; add: readonly Float64Array[] },
): { vectors: Float64Array[]; images: Float64Array[] } {
  const vectors: Float64Array[] = [];
  const outImages: Float64Array[] = [];
  add.forEach((v0, a) => {
    const v = Float64Array.from(v0);
    const img = images ? Float64Array.from(images.add[a]) : undefined;
    const n0 = Math.sqrt(dotv(v, v));
    if (!(n0 > 0)) return;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < basis.length; j++) subtractProjection(v, basis[j], img, images?.basis[j]);
      for (let j = 0; j < vectors.length; j++) subtractProjection(v, vectors[j], img, outImages[j]);
    }
    const n = Math.sqrt(dotv(v, v));
    if (n > drop * n0) {
      vectors.push(scaled(v, 1 / n));
      if (img) outImages.push(scaled(img, 1 / n));
    }
  });
  return { vectors, images: outImages };
}

/** Σ_j coef[j] cols[j]. */
function combine(cols: readonly Float64Array[], coef: (j: number) => number): Float64Array {
  const out = new Float64Array(cols[0].length);
  for (let j = 0; j < cols.length; j++) {
    const w = coef(j);
    if (w === 0) continue;
    const c = cols[j];
    for (let i = 0; i < out.length; i++) out[i] += w * c[i];
  }
  return out;
}

/**
 * Rayleigh–Ritz of C on span(S) (S orthonormal, CS = C S): the `count` pairs from the top (`largest`) or the
 * bottom, in that order.
 */
function rayleighRitz(S: readonly Float64Array[], CS: readonly Float64Array[], count: number, largest: boolean): EigenPair[] {
  const m = S.length;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      const h = 0.5 * (dotv(S[i], CS[j]) + dotv(S[j], CS[i]));
      H[i * m + j] = h;
      H[j * m + i] = h;
    }
  }
  const { values, vectors } = symEigQL(H, m);
  const out: EigenPair[] = [];
  for (let q = 0; q < Math.min(count, m); q++) {
    const j = largest ? m - 1 - q : q;
    const coef = (i: number) => vectors[i * m + j];
    out.push({ value: values[j], vector: combine(S, coef), image: combine(CS, coef) });
  }
  return out;
}

/**
 * The top Ritz pairs of C on span(P V), from r × r Gram matrices (no D-long Gram–Schmidt): with W = P V,
 * G = Wᵀ W = U S Uᵀ, B = U S^(-1/2) (directions with S ≤ 1e-12 max S dropped), the pairs of Bᵀ (Wᵀ A W + G²) B
 * lifted by W B. Returns at most `count` pairs, descending, without images.
 */
export function ritzOnSpanV(cov: LowRankCov, count: number): { value: number; vector: Float64Array }[] {
  const { a, rank: r, sigma, u } = cov;
  const D = a.length;
  if (r === 0) return [];
  const W = Float64Array.from(cov.V); // P V, row-major
  if (u) {
    const uv = new Float64Array(r);
    for (let i = 0; i < D; i++) for (let k = 0; k < r; k++) uv[k] += u[i] * W[i * r + k];
    for (let i = 0; i < D; i++) for (let k = 0; k < r; k++) W[i * r + k] -= u[i] * uv[k];
  }
  const cols = columnsOf(W, D, r);
  const G = gram(cols, cols);
  const WAW = gram(cols.map((w) => weighted(a, w)), cols);
  const g = symEigQL(G, r);
  const smax = g.values[r - 1];
  if (!(smax > 0)) return [];
  const keep: number[] = [];
  for (let j = 0; j < r; j++) if (g.values[j] > 1e-12 * smax) keep.push(j);
  const m = keep.length;
  const B = new Float64Array(r * m); // U S^(-1/2), r × m
  keep.forEach((j, c) => {
    const s = 1 / Math.sqrt(g.values[j]);
    for (let k = 0; k < r; k++) B[k * m + c] = g.vectors[k * r + j] * s;
  });
  // H = Wᵀ A W + G², then M = Bᵀ H B (m × m)
  const H = Float64Array.from(WAW);
  for (let k = 0; k < r; k++) {
    for (let l = 0; l < r; l++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += G[k * r + q] * G[q * r + l];
      H[k * r + l] += s;
    }
  }
  const HB = new Float64Array(r * m);
  for (let k = 0; k < r; k++) for (let c = 0; c < m; c++) {
    let s = 0;
    for (let l = 0; l < r; l++) s += H[k * r + l] * B[l * m + c];
    HB[k * m + c] = s;
  }
  const M = new Float64Array(m * m);
  for (let c = 0; c < m; c++) for (let e = c; e < m; e++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += B[k * m + c] * HB[k * m + e];
    M[c * m + e] = s;
    M[e * m + c] = s;
  }
  const { values, vectors } = symEigQL(M, m);
  const s2 = sigma * sigma;
  const out: { value: number; vector: Float64Array }[] = [];
  for (let q = 0; q < Math.min(count, m); q++) {
    const j = m - 1 - q;
    const coef = new Float64Array(r); // B z_j
    for (let k = 0; k < r; k++) {
      let s = 0;
      for (let c = 0; c < m; c++) s += B[k * m + c] * vectors[c * m + j];
      coef[k] = s;
    }
    const y = matvec(W, coef, D, r);
    const n = Math.sqrt(dotv(y, y)) || 1;
    out.push({ value: s2 * values[j], vector: scaled(y, 1 / n) });
  }
  return out;
}

export interface DavidsonOptions {
  /** Pairs wanted (from the top, or the bottom with `largest: false`). */
  k: number;
  /** Ritz pairs carried per round (≥ k). */
  block: number;
  largest: boolean;
  /** Stop once the first k pairs have ‖C y − θ y‖ ≤ tol · scale(θ). */
  tol: number;
  /** The scale of the stopping rule: |θ| by default. */
  scale?: (theta: number) => number;
  /** At most this many rounds after the start (0: Rayleigh–Ritz on the start only). */
  iterations: number;
  /** The correction of a residual (default: P (θ − σ² A)⁻¹ r, see the module comment). */
  precondition?: (theta: number, residual: Float64Array) => Float64Array;
}

/**
 * x ↦ (C − μ I)⁻¹ x for μ < σ² min(a) (C − μ I is then positive definite), by Woodbury on the diagonal plus low
 * rank: with Δ = σ² A − μ I, (Δ + σ² V Vᵀ)⁻¹ = Δ⁻¹ − Δ⁻¹ V (I/σ² + Vᵀ Δ⁻¹ V)⁻¹ Vᵀ Δ⁻¹. Setup O(D r²) once (one
 * r × r Cholesky), then O(D r) per solve. The bottom eigenpairs' preconditioner: its corrections are inverse
 * iteration steps, whose rate (λ₁ − μ) / (λ₂ − μ) does not depend on how the small a cluster.
 */
export function shiftedSolver(cov: LowRankCov, mu: number): (x: Float64Array) => Float64Array {
  const { a, V, rank: r, sigma } = cov;
  const D = a.length;
  const s2 = sigma * sigma;
  const dinv = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    const d = s2 * a[i] - mu;
    if (!(d > 0)) throw new Error(`shiftedSolver: the shift ${mu} is not below σ² a_${i} = ${s2 * a[i]}.`);
    dinv[i] = 1 / d;
  }
  const cols = columnsOf(V, D, r);
  const K = gram(cols.map((v) => weighted(dinv, v)), cols);
  for (let k = 0; k < r; k++) K[k * r + k] += 1 / s2;
  const L = cholesky(K, r, 'I/σ² + Vᵀ Δ⁻¹ V');
  return (x) => {
    const t = new Float64Array(r);
    for (let i = 0; i < D; i++) {
      const z = dinv[i] * x[i];
      if (z === 0) continue;
      for (let k = 0; k < r; k++) t[k] += V[i * r + k] * z;
    }
    const w = choleskySolve(L, t, r);
    const y = new Float64Array(D);
    for (let i = 0; i < D; i++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += V[i * r + k] * w[k];
      y[i] = dinv[i] * (x[i] - s);
    }
    return y;
  };
}

/**
 * Block Davidson for C from the orthonormal start `S0` (see the module comment); returns the first `k` pairs
 * (descending for `largest`, else ascending) with their images C y.
 */
export function davidson(cov: LowRankCov, S0: readonly Float64Array[], opt: DavidsonOptions): EigenPair[] {
  const { k, largest, tol, iterations } = opt;
  const scale = opt.scale ?? ((t: number) => Math.abs(t));
  const a = cov.a;
  const s2 = cov.sigma * cov.sigma;
  let S = S0.slice();
  let CS = covTimesBlock(cov, S);
  let pairs = rayleighRitz(S, CS, opt.block, largest);
  let previous: EigenPair[] = [];
  for (let it = 0; it < iterations; it++) {
    const corrections: Float64Array[] = [];
    let converged = true;
    pairs.forEach((p, j) => {
      const res = new Float64Array(p.image.length);
      for (let i = 0; i < res.length; i++) res[i] = p.image[i] - p.value * p.vector[i];
      const rn = Math.sqrt(dotv(res, res));
      const ok = rn <= tol * scale(p.value);
      if (j < k && !ok) converged = false;
      if (ok) return;
      if (opt.precondition) {
        corrections.push(opt.precondition(p.value, res));
        return;
      }
      // t = P (θ − σ² A)⁻¹ r, the denominators kept away from 0
      const floor = 1e-6 * Math.max(scale(p.value), 1e-300);
      const t = new Float64Array(res.length);
      for (let i = 0; i < t.length; i++) {
        const den = p.value - s2 * a[i];
        t[i] = res[i] / (Math.abs(den) > floor ? den : den < 0 ? -floor : floor);
      }
      corrections.push(projectOutInPlace(t, cov.u));
    });
    if (converged) break;
    // span(X, T, X_prev): X_prev carries the previous step's direction (as in LOBPCG), its images already known
    const X = pairs.map((p) => p.vector);
    const CX = pairs.map((p) => p.image);
    const prev = orthonormalAdditions(X, previous.map((p) => p.vector), 1e-6, { basis: CX, add: previous.map((p) => p.image) });
    const T = orthonormalAdditions([...X, ...prev.vectors], corrections).vectors;
    if (T.length === 0) break;
    S = [...X, ...prev.vectors, ...T];
    CS = [...CX, ...prev.images, ...covTimesBlock(cov, T)];
    previous = pairs;
    pairs = rayleighRitz(S, CS, opt.block, largest);
  }
  return pairs.slice(0, k);
}

/** Unit vectors e_i, optionally with u projected out and renormalised, made orthonormal (for starts). */
export function pixelStart(D: number, pixels: readonly number[], basis: readonly Float64Array[], u?: Float64Array): Float64Array[] {
  const cols = pixels.map((i) => {
    const e = new Float64Array(D);
    e[i] = 1;
    return projectOutInPlace(e, u);
  });
  return orthonormalAdditions(basis, cols).vectors;
}

/** Makes the given vectors (already nearly orthonormal, e.g. Ritz vectors) exactly so, dropping dependent ones. */
export function orthonormalStart(vectors: readonly Float64Array[]): Float64Array[] {
  return orthonormalAdditions([], vectors).vectors;
}
