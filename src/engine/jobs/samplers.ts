/**
 * Engine jobs of the Samplers lab (issue 5; MATH.md section 3):
 *
 * - a live session in `ctx.sessions` (`samplerStart`, `samplerAdvance`, `samplerConfigure`, `samplerReset`,
 *   `samplerDiagnostics`, `samplerStop`): panels side by side on shared initial points and noise;
 * - `sample`: one run with its metrics; `sweep`: a grid of step sizes per sampler, with progress, returning each
 *   sampler's min-ESS curve and best step.
 *
 * Score sources: `exact` (closed form for mixtures, grid interpolation otherwise), `model` (a saved model, e.g.
 * `run.json` of `tweedie train`) or `session` (a model the Scores lab trained and holds in the engine).
 * Chains run where `createChains` (samplers/createChains.ts) puts them: exact scores on typed arrays when the
 * engine's backend is WASM or CPU, tfjs otherwise; each result names that `engine`.
 */
import type { Density } from '../../core/types.ts';
import { blurredDensity, getDensity, densityFromJson } from '../../core/densities/index.ts';
import { exactScoreField } from '../../models/exactField.ts';
import { loadScoreField, scoreFieldFromModel, type HessianSource, type LearnedScoreField } from '../../models/learnedField.ts';
import type { ScoreField } from '../../models/scoreField.ts';
import { missingFor, SAMPLER_KINDS, type SamplerKind } from '../../samplers/kernels.ts';
import type { SamplerMetrics } from '../../samplers/metrics.ts';
import { logGrid, sampleRun, sweep, type RunSpec, type SweepCurve, type SweepProgress, type SweepSpec } from '../../samplers/run.ts';
import { SamplerSession, type PanelDiagnostics, type PanelFrame, type PanelSpec } from '../../samplers/session.ts';
import { samplerTarget, trueMarginals, type InitMode, type SamplerTarget } from '../../samplers/target.ts';
import { checkBudget } from '../../core/budgets.ts';
import { defineJob, InputError, type JobContext } from '../job.ts';
import { heldScoreModel } from './heldModel.ts';
import type { SessionStore } from '../sessions.ts';

export type { PanelDiagnostics, PanelFrame, PanelSpec } from '../../samplers/session.ts';
export type { SweepCriterion, SweepCurve } from '../../samplers/run.ts';

/** A registry name, or a mixture JSON text (`densityFromJson`: a Gaussian mixture or a mixture of logistics). */
export type DensityRef = string | { json: string; name?: string };

export type ScoreSource =
  | { kind: 'exact'; sigma?: number }
  | { kind: 'model'; model: unknown; hessian?: HessianSource }
  | { kind: 'session'; key: string; hessian?: HessianSource };

export function resolveDensity(ref: DensityRef): Density {
  try {
    if (typeof ref === 'string') return getDensity(ref);
    return densityFromJson(ref.json, ref.name ?? 'custom');
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

/**
 * The score field of a source, whether the caller owns (must dispose) it, and the noise level σ of the density
 * it describes: a model trained at σ gives the scores of q_σ = p * N(0, σ² I), so q_σ is what its chains sample.
 */
export interface ResolvedScore {
  field: ScoreField;
  owned: boolean;
  sigma: number;
}

/** The density a run file names, when it names a built-in one by name. */
function trainedOn(model: unknown): string | undefined {
  const d = (model as { density?: unknown } | null)?.density;
  return typeof d === 'string' ? d : undefined;
}

export function resolveScore(source: ScoreSource, density: Density, sessions: SessionStore): ResolvedScore {
  switch (source.kind) {
    case 'exact':
      return { field: exactScoreField(density, source.sigma ?? 0), owned: true, sigma: source.sigma ?? 0 };
    case 'model': {
      const trained = trainedOn(source.model);
      if (trained !== undefined && trained !== density.name) {
        throw new InputError(`the score model was trained on "${trained}" but the target is "${density.name}": choose "${trained}" as the density`);
      }
      let field: LearnedScoreField;
      try {
        field = loadScoreField(source.model, { hessian: source.hessian });
      } catch (e) {
        throw new InputError(`the score model could not be loaded: ${(e as Error).message}`);
      }
      if (field.dim !== density.dim) {
        field.dispose();
        throw new InputError(`the score model is ${field.dim}-D but the density "${density.name}" is ${density.dim}-D`);
      }
      return { field, owned: true, sigma: field.sigma };
    }
    case 'session': {
      const model = heldScoreModel(sessions, source.key);
      if (model.dim !== density.dim) throw new InputError(`the trained model is ${model.dim}-D but the density "${density.name}" is ${density.dim}-D`);
      return { field: scoreFieldFromModel(model, { hessian: source.hessian }), owned: false, sigma: model.sigma };
    }
  }
}

function checkKind(kind: string): SamplerKind {
  const k = SAMPLER_KINDS.find((s) => s === kind);
  if (!k) throw new InputError(`unknown sampler "${kind}"; samplers: ${SAMPLER_KINDS.join(', ')}`);
  return k;
}

/** Fewest kept iterations per chain of a batch run: the split-chain ESS needs 4 draws in each half. */
export const MIN_KEPT_STEPS = 8;

function checkCounts(p: { chains: number; steps?: number; burn: number }): void {
  if (!Number.isInteger(p.chains) || p.chains < 1) throw new InputError(`chains must be a positive integer (got ${p.chains})`);
  if (p.steps !== undefined && (!Number.isInteger(p.steps) || p.steps < MIN_KEPT_STEPS)) {
    throw new InputError(`steps must be an integer >= ${MIN_KEPT_STEPS}: the split-chain ESS needs 4 draws in each half (got ${p.steps})`);
  }
  if (!Number.isInteger(p.burn) || p.burn < 0) throw new InputError(`burn must be a non-negative integer (got ${p.burn})`);
}

/** Refuses a sampler the field cannot run (a missing Hessian or log density), before anything starts. */
function checkSupported(field: ScoreField, kinds: readonly SamplerKind[], owned: boolean): void {
  for (const k of kinds) {
    const missing = missingFor(field, k);
    if (missing) {
      if (owned) field.dispose();
      throw new InputError(`${k} cannot run here: it needs ${missing}.`);
    }
  }
}

/**
 * The score field of a source, checked against the samplers that will run on it, and the sampler target: the
 * density the field describes (q_σ for a model trained at σ, see `ResolvedScore`).
 */
function scoredTarget(density: Density, score: ScoreSource, kinds: readonly SamplerKind[], sessions: SessionStore): ResolvedScore & { sampled: Density; target: SamplerTarget } {
  const resolved = resolveScore(score, density, sessions);
  checkSupported(resolved.field, kinds, resolved.owned);
  const sampled = blurredDensity(density, resolved.sigma);
  return { ...resolved, sampled, target: samplerTarget(sampled) };
}

function checkStep(step: number): void {
  if (!(step > 0) || !Number.isFinite(step)) throw new InputError(`step sizes must be positive numbers (got ${step})`);
}

// ---------------------------------------------------------------- live session

export interface SamplerStartParams {
  /** Session key in the engine (default "samplers"). */
  key?: string;
  density: DensityRef;
  score: ScoreSource;
  chains: number;
  seed: number;
  burn: number;
  /** Where chains start (default 'spread': over the plot window). */
  init?: InitMode;
  panels: PanelSpec[];
  trailChains?: number;
  trailLength?: number;
  pathChain?: number;
  pathLength?: number;
}

export interface SamplerStartResult {
  key: string;
  dim: number;
  bounds?: [[number, number], [number, number]];
  /** Noise level of the sampled density q_σ (0: the clean target; a learned model's σ otherwise). */
  sigma: number;
  /** Mean and covariance of the sampled density. */
  mean: number[];
  cov: number[];
  /** True marginal densities (2-D targets): x[j] grid and p[j] values per coordinate. */
  marginals: { x: number[][]; p: number[][] } | null;
  /** Which Hessian information the score source has (what the UI may offer). */
  has: { hessian: boolean; hessianDiag: boolean; logp: boolean };
  /** The implementation that runs the chains: "cpu" (typed arrays, exact scores on WASM/CPU) or "tfjs" (`createChains`). */
  engine: string;
  frames: PanelFrame[];
}

const DEFAULT_KEY = 'samplers';

function sessionOf(ctx: JobContext<unknown>, key = DEFAULT_KEY): SamplerSession {
  const s = ctx.sessions.get<SamplerSession>(key);
  if (!s || !(s instanceof SamplerSession)) throw new InputError(ctx.sessions.lostReason(key) ?? `no sampler session "${key}": start one first`);
  return s;
}

export const samplerStart = defineJob<SamplerStartParams, SamplerStartResult>(async (p, ctx) => {
  checkCounts(p);
  const density = resolveDensity(p.density);
  const panels = p.panels.map((q) => ({ ...q, kind: checkKind(q.kind) }));
  if (panels.length === 0) throw new InputError('a sampler session needs at least one panel');
  panels.forEach((q) => checkStep(q.step));
  const { field, owned, sigma, sampled, target } = scoredTarget(density, p.score, panels.map((q) => q.kind), ctx.sessions);
  let session: SamplerSession;
  try {
    session = await SamplerSession.create(field, target, { ...p, panels }, owned);
  } catch (e) {
    if (owned) field.dispose();
    throw e;
  }
  const key = p.key ?? DEFAULT_KEY;
  ctx.sessions.set(key, session);
  return {
    key,
    dim: density.dim,
    bounds: density.bounds,
    sigma,
    mean: Array.from(target.mean),
    cov: Array.from(target.cov),
    marginals: trueMarginals(sampled),
    has: { hessian: !!field.hessian, hessianDiag: !!(field.hessianDiag || field.hessian), logp: !!field.logp },
    engine: session.engine,
    frames: await session.frames(),
  };
});

export interface PanelPatch extends Partial<PanelSpec> {
  panel: number;
}

export interface SamplerAdvanceParams {
  key?: string;
  /** Iterations per panel (steps per frame). */
  steps: number;
  /** Only these panels (default all). */
  panels?: number[];
  /** Changes applied before stepping (e.g. a slider moved since the last frame). */
  configure?: PanelPatch[];
}

function checkPanel(s: SamplerSession, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= s.panelCount) throw new InputError(`no panel ${i} (this session has ${s.panelCount})`);
}

function configurePanel(s: SamplerSession, c: PanelPatch): void {
  checkPanel(s, c.panel);
  const patch: Partial<PanelSpec> = {};
  if (c.step !== undefined) {
    checkStep(c.step);
    patch.step = c.step;
  }
  if (c.kind !== undefined) {
    patch.kind = checkKind(c.kind);
    checkSupported(s.field, [patch.kind], false);
  }
  if (c.clamp !== undefined) patch.clamp = c.clamp;
  s.configure(c.panel, patch);
}

export const samplerAdvance = defineJob<SamplerAdvanceParams, { frames: PanelFrame[] }>(async (p, ctx) => {
  const s = sessionOf(ctx, p.key);
  if (!Number.isInteger(p.steps) || p.steps < 0 || p.steps > 10000) throw new InputError(`steps must be an integer in [0, 10000] (got ${p.steps})`);
  for (const c of p.configure ?? []) configurePanel(s, c);
  for (const i of p.panels ?? []) checkPanel(s, i);
  return { frames: p.steps > 0 ? await s.advance(p.steps, p.panels) : await s.frames() };
});

export const samplerConfigure = defineJob<PanelPatch & { key?: string }, { frames: PanelFrame[] }>(async (p, ctx) => {
  const s = sessionOf(ctx, p.key);
  configurePanel(s, p);
  return { frames: await s.frames() };
});

export const samplerReset = defineJob<{ key?: string; seed?: number }, { frames: PanelFrame[] }>(async (p, ctx) => {
  const s = sessionOf(ctx, p.key);
  await s.reset(p.seed);
  return { frames: await s.frames() };
});

export const samplerDiagnostics = defineJob<{ key?: string; maxLag?: number; bins?: number }, { panels: PanelDiagnostics[] }>(async (p, ctx) => ({
  panels: await sessionOf(ctx, p.key).diagnostics(p),
}));

export const samplerStop = defineJob<{ key?: string }, { stopped: boolean }>(async (p, ctx) => {
  const key = p.key ?? DEFAULT_KEY;
  const had = ctx.sessions.get(key) !== undefined;
  ctx.sessions.delete(key);
  return { stopped: had };
});

// ---------------------------------------------------------------- batch runs

/** One batch run: a `RunSpec` whose sampler is named `sampler`, on a density with a score source. */
export interface SampleParams extends Omit<RunSpec, 'kind'> {
  density: DensityRef;
  score: ScoreSource;
  sampler: SamplerKind;
}

export interface SampleResult extends SamplerMetrics {
  sampler: SamplerKind;
  step: number;
  /** The implementation that ran the chains: "cpu" or "tfjs" (`createChains`). */
  engine: string;
}

export const sample = defineJob<SampleParams, SampleResult, { fraction: number }>(async (p, ctx) => {
  checkCounts(p);
  checkBudget('chainSteps', p.chains * (p.burn + p.steps), 'use fewer chains, steps or burn-in');
  const kind = checkKind(p.sampler);
  checkStep(p.step);
  const density = resolveDensity(p.density);
  const { field, owned, target } = scoredTarget(density, p.score, [kind], ctx.sessions);
  try {
    const m = await sampleRun(field, target, { ...p, kind }, {
      checkpoint: async (fraction) => {
        ctx.progress({ fraction });
        await ctx.checkpoint();
      },
    });
    return { sampler: kind, step: p.step, ...m };
  } finally {
    if (owned) field.dispose();
  }
});

/** The sweep of `samplers/run.ts`, plus where the scores come from; samplers and grid in their user-facing forms. */
export interface SweepParams extends Omit<SweepSpec, 'samplers' | 'grid'> {
  density: DensityRef;
  score: ScoreSource;
  /** Samplers to sweep (a name, or a name with the curvature clamp). */
  samplers: (SamplerKind | { kind: SamplerKind; clamp?: boolean })[];
  /** Log-spaced grid lo..hi with n steps, or explicit step sizes. */
  grid: { lo: number; hi: number; n: number } | number[];
}

export interface SweepResult {
  grid: number[];
  curves: SweepCurve[];
  /** The implementation that ran the chains: "cpu" or "tfjs" (`createChains`). */
  engine: string;
}

export const sweepJob = defineJob<SweepParams, SweepResult, SweepProgress>(async (p, ctx) => {
  checkCounts(p);
  let grid: number[];
  try {
    grid = Array.isArray(p.grid) ? [...p.grid] : logGrid(p.grid.lo, p.grid.hi, p.grid.n);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (grid.length === 0) throw new InputError('the step grid is empty');
  grid.forEach(checkStep);
  const samplers = p.samplers.map((s) => (typeof s === 'string' ? { kind: checkKind(s) } : { kind: checkKind(s.kind), clamp: s.clamp }));
  if (samplers.length === 0) throw new InputError('name at least one sampler to sweep');
  checkBudget('chainSteps', grid.length * samplers.length * p.chains * (p.burn + p.steps), 'use fewer chains, steps, burn-in, samplers or step sizes');
  if (p.criterion !== undefined && p.criterion !== 'ess' && p.criterion !== 'ess-within') throw new InputError(`criterion must be "ess" or "ess-within" (got "${String(p.criterion)}")`);
  for (const [name, v] of [['maxWhitenedError', p.maxWhitenedError], ['maxCovError', p.maxCovError]] as const) {
    if (v !== undefined && !(v >= 0)) throw new InputError(`${name} must be a non-negative number (got ${String(v)})`);
  }
  const density = resolveDensity(p.density);
  const { field, owned, target } = scoredTarget(density, p.score, samplers.map((s) => s.kind), ctx.sessions);
  try {
    const curves = await sweep(field, target, { ...p, samplers, grid }, {
      checkpoint: async (pr) => {
        ctx.progress(pr, pr.essMin !== undefined);
        await ctx.checkpoint();
      },
    });
    return { grid, curves, engine: curves[0].engine };
  } finally {
    if (owned) field.dispose();
  }
});
