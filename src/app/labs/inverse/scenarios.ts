/**
 * Scenarios of the Inverse-problems lab. Each states an effect measured at its settings (the e2e test
 * `inverseClassroom.e2e.ts` checks it).
 *
 * Geometric vs energy-guided Σ schedules (measured with `energy.posterior`, 500 chains, seeds 1–5, on gmm2): on
 * inpainting only the missing direction anneals (the seen one starts at the final variance), so both schedules take
 * the same path and give the same W1. On y = Hx + σv with H = diag(1, 0.3), σ = 0.3, y = (1, 0.5), both directions
 * anneal; with a small budget (5 levels, 1 MALA step per level) the energy-guided path shrinks σ1 first where the
 * geometric one holds it, and its sliced W1 to the exact posterior is 0.018–0.032 against 0.038–0.078 geometric
 * (exact energy and the pretrained A-CSM model alike). At the default budget (20 levels, 4 MALA steps) both reach
 * the noise floor: the schedule matters when the budget is small.
 */
import type { Scenario } from '../types.ts';
import type { inverseParams } from './params.ts';

/** The settings where the two Σ schedules differ (see the module note). */
export const SCHEDULE_SCENARIO: Scenario<typeof inverseParams> = {
  id: 'energy-schedule',
  title: 'Energy-guided Σ schedule on a small budget',
  idea: 'y = Hx + σv with H = diag(1, 0.3), σ = 0.3, y = (1, 0.5), 5 levels with 1 MALA step each: run "Geometric vs energy-guided": the energy-guided path shrinks σ1 at once and σ2 slowly (the geometric one holds σ1 and shrinks σ2 first) and lands about twice as close to the exact posterior (half the sliced W1).',
  params: { problem: 'linear', operator: 'scale', noise: 0.3, obs1: 1, obs2: 0.5, levels: 5, correctorSteps: 1, corrector: 'mala', stepSize: 0.5 },
};

export const inverseScenarios: Scenario<typeof inverseParams>[] = [SCHEDULE_SCENARIO];
