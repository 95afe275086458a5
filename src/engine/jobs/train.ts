/**
 * Engine jobs of the Scores lab (issue 3): a training session held in the engine under a key.
 *
 * - `train.create`  settings + density → a fresh model (validated; ReLU gets a warning)
 * - `train.steps`   N steps (1 = a single step) with throttled progress; cancel = pause (the session keeps
 *                   every step done); a NaN loss stops the run and restores the last good weights (`diverged`)
 * - `train.configure` VR, γ, stop-gradient, batch, learning rate: live, also while training
 * - `train.reset`   fresh weights from the seed
 * - `train.fields`  learned / autodiff / true s1, s2 and log densities on a 2-D grid, plus data and noisy samples
 *                   (the learned fields by fused WebGPU kernels on webgpu, else tfjs op by op; `fieldsEngine` says which)
 * - `train.metrics` the Table 1 / Table 2 numbers of `models/metrics.ts` (against q_σ and against the clean p)
 * - `train.export` / `train.import`  the run as JSON (model + training record + density), see `RunFile`
 * - `train.dispose`
 * The session object exposes `model` (a ScoreModel), which the samplers and uncertainty jobs read by key.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBudget } from '../../core/budgets.ts';
import { makeGrid, gridPoints } from '../../core/grid.ts';
import { makeGmm } from '../../core/gmm.ts';
import { densityFromGmm } from '../../core/densities/index.ts';
import { createRng, normals } from '../../core/rng.ts';
import type { Density } from '../../core/types.ts';
import { RELU_WARNING } from '../../models/activations.ts';
import { computeMetrics, type AllScoreMetrics } from '../../models/metrics.ts';
import { rowJacobian, symmetrise } from '../../models/hessian.ts';
import { scoreFieldFromModel, type HessianSource } from '../../models/learnedField.ts';
import type { ScoreModel } from '../../models/scoreModel.ts';
import { parseRunFile, type ParsedRunFile } from '../../models/modelFile.ts';
import type { SerializedScoreModel } from '../../models/serialize.ts';
import { DEFAULT_HYPER, type LiveSetting, type TrainHyper } from '../../models/hyper.ts';
import { lossGrowthWarning, ScoreTrainer, hyperProblems, type HistoryPoint, type TrainReport } from '../../models/trainer.ts';
import { evaluateFusedFields, type FusedFieldRequest } from '../../gpu/samplers/fusedField.ts';
import { fusedSourceOf, type FusedScoreSource } from '../../gpu/samplers/source.ts';
import { defineJob, InputError, type JobContext } from '../job.ts';
import type { SessionStore } from '../sessions.ts';
import { recoverTrainer, trainDeviceLoss } from '../trainRecovery.ts';
import { resolveDensity, type DensityRef } from './samplers.ts';

/** Training data: a registry density or mixture JSON (`DensityRef`), or uploaded / drawn points. */
export type TrainDensityRef = DensityRef | { points: ArrayLike<number>; dim: number; name?: string };

/** The JSON file of a run (`tweedie train --out run.json`, the lab's download and IndexedDB entry). */
export interface RunFile extends SerializedScoreModel {
  training: { hyper: TrainHyper; steps: number; history: HistoryPoint[] };
  density: TrainDensityRef;
  /** What the CLI printed (backend, timing, final loss, metrics), when the run came from the CLI. */
  result?: unknown;
}

/**
 * A density made of uploaded points: the kernel density estimate (1/n) Σ N(x_i, h² I) with Silverman's
 * bandwidth, so sampling, s1, s2 and the posterior stay closed form (MATH.md section 6).
 */
export function pointsDensity(points: ArrayLike<number>, dim: number, name = 'points'): Density {
  if (!Number.isInteger(dim) || dim < 1) throw new InputError(`points need a positive integer dimension, got ${dim}`);
  const n = points.length / dim;
  if (!Number.isInteger(n) || n < 2) throw new InputError(`give at least 2 points of dimension ${dim} (row-major, ${dim} numbers each); got ${points.length} numbers`);
  checkBudget('points', n, 'upload fewer points (a random subset keeps the shape of the cloud)');
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) throw new InputError(`point ${Math.floor(i / dim) + 1} has a NaN or infinite coordinate: every coordinate must be a finite number`);
  }
  let varSum = 0;
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += points[i * dim + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (points[i * dim + j] - m) ** 2 / (n - 1);
    varSum += v;
  }
  const sd = Math.sqrt(varSum / dim);
  if (!(sd > 0)) throw new InputError('the points are all identical: give points that spread out');
  const h = sd * Math.pow(4 / ((dim + 2) * n), 1 / (dim + 4));
  const cov = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? h * h : 0)));
  const means = Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, j) => points[i * dim + j]));
  const g = makeGmm(new Array(n).fill(1 / n), means, new Array(n).fill(cov));
  return densityFromGmm(name, g, `${n} uploaded points, kernel density with bandwidth ${h.toPrecision(3)}`);
}

export function resolveTrainDensity(ref: TrainDensityRef): Density {
  if (typeof ref === 'object' && ref !== null && 'points' in ref) return pointsDensity(ref.points, ref.dim, ref.name);
  return resolveDensity(ref as DensityRef);
}

/** A Scores-lab training run held in the engine. */
export class TrainSession {
  busy = false;
  private truthCache = new Map<string, GridTruth>();
  constructor(
    readonly trainer: ScoreTrainer,
    readonly density: Density,
    readonly densityRef: TrainDensityRef,
  ) {}
  get model(): ScoreModel {
    return this.trainer.model;
  }
  truth(key: string, make: () => GridTruth): GridTruth {
    let t = this.truthCache.get(key);
    if (!t) {
      t = make();
      this.truthCache.set(key, t);
    }
    return t;
  }
  /** After a lost WebGPU device (`SessionStore.afterDeviceLoss`): continues from the trainer's CPU copy. */
  recoverFromDeviceLoss(): Promise<string | null> {
    return recoverTrainer(this.trainer);
  }
  dispose(): void {
    this.trainer.dispose();
  }
}

function requireSession(sessions: SessionStore, key: string): TrainSession {
  const s = sessions.get<TrainSession>(key);
  if (!(s instanceof TrainSession)) throw new InputError(`no training run "${key}" in the engine: create one first (train.create)`);
  return s;
}

function requireIdle(s: TrainSession, what: string): void {
  if (s.busy) throw new InputError(`pause training before you ${what}`);
}

export interface TrainCreateParams {
  /** Session key (default "scores"). */
  key?: string;
  density: TrainDensityRef;
  hyper?: Partial<TrainHyper>;
}

export interface TrainInfo {
  key: string;
  /** The tfjs backend the engine trains on. */
  backend: string;
  density: string;
  dim: number;
  bounds?: [[number, number], [number, number]];
  hyper: TrainHyper;
  parameterCount: number;
  /** Constant added to a VR loss to plot it with the plain loss (MATH.md section 2). */
  lossOffset: number;
  step: number;
  history: HistoryPoint[];
  warnings: string[];
}

function info(key: string, s: TrainSession, backend: string): TrainInfo {
  const t = s.trainer;
  return {
    key,
    backend,
    density: s.density.name,
    dim: s.density.dim,
    ...(s.density.bounds ? { bounds: s.density.bounds } : {}),
    hyper: { ...t.hyper },
    parameterCount: t.model.parameterCount,
    lossOffset: t.offset,
    step: t.step,
    history: [...t.history],
    warnings: t.hyper.act === 'relu' ? [RELU_WARNING] : [],
  };
}

function checkHyper(h: TrainHyper, dim: number): void {
  const p = hyperProblems(h, dim);
  if (p.length) throw new InputError(`Invalid training settings: ${p.join('; ')}.`);
}

export const trainCreate = defineJob<TrainCreateParams, TrainInfo>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  const density = resolveTrainDensity(p.density);
  const hyper: TrainHyper = { ...DEFAULT_HYPER, ...(p.hyper ?? {}) };
  checkHyper(hyper, density.dim);
  const old = ctx.sessions.get<TrainSession>(key);
  if (old instanceof TrainSession) requireIdle(old, 'replace the model');
  let trainer: ScoreTrainer;
  try {
    trainer = ScoreTrainer.create(hyper, density);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const s = ctx.sessions.set(key, new TrainSession(trainer, density, p.density));
  return info(key, s, ctx.backend.name);
});

export interface TrainStepsParams {
  key?: string;
  /** Steps to run (1 = a single step). */
  steps: number;
  /** Optional pacing for watching training: run `chunk` steps, then wait `delayMs` (default: no pause). */
  chunk?: number;
  delayMs?: number;
  /** Change the learning rate from now on. */
  lr?: number;
  /** Report interval in ms (default 50). */
  reportMs?: number;
}

/** A training report, with the loss-growth warning while the loss is far above its best (`lossGrowthWarning`). */
export type TrainProgress = TrainReport & { warning?: string; notice?: string };

export interface TrainStepsResult {
  /** Steps done by this request, and the total. */
  steps: number;
  step: number;
  last: TrainReport | null;
  /** Set when the loss became NaN: training stopped itself and the last good weights were restored. */
  diverged?: string;
  /** Set when the loss grew by orders of magnitude without becoming NaN (the weights are likely garbage). */
  warning?: string;
  /** Set when the WebGPU device was lost during the run: the backend it continued on and the step it continued from. */
  notice?: string;
}

export const trainSteps = defineJob<TrainStepsParams, TrainStepsResult, TrainProgress>(async (p, ctx: JobContext<TrainProgress>) => {
  const s = requireSession(ctx.sessions, p.key ?? 'scores');
  if (!Number.isInteger(p.steps) || p.steps < 1) throw new InputError(`steps must be a positive integer, got ${p.steps}`);
  requireIdle(s, 'start another training request');
  if (p.lr !== undefined) {
    if (!(p.lr > 0) || !Number.isFinite(p.lr) || p.lr > 10) throw new InputError(`learning rate must be a number in (0, 10], got ${p.lr}`);
    s.trainer.setLearningRate(p.lr);
  }
  const chunk = p.chunk && p.chunk > 0 ? Math.floor(p.chunk) : p.steps;
  const delay = Math.max(0, p.delayMs ?? 0);
  s.busy = true;
  let done = 0;
  let last: TrainReport | null = null;
  let warning: string | undefined;
  let notice: string | undefined;
  const deviceLoss = trainDeviceLoss((n) => {
    notice = n;
    if (last) ctx.progress({ ...last, notice }, true);
  });
  try {
    while (done < p.steps) {
      const n = Math.min(chunk, p.steps - done);
      const out = await s.trainer.train(n, {
        reportMs: p.reportMs ?? 50,
        onReport: (r) => {
          const w = lossGrowthWarning(s.trainer.history, s.trainer.hyper.lr);
          ctx.progress({ ...r, ...(w ? { warning: w } : {}), ...(notice ? { notice } : {}) });
        },
        checkpoint: () => ctx.checkpoint(),
        deviceLoss,
      });
      done += out.steps;
      last = out.last ?? last;
      warning = out.warning;
      if (out.diverged) {
        if (last) ctx.progress(last, true);
        return { steps: done, step: s.trainer.step, last, diverged: out.diverged };
      }
      if (last) ctx.progress(notice ? { ...last, notice } : last, true);
      if (done < p.steps) {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        await ctx.checkpoint();
      }
    }
    return { steps: done, step: s.trainer.step, last, ...(warning ? { warning } : {}), ...(notice ? { notice } : {}) };
  } finally {
    s.busy = false;
  }
});

export type TrainConfigureParams = { key?: string } & Partial<Pick<TrainHyper, LiveSetting>>;

/** Changes VR, γ, stop-gradient, batch or learning rate of a run, also while it trains (from the next step). */
export const trainConfigure = defineJob<TrainConfigureParams, TrainInfo>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  const s = requireSession(ctx.sessions, key);
  try {
    s.trainer.configure(p);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  return info(key, s, ctx.backend.name);
});

export const trainReset = defineJob<{ key?: string }, TrainInfo>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  const s = requireSession(ctx.sessions, key);
  requireIdle(s, 'reset');
  s.trainer.reset();
  return info(key, s, ctx.backend.name);
});

export const trainInfo = defineJob<{ key?: string }, TrainInfo>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  return info(key, requireSession(ctx.sessions, key), ctx.backend.name);
});

export const trainDispose = defineJob<{ key?: string }, { disposed: boolean }>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  const s = ctx.sessions.get<TrainSession>(key);
  if (!(s instanceof TrainSession)) return { disposed: false };
  requireIdle(s, 'discard the model');
  ctx.sessions.delete(key);
  return { disposed: true };
});

// ---------------------------------------------------------------- fields on a grid

/** Ground truth on a grid (cached per session: it does not change while training). */
export interface GridTruth {
  /** log p of the clean density and log q_σ of the noisy one, per grid point (x fastest). */
  logp: Float32Array;
  logq: Float32Array;
  /** True s1 of q_σ (n*2) and s2 (n*4). */
  s1: Float32Array;
  s2: Float32Array;
}

export interface TrainFieldsParams {
  key?: string;
  /** Grid points per axis (default 25 × 25; at most 128 each). */
  nx?: number;
  ny?: number;
  /** Plot window (default: the density's). */
  bounds?: [[number, number], [number, number]];
  /** Clean and noisy samples to return for the scatter (default 400; same points at every call). */
  samples?: number;
  /** Also compute the autodiff Hessian ∇s1θ (default true). */
  autodiff?: boolean;
  /** Who computes the learned fields (default `auto`: fused WebGPU where it can, see `FieldsEngine`). */
  fieldsEngine?: FieldsEngineChoice;
}

/**
 * Who computed the learned fields: `webgpu-fused`, one WGSL dispatch per field from the fused samplers' `evalField`
 * (gpu/samplers/fusedField.ts), or `tfjs` op by op (the reference, with reverse-mode autodiff).
 */
export type FieldsEngine = 'webgpu-fused' | 'tfjs';
export type FieldsEngineChoice = FieldsEngine | 'auto';
const FIELDS_ENGINES: readonly FieldsEngineChoice[] = ['auto', 'webgpu-fused', 'tfjs'];

export interface TrainFieldsResult {
  step: number;
  sigma: number;
  s2: TrainHyper['s2'];
  bounds: [[number, number], [number, number]];
  nx: number;
  ny: number;
  /** Grid coordinates: xs (nx) and ys (ny); point (i, j) has index j*nx + i. */
  xs: Float64Array;
  ys: Float64Array;
  truth: GridTruth;
  /** Learned s1θ (n*2), direct s2θ (n*4, null for s2 = none), autodiff ∇s1θ symmetrised (n*4, null if not asked). */
  s1: Float32Array;
  s2Direct: Float32Array | null;
  s2Autodiff: Float32Array | null;
  /** Clean samples and their noisy versions x + σz (m*2 each). */
  data: Float32Array;
  noisy: Float32Array;
  /** Who computed s1, s2Direct and s2Autodiff, and why op by op when it was. */
  fieldsEngine: FieldsEngine;
  fieldsOpByOpReason?: string;
}

interface LearnedGridFields {
  s1: Float32Array;
  s2Direct: Float32Array | null;
  s2Autodiff: Float32Array | null;
}

/** The fused source of `model` with its s2 from `hessian`, or why the fused kernels cannot evaluate it. */
function fusedModelSource(model: ScoreModel, hessian: HessianSource): FusedScoreSource | string {
  return fusedSourceOf(scoreFieldFromModel(model, { hessian }));
}

/**
 * The learned fields at `pts` ([n·2]) on the fused WebGPU path: the direct head's field (s1θ and s2θ) and the
 * autodiff field (s1θ and the symmetrised ∇ₓs1θ), one dispatch each in one submission; a model without an s2 head
 * and without autodiff gets s1θ alone. Returns why not when the fused kernels cannot evaluate the model.
 */
async function fusedLearnedFields(model: ScoreModel, pts: Float32Array, autodiff: boolean): Promise<LearnedGridFields | string> {
  if (tf.getBackend() !== 'webgpu') return `the backend is ${tf.getBackend()}, not webgpu`;
  const requests: FusedFieldRequest[] = [];
  for (const hessian of [...(model.hasS2 ? ['direct' as const] : []), ...(autodiff || !model.hasS2 ? ['autodiff' as const] : [])]) {
    const source = fusedModelSource(model, hessian);
    if (typeof source === 'string') return source;
    requests.push({ source, hessian: hessian === 'direct' || autodiff });
  }
  const out = await evaluateFusedFields(pts, requests);
  return {
    s1: out[0].s1,
    s2Direct: model.hasS2 ? out[0].s2! : null,
    s2Autodiff: autodiff ? out[out.length - 1].s2! : null,
  };
}

/** The learned fields at `pts` ([n·2]) in tfjs op by op (the reference): s1θ, s2θ and the reverse-mode ∇ₓs1θ. */
async function tfjsLearnedFields(model: ScoreModel, pts: Float32Array, autodiff: boolean): Promise<LearnedGridFields> {
  const x = tf.tensor2d(pts, [pts.length / 2, 2]);
  try {
    const s1T = model.s1(x);
    const s2T = model.hasS2 ? model.s2(x) : null;
    const adT = autodiff ? tf.tidy(() => symmetrise(rowJacobian((v) => model.s1(v), x))) : null;
    const [s1, s2Direct, s2Autodiff] = await Promise.all([s1T.data(), s2T?.data() ?? null, adT?.data() ?? null]);
    tf.dispose([s1T, ...(s2T ? [s2T] : []), ...(adT ? [adT] : [])]);
    return { s1: s1 as Float32Array, s2Direct: s2Direct as Float32Array | null, s2Autodiff: s2Autodiff as Float32Array | null };
  } finally {
    x.dispose();
  }
}

/**
 * The learned fields on the engine `choice` asks for: `auto` takes the fused WebGPU path when the backend is webgpu
 * and the fused kernels evaluate the model (falling back op by op, with the reason, if the fused evaluation fails);
 * a forced `webgpu-fused` that cannot run is an input error.
 */
async function learnedFields(model: ScoreModel, pts: Float32Array, autodiff: boolean, choice: FieldsEngineChoice): Promise<LearnedGridFields & { engine: FieldsEngine; reason?: string }> {
  if (!FIELDS_ENGINES.includes(choice)) throw new InputError(`fieldsEngine must be one of ${FIELDS_ENGINES.join(', ')}, got "${choice}"`);
  let reason = 'the op-by-op path was asked for';
  if (choice !== 'tfjs') {
    try {
      const fused = await fusedLearnedFields(model, pts, autodiff);
      if (typeof fused !== 'string') return { ...fused, engine: 'webgpu-fused' };
      reason = fused;
    } catch (e) {
      if (choice === 'webgpu-fused') throw e;
      reason = `the fused evaluation failed: ${(e as Error).message}`;
    }
    if (choice === 'webgpu-fused') throw new InputError(`the fused WebGPU fields cannot run: ${reason}`);
  }
  return { ...(await tfjsLearnedFields(model, pts, autodiff)), engine: 'tfjs', reason };
}

export const trainFields = defineJob<TrainFieldsParams, TrainFieldsResult>(async (p, ctx) => {
  const s = requireSession(ctx.sessions, p.key ?? 'scores');
  const density = s.density;
  if (density.dim !== 2) throw new InputError(`fields are drawn for 2-D densities only; "${density.name}" is ${density.dim}-D`);
  const bounds = p.bounds ?? density.bounds;
  if (!bounds) throw new InputError(`density "${density.name}" has no plot window: give bounds`);
  const nx = p.nx ?? 25;
  const ny = p.ny ?? nx;
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 2 || ny < 2 || nx > 128 || ny > 128) throw new InputError(`grid must be 2..128 points per axis, got ${nx} × ${ny}`);
  const sigma = s.trainer.hyper.sigma;
  const grid = makeGrid(bounds, nx, ny);
  const pts = gridPoints(grid);
  const n = nx * ny;
  const truth = s.truth(`${nx}x${ny}:${JSON.stringify(bounds)}`, () => {
    const noisy = density.noisy(sigma);
    const t: GridTruth = { logp: new Float32Array(n), logq: new Float32Array(n), s1: new Float32Array(2 * n), s2: new Float32Array(4 * n) };
    const x = new Float64Array(2);
    for (let k = 0; k < n; k++) {
      x[0] = pts[2 * k];
      x[1] = pts[2 * k + 1];
      t.logp[k] = density.logp(x);
      t.logq[k] = noisy.logp(x);
      t.s1.set(noisy.s1(x), 2 * k);
      t.s2.set(noisy.s2(x), 4 * k);
    }
    return t;
  });
  const m = Math.max(0, Math.min(5000, Math.floor(p.samples ?? 400)));
  const rng = createRng(s.trainer.hyper.seed + 99);
  const clean = density.sample(rng, m);
  const z = normals(rng, 2 * m);
  const noisyPts = Float32Array.from(clean, (v, i) => v + sigma * z[i]);
  const learned = await learnedFields(s.model, Float32Array.from(pts), p.autodiff !== false, p.fieldsEngine ?? 'auto');
  return {
    step: s.trainer.step,
    sigma,
    s2: s.trainer.hyper.s2,
    bounds,
    nx,
    ny,
    xs: grid.xs,
    ys: grid.ys,
    // Copies: results are transferred out of the worker, which would detach the cached arrays.
    truth: { logp: truth.logp.slice(), logq: truth.logq.slice(), s1: truth.s1.slice(), s2: truth.s2.slice() },
    s1: learned.s1,
    s2Direct: learned.s2Direct,
    s2Autodiff: learned.s2Autodiff,
    data: Float32Array.from(clean),
    noisy: noisyPts,
    fieldsEngine: learned.engine,
    ...(learned.reason ? { fieldsOpByOpReason: learned.reason } : {}),
  };
});

// ---------------------------------------------------------------- metrics, export, import

export interface TrainMetricsParams {
  key?: string;
  /** Fresh noisy points (default 1000). */
  n?: number;
  /** Timed repetitions (default 5). */
  timingReps?: number;
}

export type TrainMetricsResult = AllScoreMetrics & { step: number; n: number };

export const trainMetrics = defineJob<TrainMetricsParams, TrainMetricsResult>(async (p, ctx) => {
  const s = requireSession(ctx.sessions, p.key ?? 'scores');
  const n = p.n ?? 1000;
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InputError(`metrics need 1..100000 points, got ${n}`);
  const m = await computeMetrics(s.model, s.density.noisy(s.trainer.hyper.sigma), s.density, { n, timingReps: p.timingReps, clean: s.density });
  return { ...m, step: s.trainer.step, n };
});

export const trainExport = defineJob<{ key?: string }, RunFile>(async (p, ctx) => {
  const s = requireSession(ctx.sessions, p.key ?? 'scores');
  const m = await s.trainer.export();
  const density = typeof s.densityRef === 'object' && 'points' in s.densityRef ? { ...s.densityRef, points: Array.from(s.densityRef.points) } : s.densityRef;
  return { ...m, density };
});

export interface TrainImportParams {
  key?: string;
  /** A run file (RunFile), or a bare model file with `density` given here. */
  file: unknown;
  density?: TrainDensityRef;
}

export const trainImport = defineJob<TrainImportParams, TrainInfo>(async (p, ctx) => {
  const key = p.key ?? 'scores';
  // Everything is checked before anything is built or replaced: a refused file leaves the session as it was.
  let file: ParsedRunFile;
  try {
    file = parseRunFile(p.file);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const ref = p.density ?? (file.density as TrainDensityRef | undefined);
  if (!ref) throw new InputError('the model file names no density: choose the density it was trained on');
  const density = resolveTrainDensity(ref);
  const old = ctx.sessions.get<TrainSession>(key);
  if (old instanceof TrainSession) requireIdle(old, 'load another model');
  let trainer: ScoreTrainer;
  try {
    trainer = ScoreTrainer.fromModel(file.training?.hyper, density, file, file.training);
  } catch (e) {
    throw new InputError(`the model could not be loaded: ${(e as Error).message}`);
  }
  const s = ctx.sessions.set(key, new TrainSession(trainer, density, ref));
  return info(key, s, ctx.backend.name);
});
