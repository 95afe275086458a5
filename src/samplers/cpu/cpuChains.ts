/**
 * Chains of an exact score field on typed arrays (engine "cpu"): the `Chains` contract of chainsApi.ts without a
 * tfjs op per step. Each iteration t draws its noise from the streams (seed, t) of `noise.ts`, moves every chain
 * with `cpuMove` (MATH.md section 3), then applies the divergence rule: a chain whose new point has a non-finite
 * coordinate or lies beyond the bound is frozen at its last position and its iteration recorded; frozen chains
 * never move again. MALA keeps the score and log density of the current points between steps.
 */
import type { Chains, ChainsOptions, DivergenceInfo } from '../chainsApi.ts';
import type { CpuField } from './field.ts';
import { cpuMove, MoveWorkspace, type MalaCache } from './moves.ts';
import { fillLogUniforms, fillNormals } from './noise.ts';

export class CpuChains implements Chains {
  readonly engine = 'cpu';
  readonly n: number;
  readonly d: number;
  t = 0;
  opts: ChainsOptions;
  private x: Float32Array;
  private next: Float32Array;
  private readonly xi: Float64Array;
  private readonly logU: Float64Array;
  private readonly ws: MoveWorkspace;
  private readonly cache: MalaCache = { valid: false };
  private readonly deadAt: Int32Array;
  private readonly acceptSum: Uint32Array;
  private acceptSteps = 0;
  private center: Float64Array;

  constructor(
    private readonly field: CpuField,
    x0: Float32Array,
    opts: ChainsOptions,
  ) {
    this.d = field.dim;
    if (x0.length % this.d !== 0 || x0.length === 0) throw new Error(`initial points: expected n·${this.d} numbers, got ${x0.length}`);
    if (opts.center.length !== this.d) throw new Error(`the divergence center has ${opts.center.length} coordinates, expected ${this.d}`);
    this.n = x0.length / this.d;
    this.opts = { ...opts };
    this.center = Float64Array.from(opts.center);
    this.x = Float32Array.from(x0);
    this.next = new Float32Array(x0.length);
    this.xi = new Float64Array(x0.length);
    this.logU = new Float64Array(this.n);
    this.ws = new MoveWorkspace(this.n, this.d);
    this.deadAt = new Int32Array(this.n).fill(-1);
    this.acceptSum = new Uint32Array(this.n);
  }

  configure(patch: Partial<ChainsOptions>): void {
    if (patch.kind && patch.kind !== this.opts.kind) this.cache.valid = false;
    if (patch.center && patch.center.length !== this.d) throw new Error(`the divergence center has ${patch.center.length} coordinates, expected ${this.d}`);
    this.opts = { ...this.opts, ...patch };
    this.center = Float64Array.from(this.opts.center);
  }

  /** One iteration with the noise of iteration t + 1. */
  step(): void {
    const t = this.t + 1;
    const { n, d, opts } = this;
    const isMala = opts.kind === 'mala';
    fillNormals(this.xi, opts.seed, t);
    if (isMala) fillLogUniforms(this.logU, opts.seed, t);
    const x = this.x;
    const next = this.next;
    cpuMove(this.field, this.ws, x, this.xi, isMala ? this.logU : undefined, opts, this.cache, next);
    const center = this.center;
    const bound = opts.bound;
    const acc = this.ws.accepted;
    const deadAt = this.deadAt;
    const acceptSum = this.acceptSum;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let bad = deadAt[i] >= 0;
      // Also true for NaN and ±Infinity.
      for (let j = 0; j < d && !bad; j++) bad = !(Math.abs(next[o + j] - center[j]) <= bound);
      if (bad) {
        if (deadAt[i] < 0) deadAt[i] = t;
        for (let j = 0; j < d; j++) next[o + j] = x[o + j];
      } else if (isMala) acceptSum[i] += acc[i];
    }
    this.x = next;
    this.next = x;
    if (isMala) this.acceptSteps++;
    this.t = t;
  }

  async advance(k: number): Promise<void> {
    for (let i = 0; i < k; i++) this.step();
  }

  async run(k: number): Promise<Float32Array> {
    const frame = this.n * this.d;
    const out = new Float32Array(k * frame);
    for (let i = 0; i < k; i++) {
      this.step();
      out.set(this.x, i * frame);
    }
    return out;
  }

  resetCounters(): void {
    this.acceptSum.fill(0);
    this.acceptSteps = 0;
  }

  reset(x0: Float32Array): void {
    if (x0.length !== this.n * this.d) throw new Error(`initial points: expected ${this.n * this.d} numbers, got ${x0.length}`);
    this.x.set(x0);
    this.deadAt.fill(-1);
    this.cache.valid = false;
    this.resetCounters();
    this.t = 0;
  }

  async divergence(): Promise<DivergenceInfo> {
    let count = 0;
    for (const v of this.deadAt) if (v >= 0) count++;
    return { count, at: Int32Array.from(this.deadAt) };
  }

  async acceptance(): Promise<Float32Array> {
    const s = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) s[i] = this.acceptSteps > 0 ? this.acceptSum[i] / this.acceptSteps : NaN;
    return s;
  }

  dispose(): void {}
}
