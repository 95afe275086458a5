/**
 * Gaussian-mixture targets of the registry: everything closed form (MATH.md sections 4 and 6).
 */
import type { Density, Gmm, Rng } from '../types.ts';
import { evalPrepared, gmmNoisy, makeGmm, prepareGmm, sampleGmm, validateGmm } from '../gmm.ts';
import { congruence, diag, rotation2, matmul, transpose } from '../linalg.ts';
import { createRng } from '../rng.ts';
import { memoNoisy } from './memo.ts';

/**
 * A registry density from any Gaussian mixture (any dimension): sample, log p, score, Hessian, and the noisy
 * density with s1, s2 and the exact posterior for isotropic σ or a full Σ, all closed form (MATH.md 4, 6).
 * Plot bounds (2-D only) default to the component means ± 3.5 standard deviations.
 */
export function densityFromGmm(name: string, gmm: Gmm, description?: string, bounds?: [[number, number], [number, number]]): Density {
  validateGmm(gmm);
  const clean = prepareGmm(gmm);
  const d = gmm.dim;
  return {
    name,
    dim: d,
    description: description ?? `Gaussian mixture with ${gmm.components.length} component(s) in ${d}-d.`,
    bounds: d === 2 ? (bounds ?? gmmBounds(gmm)) : undefined,
    gmm,
    truth: 'closed-form',
    sample: (rng: Rng, n: number) => sampleGmm(gmm, rng, n),
    logp: (x) => evalPrepared(clean, x, 0).logp,
    score: (x) => evalPrepared(clean, x, 1).s1!,
    hessian: (x) => evalPrepared(clean, x, 2).s2!,
    noisy: memoNoisy((noise) => gmmNoisy(gmm, noise)),
  };
}

/** Plot window of a 2-D mixture: the union of its components' mean ± 3.5 sd boxes, made square-ish and rounded. */
export function gmmBounds(gmm: Gmm): [[number, number], [number, number]] {
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (const c of gmm.components) {
    for (let i = 0; i < 2; i++) {
      const sd = Math.sqrt(c.cov[i * 3]);
      lo[i] = Math.min(lo[i], c.mean[i] - 3.5 * sd);
      hi[i] = Math.max(hi[i], c.mean[i] + 3.5 * sd);
    }
  }
  const r = (v: number, f: (x: number) => number) => f(v * 2) / 2;
  return [
    [r(lo[0], Math.floor), r(hi[0], Math.ceil)],
    [r(lo[1], Math.floor), r(hi[1], Math.ceil)],
  ];
}

/** R(θ) diag(sx², sy²) R(θ)ᵀ: a 2-D covariance with axes sx, sy rotated by θ. */
function rotatedCov(sx: number, sy: number, theta: number): Float64Array {
  return congruence(rotation2(theta), diag([sx * sx, sy * sy]), 2);
}

/** `gmm2`: two anisotropic Gaussians, tilted in different directions, unequal weights. */
export function gmm2(): Density {
  const g = makeGmm(
    [0.4, 0.6],
    [
      [-1.5, 0.8],
      [1.5, -0.6],
    ],
    [rotatedCov(0.8, 0.2, Math.PI / 4), rotatedCov(0.7, 0.25, -Math.PI / 6)],
  );
  return densityFromGmm('gmm2', g, 'Two anisotropic Gaussians (weights 0.4 / 0.6) tilted at +45° and −30°.', [
    [-4, 4],
    [-3, 3],
  ]);
}

/** `ring8`: 8 equal isotropic modes (sd 0.2) on a circle of radius 2. */
export function ring8(): Density {
  const means = Array.from({ length: 8 }, (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)]);
  const g = makeGmm(new Array(8).fill(1 / 8), means, new Array(8).fill([0.04, 0, 0, 0.04]));
  return densityFromGmm('ring8', g, '8 equal Gaussian modes (sd 0.2) on a circle of radius 2.', [
    [-3, 3],
    [-3, 3],
  ]);
}

/** `corr-gauss`: one correlated Gaussian with variances 2 and 0.02 along the diagonals (condition number 100). */
export function corrGauss(): Density {
  const g = makeGmm([1], [[0, 0]], [rotatedCov(Math.sqrt(2), Math.sqrt(0.02), Math.PI / 4)]);
  return densityFromGmm('corr-gauss', g, 'Ill-conditioned correlated Gaussian: variances 2 and 0.02 along the diagonals (condition number 100, correlation 0.98).', [
    [-4, 4],
    [-4, 4],
  ]);
}

/** `scale-mix`: Gaussian scale mixture ½ N(0, I) + ½ N(0, 16 I) (σ ∈ {1, 4}). */
export function scaleMix(): Density {
  const g = makeGmm(
    [0.5, 0.5],
    [
      [0, 0],
      [0, 0],
    ],
    [
      [1, 0, 0, 1],
      [16, 0, 0, 16],
    ],
  );
  return densityFromGmm('scale-mix', g, 'Gaussian scale mixture ½ N(0, I) + ½ N(0, 4² I): heavy tails, the posterior variance depends on |x̃|.', [
    [-12, 12],
    [-12, 12],
  ]);
}

/** Seed and spectrum of `gauss100`. */
export const GAUSS100_SEED = 2021;

/**
 * Covariance spectra of the zero-mean Gaussians of the Table 1 study (issue 17 item 2), all of geometric-mean
 * eigenvalue 1 or close to it:
 * - `geometric`: log-spaced from 0.1 to 10 (condition number 100), `gauss100`'s;
 * - `iso`: every eigenvalue 1 (condition number 1, covariance I, no correlation);
 * - `wide`: log-spaced from 0.01 to 100 (condition number 10⁴);
 * - `spiked`: max(1, round(D/10)) eigenvalues 10, the rest 0.1 (condition number 100, a few strong directions).
 */
export const GAUSS_SPECTRA = ['geometric', 'iso', 'wide', 'spiked'] as const;
export type GaussSpectrum = (typeof GAUSS_SPECTRA)[number];

/** The eigenvalues of a `GaussSpectrum` in dimension d (d ≥ 2), ascending (see GAUSS_SPECTRA). */
export function spectrumEigenvalues(d: number, spectrum: GaussSpectrum): number[] {
  switch (spectrum) {
    case 'geometric':
      return Array.from({ length: d }, (_, i) => Math.pow(10, -1 + (2 * i) / (d - 1)));
    case 'iso':
      return new Array<number>(d).fill(1);
    case 'wide':
      return Array.from({ length: d }, (_, i) => Math.pow(10, -2 + (4 * i) / (d - 1)));
    case 'spiked': {
      const k = Math.max(1, Math.round(d / 10));
      return Array.from({ length: d }, (_, i) => (i < d - k ? 0.1 : 10));
    }
  }
}

/** A random d×d orthogonal matrix Q (row-major): Gram–Schmidt of a Gaussian matrix drawn with `seed`, column by column. */
export function randomRotation(d: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const Q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = rng.normal();
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i] * Q[i * d + k];
      for (let i = 0; i < d; i++) v[i] -= dot * Q[i * d + k];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) Q[i * d + j] = v[i] / norm;
  }
  return Q;
}

/**
 * A covariance with a given spectrum: Q diag(λ) Qᵀ with λ = `spectrumEigenvalues(d, spectrum)` and Q =
 * `randomRotation(d, seed)`, symmetrised; `iso` is the identity exactly. The same seed gives every spectrum the same
 * eigenvectors, so the spectra of the study differ in their eigenvalues only. Its exact s1 and s2 under noise are
 * those of any Gaussian (MATH.md section 6): s2 = −(C + σ² I)⁻¹.
 */
export function gaussSpectrumCov(d: number, spectrum: GaussSpectrum, seed = GAUSS100_SEED): Float64Array {
  if (spectrum === 'iso') return diag(new Array<number>(d).fill(1));
  const Q = randomRotation(d, seed);
  const C = matmul(matmul(Q, diag(spectrumEigenvalues(d, spectrum)), d, d, d), transpose(Q, d, d), d, d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) C[i * d + j] = C[j * d + i] = 0.5 * (C[i * d + j] + C[j * d + i]);
  return C;
}

/**
 * The covariance of `gauss100`: Q diag(λ) Qᵀ with λ log-spaced from 0.1 to 10 (condition number 100) and Q a
 * random orthogonal matrix (Gram–Schmidt of a Gaussian matrix drawn with seed GAUSS100_SEED). The paper's Table 1
 * uses "a 100-dimensional correlated multivariate normal" without giving its covariance; this is our choice.
 * It is `gaussSpectrumCov(d, 'geometric', seed)`.
 */
export function gauss100Cov(d = 100, seed = GAUSS100_SEED): Float64Array {
  return gaussSpectrumCov(d, 'geometric', seed);
}

/** `gauss100`: 100-d zero-mean correlated Gaussian (see `gauss100Cov`), CLI only. */
export function gauss100(): Density {
  const d = 100;
  const g: Gmm = { dim: d, components: [{ weight: 1, mean: new Float64Array(d), cov: gauss100Cov(d) }] };
  return densityFromGmm('gauss100', g, '100-d zero-mean correlated Gaussian, eigenvalues log-spaced in [0.1, 10] under a random rotation (seed 2021); like the paper\'s Table 1 target. CLI only.');
}
