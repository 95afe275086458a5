/**
 * A set of chains of one sampler on the engine, op by op in tfjs (engine "tfjs", the reference implementation of
 * the `Chains` contract, chainsApi.ts): positions as a tensor [n, d], divergence bookkeeping per chain, MALA
 * acceptance counts, and common random numbers: the noise of iteration t is a pure function of (seed, t), so
 * two chain sets with the same seed (and the same initial points) see the same draws.
 */
import * as tf from '@tensorflow/tfjs';
import type { ScoreField } from '../models/scoreField.ts';
import type { Chains, ChainsOptions, DivergenceInfo } from './chainsApi.ts';
import { samplerMove, type ChainCache } from './kernels.ts';
import { streamSeed } from './streamSeed.ts';

/** The noise of iteration t: ξ ~ N(0, I) of shape [n, d] and, when asked, log U with U ~ Uniform(0, 1) of shape [n]. */
export function noiseAt(seed: number, t: number, n: number, d: number, withUniform: boolean): { xi: tf.Tensor2D; logU?: tf.Tensor1D } {
  const xi = tf.randomNormal([n, d], 0, 1, 'float32', streamSeed(seed, t, 0)) as tf.Tensor2D;
  if (!withUniform) return { xi };
  const logU = tf.tidy(() => tf.log(tf.randomUniform([n], 1e-12, 1, 'float32', streamSeed(seed, t, 1))) as tf.Tensor1D);
  return { xi, logU };
}

/** Initial points shared by every sampler of a comparison (common random numbers), shape [n, d]. */
export type InitSpec =
  | { kind: 'box'; lo: number[]; hi: number[] }
  | { kind: 'gaussian'; mean: number[]; sd: number[] }
  | { kind: 'points'; points: Float32Array };

/** Draws the initial points of `n` chains (a pure function of the seed). */
export function initialPoints(spec: InitSpec, n: number, d: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    switch (spec.kind) {
      case 'box': {
        const u = tf.randomUniform([n, d], 0, 1, 'float32', streamSeed(seed, -1, 2));
        const lo = tf.tensor1d(spec.lo);
        return tf.add(lo, tf.mul(u, tf.sub(tf.tensor1d(spec.hi), lo))) as tf.Tensor2D;
      }
      case 'gaussian': {
        const z = tf.randomNormal([n, d], 0, 1, 'float32', streamSeed(seed, -1, 3));
        return tf.add(tf.tensor1d(spec.mean), tf.mul(z, tf.tensor1d(spec.sd))) as tf.Tensor2D;
      }
      case 'points':
        if (spec.points.length !== n * d) throw new Error(`initial points: expected ${n * d} numbers, got ${spec.points.length}`);
        return tf.tensor2d(spec.points, [n, d]);
    }
  });
}

export class ChainSet implements Chains {
  readonly engine = 'tfjs';
  /** Iterations done since the initial points. */
  t = 0;
  x: tf.Tensor2D;
  /** 1 while the chain is alive, 0 once it diverged (it is then frozen at its last finite position). */
  alive: tf.Tensor1D;
  /** Iteration at which each chain diverged, −1 while alive. */
  deadAt: tf.Tensor1D;
  /** Accepted MALA proposals per chain since the last `resetCounters`. */
  acceptSum: tf.Tensor1D;
  /** Steps counted in `acceptSum`. */
  acceptSteps = 0;
  private cache: ChainCache = {};
  private centerT: tf.Tensor1D;
  readonly n: number;
  readonly d: number;

  constructor(
    readonly field: ScoreField,
    x0: tf.Tensor2D,
    public opts: ChainsOptions,
  ) {
    [this.n, this.d] = x0.shape;
    this.x = tf.clone(x0);
    this.alive = tf.ones([this.n]);
    this.deadAt = tf.fill([this.n], -1);
    this.acceptSum = tf.zeros([this.n]);
    this.centerT = tf.tensor1d(opts.center);
  }

  /** Changes the step size, sampler, clamp or seed; takes effect at the next step (the MALA cache stays valid unless the sampler changes). */
  configure(patch: Partial<ChainsOptions>): void {
    if (patch.kind && patch.kind !== this.opts.kind) this.dropCache();
    this.opts = { ...this.opts, ...patch };
    if (patch.center) {
      this.centerT.dispose();
      this.centerT = tf.tensor1d(patch.center);
    }
  }

  /**
   * Advances every chain by one iteration with the noise of iteration t + 1. Diverged chains (non-finite
   * or beyond the bound) are frozen at their last position and their iteration recorded; they never move again.
   */
  step(): void {
    const t = this.t + 1;
    const isMala = this.opts.kind === 'mala';
    const next = tf.tidy(() => {
      const noise = noiseAt(this.opts.seed, t, this.n, this.d, isMala);
      const res = samplerMove(this.field, this.x, noise, this.opts, this.cache);
      const bad = tf.logicalOr(
        tf.any(tf.logicalNot(tf.isFinite(res.x)), 1),
        tf.greater(tf.max(tf.abs(tf.sub(res.x, this.centerT)), 1), this.opts.bound),
      );
      const ok = tf.logicalAnd(tf.greater(this.alive, 0), tf.logicalNot(bad));
      const ok2 = tf.expandDims(ok, 1);
      const newlyDead = tf.logicalAnd(tf.greater(this.alive, 0), bad);
      const out: { x: tf.Tensor2D; alive: tf.Tensor1D; deadAt: tf.Tensor1D; acceptSum: tf.Tensor1D; g?: tf.Tensor2D; logp?: tf.Tensor1D } = {
        x: tf.where(ok2, res.x, this.x) as tf.Tensor2D,
        alive: tf.cast(ok, 'float32') as tf.Tensor1D,
        deadAt: tf.where(newlyDead, tf.fill([this.n], t), this.deadAt) as tf.Tensor1D,
        acceptSum: res.accepted ? (tf.add(this.acceptSum, tf.mul(res.accepted, tf.cast(ok, 'float32'))) as tf.Tensor1D) : tf.clone(this.acceptSum),
      };
      if (res.cache.g && res.cache.logp) {
        // Frozen chains keep a finite cache, so they never feed NaN into the ops of later steps.
        out.g = tf.where(ok2, res.cache.g, tf.zerosLike(res.cache.g)) as tf.Tensor2D;
        out.logp = tf.where(ok, res.cache.logp, tf.zerosLike(res.cache.logp)) as tf.Tensor1D;
      }
      return out;
    });
    this.x.dispose();
    this.alive.dispose();
    this.deadAt.dispose();
    this.acceptSum.dispose();
    this.dropCache();
    this.x = next.x;
    this.alive = next.alive;
    this.deadAt = next.deadAt;
    this.acceptSum = next.acceptSum;
    if (next.g && next.logp) this.cache = { g: next.g, logp: next.logp };
    if (isMala) this.acceptSteps++;
    this.t = t;
  }

  /** Advances k iterations; resolves once the queued work is done (one readback of the positions). */
  async advance(k: number): Promise<void> {
    for (let i = 0; i < k; i++) this.step();
    await this.x.data();
  }

  /** Advances k iterations and resolves to the positions after each of them, [k·n·d]. */
  async run(k: number): Promise<Float32Array> {
    const frames = this.runFrames(k);
    try {
      return (await frames.data()) as Float32Array;
    } finally {
      frames.dispose();
    }
  }

  /**
   * Runs k iterations and returns the positions after each of them, stacked as [k, n, d] (one tensor the
   * caller reads back once and disposes).
   */
  runFrames(k: number): tf.Tensor3D {
    const frames: tf.Tensor2D[] = [];
    for (let i = 0; i < k; i++) {
      this.step();
      frames.push(tf.clone(this.x));
    }
    const out = tf.stack(frames) as tf.Tensor3D;
    for (const f of frames) f.dispose();
    return out;
  }

  /** Zeroes the acceptance counters (e.g. at the end of burn-in). */
  resetCounters(): void {
    this.acceptSum.dispose();
    this.acceptSum = tf.zeros([this.n]);
    this.acceptSteps = 0;
  }

  /** Puts the chains back at `x0` ([n·d] or a tensor [n, d]): iteration 0, all alive, counters zeroed. */
  reset(x0: Float32Array | tf.Tensor2D): void {
    if (x0 instanceof Float32Array && x0.length !== this.n * this.d) throw new Error(`initial points: expected ${this.n * this.d} numbers, got ${x0.length}`);
    this.x.dispose();
    this.alive.dispose();
    this.deadAt.dispose();
    this.dropCache();
    this.x = x0 instanceof Float32Array ? tf.tensor2d(x0, [this.n, this.d]) : tf.clone(x0);
    this.alive = tf.ones([this.n]);
    this.deadAt = tf.fill([this.n], -1);
    this.resetCounters();
    this.t = 0;
  }

  async divergence(): Promise<DivergenceInfo> {
    const at = Int32Array.from(await this.deadAt.data());
    let count = 0;
    for (const v of at) if (v >= 0) count++;
    return { count, at };
  }

  /** Acceptance rate per chain (MALA), NaN where no step was counted. */
  async acceptance(): Promise<Float32Array> {
    const s = Float32Array.from(await this.acceptSum.data());
    for (let i = 0; i < s.length; i++) s[i] = this.acceptSteps > 0 ? s[i] / this.acceptSteps : NaN;
    return s;
  }

  private dropCache(): void {
    this.cache.g?.dispose();
    this.cache.logp?.dispose();
    this.cache = {};
  }

  dispose(): void {
    this.x.dispose();
    this.alive.dispose();
    this.deadAt.dispose();
    this.acceptSum.dispose();
    this.centerT.dispose();
    this.dropCache();
  }
}
