/**
 * Accuracy and cost of a trained score model (MATH.md sections 1, 2, 6; paper 1 Tables 1-2), on fresh noisy
 * samples x̃ = x + σ z, under two protocols: against the noisy density q_σ the model describes (this project's),
 * and against the clean density p (paper 1's Table 1, which trains at a small σ so that q_σ ≈ p):
 *
 * - s1Mse: mean over points and coordinates of (s1θ − ∇ log q_σ)²;
 * - s2MseDirect / s2MseAutodiff: mean over points and compared entries of (ŝ2 − ∇² log q_σ)², where ŝ2 is the
 *   direct head or the autodiff Hessian ∇ₓ s1θ symmetrised, (J + Jᵀ)/2; the compared entries are the D² entries
 *   for full, low-rank and PSD heads and the D diagonal entries for a diagonal head (paper 1's "diagonal
 *   estimation"); with s2 = none the autodiff Hessian is compared on all D² entries and the direct value is null;
 * - s2MseAutodiffRaw: the same with the Jacobian J = ∇ₓ s1θ as it comes, not symmetrised (on a diagonal head's
 *   entries it equals s2MseAutodiff, since diag J = diag (J + Jᵀ)/2);
 * - s2MseDirectClean / s2MseAutodiffClean / s2MseAutodiffRawClean: the same three against ∇² log p of the clean
 *   density, on the same points and entries (null when no clean density is given);
 * - psdViolationRate: fraction of points where σ⁴ s2θ + σ² I (the Tweedie covariance) has a negative eigenvalue;
 * - msPerEvalDirect / msPerEvalAutodiff: wall time of one evaluation of s2 on a batch of `timingBatch` points
 *   (default 256, the first evaluation points) on the current backend, awaiting the data (median of several runs
 *   after a warm-up).
 */
import * as tf from '@tensorflow/tfjs';
import { minEigenvalue, tryCholesky } from '../core/linalg.ts';
import { createRng, normals } from '../core/rng.ts';
import type { Density, NoisyDensity } from '../core/types.ts';
import { batchDiag, rowJacobian, symmetrise } from './hessian.ts';
import { s2IsFull, type ScoreModel } from './scoreModel.ts';
import type { TrainingData } from './trainer.ts';

export interface ScoreMetrics {
  s1Mse: number;
  s2MseDirect: number | null;
  s2MseAutodiff: number;
  psdViolationRate: number | null;
  msPerEvalDirect: number | null;
  msPerEvalAutodiff: number;
}

/**
 * The metrics with the fields of the clean-density protocol and the unsymmetrised Jacobian (module comment); the
 * app's metrics panel reads the `ScoreMetrics` part.
 */
export interface AllScoreMetrics extends ScoreMetrics {
  s2MseAutodiffRaw: number;
  s2MseDirectClean: number | null;
  s2MseAutodiffClean: number | null;
  s2MseAutodiffRawClean: number | null;
}

export interface MetricsOptions {
  /** Number of fresh noisy points (default 1000). */
  n?: number;
  /** Seed of the evaluation points (default 12345: the same points at every call, so numbers are comparable). */
  seed?: number;
  /** Timed repetitions per method after one warm-up (default 5; 0 skips timing and reports NaN). */
  timingReps?: number;
  /** Points per timed evaluation (default 256, at most n). */
  timingBatch?: number;
  /** The clean density p, for the clean-density protocol (its Hessian ∇² log p). */
  clean?: Pick<Density, 'hessian'>;
}

/** Fresh noisy points x̃ = x + σ z, row-major n*d. */
export function noisyPoints(data: TrainingData, sigma: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = data.sample(rng, n);
  const z = normals(rng, n * data.dim);
  for (let i = 0; i < x.length; i++) x[i] += sigma * z[i];
  return x;
}

/** The model's direct s2 at x: full [n, D, D] or, for a diagonal head, its diagonal [n, D]. */
export function directS2(model: ScoreModel, x: tf.Tensor2D): tf.Tensor {
  return s2IsFull(model.spec.s2) ? model.s2(x) : model.s2Diag(x);
}

/** The autodiff Hessian ∇ₓ s1θ at x, symmetrised: full [n, D, D], or its diagonal [n, D] when `diagonal`. */
export function autodiffS2(model: ScoreModel, x: tf.Tensor2D, diagonal = false): tf.Tensor {
  return tf.tidy(() => {
    const J = symmetrise(rowJacobian((v) => model.s1(v), x));
    return diagonal ? batchDiag(J) : J;
  });
}

async function timeMs(f: () => tf.Tensor, reps: number): Promise<number> {
  if (reps <= 0) return NaN;
  const warm = f();
  await warm.data();
  warm.dispose();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const t = f();
    await t.data();
    times.push(performance.now() - t0);
    t.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Whether a symmetric d×d matrix has a negative eigenvalue (beyond rounding). */
export function hasNegativeEigenvalue(M: Float64Array, d: number): boolean {
  let scale = 0;
  for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(M[i * d + i]));
  const tol = 1e-6 * Math.max(1, scale);
  if (d <= 8) return minEigenvalue(M, d) < -tol;
  const shifted = Float64Array.from(M);
  for (let i = 0; i < d; i++) shifted[i * d + i] += tol;
  return tryCholesky(shifted, d) === null;
}

/** Sums of squared errors of the s2 estimates against one truth (`SquaredErrors` of the module comment). */
interface S2Errors {
  direct: number;
  auto: number;
  raw: number;
}

/**
 * Adds point k's squared errors against the true s2 `t` (d×d) to `e`: on the diagonal for a diagonal head, else
 * on all D² entries; the raw Jacobian J is read as it comes and symmetrised, (J_ij + J_ji)/2, for `auto`.
 */
function addS2Errors(e: S2Errors, t: Float64Array, J: ArrayLike<number>, direct: ArrayLike<number> | null, k: number, d: number, full: boolean): void {
  const o = k * d * d;
  if (!full) {
    for (let i = 0; i < d; i++) {
      const ti = t[i * d + i];
      const a = (J[o + i * d + i] - ti) ** 2;
      e.auto += a;
      e.raw += a;
      if (direct) e.direct += (direct[k * d + i] - ti) ** 2;
    }
    return;
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const q = i * d + j;
      e.raw += (J[o + q] - t[q]) ** 2;
      e.auto += (0.5 * (J[o + q] + J[o + j * d + i]) - t[q]) ** 2;
      if (direct) e.direct += (direct[o + q] - t[q]) ** 2;
    }
  }
}

/** Whether σ⁴ s2θ + σ² I has a negative eigenvalue at point k (divided by σ²: σ² s2θ + I has the same signs). */
function violatesPsd(direct: ArrayLike<number>, k: number, d: number, full: boolean, sigma: number): boolean {
  if (!full) {
    for (let i = 0; i < d; i++) if (sigma * sigma * direct[k * d + i] + 1 < -1e-6) return true;
    return false;
  }
  const M = new Float64Array(d * d);
  for (let q = 0; q < d * d; q++) M[q] = sigma * sigma * direct[k * d * d + q];
  for (let i = 0; i < d; i++) M[i * d + i] += 1;
  return hasNegativeEigenvalue(M, d);
}

/** Computes the metrics of the module comment. */
export async function computeMetrics(model: ScoreModel, truth: NoisyDensity, data: TrainingData, opts: MetricsOptions = {}): Promise<AllScoreMetrics> {
  const n = opts.n ?? 1000;
  const d = model.dim;
  const sigma = model.sigma;
  const pts = noisyPoints(data, sigma, n, opts.seed ?? 12345);
  const full = model.spec.s2 === 'none' || s2IsFull(model.spec.s2);
  const x = tf.tensor2d(Float32Array.from(pts), [n, d]);
  try {
    const s1T = model.s1(x);
    const s1 = await s1T.data();
    s1T.dispose();
    const jT = rowJacobian((v) => model.s1(v), x);
    const J = await jT.data();
    jT.dispose();
    let direct: Float32Array | null = null;
    if (model.hasS2) {
      const dT = directS2(model, x);
      direct = (await dT.data()) as Float32Array;
      dT.dispose();
    }
    const m = full ? d * d : d;
    let e1 = 0;
    const noisyErr: S2Errors = { direct: 0, auto: 0, raw: 0 };
    const cleanErr: S2Errors = { direct: 0, auto: 0, raw: 0 };
    let violations = 0;
    const p = new Float64Array(d);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < d; j++) p[j] = pts[k * d + j];
      const t1 = truth.s1(p);
      for (let j = 0; j < d; j++) e1 += (s1[k * d + j] - t1[j]) ** 2;
      addS2Errors(noisyErr, truth.s2(p), J, direct, k, d, full);
      if (opts.clean) addS2Errors(cleanErr, opts.clean.hessian(p), J, direct, k, d, full);
      if (direct && violatesPsd(direct, k, d, full, sigma)) violations++;
    }
    const reps = opts.timingReps ?? 5;
    const tb = Math.max(1, Math.min(n, opts.timingBatch ?? 256));
    const xt = tf.slice(x, [0, 0], [tb, d]) as tf.Tensor2D;
    const msPerEvalDirect = model.hasS2 ? await timeMs(() => directS2(model, xt), reps) : null;
    const msPerEvalAutodiff = await timeMs(() => autodiffS2(model, xt, !full), reps);
    xt.dispose();
    const nm = n * m;
    const clean = (v: number) => (opts.clean ? v / nm : null);
    return {
      s1Mse: e1 / (n * d),
      s2MseDirect: direct ? noisyErr.direct / nm : null,
      s2MseAutodiff: noisyErr.auto / nm,
      psdViolationRate: direct ? violations / n : null,
      msPerEvalDirect,
      msPerEvalAutodiff,
      s2MseAutodiffRaw: noisyErr.raw / nm,
      s2MseDirectClean: direct ? clean(cleanErr.direct) : null,
      s2MseAutodiffClean: clean(cleanErr.auto),
      s2MseAutodiffRawClean: clean(cleanErr.raw),
    };
  } finally {
    x.dispose();
  }
}
