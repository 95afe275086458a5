/**
 * Engine jobs of the Digits lab (issue 6): pretrained MNIST models (public/models) loaded once per noise level
 * and kept in the engine's sessions; posterior panels, Langevin-vs-Ozaki chains and the autodiff-vs-direct timing.
 *
 * Model files come through a fetcher: over HTTP from `modelsUrl` (the app passes `<base>/models/`), or whatever
 * `setDigitsFetcher` installed (the CLI and the tests install a file reader: Node's fetch cannot read files).
 */
import { DigitsModelSet, DigitsNetwork, SIGMAS, D } from '../../models/digits/model.ts';
import { httpFetcher, type ModelFetcher } from '../../models/digits/weights.ts';
import { digitChains, digitPosterior, digitTiming, type ChainOptions, type ChainPoint, type DigitChains, type DigitPosterior, type DigitTiming } from '../../models/digits/analysis.ts';
import { defineJob, InputError } from '../job.ts';
import type { SessionStore } from '../sessions.ts';

let installed: ModelFetcher | undefined;

/** Installs the fetcher every Digits job uses (Node: `fileFetcher(root)` from weightsNode.ts). */
export function setDigitsFetcher(f: ModelFetcher | undefined): void {
  installed = f;
}

/** The installed fetcher, else HTTP from `modelsUrl`. */
export function fetcherFor(modelsUrl: string | undefined): ModelFetcher {
  if (installed) return installed;
  if (!modelsUrl) throw new InputError('No models location: pass modelsUrl (e.g. "./models/").');
  return httpFetcher(modelsUrl);
}

const loading = new WeakMap<SessionStore, Map<string, Promise<DigitsModelSet>>>();

/** The model set of this σ, loaded once per engine (kept in the sessions; the classifier is shared). */
export async function digitsModels(sessions: SessionStore, sigma: number, modelsUrl?: string): Promise<DigitsModelSet> {
  if (!SIGMAS.includes(sigma as (typeof SIGMAS)[number])) {
    throw new InputError(`sigma must be one of ${SIGMAS.join(', ')} (the noise levels of the pretrained models), got ${sigma}.`);
  }
  const key = `digits:${sigma}`;
  const held = sessions.get<{ set: DigitsModelSet; dispose(): void }>(key);
  if (held) return held.set;
  let pending = loading.get(sessions);
  if (!pending) loading.set(sessions, (pending = new Map()));
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;
  const p = (async () => {
    const fetcher = fetcherFor(modelsUrl);
    let clf = sessions.get<DigitsNetwork>('digits:classifier');
    if (!clf) clf = sessions.set('digits:classifier', await DigitsNetwork.load(fetcher, 'digits-classifier'));
    const set = await DigitsModelSet.load(fetcher, sigma, clf);
    sessions.set(key, { set, dispose: () => set.dispose(false) });
    return set;
  })();
  pending.set(key, p);
  try {
    return await p;
  } finally {
    pending.delete(key);
  }
}

/** The 784 pixels of an image parameter, or an InputError saying what is wrong. */
export function checkImage(image: ArrayLike<number> | undefined): Float32Array {
  if (!image || image.length !== D) throw new InputError(`image must hold ${D} pixels (28 × 28), got ${image?.length ?? 'none'}.`);
  const out = Float32Array.from(image);
  if (!out.every(Number.isFinite)) throw new InputError('image holds a non-finite value.');
  return out;
}

export interface DigitsModelInfo {
  sigma: number;
  rank: number;
  names: string[];
  params: number[];
}

/** Loads (or finds) the models of one σ; returns what was loaded. */
export const digitsLoad = defineJob<{ sigma: number; modelsUrl?: string }, DigitsModelInfo>(async ({ sigma, modelsUrl }, ctx) => {
  const set = await digitsModels(ctx.sessions, sigma, modelsUrl);
  const nets = [set.s1, set.s2lowrank, set.s2diag, set.classifier];
  return { sigma, rank: set.rank, names: nets.map((m) => m.manifest.name), params: nets.map((m) => m.manifest.architecture.params) };
});

export interface DigitsPosteriorParams {
  sigma: number;
  modelsUrl?: string;
  /** 784 pixels in [0, 1]: the clean (drawn) digit when `noise`, else the noisy x̃ itself. */
  image: Float32Array | number[];
  noise: boolean;
  seed: number;
  k: number;
  samples: number;
  /** Eigenvectors of the covariance with the estimated-noise direction projected out (`PosteriorOptions.projectNoise`). */
  projectNoise?: boolean;
}

export const digitsPosterior = defineJob<DigitsPosteriorParams, DigitPosterior>(async (p, ctx) => {
  const image = checkImage(p.image);
  const set = await digitsModels(ctx.sessions, p.sigma, p.modelsUrl);
  await ctx.checkpoint();
  return digitPosterior(set, image, { noise: p.noise, seed: p.seed, k: Math.min(Math.max(p.k | 0, 0), 16), samples: p.samples | 0, projectNoise: p.projectNoise === true });
});

export interface DigitsChainsParams extends ChainOptions {
  sigma: number;
  modelsUrl?: string;
  image: Float32Array | number[];
}

/** Chains; progress after every step (`step` of `steps`) with the class-change fractions of the last recorded step. */
export const digitsChains = defineJob<DigitsChainsParams, DigitChains, ChainPoint & { steps: number }>(async (p, ctx) => {
  const image = checkImage(p.image);
  if (!(p.steps >= 1 && p.steps <= 5000)) throw new InputError(`steps must be in 1..5000, got ${p.steps}.`);
  if (!(p.chains >= 1 && p.chains <= 2000)) throw new InputError(`chains must be in 1..2000, got ${p.chains}.`);
  if (!(p.epsLangevin > 0 && p.epsOzaki > 0)) throw new InputError('step sizes must be positive.');
  const set = await digitsModels(ctx.sessions, p.sigma, p.modelsUrl);
  let last: ChainPoint = { step: 0, langevin: 0, ozaki: 0 };
  return digitChains(
    set,
    image,
    { steps: p.steps | 0, chains: p.chains | 0, epsLangevin: p.epsLangevin, epsOzaki: p.epsOzaki, every: Math.max(1, p.every | 0), show: p.show | 0, seed: p.seed },
    (point) => {
      last = point;
    },
    async (step) => {
      ctx.progress({ ...last, step, steps: p.steps });
      await ctx.checkpoint();
    },
  );
});

export interface DigitsTimingParams {
  sigma: number;
  modelsUrl?: string;
  /** The noisy image x̃ (784). */
  image: Float32Array | number[];
  /** Rows of the Jacobian to compute by autodiff (784 = the full diagonal); the time is extrapolated to 784. */
  rows: number;
}

export const digitsTiming = defineJob<DigitsTimingParams, DigitTiming, { done: number; rows: number }>(async (p, ctx) => {
  const image = checkImage(p.image);
  const set = await digitsModels(ctx.sessions, p.sigma, p.modelsUrl);
  const rows = Math.max(1, Math.min(D, p.rows | 0));
  return digitTiming(set, image, rows, 28, async (done) => {
    ctx.progress({ done, rows });
    await ctx.checkpoint();
  });
});

export const digitsJobs = {
  digitsLoad,
  digitsPosterior,
  digitsChains,
  digitsTiming,
};
