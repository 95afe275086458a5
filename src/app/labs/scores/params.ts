/**
 * URL parameters of the Scores lab (see `state/schema.ts` for the declaration API). Every control of the
 * lab that changes what is shown is declared here, so a shared link restores it.
 */
import { ACTIVATIONS, DEFAULT_HYPER, S2_KINDS } from '../../../models/hyper.ts';
import { p, type ParamSchema } from '../../state/schema.ts';

/** The 2-D densities of the registry the lab can train on (gauss100 is CLI-only). */
export const SCORES_DENSITIES = ['ring8', 'gmm2', 'corr-gauss', 'scale-mix', 'banana', 'funnel', 'two-moons'] as const;
export const SPEEDS = ['1', '5', '20', 'max'] as const;

export const scoresParams = {
  density: p.enum(SCORES_DENSITIES, 'ring8', 'density'),
  sigma: p.number({ default: DEFAULT_HYPER.sigma, min: 0.02, max: 2, label: 'noise level σ' }),
  /** Second-order head (MATH.md section 2); none: s1 only, s2 by autodiff. */
  s2: p.enum(S2_KINDS, DEFAULT_HYPER.s2, 's2 head'),
  rank: p.int({ default: DEFAULT_HYPER.rank, min: 1, max: 2, label: 'rank r' }),
  shareTrunk: p.bool(DEFAULT_HYPER.shareTrunk, 'shared trunk'),
  width: p.int({ default: DEFAULT_HYPER.width, min: 4, max: 256, label: 'width' }),
  depth: p.int({ default: DEFAULT_HYPER.depth, min: 1, max: 4, label: 'hidden layers' }),
  act: p.enum(ACTIVATIONS, DEFAULT_HYPER.act, 'activation'),
  /** Objective and optimiser: changed live, the model is kept. */
  vr: p.bool(DEFAULT_HYPER.vr, 'variance reduction'),
  gamma: p.number({ default: DEFAULT_HYPER.gamma, min: 0, max: 20, label: 'γ' }),
  stopGrad: p.bool(DEFAULT_HYPER.stopGrad, 'stop-gradient'),
  batch: p.int({ default: DEFAULT_HYPER.batch, min: 16, max: 4096, label: 'batch' }),
  lr: p.number({ default: DEFAULT_HYPER.lr, min: 1e-5, max: 0.1, label: 'learning rate' }),
  /** Steps per frame while training ('max': as fast as the backend goes). */
  speed: p.enum(SPEEDS, 'max', 'speed'),
  /** Display only. */
  noisy: p.bool(true, 'noisy samples'),
  glyph: p.enum(['cross', 'ellipse'] as const, 'cross', 'glyph'),
  comp: p.enum(['fro', '11', '12', '22'] as const, 'fro', 'error component'),
} satisfies ParamSchema;

/** The parameters that define the model: changing one discards a trained model (after a confirmation). */
export const MODEL_KEYS = ['density', 'sigma', 's2', 'rank', 'shareTrunk', 'width', 'depth', 'act'] as const;
