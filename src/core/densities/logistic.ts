/**
 * Mixture-of-logistics targets (paper 1, Table 1): the clean density in closed form, the noisy density by a 1-D
 * quadrature per coordinate (src/core/logisticMixture.ts; MATH.md section 6).
 */
import type { Density, Noise, Rng } from '../types.ts';
import {
  cleanTerms,
  evalProductMixture,
  logisticMixtureNoisy,
  makeLogisticMixture,
  sampleLogisticMixture,
  type LogisticMixture,
} from '../logisticMixture.ts';
import { createRng } from '../rng.ts';
import { memoNoisy } from './memo.ts';

/**
 * A registry density from a mixture of logistics (any dimension): sample, log p, score and Hessian of the clean
 * density in closed form; the noisy density (isotropic or diagonal noise) by quadrature, hence truth "grid".
 */
export function densityFromLogisticMixture(name: string, m: LogisticMixture, description?: string): Density {
  const terms = cleanTerms(m);
  const d = m.dim;
  return {
    name,
    dim: d,
    description: description ?? `Mixture of ${m.weights.length} product-of-logistics component(s) in ${d}-d.`,
    truth: 'grid',
    sample: (rng: Rng, n: number) => sampleLogisticMixture(m, rng, n),
    logp: (x) => evalProductMixture(m.weights, d, terms, x, 0).logp,
    score: (x) => evalProductMixture(m.weights, d, terms, x, 1).s1!,
    hessian: (x) => evalProductMixture(m.weights, d, terms, x, 2).s2!,
    noisy: memoNoisy((noise: Noise) => logisticMixtureNoisy(m, noise)),
  };
}

/** Components and seed of the built-in mixtures of logistics. */
export const LOGISTIC_COMPONENTS = 20;
export const LOGISTIC_SEED = 2021;

/**
 * The built-in mixture of logistics in dimension d (paper 1 does not give its mixtures; this is our choice):
 * K = 20 components drawn with seed LOGISTIC_SEED + d; weights ∝ 1 + U(0, 1) (mildly unequal); locations
 * μ_kj ~ N(0, 1); scales s_kj log-uniform in [0.3, 1] (standard deviations π s/√3 ≈ 0.54 to 1.8), so each
 * coordinate's marginal is a multimodal, heavy-shouldered mixture while components stay distinct in d dimensions.
 */
export function logisticMixtureBuiltin(d: number, K = LOGISTIC_COMPONENTS, seed = LOGISTIC_SEED + d): LogisticMixture {
  const rng = createRng(seed);
  const weights = Array.from({ length: K }, () => 1 + rng.uniform());
  const locs = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
  const scales = Array.from({ length: K }, () => Array.from({ length: d }, () => 0.3 * Math.pow(1 / 0.3, rng.uniform())));
  return makeLogisticMixture(weights, locs, scales);
}

/** `logistic<d>` (50 or 80 in the registry): see `logisticMixtureBuiltin`; CLI only. */
export function logisticBuiltin(d: number): Density {
  return densityFromLogisticMixture(
    `logistic${d}`,
    logisticMixtureBuiltin(d),
    `${d}-d mixture of ${LOGISTIC_COMPONENTS} products of logistics (locations N(0, 1), scales log-uniform in [0.3, 1], seed ${LOGISTIC_SEED + d}); like the paper's Table 1 targets. Noisy truth by 1-D quadrature per coordinate. CLI only.`,
  );
}
