/**
 * Sample statistics and distances between distributions: moments of sample sets, MMD and sliced Wasserstein
 * between sample sets (sampler and energy labs), Wasserstein-2 and KL between Gaussians (uncertainty lab,
 * MATH.md section 4), the whitened covariance error (the samplers' bias gate), moments of a Gaussian mixture.
 */
import type { Rng } from './types.ts';
import { cholesky, choleskyInverse, choleskyLogDet, matmul, solveLower, sqrtmSym, symEig, symmetrize, trace, transpose, tryCholesky } from './linalg.ts';

export { gmmMoments } from './gmm.ts';

/** Per-coordinate mean of n points in d dimensions (row-major n*d). */
export function sampleMean(points: ArrayLike<number>, d: number): Float64Array {
  const n = points.length / d;
  const m = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let i = 0; i < d; i++) m[i] += points[s * d + i];
  for (let i = 0; i < d; i++) m[i] /= n;
  return m;
}

/** Sample covariance (d*d) of n points (row-major n*d), divided by n − 1 (unbiased; by n when `biased`). */
export function sampleCovariance(points: ArrayLike<number>, d: number, biased = false): Float64Array {
  const n = points.length / d;
  const m = sampleMean(points, d);
  const C = new Float64Array(d * d);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < d; i++) {
      const di = points[s * d + i] - m[i];
      for (let j = 0; j <= i; j++) C[i * d + j] += di * (points[s * d + j] - m[j]);
    }
  }
  const div = biased ? n : n - 1;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      C[i * d + j] /= div;
      C[j * d + i] = C[i * d + j];
    }
  }
  return C;
}

/**
 * Squared Wasserstein-2 distance between Gaussians N(m1, C1) and N(m2, C2):
 * ‖m1 − m2‖² + tr(C1 + C2 − 2 (C2^{1/2} C1 C2^{1/2})^{1/2}). Covariances must be PSD. Returns W2² (not W2).
 */
export function gaussianW2(m1: ArrayLike<number>, C1: ArrayLike<number>, m2: ArrayLike<number>, C2: ArrayLike<number>, d: number): number {
  let dm = 0;
  for (let i = 0; i < d; i++) dm += (m1[i] - m2[i]) ** 2;
  const R2 = sqrtmSym(C2, d);
  const M = symmetrize(matmul(matmul(R2, C1, d, d, d), R2, d, d, d), d);
  const cross = sqrtmSym(M, d, 1e-9);
  return Math.max(0, dm + trace(C1, d) + trace(C2, d) - 2 * trace(cross, d));
}

/**
 * KL(N(m1, C1) ‖ N(m2, C2)) = ½ [tr(C2⁻¹ C1) + (m2 − m1)ᵀ C2⁻¹ (m2 − m1) − d + log det C2 − log det C1]
 * (nats). Both covariances must be positive definite (throws NotSpdError otherwise).
 */
export function gaussianKl(m1: ArrayLike<number>, C1: ArrayLike<number>, m2: ArrayLike<number>, C2: ArrayLike<number>, d: number): number {
  const L1 = cholesky(C1, d, 'first covariance');
  const L2 = cholesky(C2, d, 'second covariance');
  const P2 = choleskyInverse(L2, d);
  const tr = trace(matmul(P2, C1, d, d, d), d);
  let quad = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) quad += (m2[i] - m1[i]) * P2[i * d + j] * (m2[j] - m1[j]);
  }
  return 0.5 * (tr + quad - d + choleskyLogDet(L2, d) - choleskyLogDet(L1, d));
}

/**
 * Whitened covariance error ‖C^{-1/2} Ĉ C^{-1/2} − I‖₂ (spectral norm) = max_i |λ_i − 1|, with λ_i the eigenvalues of
 * C⁻¹ Ĉ: the ratios of sample to true variance along C's generalised eigen-directions, so 0.1 means every
 * direction's variance is within 10%. Affine invariant (Ĉ → A Ĉ Aᵀ, C → A C Aᵀ leave it unchanged), unlike
 * ‖Ĉ − C‖_F / ‖C‖_F, which the largest eigenvalue of C dominates. Computed as L⁻¹ Ĉ L⁻ᵀ with C = L Lᵀ (similar to
 * C^{-1/2} Ĉ C^{-1/2}). NaN when C is not positive definite.
 */
export function whitenedCovError(sampleCov: ArrayLike<number>, trueCov: ArrayLike<number>, d: number): number {
  const L = tryCholesky(trueCov, d);
  if (!L) return NaN;
  // Columns of L⁻¹ Ĉ, then L⁻¹ (L⁻¹ Ĉ)ᵀ = L⁻¹ Ĉ L⁻ᵀ (Ĉ symmetric).
  const half = (B: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(d * d);
    const col = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < d; i++) col[i] = B[i * d + j];
      const x = solveLower(L, col, d);
      for (let i = 0; i < d; i++) out[i * d + j] = x[i];
    }
    return out;
  };
  const W = half(transpose(half(sampleCov), d, d));
  let worst = 0;
  for (const v of symEig(W, d).values) worst = Math.max(worst, Math.abs(v - 1));
  return worst;
}

/** Median of the pairwise Euclidean distances between the rows of two sample sets (the MMD bandwidth heuristic). */
export function medianDistance(X: ArrayLike<number>, Y: ArrayLike<number>, d: number, maxPairs = 20000): number {
  const nx = X.length / d;
  const ny = Y.length / d;
  const dists: number[] = [];
  const stride = Math.max(1, Math.floor((nx * ny) / maxPairs));
  for (let p = 0; p < nx * ny; p += stride) {
    const i = Math.floor(p / ny);
    const j = p % ny;
    let s = 0;
    for (let k = 0; k < d; k++) s += (X[i * d + k] - Y[j * d + k]) ** 2;
    dists.push(Math.sqrt(s));
  }
  dists.sort((a, b) => a - b);
  return dists[Math.floor(dists.length / 2)] || 1;
}

/**
 * Unbiased squared maximum mean discrepancy MMD²_u between sample sets X (nx*d) and Y (ny*d) with the Gaussian
 * kernel k(a, b) = exp(−‖a − b‖² / (2 ℓ²)) (Gretton et al. 2012, Eq. 3). The bandwidth ℓ defaults to the median
 * pairwise distance of the pooled samples. O((nx + ny)²): subsample large sets first. Can be slightly negative.
 */
export function mmd2(X: ArrayLike<number>, Y: ArrayLike<number>, d: number, bandwidth?: number): number {
  const nx = X.length / d;
  const ny = Y.length / d;
  if (nx < 2 || ny < 2) throw new Error('mmd2: each sample set needs at least 2 points');
  const ell = bandwidth ?? medianDistance(X, Y, d);
  const g = -1 / (2 * ell * ell);
  const k = (A: ArrayLike<number>, i: number, B: ArrayLike<number>, j: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += (A[i * d + t] - B[j * d + t]) ** 2;
    return Math.exp(g * s);
  };
  let kxx = 0;
  for (let i = 0; i < nx; i++) for (let j = i + 1; j < nx; j++) kxx += k(X, i, X, j);
  let kyy = 0;
  for (let i = 0; i < ny; i++) for (let j = i + 1; j < ny; j++) kyy += k(Y, i, Y, j);
  let kxy = 0;
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) kxy += k(X, i, Y, j);
  return (2 * kxx) / (nx * (nx - 1)) + (2 * kyy) / (ny * (ny - 1)) - (2 * kxy) / (nx * ny);
}

/** Quantile of sorted values at level u ∈ [0, 1] (linear interpolation). */
function quantileSorted(v: Float64Array, u: number): number {
  const pos = u * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/**
 * Sliced Wasserstein-2 distance between sample sets X (nx*d) and Y (ny*d): the root mean, over `projections`
 * random unit directions θ, of the squared 1-D W2 between the projected samples, computed by matching
 * quantiles (sorted values; unequal sizes are matched on a common grid of max(nx, ny) quantile levels).
 */
export function slicedWasserstein(X: ArrayLike<number>, Y: ArrayLike<number>, d: number, rng: Rng, projections = 64): number {
  const nx = X.length / d;
  const ny = Y.length / d;
  if (nx < 1 || ny < 1) throw new Error('slicedWasserstein: empty sample set');
  const px = new Float64Array(nx);
  const py = new Float64Array(ny);
  const theta = new Float64Array(d);
  const m = Math.max(nx, ny);
  let total = 0;
  for (let p = 0; p < projections; p++) {
    let norm = 0;
    for (let i = 0; i < d; i++) {
      theta[i] = rng.normal();
      norm += theta[i] ** 2;
    }
    norm = Math.sqrt(norm);
    for (let s = 0; s < nx; s++) {
      let v = 0;
      for (let i = 0; i < d; i++) v += X[s * d + i] * theta[i];
      px[s] = v / norm;
    }
    for (let s = 0; s < ny; s++) {
      let v = 0;
      for (let i = 0; i < d; i++) v += Y[s * d + i] * theta[i];
      py[s] = v / norm;
    }
    px.sort();
    py.sort();
    let w = 0;
    if (nx === ny) {
      for (let s = 0; s < nx; s++) w += (px[s] - py[s]) ** 2;
    } else {
      for (let s = 0; s < m; s++) {
        const u = m === 1 ? 0.5 : s / (m - 1);
        w += (quantileSorted(px, u) - quantileSorted(py, u)) ** 2;
      }
    }
    total += w / m;
  }
  return Math.sqrt(total / projections);
}
