/**
 * Timing of the WASM training step for the bench job: the same model, data and objective as the bench's op-by-op
 * train step (σ-weighted DSM, MATH.md section 2; Adam), run by this folder's kernels. A run takes k steps, each drawing
 * its batch from the data pool and its noise on the CPU, as the trainer does; ms per step = run time / k.
 */
import type * as tf from '@tensorflow/tfjs';
import { normals } from '../../core/rng.ts';
import type { Rng } from '../../core/types.ts';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { WasmTrainStep, type WasmSettings } from './wasmTrainStep.ts';

/** The bench's run timer: calls `timeRun(k)` (ms for k steps) by its rules and returns ms per step of every run. */
export type MeasureRuns = (timeRun: (k: number) => Promise<number>) => Promise<{ runs: number[]; stepsPerRun: number }>;

/** Times WASM steps of an s1 model (`spec`, weights `vars` in `namedVariables` order) on batches from `pool` (n × dim). */
export async function timeWasmTrain(
  spec: ScoreModelSpec,
  vars: readonly tf.Variable[],
  pool: Float32Array,
  settings: WasmSettings,
  rng: Rng,
  measureRuns: MeasureRuns,
): Promise<{ runs: number[]; stepsPerRun: number }> {
  const d = spec.dim;
  const n = pool.length / d;
  const step = new WasmTrainStep(spec, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const x = new Float32Array(settings.batch * d);
  const run = async (k: number): Promise<number> => {
    const t0 = performance.now();
    for (let s = 0; s < k; s++) {
      for (let i = 0; i < settings.batch; i++) {
        const j = rng.int(n) * d;
        x.set(pool.subarray(j, j + d), i * d);
      }
      step.step(x, Float32Array.from(normals(rng, settings.batch * d)), settings);
    }
    return performance.now() - t0;
  };
  try {
    await step.load(vars);
    return await measureRuns(run);
  } finally {
    step.destroy();
  }
}
