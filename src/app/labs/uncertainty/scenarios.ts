/**
 * Scenarios of the Uncertainty lab, with the exact posterior's shape at their settings (closed form, MATH.md section
 * 4; the e2e test `classroom.e2e.ts` checks it): on gmm2 at σ = 1, the longest axis of the posterior at the
 * mid-point between the modes is 1.32, against 0.61 and 0.65 at the modes, and points from one mode to the other.
 */
import type { Scenario } from '../types.ts';
import type { uncertaintyParams } from './params.ts';

export const uncertaintyScenarios: Scenario<typeof uncertaintyParams>[] = [
  {
    id: 'between-modes',
    title: 'Uncertainty between modes',
    idea: 'gmm2 at σ = 1 with x̃ half-way between the modes: the posterior stretches from one mode to the other, twice as long as at either mode.',
    params: { density: 'gmm2', sigma: 1, at: [0, 0.1] },
  },
  {
    id: 'at-a-mode',
    title: 'Uncertainty at a mode',
    idea: 'The same σ = 1 with x̃ on the right-hand mode: a smaller ellipse, tilted like that mode.',
    params: { density: 'gmm2', sigma: 1, at: [1.5, -0.6] },
  },
];
