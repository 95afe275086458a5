/**
 * What the Digits lab, its engine jobs and the CLI compute with a loaded DigitsModelSet (all tfjs work in
 * `tf.tidy`; results read back with `await data()`):
 *
 * - `digitPosterior`: noisy input at σ (seeded), Tweedie mean, per-pixel std (low-rank and diagonal models), the
 *   top-k eigenpairs of the posterior covariance, Gaussian posterior samples with classifier labels (MATH.md 1, 4).
 * - `digitChains`: Langevin vs diagonal-Ozaki chains from one image (MATH.md section 3; paper Fig. 8a): frames
 *   of a few chains and the fraction of all chains whose (Tweedie-denoised) class changed.
 * - `digitTiming`: the diagonal of the Hessian by autodiff of s1 (one backward pass per row, batched) against one
 *   evaluation of the s2 network (paper Table 2).
 */
import * as tf from '@tensorflow/tfjs';
import { dot, frobenius } from '../../core/linalg.ts';
import { createRng, normals } from '../../core/rng.ts';
import { D, type DigitsModelSet } from './model.ts';
import { diagVariance, gaussianSamples, lowRankVariance, minEigenvalue, stdMap, topEigen, tweedieMean } from './posterior.ts';

function img4(data: ArrayLike<number>, n = 1): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(data), [n, 28, 28, 1]);
}

/** The argmax class of each of n rows of 10 scores (probabilities or logits). */
export function argmaxRows(probs: Float32Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
    out.push(best);
  }
  return out;
}

/** Softmax probabilities [n × 10] and argmax labels of images [n × 784]. */
export async function classify(set: DigitsModelSet, images: Float32Array, n: number): Promise<{ labels: number[]; probs: Float32Array }> {
  if (n === 0) return { labels: [], probs: new Float32Array(0) };
  const p = tf.tidy(() => tf.softmax(set.logits(img4(images, n))));
  const probs = (await p.data()) as Float32Array;
  p.dispose();
  return { labels: argmaxRows(probs, n), probs };
}

export interface PosteriorOptions {
  /** Add seeded Gaussian noise of level σ to the input (otherwise the image is taken as the noisy x̃). */
  noise: boolean;
  seed: number;
  /** Number of eigenvectors. */
  k: number;
  /** Number of Gaussian posterior samples. */
  samples: number;
  /**
   * Eigenpairs of P C P, P = I − n nᵀ with n the unit estimated noise x̃ − mean, instead of C: the posterior
   * covariance with the one direction projected out where the learned factorisation absorbs a shrinkage of s1
   * (see `noiseAlignment`). Default false.
   */
  projectNoise?: boolean;
}

export interface DigitPosterior {
  sigma: number;
  rank: number;
  noisy: Float32Array;
  mean: Float32Array;
  /** √diag(C) of the low-rank model, and of the diagonal model. */
  std: Float32Array;
  stdDiag: Float32Array;
  /** Pixels whose predicted variance is negative (low-rank, diagonal): a learned s2 can violate s2 + I/σ² ⪰ 0. */
  negativeVariance: number;
  negativeVarianceDiag: number;
  /** Smallest eigenvalue of C (low rank) with its bracket. */
  minEigenvalue: { value: number; lower: number; upper: number };
  /** Whether the eigenpairs are those of P C P (`projectNoise`) rather than of C. */
  noiseProjected: boolean;
  /** The top k eigenpairs (descending) of C, or of P C P with `projectNoise`. */
  eigenvalues: number[];
  /** k × 784, row-major. */
  eigenvectors: Float32Array;
  eigenResiduals: number[];
  /**
   * |cos| between each eigenvector and the estimated noise x̃ − mean. A large value flags a direction the learned
   * factorisation uses to absorb a small bias of s1 along the noise (V Vᵀ + r rᵀ fits E[z zᵀ | x̃] even when
   * r is slightly shrunk, and the difference shows up as a large, noise-like eigenvalue of C).
   */
  noiseAlignment: number[];
  /**
   * The classifier's labels of the images mean ∓ WALK √λ_j v_j (`eigenWalks`) for each eigenpair, minus end first.
   * An eigenvector whose two ends get different labels is one that morphs the digit between two classes.
   */
  walkLabels: [number, number][];
  /** The walk end images `eigenWalks` (2 k × 784, minus end first), to draw beside each eigenvector. */
  walks: Float32Array;
  /** The walk length in standard deviations (WALK). */
  walkStd: number;
  /** n × 784 samples of N(mean, C) and their classifier labels / top probabilities. */
  samples: Float32Array;
  sampleLabels: number[];
  sampleConfidence: number[];
  /** Pixels of a with a < 0 clamped for sampling. */
  clampedForSampling: number;
  inputLabel: number;
  inputProbs: number[];
  meanLabel: number;
  meanProbs: number[];
  /**
   * Milliseconds: the three networks (s1, low-rank s2, diagonal s2) on the input; the structured eigen-solver
   * (top-k pairs and λ_min); the classifier on the samples, input, mean and walks; and everything.
   */
  msNetworks: number;
  msEigen: number;
  msClassifier: number;
  msTotal: number;
}

/** How far the eigenvector walks go, in standard deviations √λ along each eigenvector. */
export const WALK = 2;

/** mean ∓ WALK √λ_j v_j for each eigenpair, clipped to the pixel range [0, 1]: [(2 k) × 784], minus end first. */
export function eigenWalks(mean: ArrayLike<number>, values: readonly number[], vectors: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(2 * values.length * D);
  values.forEach((lambda, j) => {
    const step = WALK * Math.sqrt(Math.max(lambda, 0));
    for (const [end, sign] of [[0, -1], [1, 1]] as const) {
      const row = (2 * j + end) * D;
      for (let i = 0; i < D; i++) out[row + i] = Math.min(1, Math.max(0, mean[i] + sign * step * vectors[j][i]));
    }
  });
  return out;
}

export async function digitPosterior(set: DigitsModelSet, image: ArrayLike<number>, opt: PosteriorOptions): Promise<DigitPosterior> {
  const t0 = performance.now();
  const { sigma, rank } = set;
  const rng = createRng(opt.seed);
  const noisy = Float32Array.from(image);
  if (opt.noise) {
    const xi = normals(rng, D);
    for (let i = 0; i < D; i++) noisy[i] += sigma * xi[i];
  }
  const x = img4(noisy);
  const [r1t, at, Vt, adt] = tf.tidy(() => {
    const lr = set.lowRank(x);
    return [set.raw1(x), lr.a, lr.V, set.diagA(x)];
  });
  const [r1, a, V, ad] = (await Promise.all([r1t.data(), at.data(), Vt.data(), adt.data()])) as Float32Array[];
  tf.dispose([x, r1t, at, Vt, adt]);
  const msNetworks = performance.now() - t0;
  const mean = tweedieMean(noisy, r1, sigma);
  const v = stdMap(lowRankVariance(a, V, rank, sigma));
  const vd = stdMap(diagVariance(ad, sigma));
  const k = Math.max(0, Math.min(opt.k, rank));
  const resid = Float64Array.from(noisy, (v, i) => v - mean[i]);
  const tEigen = performance.now();
  const eig = topEigen(a, V, rank, sigma, k, { exclude: opt.projectNoise ? resid : undefined });
  const lambdaMin = minEigenvalue(a, V, rank, sigma);
  const msEigen = performance.now() - tEigen;
  const eigenvectors = new Float32Array(k * D);
  eig.vectors.forEach((vec, j) => eigenvectors.set(vec, j * D));
  const rn = frobenius(resid) || 1;
  const noiseAlignment = eig.vectors.map((vec) => Math.abs(dot(vec, resid)) / rn);
  const n = Math.max(0, Math.min(opt.samples, 64));
  const { samples, clamped } = gaussianSamples(mean, a, V, rank, sigma, rng.split(), n);
  const flat = new Float32Array(n * D);
  samples.forEach((s, i) => flat.set(s, i * D));
  const walks = eigenWalks(mean, eig.values, eig.vectors);
  const both = new Float32Array((n + 2) * D + walks.length);
  both.set(flat, 0);
  both.set(Float32Array.from(image), n * D);
  both.set(mean, (n + 1) * D);
  both.set(walks, (n + 2) * D);
  const tClassifier = performance.now();
  const cls = await classify(set, both, n + 2 + walks.length / D);
  const msClassifier = performance.now() - tClassifier;
  const conf = (i: number) => cls.probs[i * 10 + cls.labels[i]];
  const probsOf = (i: number) => Array.from(cls.probs.subarray(i * 10, i * 10 + 10));
  return {
    sigma,
    rank,
    noisy,
    mean,
    std: v.std,
    stdDiag: vd.std,
    negativeVariance: v.negative,
    negativeVarianceDiag: vd.negative,
    minEigenvalue: lambdaMin,
    noiseProjected: opt.projectNoise === true,
    eigenvalues: eig.values,
    eigenvectors,
    eigenResiduals: eig.residuals,
    noiseAlignment,
    walkLabels: eig.values.map((_, j) => [cls.labels[n + 2 + 2 * j], cls.labels[n + 3 + 2 * j]]),
    walkStd: WALK,
    walks,
    samples: flat,
    sampleLabels: cls.labels.slice(0, n),
    sampleConfidence: cls.labels.slice(0, n).map((_, i) => conf(i)),
    clampedForSampling: clamped,
    inputLabel: cls.labels[n],
    inputProbs: probsOf(n),
    meanLabel: cls.labels[n + 1],
    meanProbs: probsOf(n + 1),
    msNetworks,
    msEigen,
    msClassifier,
    msTotal: performance.now() - t0,
  };
}

export interface ChainOptions {
  steps: number;
  /** Chains per sampler. */
  chains: number;
  epsLangevin: number;
  epsOzaki: number;
  /** Record frames and class fractions every this many steps. */
  every: number;
  /** Chains whose frames are returned. */
  show: number;
  seed: number;
}

export interface ChainFrame {
  step: number;
  /** show × 784 Tweedie-denoised states. */
  langevin: Float32Array;
  ozaki: Float32Array;
  labelsLangevin: number[];
  labelsOzaki: number[];
}

export interface ChainPoint {
  step: number;
  /** Fraction of chains whose denoised class differs from the start's. */
  langevin: number;
  ozaki: number;
}

export interface DigitChains {
  startLabel: number;
  curve: ChainPoint[];
  frames: ChainFrame[];
  ms: number;
}

/** Diagonal Ozaki coefficients M = expm1(ε h / 2) / h, V = expm1(ε h) / h, with the h → 0 limits ε/2, ε. */
export function ozakiCoefficients(h: tf.Tensor, eps: number): { M: tf.Tensor; V: tf.Tensor } {
  const eh = tf.mul(h, eps);
  const small = tf.less(tf.abs(eh), 1e-4);
  const hs = tf.where(small, tf.onesLike(h), h);
  const M = tf.where(small, tf.mul(tf.add(1, tf.div(eh, 4)), eps / 2), tf.div(tf.expm1(tf.div(eh, 2)), hs));
  const V = tf.where(small, tf.mul(tf.add(1, tf.div(eh, 2)), eps), tf.div(tf.expm1(eh), hs));
  return { M, V };
}

/**
 * Langevin (x ← x + ε/2 s1 + √ε ξ) and diagonal Ozaki (x ← x + M s1 + √V ξ with h = diag s2 from the diagonal
 * model) chains started at `image`, targeting q_σ. `onFrame` is called after every recorded step and `onStep`
 * after every step (await them to let a cancel in).
 */
export async function digitChains(
  set: DigitsModelSet,
  image: ArrayLike<number>,
  opt: ChainOptions,
  onFrame?: (p: ChainPoint) => Promise<void> | void,
  onStep?: (step: number) => Promise<void> | void,
): Promise<DigitChains> {
  const t0 = performance.now();
  const { sigma } = set;
  const n = Math.max(1, opt.chains);
  const show = Math.min(opt.show, n);
  const start = await classify(set, Float32Array.from(image), 1);
  const startLabel = start.labels[0];
  const x0 = img4(image);
  let xl = tf.tile(x0, [n, 1, 1, 1]) as tf.Tensor4D;
  let xo = tf.tile(x0, [n, 1, 1, 1]) as tf.Tensor4D;
  x0.dispose();
  const curve: ChainPoint[] = [];
  const frames: ChainFrame[] = [];
  const seedBase = (opt.seed >>> 0) % 1_000_000;
  try {
    for (let t = 1; t <= opt.steps; t++) {
      const [nl, no] = tf.tidy(() => {
        const xiL = tf.randomNormal(xl.shape, 0, 1, 'float32', seedBase * 7919 + 2 * t);
        const xiO = tf.randomNormal(xo.shape, 0, 1, 'float32', seedBase * 7919 + 2 * t + 1);
        const gl = tf.reshape(set.score(xl), xl.shape);
        const newL = tf.add(tf.add(xl, tf.mul(gl, opt.epsLangevin / 2)), tf.mul(xiL, Math.sqrt(opt.epsLangevin)));
        const go = tf.reshape(set.score(xo), xo.shape);
        const h = tf.reshape(set.hessianDiag(xo), xo.shape);
        const { M, V } = ozakiCoefficients(h, opt.epsOzaki);
        const newO = tf.add(tf.add(xo, tf.mul(M, go)), tf.mul(tf.sqrt(tf.relu(V)), xiO));
        return [newL, newO] as tf.Tensor4D[];
      });
      xl.dispose();
      xo.dispose();
      xl = nl;
      xo = no;
      if (t % opt.every === 0 || t === opt.steps) {
        const [dl, dol] = tf.tidy(() => {
          const den = (x: tf.Tensor4D) => tf.add(tf.reshape(x, [n, D]), tf.mul(set.raw1(x), sigma));
          return [den(xl), den(xo)];
        });
        const [dL, dO] = (await Promise.all([dl.data(), dol.data()])) as Float32Array[];
        tf.dispose([dl, dol]);
        const cl = await classify(set, dL, n);
        const co = await classify(set, dO, n);
        const point = {
          step: t,
          langevin: cl.labels.filter((l) => l !== startLabel).length / n,
          ozaki: co.labels.filter((l) => l !== startLabel).length / n,
        };
        curve.push(point);
        frames.push({
          step: t,
          langevin: dL.slice(0, show * D),
          ozaki: dO.slice(0, show * D),
          labelsLangevin: cl.labels.slice(0, show),
          labelsOzaki: co.labels.slice(0, show),
        });
        await onFrame?.(point);
      }
      await onStep?.(t);
    }
  } finally {
    xl.dispose();
    xo.dispose();
  }
  return { startLabel, curve, frames, ms: performance.now() - t0 };
}

export interface DigitTiming {
  backend: string;
  /** Median ms of one low-rank s2 evaluation (with read-back), and of one diagonal s2 evaluation. */
  msDirect: number;
  msDirectDiag: number;
  /** ms for the rows computed, and extrapolated to all 784 rows. */
  msAutodiffRows: number;
  msAutodiff: number;
  rows: number;
  ratio: number;
  /** Posterior variance maps: autodiff σ⁴ ∂s1_i/∂x_i + σ² (NaN where not computed) and the direct low-rank one. */
  varAutodiff: Float32Array;
  varDirect: Float32Array;
}

async function medianMs(fn: () => Promise<void>, runs = 3): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((p, q) => p - q);
  return ts[Math.floor(ts.length / 2)];
}

/** Stride of `timingPixels`: coprime with 784 = 2⁴ · 7², so R strides visit R distinct pixels. */
const PIXEL_STRIDE = 293;

/**
 * The `rows` pixels whose Jacobian rows a timing computes: i · 293 mod 784, scattered over the whole image (not
 * one column, as evenly spaced indices would be for 28 rows), all distinct; 784 rows are every pixel.
 */
export function timingPixels(rows: number): number[] {
  return Array.from({ length: rows }, (_, i) => (i * PIXEL_STRIDE) % D);
}

/**
 * Times the second-order score both ways for one noisy image: one evaluation of the s2 network vs the diagonal
 * of the Jacobian of s1 by autodiff, `rows` rows (`timingPixels`; 784 = the whole diagonal) in batches of
 * `batch` backward passes, extrapolated to 784 rows.
 */
export async function digitTiming(
  set: DigitsModelSet,
  noisy: ArrayLike<number>,
  rows: number,
  batch = 28,
  onProgress?: (done: number) => Promise<void> | void,
): Promise<DigitTiming> {
  const { sigma, rank } = set;
  const R = Math.max(1, Math.min(D, Math.round(rows)));
  const x = img4(noisy);
  let direct: Float32Array[] = [];
  const msDirect = await medianMs(async () => {
    const { a, V } = tf.tidy(() => set.lowRank(x));
    direct = (await Promise.all([a.data(), V.data()])) as Float32Array[];
    tf.dispose([a, V]);
  });
  const msDirectDiag = await medianMs(async () => {
    const a = tf.tidy(() => set.diagA(x));
    await a.data();
    a.dispose();
  });
  const varDirect = lowRankVariance(direct[0], direct[1], rank, sigma);
  const pixels = timingPixels(R);
  const varAutodiff = new Float32Array(D).fill(NaN);
  const jacobianRows = async (idx: number[]) => {
    const B = idx.length;
    const sel = tf.tidy(() => tf.oneHot(tf.tensor1d(idx, 'int32'), D).toFloat() as tf.Tensor2D);
    const X = tf.tile(x, [B, 1, 1, 1]) as tf.Tensor4D;
    const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(set.raw1(xx as tf.Tensor4D), sel)))(X));
    const gv = (await g.data()) as Float32Array;
    tf.dispose([sel, X, g]);
    return idx.map((p, b) => gv[b * D + p] / sigma); // ∂s1_p/∂x_p = (1/σ) ∂r_p/∂x_p
  };
  await jacobianRows(pixels.slice(0, Math.min(batch, R))); // warm-up (kernel compilation)
  const t = performance.now();
  for (let i = 0; i < R; i += batch) {
    const idx = pixels.slice(i, i + batch);
    const h = await jacobianRows(idx);
    idx.forEach((p, b) => (varAutodiff[p] = sigma ** 4 * h[b] + sigma ** 2));
    await onProgress?.(Math.min(R, i + batch));
  }
  const msAutodiffRows = performance.now() - t;
  x.dispose();
  const msAutodiff = (msAutodiffRows * D) / R;
  return {
    backend: tf.getBackend(),
    msDirect,
    msDirectDiag,
    msAutodiffRows,
    msAutodiff,
    rows: R,
    ratio: msAutodiff / msDirect,
    varAutodiff,
    varDirect,
  };
}
