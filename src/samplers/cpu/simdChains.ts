/**
 * Chains of an exact 2-D Gaussian mixture score on WebAssembly SIMD (engine "cpu-simd"): the `Chains` contract of
 * chainsApi.ts, with the same moves and bookkeeping as the typed-array engine (`CpuChains`, the reference and the
 * fallback where SIMD is missing or the source is not a 2-D mixture), four chains per f32x4 lane group in float32
 * (src/wasm/assembly/samplers.ts, host layout in simdKernel.ts). The noise is the fused WebGPU samplers' counter-based
 * pcg4d of (seed, t, chain, stream) with Box–Muller (src/gpu/samplers/rng.ts), so any split of the iterations into
 * calls gives the same chains, and CPU and GPU chains of one seed see the same draws (to float32 and the GPU's sin/cos).
 */
import type { ExactFieldSource, GmmFieldSource } from '../../models/exactField.ts';
import { seedWord } from '../../gpu/samplers/rng.ts';
import { wasmSimdSupported } from '../../wasm/instantiate.ts';
import type { Chains, ChainsOptions, DivergenceInfo } from '../chainsApi.ts';
import { SimdKernel } from './simdKernel.ts';

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

  private constructor(
    readonly kernel: SimdKernel,
    x0: Float32Array,
    opts: ChainsOptions,
  ) {
    this.opts = { ...opts };
    kernel.setPositions(x0);
    kernel.i32(kernel.dead, kernel.n4).fill(-1);
    this.configureKernel();
  }

  get n(): number {
    return this.kernel.n;
  }

  /** Chains of the 2-D mixture `source` from x0 [n·2]. */
  static async create(source: GmmFieldSource, x0: Float32Array, opts: ChainsOptions): Promise<SimdChains> {
    const why = simdChainsUnsupported(source);
    if (why) throw new Error(why);
    if (x0.length % 2 !== 0 || x0.length === 0) throw new Error(`initial points: expected n·2 numbers, got ${x0.length}`);
    checkCenter(opts.center);
    return new SimdChains(await SimdKernel.create(source, x0.length / 2), x0, opts);
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
  private steps(k: number, out?: Float32Array): void {
    const { kind } = this.opts;
    if (kind === 'mala') {
      if (!this.cacheValid) this.kernel.malaCache();
      this.cacheValid = true;
      this.acceptSteps += k;
    }
    this.kernel.run(kind, this.t, k, out);
    this.t += k;
  }

  async advance(k: number): Promise<void> {
    this.steps(k);
  }

  async run(k: number): Promise<Float32Array> {
    const out = new Float32Array(k * this.n * 2);
    this.steps(k, out);
    return out;
  }

  resetCounters(): void {
    this.kernel.u32(this.kernel.acc, this.kernel.n4).fill(0);
    this.acceptSteps = 0;
  }

  reset(x0: Float32Array): void {
    if (x0.length !== this.n * 2) throw new Error(`initial points: expected ${this.n * 2} numbers, got ${x0.length}`);
    this.kernel.setPositions(x0);
    this.kernel.i32(this.kernel.dead, this.kernel.n4).fill(-1);
    this.cacheValid = false;
    this.resetCounters();
    this.t = 0;
  }

  async divergence(): Promise<DivergenceInfo> {
    const at = this.kernel.i32(this.kernel.dead, this.n).slice();
    let count = 0;
    for (const v of at) if (v >= 0) count++;
    return { count, at };
  }

  async acceptance(): Promise<Float32Array> {
    const acc = this.kernel.u32(this.kernel.acc, this.n);
    const s = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) s[i] = this.acceptSteps > 0 ? acc[i] / this.acceptSteps : NaN;
    return s;
  }

  dispose(): void {}
}

function checkCenter(center: number[]): void {
  if (center.length !== 2) throw new Error(`the divergence center has ${center.length} coordinates, expected 2`);
}
