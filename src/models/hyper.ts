/**
 * The names, choices and defaults of a score-model training run, in one module without tfjs: the Scores lab's
 * URL parameters (UI bundle), the flags of `tweedie train` and the trainer all read them from here.
 */

/** Second-order heads (MATH.md section 2); `none`: s1 only, s2 by autodiff of s1. */
export type S2Kind = 'full' | 'diag' | 'lowrank' | 'psd' | 'none';
export const S2_KINDS: readonly S2Kind[] = ['full', 'diag', 'lowrank', 'psd', 'none'];

/** Activations of the MLPs (`relu`: its autodiff Hessian is piecewise constant). */
export type ActivationName = 'softplus' | 'tanh' | 'silu' | 'relu';
export const ACTIVATIONS: readonly ActivationName[] = ['softplus', 'tanh', 'silu', 'relu'];

/** The hyper-parameters of a training run (everything but the data). */
export interface TrainHyper {
  sigma: number;
  s2: S2Kind;
  rank: number;
  vr: boolean;
  gamma: number;
  stopGrad: boolean;
  width: number;
  depth: number;
  act: ActivationName;
  shareTrunk: boolean;
  batch: number;
  lr: number;
  seed: number;
  /** Output scale c of the s2 head (`ScoreModelSpec.s2Scale`): a number, or 'auto' for `s2OutputScale` of σ and the data; absent: 1. */
  s2Scale?: number | 'auto';
}

/** Settings that can change during training without a new model. */
export const LIVE_SETTINGS = ['vr', 'gamma', 'stopGrad', 'batch', 'lr'] as const;
export type LiveSetting = (typeof LIVE_SETTINGS)[number];

/**
 * Defaults for the 2-D lab: tanh MLPs as in paper 1 (App. C.2; on ring8 a softplus MLP learned ten times slower
 * in our runs), variance reduction on (Sec. 4.3: crucial at small σ), and batch 512: in the same wall time on
 * WASM, ring8's direct-s2 MSE ended 2.4–4.4× lower than with batch 256 (README, the Scores lab's first minute).
 */
export const DEFAULT_HYPER: TrainHyper = {
  sigma: 0.3,
  s2: 'full',
  rank: 1,
  vr: true,
  gamma: 1,
  stopGrad: false,
  width: 64,
  depth: 2,
  act: 'tanh',
  shareTrunk: false,
  batch: 512,
  lr: 2e-3,
  seed: 1,
};

/**
 * The settings of a run continued from a saved model: σ and the architecture come from the model's spec, the
 * objective and optimiser settings (and the seed) from the file's training record, the rest from the defaults.
 */
export function hyperOfModel(
  saved: Partial<TrainHyper> | undefined,
  spec: Pick<TrainHyper, 'sigma' | 's2' | 'rank' | 'width' | 'depth' | 'act' | 'shareTrunk'>,
): TrainHyper {
  const base: TrainHyper = { ...DEFAULT_HYPER, ...(saved ?? {}) };
  const { sigma, s2, rank, width, depth, act, shareTrunk } = spec;
  return { ...base, sigma, s2, rank: rank || base.rank, width, depth, act, shareTrunk };
}
