/**
 * `Chains` (src/samplers/chainsApi.ts) on fused WGSL kernels, engine name "webgpu-fused": positions, the MALA
 * cache, divergence and acceptance counts live in GPU buffers on tfjs's own device (`tfjsDevice()`); one
 * dispatch runs up to `maxStepsPerDispatch` iterations of every chain (stepWgsl.ts), all dispatches of a call
 * go in one submission, and only the frames `run` asks for (or the status `divergence`/`acceptance` ask for)
 * are read back. Operations run in call order (each waits for the previous one), and each uses the options
 * in force when it was called.
 *
 * Noise: by default drawn in the shader from (seed, t, chain) (rng.ts), so it differs from the tfjs
 * reference's `noiseAt`; `useNoise` supplies it from a buffer instead (parity tests).
 */
import { tfjsDevice } from '../device.ts';
import type { Chains, ChainsOptions, DivergenceInfo } from '../../samplers/chainsApi.ts';
import { SAMPLER_KINDS, type SamplerKind } from '../../samplers/kernels.ts';
import { createBuffer, destroyBuffer, readBack } from '../buffers.ts';
import { compileSource, type CompiledSource, type FusedScoreSource } from './source.ts';
import { packParams, paramsBytes, stepShader, WORKGROUP_SIZE } from './stepWgsl.ts';

export type { FusedScoreSource } from './source.ts';

export interface FusedChainsOptions extends ChainsOptions {
  /** Most iterations one dispatch runs (longer calls are split into several dispatches of one submission). Default 64. */
  maxStepsPerDispatch?: number;
}

/** Uniform-buffer offset alignment (the WebGPU default limit `minUniformBufferOffsetAlignment`). */
const SLOT = 256;


/** Why a source cannot run a sampler kind, or undefined (mirrors `missingFor` of kernels.ts). */
export function fusedMissingFor(src: CompiledSource, kind: SamplerKind): string | undefined {
  if (kind === 'ozaki-full' && src.dim !== 2) return `a 2-D target (its 2×2 eigen-decomposition is closed form), not a ${src.dim}-D one; use ozaki`;
  if (kind === 'ozaki-full' && src.hessian !== 'full') return 'the full second-order score, which this score source lacks (a diagonal s2 head gives only ozaki)';
  if (kind === 'mala' && !src.logp) return 'a log density, which this score source lacks (learned score models have none)';
  return undefined;
}

interface Snapshot {
  opts: FusedChainsOptions;
  t0: number;
  cacheValid: boolean;
  noise?: Float32Array;
}

export class FusedChains implements Chains {
  readonly engine = 'webgpu-fused';
  readonly n: number;
  readonly d: number;
  private tNow = 0;
  private optsNow: FusedChainsOptions;
  /** Whether the GPU cache holds the score and log density of the current points (MALA). */
  private cacheValid = false;
  private acceptSteps = 0;
  private pendingNoise?: Float32Array;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly pipelines = new Map<SamplerKind, Promise<GPUComputePipeline>>();
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly x: GPUBuffer;
  private readonly cache: GPUBuffer;
  private readonly status: GPUBuffer;
  private readonly accept: GPUBuffer;
  private readonly model: GPUBuffer;
  private params?: GPUBuffer;
  private frames?: GPUBuffer;
  private noise?: GPUBuffer;
  /** Stand-ins bound where no frames are recorded or no noise is supplied (distinct: a buffer may not be bound writable and read-only at once). */
  private readonly noFrames: GPUBuffer;
  private readonly noNoise: GPUBuffer;

  private constructor(
    private readonly device: GPUDevice,
    private readonly src: CompiledSource,
    x0: Float32Array,
    opts: FusedChainsOptions,
  ) {
    this.d = src.dim;
    if (x0.length % this.d !== 0 || x0.length === 0) throw new Error(`fused chains: x0 must hold n·${this.d} numbers (n ≥ 1), got ${x0.length}`);
    this.n = x0.length / this.d;
    if (Math.ceil(this.n / WORKGROUP_SIZE) > device.limits.maxComputeWorkgroupsPerDimension) {
      throw new Error(`fused chains: at most ${device.limits.maxComputeWorkgroupsPerDimension * WORKGROUP_SIZE} chains on this device, got ${this.n}`);
    }
    this.optsNow = checkOptions(opts, this.d, src);
    const storage = (binding: number, type: GPUBufferBindingType) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.layout = device.createBindGroupLayout({
      label: 'fused sampler',
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: paramsBytes(this.d) } },
        storage(1, 'storage'),
        storage(2, 'storage'),
        storage(3, 'storage'),
        storage(4, 'storage'),
        storage(5, 'read-only-storage'),
        storage(6, 'read-only-storage'),
        storage(7, 'storage'),
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    const n = this.n;
    const d = this.d;
    // Read here, not at module load: the WebGPU globals exist only where WebGPU does (importing this module must not need them).
    const { STORAGE: S, COPY_DST: DST, COPY_SRC: SRC } = GPUBufferUsage;
    this.x = createBuffer(device, n * d * 4, S | DST | SRC, 'fused sampler positions');
    this.cache = createBuffer(device, n * (d + 1) * 4, S, 'fused sampler MALA cache');
    this.status = createBuffer(device, n * 4, S | DST | SRC, 'fused sampler death iterations');
    this.accept = createBuffer(device, n * 4, S | DST | SRC, 'fused sampler acceptance counts');
    this.model = createBuffer(device, src.data.byteLength, S | DST, 'fused sampler score source');
    this.noFrames = createBuffer(device, 16, S, 'fused sampler: no frames');
    this.noNoise = createBuffer(device, 16, S, 'fused sampler: no noise');
    device.queue.writeBuffer(this.model, 0, src.data);
    this.writeStart(x0);
  }

  /** Compiles the source and the first pipeline. Needs the tfjs webgpu backend to be active. */
  static async create(source: FusedScoreSource, x0: Float32Array, opts: FusedChainsOptions): Promise<FusedChains> {
    const device = tfjsDevice();
    const src = await compileSource(source);
    const chains = new FusedChains(device, src, x0, opts);
    try {
      await chains.pipeline(chains.optsNow.kind);
    } catch (e) {
      chains.dispose();
      throw e;
    }
    return chains;
  }

  get t(): number {
    return this.tNow;
  }
  get opts(): FusedChainsOptions {
    return this.optsNow;
  }
  /** What computes the scores (for the badge). */
  get sourceDescription(): string {
    return this.src.describe;
  }

  configure(patch: Partial<ChainsOptions>): void {
    const next = checkOptions({ ...this.optsNow, ...patch }, this.d, this.src);
    if (next.kind !== this.optsNow.kind) this.cacheValid = false;
    this.optsNow = next;
    this.pipeline(next.kind).catch(() => undefined); // compile ahead; errors surface at the next step
  }

  /**
   * Uses `noise` ([k][n][ξ_1..ξ_d, log U], float32) for the next `advance(k)` or `run(k)` instead of the shader's
   * generator (parity tests against the tfjs reference with its own noise).
   */
  useNoise(noise: Float32Array): void {
    this.pendingNoise = noise;
  }

  advance(k: number): Promise<void> {
    return this.enqueue(k, false).then(() => undefined);
  }

  run(k: number): Promise<Float32Array> {
    return this.enqueue(k, true).then((f) => f!);
  }

  resetCounters(): void {
    this.acceptSteps = 0;
    this.chain(async () => this.clearAccept());
  }

  reset(x0: Float32Array): void {
    if (x0.length !== this.n * this.d) throw new Error(`fused chains: reset needs ${this.n * this.d} numbers, got ${x0.length}`);
    const copy = Float32Array.from(x0);
    this.tNow = 0;
    this.cacheValid = false;
    this.acceptSteps = 0;
    this.chain(async () => this.writeStart(copy));
  }

  async divergence(): Promise<DivergenceInfo> {
    const { deadAt: at } = await this.readStatus();
    let count = 0;
    for (let i = 0; i < this.n; i++) if (at[i] >= 0) count++;
    return { count, at };
  }

  async acceptance(): Promise<Float32Array> {
    const steps = this.acceptSteps;
    const { accepted } = await this.readStatus();
    const out = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = steps > 0 ? accepted[i] / steps : NaN;
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [this.x, this.cache, this.status, this.accept, this.model, this.params, this.frames, this.noise, this.noFrames, this.noNoise]) destroyBuffer(b);
  }

  private writeStart(x0: Float32Array): void {
    this.device.queue.writeBuffer(this.x, 0, x0);
    this.device.queue.writeBuffer(this.status, 0, new Int32Array(this.n).fill(-1));
    this.clearAccept();
  }

  private clearAccept(): void {
    const enc = this.device.createCommandEncoder();
    enc.clearBuffer(this.accept);
    this.device.queue.submit([enc.finish()]);
  }

  /** Death iteration (−1 alive) and acceptance count of every chain, [n] each. */
  private readStatus(): Promise<{ deadAt: Int32Array; accepted: Int32Array }> {
    return this.chain(async () => {
      const [deadAt, accepted] = await readBack(this.device, this.device.createCommandEncoder(), [this.status, this.accept], this.n * 4);
      return { deadAt: new Int32Array(deadAt), accepted: new Int32Array(accepted) };
    });
  }

  /** Runs `op` after every operation called before it (errors do not block later operations). */
  private chain<T>(op: () => Promise<T>): Promise<T> {
    const p = this.tail.then(() => {
      if (this.disposed) throw new Error('fused chains: used after dispose()');
      return op();
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  private pipeline(kind: SamplerKind): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(kind);
    if (!p) {
      p = compilePipeline(this.device, this.pipelineLayout, stepShader(kind, this.src), kind);
      this.pipelines.set(kind, p);
    }
    return p;
  }

  private enqueue(k: number, record: boolean): Promise<Float32Array | undefined> {
    if (!Number.isInteger(k) || k < 0) throw new Error(`fused chains: the number of steps must be a non-negative integer, got ${k}`);
    const snap: Snapshot = { opts: this.optsNow, t0: this.tNow, cacheValid: this.cacheValid, noise: this.pendingNoise };
    this.pendingNoise = undefined;
    const rowLen = this.n * (this.d + 1);
    if (snap.noise && snap.noise.length !== k * rowLen) throw new Error(`fused chains: noise for ${k} steps must hold ${k * rowLen} numbers, got ${snap.noise.length}`);
    this.tNow += k;
    if (snap.opts.kind === 'mala') {
      this.acceptSteps += k;
      if (k > 0) this.cacheValid = true;
    }
    return this.chain(async () => {
      this.device.pushErrorScope('validation');
      const out = await this.encode(k, record, snap).catch((e: unknown) => e as Error);
      const error = await this.device.popErrorScope();
      if (error) throw new Error(`fused sampler step failed WebGPU validation: ${error.message.split('\n')[0]}`);
      if (out instanceof Error) throw out;
      return out;
    });
  }

  private async encode(k: number, record: boolean, snap: Snapshot): Promise<Float32Array | undefined> {
    const { device, n, d } = this;
    if (k === 0) return record ? new Float32Array(0) : undefined;
    const pipeline = await this.pipeline(snap.opts.kind);
    const { STORAGE: S, COPY_DST: DST, COPY_SRC: SRC, UNIFORM } = GPUBufferUsage;
    const maxSteps = snap.opts.maxStepsPerDispatch ?? 64;
    const frameBytes = k * n * d * 4;
    if (record && frameBytes > device.limits.maxStorageBufferBindingSize) {
      throw new Error(`fused chains: ${k} frames of ${n} chains need ${frameBytes} bytes, above this device's storage binding limit (${device.limits.maxStorageBufferBindingSize}); run fewer steps per call`);
    }
    if (record) this.frames = this.grow(this.frames, frameBytes, S | SRC, 'fused sampler frames');
    if (snap.noise) {
      this.noise = this.grow(this.noise, snap.noise.byteLength, S | DST, 'fused sampler noise');
      device.queue.writeBuffer(this.noise, 0, snap.noise);
    }
    const chunks = Math.ceil(k / maxSteps);
    this.params = this.grow(this.params, chunks * SLOT, UNIFORM | DST, 'fused sampler parameters');
    for (let c = 0; c < chunks; c++) {
      const base = c * maxSteps;
      const params = packParams(
        {
          n,
          steps: Math.min(maxSteps, k - base),
          t0: snap.t0 + base,
          seed: snap.opts.seed,
          eps: snap.opts.step,
          bound: snap.opts.bound,
          clamp: !!snap.opts.clamp,
          record,
          noiseFromBuffer: !!snap.noise,
          base,
          cacheValid: snap.cacheValid || c > 0,
          center: snap.opts.center,
        },
        d,
      );
      device.queue.writeBuffer(this.params, c * SLOT, params);
    }
    const bindGroup = device.createBindGroup({
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: this.params, size: paramsBytes(d) } },
        { binding: 1, resource: { buffer: this.x } },
        { binding: 2, resource: { buffer: this.cache } },
        { binding: 3, resource: { buffer: this.status } },
        { binding: 4, resource: { buffer: record ? this.frames! : this.noFrames } },
        { binding: 5, resource: { buffer: this.model } },
        { binding: 6, resource: { buffer: snap.noise ? this.noise! : this.noNoise } },
        { binding: 7, resource: { buffer: this.accept } },
      ],
    });
    const encoder = device.createCommandEncoder({ label: 'fused sampler steps' });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    const groups = Math.ceil(n / WORKGROUP_SIZE);
    for (let c = 0; c < chunks; c++) {
      pass.setBindGroup(0, bindGroup, [c * SLOT]);
      pass.dispatchWorkgroups(groups);
    }
    pass.end();
    if (!record) {
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return undefined;
    }
    const [frames] = await readBack(device, encoder, [this.frames!], frameBytes);
    return new Float32Array(frames);
  }

  /** `buf` if it holds `bytes`, else a new buffer of at least `bytes` (the old one destroyed). */
  private grow(buf: GPUBuffer | undefined, bytes: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    if (buf && buf.size >= bytes) return buf;
    destroyBuffer(buf);
    return createBuffer(this.device, Math.max(bytes, (buf?.size ?? 0) * 2), usage, label);
  }
}

function checkOptions(opts: FusedChainsOptions, d: number, src: CompiledSource): FusedChainsOptions {
  if (!SAMPLER_KINDS.includes(opts.kind)) throw new Error(`fused chains: unknown sampler "${opts.kind}" (samplers: ${SAMPLER_KINDS.join(', ')})`);
  if (!(opts.step > 0) || !Number.isFinite(opts.step)) throw new Error(`fused chains: step size must be a positive number, got ${opts.step}`);
  if (opts.center.length !== d) throw new Error(`fused chains: center must have ${d} coordinates, got ${opts.center.length}`);
  if (!(opts.bound > 0)) throw new Error(`fused chains: bound must be positive, got ${opts.bound}`);
  const m = opts.maxStepsPerDispatch;
  if (m !== undefined && (!Number.isInteger(m) || m < 1)) throw new Error(`fused chains: maxStepsPerDispatch must be a positive integer, got ${m}`);
  const missing = fusedMissingFor(src, opts.kind);
  if (missing) throw new Error(`${opts.kind} cannot run here: it needs ${missing}.`);
  return { ...opts, center: [...opts.center] };
}

/**
 * Chains of one sampler on fused WebGPU kernels, on the score `source`, from x0 ([n·d], row-major). The tfjs
 * webgpu backend must be active (its device runs the kernels). MATH.md section 3; the `Chains` contract of
 * src/samplers/chainsApi.ts.
 */
export async function createFusedChains(source: FusedScoreSource, x0: Float32Array, opts: FusedChainsOptions): Promise<FusedChains> {
  return FusedChains.create(source, x0, opts);
}

/** Compiles one kind's shader and pipeline; a WGSL error becomes a one-line error naming the line. */
async function compilePipeline(device: GPUDevice, layout: GPUPipelineLayout, code: string, kind: SamplerKind): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ code, label: `fused ${kind}` });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(`the fused ${kind} kernel does not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
  return device.createComputePipelineAsync({ label: `fused ${kind}`, layout, compute: { module, entryPoint: 'main' } });
}
