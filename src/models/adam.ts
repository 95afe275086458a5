/**
 * Adam (Kingma & Ba 2015) on a fixed list of variables, with state the trainer can reset (after a divergence)
 * and dispose. m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam's state as plain arrays: a CPU copy that outlives the device its tensors live on. */
export interface AdamState {
  t: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly vars: tf.Variable[],
    opts: AdamOptions,
  ) {
    if (!(opts.lr > 0) || !Number.isFinite(opts.lr)) throw new Error(`learning rate must be a positive number, got ${opts.lr}`);
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    // tf.variable keeps its initial tensor alive: tidy disposes it (the variable itself survives tidy).
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Number of updates applied since creation or the last reset. */
  get iterations(): number {
    return this.t;
  }

  /** Applies one update with gradients in the order of the variables. */
  apply(grads: tf.Tensor[]): void {
    this.t++;
    const { beta1: b1, beta2: b2 } = this;
    const stepSize = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    tf.tidy(() => {
      grads.forEach((g, i) => {
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.vars[i].assign(tf.sub(this.vars[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), stepSize)));
      });
    });
  }

  /** Clears the moments and the step count. */
  reset(): void {
    this.t = 0;
    tf.tidy(() => {
      for (const x of [...this.m, ...this.v]) x.assign(tf.zerosLike(x));
    });
  }

  /** The moments and step count, read back asynchronously. */
  async readState(): Promise<AdamState> {
    const read = (xs: tf.Variable[]) => Promise.all(xs.map((x) => x.data() as Promise<Float32Array>));
    const t = this.t;
    const [m, v] = await Promise.all([read(this.m), read(this.v)]);
    return { t, m, v };
  }

  /**
   * Replaces the moments and step count with `s` (null: zeros, t = 0) as new tensors on the active backend, without
   * reading the old ones (after a lost device they cannot be read).
   */
  setState(s: AdamState | null): void {
    this.t = s?.t ?? 0;
    const put = (x: tf.Variable, values: Float32Array | undefined) => {
      const fresh = values ? tf.tensor(values, x.shape) : tf.zeros(x.shape);
      x.assign(fresh);
      fresh.dispose();
    };
    this.m.forEach((x, i) => put(x, s?.m[i]));
    this.v.forEach((x, i) => put(x, s?.v[i]));
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
