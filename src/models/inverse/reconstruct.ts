/**
 * One digit inverse problem end to end, shared by the engine job, the CLI and the bench: degrade a clean digit
 * (problems.ts), sample the posterior by annealing (anneal.ts), and summarise the samples (posterior mean,
 * per-pixel std, classifier labels, MSE and PSNR against the clean digit).
 */
import { createRng } from '../../core/rng.ts';
import { annealImage, annealImages, type ImageAnnealOptions } from './anneal.ts';
import type { ImageEnergy } from './imageEnergy.ts';
import { checkSigma1, DEFAULT_SIGMA1, observationVariance, observe, seenMask, type Problem } from './problems.ts';

/** Labels of n images [n·784] in [0, 1] (the Digits classifier). */
export type Classify = (images: Float32Array, n: number) => Promise<number[]>;

export interface Degraded {
  /** The observation y = x + Σ^{1/2} ε, [784]. */
  y: Float32Array;
  /** 1 where the pixel is seen. */
  seen: Uint8Array;
  /** The observation's variance per pixel. */
  variance: Float32Array;
}

/** Degrades `x` by `problem` (seen pixels with noise σ₁); seeded. */
export function degrade(x: Float32Array, problem: Problem, sigma1: number, seed: number): Degraded {
  if (problem.kind !== 'noise') checkSigma1(sigma1);
  const rng = createRng(seed);
  const seen = seenMask(problem, rng);
  const variance = observationVariance(problem, seen, sigma1);
  return { y: observe(x, variance, rng), seen, variance };
}

export interface Reconstruction extends Degraded {
  /** Samples of x, [samples·784]. */
  samples: Float32Array;
  /** Posterior mean and per-pixel standard deviation over the samples, [784] each. */
  mean: Float32Array;
  std: Float32Array;
  sampleLabels: number[];
  /** Label of the clean digit (the classifier's when no true label is given). */
  label: number;
  /** Fraction of samples whose label is `label`. */
  sampleAccuracy: number;
  /** Per-pixel MSE of the samples (averaged) and of their mean, against the clean digit. */
  mseSamples: number;
  mseMean: number;
  /** PSNR of the posterior mean in dB (peak 1). */
  psnrMean: number;
  acceptRate: number;
  diverged: number;
  evaluations: number;
  /** The schedule's per-pixel variance at every level, λ_0 … λ_L. */
  lambdas: Float32Array[];
  seconds: number;
}

/** Per-pixel mean and standard deviation over n images [n·d]. */
export function pixelMoments(samples: Float32Array, n: number, d: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) mean[i] += samples[j * d + i] / n;
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) std[i] += (samples[j * d + i] - mean[i]) ** 2 / Math.max(1, n - 1);
  return { mean, std: std.map(Math.sqrt) };
}

function mse(a: Float32Array, b: Float32Array, offset = 0): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[offset + i] - b[i]) ** 2;
  return s / b.length;
}

/** Degrade `x`, sample the posterior, summarise. `trueLabel` defaults to the classifier's label of `x`. */
export async function reconstruct(
  energy: ImageEnergy,
  classify: Classify,
  x: Float32Array,
  problem: Problem,
  opts: ImageAnnealOptions & { sigma1?: number; trueLabel?: number } = {},
): Promise<Reconstruction> {
  const t0 = performance.now();
  const seed = opts.seed ?? 1;
  const deg = degrade(x, problem, opts.sigma1 ?? DEFAULT_SIGMA1, seed);
  const run = await annealImage(energy, deg.y, deg.variance, { ...opts, seed: seed + 1 });
  const d = energy.d;
  const n = run.samples.length / d;
  const { mean, std } = pixelMoments(run.samples, n, d);
  const labels = await classify(Float32Array.from([...run.samples, ...x]), n + 1);
  const label = opts.trueLabel ?? labels[n];
  const sampleLabels = labels.slice(0, n);
  let mseSamples = 0;
  for (let j = 0; j < n; j++) mseSamples += mse(run.samples, x, j * d) / n;
  const mseMean = mse(mean, x);
  return {
    ...deg,
    samples: run.samples,
    mean,
    std,
    sampleLabels,
    label,
    sampleAccuracy: sampleLabels.filter((l) => l === label).length / n,
    mseSamples,
    mseMean,
    psnrMean: 10 * Math.log10(1 / Math.max(mseMean, 1e-12)),
    acceptRate: run.acceptance,
    diverged: run.diverged,
    evaluations: run.evaluations,
    lambdas: run.lambdas,
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface BatchItem {
  x: Float32Array;
  problem: Problem;
  label: number;
}

export interface BatchOutcome {
  /** Per digit: the samples' labels, the MSE of the posterior mean and the mean MSE of the samples. */
  digits: { label: number; sampleLabels: number[]; mseMean: number; mseSamples: number }[];
  /** Fraction of all samples whose label is their digit's label. */
  sampleAccuracy: number;
  mseMean: number;
  acceptRate: number;
  diverged: number;
  seconds: number;
}

/**
 * Many digits in one annealed batch (every digit its own observation and schedule; `annealImages`): the
 * experiments over k and over correctors. Digit i is degraded with seed `seed + i`.
 */
export async function reconstructBatch(
  energy: ImageEnergy,
  classify: Classify,
  items: BatchItem[],
  opts: ImageAnnealOptions & { sigma1?: number } = {},
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const d = energy.d;
  const G = items.length;
  const seed = opts.seed ?? 1;
  const ys = new Float32Array(G * d);
  const lam = new Float32Array(G * d);
  items.forEach((it, i) => {
    const deg = degrade(it.x, it.problem, opts.sigma1 ?? DEFAULT_SIGMA1, seed + i);
    ys.set(deg.y, i * d);
    lam.set(deg.variance, i * d);
  });
  const run = await annealImages(energy, ys, lam, G, { ...opts, seed: seed + G });
  const m = run.samples.length / (G * d);
  const labels = await classify(run.samples, G * m);
  const digits = items.map((it, i) => {
    const block = run.samples.subarray(i * m * d, (i + 1) * m * d);
    const { mean } = pixelMoments(block, m, d);
    let mseSamples = 0;
    for (let j = 0; j < m; j++) mseSamples += mse(block, it.x, j * d) / m;
    return { label: it.label, sampleLabels: labels.slice(i * m, (i + 1) * m), mseMean: mse(mean, it.x), mseSamples };
  });
  const right = digits.reduce((s, g) => s + g.sampleLabels.filter((l) => l === g.label).length, 0);
  return {
    digits,
    sampleAccuracy: right / (G * m),
    mseMean: digits.reduce((s, g) => s + g.mseMean, 0) / G,
    acceptRate: run.acceptance,
    diverged: run.diverged,
    seconds: (performance.now() - t0) / 1000,
  };
}
