/**
 * Expected run times of the Digits lab's long jobs, said before they start. A cost model is a fixed part plus a
 * cost per unit of work (chains: chain steps, steps × chains; timing: Jacobian rows, with the warm-up batch).
 * The shipped models were measured in this app on a 2-core CPU with the WASM backend (README, "In class", long
 * runs); after a run the lab recalibrates the per-unit cost from what the run took on the user's machine.
 */

export interface CostModel {
  /** Seconds that do not grow with the work (the classifier, the s2 medians, the worker round trip). */
  fixedS: number;
  /** Seconds per unit of work. */
  perUnitS: number;
  /** Where the numbers come from: the shipped measurement, or the user's last run. */
  source: 'measured' | 'last run';
}

/**
 * Chains: 2-core CPU, WASM, σ = 0.5, Langevin and Ozaki together, per chain step. Measured in the app (button to
 * figures, other tests running on the machine): 20 steps × 8 chains 8.2–9.6 s, 10 × 16 9.4 s, 60 × 32 77.8 s.
 */
export const CHAINS_COST: CostModel = { fixedS: 2, perUnitS: 0.04, source: 'measured' };
/**
 * Timing: 2-core CPU, WASM, per autodiff row (the first batch of ≤ 28 rows runs twice: warm-up). Measured in the
 * app: 28 rows 7.5–8.3 s, 784 rows 86.8 s (the issue saw 92–100 s).
 */
export const TIMING_COST: CostModel = { fixedS: 2, perUnitS: 0.105, source: 'measured' };

/** Chain steps of a chains run: each of `chains` chains per sampler takes `steps` steps. */
export function chainUnits(steps: number, chains: number): number {
  return steps * chains;
}

/** Autodiff rows a timing run computes, the warm-up batch (up to `batch` rows) included. */
export function timingUnits(rows: number, batch = 28): number {
  return rows + Math.min(rows, batch);
}

/** Expected seconds of `units` of work under `model`. */
export function expectedSeconds(model: CostModel, units: number): number {
  return model.fixedS + model.perUnitS * units;
}

/**
 * The model recalibrated from one finished run of `units` that took `elapsedS`: the fixed part is kept, the
 * per-unit cost becomes what this run showed (never below a tenth of the shipped one, so a tiny run that is all
 * fixed cost does not promise instant big runs).
 */
export function calibrate(model: CostModel, units: number, elapsedS: number, floor = model.perUnitS / 10): CostModel {
  if (!(units > 0 && elapsedS > 0)) return model;
  return { fixedS: model.fixedS, perUnitS: Math.max(floor, (elapsedS - model.fixedS) / units), source: 'last run' };
}

/** "≈ 8 s", "≈ 95 s", "≈ 2.5 min". */
export function formatDuration(s: number): string {
  if (s < 10) return `≈ ${Math.max(1, Math.round(s))} s`;
  if (s < 120) return `≈ ${Math.round(s / 5) * 5} s`;
  return `≈ ${(s / 60).toFixed(1)} min`;
}
