/**
 * Scenarios of the Scores lab. Each states an effect measured at its settings (README "The Scores lab's first
 * minute"; the e2e test `classroom.e2e.ts` checks it): ring8 at σ = 0.1, 300 steps without VR, then VR on.
 */
import type { Scenario } from '../types.ts';
import type { scoresParams } from './params.ts';

export const scoresScenarios: Scenario<typeof scoresParams>[] = [
  {
    id: 'vr-small-sigma',
    title: 'VR matters at small σ',
    idea: 'ring8 at σ = 0.1 with VR off: start training, then turn VR on — the per-sample loss variance falls by two to three orders of magnitude.',
    params: { density: 'ring8', sigma: 0.1, vr: false },
  },
  {
    id: 'vr-default-sigma',
    title: 'VR at the default σ = 0.3',
    idea: 'The same toggle at σ = 0.3: the variance falls by about ten times early in training and much less later — VR matters most at small σ.',
    params: { density: 'ring8', sigma: 0.3, vr: false },
  },
];
