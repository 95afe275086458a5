/**
 * Sampler diagnostics over draws read back from the engine (pure TypeScript, no tfjs): ESS per dimension
 * (MATH.md section 3: the core's Stan/ArviZ estimators over the kept draws of the chains that did not diverge,
 * the ESS of the mean as well as the rank-normalised bulk and the tail ESS), ESS per second, MALA acceptance, the
 * errors of the sample mean and covariance against the true moments (relative and whitened), and the sliced
 * Wasserstein distance to exact samples. Diverged chains are excluded from every statistic.
 */
import { sampleCovariance, sampleMean, slicedWasserstein, whitenedCovError } from '../core/stats.ts';
import { createRng } from '../core/rng.ts';
import { autocorrelation as chainAutocorrelation, essBulk, essChains, essTail } from '../core/ess.ts';
import type { SamplerTarget } from './target.ts';

/** Kept draws of a set of chains, row-major [iters][chains][dim] (the layout of stacked engine frames). */
export interface Draws {
  data: Float32Array;
  iters: number;
  chains: number;
  dim: number;
}

/** The series of chain c in coordinate j. */
export function chainSeries(draws: Draws, c: number, j: number): Float64Array {
  const { iters, chains, dim, data } = draws;
  const out = new Float64Array(iters);
  for (let t = 0; t < iters; t++) out[t] = data[(t * chains + c) * dim + j];
  return out;
}

/**
 * At most `max` draws pooled over the chains in `use`, evenly thinned over iterations (row-major [m, dim]).
 * Thinning is deterministic, so two samplers with the same draws layout are compared on the same positions.
 */
export function pooledDraws(draws: Draws, use: readonly number[], max: number): Float64Array {
  const { iters, chains, dim, data } = draws;
  const total = iters * use.length;
  const m = Math.min(max, total);
  const out = new Float64Array(m * dim);
  for (let s = 0; s < m; s++) {
    // Spread over iterations and cycle through the chains.
    const t = m === total ? Math.floor(s / use.length) : Math.floor((s * iters) / m);
    const c = use[s % use.length];
    for (let j = 0; j < dim; j++) out[s * dim + j] = data[(t * chains + c) * dim + j];
  }
  return out;
}

/**
 * Default bias gate of the step-size sweep (`SweepGate.maxWhitenedError` in run.ts): every direction's variance within
 * 20% of the truth. Chosen from the Table 3 sweeps (100 chains × 800 draws, src/samplers/README.md): the full
 * Ozaki, exact on corr-gauss at every ε, scores 0.01–0.09 wherever its min ESS exceeds 170 (up to 0.22 at the two
 * smallest steps, where the ESS is 118–137 and the estimate's own noise is that large), while Langevin's known bias
 * there (narrow-axis variance ratio 1/(1 − ε/0.08), MATH.md 3) is 0.31 at ε = 0.019 and measured 0.31.
 */
export const DEFAULT_MAX_WHITENED_ERROR = 0.2;

export interface SamplerMetrics {
  /**
   * ESS of the mean of each coordinate over the kept draws of the chains used (MATH.md section 3; ArviZ's
   * `ess(method="mean")` on split chains, no rank normalisation). The field keeps its historical name.
   */
  essPerDim: number[];
  /** The smallest ESS of the mean over coordinates (the paper's Table 3 number). */
  essMin: number;
  /** Rank-normalised bulk ESS of each coordinate (Vehtari et al. 2021 Sec. 4.3; ArviZ `method="bulk"`). */
  essBulkPerDim: number[];
  essBulkMin: number;
  /** Tail ESS of each coordinate: min of the ESS of I(x ≤ q₀.₀₅) and I(x ≤ q₀.₉₅) (ArviZ `method="tail"`). */
  essTailPerDim: number[];
  essTailMin: number;
  /**
   * Within-chain ESS per coordinate: the sum over chains of each chain's own (split) ESS, with no between-chain
   * term. It measures local mixing and is blind to chains stuck in different modes, where `essPerDim` is not.
   */
  essWithinPerDim: number[];
  essWithinMin: number;
  /** essMin per second of sampling wall time (burn-in included). */
  essPerSec: number;
  /** MALA: mean acceptance over the kept steps of the chains used; null for the unadjusted samplers. */
  acceptRate: number | null;
  /** ‖mean − true mean‖₂. */
  meanError: number;
  /** ‖cov − true cov‖_F / ‖true cov‖_F (dominated by the largest variance; kept for comparison). */
  covError: number;
  /**
   * ‖C^{-1/2} cov C^{-1/2} − I‖₂ with C the true cov (`whitenedCovError`): the worst relative error of the variance
   * along any direction. Affine invariant; the sweep's bias gate.
   */
  covErrorWhitened: number;
  /** Sliced Wasserstein-2 distance between (thinned) pooled draws and exact samples of the target. */
  distance: number;
  /** Chains that diverged (excluded from every statistic above). */
  diverged: number;
  /** The first iteration at which a chain diverged, or null. */
  firstDivergence: number | null;
  /** Chains used for the statistics, and kept draws per chain. */
  chainsUsed: number;
  iters: number;
  seconds: number;
}

export interface MetricsOptions {
  /** Iteration at which each chain diverged (−1: alive). */
  divergedAt: ArrayLike<number>;
  /** Wall time of the run in seconds. */
  seconds: number;
  /** Per-chain acceptance rate (MALA); omitted for the others. */
  acceptance?: ArrayLike<number>;
  /** Points of the pooled sample for the distance (default 2000). */
  distancePoints?: number;
  /** Seed of the distance's random projections (default 7: the same projections for every run). */
  seed?: number;
}

/** Indices of the chains that never diverged. */
export function aliveChains(divergedAt: ArrayLike<number>): number[] {
  const use: number[] = [];
  for (let c = 0; c < divergedAt.length; c++) if (divergedAt[c] < 0) use.push(c);
  return use;
}

/** Every metric of one run (see `SamplerMetrics`); NaN where no chain survived. */
export function samplerMetrics(draws: Draws, target: SamplerTarget, opts: MetricsOptions): SamplerMetrics {
  const d = draws.dim;
  const use = aliveChains(opts.divergedAt);
  let firstDivergence: number | null = null;
  for (let c = 0; c < opts.divergedAt.length; c++) {
    const t = opts.divergedAt[c];
    if (t >= 0 && (firstDivergence === null || t < firstDivergence)) firstDivergence = t;
  }
  const base = { diverged: opts.divergedAt.length - use.length, firstDivergence, chainsUsed: use.length, iters: draws.iters, seconds: opts.seconds };
  let acceptRate: number | null = null;
  if (opts.acceptance) {
    let s = 0;
    for (const c of use) s += opts.acceptance[c];
    acceptRate = use.length ? s / use.length : NaN;
  }
  if (use.length === 0 || draws.iters < 4) {
    const zeros = new Array(d).fill(0);
    return {
      ...base,
      essPerDim: zeros,
      essMin: 0,
      essBulkPerDim: zeros,
      essBulkMin: 0,
      essTailPerDim: zeros,
      essTailMin: 0,
      essWithinPerDim: zeros,
      essWithinMin: 0,
      essPerSec: 0,
      acceptRate,
      meanError: NaN,
      covError: NaN,
      covErrorWhitened: NaN,
      distance: NaN,
    };
  }
  const series = Array.from({ length: d }, (_, j) => use.map((c) => chainSeries(draws, c, j)));
  const essPerDim = series.map((cs) => essChains(cs));
  const essMin = Math.min(...essPerDim);
  const essBulkPerDim = series.map(essBulk);
  const essTailPerDim = series.map(essTail);
  const essWithinPerDim = series.map((cs) => cs.reduce((sum, s) => sum + (essChains([s]) || 0), 0));
  const all = pooledDraws(draws, use, Infinity);
  const mean = sampleMean(all, d);
  const cov = sampleCovariance(all, d);
  let me = 0;
  for (let j = 0; j < d; j++) me += (mean[j] - target.mean[j]) ** 2;
  let ce = 0;
  let cn = 0;
  for (let k = 0; k < d * d; k++) {
    ce += (cov[k] - target.cov[k]) ** 2;
    cn += target.cov[k] ** 2;
  }
  const pts = pooledDraws(draws, use, opts.distancePoints ?? 2000);
  const distance = slicedWasserstein(pts, target.reference, d, createRng(opts.seed ?? 7));
  return {
    ...base,
    essPerDim,
    essMin,
    essBulkPerDim,
    essBulkMin: Math.min(...essBulkPerDim),
    essTailPerDim,
    essTailMin: Math.min(...essTailPerDim),
    essWithinPerDim,
    essWithinMin: Math.min(...essWithinPerDim),
    essPerSec: opts.seconds > 0 ? essMin / opts.seconds : NaN,
    acceptRate,
    meanError: Math.sqrt(me),
    covError: Math.sqrt(ce / cn),
    covErrorWhitened: whitenedCovError(cov, target.cov, d),
    distance,
  };
}

/** Sliced Wasserstein-2 distance between the current positions of the chains in `use` and exact samples. */
export function crossSectionDistance(positions: Float32Array, use: readonly number[], target: SamplerTarget, seed = 7): number {
  const d = target.dim;
  if (use.length === 0) return NaN;
  const pts = new Float64Array(use.length * d);
  use.forEach((c, s) => {
    for (let j = 0; j < d; j++) pts[s * d + j] = positions[c * d + j];
  });
  return slicedWasserstein(pts, target.reference, d, createRng(seed), 32);
}

/**
 * Autocorrelation of each coordinate at lags 0..maxLag, the mean over the chains in `use` of each chain's own
 * (the core's FFT estimate; what the trace-plot panel shows).
 */
export function autocorrelation(draws: Draws, use: readonly number[], maxLag: number): number[][] {
  const L = Math.min(maxLag, draws.iters - 1);
  return Array.from({ length: draws.dim }, (_, j) => {
    const acc = new Float64Array(L + 1);
    let used = 0;
    for (const c of use) {
      const r = chainAutocorrelation(chainSeries(draws, c, j), L);
      if (!Number.isFinite(r[1] ?? 0)) continue;
      for (let k = 0; k <= L; k++) acc[k] += r[k];
      used++;
    }
    return Array.from(acc, (a) => (used ? a / used : NaN));
  });
}

/** Histogram of coordinate j over the chains in `use`, as a density on `bins` equal bins over [lo, hi]. */
export function marginalHistogram(draws: Draws, use: readonly number[], j: number, lo: number, hi: number, bins: number): number[] {
  const counts = new Array(bins).fill(0);
  const w = (hi - lo) / bins;
  let total = 0;
  for (let t = 0; t < draws.iters; t++) {
    for (const c of use) {
      const v = draws.data[(t * draws.chains + c) * draws.dim + j];
      total++;
      const b = Math.floor((v - lo) / w);
      if (b >= 0 && b < bins) counts[b]++;
    }
  }
  return counts.map((k) => (total ? k / (total * w) : 0));
}
