/**
 * The fused WebGPU training step of a score model (MATH.md section 2 objectives, Adam as models/adam.ts): two
 * dispatches per step (kernelWgsl.ts: forward + loss + backprop into per-workgroup partial gradients; then their
 * sum and Adam, plus the loss statistics), up to `MAX_STEPS_PER_SUBMIT` steps per queue submission, on tfjs's own
 * GPUDevice. Weights and Adam's moments live in GPU buffers owned here: `load` copies the model's variables in
 * (moments start at zero, as a fresh or reset Adam), `writeTo` copies the weights back into the variables (GPU to
 * GPU, no read-back), `takeStats` reads the accumulated [loss, variance, first, second] sums, `readAdamState` reads
 * Adam's moments and step count back (a CPU copy that outlives a lost device).
 *
 * Adding an activation, loss or head: see activationsWgsl.ts and lossWgsl.ts (the kernels are generated per spec).
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamState } from '../../models/adam.ts';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { createBuffer, destroyBuffer, readBack } from '../buffers.ts';
import { adamKernel, gradKernel, STEP_UNIFORM_BYTES, type NoiseSource } from './kernelWgsl.ts';
import { blockFloats, denseLayers, paramLayout, partition, scratchLayout, type ParamLayout, type Partition } from './layout.ts';
import { adamWorkgroups, fusedTrainRefusal, samplesPerGroup } from './support.ts';

/** Settings of the next steps (the trainer's live settings). */
export interface FusedSettings {
  vr: boolean;
  gamma: number;
  stopGrad: boolean;
  batch: number;
  lr: number;
}

/** One step's clean samples (batch × dim, row-major) and, when the noise source is 'buffer', its noise z. */
export interface FusedBatch {
  x: Float32Array;
  z?: Float32Array;
}

export interface FusedOptions {
  /** Seed of the in-shader noise (with the step number and the sample index). */
  seed: number;
  noise: NoiseSource;
  adam: { beta1: number; beta2: number; epsilon: number };
}

/** Steps encoded into one queue submission at most. */
export const MAX_STEPS_PER_SUBMIT = 64;
/** Dynamic-offset stride of the per-step uniforms (WebGPU's minUniformBufferOffsetAlignment). */
const UNIFORM_STRIDE = 256;

/** Usage of the storage buffers (read lazily: the WebGPU globals exist only where WebGPU does). */
const storage = (): GPUBufferUsageFlags => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Buffers whose size follows the batch and the VR setting. */
interface Sized {
  batch: number;
  vr: boolean;
  part: Partition;
  x: GPUBuffer;
  z: GPUBuffer;
  scratch: GPUBuffer;
  partial: GPUBuffer;
  loss: GPUBuffer;
  gradGroup: GPUBindGroup;
  adamGroup: GPUBindGroup;
}

export class FusedTrainStep {
  readonly layout: ParamLayout;
  private readonly spec: ScoreModelSpec;
  private readonly opts: FusedOptions;
  private readonly device: GPUDevice;
  /** Adam's step count (bias correction). */
  private t = 0;
  private readonly params: GPUBuffer;
  private readonly mom1: GPUBuffer;
  private readonly mom2: GPUBuffer;
  private readonly acc: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly uniforms: GPUBuffer;
  private readonly gradLayout: GPUBindGroupLayout;
  private readonly adamLayout: GPUBindGroupLayout;
  private readonly gradPipelines = new Map<string, GPUComputePipeline>();
  private adamPipeline: GPUComputePipeline | null = null;
  private sized: Sized | null = null;
  private destroyed = false;

  constructor(device: GPUDevice, spec: ScoreModelSpec, opts: FusedOptions) {
    this.device = device;
    this.spec = spec;
    this.opts = opts;
    this.layout = paramLayout(spec);
    const bytes = this.layout.size * 4;
    this.params = createBuffer(device, this.layout.bufferSize * 4, storage(), 'fused train params');
    this.mom1 = createBuffer(device, bytes, storage(), 'fused train adam m');
    this.mom2 = createBuffer(device, bytes, storage(), 'fused train adam v');
    this.acc = createBuffer(device, 16, storage(), 'fused train loss stats');
    this.staging = createBuffer(device, 16, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'fused train stats read-back');
    this.uniforms = createBuffer(device, MAX_STEPS_PER_SUBMIT * UNIFORM_STRIDE, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'fused train step uniforms');
    const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: type === 'uniform' ? { type, hasDynamicOffset: true, minBindingSize: STEP_UNIFORM_BYTES } : { type },
    });
    const ro = 'read-only-storage' as const;
    const rw = 'storage' as const;
    this.gradLayout = device.createBindGroupLayout({ entries: [entry(0, 'uniform'), entry(1, ro), entry(2, ro), entry(3, ro), entry(4, rw), entry(5, rw), entry(6, rw), entry(7, ro)] });
    this.adamLayout = device.createBindGroupLayout({ entries: [entry(0, 'uniform'), entry(1, rw), entry(2, rw), entry(3, rw), entry(4, ro), entry(5, ro), entry(6, rw)] });
  }

  /** Adam updates applied since the last `load`. */
  get iterations(): number {
    return this.t;
  }

  /** Copies the model's weights in (`namedVariables` order), zeroes Adam's moments and statistics, t = 0. */
  async load(vars: readonly tf.Variable[]): Promise<void> {
    this.checkAlive();
    this.checkVariables(vars);
    const flat = new Float32Array(this.layout.bufferSize);
    const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
    this.layout.tensors.forEach((t, i) => flat.set(values[i], t.offset));
    for (const l of denseLayers(this.layout)) {
      if (l.wt === undefined) continue;
      for (let i = 0; i < l.fanIn; i++) for (let j = 0; j < l.fanOut; j++) flat[l.wt + j * l.fanIn + i] = flat[l.w + i * l.fanOut + j];
    }
    this.device.queue.writeBuffer(this.params, 0, flat);
    const enc = this.device.createCommandEncoder();
    enc.clearBuffer(this.mom1);
    enc.clearBuffer(this.mom2);
    enc.clearBuffer(this.acc);
    this.device.queue.submit([enc.finish()]);
    this.t = 0;
  }

  /** Compiles the kernels for these settings and sizes the buffers for the batch (throws when refused). */
  async prepare(s: FusedSettings): Promise<void> {
    this.checkAlive();
    const refusal = fusedTrainRefusal(this.spec, s, this.device);
    if (refusal) throw new Error(`fused training step: ${refusal}`);
    const key = this.pipelineKey(s);
    if (!this.gradPipelines.has(key)) {
      const code = gradKernel(this.spec, this.layout, { vr: s.vr, stopGrad: s.stopGrad, noise: this.opts.noise });
      this.gradPipelines.set(key, await this.pipeline(code, this.gradLayout, 'grad'));
    }
    this.adamPipeline ??= await this.pipeline(adamKernel(this.layout, this.opts.adam), this.adamLayout, 'adam');
    if (!this.sized || this.sized.batch !== s.batch || this.sized.vr !== s.vr) this.resize(s.batch, s.vr);
  }

  /**
   * Encodes and submits one training step per batch (`prepare` first, with the same settings); step i draws its
   * in-shader noise with counter `firstStep + i`. Returns without waiting for the GPU.
   */
  enqueue(batches: readonly FusedBatch[], s: FusedSettings, firstStep: number): void {
    this.checkAlive();
    const sized = this.sized;
    const grad = this.gradPipelines.get(this.pipelineKey(s));
    if (!sized || !grad || !this.adamPipeline || sized.batch !== s.batch || sized.vr !== s.vr) throw new Error('fused training step: call prepare() with these settings before enqueue()');
    const n = s.batch * this.spec.dim;
    for (let c0 = 0; c0 < batches.length; c0 += MAX_STEPS_PER_SUBMIT) {
      const chunk = batches.slice(c0, c0 + MAX_STEPS_PER_SUBMIT);
      const u = new DataView(new ArrayBuffer(chunk.length * UNIFORM_STRIDE));
      const xs = new Float32Array(chunk.length * n);
      const zs = this.opts.noise === 'buffer' ? new Float32Array(chunk.length * n) : null;
      chunk.forEach((b, i) => {
        if (b.x.length !== n) throw new Error(`fused training step: a batch needs ${n} coordinates, got ${b.x.length}`);
        xs.set(b.x, i * n);
        if (zs) {
          if (!b.z || b.z.length !== n) throw new Error(`fused training step: noise source 'buffer' needs ${n} noise values per step`);
          zs.set(b.z, i * n);
        }
        this.t++;
        const { beta1: b1, beta2: b2 } = this.opts.adam;
        const o = i * UNIFORM_STRIDE;
        u.setUint32(o, s.batch, true);
        u.setUint32(o + 4, sized.part.samplesPerGroup, true);
        u.setUint32(o + 8, sized.part.groups, true);
        u.setUint32(o + 12, sized.part.rowsPad, true);
        u.setUint32(o + 16, (firstStep + c0 + i) >>> 0, true);
        u.setUint32(o + 20, i * n, true);
        u.setUint32(o + 24, this.opts.seed >>> 0, true);
        u.setFloat32(o + 32, s.gamma, true);
        u.setFloat32(o + 36, 1 / s.batch, true);
        u.setFloat32(o + 40, (s.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t), true);
      });
      const q = this.device.queue;
      q.writeBuffer(this.uniforms, 0, u.buffer);
      q.writeBuffer(sized.x, 0, xs);
      if (zs) q.writeBuffer(sized.z, 0, zs);
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      const adamGroups = adamWorkgroups(this.layout.size, this.device);
      for (let i = 0; i < chunk.length; i++) {
        pass.setPipeline(grad);
        pass.setBindGroup(0, sized.gradGroup, [i * UNIFORM_STRIDE]);
        pass.dispatchWorkgroups(sized.part.groups);
        pass.setPipeline(this.adamPipeline);
        pass.setBindGroup(0, sized.adamGroup, [i * UNIFORM_STRIDE]);
        pass.dispatchWorkgroups(adamGroups);
      }
      pass.end();
      q.submit([enc.finish()]);
    }
  }

  /** Resolves when every step submitted so far has run. */
  done(): Promise<void> {
    return this.device.queue.onSubmittedWorkDone();
  }

  /** The sums of [mean loss, loss variance, mean first-order term, mean second-order term] since the last call. */
  async takeStats(): Promise<Float32Array> {
    this.checkAlive();
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.acc, 0, this.staging, 0, 16);
    enc.clearBuffer(this.acc);
    this.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return out;
  }

  /**
   * Adam's state after every step submitted so far: m and v per variable (`namedVariables` order and shapes, the
   * layout's padding dropped) and the step count t of its bias correction, in one asynchronous read-back (mapAsync).
   */
  async readAdamState(): Promise<AdamState> {
    this.checkAlive();
    const t = this.t;
    const [m, v] = await readBack(this.device, this.device.createCommandEncoder(), [this.mom1, this.mom2], this.layout.size * 4);
    const unpad = (bytes: ArrayBuffer) => this.layout.tensors.map((x) => new Float32Array(bytes, x.offset * 4, x.size).slice());
    return { t, m: unpad(m), v: unpad(v) };
  }

  /** Copies the current weights into the model's variables (`namedVariables` order), on the GPU. */
  writeTo(vars: readonly tf.Variable[]): void {
    this.checkAlive();
    this.checkVariables(vars);
    // Exactly the tensor's bytes: tfjs copies and reads the whole buffer, so padding would become extra values.
    const temps = this.layout.tensors.map((t) => createBuffer(this.device, t.size * 4, storage(), `fused train write-back ${t.name}`, true));
    try {
      const enc = this.device.createCommandEncoder();
      this.layout.tensors.forEach((t, i) => enc.copyBufferToBuffer(this.params, t.offset * 4, temps[i], 0, t.size * 4));
      this.device.queue.submit([enc.finish()]);
      this.layout.tensors.forEach((t, i) => {
        // tfjs copies the buffer into one of its own (and submits the copy), so ours can go at once.
        const value = tf.tensor({ buffer: temps[i] }, t.shape, 'float32');
        vars[i].assign(value);
        value.dispose();
      });
    } finally {
      temps.forEach(destroyBuffer);
    }
  }

  /** Releases every GPU buffer (idempotent). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.releaseSized();
    for (const b of [this.params, this.mom1, this.mom2, this.acc, this.staging, this.uniforms]) destroyBuffer(b);
  }

  private pipelineKey(s: FusedSettings): string {
    return `${s.vr}/${s.stopGrad}`;
  }

  private async pipeline(code: string, layout: GPUBindGroupLayout, label: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ label: `fused-train ${label}`, code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) throw new Error(`fused training step: the ${label} kernel does not compile: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ')}`);
    return this.device.createComputePipelineAsync({
      label: `fused-train ${label}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
  }

  private resize(batch: number, vr: boolean): void {
    this.releaseSized();
    const d = this.device;
    const part = partition(batch, vr, this.layout.size, samplesPerGroup(this.device));
    const xBytes = MAX_STEPS_PER_SUBMIT * batch * this.spec.dim * 4;
    const x = createBuffer(d, xBytes, storage(), 'fused train x');
    const z = createBuffer(d, this.opts.noise === 'buffer' ? xBytes : 16, storage(), 'fused train z');
    const scratch = createBuffer(d, part.groups * blockFloats(scratchLayout(this.spec, this.layout), part, this.spec.dim) * 4, storage(), 'fused train scratch');
    const partial = createBuffer(d, part.groups * this.layout.size * 4, storage(), 'fused train partial gradients');
    const loss = createBuffer(d, part.groups * 8 * 4, storage(), 'fused train workgroup loss statistics');
    const uniform = { buffer: this.uniforms, offset: 0, size: STEP_UNIFORM_BYTES };
    const bind = (layout: GPUBindGroupLayout, buffers: GPUBuffer[]) =>
      d.createBindGroup({ layout, entries: [{ binding: 0, resource: uniform }, ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))] });
    this.sized = {
      batch,
      vr,
      part,
      x,
      z,
      scratch,
      partial,
      loss,
      // Binding 7 is the parameters again, read as vec4s.
      gradGroup: bind(this.gradLayout, [this.params, x, z, scratch, partial, loss, this.params]),
      adamGroup: bind(this.adamLayout, [this.params, this.mom1, this.mom2, partial, loss, this.acc]),
    };
  }

  private releaseSized(): void {
    if (!this.sized) return;
    const s = this.sized;
    for (const b of [s.x, s.z, s.scratch, s.partial, s.loss]) destroyBuffer(b);
    this.sized = null;
  }

  private checkVariables(vars: readonly tf.Variable[]): void {
    const t = this.layout.tensors;
    if (vars.length !== t.length || vars.some((v, i) => v.size !== t[i].size)) {
      throw new Error(`fused training step: expected ${t.length} variables of sizes ${t.map((x) => x.size).join(', ')}, got ${vars.map((v) => v.size).join(', ')}`);
    }
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('fused training step: used after destroy()');
  }
}
