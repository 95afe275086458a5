/**
 * Scenarios of the Digit inverse lab (issue 15). Each sets up one idea of paper 2 on MNIST digits; the ideas state
 * what the shipped models do (measured with `tweedie inverse …`, README "Paper 2 on digits").
 */
import type { Scenario } from '../types.ts';
import { DEFAULT_BOX, DEFAULT_DIGIT, type inverseDigitsParams } from './params.ts';

type S = Scenario<typeof inverseDigitsParams>;

const SAMPLER = { corrector: 'mala', schedule: 'geometric', levels: 20, steps: 4, stepSize: 0.1, samples: 8 } as const;

export const HIDE_TOP: S = {
  id: 'hide-top-9',
  title: 'Hide the top of a 9',
  idea: 'An MNIST 9 with its loop hidden (box 4,2,20,12): press Reconstruct. The samples fill the box with different plausible tops, and the classifier labels say which digits the stem is compatible with (on this 9 with the default seed: 9s and 4s, three and five); the std map is bright inside the box and dark on the seen pixels.',
  params: { digit: DEFAULT_DIGIT, problem: 'box', bx: DEFAULT_BOX.x, by: DEFAULT_BOX.y, bw: DEFAULT_BOX.w, bh: DEFAULT_BOX.h, sigma1: 0.02, ...SAMPLER },
};

export const FEW_PIXELS: S = {
  id: 'few-pixels',
  title: 'Few pixels: k = 25',
  idea: 'Only 25 random pixels of the 9 are seen: press Reconstruct. With so little evidence the samples disagree far more than with a hidden box (look at their labels and the std map), and the posterior mean is a blur of them.',
  params: { digit: DEFAULT_DIGIT, problem: 'kpix', k: 25, sigma1: 0.02, ...SAMPLER },
};

export const BLIND: S = {
  id: 'blind-box',
  title: 'Blind: which box?',
  idea: 'A centred 10 × 10 box is hidden and the seen pixels carry noise σ1 = 0.1: run blind estimation. Both models find the box size (the Gaussian part of the energy already tells a hidden pixel from a seen one), but only the A-CSM model, whose normaliser is the same for every Σ, also gets σ1 right: over 50 test digits 98% of its estimates were within ±2 px and a factor 1.5, against 42% for the A-DSM-only model, which overestimates σ1.',
  params: { digit: DEFAULT_DIGIT, blindW: 10, blindS1: 0.1, blindGrid: 'fine' },
};

export const SMALL_BUDGET: S = {
  id: 'schedules-small-budget',
  title: 'Schedules on a small budget',
  idea: 'The top of the 9 hidden, 6 levels with 1 MALA step each: press Compare schedules. Both schedules reach the same final Σ in 6 levels; the energy-guided one chooses, region by region, how fast to shrink Σ (see the λ-path plot), which matters most when the budget is small.',
  params: { digit: DEFAULT_DIGIT, problem: 'box', bx: DEFAULT_BOX.x, by: DEFAULT_BOX.y, bw: DEFAULT_BOX.w, bh: DEFAULT_BOX.h, sigma1: 0.02, corrector: 'mala', levels: 6, steps: 1, stepSize: 0.1, samples: 8 },
};

export const inverseDigitsScenarios: S[] = [HIDE_TOP, FEW_PIXELS, BLIND, SMALL_BUDGET];
