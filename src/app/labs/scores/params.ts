/**
 * URL parameters of the Scores lab (see `state/schema.ts` for the declaration API). Every control of the
 * lab that changes what is shown is declared here, so a shared link restores it.
 */
import { p, type ParamSchema } from '../../state/schema.ts';

/** The 2-D densities of the registry the lab can train on (gauss100 is CLI-only). */
export const SCORES_DENSITIES = ['ring8', 'gmm2', 'corr-gauss', 'scale-mix', 'banana', 'funnel', 'two-moons'] as const;
export const S2_HEADS = ['full', 'diag', 'lowrank', 'psd', 'none'] as const;
export const ACTIVATION_NAMES = ['softplus', 'tanh', 'silu', 'relu'] as const;
export const SPEEDS = ['1', '5', '20', 'max'] as const;

export const scoresParams = {
  density: p.enum(SCORES_DENSITIES, 'ring8', 'density'),
  sigma: p.number({ default: 0.3, min: 0.02, max: 2, label: 'noise level σ' }),
  /** Second-order head (MATH.md section 2); none: s1 only, s2 by autodiff. */
  s2: p.enum(S2_HEADS, 'full', 's2 head'),
  rank: p.int({ default: 1, min: 1, max: 2, label: 'rank r' }),
  shareTrunk: p.bool(false, 'shared trunk'),
  width: p.int({ default: 64, min: 4, max: 256, label: 'width' }),
  depth: p.int({ default: 2, min: 1, max: 4, label: 'hidden layers' }),
  act: p.enum(ACTIVATION_NAMES, 'tanh', 'activation'),
  /** Objective and optimiser: changed live, the model is kept. */
  vr: p.bool(true, 'variance reduction'),
  gamma: p.number({ default: 1, min: 0, max: 20, label: 'γ' }),
  stopGrad: p.bool(false, 'stop-gradient'),
  batch: p.int({ default: 512, min: 16, max: 4096, label: 'batch' }),
  lr: p.number({ default: 2e-3, min: 1e-5, max: 0.1, label: 'learning rate' }),
  /** Steps per frame while training ('max': as fast as the backend goes). */
  speed: p.enum(SPEEDS, 'max', 'speed'),
  /** Display only. */
  noisy: p.bool(true, 'noisy samples'),
  glyph: p.enum(['cross', 'ellipse'] as const, 'cross', 'glyph'),
  comp: p.enum(['fro', '11', '12', '22'] as const, 'fro', 'error component'),
} satisfies ParamSchema;

/** The parameters that define the model: changing one discards a trained model (after a confirmation). */
export const MODEL_KEYS = ['density', 'sigma', 's2', 'rank', 'shareTrunk', 'width', 'depth', 'act'] as const;
/** The parameters a running training picks up live (engine `train.configure`). */
export const LIVE_KEYS = ['vr', 'gamma', 'stopGrad', 'batch', 'lr'] as const;
