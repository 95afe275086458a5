/**
 * The training step of a score model on WebAssembly SIMD (kernels in assembly/trainStep.ts): one Adam step
 * (models/adam.ts) of the objectives of MATH.md section 2 (objective.ts) with a hand-written forward and backward pass
 * through the s1 network and the s2 network or head, no tfjs op and no autodiff tape. Weights and Adam's moments live in the
 * module's memory: `load` copies the model's variables in (moments start at zero, as a fresh or reset Adam, or from a
 * given Adam state, as a run continued from a CPU copy), `writeTo` copies the weights back into the variables,
 * `adamState` copies the moments out, `takeStats` returns the accumulated [loss, variance, first, second] sums.
 *
 * With VR the op-by-op step runs [x + σz; x − σz; x]; an s1 model's objective does not read the rows x − σz (their
 * gradient is zero), so for it this step runs [x + σz; x] only: the same loss and the same update.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamState } from '../../models/adam.ts';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { trainStepWasm } from '../generated/trainStep.ts';
import { instantiateKernel } from '../instantiate.ts';
import { ACT_CODES, paramOffsets, wasmParamLayout, wasmScratch, type WasmDense, type WasmParamLayout, type WasmScratch } from './layout.ts';
import { objectiveAndGradient, type OutputBlock } from './objective.ts';
import { wasmTrainRefusal } from './support.ts';

/** The exports of assembly/trainStep.ts (pointers in bytes, sizes in floats). */
interface TrainKernel {
  memory: WebAssembly.Memory;
  gemmNN(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, lda: number, ldb: number, ldc: number): void;
  gemmTN(a: number, b: number, c: number, m: number, k: number, n: number, lda: number, ldb: number, ldc: number): void;
  transpose(src: number, dst: number, rows: number, cols: number, lds: number, ldd: number): void;
  columnSums(src: number, dst: number, rows: number, n: number, ld: number): void;
  activate(h: number, d: number, rows: number, cols: number, ld: number, act: number): void;
  mulInPlace(dh: number, d: number, count: number): void;
  addMulInPlace(dh: number, e: number, d: number, count: number): void;
  adam(theta: number, m: number, v: number, g: number, count: number, b1: number, c1: number, b2: number, c2: number, eps: number, stepSize: number): void;
}

/** Settings of the next steps (the trainer's live settings). */
export interface WasmSettings {
  batch: number;
  vr: boolean;
  gamma: number;
  stopGrad: boolean;
  lr: number;
}

export interface WasmAdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class WasmTrainStep {
  readonly layout: WasmParamLayout;
  private readonly spec: ScoreModelSpec;
  private readonly adamOpts: WasmAdamOptions;
  private kernel: TrainKernel | null = null;
  /** Byte offset of the layout in the module's memory (after whatever the module itself occupies). */
  private base = 0;
  private scratch: WasmScratch | null = null;
  /** Adam's step count (bias correction). */
  private t = 0;
  /** Sums of [mean loss, variance, mean first-order term, mean second-order term] since the last `takeStats`. */
  private sums = [0, 0, 0, 0];
  private destroyed = false;

  constructor(spec: ScoreModelSpec, adam: WasmAdamOptions) {
    const refusal = wasmTrainRefusal(spec, { batch: 2, vr: false });
    if (refusal) throw new Error(`WASM training step: ${refusal}`);
    this.spec = spec;
    this.adamOpts = adam;
    this.layout = wasmParamLayout(spec);
  }

  /** Adam updates applied since the last `load`. */
  get iterations(): number {
    return this.t;
  }

  /**
   * Copies the model's weights in (`namedVariables` order) and zeroes the statistics; Adam's moments and step count
   * start from `adam` (`namedVariables` order and shapes, as `adamState` and models/adam.ts's `readState` give them),
   * or at zero with t = 0 without it.
   */
  async load(vars: readonly tf.Variable[], adam?: AdamState): Promise<void> {
    this.checkAlive();
    this.checkVariables(vars);
    if (adam) this.checkAdamState(adam);
    const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
    if (!this.kernel) {
      this.kernel = (await instantiateKernel('trainStep', trainStepWasm)).exports as unknown as TrainKernel;
      this.base = (this.kernel.memory.buffer.byteLength + 15) & ~15;
      this.scratch = null;
    }
    this.reserve(paramOffsets(this.layout).end);
    const { theta, m, v, end } = paramOffsets(this.layout);
    this.floats().fill(0, theta, end);
    this.pad(values, theta);
    if (adam) {
      this.pad(adam.m, m);
      this.pad(adam.v, v);
    }
    this.t = adam?.t ?? 0;
    this.sums = [0, 0, 0, 0];
  }

  /**
   * One training step on the clean samples x and the noise z (batch × dim each, row-major): forward, the objective and
   * its gradient, backward, Adam. `load` first.
   */
  step(x: Float32Array, z: Float32Array, s: WasmSettings): void {
    const stats = this.backprop(x, z, s);
    const k = this.kernel!;
    const { theta, m, v, g } = paramOffsets(this.layout);
    // Adam, with models/adam.ts's bias correction folded into the step size.
    this.t++;
    const { beta1: b1, beta2: b2, epsilon } = this.adamOpts;
    const stepSize = (s.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    k.adam(this.ptr(theta), this.ptr(m), this.ptr(v), this.ptr(g), this.layout.size, b1, 1 - b1, b2, 1 - b2, epsilon, stepSize);
    stats.forEach((x, i) => (this.sums[i] += x));
  }

  /** The objective's gradient at the current weights (`namedVariables` order and shapes) and its value; no update. */
  gradients(x: Float32Array, z: Float32Array, s: Omit<WasmSettings, 'lr'>): { loss: number; grads: Float32Array[] } {
    const [loss] = this.backprop(x, z, { ...s, lr: 0 });
    return { loss, grads: this.unpad(paramOffsets(this.layout).g) };
  }

  /** The sums of [mean loss, loss variance, mean first-order term, mean second-order term] since the last call. */
  takeStats(): Float32Array {
    this.checkAlive();
    const out = Float32Array.from(this.sums);
    this.sums = [0, 0, 0, 0];
    return out;
  }

  /** The current weights in `namedVariables` order (real shapes, padding dropped). */
  weights(): Float32Array[] {
    return this.unpad(paramOffsets(this.layout).theta);
  }

  /** Adam's moments (`namedVariables` order and shapes) and step count, as `load` takes them. */
  adamState(): AdamState {
    const { m, v } = paramOffsets(this.layout);
    return { t: this.t, m: this.unpad(m), v: this.unpad(v) };
  }

  /** Copies the current weights into the model's variables (`namedVariables` order). */
  writeTo(vars: readonly tf.Variable[]): void {
    this.checkVariables(vars);
    this.weights().forEach((w, i) => {
      const value = tf.tensor(w, vars[i].shape, 'float32');
      vars[i].assign(value);
      value.dispose();
    });
  }

  /** Drops the module instance and its memory (idempotent). */
  destroy(): void {
    this.destroyed = true;
    this.kernel = null;
    this.scratch = null;
  }

  /** Forward, objective and backward: leaves the gradient in g; returns the batch's [mean, variance, first, second]. */
  private backprop(x: Float32Array, z: Float32Array, s: WasmSettings): [number, number, number, number] {
    this.checkAlive();
    const k = this.kernel;
    if (!k) throw new Error('WASM training step: call load() before step()');
    const { dim } = this.spec;
    if (x.length !== s.batch * dim || z.length !== s.batch * dim) throw new Error(`WASM training step: expected ${s.batch}×${dim} samples and noises, got ${x.length} and ${z.length} values`);
    const sc = this.scratchFor(s.batch, s.vr);
    this.writeInputs(sc, x, z);
    const { theta, g } = paramOffsets(this.layout);
    const rows = sc.rowsPad;
    const ptr = (offset: number): number => this.ptr(offset);
    const act = ACT_CODES[this.spec.act];
    const shared = this.layout.sharedTrunk;
    // The input of layer i of network n: the batch's rows, the previous activations, or (a shared trunk's head) the
    // s1 network's last hidden layer.
    const inputOf = (n: number, i: number): number => {
      if (i > 0) return sc.nets[n].hidden[i - 1].h;
      return n === 1 && shared ? sc.nets[0].hidden[sc.nets[0].hidden.length - 1].h : sc.input;
    };
    // Forward through each network: hidden layers (product with bias, then the activation and its derivative), then
    // the linear output layer.
    this.layout.nets.forEach((net, n) => {
      const ns = sc.nets[n];
      net.forEach((l, i) => {
        const out = i === net.length - 1 ? ns.out : ns.hidden[i].h;
        k.gemmNN(ptr(inputOf(n, i)), ptr(theta + l.w), ptr(theta + l.b), ptr(out), rows, l.inPad, l.outPad, l.inPad, l.outPad, l.outPad);
        if (i < net.length - 1) k.activate(ptr(out), ptr(ns.hidden[i].d), rows, l.fanOut, l.outPad, act);
      });
    });
    const f = this.floats();
    const block = (n: number): OutputBlock => {
      const ns = sc.nets[n];
      const ld = this.layout.nets[n][this.layout.nets[n].length - 1].outPad;
      return { out: f.subarray(ns.out, ns.out + rows * ld), grad: f.subarray(ns.outGrad, ns.outGrad + rows * ld), ld };
    };
    const cfg = { dim, s2: this.spec.s2, rank: this.spec.rank, s2Scale: this.spec.s2Scale ?? 1, batch: s.batch, vr: s.vr, gamma: s.gamma, stopGrad: s.stopGrad };
    const stats = objectiveAndGradient(cfg, block(0), this.layout.nets.length > 1 ? block(1) : null, z);
    // Backward: dW = inputᵀ·dZ, db = Σ dZ, and the error of the layer below, dH = dZ·Wᵀ (⊙ act′ for a hidden layer).
    // A shared trunk's head goes first: its error into the trunk's last hidden layer (err[2]) joins the s1 head's.
    const errorBelow = (l: WasmDense, dz: number, dh: number): void => {
      k.transpose(ptr(theta + l.w), ptr(sc.wt), l.inPad, l.outPad, l.outPad, l.inPad);
      k.gemmNN(ptr(dz), ptr(sc.wt), 0, ptr(dh), rows, l.outPad, l.inPad, l.outPad, l.inPad, l.inPad);
    };
    const order = shared ? [1, 0] : this.layout.nets.map((_, n) => n);
    for (const n of order) {
      const net = this.layout.nets[n];
      const ns = sc.nets[n];
      let dz = ns.outGrad;
      for (let i = net.length - 1; i >= 0; i--) {
        const l = net[i];
        k.gemmTN(ptr(inputOf(n, i)), ptr(dz), ptr(g + l.w), l.inPad, rows, l.outPad, l.inPad, l.outPad, l.outPad);
        k.columnSums(ptr(dz), ptr(g + l.b), rows, l.outPad, l.outPad);
        if (n === 1 && shared) {
          errorBelow(l, dz, sc.err[2]);
          break;
        }
        if (i === 0) break;
        const dh = sc.err[(net.length - 1 - i) % 2];
        errorBelow(l, dz, dh);
        const d = ptr(ns.hidden[i - 1].d);
        if (n === 0 && shared && i === net.length - 1) k.addMulInPlace(ptr(dh), ptr(sc.err[2]), d, rows * l.inPad);
        else k.mulInPlace(ptr(dh), d, rows * l.inPad);
        dz = dh;
      }
    }
    return stats;
  }

  private layers(): WasmDense[] {
    return this.layout.nets.flat();
  }

  /** Writes real-shaped arrays (`namedVariables` order) into the padded parameter-shaped block at `offset`. */
  private pad(values: readonly Float32Array[], offset: number): void {
    const f = this.floats();
    this.layers().forEach((l, i) => {
      const W = values[2 * i];
      for (let r = 0; r < l.fanIn; r++) f.set(W.subarray(r * l.fanOut, (r + 1) * l.fanOut), offset + l.w + r * l.outPad);
      f.set(values[2 * i + 1], offset + l.b);
    });
  }

  /** The padded parameter-shaped block at `offset` as real-shaped arrays (`namedVariables` order). */
  private unpad(offset: number): Float32Array[] {
    this.checkAlive();
    if (!this.kernel) throw new Error('WASM training step: call load() first');
    const f = this.floats();
    return this.layers().flatMap((l) => {
      const W = new Float32Array(l.fanIn * l.fanOut);
      for (let r = 0; r < l.fanIn; r++) W.set(f.subarray(offset + l.w + r * l.outPad, offset + l.w + r * l.outPad + l.fanOut), r * l.fanOut);
      return [W, f.slice(offset + l.b, offset + l.b + l.fanOut)];
    });
  }

  private ptr(offset: number): number {
    return this.base + 4 * offset;
  }

  private scratchFor(batch: number, vr: boolean): WasmScratch {
    if (this.scratch?.batch === batch && this.scratch.vr === vr) return this.scratch;
    const refusal = wasmTrainRefusal(this.spec, { batch, vr });
    if (refusal) throw new Error(`WASM training step: ${refusal}`);
    const sc = wasmScratch(this.layout, batch, vr);
    this.reserve(sc.end);
    this.scratch = sc;
    return sc;
  }

  /**
   * The networks' input rows in float32 as the op-by-op step computes them (x + σz, then with VR x − σz when there is
   * an s2 network, then x; each normalised), padding zeroed.
   */
  private writeInputs(sc: WasmScratch, x: Float32Array, z: Float32Array): void {
    const f = this.floats();
    const { dim, sigma, inputShift, inputScale } = this.spec;
    const inPad = this.layout.nets[0][0].inPad;
    const r = Math.fround;
    const s = r(sigma);
    const n = sc.batch;
    f.fill(0, sc.input, sc.input + sc.rowsPad * inPad);
    for (let c = 0; c < dim; c++) {
      const shift = r(inputShift[c]);
      const inv = r(1 / inputScale[c]);
      for (let t = 0; t < n; t++) {
        const xt = x[t * dim + c];
        const sz = r(z[t * dim + c] * s);
        f[sc.input + t * inPad + c] = r(r(r(xt + sz) - shift) * inv);
        if (sc.groups === 3) f[sc.input + (n + t) * inPad + c] = r(r(r(xt - sz) - shift) * inv);
        if (sc.groups > 1) f[sc.input + ((sc.groups - 1) * n + t) * inPad + c] = r(r(xt - shift) * inv);
      }
    }
  }

  /** Grows the module's memory to hold `floats` floats from the base. */
  private reserve(floats: number): void {
    const mem = this.kernel!.memory;
    const need = this.base + 4 * floats;
    if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  }

  private floats(): Float32Array {
    return new Float32Array(this.kernel!.memory.buffer, this.base);
  }

  private sizes(): number[] {
    return this.layers().flatMap((l) => [l.fanIn * l.fanOut, l.fanOut]);
  }

  private checkVariables(vars: readonly tf.Variable[]): void {
    const sizes = this.sizes();
    if (vars.length !== sizes.length || vars.some((v, i) => v.size !== sizes[i])) {
      throw new Error(`WASM training step: expected ${sizes.length} variables of sizes ${sizes.join(', ')}, got ${vars.map((v) => v.size).join(', ')}`);
    }
  }

  private checkAdamState(a: AdamState): void {
    const sizes = this.sizes();
    const fits = (xs: readonly Float32Array[]) => xs.length === sizes.length && xs.every((x, i) => x.length === sizes[i]);
    if (!Number.isInteger(a.t) || a.t < 0 || !fits(a.m) || !fits(a.v)) {
      throw new Error(`WASM training step: Adam's state needs a step count ≥ 0 and moments of sizes ${sizes.join(', ')}, got t = ${a.t} and sizes ${a.m.map((x) => x.length).join(', ')} / ${a.v.map((x) => x.length).join(', ')}`);
    }
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('WASM training step: used after destroy()');
  }
}

