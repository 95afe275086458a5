/**
 * Ellipse geometry of a 2×2 covariance: the k-sigma ellipses of the posterior covariance C = σ⁴ s2 + σ² I drawn by
 * the uncertainty lab (MATH.md section 4). A learned C may fail to be positive semi-definite (section 1): that is
 * reported (valid: false with the smallest eigenvalue), never silently clipped.
 */
import { eigSym2 } from './linalg.ts';

/** Axes of the ellipse {x : xᵀ C⁻¹ x = 1} of a symmetric 2×2 covariance C. */
export interface EllipseAxes {
  /** Eigenvalues of C, largest first. */
  eigenvalues: [number, number];
  /** Semi-axis lengths √λ, largest first (NaN for a negative eigenvalue). */
  radii: [number, number];
  /** Angle of the major axis from the x axis, radians in (−π/2, π/2]. */
  angle: number;
  /** True when C is positive semi-definite (smallest eigenvalue ≥ −tol·scale). */
  psd: boolean;
  /** True when C is PSD but singular (the ellipse degenerates to a segment or a point). */
  degenerate: boolean;
}

/**
 * Axes, angle and PSD status of a 2×2 covariance given row-major [a, b, b, c] (the off-diagonal is symmetrised).
 * Eigenvalues within tol·max|λ| of zero count as zero.
 */
export function ellipseAxes(cov: ArrayLike<number>, tol = 1e-12): EllipseAxes {
  const b = 0.5 * (cov[1] + cov[2]);
  const { values, vectors } = eigSym2(cov[0], b, cov[3]);
  const big = values[1];
  const small = values[0];
  const scale = Math.max(Math.abs(big), Math.abs(small));
  const zero = tol * scale;
  const psd = small >= -zero;
  // Major-axis direction: eigenvector of the largest eigenvalue, column 1 of `vectors`.
  let angle = Math.atan2(vectors[3], vectors[1]);
  if (angle <= -Math.PI / 2) angle += Math.PI;
  if (angle > Math.PI / 2) angle -= Math.PI;
  const r = (l: number) => (l < -zero ? NaN : Math.sqrt(Math.max(l, 0)));
  return {
    eigenvalues: [big, small],
    radii: [r(big), r(small)],
    angle,
    psd,
    degenerate: psd && Math.abs(small) <= zero,
  };
}

/** A k-sigma ellipse polyline, or the reason none can be drawn. */
export type EllipsePolyline =
  | { valid: true; x: Float64Array; y: Float64Array; axes: EllipseAxes }
  | { valid: false; reason: string; minEigenvalue: number; axes: EllipseAxes };

/**
 * The closed polyline (n + 1 points, last = first) of the k-sigma ellipse {mean + k C^{1/2} u : ‖u‖ = 1} of a
 * 2×2 covariance C. A singular PSD C gives the degenerate ellipse (a segment traced twice, or a point).
 * A C with a negative eigenvalue gives `valid: false` with the smallest eigenvalue, never a clipped ellipse.
 */
export function ellipsePolyline(mean: ArrayLike<number>, cov: ArrayLike<number>, k = 1, n = 64): EllipsePolyline {
  const axes = ellipseAxes(cov);
  if (!axes.psd || axes.radii.some((r) => !Number.isFinite(r))) {
    return {
      valid: false,
      reason: `covariance is not positive semi-definite (smallest eigenvalue ${axes.eigenvalues[1].toPrecision(3)})`,
      minEigenvalue: axes.eigenvalues[1],
      axes,
    };
  }
  const [r1, r2] = axes.radii;
  const c = Math.cos(axes.angle);
  const s = Math.sin(axes.angle);
  const x = new Float64Array(n + 1);
  const y = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const t = (2 * Math.PI * (i % n)) / n;
    const u = k * r1 * Math.cos(t);
    const v = k * r2 * Math.sin(t);
    x[i] = mean[0] + c * u - s * v;
    y[i] = mean[1] + s * u + c * v;
  }
  return { valid: true, x, y, axes };
}
