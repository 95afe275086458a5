/**
 * The density registry (issue 2 item 3; MATH.md section 6): built-in targets by name, their metadata for the
 * CLI and the app, and densities made from user mixtures.
 */
import type { Density } from '../types.ts';
import { banana, funnel, twoMoons } from './analytic.ts';
import { corrGauss, gauss100, gmm2, ring8, scaleMix } from './gaussian.ts';
import { logisticBuiltin } from './logistic.ts';

export { blurredDensity } from './blurred.ts';
export { densityFromGmm, gmmBounds, gauss100Cov, gaussSpectrumCov, spectrumEigenvalues, GAUSS_SPECTRA } from './gaussian.ts';
export type { GaussSpectrum } from './gaussian.ts';
export { densityFromLogisticMixture, logisticMixtureBuiltin } from './logistic.ts';
export { densityFromJson } from './fromJson.ts';
export { banana, funnel, twoMoons, twoMoonsGmm, bananaSpec, funnelSpec, gaussLegendre } from './analytic.ts';
export { conditionalGaussianNoisy } from './lattice.ts';
export type { ConditionalGaussianSpec, LatticeNoisy, LatticeOptions } from './lattice.ts';

/** What `listDensities` reports about a density (also printed by `tweedie densities --json`). */
export interface DensityInfo {
  name: string;
  dim: number;
  description: string;
  /**
   * 'closed-form' (Gaussian mixtures) or 'grid' (quadrature ground truth for the noisy density: a lattice for the
   * 2-D analytic targets, a 1-D quadrature per coordinate for mixtures of logistics).
   */
  truth: 'closed-form' | 'grid';
  /** Which quantities are available exactly (closed form) for the clean and the noisy density. */
  closedForm: { logp: boolean; score: boolean; hessian: boolean; noisy: boolean; posterior: boolean };
  /** Plot window of 2-D densities. */
  bounds?: [[number, number], [number, number]];
  /** True for densities the app cannot show (dimension ≠ 2). */
  cliOnly: boolean;
}

const BUILTINS: Record<string, () => Density> = {
  gmm2,
  ring8,
  'corr-gauss': corrGauss,
  'scale-mix': scaleMix,
  banana: () => banana(),
  funnel: () => funnel(),
  'two-moons': () => twoMoons(),
  gauss100,
  logistic50: () => logisticBuiltin(50),
  logistic80: () => logisticBuiltin(80),
};

const built = new Map<string, Density>();

/** Names of the built-in densities, in display order. */
export function densityNames(): string[] {
  return Object.keys(BUILTINS);
}

/** A built-in density by name (built once, then shared). Throws listing the known names for an unknown one. */
export function getDensity(name: string): Density {
  let d = built.get(name);
  if (d) return d;
  const make = BUILTINS[name];
  if (!make) throw new Error(`unknown density "${name}"; known densities: ${densityNames().join(', ')}`);
  d = make();
  built.set(name, d);
  return d;
}

/** Metadata of one density. */
export function densityInfo(d: Density): DensityInfo {
  const exact = d.truth === 'closed-form';
  return {
    name: d.name,
    dim: d.dim,
    description: d.description,
    truth: d.truth,
    closedForm: { logp: true, score: true, hessian: true, noisy: exact, posterior: exact },
    bounds: d.bounds,
    cliOnly: d.dim !== 2,
  };
}

/**
 * The size of a density's region, for bounds on input points: the largest |coordinate| of its plot window (2-D),
 * else of its mixture's components (|mean| + 3.5 standard deviations), else 1.
 */
export function densityScale(d: Density): number {
  if (d.bounds) return Math.max(...d.bounds.flat().map(Math.abs));
  if (d.gmm) {
    const n = d.gmm.dim;
    let s = 0;
    for (const c of d.gmm.components) for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(c.mean[i]) + 3.5 * Math.sqrt(c.cov[i * n + i]));
    return s;
  }
  return 1;
}

/** Metadata of every built-in density (name, dimension, description, truth flags, bounds, CLI-only). */
export function listDensities(): DensityInfo[] {
  return densityNames().map((n) => densityInfo(getDensity(n)));
}
