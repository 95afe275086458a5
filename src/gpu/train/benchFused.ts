/**
 * Timing of the fused training step for the bench job: the same model, data and objective as the bench's op-by-op
 * train step (σ-weighted DSM, MATH.md section 2; Adam), with k steps per submission. A run encodes k steps (drawing
 * each batch from the data pool on the CPU, as the trainer does), submits them and awaits the queue; ms per step =
 * run time / k. Also counts the compute dispatches of one step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/types.ts';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { tfjsDevice } from '../device.ts';
import { countDispatches } from '../dispatchCount.ts';
import { FusedTrainStep, MAX_STEPS_PER_SUBMIT, type FusedBatch, type FusedSettings } from './fusedTrainStep.ts';

/** The spec of the bench's model: a 2-hidden-layer softplus s1 MLP on 2-D inputs, no input standardisation. */
export function fusedBenchSpec(hidden: number, sigma: number): ScoreModelSpec {
  return { dim: 2, sigma, s2: 'none', rank: 0, width: hidden, depth: 2, act: 'softplus', shareTrunk: false, inputShift: [0, 0], inputScale: [1, 1] };
}

export interface FusedBenchTiming {
  runMs: number;
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
}

export interface FusedBenchResult {
  /** ms per step of every timed run. */
  runs: number[];
  stepsPerRun: number;
  /** Compute dispatches of one step. */
  dispatchesPerStep: number;
}

/**
 * Times fused steps of an s1 model (`spec`, weights `vars` in `namedVariables` order) on batches drawn with `rng`
 * from `pool` (n × dim clean points). `checkpoint` is awaited between runs (cancellation).
 */
export async function timeFusedTrain(
  spec: ScoreModelSpec,
  vars: readonly tf.Variable[],
  pool: Float32Array,
  settings: FusedSettings,
  rng: Rng,
  opt: FusedBenchTiming,
  checkpoint: () => Promise<void>,
): Promise<FusedBenchResult> {
  const d = spec.dim;
  const n = pool.length / d;
  const fused = new FusedTrainStep(tfjsDevice(), spec, { seed: 1, noise: 'shader', adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } });
  let step = 0;
  const batch = (): FusedBatch => {
    const x = new Float32Array(settings.batch * d);
    for (let i = 0; i < settings.batch; i++) {
      const j = rng.int(n) * d;
      x.set(pool.subarray(j, j + d), i * d);
    }
    return { x };
  };
  const run = async (k: number): Promise<number> => {
    const t0 = performance.now();
    fused.enqueue(Array.from({ length: k }, batch), settings, step);
    step += k;
    await fused.done();
    return performance.now() - t0;
  };
  try {
    await fused.load(vars);
    await fused.prepare(settings);
    // Warm-up (pipeline creation, first allocations), then one step to calibrate steps per run.
    await run(1);
    await checkpoint();
    const one = await run(1);
    const stepsPerRun = Math.max(1, Math.min(MAX_STEPS_PER_SUBMIT, Math.round(opt.runMs / Math.max(one, 0.01))));
    const runs: number[] = [];
    const t0 = performance.now();
    while (runs.length < opt.maxRuns && (runs.length < opt.minRuns || performance.now() - t0 < opt.budgetMs)) {
      await checkpoint();
      runs.push((await run(stepsPerRun)) / stepsPerRun);
    }
    const { dispatches } = await countDispatches(() => run(1));
    return { runs, stepsPerRun, dispatchesPerStep: dispatches };
  } finally {
    fused.destroy();
  }
}
