/**
 * Scenarios of the Digits lab, each with an effect measured at its settings (the e2e test `classroom.e2e.ts` checks
 * it): with the quick timing (28 autodiff rows, extrapolated to 784), the diagonal of the Hessian by autodiff of s1
 * took 5,113× one low-rank s2 evaluation on WASM on the 2-core test machine (paper Table 2: about 500× on a GPU).
 */
import type { Scenario } from '../types.ts';
import { TIMING_SIZES, type digitsParams } from './params.ts';

export const digitsScenarios: Scenario<typeof digitsParams>[] = [
  {
    id: 'why-direct-s2',
    title: 'Why learn s2 directly: time it',
    idea: 'An MNIST 4 at σ = 0.5: press "time it" — autodiff of s1 needs a backward pass per pixel for what one s2 evaluation gives.',
    params: { digit: 4, sigma: '0.5', rows: TIMING_SIZES.quick.rows },
  },
];
