/**
 * Host side of the WebAssembly SIMD sampler kernel (src/wasm/assembly/samplers.ts): one instance per set of chains,
 * its linear memory laid out here (`kernelLayout`). The mixture's components are written as the kernel reads them
 * (`componentBlock`), then the chains' arrays, each padded to n4 = ⌈n/4⌉·4 chains: positions [n4·2], death iterations
 * [n4] (i32, −1 alive), MALA acceptance counts [n4] (u32) and cache (s1 [n4] ×2, log q [n4]); frames for `run` are
 * placed last, grown on demand. The same layout, for a range of the chains, serves the instances on other threads
 * (simdSplit.ts).
 */
import type { GmmFieldSource } from '../../models/exactField.ts';
import { samplersWasm } from '../../wasm/generated/samplers.ts';
import { compiledKernel, instantiateKernel } from '../../wasm/instantiate.ts';
import type { SamplerKind } from '../kernels.ts';

/** The kernel's exports (src/wasm/assembly/samplers.ts). */
interface SamplersExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  bindMixture(components: number, count: number, scratch: number): void;
  bindChains(x: number, dead: number, acc: number, g0: number, g1: number, logp: number, n4: number, first: number): void;
  configure(seed: number, eps: number, center0: number, center1: number, bound: number, clamp: number): void;
  langevin(t0: number, k: number, frames: number, frameStride: number): void;
  ozaki(t0: number, k: number, frames: number, frameStride: number): void;
  ozakiFull(t0: number, k: number, frames: number, frameStride: number): void;
  mala(t0: number, k: number, frames: number, frameStride: number): void;
  malaCache(): void;
  noise(out: number, n4: number, t: number): void;
  field(x: number, n4: number, out: number): void;
}

/** The kernel's export that runs each sampler. */
export const KERNEL_MOVE = { langevin: 'langevin', ozaki: 'ozaki', 'ozaki-full': 'ozakiFull', mala: 'mala' } as const satisfies Record<SamplerKind, keyof SamplersExports>;

const PAGE = 65536;
const align16 = (b: number): number => (b + 15) & ~15;

/** Byte offsets of the kernel's data in an instance's memory. */
export interface KernelLayout {
  comp: number;
  scratch: number;
  x: number;
  dead: number;
  acc: number;
  g0: number;
  g1: number;
  logp: number;
  /** Where frames go (the end of the layout). */
  frames: number;
}

/** The layout for n4 chains of a K-component mixture, from the kernel's first free byte. */
export function kernelLayout(heapBase: number, K: number, n4: number): KernelLayout {
  let at = align16(heapBase);
  const take = (bytes: number): number => {
    const p = at;
    at += align16(bytes);
    return p;
  };
  const comp = take(K * 32);
  const scratch = take(K * 48);
  const x = take(n4 * 8);
  const dead = take(n4 * 4);
  const acc = take(n4 * 4);
  const g0 = take(n4 * 4);
  const g1 = take(n4 * 4);
  const logp = take(n4 * 4);
  return { comp, scratch, x, dead, acc, g0, g1, logp, frames: at };
}

/** The mixture's components as the kernel reads them: 8 float32 each, μ₀, μ₁, Q₀₀, Q₀₁, Q₁₀, Q₁₁, c, 0 with Q = −P. */
export function componentBlock(source: GmmFieldSource): Float32Array {
  const c = new Float32Array(source.K * 8);
  for (let k = 0; k < source.K; k++) {
    c[8 * k] = source.means[2 * k];
    c[8 * k + 1] = source.means[2 * k + 1];
    for (let j = 0; j < 4; j++) c[8 * k + 2 + j] = -source.precisions[4 * k + j];
    c[8 * k + 6] = source.logConst[k];
  }
  return c;
}

/**
 * The arguments of the kernel's `bindChains` for n4 chains numbered from `first`, stored in `layout` from its chain
 * `at` on (0 for an instance holding just those chains; `first` for one holding them all).
 */
export function bindChainsArgs(layout: KernelLayout, n4: number, first: number, at = 0): number[] {
  const at4 = at * 4;
  return [layout.x + at * 8, layout.dead + at4, layout.acc + at4, layout.g0 + at4, layout.g1 + at4, layout.logp + at4, n4, first];
}

/**
 * How many iterations' frames of `stride` bytes a call of k iterations writes at once: all k, or as many as fit in
 * `frameBytes` (at least one).
 */
export function framesPerCall(k: number, stride: number, frameBytes: number): number {
  return Math.max(1, Math.min(k, Math.floor(frameBytes / stride)));
}

/** What the kernel needs of the sampler options. */
export interface KernelStep {
  /** The seed as a u32. */
  seed: number;
  step: number;
  clamp: boolean;
  center: number[];
  bound: number;
}

/** The arguments of the kernel's `configure` for `opts`. */
export function configureArgs(opts: KernelStep): number[] {
  return [opts.seed, opts.step, opts.center[0], opts.center[1], opts.bound, opts.clamp ? 1 : 0];
}

/** The default cap on the bytes of frames a call writes before they are copied out. */
export const FRAME_BYTES = 1 << 22;

export class SimdKernel {
  /** Chains rounded up to a multiple of 4. */
  readonly n4: number;
  readonly layout: KernelLayout;
  /** The arguments of the last `configure`. */
  configured: number[] = [];
  private readonly ex: SamplersExports;

  private constructor(
    /** The compiled kernel (for instances on other threads). */
    readonly module: WebAssembly.Module,
    instance: WebAssembly.Instance,
    source: GmmFieldSource,
    readonly n: number,
  ) {
    this.ex = instance.exports as unknown as SamplersExports;
    this.n4 = Math.ceil(n / 4) * 4;
    const l = kernelLayout(this.ex.heapBase(), source.K, this.n4);
    this.layout = l;
    this.reserve(l.frames);
    this.f32(l.comp, source.K * 8).set(componentBlock(source));
    this.ex.bindMixture(l.comp, source.K, l.scratch);
    this.bind(0, this.n4);
  }

  /** A kernel instance for n chains of the 2-D mixture `source`. */
  static async create(source: GmmFieldSource, n: number): Promise<SimdKernel> {
    if (source.dim !== 2) throw new Error(`the WebAssembly SIMD sampler kernel runs 2-D mixtures only (this one has dimension ${source.dim})`);
    const instance = await instantiateKernel('samplers', samplersWasm);
    return new SimdKernel(await compiledKernel('samplers', samplersWasm), instance, source, n);
  }

  /** The kernel's first free byte (the same in every instance of the module). */
  get heapBase(): number {
    return this.ex.heapBase();
  }

  /** Binds the kernel to the chains first … first + count − 1 (whole lane groups) of this layout. */
  private bind(first: number, count: number): void {
    this.ex.bindChains(...(bindChainsArgs(this.layout, count, first, first) as Parameters<SamplersExports['bindChains']>));
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
  bytes(at: number, length: number): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, at, length);
  }

  /** Positions [n·2] in; the padding chains copy the last one (any finite point would do). */
  setPositions(x0: Float32Array): void {
    const x = this.f32(this.layout.x, this.n4 * 2);
    x.set(x0);
    for (let i = this.n; i < this.n4; i++) x.copyWithin(2 * i, 2 * (this.n - 1), 2 * this.n);
  }

  /** The per-call constants of `opts` (MATH.md section 3's ε, the divergence rule, Ozaki's clamp). */
  configure(opts: KernelStep): void {
    this.configured = configureArgs(opts);
    this.ex.configure(...(this.configured as Parameters<SamplersExports['configure']>));
  }

  /** Fills MALA's cache (s1, log q) at the current points. */
  malaCache(): void {
    this.ex.malaCache();
  }

  /**
   * Iterations t0 + 1 … t0 + k of `kind` for the chains `first` … `first` + `count` − 1 (default: all; both multiples
   * of 4); with `out`, their positions after each iteration are copied there ([k·n·2], row-major, chain c of
   * iteration i at (i·n + c)·2), through a frame buffer of at most `frameBytes` in the kernel's memory.
   */
  run(kind: SamplerKind, t0: number, k: number, out?: Float32Array, { first = 0, count = this.n4, frameBytes = FRAME_BYTES }: { first?: number; count?: number; frameBytes?: number } = {}): void {
    const kernel = this.ex[KERNEL_MOVE[kind]];
    const whole = first === 0 && count === this.n4;
    if (!whole) this.bind(first, count);
    try {
      if (!out) {
        kernel(t0, k, 0, 0);
        return;
      }
      const stride = count * 8;
      const chunk = framesPerCall(k, stride, frameBytes);
      const frames = this.layout.frames;
      this.reserve(frames + chunk * stride);
      for (let done = 0; done < k; ) {
        const m = Math.min(chunk, k - done);
        kernel(t0 + done, m, frames, stride);
        scatterFrames(this.f32(frames, m * count * 2), count, first, this.n, out, done);
        done += m;
      }
    } finally {
      if (!whole) this.bind(0, this.n4);
    }
  }

  /** Test hook: the noise of iteration t for the chains (`configure`'s seed): ξ [n·2] and log U [n]. */
  noise(t: number): { xi: Float32Array; logU: Float32Array } {
    const out = this.layout.frames;
    this.reserve(out + this.n4 * 12);
    this.ex.noise(out, this.n4, t);
    return { xi: this.f32(out, this.n * 2).slice(), logU: this.f32(out + this.n4 * 8, this.n).slice() };
  }

  /** Test hook: the field at m points [m·2]: s1 [m·2], s2 [m·4] (row-major 2×2), log q [m]. */
  field(points: Float32Array): { g: Float32Array; h: Float32Array; logp: Float32Array } {
    const m = points.length / 2;
    const m4 = Math.ceil(m / 4) * 4;
    const at = this.layout.frames;
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

/**
 * Copies frames of a range of chains into `out` ([iterations·n·2], row-major): `frames` holds m iterations of
 * `count` chains (padding included) starting at chain `first`; the chains below n go to iterations from `iteration`.
 */
export function scatterFrames(frames: Float32Array, count: number, first: number, n: number, out: Float32Array, iteration: number): void {
  const m = frames.length / (count * 2);
  const real = Math.min(count, n - first) * 2;
  for (let i = 0; i < m; i++) out.set(frames.subarray(i * count * 2, i * count * 2 + real), ((iteration + i) * n + first) * 2);
}
