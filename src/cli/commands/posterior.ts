/**
 * `tweedie posterior`: the Uncertainty lab (issue 4) headless. For each noisy point x̃ (`--at X,Y`, repeatable), the
 * Tweedie posterior mean x̃ + σ² s1 and covariance σ⁴ s2 + σ² I (MATH.md sections 1 and 4) from a trained model
 * (`--model run.json`: its s2 head, or `--hessian autodiff` for the Jacobian of its s1) or from the exact scores
 * (`--exact`), next to the exact posterior moments and the Wasserstein-2 distance between the two Gaussians.
 *
 * JSON (`--json`): an array with one object per point,
 * `{x, mean, cov, exactMean, exactCov, w2, kl, minEigenvalue, psd, source, sigma, density, autodiff?, samples?}`;
 * covariances are nested rows; `kl` (exact ‖ approximation) is null when the predicted covariance is not positive
 * definite (every other field is a finite number, or the command fails saying which is not); `autodiff` holds the autodiff estimate when the main one is the direct s2 head.
 */
import { existsSync, readFileSync } from 'node:fs';
import { densityFromGmm, densityScale, getDensity } from '../../core/densities/index.ts';
import { BudgetError } from '../../core/budgets.ts';
import { parseGmmJson } from '../../core/gmm.ts';
import { approximationError, tweedieMoments } from '../../core/uncertainty.ts';
import type { Density } from '../../core/types.ts';
import type { ApproxBatch } from '../../core/uncertainty.ts';
import type { DensityRef } from '../../engine/jobs/samplers.ts';
import type { PosteriorResult } from '../../engine/jobs/posterior.ts';
import { numberList, seedFlag, SIGMA_RANGE, UsageError, type FlagSpecs, type ParsedFlags } from '../args.ts';
import { densityRefFlag } from '../densityFlag.ts';
import type { CliCommand } from '../command.ts';

/** σ used with --exact when --sigma is not given (the Scores lab's default training σ). */
export const DEFAULT_EXACT_SIGMA = 0.3;

const flags: FlagSpecs = {
  model: { type: 'string', help: 'a trained score model (run.json of `tweedie train`, or a model saved by the Scores lab)' },
  exact: { type: 'boolean', help: 'use the exact scores of the density instead of a model' },
  density: { type: 'string', help: 'a built-in density (see `tweedie densities`) or a mixture JSON file (default: the model file\'s, else gmm2)' },
  at: { type: 'string', repeat: true, help: 'a noisy point "X,Y" (D numbers for a D-dimensional density); repeat for more points' },
  sigma: { type: 'number', help: `noise level σ (default: the model's; ${DEFAULT_EXACT_SIGMA} with --exact)`, ...SIGMA_RANGE },
  hessian: { type: 'string', choices: ['direct', 'autodiff'], help: "with --model: the s2 head (direct, default when the model has one) or the Jacobian of s1" },
  samples: { type: 'int', help: 'exact posterior samples to print per point', default: 0, min: 0, max: 100000 },
  seed: seedFlag('seed of the posterior samples', 1),
};

/** How far out a noisy point may lie, in multiples of the larger of the density's scale and σ. */
export const POINT_RANGE = 1000;

/**
 * Parses "X,Y" (or D comma-separated numbers) of a D-dimensional density, each coordinate within ±`bound` (farther
 * out the posterior moments overflow: at 1e300 every number would be null).
 */
export function parsePoint(s: string, d: number, bound = Infinity): number[] {
  const n = s.split(',').length;
  if (n !== d) throw new UsageError(`--at "${s}" has ${n} coordinate(s) but the density is ${d}-D`);
  const x = numberList('--at', s, d);
  if (x.some((v) => Math.abs(v) > bound)) {
    throw new UsageError(`--at "${s}": each coordinate must be within ±${Number(bound.toPrecision(3))} (${POINT_RANGE} × the larger of the density's scale and σ); farther out the posterior moments overflow`);
  }
  return x;
}

function readJson(path: string, flag: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${flag}: no file "${path}"`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${flag}: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

function densityOf(name: string): { ref: DensityRef; density: Density } {
  const ref = densityRefFlag(name);
  try {
    return { ref, density: typeof ref === 'string' ? getDensity(ref) : densityFromGmm(name, parseGmmJson(ref.json)) };
  } catch (e) {
    if (e instanceof BudgetError) throw new BudgetError(e.budget, `--density ${name}: ${e.message}`);
    throw new UsageError(`--density: ${(e as Error).message}`);
  }
}

/**
 * The density a run file names (`density` of `tweedie train --out`: a registry name or a mixture JSON), else gmm2.
 * Runs trained on uploaded points need --density.
 */
function densityOfRun(model: unknown): { ref: DensityRef; density: Density } {
  const d = (model as { density?: unknown } | undefined)?.density;
  if (d === undefined || typeof d === 'string') return densityOf(typeof d === 'string' ? d : 'gmm2');
  const o = d as { json?: unknown; name?: unknown };
  if (typeof o.json === 'string') {
    try {
      const name = typeof o.name === 'string' ? o.name : 'custom';
      return { ref: { json: o.json, name }, density: densityFromGmm(name, parseGmmJson(o.json)) };
    } catch (e) {
      throw new UsageError(`--model: the density stored in the run file is invalid (${(e as Error).message}); give --density`);
    }
  }
  throw new UsageError('--model: the run was trained on uploaded points; give the density to compare with, --density NAME|FILE.json');
}

const rows = (a: ArrayLike<number>, d: number): number[][] => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => a[i * d + j]));
/** The KL is null (not applicable) where the predicted covariance is not positive definite; otherwise a number. */
const klOrNull = (kl: number, minEigenvalue: number): number | null => (minEigenvalue > 0 ? kl : null);

/** One point's estimate from a batch of the job's result. */
function pick(b: ApproxBatch, k: number, d: number) {
  return {
    mean: Array.from(b.mean.subarray(k * d, (k + 1) * d)),
    cov: rows(b.cov.subarray(k * d * d, (k + 1) * d * d), d),
    w2: b.w2[k],
    kl: klOrNull(b.kl[k], b.minEigenvalue[k]),
    minEigenvalue: b.minEigenvalue[k],
    psd: b.psd[k] === 1,
  };
}

export interface PosteriorPointJson {
  x: number[];
  mean: number[];
  cov: number[][];
  exactMean: number[];
  exactCov: number[][];
  w2: number | null;
  kl: number | null;
  minEigenvalue: number;
  psd: boolean;
  /** Where mean and cov come from: the model's s2 head, the Jacobian of its s1, or the exact scores. */
  source: 'learned' | 'autodiff' | 'exact';
  sigma: number;
  density: string;
  autodiff?: ReturnType<typeof pick>;
  samples?: number[][];
}

/** The per-point JSON of the command from the job's result (pure; exported for tests). */
export function posteriorPoints(r: PosteriorResult, source: 'learned' | 'autodiff' | 'exact', density: Density): PosteriorPointJson[] {
  const d = r.dim;
  const noisy = source === 'exact' ? density.noisy(r.sigma) : null;
  const out: PosteriorPointJson[] = [];
  for (let k = 0; k < r.n; k++) {
    const x = Array.from(r.points.subarray(k * d, (k + 1) * d));
    const exactMean = r.exact.mean.subarray(k * d, (k + 1) * d);
    const exactCov = r.exact.cov.subarray(k * d * d, (k + 1) * d * d);
    let main: ReturnType<typeof pick>;
    if (noisy) {
      // Tweedie's formula on the exact s1, s2: equal to the exact moments up to rounding (the identity of MATH.md 1).
      const t = tweedieMoments(x, noisy.s1(x), noisy.s2(x), r.sigma);
      const e = approximationError(t, { mean: exactMean, cov: exactCov }, d);
      main = { mean: Array.from(t.mean), cov: rows(t.cov, d), w2: e.w2, kl: klOrNull(e.kl, e.minEigenvalue), minEigenvalue: e.minEigenvalue, psd: e.psd };
    } else {
      const batch = source === 'learned' ? r.learned : r.autodiff;
      if (!batch) throw new Error(`no ${source} estimate in the engine's answer`);
      main = pick(batch, k, d);
    }
    const point: PosteriorPointJson = {
      x,
      mean: main.mean,
      cov: main.cov,
      exactMean: Array.from(exactMean),
      exactCov: rows(exactCov, d),
      w2: main.w2,
      kl: main.kl,
      minEigenvalue: main.minEigenvalue,
      psd: main.psd,
      source,
      sigma: r.sigma,
      density: r.density,
    };
    if (source === 'learned' && r.autodiff) point.autodiff = pick(r.autodiff, k, d);
    if (r.samples && r.samplesPerPoint > 0) {
      const m = r.samplesPerPoint;
      point.samples = Array.from({ length: m }, (_, s) => Array.from(r.samples!.subarray((k * m + s) * d, (k * m + s + 1) * d)));
    }
    out.push(point);
  }
  return out;
}

const f = (v: number | null): string => (v === null ? '∞' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4));
const vec = (a: number[]): string => `(${a.map(f).join(', ')})`;
const mat = (m: number[][]): string => `[${m.map((r) => r.map(f).join(' ')).join('; ')}]`;

function text(points: PosteriorPointJson[]): string {
  const lines: string[] = [];
  const p0 = points[0];
  lines.push(`${p0.density}, σ = ${p0.sigma}, estimate: ${p0.source === 'learned' ? 'learned s2 head' : p0.source === 'autodiff' ? 'autodiff of s1' : 'exact scores'}`);
  for (const p of points) {
    lines.push(`x̃ = ${vec(p.x)}`);
    lines.push(`  mean ${vec(p.mean)}  cov ${mat(p.cov)}${p.psd ? '' : `  NOT PSD (smallest eigenvalue ${f(p.minEigenvalue)})`}`);
    lines.push(`  exact mean ${vec(p.exactMean)}  cov ${mat(p.exactCov)}`);
    lines.push(`  W2 ${f(p.w2)}  KL ${f(p.kl)}` + (p.autodiff ? `   (autodiff: W2 ${f(p.autodiff.w2)}, KL ${f(p.autodiff.kl)}${p.autodiff.psd ? '' : ', NOT PSD'})` : ''));
  }
  const bad = points.filter((p) => !p.psd).length;
  if (bad) lines.push(`${bad} of ${points.length} predicted covariances are not positive semi-definite (W2 uses the clipped covariance).`);
  return lines.join('\n');
}

export const posteriorCommand: CliCommand = {
  name: 'posterior',
  summary: 'posterior mean and covariance of denoising at noisy points (Tweedie, learned or exact) against the exact posterior',
  flags,
  async run(fl: ParsedFlags, engine, out) {
    const modelPath = fl.model as string | undefined;
    const exact = fl.exact === true;
    if (!modelPath === !exact) throw new UsageError('give exactly one of --model run.json or --exact');
    const at = (fl.at as string[] | undefined) ?? [];
    if (at.length === 0) throw new UsageError('give at least one noisy point with --at X,Y');
    const model = modelPath ? readJson(modelPath, '--model') : undefined;
    const { ref, density } = fl.density !== undefined ? densityOf(fl.density as string) : densityOfRun(model);
    const modelSigma = (model as { spec?: { sigma?: unknown } } | undefined)?.spec?.sigma;
    const sigma = (fl.sigma as number | undefined) ?? (typeof modelSigma === 'number' ? modelSigma : DEFAULT_EXACT_SIGMA);
    if (!(sigma >= SIGMA_RANGE.min && sigma <= SIGMA_RANGE.max)) throw new UsageError(`--model: the model's σ must be in [${SIGMA_RANGE.min}, ${SIGMA_RANGE.max}], got ${String(sigma)}`);
    const bound = POINT_RANGE * Math.max(densityScale(density), sigma);
    const points = at.flatMap((s) => parsePoint(s, density.dim, bound));
    const hessian = fl.hessian as 'direct' | 'autodiff' | undefined;
    if (hessian && exact) throw new UsageError('--hessian applies to --model only');
    const r = await engine.run('posterior', {
      density: ref,
      sigma,
      points,
      ...(model !== undefined ? { model: { kind: 'model' as const, model } } : {}),
      samples: fl.samples as number,
      samplePoints: at.length,
      seed: fl.seed as number,
    });
    let source: 'learned' | 'autodiff' | 'exact' = 'exact';
    if (!exact) {
      if (hessian === 'direct' && !r.learned) throw new UsageError('--hessian direct: this model has no s2 head (s2 = none)');
      source = hessian === 'autodiff' || !r.learned ? 'autodiff' : 'learned';
    }
    const result = posteriorPoints(r, source, density);
    out.result(result, () => text(result));
  },
};
