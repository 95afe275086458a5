/**
 * Batch runs on the engine: one sampler for N iterations (after B of burn-in) with metrics, and a step-size
 * sweep of several samplers (the paper's step-size search, Sec. 6.2 and App. E.1). Every run of a comparison
 * starts from the same initial points and consumes the same noise (common random numbers).
 */
import type { ScoreField } from '../models/scoreField.ts';
import { initialPoints } from './chains.ts';
import { createChains, type EngineChoice } from './createChains.ts';
import { missingFor, type SamplerKind } from './kernels.ts';
import { DEFAULT_MAX_WHITENED_ERROR, samplerMetrics, type Draws, type SamplerMetrics } from './metrics.ts';
import type { InitMode, SamplerTarget } from './target.ts';
import * as tf from '@tensorflow/tfjs';

export { DEFAULT_MAX_WHITENED_ERROR } from './metrics.ts';

/** The shared initial points of a comparison: spread over the window (default) or exact draws of the target. */
export function startPoints(target: SamplerTarget, mode: InitMode | undefined, n: number, seed: number): tf.Tensor2D {
  if (mode === 'target') return tf.tensor2d(Float32Array.from(target.draw(n, seed)), [n, target.dim]);
  return initialPoints(target.init, n, target.dim, seed);
}

/** `startPoints` read back as [n·d]. */
export async function startPointsData(target: SamplerTarget, mode: InitMode | undefined, n: number, seed: number): Promise<Float32Array> {
  const x0 = startPoints(target, mode, n, seed);
  try {
    return Float32Array.from(await x0.data());
  } finally {
    x0.dispose();
  }
}

export interface RunSpec {
  kind: SamplerKind;
  step: number;
  clamp?: boolean;
  chains: number;
  /** Kept iterations per chain (after burn-in). */
  steps: number;
  burn: number;
  seed: number;
  /** Where chains start (default 'spread'). */
  init?: InitMode;
  /** Which implementation runs the chains (default 'auto': `createChains`'s rule). */
  engine?: EngineChoice;
}

export interface RunHooks {
  /** Called between chunks of iterations: yield, honour a cancel (throw), report progress in [0, 1]. */
  checkpoint?(fraction: number): Promise<void>;
}

/** Iterations per engine chunk (one readback each). */
const CHUNK = 100;

/** Runs one sampler and reads back its kept draws, divergence and acceptance. */
export async function runChains(field: ScoreField, target: SamplerTarget, spec: RunSpec, hooks: RunHooks = {}): Promise<{
  draws: Draws;
  divergedAt: Int32Array;
  acceptance?: Float32Array;
  seconds: number;
  /** The implementation that ran the chains (`Chains.engine`). */
  engine: string;
}> {
  const missing = missingFor(field, spec.kind);
  if (missing) throw new Error(`${spec.kind} cannot run here: it needs ${missing}.`);
  const n = spec.chains;
  const d = field.dim;
  const x0 = await startPointsData(target, spec.init, n, spec.seed);
  const cs = await createChains(field, x0, { kind: spec.kind, step: spec.step, clamp: spec.clamp, seed: spec.seed, center: target.center, bound: target.bound }, spec.engine);
  const data = new Float32Array(spec.steps * n * d);
  const total = spec.burn + spec.steps;
  const t0 = performance.now();
  let pause = 0;
  try {
    let done = 0;
    while (done < spec.burn) {
      const k = Math.min(CHUNK, spec.burn - done);
      await cs.advance(k);
      done += k;
      const p0 = performance.now();
      await hooks.checkpoint?.(done / total);
      pause += performance.now() - p0;
    }
    cs.resetCounters();
    let kept = 0;
    while (kept < spec.steps) {
      const k = Math.min(CHUNK, spec.steps - kept);
      data.set(await cs.run(k), kept * n * d);
      kept += k;
      const p0 = performance.now();
      await hooks.checkpoint?.((spec.burn + kept) / total);
      pause += performance.now() - p0;
    }
    const seconds = (performance.now() - t0 - pause) / 1000;
    const div = await cs.divergence();
    const acceptance = spec.kind === 'mala' ? await cs.acceptance() : undefined;
    return { draws: { data, iters: spec.steps, chains: n, dim: d }, divergedAt: div.at, acceptance, seconds, engine: cs.engine };
  } finally {
    cs.dispose();
  }
}

/** One run, its metrics and the engine that ran it. */
export async function sampleRun(field: ScoreField, target: SamplerTarget, spec: RunSpec, hooks: RunHooks = {}): Promise<SamplerMetrics & { engine: string }> {
  const r = await runChains(field, target, spec, hooks);
  return { ...samplerMetrics(r.draws, target, { divergedAt: r.divergedAt, seconds: r.seconds, acceptance: r.acceptance }), engine: r.engine };
}

/** `lo:hi:n` → n step sizes log-spaced from lo to hi (both included). */
export function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi >= lo && n >= 1)) throw new Error(`a step grid needs 0 < lo <= hi and n >= 1 (got ${lo}:${hi}:${n})`);
  if (n === 1) return [lo];
  return Array.from({ length: n }, (_, i) => lo * Math.pow(hi / lo, i / (n - 1)));
}

/** Parses `LO:HI:N` (e.g. `0.01:1:12`). */
export function parseGrid(s: string): { lo: number; hi: number; n: number } {
  const parts = s.split(':').map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v)) || !Number.isInteger(parts[2])) {
    throw new Error(`a step grid is LO:HI:N with numbers LO, HI and an integer N (e.g. 0.01:1:12), got "${s}"`);
  }
  const [lo, hi, n] = parts;
  logGrid(lo, hi, n);
  return { lo, hi, n };
}

export interface SweepPoint extends SamplerMetrics {
  step: number;
}

/**
 * What a sweep maximises: `ess` (the multi-chain min-ESS of MATH.md section 3, the default) or `ess-within` (the
 * within-chain min-ESS: local mixing, blind to chains stuck in different modes).
 */
export type SweepCriterion = 'ess' | 'ess-within';

export interface SweepCurve {
  sampler: SamplerKind;
  clamp: boolean;
  /** The implementation that ran the chains (`Chains.engine`). */
  engine: string;
  criterion: SweepCriterion;
  points: SweepPoint[];
  /** The bias gate the best step passed (see `SweepGate`). */
  gate: SweepGate;
  /**
   * The step with the largest criterion among runs where no chain diverged and the sample is faithful (it passes
   * `gate`); null when no step qualifies.
   */
  best: SweepPoint | null;
  /**
   * The best step is the smallest or the largest step of the grid: the optimum may lie beyond it, so the best
   * step is a bound, not an optimum. False when there is no best step.
   */
  bestAtGridEdge: boolean;
  /** The step with the largest criterion among runs without divergence, whatever the bias (the raw search). */
  bestUngated: SweepPoint | null;
}

/**
 * When a run's sample counts as faithful: its whitened covariance error (`covErrorWhitened`, affine invariant) is
 * at most `maxWhitenedError`, and, only when `maxCovError` is set, its relative covariance error (`covError`, the
 * former gate, dominated by the largest variance) is at most that too.
 */
export interface SweepGate {
  maxWhitenedError: number;
  maxCovError: number | null;
}

/** The value a sweep maximises for one run. */
export function criterionValue(p: Pick<SamplerMetrics, 'essMin' | 'essWithinMin'>, criterion: SweepCriterion): number {
  return criterion === 'ess-within' ? p.essWithinMin : p.essMin;
}

export interface SweepSpec {
  samplers: { kind: SamplerKind; clamp?: boolean }[];
  grid: number[];
  chains: number;
  steps: number;
  burn: number;
  seed: number;
  init?: InitMode;
  /** A run counts for the best step only if its whitened covariance error is at most this (default DEFAULT_MAX_WHITENED_ERROR). */
  maxWhitenedError?: number;
  /** Also require a relative covariance error at most this (the former gate; not applied by default). */
  maxCovError?: number;
  /** What is maximised (default 'ess'). */
  criterion?: SweepCriterion;
  /** Which implementation runs the chains (default 'auto'). */
  engine?: EngineChoice;
}

/** Whether a run passes the bias gate (see `SweepGate`). */
export function passesGate(p: Pick<SamplerMetrics, 'covError' | 'covErrorWhitened'>, gate: SweepGate): boolean {
  return p.covErrorWhitened <= gate.maxWhitenedError && (gate.maxCovError === null || p.covError <= gate.maxCovError);
}

/** Picks the best step of a curve and says whether it lies at an end of the grid (see `SweepCurve`). */
export function bestStep(
  points: readonly SweepPoint[],
  gate: SweepGate,
  criterion: SweepCriterion = 'ess',
): { best: SweepPoint | null; bestUngated: SweepPoint | null; bestAtGridEdge: boolean } {
  let best: SweepPoint | null = null;
  let bestUngated: SweepPoint | null = null;
  const v = (p: SweepPoint) => criterionValue(p, criterion);
  for (const p of points) {
    if (p.diverged > 0 || !(v(p) > 0)) continue;
    if (!bestUngated || v(p) > v(bestUngated)) bestUngated = p;
    if (passesGate(p, gate) && (!best || v(p) > v(best))) best = p;
  }
  const steps = points.map((p) => p.step);
  const bestAtGridEdge = best !== null && points.length > 1 && (best.step === Math.min(...steps) || best.step === Math.max(...steps));
  return { best, bestUngated, bestAtGridEdge };
}

export interface SweepProgress {
  done: number;
  total: number;
  sampler: SamplerKind;
  step: number;
  /** The min-ESS of the run just finished, when one just finished. */
  essMin?: number;
}

/** Runs every sampler at every step of the grid (same seed, so same initial points and noise throughout). */
export async function sweep(
  field: ScoreField,
  target: SamplerTarget,
  spec: SweepSpec,
  hooks: { checkpoint?(p: SweepProgress): Promise<void> } = {},
): Promise<SweepCurve[]> {
  const gate: SweepGate = { maxWhitenedError: spec.maxWhitenedError ?? DEFAULT_MAX_WHITENED_ERROR, maxCovError: spec.maxCovError ?? null };
  const total = spec.samplers.length * spec.grid.length;
  const curves: SweepCurve[] = [];
  let done = 0;
  for (const s of spec.samplers) {
    const missing = missingFor(field, s.kind);
    if (missing) throw new Error(`${s.kind} cannot run here: it needs ${missing}.`);
    const points: SweepPoint[] = [];
    let engine = '';
    for (const step of spec.grid) {
      const { engine: ran, ...m } = await sampleRun(field, target, { ...spec, kind: s.kind, clamp: s.clamp, step }, {
        checkpoint: (f) => hooks.checkpoint?.({ done: done + f, total, sampler: s.kind, step }) ?? Promise.resolve(),
      });
      points.push({ step, ...m });
      engine = ran;
      done++;
      await hooks.checkpoint?.({ done, total, sampler: s.kind, step, essMin: m.essMin });
    }
    const criterion = spec.criterion ?? 'ess';
    curves.push({ sampler: s.kind, clamp: s.clamp ?? false, engine, criterion, points, gate, ...bestStep(points, gate, criterion) });
  }
  return curves;
}
