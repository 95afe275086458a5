/**
 * Engine jobs of the Inverse-problems lab (issue 7): normalised energy models U(y, Σ) in 2-D (MATH.md
 * section 5), always side by side with the exact energy −log p(y | Σ) of the Gaussian mixture they learn.
 *
 * - `energy.create`      a fresh model + trainer in a session (A-DSM + A-CSM, or A-DSM alone)
 * - `energy.steps`       N training steps with throttled progress (losses); cancel = pause
 * - `energy.normalize`   log Z from the large-Σ anchor, then the grid mass ∫ exp(−U − log Z) over a Σ sweep,
 *                        for any number of models (A-CSM vs A-DSM-only) and the exact energy
 * - `energy.landscape`   learned vs exact normalised energies on a grid at one Σ
 * - `energy.blind`       Σ_n log p(y_n | Σ) over a (σ1, σ2) log grid for a batch sharing a true Σ: learned and
 *                        exact surfaces, their argmaxes, the truth
 * - `energy.posterior`   annealed posterior sampling (ULA / MALA correctors, geometric / energy-guided schedule)
 *                        against the exact p(x | y): sliced W1, its noise floor, MALA's acceptance, the Σ path
 * - `energy.correctorSweep`  distance and acceptance per number of corrector steps, ULA vs MALA
 * - `energy.export` / `energy.import` / `energy.dispose`
 *
 * A model is named by an `EnergyRef`: a session key, a model file (JSON), or `{ exact: density }`.
 */
import { gmmPosterior, sampleGmm } from '../../core/gmm.ts';
import { expectedSlicedW1, slicedW1ToGmm } from '../../core/gmmDistance.ts';
import { makeGrid } from '../../core/grid.ts';
import { createRng } from '../../core/rng.ts';
import type { Density } from '../../core/types.ts';
import { ACTIVATIONS, type ActivationName } from '../../models/hyper.ts';
import { DEFAULT_BLIND_GRID, drawObservations, likelihoodSurface, type LogGrid } from '../../models/energy/blind.ts';
import { COV_FAMILIES, covMatrix, isSpd, type Cov2, type CovFamily } from '../../models/energy/covariance.ts';
import type { EnergyFunction } from '../../models/energy/energy.ts';
import { GmmEnergy } from '../../models/energy/exact.ts';
import { checkBudget } from '../../core/budgets.ts';
import { createEnergyModel, dataStatsOf, DEFAULT_ENERGY_SPEC, energyParameterCount, EnergyModel } from '../../models/energy/model.ts';
import { anchorLogZ, DEFAULT_SWEEP, energyOnGrid, normalizationSweep, windowFor, type MassRow } from '../../models/energy/normalization.ts';
import {
  annealedPosterior,
  CORRECTORS,
  inpaintingProblem,
  linearProblem,
  SCHEDULES,
  type Corrector,
  type InverseProblem,
  type PathPoint,
  type ScheduleKind,
} from '../../models/energy/posterior.ts';
import { deserializeEnergyModel, serializeEnergyModel, type SerializedEnergyModel } from '../../models/energy/serialize.ts';
import { EnergyTrainer, type EnergyStepLosses } from '../../models/energy/train.ts';
import { defineJob, InputError, type JobContext } from '../job.ts';
import type { SessionStore } from '../sessions.ts';
import { resolveDensity, type DensityRef } from './samplers.ts';

/** A training session held by the engine. */
export class EnergySession {
  readonly history: EnergyStepLosses[] = [];

  constructor(
    readonly model: EnergyModel,
    readonly trainer: EnergyTrainer | null,
    readonly density: Density,
    readonly densityRef: DensityRef,
    readonly acsm: boolean,
    readonly seed: number,
  ) {}

  dispose(): void {
    this.trainer?.dispose();
    this.model.dispose();
  }
}

/** A model: a session, a model file, or the exact energy of a density. */
export type EnergyRef = { session: string } | { file: SerializedEnergyModel; density?: DensityRef } | { exact: DensityRef };

interface Resolved {
  fn: EnergyFunction;
  density: Density;
  /** Mean and covariance the model was built with (or the density's, for the exact energy). */
  data: { center: [number, number]; dataCov: [number, number, number] };
  owned: boolean;
}

function gmmDensity(ref: DensityRef): Density {
  const d = resolveDensity(ref);
  if (d.dim !== 2 || !d.gmm) throw new InputError(`the inverse-problems lab needs a 2-D Gaussian mixture (its p(y | Σ) is closed form); "${d.name}" is not one`);
  return d;
}

function resolveEnergy(ref: EnergyRef, sessions: SessionStore): Resolved {
  if ('session' in ref) {
    const s = sessions.require<EnergySession>(ref.session, 'energy model');
    return { fn: s.model, density: s.density, data: s.model.spec, owned: false };
  }
  if ('exact' in ref) {
    const density = gmmDensity(ref.exact);
    return { fn: new GmmEnergy(density.gmm!), density, data: dataStatsOf(density), owned: true };
  }
  let loaded: ReturnType<typeof deserializeEnergyModel>;
  try {
    loaded = deserializeEnergyModel(ref.file);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const dref = ref.density ?? (loaded.training?.density as DensityRef | undefined);
  if (dref === undefined) {
    loaded.model.dispose();
    throw new InputError('the energy model file does not say which density it learned (training.density): pass the density too');
  }
  try {
    return { fn: loaded.model, density: gmmDensity(dref), data: loaded.model.spec, owned: true };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}

async function withEnergy<T>(ref: EnergyRef, sessions: SessionStore, f: (r: Resolved) => Promise<T>): Promise<T> {
  const r = resolveEnergy(ref, sessions);
  try {
    return await f(r);
  } finally {
    if (r.owned) r.fn.dispose();
  }
}

function checkInt(name: string, v: number | undefined, lo: number, hi: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) throw new InputError(`${name} must be an integer in ${lo}..${hi}, got ${v}`);
}

/** Grid points × parameters of one normalisation integral of a learned energy, checked against its budget. */
function checkGridWork(fn: EnergyFunction, grid: number): void {
  if (fn instanceof EnergyModel) checkBudget('gridWork', grid * grid * energyParameterCount(fn.spec), 'use a smaller grid, or a model of smaller width or depth');
}

function checkNumber(name: string, v: number | undefined, lo: number, hi: number): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)) throw new InputError(`${name} must be a number in [${lo}, ${hi}], got ${v}`);
}

// ---------------------------------------------------------------------------------------------------------
// Training

export interface EnergyCreateParams {
  session: string;
  density: DensityRef;
  /** Train with A-CSM (default true); false = the A-DSM-only ablation. */
  acsm?: boolean;
  family?: CovFamily;
  width?: number;
  depth?: number;
  activation?: ActivationName;
  lr?: number;
  batch?: number;
  seed?: number;
  /** Cosine learning-rate decay over this many steps (0: constant). */
  decaySteps?: number;
}

/** The trainer's default batch (EnergyTrainer), for the step-work budget when none is given. */
const DEFAULT_ENERGY_BATCH = 256;

export const energyCreate = defineJob<EnergyCreateParams, { session: string; spec: EnergyModel['spec']; parameters: number; backend: string }>(async (p, ctx) => {
  if (!p.session) throw new InputError('give the session a name');
  if (p.family !== undefined && !COV_FAMILIES.includes(p.family)) throw new InputError(`family must be one of ${COV_FAMILIES.join(', ')}`);
  if (p.activation !== undefined && (!ACTIVATIONS.includes(p.activation) || p.activation === 'relu')) {
    throw new InputError('activation must be softplus, tanh or silu (training differentiates ∇U again: a smooth activation is needed)');
  }
  checkInt('width', p.width, 1, 512);
  checkInt('depth', p.depth, 1, 6);
  checkInt('batch', p.batch, 8, 8192);
  checkNumber('lr', p.lr, 1e-6, 1);
  checkInt('decaySteps', p.decaySteps, 0, Number.MAX_SAFE_INTEGER);
  checkBudget('trainingSteps', p.decaySteps ?? 0, 'plan fewer training steps');
  const parameters = energyParameterCount({ family: p.family ?? DEFAULT_ENERGY_SPEC.family, width: p.width ?? DEFAULT_ENERGY_SPEC.width, depth: p.depth ?? DEFAULT_ENERGY_SPEC.depth });
  checkBudget('stepWork', (p.batch ?? DEFAULT_ENERGY_BATCH) * parameters, 'use a smaller batch, width or depth');
  const density = gmmDensity(p.density);
  const seed = p.seed ?? 1;
  const rng = createRng(seed);
  const model = createEnergyModel(density, rng, {
    ...(p.family ? { family: p.family } : {}),
    ...(p.width ? { width: p.width } : {}),
    ...(p.depth ? { depth: p.depth } : {}),
    ...(p.activation ? { activation: p.activation } : {}),
  });
  const acsm = p.acsm ?? true;
  const trainer = new EnergyTrainer(model, (r, n) => density.sample(r, n), rng.split(), {
    acsm,
    ...(p.lr ? { lr: p.lr } : {}),
    ...(p.batch ? { batch: p.batch } : {}),
    ...(p.decaySteps ? { decaySteps: p.decaySteps } : {}),
  });
  ctx.sessions.set(p.session, new EnergySession(model, trainer, density, p.density, acsm, seed));
  return { session: p.session, spec: model.spec, parameters: model.variables.reduce((s, v) => s + v.size, 0), backend: ctx.backend.name };
});

export interface EnergyStepsProgress {
  step: number;
  done: number;
  of: number;
  losses: EnergyStepLosses;
}

export interface EnergyStepsResult {
  step: number;
  /** Mean losses over the run's steps. */
  mean: { total: number; adsm: number; acsm: number };
  last: EnergyStepLosses | null;
  /** The session's loss history (at most 400 points, evenly thinned). */
  history: EnergyStepLosses[];
  diverged: boolean;
  cancelled: boolean;
}

function thin<T>(a: T[], max: number): T[] {
  if (a.length <= max) return a;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(a[Math.round((i * (a.length - 1)) / (max - 1))]);
  return out;
}

export const energySteps = defineJob<{ session: string; steps: number }, EnergyStepsResult, EnergyStepsProgress>(async (p, ctx) => {
  checkInt('steps', p.steps, 1, Number.MAX_SAFE_INTEGER);
  checkBudget('trainingSteps', p.steps, 'train fewer steps at a time');
  const s = ctx.sessions.require<EnergySession>(p.session, 'energy model');
  if (!s.trainer) throw new InputError(`session "${p.session}" holds a loaded model without a trainer: create one to train`);
  const sum = { total: 0, adsm: 0, acsm: 0 };
  let done = 0;
  let last: EnergyStepLosses | null = null;
  let diverged = false;
  let cancelled = false;
  for (; done < p.steps; ) {
    if (ctx.cancelled) {
      cancelled = true;
      break;
    }
    const l = await s.trainer.trainStep();
    if (!Number.isFinite(l.total)) {
      diverged = true;
      break;
    }
    done++;
    last = l;
    s.history.push(l);
    sum.total += l.total;
    sum.adsm += l.adsm;
    sum.acsm += l.acsm;
    ctx.progress({ step: l.step, done, of: p.steps, losses: l });
    if (done % 5 === 0) {
      try {
        await ctx.checkpoint();
      } catch {
        cancelled = true;
        break;
      }
    }
  }
  const k = Math.max(1, done);
  return {
    step: s.trainer.step,
    mean: { total: sum.total / k, adsm: sum.adsm / k, acsm: sum.acsm / k },
    last,
    history: thin(s.history, 400),
    diverged,
    cancelled,
  };
});

// ---------------------------------------------------------------------------------------------------------
// Normalisation and landscapes

export interface NormalizeResult {
  /** One entry per requested model, in order: its log Z (anchor) and the masses over the sweep. */
  models: { logZ: number; rows: MassRow[] }[];
  /** The exact energy's masses over the same sweep (≈ 1: the grid check). */
  exact: MassRow[];
}

export const energyNormalize = defineJob<{ models: EnergyRef[]; sweep?: [number, number][]; grid?: number; anchor?: number }, NormalizeResult>(async (p, ctx) => {
  if (!Array.isArray(p.models) || p.models.length === 0) throw new InputError('give at least one model');
  const sweep = p.sweep ?? DEFAULT_SWEEP.map((s) => [s[0], s[1]] as [number, number]);
  for (const [a, b] of sweep) if (!(a > 0 && b > 0)) throw new InputError('every Σ of the sweep needs positive σ1, σ2');
  checkInt('grid', p.grid, 20, 400);
  checkNumber('anchor', p.anchor, 1e-2, 1e4);
  const models: NormalizeResult['models'] = [];
  let density: Density | undefined;
  for (const ref of p.models) {
    models.push(
      await withEnergy(ref, ctx.sessions, async (r) => {
        checkGridWork(r.fn, p.grid ?? 160);
        density ??= r.density;
        const logZ = await anchorLogZ(r.fn, r.data, p.anchor ? { t: p.anchor } : {});
        if ('session' in ref) (r.fn as EnergyModel).logZ = logZ;
        await ctx.checkpoint();
        return { logZ, rows: await normalizationSweep(r.fn, { ...r.data, bounds: r.density.bounds }, sweep, p.grid ?? 160, logZ) };
      }),
    );
  }
  const exact = new GmmEnergy(density!.gmm!);
  const exactRows = await normalizationSweep(exact, { ...dataStatsOf(density!), bounds: density!.bounds }, sweep, p.grid ?? 160);
  return { models, exact: exactRows };
});

export interface LandscapeResult {
  xs: Float64Array;
  ys: Float64Array;
  /** Normalised energies U + log Z at the grid points (row = y index, x fastest), learned and exact. */
  learned: Float32Array;
  exact: Float32Array;
  logZ: number;
}

export const energyLandscape = defineJob<{ model: EnergyRef; sigma: Cov2; grid?: number; logZ?: number }, LandscapeResult>(async (p, ctx) => {
  if (!Array.isArray(p.sigma) || p.sigma.length !== 3 || !isSpd(p.sigma)) throw new InputError('sigma must be (a, b, c) of a positive definite 2×2 covariance');
  checkInt('grid', p.grid, 10, 300);
  return withEnergy(p.model, ctx.sessions, async (r) => {
    checkGridWork(r.fn, p.grid ?? 80);
    const logZ = p.logZ ?? (Number.isFinite(r.fn.logZ) ? r.fn.logZ : await anchorLogZ(r.fn, r.data));
    const g = makeGrid(windowFor(p.sigma, { ...r.data, bounds: r.density.bounds }, 4), p.grid ?? 80);
    const learned = await energyOnGrid(r.fn, p.sigma, g, logZ);
    const exact = await energyOnGrid(new GmmEnergy(r.density.gmm!), p.sigma, g, 0);
    return { xs: g.xs, ys: g.ys, learned, exact, logZ };
  });
});

// ---------------------------------------------------------------------------------------------------------
// Blind estimation

export interface BlindParams {
  model: EnergyRef;
  /** True standard deviations (σ1, σ2). */
  truth: [number, number];
  points: number;
  seed?: number;
  grid?: LogGrid;
}

export interface BlindResult {
  sigmas: Float64Array;
  /** Σ_n log pθ(y_n | Σ) (learned, normalised) and Σ_n log p(y_n | Σ) (exact), index j·n + i (σ2 row, σ1 column). */
  logLik: Float64Array;
  exactLogLik: Float64Array;
  estimate: [number, number];
  exactEstimate: [number, number];
  truth: [number, number];
  /** The observations, row-major. */
  y: Float64Array;
}

export const energyBlind = defineJob<BlindParams, BlindResult, { row: number; of: number }>(async (p, ctx) => {
  if (!Array.isArray(p.truth) || p.truth.length !== 2 || !p.truth.every((s) => s > 0 && Number.isFinite(s))) throw new InputError('truth must be two positive standard deviations (σ1, σ2)');
  checkInt('points', p.points, 1, 20000);
  const grid = p.grid ?? DEFAULT_BLIND_GRID;
  if (!(grid.min > 0 && grid.max > grid.min && Number.isInteger(grid.n) && grid.n >= 3 && grid.n <= 101)) throw new InputError('grid needs 0 < min < max and 3 ≤ n ≤ 101');
  return withEnergy(p.model, ctx.sessions, async (r) => {
    const y = drawObservations((rng, n) => r.density.sample(rng, n), p.truth, p.points, createRng(p.seed ?? 1));
    const learned = await likelihoodSurface(r.fn, y, grid, async (row) => {
      ctx.progress({ row: row + 1, of: 2 * grid.n });
      await ctx.checkpoint();
    });
    const exact = await likelihoodSurface(new GmmEnergy(r.density.gmm!), y, grid, async (row) => {
      ctx.progress({ row: grid.n + row + 1, of: 2 * grid.n });
      await ctx.checkpoint();
    });
    return {
      sigmas: learned.sigmas,
      logLik: learned.logLik,
      exactLogLik: exact.logLik,
      estimate: learned.estimate,
      exactEstimate: exact.estimate,
      truth: [p.truth[0], p.truth[1]],
      y,
    };
  });
});

// ---------------------------------------------------------------------------------------------------------
// Posterior sampling

/** An inverse problem, as plain data. */
export type ProblemSpec =
  | { kind: 'inpaint'; axis: 0 | 1; value: number; obsSigma?: number; missingSigma?: number }
  | { kind: 'linear'; H: number[]; noise: number; y: [number, number] };

/** How far from the data mean an observation may put y, in the data's standard deviations (farther, energies overflow). */
export const OBSERVATION_RANGE = 1000;

/** Mean and covariance (a, b, c) of a model's data. */
type DataStats = { center: readonly [number, number]; dataCov: readonly [number, number, number] };

/** Why a problem's y (denoising form) lies too far from the data, or null when within OBSERVATION_RANGE standard deviations. */
function outOfRange(problem: InverseProblem, data: DataStats): string | null {
  for (const i of [0, 1]) {
    const sd = Math.sqrt(data.dataCov[2 * i]);
    const lo = data.center[i] - OBSERVATION_RANGE * sd;
    const hi = data.center[i] + OBSERVATION_RANGE * sd;
    if (!(problem.y[i] >= lo && problem.y[i] <= hi)) {
      return `y${i + 1} = ${problem.y[i]} is outside [${lo.toPrecision(3)}, ${hi.toPrecision(3)}] (the data mean ± ${OBSERVATION_RANGE} standard deviations): observe values near the data`;
    }
  }
  if (!problem.sigmaY.every(Number.isFinite)) return 'the observation noise covariance overflows: use a smaller noise';
  return null;
}

/** The inverse problem of a spec, for a model of the given data statistics; an InputError says what is wrong. */
export function buildProblem(spec: ProblemSpec, data: DataStats): InverseProblem {
  let problem: InverseProblem;
  try {
    if (spec.kind === 'inpaint') {
      if (spec.axis !== 0 && spec.axis !== 1) throw new Error('axis must be 0 (x1 observed) or 1 (x2 observed)');
      if (!Number.isFinite(spec.value)) throw new Error('the observed value must be a finite number');
      if (spec.obsSigma !== undefined && !(spec.obsSigma > 0)) throw new Error('obsSigma must be positive');
      if (spec.missingSigma !== undefined && !(spec.missingSigma > 0)) throw new Error('missingSigma must be positive');
      problem = inpaintingProblem(spec.axis, spec.value, { obsSigma: spec.obsSigma, missingSigma: spec.missingSigma, fill: data.center[spec.axis === 0 ? 1 : 0] });
    } else if (spec.kind === 'linear') {
      if (!Array.isArray(spec.y) || spec.y.length !== 2 || !spec.y.every(Number.isFinite)) throw new Error('y must be two finite numbers');
      problem = linearProblem(spec.H, spec.noise, spec.y);
    } else {
      throw new Error('kind must be "inpaint" or "linear"');
    }
  } catch (e) {
    throw new InputError(`inverse problem: ${(e as Error).message}`);
  }
  const far = outOfRange(problem, data);
  if (far) throw new InputError(`inverse problem: ${far}`);
  return problem;
}

export interface SamplerParams {
  model: EnergyRef;
  problem: ProblemSpec;
  corrector?: Corrector;
  correctorSteps?: number;
  levels?: number;
  stepSize?: number;
  chains?: number;
  seed?: number;
  schedule?: ScheduleKind;
}

function checkSampler(p: Omit<SamplerParams, 'model' | 'problem'>): void {
  if (p.corrector !== undefined && !CORRECTORS.includes(p.corrector)) throw new InputError(`corrector must be one of ${CORRECTORS.join(', ')}`);
  if (p.schedule !== undefined && !SCHEDULES.includes(p.schedule)) throw new InputError(`schedule must be one of ${SCHEDULES.join(', ')}`);
  checkInt('correctorSteps', p.correctorSteps, 0, 100);
  checkInt('levels', p.levels, 1, 500);
  checkInt('chains', p.chains, 2, 20000);
  checkNumber('stepSize', p.stepSize, 1e-4, 10);
}

/** Network evaluations of annealed sampling runs: chains × levels × (corrector steps + 1) each. */
export function annealedEvaluations(chains: number, levels: number, correctorSteps: readonly number[]): number {
  return correctorSteps.reduce((s, k) => s + chains * levels * (k + 1), 0);
}

export interface PosteriorResult {
  /** The problem in denoising form. */
  y: [number, number];
  sigmaY: Cov2;
  samples: Float32Array;
  /** Samples of the exact posterior p(x | y), as many as chains (for the plot). */
  exactSamples: Float64Array;
  /** Sliced W1 from the samples to the exact posterior, and what exact samples of the same size get. */
  distance: number;
  noiseFloor: number;
  acceptance: number;
  path: PathPoint[];
  diverged: number;
}

async function runSampler(r: Resolved, problem: InverseProblem, p: Omit<SamplerParams, 'model' | 'problem'>, ctx: JobContext<unknown>, progress?: (level: number, of: number) => void) {
  return annealedPosterior(r.fn, problem, {
    levels: p.levels ?? 20,
    correctorSteps: p.correctorSteps ?? 4,
    corrector: p.corrector ?? 'mala',
    stepSize: p.stepSize ?? 0.5,
    chains: p.chains ?? 1000,
    seed: p.seed ?? 1,
    schedule: p.schedule ?? 'geometric',
    dataCov: r.data.dataCov,
    onLevel: async (level, of) => {
      progress?.(level, of);
      await ctx.checkpoint();
    },
  }).catch((e: unknown) => {
    if (e instanceof Error && /diagonal covariances only/.test(e.message)) throw new InputError(e.message);
    throw e;
  });
}

export const energyPosterior = defineJob<SamplerParams, PosteriorResult, { level: number; of: number }>(async (p, ctx) => {
  checkSampler(p);
  checkBudget('modelChainSteps', annealedEvaluations(p.chains ?? 1000, p.levels ?? 20, [p.correctorSteps ?? 4]), 'use fewer chains, levels or corrector steps');
  return withEnergy(p.model, ctx.sessions, async (r) => {
    const problem = buildProblem(p.problem, r.data);
    const res = await runSampler(r, problem, p, ctx as JobContext<unknown>, (level, of) => ctx.progress({ level, of }));
    const post = gmmPosterior(r.density.gmm!, covMatrix(problem.sigmaY), problem.y);
    const n = res.samples.length / 2;
    return {
      y: problem.y,
      sigmaY: problem.sigmaY,
      samples: res.samples,
      exactSamples: sampleGmm(post, createRng((p.seed ?? 1) + 7919), n),
      distance: slicedW1ToGmm(res.samples, post),
      noiseFloor: expectedSlicedW1(post, n, createRng(17), 3),
      acceptance: res.acceptance,
      path: res.path,
      diverged: res.diverged,
    };
  });
});

export interface SweepRow {
  corrector: Corrector;
  steps: number;
  distance: number;
  acceptance: number;
}

export const energyCorrectorSweep = defineJob<
  Omit<SamplerParams, 'corrector' | 'correctorSteps'> & { steps?: number[] },
  { rows: SweepRow[]; noiseFloor: number },
  { done: number; of: number }
>(async (p, ctx) => {
  checkSampler(p);
  const steps = p.steps ?? [0, 1, 2, 4, 8];
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 12) throw new InputError('steps must list 1 to 12 corrector counts');
  steps.forEach((k) => checkInt('corrector steps', k, 0, 100));
  // Every count but 0 runs twice (ULA and MALA).
  checkBudget('modelChainSteps', annealedEvaluations(p.chains ?? 1000, p.levels ?? 20, steps.flatMap((k) => (k === 0 ? [0] : [k, k]))), 'use fewer chains, levels or corrector steps');
  return withEnergy(p.model, ctx.sessions, async (r) => {
    const problem = buildProblem(p.problem, r.data);
    const post = gmmPosterior(r.density.gmm!, covMatrix(problem.sigmaY), problem.y);
    const runs: [Corrector, number][] = [];
    for (const k of steps) {
      if (k === 0) runs.push(['ula', 0]);
      else runs.push(['ula', k], ['mala', k]);
    }
    const rows: SweepRow[] = [];
    for (const [corrector, k] of runs) {
      const res = await runSampler(r, problem, { ...p, corrector, correctorSteps: k }, ctx as JobContext<unknown>);
      const d = slicedW1ToGmm(res.samples, post);
      // K = 0 is the predictor alone: the same for both correctors.
      if (k === 0) rows.push({ corrector: 'ula', steps: 0, distance: d, acceptance: Number.NaN }, { corrector: 'mala', steps: 0, distance: d, acceptance: Number.NaN });
      else rows.push({ corrector, steps: k, distance: d, acceptance: res.acceptance });
      ctx.progress({ done: rows.length, of: 2 * steps.length }, true);
    }
    return { rows, noiseFloor: expectedSlicedW1(post, p.chains ?? 1000, createRng(17), 3) };
  });
});

// ---------------------------------------------------------------------------------------------------------
// Files and sessions

export const energyExport = defineJob<{ session: string }, SerializedEnergyModel>(async (p, ctx) => {
  const s = ctx.sessions.require<EnergySession>(p.session, 'energy model');
  if (!Number.isFinite(s.model.logZ)) s.model.logZ = await anchorLogZ(s.model, s.model.spec);
  return serializeEnergyModel(s.model, { density: s.densityRef, acsm: s.acsm, steps: s.trainer?.step ?? 0, seed: s.seed });
});

export const energyImport = defineJob<{ session: string; file: SerializedEnergyModel; density?: DensityRef }, { session: string; spec: EnergyModel['spec']; logZ: number; acsm: boolean | null; steps: number | null }>(
  async (p, ctx) => {
    let loaded: ReturnType<typeof deserializeEnergyModel>;
    try {
      loaded = deserializeEnergyModel(p.file);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    const dref = p.density ?? (loaded.training?.density as DensityRef | undefined);
    let density: Density;
    try {
      if (dref === undefined) throw new InputError('the energy model file does not say which density it learned: pass the density too');
      density = gmmDensity(dref);
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
    if (!Number.isFinite(loaded.model.logZ)) loaded.model.logZ = await anchorLogZ(loaded.model, loaded.model.spec);
    const acsm = typeof loaded.training?.acsm === 'boolean' ? loaded.training.acsm : null;
    ctx.sessions.set(p.session, new EnergySession(loaded.model, null, density, dref, acsm ?? true, Number(loaded.training?.seed ?? 0)));
    return { session: p.session, spec: loaded.model.spec, logZ: loaded.model.logZ, acsm, steps: typeof loaded.training?.steps === 'number' ? loaded.training.steps : null };
  },
);

export const energyDispose = defineJob<{ session: string }, { disposed: boolean }>(async (p, ctx) => {
  const had = ctx.sessions.get(p.session) !== undefined;
  ctx.sessions.delete(p.session);
  return { disposed: had };
});

/** The jobs of this lab, for the registry. */
export const energyJobs = {
  'energy.create': energyCreate,
  'energy.steps': energySteps,
  'energy.normalize': energyNormalize,
  'energy.landscape': energyLandscape,
  'energy.blind': energyBlind,
  'energy.posterior': energyPosterior,
  'energy.correctorSweep': energyCorrectorSweep,
  'energy.export': energyExport,
  'energy.import': energyImport,
  'energy.dispose': energyDispose,
};
