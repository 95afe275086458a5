/**
 * Engine jobs of paper 2 on digits (issue 15): the pretrained MNIST energy models (public/models/digits-energy-*,
 * A-DSM + A-CSM and the A-DSM-only ablation) loaded once per engine; a reconstruction of a degraded digit by
 * annealed sampling; the blind-estimation surface log p(y | box W, σ₁) for one or both models.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBudget } from '../../core/budgets.ts';
import { createRng } from '../../core/rng.ts';
import { argmaxRows } from '../../models/digits/analysis.ts';
import { DigitsNetwork } from '../../models/digits/model.ts';
import { loadWeights, type EnergyArchitecture } from '../../models/digits/weights.ts';
import { annealOptionErrors, type Corrector, type ImageAnnealOptions, type ScheduleKind } from '../../models/inverse/anneal.ts';
import { blindSurface, boxFamilyLogVariance, defaultDigitsGrid, type BlindSurface } from '../../models/inverse/blind.ts';
import type { ImageEnergy } from '../../models/inverse/imageEnergy.ts';
import { networkEnergy } from '../../models/inverse/networkEnergy.ts';
import { centredBox, checkSigma1, observationVariance, observe, parseProblem, PIXELS, ProblemError, seenMask, SIDE } from '../../models/inverse/problems.ts';
import { reconstruct, reconstructBatch, type BatchOutcome, type Classify, type Reconstruction } from '../../models/inverse/reconstruct.ts';
import { defineJob, InputError } from '../job.ts';
import type { SessionStore } from '../sessions.ts';
import { fetcherFor } from './digits.ts';

export type EnergyModelName = 'acsm' | 'dsm';
export const ENERGY_MODELS: readonly EnergyModelName[] = ['acsm', 'dsm'];

export interface EnergyModelInfo {
  model: EnergyModelName;
  name: string;
  objective: string;
  params: number;
}

interface HeldEnergy {
  energy: ImageEnergy;
  info: EnergyModelInfo;
  dispose(): void;
}

const loading = new WeakMap<SessionStore, Map<string, Promise<HeldEnergy>>>();

function checkModel(model: unknown): EnergyModelName {
  if (!ENERGY_MODELS.includes(model as EnergyModelName)) throw new InputError(`model must be acsm (A-DSM + A-CSM) or dsm (A-DSM only), got ${JSON.stringify(model)}.`);
  return model as EnergyModelName;
}

/** The energy model, loaded once per engine and kept in the sessions. */
export async function energyModel(sessions: SessionStore, model: EnergyModelName, modelsUrl?: string): Promise<HeldEnergy> {
  const key = `digits-energy:${model}`;
  const held = sessions.get<HeldEnergy>(key);
  if (held) return held;
  let pending = loading.get(sessions);
  if (!pending) loading.set(sessions, (pending = new Map()));
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;
  const p = (async () => {
    const name = `digits-energy-${model}`;
    const { manifest, weights } = await loadWeights(fetcherFor(modelsUrl), name);
    if (manifest.kind !== 'energy') {
      tf.dispose(Object.values(weights));
      throw new InputError(`${name}/model.json is a ${manifest.kind} model, not an energy model.`);
    }
    const energy = await networkEnergy(weights, manifest.architecture as EnergyArchitecture);
    const h: HeldEnergy = {
      energy,
      info: { model, name, objective: manifest.objective ?? '', params: manifest.architecture.params },
      dispose: () => energy.dispose(),
    };
    sessions.set(key, h);
    return h;
  })();
  pending.set(key, p);
  try {
    return await p;
  } finally {
    pending.delete(key);
  }
}

/** The Digits classifier as a `Classify` (shared with the Digits lab's jobs). */
export async function digitsClassifier(sessions: SessionStore, modelsUrl?: string): Promise<Classify> {
  let clf = sessions.get<DigitsNetwork>('digits:classifier');
  if (!clf) clf = sessions.set('digits:classifier', await DigitsNetwork.load(fetcherFor(modelsUrl), 'digits-classifier'));
  const net = clf;
  return async (images, n) => {
    const logits = tf.tidy(() => net.apply(tf.tensor4d(images, [n, SIDE, SIDE, 1])) as tf.Tensor2D);
    const v = (await logits.data()) as Float32Array;
    logits.dispose();
    return argmaxRows(v, n);
  };
}

function checkImage(image: ArrayLike<number> | undefined): Float32Array {
  if (!image || image.length !== PIXELS) throw new InputError(`image must hold ${PIXELS} pixels (28 × 28), got ${image?.length ?? 'none'}.`);
  const out = Float32Array.from(image);
  if (!out.every(Number.isFinite)) throw new InputError('image holds a non-finite value.');
  return out;
}

/** Runs `f`, turning a problem-spec error into an InputError (same message). */
function asInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ProblemError) throw new InputError(e.message);
    throw e;
  }
}

export const inverseLoad = defineJob<{ model: EnergyModelName; modelsUrl?: string }, EnergyModelInfo>(async (p, ctx) => {
  return (await energyModel(ctx.sessions, checkModel(p.model), p.modelsUrl)).info;
});

export interface InverseSampleParams {
  model: EnergyModelName;
  modelsUrl?: string;
  /** The clean digit, 784 pixels in [0, 1]. */
  image: Float32Array | number[];
  /** `box:X,Y,W,H`, `kpix:K` or `noise:S` (problems.ts). */
  problem: string;
  sigma1: number;
  corrector: Corrector;
  schedule: ScheduleKind;
  levels: number;
  steps: number;
  stepSize: number;
  samples: number;
  seed: number;
  /** Energy-guided schedule: half-width of the box over which λ ∂U/∂λ is averaged (anneal.ts; default 3). */
  guideRadius?: number;
  /** The clean digit's label when known (MNIST); else the classifier's. */
  trueLabel?: number;
}

/** The sampler's options from a job's parameters; refused with every problem listed. */
function annealOptions(p: Omit<InverseSampleParams, 'image' | 'problem' | 'model' | 'sigma1'>): ImageAnnealOptions {
  const opts = { levels: p.levels, correctorSteps: p.steps, corrector: p.corrector, schedule: p.schedule, stepSize: p.stepSize, samples: p.samples, seed: p.seed, guideRadius: p.guideRadius };
  const errs = annealOptionErrors(opts);
  if (errs.length) throw new InputError(errs.join('; ') + '.');
  return opts;
}

/** Degrade, reconstruct and summarise one digit; progress after every level (cancellable there). */
export const inverseSample = defineJob<InverseSampleParams, Reconstruction, { level: number; levels: number }>(async (p, ctx) => {
  const image = checkImage(p.image);
  const problem = asInput(() => parseProblem(p.problem));
  if (problem.kind !== 'noise') asInput(() => checkSigma1(p.sigma1));
  const opts = annealOptions(p);
  checkBudget('imageEvaluations', p.samples * (p.levels * (p.steps + 1) + 1), 'use fewer samples, levels or corrector steps');
  const { energy } = await energyModel(ctx.sessions, checkModel(p.model), p.modelsUrl);
  const classify = await digitsClassifier(ctx.sessions, p.modelsUrl);
  await ctx.checkpoint();
  return reconstruct(energy, classify, image, problem, {
    ...opts,
    sigma1: p.sigma1,
    trueLabel: p.trueLabel,
    onLevel: async (level, levels) => {
      ctx.progress({ level, levels });
      await ctx.checkpoint();
    },
  });
});

export interface InverseBlindParams {
  models: EnergyModelName[];
  modelsUrl?: string;
  image: Float32Array | number[];
  /** True box size W (a centred W×W box hidden) and noise σ₁ of the seen pixels. */
  box: number;
  sigma1: number;
  seed: number;
  /** Grid (default: W = 2..26, σ₁ log-spaced over [0.01, 0.5]). */
  widths?: number[];
  sigmas?: number[];
}

export interface InverseBlindResult {
  /** The observation (hidden pixels are noise of std 10) and its seen mask. */
  y: Float32Array;
  seen: Uint8Array;
  truth: { box: number; sigma1: number };
  surfaces: (BlindSurface & { model: EnergyModelName })[];
}

/** The blind surface log p(y | W, σ₁) of a centred-box observation, for each model; progress per grid batch. */
export const inverseBlind = defineJob<InverseBlindParams, InverseBlindResult, { model: EnergyModelName; done: number; total: number }>(async (p, ctx) => {
  const image = checkImage(p.image);
  if (!(Number.isInteger(p.box) && p.box >= 1 && p.box <= SIDE - 1)) throw new InputError(`box must be an integer in 1..${SIDE - 1}, got ${p.box}.`);
  asInput(() => checkSigma1(p.sigma1));
  const models = (p.models ?? []).map(checkModel);
  if (models.length === 0) throw new InputError('models must name at least one of acsm, dsm.');
  const grid = defaultDigitsGrid();
  if (p.widths) grid.a = p.widths;
  if (p.sigmas) grid.b = p.sigmas;
  if (!grid.a.every((w) => Number.isInteger(w) && w >= 1 && w <= SIDE - 1) || grid.a.length === 0) throw new InputError(`widths must be integers in 1..${SIDE - 1}.`);
  if (!grid.b.every((s) => s >= 0.01 && s <= 1) || grid.b.length === 0) throw new InputError('sigmas must lie in [0.01, 1].');
  checkBudget('imageEvaluations', models.length * grid.a.length * grid.b.length, 'use a coarser grid');
  const problem = centredBox(p.box);
  const rng = createRng(p.seed);
  const seen = seenMask(problem);
  const y = observe(image, observationVariance(problem, seen, p.sigma1), rng);
  const surfaces: InverseBlindResult['surfaces'] = [];
  for (const model of models) {
    const { energy } = await energyModel(ctx.sessions, model, p.modelsUrl);
    const s = await blindSurface(energy, y, 1, grid, boxFamilyLogVariance, {
      onProgress: async (done, total) => {
        ctx.progress({ model, done, total });
        await ctx.checkpoint();
      },
    });
    surfaces.push({ ...s, model });
  }
  return { y, seen, truth: { box: p.box, sigma1: p.sigma1 }, surfaces };
});

export interface InverseBatchParams extends Omit<InverseSampleParams, 'image' | 'problem' | 'trueLabel'> {
  /** N clean digits, [N·784]. */
  images: Float32Array | number[];
  labels: number[];
  /** One problem spec per digit. */
  problems: string[];
}

/** Many digits in one annealed batch (the CLI's experiments); progress after every level. */
export const inverseBatch = defineJob<InverseBatchParams, BatchOutcome, { level: number; levels: number }>(async (p, ctx) => {
  const n = p.labels?.length ?? 0;
  if (!(n >= 1 && n <= 1000)) throw new InputError(`labels must list 1..1000 digits, got ${n}.`);
  if (!p.images || p.images.length !== n * PIXELS) throw new InputError(`images must hold ${n} × ${PIXELS} pixels, got ${p.images?.length ?? 'none'}.`);
  if (p.problems?.length !== n) throw new InputError(`problems must hold one spec per digit (${n}), got ${p.problems?.length ?? 'none'}.`);
  const images = Float32Array.from(p.images);
  if (!images.every(Number.isFinite)) throw new InputError('images hold a non-finite value.');
  const items = p.problems.map((spec, i) => ({ x: images.subarray(i * PIXELS, (i + 1) * PIXELS), problem: asInput(() => parseProblem(spec)), label: p.labels[i] }));
  asInput(() => checkSigma1(p.sigma1));
  const opts = annealOptions(p);
  checkBudget('imageEvaluations', n * p.samples * (p.levels * (p.steps + 1) + 1), 'use fewer digits, samples, levels or corrector steps');
  const { energy } = await energyModel(ctx.sessions, checkModel(p.model), p.modelsUrl);
  const classify = await digitsClassifier(ctx.sessions, p.modelsUrl);
  return reconstructBatch(energy, classify, items, {
    ...opts,
    sigma1: p.sigma1,
    onLevel: async (level, levels) => {
      ctx.progress({ level, levels });
      await ctx.checkpoint();
    },
  });
});

export const digitsInverseJobs = { inverseLoad, inverseSample, inverseBlind, inverseBatch };
