/**
 * What the Samplers lab's session and `runChains` need from a set of chains, whatever runs them: the tfjs
 * op-by-op reference (`ChainSet`, chains.ts), typed arrays on the CPU, or fused WebGPU kernels. Every
 * implementation follows MATH.md section 3 and the same bookkeeping: common random numbers (the noise of
 * iteration t is a function of (seed, t) only, per implementation), per-chain divergence (non-finite, or
 * |x_i − center_i| > bound: the iteration is recorded and the chain frozen at its last position), MALA
 * acceptance counted since `resetCounters`. Positions cross this interface as Float32Arrays [n·d], row-major.
 */
import type { MoveOptions } from './kernels.ts';

export interface ChainsOptions extends MoveOptions {
  seed: number;
  /** A chain is diverged when a coordinate is non-finite or |x_i − center_i| > bound. */
  center: number[];
  bound: number;
}

/** Per-chain divergence. */
export interface DivergenceInfo {
  /** Number of chains that diverged so far. */
  count: number;
  /** For each chain, the iteration (1-based) at which it diverged, or −1. */
  at: Int32Array;
}

export interface Chains {
  readonly n: number;
  readonly d: number;
  /** Iterations done since the initial points. */
  readonly t: number;
  readonly opts: ChainsOptions;
  /** Which implementation runs the steps, for the badge and the bench (e.g. "tfjs", "cpu", "webgpu-fused"). */
  readonly engine: string;
  /** Changes the step size, sampler or clamp (or the seed); takes effect at the next step. */
  configure(patch: Partial<ChainsOptions>): void;
  /** Advances k iterations without reading positions back (burn-in); resolves when the work is done. */
  advance(k: number): Promise<void>;
  /** Advances k iterations and resolves to the positions after each of them, [k·n·d]. */
  run(k: number): Promise<Float32Array>;
  /** Zeroes the acceptance counters (e.g. at the end of burn-in). */
  resetCounters(): void;
  /** Puts the chains back at x0 ([n·d]): iteration 0, all alive, counters zeroed. */
  reset(x0: Float32Array): void;
  divergence(): Promise<DivergenceInfo>;
  /** Acceptance rate per chain (MALA), NaN where no step was counted. */
  acceptance(): Promise<Float32Array>;
  dispose(): void;
}
