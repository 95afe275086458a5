/**
 * Host side of the WebAssembly SIMD sampler kernel (src/wasm/assembly/samplers.ts): one instance per set of chains,
 * its linear memory laid out here. The mixture's components are written as the kernel reads them (32 bytes each:
 * μ₀, μ₁, Q₀₀, Q₀₁, Q₁₀, Q₁₁, c, 0 with Q = −P, float32), then the chains' arrays, each padded to n4 = ⌈n/4⌉·4
 * chains: positions [n4·2], death iterations [n4] (i32, −1 alive), MALA acceptance counts [n4] (u32) and cache
 * (s1 [n4] ×2, log q [n4]); frames for `run` are placed last, grown on demand.
 */
import type { GmmFieldSource } from '../../models/exactField.ts';
import { samplersWasm } from '../../wasm/generated/samplers.ts';
import { instantiateKernel } from '../../wasm/instantiate.ts';
import type { SamplerKind } from '../kernels.ts';

/** The kernel's exports (src/wasm/assembly/samplers.ts). */
interface SamplersExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  bindMixture(components: number, count: number, scratch: number): void;
  bindChains(x: number, dead: number, acc: number, g0: number, g1: number, logp: number, n4: number): void;
  configure(seed: number, eps: number, center0: number, center1: number, bound: number, clamp: number): void;
  langevin(t0: number, k: number, frames: number, frameStride: number): void;
  ozaki(t0: number, k: number, frames: number, frameStride: number): void;
  ozakiFull(t0: number, k: number, frames: number, frameStride: number): void;
  mala(t0: number, k: number, frames: number, frameStride: number): void;
  malaCache(): void;
  noise(out: number, n4: number, t: number): void;
  field(x: number, n4: number, out: number): void;
}

const PAGE = 65536;
const align16 = (b: number): number => (b + 15) & ~15;

/** What the kernel needs of the sampler options. */
export interface KernelStep {
  /** The seed as a u32. */
  seed: number;
  step: number;
  clamp: boolean;
  center: number[];
  bound: number;
}

export class SimdKernel {
  /** Chains rounded up to a multiple of 4. */
  readonly n4: number;
  /** Byte offsets of the chains' arrays. */
  readonly x: number;
  readonly dead: number;
  readonly acc: number;
  private readonly frames: number;
  private readonly ex: SamplersExports;

  private constructor(
    instance: WebAssembly.Instance,
    source: GmmFieldSource,
    readonly n: number,
  ) {
    this.ex = instance.exports as unknown as SamplersExports;
    const K = source.K;
    this.n4 = Math.ceil(n / 4) * 4;
    let at = align16(this.ex.heapBase());
    const take = (bytes: number): number => {
      const p = at;
      at += align16(bytes);
      return p;
    };
    const comp = take(K * 32);
    const scratch = take(K * 48);
    this.x = take(this.n4 * 8);
    this.dead = take(this.n4 * 4);
    this.acc = take(this.n4 * 4);
    const g0 = take(this.n4 * 4);
    const g1 = take(this.n4 * 4);
    const logp = take(this.n4 * 4);
    this.frames = at;
    this.reserve(at);
    const c = this.f32(comp, K * 8);
    for (let k = 0; k < K; k++) {
      c[8 * k] = source.means[2 * k];
      c[8 * k + 1] = source.means[2 * k + 1];
      for (let j = 0; j < 4; j++) c[8 * k + 2 + j] = -source.precisions[4 * k + j];
      c[8 * k + 6] = source.logConst[k];
    }
    this.ex.bindMixture(comp, K, scratch);
    this.ex.bindChains(this.x, this.dead, this.acc, g0, g1, logp, this.n4);
  }

  /** A kernel instance for n chains of the 2-D mixture `source`. */
  static async create(source: GmmFieldSource, n: number): Promise<SimdKernel> {
    if (source.dim !== 2) throw new Error(`the WebAssembly SIMD sampler kernel runs 2-D mixtures only (this one has dimension ${source.dim})`);
    return new SimdKernel(await instantiateKernel('samplers', samplersWasm), source, n);
  }

  /** Grows the memory to at least `bytes`. */
  private reserve(bytes: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Views of the memory (fresh: growing the memory detaches older ones). */
  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, at, length);
  }
  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.ex.memory.buffer, at, length);
  }
  u32(at: number, length: number): Uint32Array {
    return new Uint32Array(this.ex.memory.buffer, at, length);
  }

  /** Positions [n·2] in; the padding chains copy the last one (any finite point would do). */
  setPositions(x0: Float32Array): void {
    const x = this.f32(this.x, this.n4 * 2);
    x.set(x0);
    for (let i = this.n; i < this.n4; i++) x.copyWithin(2 * i, 2 * (this.n - 1), 2 * this.n);
  }

  /** The per-call constants of `opts` (MATH.md section 3's ε, the divergence rule, Ozaki's clamp). */
  configure(opts: KernelStep): void {
    this.ex.configure(opts.seed, opts.step, opts.center[0], opts.center[1], opts.bound, opts.clamp ? 1 : 0);
  }

  /** Fills MALA's cache (s1, log q) at the current points. */
  malaCache(): void {
    this.ex.malaCache();
  }

  /**
   * Iterations t0 + 1 … t0 + k of `kind`; with `out`, the positions after each ([k·n·2], row-major) are copied
   * there, through a frame buffer of at most `frameBytes` in the kernel's memory.
   */
  run(kind: SamplerKind, t0: number, k: number, out?: Float32Array, frameBytes = 1 << 22): void {
    const kernel = kind === 'langevin' ? this.ex.langevin : kind === 'ozaki' ? this.ex.ozaki : kind === 'ozaki-full' ? this.ex.ozakiFull : this.ex.mala;
    if (!out) {
      kernel(t0, k, 0, 0);
      return;
    }
    const stride = this.n4 * 8;
    const chunk = Math.max(1, Math.min(k, Math.floor(frameBytes / stride)));
    this.reserve(this.frames + chunk * stride);
    const frame = this.n * 2;
    for (let done = 0; done < k; ) {
      const m = Math.min(chunk, k - done);
      kernel(t0 + done, m, this.frames, stride);
      const f = this.f32(this.frames, m * this.n4 * 2);
      if (this.n4 === this.n) out.set(f, done * frame);
      else for (let i = 0; i < m; i++) out.set(f.subarray(i * this.n4 * 2, i * this.n4 * 2 + frame), (done + i) * frame);
      done += m;
    }
  }

  /** Test hook: the noise of iteration t for the chains (`configure`'s seed): ξ [n·2] and log U [n]. */
  noise(t: number): { xi: Float32Array; logU: Float32Array } {
    const out = this.frames;
    this.reserve(out + this.n4 * 12);
    this.ex.noise(out, this.n4, t);
    return { xi: this.f32(out, this.n * 2).slice(), logU: this.f32(out + this.n4 * 8, this.n).slice() };
  }

  /** Test hook: the field at m points [m·2]: s1 [m·2], s2 [m·4] (row-major 2×2), log q [m]. */
  field(points: Float32Array): { g: Float32Array; h: Float32Array; logp: Float32Array } {
    const m = points.length / 2;
    const m4 = Math.ceil(m / 4) * 4;
    const at = this.frames;
    const out = at + m4 * 8;
    this.reserve(out + m4 * 24);
    const x = this.f32(at, m4 * 2);
    x.fill(0);
    x.set(points);
    this.ex.field(at, m4, out);
    const o = this.f32(out, m4 * 6);
    const g = new Float32Array(m * 2);
    const h = new Float32Array(m * 4);
    const logp = new Float32Array(m);
    for (let i = 0; i < m; i++) {
      g[2 * i] = o[i];
      g[2 * i + 1] = o[m4 + i];
      h[4 * i] = o[2 * m4 + i];
      h[4 * i + 1] = h[4 * i + 2] = o[3 * m4 + i];
      h[4 * i + 3] = o[4 * m4 + i];
      logp[i] = o[5 * m4 + i];
    }
    return { g, h, logp };
  }
}
