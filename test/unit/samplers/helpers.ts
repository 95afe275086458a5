/** Shared fixtures of the sampler tests (cpu backend, fixed seeds). */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/rng.ts';
import type { Gmm } from '../../../src/core/types.ts';
import { gmmScoreField, type GmmFieldSource } from '../../../src/models/exactField.ts';
import type { ScoreField } from '../../../src/models/scoreField.ts';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A Gaussian N(mean, cov) as a one-component mixture. */
export function gaussian(mean: number[], cov: number[]): Gmm {
  return { dim: mean.length, components: [{ weight: 1, mean: Float64Array.from(mean), cov: Float64Array.from(cov) }] };
}

/** A 2-D correlated Gaussian with condition number 50 (variances 1 and 0.02 along rotated axes). */
export function corrGauss(): { gmm: Gmm; mean: number[]; cov: number[] } {
  const c = Math.cos(Math.PI / 4);
  const s = Math.sin(Math.PI / 4);
  const l1 = 1;
  const l2 = 0.02;
  const cov = [l1 * c * c + l2 * s * s, (l1 - l2) * c * s, (l1 - l2) * c * s, l1 * s * s + l2 * c * c];
  const mean = [0.5, -0.3];
  return { gmm: gaussian(mean, cov), mean, cov };
}

/** Exact samples of N(mean, cov) in 2-D (Cholesky of cov), seeded. */
export function gaussSamples2(mean: number[], cov: number[], n: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const a = Math.sqrt(cov[0]);
    const b = cov[2] / a;
    const c = Math.sqrt(cov[3] - b * b);
    const z = tf.randomNormal([n, 2], 0, 1, 'float32', seed);
    const l = tf.tensor2d([a, b, 0, c], [2, 2]); // z Lᵀ with L = [[a, 0], [b, c]]
    return tf.add(tf.matMul(z, l), tf.tensor1d(mean)) as tf.Tensor2D;
  });
}

/** Sample mean and covariance of row-major points [n, d]. */
export function moments(data: ArrayLike<number>, d: number): { mean: number[]; cov: number[] } {
  const n = data.length / d;
  const mean = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  const cov = new Array(d * d).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[j * d + k] += ((data[i * d + j] - mean[j]) * (data[i * d + k] - mean[k])) / (n - 1);
  return { mean, cov };
}

/** A field with a given score function and zero curvature (H = 0), with optional log density. */
export function flatCurvatureField(dim: number, score: (x: tf.Tensor2D) => tf.Tensor2D): ScoreField {
  return {
    dim,
    score: (x) => tf.tidy(() => score(x)),
    hessianDiag: (x) => tf.zerosLike(x),
    hessian: (x) => tf.zeros([x.shape[0], dim, dim]),
    dispose() {},
  };
}

/** n points N(0, spread² I) in 2-D, [n·2] row-major, seeded. */
export function points2(n: number, spread: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(n * 2);
  for (let i = 0; i < x.length; i++) x[i] = spread * rng.normal();
  return x;
}

/** The exact-field source of `gmm` blurred at σ (0: none), as the CPU chains engines take it. */
export function gmmSource(gmm: Gmm, sigma = 0): GmmFieldSource {
  const f = gmmScoreField(gmm, sigma);
  f.dispose();
  return f.source as GmmFieldSource;
}
