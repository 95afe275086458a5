/**
 * The start-up measurement behind `startupChoice.ts`: training steps of the default 2-D score model (DEFAULT_HYPER on
 * ring8, the Scores lab's defaults) on the active tfjs backend, through `ScoreTrainer`, so each backend runs its own
 * path (the fused step on WebGPU). One warm-up step (kernel compilation, which the first real step pays anyway), then
 * steps until `budgetMs` of timed work or `maxSteps`. Budget: on the 2-core machine's WASM a step is ~30 ms and the
 * warm-up ~70 ms, so the default 60 ms per backend keeps the whole choice near 300 ms where WebGPU is fast.
 */
import { getDensity } from '../core/densities/index.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../models/hyper.ts';
import { ScoreTrainer } from '../models/trainer.ts';

/** What is timed, for the backend info. */
export const STARTUP_WORK = "default model's training step";

export interface StartupTimingOptions {
  /** Timed work after the warm-up, in ms (default 60). */
  budgetMs?: number;
  /** Most timed steps (default 8). */
  maxSteps?: number;
  /** The model and its training settings (default DEFAULT_HYPER). */
  hyper?: TrainHyper;
}

/** Milliseconds per training step on the active backend: the timed steps' total time over their count. */
export async function timeStartupWork(opts: StartupTimingOptions = {}): Promise<number> {
  const budgetMs = opts.budgetMs ?? 60;
  const maxSteps = opts.maxSteps ?? 8;
  const trainer = ScoreTrainer.create(opts.hyper ?? DEFAULT_HYPER, getDensity('ring8'));
  try {
    // reportMs: no report between steps (each report reads back), one at the end of each train() call.
    await trainer.train(1, { reportMs: 1e9 });
    let steps = 0;
    let elapsed = 0;
    while (steps < maxSteps && elapsed < budgetMs) {
      // Batches of 1, 2, 4… steps, so a fast backend is timed over several steps in few calls.
      const n = Math.min(Math.max(1, steps), maxSteps - steps);
      const t0 = performance.now();
      await trainer.train(n, { reportMs: 1e9 });
      elapsed += performance.now() - t0;
      steps += n;
    }
    return elapsed / steps;
  } finally {
    trainer.dispose();
  }
}
