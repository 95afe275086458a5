/**
 * `tweedie energy train|blind|posterior`: the Inverse-problems lab (issue 7) headless.
 *
 * - `energy train --density D [--no-acsm] --steps N --seed K --out energy.json --json` trains a normalised energy
 *   model (A-DSM + A-CSM, or A-DSM alone) with a cosine learning-rate decay over the N steps, normalises it at
 *   the large-Σ anchor and prints `{losses, normalization: [{sigma1, sigma2, mass}], logZ, ...}` (mass = the
 *   grid integral of exp(−U − log Z) at Σ = diag(σ1², σ2²)).
 * - `energy blind --model energy.json --true-sigma S1,S2 --points N --seed K --json` prints
 *   `{estimate: [s1, s2], truth: [S1, S2], exactEstimate}` (standard deviations; argmax of Σ_n log p(y_n | Σ)).
 * - `energy posterior --model energy.json --observe x1=V | x2=V | y=Y1,Y2 [--H h11,h12,h21,h22 --noise S]
 *   --corrector ula|mala --steps N --json` prints the sliced W1 distance of the annealed sampler's output to the
 *   exact posterior p(x | y), its noise floor, and MALA's acceptance rate.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { numberList, seedFlag, sigmaFlag, SIGMA_RANGE, strictNumber, UsageError, type ParsedFlags } from '../args.ts';
import { densityRefFlag } from '../densityFlag.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { checkBudget } from '../../core/budgets.ts';
import type { EngineClient } from '../../engine/client.ts';
import { InputError } from '../../engine/job.ts';
import { annealedEvaluations, buildProblem, type EnergyRef, type ProblemSpec } from '../../engine/jobs/energy.ts';
import type { DensityRef } from '../../engine/jobs/samplers.ts';
import { energyParameterCount } from '../../models/energy/model.ts';
import type { SerializedEnergyModel } from '../../models/energy/serialize.ts';

function readModel(path: unknown): SerializedEnergyModel {
  if (typeof path !== 'string' || path === '') throw new UsageError('--model is required: an energy model file written by `tweedie energy train --out`');
  if (!existsSync(path)) throw new UsageError(`--model: no file "${path}"`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SerializedEnergyModel;
  } catch (e) {
    throw new UsageError(`--model: "${path}" is not JSON (${(e as Error).message})`);
  }
}

/** A list flag's `count` numbers, read strictly (the flag's value is a string, or the items of a `list` flag). */
function numbers(flag: string, v: unknown, count: number, bounds: { min?: number; max?: number } = {}): number[] {
  return numberList(`--${flag}`, Array.isArray(v) ? v.join(',') : String(v), count, bounds);
}

const fmt = (v: number | null | undefined, p = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(p));

export interface EnergyTrainCliResult {
  backend: string;
  density: string;
  acsm: boolean;
  steps: number;
  seconds: number;
  /** Mean batch losses over the last min(100, steps) steps, and a thinned history. */
  losses: { total: number; adsm: number; acsm: number; history: { step: number; total: number; adsm: number; acsm: number }[] };
  logZ: number;
  normalization: { sigma1: number; sigma2: number; mass: number }[];
  /** The exact energy's masses on the same grids (≈ 1: the quadrature check). */
  exactNormalization: { sigma1: number; sigma2: number; mass: number }[];
}

export const energyTrainCommand: CliCommand = {
  name: 'energy train',
  summary: 'train a normalised energy model U(y, Σ) with A-DSM + A-CSM (or A-DSM alone) and check its normaliser across Σ',
  flags: {
    density: { type: 'string', help: 'a built-in Gaussian mixture (gmm2, ring8, ...) or a mixture JSON file', default: 'gmm2' },
    'no-acsm': { type: 'boolean', help: 'train A-DSM alone (the ablation: the normaliser then drifts with Σ)' },
    family: { type: 'string', choices: ['diag', 'full'], help: 'covariance family: diagonal Σ, or full 2×2 SPD Σ', default: 'diag' },
    width: { type: 'int', help: 'hidden units per layer', default: 32, min: 1, max: 512 },
    depth: { type: 'int', help: 'hidden layers', default: 3, min: 1, max: 6 },
    act: { type: 'string', choices: ['silu', 'softplus', 'tanh'], help: 'activation (smooth: training differentiates ∇U)', default: 'silu' },
    steps: { type: 'int', help: 'training steps (the learning rate decays to 1% over them, cosine)', default: 3000, min: 1 },
    batch: { type: 'int', help: 'batch size', default: 256, min: 8, max: 8192 },
    lr: { type: 'number', help: 'Adam learning rate', default: 2e-3, min: 1e-6, max: 1 },
    seed: seedFlag('seed of the weights and the training samples', 1),
    grid: { type: 'int', help: 'grid points per axis for the normalisation integrals', default: 160, min: 20, max: 400 },
    out: { type: 'string', help: 'write the model (weights, log Z, training info) to this JSON file' },
  },
  async run(flags: ParsedFlags, engine: EngineClient, out: CliOutput) {
    const steps = flags.steps as number;
    checkBudget('trainingSteps', steps, 'use fewer --steps');
    const parameters = energyParameterCount({ family: flags.family as 'diag' | 'full', width: flags.width as number, depth: flags.depth as number });
    checkBudget('stepWork', (flags.batch as number) * parameters, `use a smaller --batch, --width or --depth (this model has ${parameters.toLocaleString('en-US')} parameters)`);
    checkBudget('gridWork', (flags.grid as number) ** 2 * parameters, `use a smaller --grid, --width or --depth (this model has ${parameters.toLocaleString('en-US')} parameters)`);
    const density = densityRefFlag(flags.density as string);
    const acsm = flags['no-acsm'] !== true;
    const session = 'cli-energy';
    const created = await engine.run('energy.create', {
      session,
      density,
      acsm,
      family: flags.family as 'diag' | 'full',
      width: flags.width as number,
      depth: flags.depth as number,
      activation: flags.act as 'silu' | 'softplus' | 'tanh',
      batch: flags.batch as number,
      lr: flags.lr as number,
      seed: flags.seed as number,
      decaySteps: steps,
    });
    out.info(`energy train: ${typeof density === 'string' ? density : density.name}, ${acsm ? 'A-DSM + A-CSM' : 'A-DSM only'}, ${created.parameters} parameters, backend ${created.backend}`);
    const t0 = performance.now();
    const res = await engine.run('energy.steps', { session, steps }, { onProgress: (p) => out.progress(p.done / p.of, `A-DSM ${fmt(p.losses.adsm, 3)}  A-CSM ${fmt(p.losses.acsm, 3)}`) });
    const seconds = (performance.now() - t0) / 1000;
    out.progress(1);
    if (res.diverged) throw new Error(`training diverged: the loss became NaN or infinite after ${res.step} steps (the learning rate --lr ${flags.lr as number} is too large for this model and batch); lower --lr`);
    const norm = await engine.run('energy.normalize', { models: [{ session }], grid: flags.grid as number });
    const tail = res.history.filter((h) => h.step > res.step - Math.min(100, res.step));
    const mean = (k: 'total' | 'adsm' | 'acsm') => tail.reduce((s, h) => s + h[k], 0) / Math.max(1, tail.length);
    const thinned = res.history.filter((_, i) => i % Math.max(1, Math.ceil(res.history.length / 50)) === 0);
    const result: EnergyTrainCliResult = {
      backend: created.backend,
      density: typeof density === 'string' ? density : (density.name ?? 'custom'),
      acsm,
      steps: res.step,
      seconds,
      losses: { total: mean('total'), adsm: mean('adsm'), acsm: mean('acsm'), history: thinned },
      logZ: norm.models[0].logZ,
      normalization: norm.models[0].rows,
      exactNormalization: norm.exact,
    };
    if (flags.out) {
      const file = await engine.run('energy.export', { session });
      writeFileSync(flags.out as string, JSON.stringify(file) + '\n');
      out.info(`wrote ${flags.out as string}`);
    }
    await engine.run('energy.dispose', { session });
    out.result(result, () =>
      [
        `${result.density} ${acsm ? 'A-DSM + A-CSM' : 'A-DSM only'}: ${res.step} steps in ${seconds.toFixed(1)} s on ${created.backend}; last-100 losses A-DSM ${fmt(result.losses.adsm)} A-CSM ${fmt(result.losses.acsm)}; log Z ${fmt(result.logZ)}`,
        'grid mass ∫exp(−U−log Z) (exact energy in brackets):',
        ...result.normalization.map((r, i) => `  σ = (${r.sigma1}, ${r.sigma2}): ${fmt(r.mass)} [${fmt(result.exactNormalization[i].mass)}]`),
      ].join('\n'),
    );
  },
};

export const energyBlindCommand: CliCommand = {
  name: 'energy blind',
  summary: 'blind estimation: argmax over (σ1, σ2) of Σ_n log pθ(y_n | Σ) for points sharing an unknown Σ (learned vs exact)',
  flags: {
    model: { type: 'string', help: 'energy model file (from `tweedie energy train --out`)' },
    'true-sigma': { type: 'list', help: `true standard deviations S1,S2 of Σ = diag(S1², S2²), each in [${SIGMA_RANGE.min}, ${SIGMA_RANGE.max}]` },
    points: { type: 'int', help: 'observations sharing Σ', default: 256, min: 1, max: 20000 },
    seed: seedFlag('seed of the observations', 1),
    'grid-min': sigmaFlag('smallest σ of the log grid', 0.01),
    'grid-max': sigmaFlag('largest σ of the log grid', 10),
    'grid-n': { type: 'int', help: 'grid points per axis', default: 41, min: 3, max: 101 },
  },
  async run(flags: ParsedFlags, engine: EngineClient, out: CliOutput) {
    const file = readModel(flags.model);
    if (flags['true-sigma'] === undefined) throw new UsageError('--true-sigma S1,S2 is required');
    const truth = numbers('true-sigma', flags['true-sigma'], 2, SIGMA_RANGE) as [number, number];
    if (!((flags['grid-min'] as number) < (flags['grid-max'] as number))) throw new UsageError('--grid-min must be smaller than --grid-max');
    const res = await engine.run(
      'energy.blind',
      { model: { file }, truth, points: flags.points as number, seed: flags.seed as number, grid: { min: flags['grid-min'] as number, max: flags['grid-max'] as number, n: flags['grid-n'] as number } },
      { onProgress: (p) => out.progress(p.row / p.of) },
    );
    out.progress(1);
    const result = { estimate: res.estimate, truth: res.truth, exactEstimate: res.exactEstimate, points: flags.points as number };
    out.result(result, () =>
      `truth σ = (${fmt(truth[0])}, ${fmt(truth[1])})   learned estimate (${fmt(res.estimate[0])}, ${fmt(res.estimate[1])})   exact-likelihood estimate (${fmt(res.exactEstimate[0])}, ${fmt(res.exactEstimate[1])})`,
    );
  },
};

/** Largest |entry| of the forward operator --H. */
const H_RANGE = 1e3;

/**
 * Refuses an observation that puts y far outside the model's data (the engine's range check, run here first so the
 * message names --observe), when the model file states its data statistics.
 */
function checkObservation(problem: ProblemSpec, file: SerializedEnergyModel, observe: string): void {
  const spec = file.spec as Partial<SerializedEnergyModel['spec']> | undefined;
  const finite = (a: unknown, n: number): boolean => Array.isArray(a) && a.length === n && a.every(Number.isFinite);
  if (!spec || !finite(spec.center, 2) || !finite(spec.dataCov, 3)) return; // the engine refuses such a file itself
  try {
    buildProblem(problem, { center: spec.center!, dataCov: spec.dataCov! });
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(`--observe ${observe}: ${e.message.replace(/^inverse problem: /, '')}`);
    throw e;
  }
}

/** `--observe x1=V | x2=V | y=Y1,Y2` as a problem. */
export function parseObserve(observe: string, flags: ParsedFlags): ProblemSpec {
  const m = /^\s*(x1|x2|y)\s*=\s*(.+)$/.exec(observe);
  if (!m) throw new UsageError(`--observe must be x1=V (x2 missing), x2=V (x1 missing) or y=Y1,Y2 (with --H and --noise); got "${observe}"`);
  if (m[1] === 'y') {
    const y = numbers('observe y=', m[2], 2) as [number, number];
    return { kind: 'linear', H: numbers('H', flags.H ?? '1,0,0,1', 4, { min: -H_RANGE, max: H_RANGE }), noise: flags.noise as number, y };
  }
  const value = strictNumber(`--observe ${m[1]}=`, m[2], { type: 'number' });
  return { kind: 'inpaint', axis: m[1] === 'x1' ? 0 : 1, value, obsSigma: flags['obs-sigma'] as number, missingSigma: flags['missing-sigma'] as number };
}

export const energyPosteriorCommand: CliCommand = {
  name: 'energy posterior',
  summary: 'posterior sampling for an inverse problem with the energy prior: annealed Σ with ULA or MALA correctors, vs the exact p(x | y)',
  flags: {
    model: { type: 'string', help: 'energy model file (from `tweedie energy train --out`)' },
    exact: { type: 'boolean', help: 'use the exact energy of the model’s density instead of the model (the sampler’s own error)' },
    observe: { type: 'string', help: 'x1=V: x1 observed (tiny variance), x2 missing; x2=V: the reverse; y=Y1,Y2: y = Hx + noise·v' },
    H: { type: 'list', help: `the 2×2 forward operator for --observe y=..., row-major h11,h12,h21,h22 (each in [-${H_RANGE}, ${H_RANGE}])`, default: '1,0,0,1' },
    noise: sigmaFlag('noise standard deviation σ of y = Hx + σv', 0.1),
    'obs-sigma': sigmaFlag('standard deviation of the observed coordinate (inpainting)', 0.01),
    'missing-sigma': sigmaFlag('standard deviation standing for the missing coordinate (inpainting)', 10),
    corrector: { type: 'string', choices: ['ula', 'mala'], help: 'corrector kind', default: 'mala' },
    steps: { type: 'int', help: 'corrector steps per level', default: 4, min: 0, max: 100 },
    levels: { type: 'int', help: 'annealing levels (predictor steps)', default: 20, min: 1, max: 500 },
    'step-size': { type: 'number', help: 'corrector step ε (proposal covariance ε P)', default: 0.5, min: 1e-4, max: 10 },
    schedule: { type: 'string', choices: ['geometric', 'energy'], help: 'Σ schedule: geometric, or energy-guided δΣ ∝ −Σ ∇_Σ U Σ', default: 'geometric' },
    chains: { type: 'int', help: 'independent chains (= samples)', default: 1000, min: 2, max: 20000 },
    seed: seedFlag('seed', 1),
  },
  async run(flags: ParsedFlags, engine: EngineClient, out: CliOutput) {
    checkBudget('modelChainSteps', annealedEvaluations(flags.chains as number, flags.levels as number, [flags.steps as number]), 'use fewer --chains, --levels or --steps');
    const file = readModel(flags.model);
    if (typeof flags.observe !== 'string') throw new UsageError('--observe is required: x1=V, x2=V or y=Y1,Y2');
    const problem = parseObserve(flags.observe, flags);
    checkObservation(problem, file, flags.observe);
    const model: EnergyRef = flags.exact === true ? { exact: (file.training?.density ?? 'gmm2') as DensityRef } : { file };
    const corrector = flags.corrector as 'ula' | 'mala';
    const res = await engine.run(
      'energy.posterior',
      {
        model,
        problem,
        corrector,
        correctorSteps: flags.steps as number,
        levels: flags.levels as number,
        stepSize: flags['step-size'] as number,
        chains: flags.chains as number,
        seed: flags.seed as number,
        schedule: flags.schedule as 'geometric' | 'energy',
      },
      { onProgress: (p) => out.progress(p.level / p.of) },
    );
    out.progress(1);
    if (res.diverged > 0) out.info(`warning: chains reached a non-finite value ${res.diverged} times (each reset to the observation); a smaller --step-size avoids it`);
    const n = res.samples.length / 2;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      m1 += res.samples[2 * i] / n;
      m2 += res.samples[2 * i + 1] / n;
    }
    const result = {
      energy: flags.exact === true ? 'exact' : 'model',
      corrector,
      steps: flags.steps as number,
      levels: flags.levels as number,
      schedule: flags.schedule as string,
      distance: res.distance,
      noiseFloor: res.noiseFloor,
      acceptance: Number.isFinite(res.acceptance) ? res.acceptance : null,
      diverged: res.diverged,
      sampleMean: [m1, m2],
      y: res.y,
      sigmaY: res.sigmaY,
    };
    out.result(result, () =>
      `${corrector.toUpperCase()} × ${flags.steps as number} per level, ${flags.levels as number} levels (${flags.schedule as string}): sliced W1 to the exact posterior ${fmt(res.distance)} (noise floor ${fmt(res.noiseFloor)}), acceptance ${fmt(res.acceptance, 3)}`,
    );
  },
};

export const energyCommands: CliCommand[] = [energyTrainCommand, energyBlindCommand, energyPosteriorCommand];
