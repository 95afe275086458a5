/**
 * Scenarios of the Samplers lab. Each states an effect measured at its settings (the e2e test
 * `samplersClassroom.e2e.ts` checks it).
 */
import type { Scenario } from '../types.ts';
import type { samplersParams } from './params.ts';

export const samplersScenarios: Scenario<typeof samplersParams>[] = [
  {
    id: 'ozaki-big-steps',
    title: 'Ozaki takes big steps on a correlated Gaussian',
    idea: 'corr-gauss: Langevin at ε = 0.09, just past its stability limit 0.08, diverges in every chain; Ozaki (full 2×2) at ε = 2 samples it exactly. Press Play.',
    params: { density: 'corr-gauss', score: 'exact', samplerA: 'langevin', stepA: 0.09, samplerB: 'ozaki-full', stepB: 2 },
  },
];
