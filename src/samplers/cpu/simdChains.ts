/**
 * Chains of an exact 2-D Gaussian mixture score on WebAssembly SIMD (engine "cpu-simd"): the `Chains` contract of
 * chainsApi.ts, with the same moves and bookkeeping as the typed-array engine (`CpuChains`, the reference and the
 * fallback where SIMD is missing or the source is not a 2-D mixture), four chains per f32x4 lane group in float32
 * (src/wasm/assembly/samplers.ts, host layout in simdKernel.ts). The noise is the fused WebGPU samplers' counter-based
 * pcg4d of (seed, t, chain, stream) with Box–Muller (src/gpu/samplers/rng.ts), so any split of the iterations into
 * calls gives the same chains, and CPU and GPU chains of one seed see the same draws (to float32 and the GPU's sin/cos).
 * Long calls (at least SPLIT_MIN_WORK chain-iterations) run on every core, the chains cut into ranges (simdSplit.ts),
 * with the same result.
 */
import type { ExactFieldSource, GmmFieldSource } from '../../models/exactField.ts';
import { seedWord } from '../../gpu/samplers/rng.ts';
import { wasmSimdSupported } from '../../wasm/instantiate.ts';
import type { Chains, ChainsOptions, DivergenceInfo } from '../chainsApi.ts';
import { SimdKernel } from './simdKernel.ts';
import { SimdSplit } from './simdSplit.ts';

/**
 * Calls of at least this many chain-iterations (chains × iterations) are split over threads: below it, sending the
 * chains' state to the other threads and back costs about as much as it saves (break-even near 50k; measured in src/wasm/README.md, "Threads").
 */
export const SPLIT_MIN_WORK = 100_000;
/** The fewest chains a thread is given. */
const SPLIT_MIN_CHAINS = 256;

/** How many threads long calls use: all cores (`auto`), or at most this many. */
export type ChainThreads = 'auto' | number;

/** Why the SIMD engine cannot run chains of `source` here, or undefined when it can. */
export function simdChainsUnsupported(source: ExactFieldSource): string | undefined {
  if (source.kind !== 'gmm') return 'the cpu-simd chains engine runs Gaussian mixtures only, not grid-interpolated densities';
  if (source.dim !== 2) return `the cpu-simd chains engine runs 2-D mixtures only (this one has dimension ${source.dim})`;
  if (!wasmSimdSupported()) return 'the cpu-simd chains engine needs WebAssembly SIMD, which this runtime does not have';
  return undefined;
}

export class SimdChains implements Chains {
  readonly engine = 'cpu-simd';
  readonly d = 2;
  t = 0;
  opts: ChainsOptions;
  private cacheValid = false;
  private acceptSteps = 0;
  /** The threads of long calls: undefined until the first, null when they run on this thread only. */
  private split: Promise<SimdSplit | undefined> | null | undefined;
  /** Threads the last call ran on. */
  threadsUsed = 1;
  /** The end of the last call: calls run one after the other. */
  private last: Promise<void> = Promise.resolve();

  private constructor(
    readonly kernel: SimdKernel,
    private readonly source: GmmFieldSource,
    x0: Float32Array,
    opts: ChainsOptions,
    private readonly maxThreads: ChainThreads,
  ) {
    this.opts = { ...opts };
    kernel.setPositions(x0);
    kernel.i32(kernel.layout.dead, kernel.n4).fill(-1);
    this.configureKernel();
  }

  get n(): number {
    return this.kernel.n;
  }

  /** Chains of the 2-D mixture `source` from x0 [n·2]; long calls on up to `threads` threads. */
  static async create(source: GmmFieldSource, x0: Float32Array, opts: ChainsOptions, threads: ChainThreads = 'auto'): Promise<SimdChains> {
    const why = simdChainsUnsupported(source);
    if (why) throw new Error(why);
    if (x0.length % 2 !== 0 || x0.length === 0) throw new Error(`initial points: expected n·2 numbers, got ${x0.length}`);
    if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`threads: expected 'auto' or a whole number ≥ 1, got ${threads}`);
    checkCenter(opts.center);
    return new SimdChains(await SimdKernel.create(source, x0.length / 2), source, x0, opts, threads);
  }

  private configureKernel(): void {
    const o = this.opts;
    this.kernel.configure({ seed: seedWord(o.seed), step: o.step, clamp: !!o.clamp, center: o.center, bound: o.bound });
  }

  configure(patch: Partial<ChainsOptions>): void {
    if (patch.kind && patch.kind !== this.opts.kind) this.cacheValid = false;
    if (patch.center) checkCenter(patch.center);
    this.opts = { ...this.opts, ...patch };
    this.configureKernel();
  }

  /** k iterations; with `out`, the positions after each. */
  private async steps(k: number, out?: Float32Array): Promise<void> {
    const { kind } = this.opts;
    if (kind === 'mala') {
      if (!this.cacheValid) this.kernel.malaCache();
      this.cacheValid = true;
      this.acceptSteps += k;
    }
    const t0 = this.t;
    this.t += k;
    const split = this.n * k >= SPLIT_MIN_WORK ? await this.threads() : undefined;
    this.threadsUsed = 1;
    if (!split) {
      this.kernel.run(kind, t0, k, out);
      return;
    }
    if (await split.run(kind, t0, k, out)) this.threadsUsed = split.threads;
    // A worker failed and its chains were run here: later calls stay on this thread.
    else this.dropSplit();
  }

  /** The threads of long calls, started on first use; none where workers are not to be had. */
  private async threads(): Promise<SimdSplit | undefined> {
    if (this.split === null || this.maxThreads === 1) return undefined;
    this.split ??= SimdSplit.create(this.kernel, this.source, this.maxThreads === 'auto' ? Infinity : this.maxThreads, SPLIT_MIN_CHAINS).catch(() => undefined);
    const split = await this.split;
    if (!split) this.split = null;
    return split;
  }

  private dropSplit(): void {
    const split = this.split;
    this.split = null;
    void split?.then((s) => s?.dispose());
  }

  /** `steps` after the calls before it. */
  private queued(k: number, out?: Float32Array): Promise<void> {
    const call = this.last.then(() => this.steps(k, out));
    this.last = call.catch(() => undefined);
    return call;
  }

  async advance(k: number): Promise<void> {
    await this.queued(k);
  }

  async run(k: number): Promise<Float32Array> {
    const out = new Float32Array(k * this.n * 2);
    await this.queued(k, out);
    return out;
  }

  resetCounters(): void {
    this.kernel.u32(this.kernel.layout.acc, this.kernel.n4).fill(0);
    this.acceptSteps = 0;
  }

  reset(x0: Float32Array): void {
    if (x0.length !== this.n * 2) throw new Error(`initial points: expected ${this.n * 2} numbers, got ${x0.length}`);
    this.kernel.setPositions(x0);
    this.kernel.i32(this.kernel.layout.dead, this.kernel.n4).fill(-1);
    this.cacheValid = false;
    this.resetCounters();
    this.t = 0;
  }

  async divergence(): Promise<DivergenceInfo> {
    const at = this.kernel.i32(this.kernel.layout.dead, this.n).slice();
    let count = 0;
    for (const v of at) if (v >= 0) count++;
    return { count, at };
  }

  async acceptance(): Promise<Float32Array> {
    const acc = this.kernel.u32(this.kernel.layout.acc, this.n);
    const s = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) s[i] = this.acceptSteps > 0 ? acc[i] / this.acceptSteps : NaN;
    return s;
  }

  dispose(): void {
    this.dropSplit();
  }
}

function checkCenter(center: number[]): void {
  if (center.length !== 2) throw new Error(`the divergence center has ${center.length} coordinates, expected 2`);
}
