/**
 * Posterior uncertainty of denoising (MATH.md sections 1 and 4; paper 1, Sec. 5, Eq. 4 and 18).
 *
 * Given a noisy point x̃ at noise level σ and the scores s1 = ∇ log q_σ(x̃), s2 = ∇² log q_σ(x̃), Tweedie's formula
 * gives the posterior mean `μ = x̃ + σ² s1` and covariance `C = σ⁴ s2 + σ² I`, i.e. the Gaussian approximation
 * `N(μ, C)` of p(x | x̃). With the exact scores these are the exact posterior moments; with learned scores C can
 * fail to be positive semi-definite, which this module detects (smallest eigenvalue) and, separately, repairs
 * (eigenvalues clipped) for whatever needs a valid covariance (sampling, W2). The repair is never silent: every
 * check reports both the raw smallest eigenvalue and the clipped matrix.
 *
 * Conventions (see types.ts): points are row-major Float64Arrays; a batch of n points in dimension d is n*d, a
 * batch of d×d matrices n*d*d. Pure TypeScript: no tfjs, DOM or React.
 */
import type { NoisyDensity } from './types.ts';
import { gmmMoments } from './gmm.ts';
import { eigSym2, fromEig, symEig, symmetrize } from './linalg.ts';
import { makeGrid, type Grid2 } from './grid.ts';
import { gaussianKl, gaussianW2 } from './stats.ts';

/** Mean and covariance of a d-dimensional distribution (the cov is d*d row-major). */
export interface GaussianMoments {
  mean: Float64Array;
  cov: Float64Array;
}

/** First-order Tweedie (MATH.md section 1): the posterior mean `E[x | x̃] = x̃ + σ² s1(x̃)`. */
export function tweedieMean(x: ArrayLike<number>, s1: ArrayLike<number>, sigma: number): Float64Array {
  if (x.length !== s1.length) throw new Error(`tweedieMean: point has ${x.length} coordinates but s1 has ${s1.length}`);
  const s2 = sigma * sigma;
  const m = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) m[i] = x[i] + s2 * s1[i];
  return m;
}

/**
 * Second-order Tweedie (MATH.md section 1): the posterior covariance `Cov[x | x̃] = σ⁴ s2(x̃) + σ² I` (d*d).
 * s2 is symmetrised first (an autodiff Jacobian is only symmetric up to rounding).
 */
export function tweedieCovariance(s2: ArrayLike<number>, sigma: number, d: number): Float64Array {
  if (s2.length !== d * d) throw new Error(`tweedieCovariance: s2 has ${s2.length} entries, expected ${d * d} (${d}x${d})`);
  const v = sigma * sigma;
  const C = symmetrize(s2, d);
  for (let i = 0; i < C.length; i++) C[i] *= v * v;
  for (let i = 0; i < d; i++) C[i * d + i] += v;
  return C;
}

/** Both Tweedie moments at one point: `N(x̃ + σ² s1, σ⁴ s2 + σ² I)` (MATH.md section 4). */
export function tweedieMoments(x: ArrayLike<number>, s1: ArrayLike<number>, s2: ArrayLike<number>, sigma: number): GaussianMoments {
  return { mean: tweedieMean(x, s1, sigma), cov: tweedieCovariance(s2, sigma, x.length) };
}

/** Tweedie moments of a batch: points and s1 are n*d, s2 is n*d*d; returns means n*d and covs n*d*d. */
export function tweedieBatch(
  points: ArrayLike<number>,
  s1: ArrayLike<number>,
  s2: ArrayLike<number>,
  sigma: number,
  d: number,
): { mean: Float64Array; cov: Float64Array } {
  const n = points.length / d;
  if (!Number.isInteger(n)) throw new Error(`tweedieBatch: ${points.length} coordinates is not a multiple of d = ${d}`);
  if (s1.length !== n * d) throw new Error(`tweedieBatch: s1 has ${s1.length} entries, expected ${n * d}`);
  if (s2.length !== n * d * d) throw new Error(`tweedieBatch: s2 has ${s2.length} entries, expected ${n * d * d}`);
  const v = sigma * sigma;
  const mean = new Float64Array(n * d);
  const cov = new Float64Array(n * d * d);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < d; i++) mean[k * d + i] = points[k * d + i] + v * s1[k * d + i];
    const o = k * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const sym = 0.5 * (s2[o + i * d + j] + s2[o + j * d + i]);
        cov[o + i * d + j] = v * v * sym + (i === j ? v : 0);
      }
    }
  }
  return { mean, cov };
}

/** Result of the positive semi-definiteness check of a (Tweedie) covariance. */
export interface CovarianceCheck {
  /** Smallest eigenvalue of the symmetric part of the covariance, as predicted (may be negative). */
  minEigenvalue: number;
  /** Largest eigenvalue (a scale for the tolerance). */
  maxEigenvalue: number;
  /** True when the smallest eigenvalue is ≥ −tol · max(|λ|) (PSD up to rounding). */
  psd: boolean;
  /**
   * The covariance with its eigenvalues clipped to at least `floor` (`Q max(Λ, floor) Qᵀ`): the version used for
   * sampling and for the Wasserstein distance. Equal to the input (symmetrised) when psd and λ_min ≥ floor.
   */
  clipped: Float64Array;
  /** How many eigenvalues were raised by the clipping. */
  clippedCount: number;
}

/** Default relative tolerance of the PSD check: eigenvalues down to −1e-9·max|λ| count as rounding. */
export const PSD_TOLERANCE = 1e-9;

/**
 * PSD check of MATH.md section 1: the smallest eigenvalue of `C = σ⁴ s2 + σ² I` (d×d), whether C is PSD (up to a
 * relative tolerance), and the clipped version `Q max(Λ, floor) Qᵀ` (floor default 0) used for sampling.
 * Non-finite entries give minEigenvalue NaN, psd false and a clipped matrix of floor·I.
 */
export function checkCovariance(cov: ArrayLike<number>, d: number, opts: { tol?: number; floor?: number } = {}): CovarianceCheck {
  if (cov.length !== d * d) throw new Error(`checkCovariance: covariance has ${cov.length} entries, expected ${d * d} (${d}x${d})`);
  const tol = opts.tol ?? PSD_TOLERANCE;
  const floor = opts.floor ?? 0;
  for (let i = 0; i < cov.length; i++) {
    if (!Number.isFinite(cov[i])) {
      const clipped = new Float64Array(d * d);
      for (let j = 0; j < d; j++) clipped[j * d + j] = floor;
      return { minEigenvalue: NaN, maxEigenvalue: NaN, psd: false, clipped, clippedCount: d };
    }
  }
  const { values, vectors } = symEig(cov, d);
  const min = values[0];
  const max = values[d - 1];
  const scale = Math.max(Math.abs(min), Math.abs(max));
  let clippedCount = 0;
  const lifted = values.map((v) => {
    if (v < floor) {
      clippedCount++;
      return floor;
    }
    return v;
  });
  const clipped = clippedCount === 0 ? symmetrize(cov, d) : fromEig(vectors, lifted, d);
  return { minEigenvalue: min, maxEigenvalue: max, psd: min >= -tol * scale, clipped, clippedCount };
}

/**
 * The exact posterior moments E[x | x̃], Cov[x | x̃] of a noisy density at x̃: the density's own posterior moments
 * (closed-form mixture posterior, MATH.md section 4, or the lattice mixture of grid targets) where it has them,
 * otherwise Tweedie's formula applied to the
 * density's exact s1 and s2 (MATH.md section 1; for grid targets those are the grid ground truth).
 */
export function exactPosteriorMoments(noisy: NoisyDensity, x: ArrayLike<number>, sigma: number): GaussianMoments {
  if (noisy.posteriorMoments) return noisy.posteriorMoments(x);
  if (noisy.posterior) return gmmMoments(noisy.posterior(x));
  return tweedieMoments(x, noisy.s1(x), noisy.s2(x), sigma);
}

/** How far a Gaussian approximation N(μ̂, Ĉ) is from the exact posterior's moments N(m, S). */
export interface ApproxError {
  /**
   * Wasserstein-2 distance between N(μ̂, clip(Ĉ)) and N(m, S) (clip: eigenvalues raised to 0, so it is defined even
   * for a non-PSD prediction; check `psd` to know whether that happened).
   */
  w2: number;
  /**
   * KL(N(m, S) ‖ N(μ̂, Ĉ)) in nats: the information lost by using the approximation. +Infinity when Ĉ is not
   * positive definite (the approximation then is no distribution at all).
   */
  kl: number;
  /** Smallest eigenvalue of Ĉ as predicted. */
  minEigenvalue: number;
  /** Whether Ĉ is PSD (up to rounding). */
  psd: boolean;
}

/**
 * The error numbers of the uncertainty lab: W2 and KL between a Gaussian approximation (Tweedie moments from
 * learned or autodiff scores) and the exact posterior's moments (MATH.md section 4).
 */
export function approximationError(approx: GaussianMoments, exact: GaussianMoments, d: number): ApproxError {
  const check = checkCovariance(approx.cov, d);
  const w2 = Number.isFinite(check.minEigenvalue) ? Math.sqrt(gaussianW2(approx.mean, check.clipped, exact.mean, exact.cov, d)) : NaN;
  let kl = Infinity;
  if (check.psd && check.minEigenvalue > 0) {
    try {
      // KL ≥ 0; rounding can leave −1e-16 for identical moments.
      kl = Math.max(0, gaussianKl(exact.mean, exact.cov, approx.mean, approx.cov, d));
    } catch {
      kl = Infinity;
    }
  }
  return { w2, kl, minEigenvalue: check.minEigenvalue, psd: check.psd };
}

/**
 * The noisy points of the field of ellipses: an nx × ny grid of cell centres over [[x0, x1], [y0, y1]] (no point on
 * the border), as the core's `Grid2` (x fastest; `gridPoints` gives the batch).
 */
export function cellCentreGrid(bounds: readonly [readonly [number, number], readonly [number, number]], nx: number, ny = nx): Grid2 {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) throw new Error(`cellCentreGrid: nx and ny must be positive integers, got ${nx} and ${ny}`);
  const [[x0, x1], [y0, y1]] = bounds;
  if (!(x1 > x0) || !(y1 > y0)) throw new Error(`cellCentreGrid: empty bounds [[${x0}, ${x1}], [${y0}, ${y1}]]`);
  const hx = (x1 - x0) / nx;
  const hy = (y1 - y0) / ny;
  return makeGrid(
    [
      [x0 + hx / 2, x1 - hx / 2],
      [y0 + hy / 2, y1 - hy / 2],
    ],
    nx,
    ny,
  );
}

/**
 * The k-sigma outline of an indefinite 2×2 "covariance" (a learned Tweedie covariance with a negative eigenvalue):
 * the ellipse with semi-axes k √|λ| along the eigenvectors, so the shape the model predicted can still be drawn,
 * dashed and flagged, next to its clipped version (`checkCovariance`). For a PSD matrix it is the ordinary ellipse.
 * Closed polyline of n + 1 points; `negativeAxis` is the angle of the eigenvector of the negative eigenvalue (null
 * when there is none).
 */
export function indefiniteEllipse(
  mean: ArrayLike<number>,
  cov: ArrayLike<number>,
  k = 1,
  n = 64,
): { x: Float64Array; y: Float64Array; minEigenvalue: number; negativeAxis: number | null } {
  const { values, vectors } = eigSym2(cov[0], 0.5 * (cov[1] + cov[2]), cov[3]);
  // values ascending: column 1 is the eigenvector of the larger eigenvalue.
  const r1 = k * Math.sqrt(Math.abs(values[1]));
  const r2 = k * Math.sqrt(Math.abs(values[0]));
  const c = vectors[1];
  const s = vectors[3];
  const x = new Float64Array(n + 1);
  const y = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const t = (2 * Math.PI * (i % n)) / n;
    const u = r1 * Math.cos(t);
    const v = r2 * Math.sin(t);
    x[i] = mean[0] + c * u - s * v;
    y[i] = mean[1] + s * u + c * v;
  }
  const negativeAxis = values[0] < 0 ? Math.atan2(vectors[2], vectors[0]) : null;
  return { x, y, minEigenvalue: values[0], negativeAxis };
}

/** Exact posterior moments of a batch of noisy points (n*d): means n*d and covariances n*d*d. */
export function exactPosteriorBatch(noisy: NoisyDensity, points: ArrayLike<number>, d: number, sigma: number): { mean: Float64Array; cov: Float64Array } {
  const n = points.length / d;
  if (!Number.isInteger(n)) throw new Error(`exactPosteriorBatch: ${points.length} coordinates is not a multiple of d = ${d}`);
  const mean = new Float64Array(n * d);
  const cov = new Float64Array(n * d * d);
  for (let k = 0; k < n; k++) {
    const m = exactPosteriorMoments(noisy, Array.prototype.slice.call(points, k * d, (k + 1) * d) as number[], sigma);
    mean.set(m.mean, k * d);
    cov.set(m.cov, k * d * d);
  }
  return { mean, cov };
}

/** Per-point comparison of a batch of Gaussian approximations with the exact moments (see `approximationError`). */
export interface ApproxBatch {
  mean: Float64Array;
  cov: Float64Array;
  /** Smallest eigenvalue of each predicted covariance (negative: not PSD). */
  minEigenvalue: Float64Array;
  /** 1 where the predicted covariance is PSD (up to rounding), 0 where not. */
  psd: Uint8Array;
  /** W2 to the exact moments (non-PSD covariances clipped first). */
  w2: Float64Array;
  /** KL(exact ‖ approximation); +∞ where the approximation is not positive definite. */
  kl: Float64Array;
  /** Number of points whose predicted covariance is not PSD. */
  nonPsd: number;
}

/** Compares n Gaussian approximations (means n*d, covs n*d*d) with the exact moments point by point. */
export function compareBatch(approx: { mean: Float64Array; cov: Float64Array }, exact: { mean: Float64Array; cov: Float64Array }, d: number): ApproxBatch {
  const n = approx.mean.length / d;
  const minEigenvalue = new Float64Array(n);
  const psd = new Uint8Array(n);
  const w2 = new Float64Array(n);
  const kl = new Float64Array(n);
  let nonPsd = 0;
  const dd = d * d;
  for (let k = 0; k < n; k++) {
    const e = approximationError(
      { mean: approx.mean.subarray(k * d, (k + 1) * d), cov: approx.cov.subarray(k * dd, (k + 1) * dd) },
      { mean: exact.mean.subarray(k * d, (k + 1) * d), cov: exact.cov.subarray(k * dd, (k + 1) * dd) },
      d,
    );
    minEigenvalue[k] = e.minEigenvalue;
    psd[k] = e.psd ? 1 : 0;
    w2[k] = e.w2;
    kl[k] = e.kl;
    if (!e.psd) nonPsd++;
  }
  return { mean: approx.mean, cov: approx.cov, minEigenvalue, psd, w2, kl, nonPsd };
}
