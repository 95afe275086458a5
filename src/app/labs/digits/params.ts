/**
 * URL parameters of the Digits lab (see `state/schema.ts` for the declaration API). Every control of the
 * lab that changes what is shown is declared here, so a shared link restores it.
 */
import { p, type ParamSchema } from '../../state/schema.ts';

/**
 * Sizes of the long runs: "quick" finishes in under 10 s on a 2-core CPU (the defaults), "full" is the paper's
 * size (chains as in Fig. 8a, the whole Hessian diagonal of Table 2). Times in estimate.ts.
 */
export const CHAIN_SIZES = { quick: { steps: 20, chains: 8 }, full: { steps: 60, chains: 32 } } as const;
export const TIMING_SIZES = { quick: { rows: 28 }, full: { rows: 784 } } as const;

export const digitsParams = {
  /** Noise level of the pretrained models. */
  sigma: p.enum(['0.3', '0.5'] as const, '0.5', 'noise level σ'),
  /** Add seeded noise at σ to the digit (otherwise the digit itself is taken as the noisy x̃). */
  noise: p.bool(true, 'add noise at σ'),
  /** MNIST test digit of the gallery to start from (-1: the drawing pad). */
  // The lab opens on an MNIST test digit (a 4) and its posterior, so the first screen is a picture; -1 is a blank pad.
  digit: p.int({ default: 4, min: -1, max: 299, label: 'gallery digit' }),
  k: p.int({ default: 4, min: 1, max: 8, label: 'eigenvectors' }),
  /** Eigenvectors of the covariance with the estimated-noise direction x̃ − mean projected out (a learned-factorisation artefact lives there). */
  projectNoise: p.bool(true, 'project out the noise direction'),
  samples: p.int({ default: 8, min: 0, max: 16, label: 'posterior samples' }),
  brush: p.int({ default: 18, min: 6, max: 40, label: 'brush size' }),
  /** Chains: steps, chains per sampler and each sampler's step size in units of σ². */
  steps: p.int({ default: CHAIN_SIZES.quick.steps, min: 5, max: 500, label: 'chain steps N' }),
  chains: p.int({ default: CHAIN_SIZES.quick.chains, min: 4, max: 256, label: 'chains per sampler' }),
  epsL: p.number({ default: 1, min: 0.01, max: 3, label: 'Langevin ε / σ²' }),
  epsO: p.number({ default: 1, min: 0.01, max: 3, label: 'Ozaki ε / σ²' }),
  /** Rows of the Jacobian of s1 computed by autodiff in the timing (784 = the whole diagonal; fewer are extrapolated). */
  rows: p.int({ default: TIMING_SIZES.quick.rows, min: 1, max: 784, label: 'autodiff rows' }),
} satisfies ParamSchema;
