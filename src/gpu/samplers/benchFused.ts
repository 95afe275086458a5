/**
 * The bench's fused WebGPU sampler row (issue 16): n chains of unadjusted Langevin, x ← x + (ε/2) ∇log p(x) + √ε ξ
 * (MATH.md section 3), on the exact score of a Gaussian mixture (MATH.md section 6), run by `FusedChains`: a run
 * of k steps is one `advance(k)` (⌈k/64⌉ dispatches, one submission, nothing read back), timed to the end of the
 * GPU work, under the bench's own timing rules (`measureRuns` of bench.ts). Also counts its dispatches per step.
 */
import { countDispatches } from '../dispatchCount.ts';
import { createRng } from '../../core/rng.ts';
import type { Gmm } from '../../core/types.ts';
import { median, type BenchMeasurement } from '../../engine/jobs/benchResult.ts';
import { createFusedChains } from './fusedChains.ts';
import { mixtureSource } from './gmmSource.ts';

/** The bench's timing rules: calls `timeRun(k)` (ms for k steps) for warm-up, calibration and the timed runs. */
export type MeasureRuns = (timeRun: (k: number) => Promise<number>) => Promise<{ runs: number[]; stepsPerRun: number }>;

/** Times `chains` fused Langevin chains (ε = 0.01, as the op-by-op row) on `gmm`. Needs the tfjs webgpu backend to be active. */
export async function benchFusedLangevin(gmm: Gmm, chains: number, seed: number, measureRuns: MeasureRuns): Promise<BenchMeasurement> {
  const rng = createRng(seed);
  const x0 = Float32Array.from({ length: chains * gmm.dim }, () => rng.normal());
  const fused = await createFusedChains(mixtureSource(gmm), x0, { kind: 'langevin', step: 0.01, seed, center: new Array(gmm.dim).fill(0), bound: 1e3 });
  try {
    const { runs, stepsPerRun } = await measureRuns(async (k) => {
      const t0 = performance.now();
      await fused.advance(k);
      return performance.now() - t0;
    });
    const { dispatches } = await countDispatches(() => fused.advance(stepsPerRun));
    return { task: 'fused-langevin-step', size: chains, msPerStep: median(runs), runs, stepsPerRun, dispatchesPerStep: dispatches / stepsPerRun };
  } finally {
    fused.dispose();
  }
}
