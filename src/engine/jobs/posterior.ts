/**
 * Engine job of the Uncertainty lab (issue 4; MATH.md sections 1 and 4): for a batch of noisy points x̃ (a list,
 * or a grid of cell centres), the Gaussian approximation N(x̃ + σ² s1, σ⁴ s2 + σ² I) of p(x | x̃) from
 *
 * - (a) `learned`: a trained model's s1θ and its direct s2θ head (full, low-rank, PSD or diagonal);
 * - (b) `autodiff`: the same s1θ and the Jacobian ∇ₓ s1θ (the autodiff baseline of section 2);
 * - (c) `exact`: the exact posterior moments (closed form for mixtures, lattice truth for grid targets);
 *
 * with, for (a) and (b), the smallest eigenvalue of each covariance, the non-PSD count and the error (W2, KL)
 * against (c), plus exact posterior samples for the first points. All points go through the model in one batch, so
 * a drag frame is one request; the UI cancels the stale one (the job checks for a cancel before the model runs and
 * before the samples).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../core/rng.ts';
import { gridPoints } from '../../core/grid.ts';
import type { Density } from '../../core/types.ts';
import { cellCentreGrid, compareBatch, exactPosteriorBatch, tweedieBatch, type ApproxBatch } from '../../core/uncertainty.ts';
import { scoreFieldFromModel } from '../../models/learnedField.ts';
import type { S2Kind } from '../../models/hyper.ts';
import type { ScoreModel } from '../../models/scoreModel.ts';
import { deserializeModel } from '../../models/serialize.ts';
import { defineJob, InputError } from '../job.ts';
import { heldScoreModel } from './heldModel.ts';
import type { SessionStore } from '../sessions.ts';
import { resolveDensity, type DensityRef } from './samplers.ts';

/** A trained score model: held in the engine by the Scores lab (`session`), or a saved model file (`model`). */
export type PosteriorModelSource = { kind: 'session'; key: string } | { kind: 'model'; model: unknown };

export interface PosteriorParams {
  density: DensityRef;
  /** Noise level σ of x̃. With a model it must be the σ the model was trained at. */
  sigma: number;
  /** Noisy points, row-major n*d (ignored when `grid` is set). */
  points?: ArrayLike<number>;
  /** A grid of nx × ny cell centres over `bounds` (default: the density's plot window) instead of `points`. */
  grid?: { nx: number; ny?: number; bounds?: [[number, number], [number, number]] };
  /** The learned side (a) and (b); without it only the exact posterior is computed. */
  model?: PosteriorModelSource;
  /** Compute the autodiff estimate (b) too (default true; it costs D backward passes). */
  autodiff?: boolean;
  /** Exact posterior samples per point, for the first `samplePoints` points (default 0). */
  samples?: number;
  /** How many of the points (from the first) get samples (default 1). */
  samplePoints?: number;
  /** Seed of the posterior samples (default 1). */
  seed?: number;
}

export interface PosteriorResult {
  density: string;
  dim: number;
  sigma: number;
  n: number;
  /** The noisy points, n*d. */
  points: Float64Array;
  /** The grid shape when `grid` was given (x fastest). */
  grid?: { nx: number; ny: number; bounds: [[number, number], [number, number]] };
  /** (c) exact posterior means n*d and covariances n*d*d. */
  exact: { mean: Float64Array; cov: Float64Array };
  /** (a) Tweedie with the learned s2 head (null without a model, or for a model with s2 = none). */
  learned: ApproxBatch | null;
  /** (b) Tweedie with the autodiff Hessian ∇ₓ s1θ (null without a model or when not asked for). */
  autodiff: ApproxBatch | null;
  /** The model's s2 head (`diag`: the learned covariance is diagonal by construction). */
  s2Kind: S2Kind | null;
  /** Exact posterior samples: `samplePoints` blocks of `samplesPerPoint` points, each row-major (d per sample). */
  samples: Float64Array | null;
  samplesPerPoint: number;
  /** Wall time of the job (ms). */
  ms: number;
}

/** Largest batch of points one request may carry (a 100 × 100 field). */
export const MAX_POINTS = 10_000;
/** Points per chunk of the exact computation (a cancel is honoured between chunks). */
const EXACT_CHUNK = 128;
/** Largest number of exact posterior samples one request may ask for in total. */
export const MAX_SAMPLES = 200_000;

/** The trained model of a source, and whether this job owns (must dispose) it. */
function resolveModel(source: PosteriorModelSource, sessions: SessionStore): { model: ScoreModel; owned: boolean } {
  if (source.kind === 'model') {
    try {
      return { model: deserializeModel(source.model), owned: true };
    } catch (e) {
      throw new InputError(`the score model could not be loaded: ${(e as Error).message}`);
    }
  }
  return { model: heldScoreModel(sessions, source.key), owned: false };
}

function noisyPointsOf(p: PosteriorParams, density: Density): { points: Float64Array; grid?: PosteriorResult['grid'] } {
  const d = density.dim;
  if (p.grid) {
    const bounds = p.grid.bounds ?? density.bounds;
    if (!bounds || d !== 2) throw new InputError(`a grid of noisy points needs a 2-D density with a plot window; "${density.name}" is ${d}-D`);
    const ny = p.grid.ny ?? p.grid.nx;
    if (!Number.isInteger(p.grid.nx) || !Number.isInteger(ny) || p.grid.nx < 1 || ny < 1 || p.grid.nx * ny > MAX_POINTS) {
      throw new InputError(`grid must be nx × ny positive integers with at most ${MAX_POINTS} points (got ${p.grid.nx} × ${ny})`);
    }
    let g;
    try {
      g = cellCentreGrid(bounds, p.grid.nx, ny);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    return { points: gridPoints(g), grid: { nx: p.grid.nx, ny, bounds } };
  }
  const raw = p.points;
  if (!raw || raw.length === 0) throw new InputError('give at least one noisy point (points, row-major n*d) or a grid');
  if (raw.length % d !== 0) throw new InputError(`points must have a multiple of ${d} coordinates for the ${d}-D density "${density.name}" (got ${raw.length})`);
  if (raw.length / d > MAX_POINTS) throw new InputError(`at most ${MAX_POINTS} points per request (got ${raw.length / d})`);
  const points = Float64Array.from(raw);
  for (const v of points) if (!Number.isFinite(v)) throw new InputError('noisy points must be finite numbers');
  return { points };
}

/** s1θ, the direct s2θ (as full matrices) and the autodiff Hessian at the points, read back as Float64Arrays. */
async function learnedScores(
  model: ScoreModel,
  points: Float64Array,
  d: number,
  wantAutodiff: boolean,
): Promise<{ s1: Float64Array; direct: Float64Array | null; autodiff: Float64Array | null }> {
  const n = points.length / d;
  const direct = model.hasS2 ? scoreFieldFromModel(model, { hessian: 'direct' }) : null;
  const auto = wantAutodiff ? scoreFieldFromModel(model, { hessian: 'autodiff' }) : null;
  const x = tf.tensor2d(Float32Array.from(points), [n, d]);
  const outs: tf.Tensor[] = [];
  try {
    outs.push(model.s1(x));
    if (direct) {
      // A diagonal head gives only the diagonal: make it a diagonal matrix.
      outs.push(direct.hessian ? direct.hessian(x) : tf.tidy(() => tf.mul(tf.expandDims(direct.hessianDiag!(x), 2), tf.eye(d))));
    }
    if (auto) outs.push(auto.hessian!(x));
    const data = await Promise.all(outs.map((t) => t.data()));
    let i = 0;
    const s1 = Float64Array.from(data[i++]);
    const dir = direct ? Float64Array.from(data[i++]) : null;
    const ad = auto ? Float64Array.from(data[i++]) : null;
    return { s1, direct: dir, autodiff: ad };
  } finally {
    x.dispose();
    for (const t of outs) t.dispose();
    direct?.dispose();
    auto?.dispose();
  }
}

export const posterior = defineJob<PosteriorParams, PosteriorResult>(async (p, ctx) => {
  const t0 = performance.now();
  const density = resolveDensity(p.density);
  const d = density.dim;
  if (!(p.sigma > 0) || !Number.isFinite(p.sigma)) throw new InputError(`σ must be a positive number (got ${p.sigma})`);
  const { points, grid } = noisyPointsOf(p, density);
  const n = points.length / d;
  const samplesPer = p.samples ?? 0;
  const samplePoints = Math.min(p.samplePoints ?? 1, n);
  if (!Number.isInteger(samplesPer) || samplesPer < 0 || samplesPer * samplePoints > MAX_SAMPLES) {
    throw new InputError(`samples must be an integer ≥ 0 with samples × samplePoints ≤ ${MAX_SAMPLES} (got ${samplesPer} × ${samplePoints})`);
  }

  let learned: ApproxBatch | null = null;
  let autodiff: ApproxBatch | null = null;
  let s2Kind: S2Kind | null = null;
  let modelScores: Awaited<ReturnType<typeof learnedScores>> | null = null;
  if (p.model) {
    const { model, owned } = resolveModel(p.model, ctx.sessions);
    try {
      if (model.dim !== d) throw new InputError(`the score model is ${model.dim}-D but the density "${density.name}" is ${d}-D`);
      if (Math.abs(model.sigma - p.sigma) > 1e-6 * model.sigma) {
        throw new InputError(`the score model was trained at σ = ${model.sigma}, not σ = ${p.sigma}: its scores are those of q_${model.sigma}`);
      }
      s2Kind = model.spec.s2;
      await ctx.checkpoint();
      modelScores = await learnedScores(model, points, d, p.autodiff ?? true);
    } finally {
      if (owned) model.dispose();
    }
  }

  const noisy = density.noisy(p.sigma);
  // In chunks, so a stale field request (σ slider moved) stops early: lattice truths cost ~1 ms per point.
  const exact = { mean: new Float64Array(n * d), cov: new Float64Array(n * d * d) };
  for (let start = 0; start < n; start += EXACT_CHUNK) {
    if (start > 0) await ctx.checkpoint();
    const end = Math.min(n, start + EXACT_CHUNK);
    const part = exactPosteriorBatch(noisy, points.subarray(start * d, end * d), d, p.sigma);
    exact.mean.set(part.mean, start * d);
    exact.cov.set(part.cov, start * d * d);
  }
  if (modelScores) {
    if (modelScores.direct) learned = compareBatch(tweedieBatch(points, modelScores.s1, modelScores.direct, p.sigma, d), exact, d);
    if (modelScores.autodiff) autodiff = compareBatch(tweedieBatch(points, modelScores.s1, modelScores.autodiff, p.sigma, d), exact, d);
  }

  let samples: Float64Array | null = null;
  if (samplesPer > 0 && samplePoints > 0) {
    if (!noisy.samplePosterior) throw new InputError(`the density "${density.name}" cannot sample its exact posterior`);
    await ctx.checkpoint();
    const rng = createRng(p.seed ?? 1);
    samples = new Float64Array(samplePoints * samplesPer * d);
    for (let k = 0; k < samplePoints; k++) {
      samples.set(noisy.samplePosterior(points.subarray(k * d, (k + 1) * d), samplesPer, rng.split()), k * samplesPer * d);
    }
  }

  return {
    density: density.name,
    dim: d,
    sigma: p.sigma,
    n,
    points,
    ...(grid ? { grid } : {}),
    exact,
    learned,
    autodiff,
    s2Kind,
    samples,
    samplesPerPoint: samplesPer,
    ms: performance.now() - t0,
  };
});

export interface PosteriorLoadParams {
  /** Session key to keep the model under (replacing what was there). */
  key: string;
  /** A saved score model (the JSON of `serializeModel`, e.g. `run.json` or a file of `public/models/`). */
  model: unknown;
}

export interface PosteriorModelInfo {
  key: string;
  dim: number;
  sigma: number;
  s2: S2Kind;
  parameters: number;
}

/**
 * Loads a saved score model into the engine's sessions once, so that the many `posterior` requests of a drag use it
 * by key (`{kind: 'session', key}`) instead of deserialising it every frame.
 */
export const posteriorLoadModel = defineJob<PosteriorLoadParams, PosteriorModelInfo>(async (p, ctx) => {
  if (typeof p.key !== 'string' || p.key.length === 0) throw new InputError('a session key is needed to keep the model under');
  let model: ScoreModel;
  try {
    model = deserializeModel(p.model);
  } catch (e) {
    throw new InputError(`the score model could not be loaded: ${(e as Error).message}`);
  }
  ctx.sessions.set(p.key, model);
  return { key: p.key, dim: model.dim, sigma: model.sigma, s2: model.spec.s2, parameters: model.parameterCount };
});
