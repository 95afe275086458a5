/**
 * `tweedie sample` (one sampler run with its metrics) and `tweedie sweep` (a grid of step sizes per sampler,
 * each sampler's min-ESS curve and best step): the Samplers lab (issue 5) headless.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError, type FlagSpecs, type ParsedFlags } from '../args.ts';
import { densityRefFlag } from '../densityFlag.ts';
import type { CliCommand } from '../command.ts';
import type { SampleResult, ScoreSource, SweepResult } from '../../engine/jobs/samplers.ts';
import { SAMPLER_KINDS, type SamplerKind } from '../../samplers/kernels.ts';
import { parseGrid } from '../../samplers/run.ts';

const common: FlagSpecs = {
  density: { type: 'string', help: 'a built-in density (see `tweedie densities`) or a mixture JSON file', default: 'gmm2' },
  score: { type: 'string', help: '"exact", or a saved model (run.json of `tweedie train`)', default: 'exact' },
  hessian: { type: 'string', choices: ['direct', 'autodiff'], help: 'learned models: the s2 head (direct) or the Jacobian of s1 (autodiff)' },
  sigma: { type: 'number', help: 'exact scores of the noisy density at this σ (0: the density itself)', default: 0, min: 0 },
  chains: { type: 'int', help: 'chains run in parallel', default: 100, min: 1, max: 100000 },
  steps: { type: 'int', help: 'kept iterations per chain (after burn-in)', default: 2000, min: 4, max: 1000000 },
  burn: { type: 'int', help: 'burn-in iterations per chain', default: 500, min: 0, max: 1000000 },
  seed: { type: 'int', help: 'seed of the initial points and the noise (shared by every sampler)', default: 0, min: 0 },
  init: { type: 'string', choices: ['spread', 'target'], help: 'chains start spread over the plot window, or at exact draws of the target', default: 'spread' },
  clamp: { type: 'boolean', help: 'Ozaki: clamp the curvature at 0 (h ← min(h, 0))' },
};

function scoreSource(flags: ParsedFlags): ScoreSource {
  const s = flags.score as string;
  const hessian = flags.hessian as 'direct' | 'autodiff' | undefined;
  if (s === 'exact') {
    if (hessian) throw new UsageError('--hessian applies to learned models only (--score run.json)');
    return { kind: 'exact', sigma: flags.sigma as number };
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

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits);

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
    out.result(r, () =>
      [
        `${r.sampler} ε=${r.step}: min ESS ${fmt(r.essMin)} (per dim ${r.essPerDim.map((v) => fmt(v)).join(', ')}), ${fmt(r.essPerSec)} ESS/s; within-chain min ESS ${fmt(r.essWithinMin)}`,
        `mean error ${fmt(r.meanError)}, cov error ${fmt(r.covError)}, sliced W2 ${fmt(r.distance)}` + (r.acceptRate !== null ? `, acceptance ${fmt(r.acceptRate)}` : ''),
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
    criterion: { type: 'string', choices: ['ess', 'ess-within'], help: 'maximise the multi-chain min-ESS (MATH.md 3) or the within-chain one (local mixing)', default: 'ess' },
    'max-cov-error': { type: 'number', help: 'a step counts as best only if its relative covariance error is at most this', default: 0.1, min: 0 },
  },
  async run(flags, engine, out) {
    const raw = flags.samplers;
    const names = Array.isArray(raw) ? (raw as string[]) : String(raw).split(',');
    const samplers = names.map((entry) => {
      const [kind, opt] = entry.split(':');
      if (!SAMPLER_KINDS.includes(kind as SamplerKind)) throw new UsageError(`--samplers: unknown sampler "${kind}" (known: ${SAMPLER_KINDS.join(', ')})`);
      if (opt !== undefined && opt !== 'clamp') throw new UsageError(`--samplers: "${entry}": the only option is ":clamp" (e.g. ozaki:clamp)`);
      return { kind: kind as SamplerKind, clamp: kind.startsWith('ozaki') && (opt === 'clamp' || flags.clamp === true) };
    });
    let grid: { lo: number; hi: number; n: number };
    try {
      grid = parseGrid(flags['steps-grid'] as string);
    } catch (e) {
      throw new UsageError(`--steps-grid: ${(e as Error).message}`);
    }
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
      maxCovError: flags['max-cov-error'] as number,
      criterion: flags.criterion as 'ess' | 'ess-within',
    };
    const r: SweepResult = await engine.run('sweep', params, {
      onProgress: (p) => out.progress(p.done / p.total, `${p.sampler} ε=${fmt(p.step)}`),
    });
    out.progress(1);
    out.result(r, () => {
      const lines: string[] = [];
      for (const c of r.curves) {
        const what = c.criterion === 'ess-within' ? 'within-chain min ESS' : 'min ESS';
        const val = (p: (typeof c.points)[number] | null) => fmt(p ? (c.criterion === 'ess-within' ? p.essWithinMin : p.essMin) : null);
        lines.push(`${c.sampler}${c.clamp ? ' (clamped)' : ''}: best ε = ${c.best ? fmt(c.best.step) : '-'} (${what} ${val(c.best)}); ignoring bias: ε = ${c.bestUngated ? fmt(c.bestUngated.step) : '-'} (${what} ${val(c.bestUngated)})`);
        lines.push('  step      minESS    withinESS ESS/s     covErr    SW2       diverged');
        for (const p of c.points) {
          lines.push(`  ${[p.step, p.essMin, p.essWithinMin, p.essPerSec, p.covError, p.distance].map((v) => fmt(v).padEnd(9)).join(' ')} ${p.diverged}`);
        }
      }
      return lines.join('\n');
    });
  },
};
