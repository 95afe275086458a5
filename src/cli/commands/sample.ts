/**
 * `tweedie sample` (one sampler run with its metrics) and `tweedie sweep` (a grid of step sizes per sampler,
 * each sampler's min-ESS curve and best step): the Samplers lab (issue 5) headless. A sample whose every chain
 * diverged is an error (a smaller --step is the fix); in a sweep, such a step's survivor statistics print as null.
 * "ESS" without a qualifier is the ESS of the mean (ArviZ `method="mean"`, JSON `essMin`, `essPerDim`); the bulk
 * and tail ESS are `essBulk*` and `essTail*`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { seedFlag, SIGMA_RANGE, strictNumber, UsageError, type FlagSpecs, type ParsedFlags } from '../args.ts';
import { densityRefFlag } from '../densityFlag.ts';
import type { CliCommand } from '../command.ts';
import { checkBudget } from '../../core/budgets.ts';
import { MIN_KEPT_STEPS, type SampleResult, type ScoreSource, type SweepResult } from '../../engine/jobs/samplers.ts';
import { SAMPLER_KINDS, type SamplerKind } from '../../samplers/kernels.ts';
import { DEFAULT_MAX_WHITENED_ERROR, parseGrid, type SweepPoint } from '../../samplers/run.ts';

/** Most step sizes one sweep may try (N of --steps-grid LO:HI:N). */
export const MAX_GRID_STEPS = 100;

const common: FlagSpecs = {
  density: { type: 'string', help: 'a built-in density (see `tweedie densities`) or a mixture JSON file', default: 'gmm2' },
  score: { type: 'string', help: '"exact", or a saved model (run.json of `tweedie train`)', default: 'exact' },
  hessian: { type: 'string', choices: ['direct', 'autodiff'], help: 'learned models: the s2 head (direct) or the Jacobian of s1 (autodiff)' },
  sigma: { type: 'number', help: `exact scores of the noisy density at this σ (0: the density itself; else in [${SIGMA_RANGE.min}, ${SIGMA_RANGE.max}])`, default: 0, min: 0, max: SIGMA_RANGE.max },
  chains: { type: 'int', help: 'chains run in parallel', default: 100, min: 1, max: 100000 },
  steps: { type: 'int', help: 'kept iterations per chain (after burn-in; the split-chain ESS needs 8)', default: 2000, min: MIN_KEPT_STEPS, max: 1000000 },
  burn: { type: 'int', help: 'burn-in iterations per chain', default: 500, min: 0, max: 1000000 },
  seed: seedFlag('seed of the initial points and the noise (shared by every sampler)', 0),
  init: { type: 'string', choices: ['spread', 'target'], help: 'chains start spread over the plot window, or at exact draws of the target', default: 'spread' },
  clamp: { type: 'boolean', help: 'Ozaki: clamp the curvature at 0 (h ← min(h, 0))' },
};

function scoreSource(flags: ParsedFlags): ScoreSource {
  const s = flags.score as string;
  const hessian = flags.hessian as 'direct' | 'autodiff' | undefined;
  if (s === 'exact') {
    if (hessian) throw new UsageError('--hessian applies to learned models only (--score run.json)');
    const sigma = flags.sigma as number;
    if (sigma !== 0 && sigma < SIGMA_RANGE.min) throw new UsageError(`--sigma must be 0 (the density itself) or in [${SIGMA_RANGE.min}, ${SIGMA_RANGE.max}], got ${sigma}`);
    return { kind: 'exact', sigma };
  }
  if (!existsSync(s)) throw new UsageError(`--score must be "exact" or a model file; no file "${s}"`);
  let model: unknown;
  try {
    model = JSON.parse(readFileSync(s, 'utf8'));
  } catch (e) {
    throw new UsageError(`--score: ${s} is not valid JSON (${(e as Error).message})`);
  }
  return { kind: 'model', model, ...(hessian ? { hessian } : {}) };
}

/** Chain steps (chains × (burn-in + kept iterations)) of `runs` sampler runs, checked against the budget. */
function checkChainSteps(flags: ParsedFlags, runs: number, hint: string): void {
  checkBudget('chainSteps', runs * (flags.chains as number) * ((flags.burn as number) + (flags.steps as number)), hint);
}

/** `--steps-grid LO:HI:N`, each part a strict number (parseGrid then checks 0 < LO ≤ HI), N at most MAX_GRID_STEPS. */
export function stepsGridFlag(raw: string): { lo: number; hi: number; n: number } {
  const parts = raw.split(':');
  if (parts.length !== 3) throw new UsageError(`--steps-grid is LO:HI:N (e.g. 0.01:1:12), got "${raw}"`);
  strictNumber('--steps-grid LO', parts[0], { type: 'number' });
  strictNumber('--steps-grid HI', parts[1], { type: 'number' });
  strictNumber('--steps-grid N', parts[2], { type: 'int', min: 1, max: MAX_GRID_STEPS });
  try {
    return parseGrid(raw);
  } catch (e) {
    throw new UsageError(`--steps-grid: ${(e as Error).message}`);
  }
}

/** Statistics of the chains that did not diverge. */
type SurvivorStat = 'meanError' | 'covError' | 'covErrorWhitened' | 'distance' | 'essPerSec' | 'acceptRate';

/**
 * A sweep point as printed: where every chain diverged there is no sample to measure, so the statistics of the
 * survivors are null (not applicable) rather than NaN.
 */
function printedPoint(p: SweepPoint): Omit<SweepPoint, SurvivorStat> & Record<SurvivorStat, number | null> {
  return p.chainsUsed > 0 ? p : { ...p, meanError: null, covError: null, covErrorWhitened: null, distance: null, essPerSec: null, acceptRate: null };
}

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits);

const isOzaki = (kind: SamplerKind): boolean => kind.startsWith('ozaki');

/** One entry of `--samplers`: a sampler kind, or an Ozaki kind with ":clamp". */
export function samplerEntry(entry: string): { kind: SamplerKind; clamp: boolean } {
  const [kind, ...opts] = entry.split(':');
  if (!SAMPLER_KINDS.includes(kind as SamplerKind)) throw new UsageError(`--samplers: unknown sampler "${kind}" (known: ${SAMPLER_KINDS.join(', ')})`);
  if (opts.length === 0) return { kind: kind as SamplerKind, clamp: false };
  const ozakis = SAMPLER_KINDS.filter(isOzaki).join(', ');
  if (opts.length > 1 || opts[0] !== 'clamp') throw new UsageError(`--samplers: "${entry}": an entry is KIND or KIND:clamp (e.g. ozaki:clamp); ":clamp" is the only option`);
  if (!isOzaki(kind as SamplerKind)) throw new UsageError(`--samplers: "${entry}": only the Ozaki samplers (${ozakis}) have a curvature to clamp`);
  return { kind: kind as SamplerKind, clamp: true };
}

export const sampleCommand: CliCommand = {
  name: 'sample',
  summary: 'run one sampler (langevin, ozaki, ozaki-full, mala) and print ESS, errors and the distance to the target',
  flags: {
    ...common,
    sampler: { type: 'string', choices: SAMPLER_KINDS, help: 'the sampler', default: 'langevin' },
    step: { type: 'number', help: 'step size ε', default: 0.05, min: 0 },
  },
  async run(flags, engine, out) {
    if (!((flags.step as number) > 0)) throw new UsageError('--step must be > 0');
    if (flags.clamp === true && !isOzaki(flags.sampler as SamplerKind)) {
      throw new UsageError(`--clamp applies to the Ozaki samplers (${SAMPLER_KINDS.filter(isOzaki).join(', ')}) only, not ${flags.sampler as string}`);
    }
    checkChainSteps(flags, 1, 'use fewer --chains, --steps or --burn');
    const params = {
      density: densityRefFlag(flags.density as string),
      score: scoreSource(flags),
      sampler: flags.sampler as SamplerKind,
      step: flags.step as number,
      clamp: flags.clamp === true,
      chains: flags.chains as number,
      steps: flags.steps as number,
      burn: flags.burn as number,
      seed: flags.seed as number,
      init: flags.init as 'spread' | 'target',
    };
    const r: SampleResult = await engine.run('sample', params, { onProgress: (p) => out.progress(p.fraction, params.sampler) });
    out.progress(1);
    if (r.chainsUsed === 0) {
      throw new Error(`all ${r.diverged} chains diverged (the first at iteration ${r.firstDivergence}): the step size ε = ${r.step} is too large for this target; try a smaller --step`);
    }
    if (r.diverged > 0) out.info(`warning: ${r.diverged} of ${r.diverged + r.chainsUsed} chains diverged (left out of the statistics); a smaller --step keeps them`);
    out.result(r, () =>
      [
        `${r.sampler} ε=${r.step}: min ESS (of the mean) ${fmt(r.essMin)} (per dim ${r.essPerDim.map((v) => fmt(v)).join(', ')}), ${fmt(r.essPerSec)} ESS/s; within-chain min ESS ${fmt(r.essWithinMin)}`,
        `min bulk ESS ${fmt(r.essBulkMin)} (per dim ${r.essBulkPerDim.map((v) => fmt(v)).join(', ')}); min tail ESS ${fmt(r.essTailMin)} (per dim ${r.essTailPerDim.map((v) => fmt(v)).join(', ')})`,
        `mean error ${fmt(r.meanError)}, cov error ${fmt(r.covError)} (relative), ${fmt(r.covErrorWhitened)} (whitened), sliced W2 ${fmt(r.distance)}` + (r.acceptRate !== null ? `, acceptance ${fmt(r.acceptRate)}` : ''),
        `${r.diverged} of ${r.diverged + r.chainsUsed} chains diverged` + (r.firstDivergence !== null ? ` (first at iteration ${r.firstDivergence})` : ''),
      ].join('\n'),
    );
  },
};

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'min-ESS against step size for each sampler (the paper\'s step-size search) and each one\'s best step',
  flags: {
    ...common,
    samplers: { type: 'list', help: `samplers to compare (${SAMPLER_KINDS.join(', ')}; append :clamp to clamp one Ozaki's curvature)`, default: 'langevin,ozaki' },
    'steps-grid': { type: 'string', help: 'log-spaced step sizes LO:HI:N', default: '0.005:1:12' },
    criterion: { type: 'string', choices: ['ess', 'ess-within'], help: 'maximise the multi-chain min-ESS of the mean (MATH.md 3) or the within-chain one (local mixing)', default: 'ess' },
    'max-whitened-error': {
      type: 'number',
      help: 'a step counts as best only if its whitened covariance error ‖C^-1/2 Ĉ C^-1/2 − I‖₂ (the worst relative variance error along any direction) is at most this',
      default: DEFAULT_MAX_WHITENED_ERROR,
      min: 0,
    },
    'max-cov-error': { type: 'number', help: 'deprecated as the gate (the largest variance dominates it): also require a relative covariance error ‖Ĉ − C‖_F/‖C‖_F at most this; off unless given', min: 0 },
  },
  async run(flags, engine, out) {
    const raw = flags.samplers;
    const names = Array.isArray(raw) ? (raw as string[]) : String(raw).split(',');
    const samplers = names.map(samplerEntry).map(({ kind, clamp }) => ({ kind, clamp: clamp || (isOzaki(kind) && flags.clamp === true) }));
    const grid = stepsGridFlag(flags['steps-grid'] as string);
    checkChainSteps(flags, grid.n * samplers.length, 'use fewer --chains, --steps, --burn, samplers or step sizes (N of --steps-grid)');
    const params = {
      density: densityRefFlag(flags.density as string),
      score: scoreSource(flags),
      samplers,
      grid,
      chains: flags.chains as number,
      steps: flags.steps as number,
      burn: flags.burn as number,
      seed: flags.seed as number,
      init: flags.init as 'spread' | 'target',
      maxWhitenedError: flags['max-whitened-error'] as number,
      ...(flags['max-cov-error'] !== undefined ? { maxCovError: flags['max-cov-error'] as number } : {}),
      criterion: flags.criterion as 'ess' | 'ess-within',
    };
    const swept: SweepResult = await engine.run('sweep', params, {
      onProgress: (p) => out.progress(p.done / p.total, `${p.sampler} ε=${fmt(p.step)}`),
    });
    out.progress(1);
    const r = { ...swept, curves: swept.curves.map((c) => ({ ...c, points: c.points.map(printedPoint) })) };
    out.result(r, () => {
      const lines: string[] = [];
      for (const c of r.curves) {
        const what = c.criterion === 'ess-within' ? 'within-chain min ESS' : 'min ESS';
        const val = (p: (typeof c.points)[number] | null) => fmt(p ? (c.criterion === 'ess-within' ? p.essWithinMin : p.essMin) : null);
        lines.push(`${c.sampler}${c.clamp ? ' (clamped)' : ''}: best ε = ${c.best ? fmt(c.best.step) : '-'} (${what} ${val(c.best)}); ignoring bias: ε = ${c.bestUngated ? fmt(c.bestUngated.step) : '-'} (${what} ${val(c.bestUngated)})`);
        if (c.bestAtGridEdge && c.best) {
          const top = c.best.step === Math.max(...c.points.map((p) => p.step));
          lines.push(`  warning: the best step is the grid's ${top ? 'largest' : 'smallest'}; the optimum may lie beyond it (widen --steps-grid)`);
        }
        lines.push('  step      minESS    bulkESS   tailESS   withinESS ESS/s     covErr    whitened  SW2       diverged');
        for (const p of c.points) {
          lines.push(`  ${[p.step, p.essMin, p.essBulkMin, p.essTailMin, p.essWithinMin, p.essPerSec, p.covError, p.covErrorWhitened, p.distance].map((v) => fmt(v).padEnd(9)).join(' ')} ${p.diverged}`);
        }
      }
      return lines.join('\n');
    });
  },
};
