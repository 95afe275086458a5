/**
 * A multilayer perceptron on raw `tf.Variable`s: `depth` hidden layers of `width` units with one activation,
 * then a linear output layer. Weights are drawn from a seeded generator (Glorot uniform, zero biases), so the
 * same seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/types.ts';
import { activation } from './activations.ts';
import type { ActivationName } from './hyper.ts';
import { matMul } from './matMul.ts';

export interface DenseLayer {
  W: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
}

export interface Mlp {
  /** Layer sizes [input, hidden..., output]. */
  readonly sizes: readonly number[];
  readonly act: ActivationName;
  readonly layers: readonly DenseLayer[];
}

/** Glorot-uniform weights U(-a, a), a = √(6/(fan_in + fan_out)), drawn from `rng` row by row. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
  return w;
}

/** Layer sizes of an MLP with `depth` hidden layers of `width` units. */
export function mlpSizes(input: number, width: number, depth: number, output: number): number[] {
  return [input, ...Array.from({ length: depth }, () => width), output];
}

/** Creates the variables of an MLP with the given layer sizes. `outputScale` multiplies the last layer's weights. */
export function createMlp(sizes: readonly number[], act: ActivationName, rng: Rng, outputScale = 1): Mlp {
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const w = glorotUniform(rng, sizes[l], sizes[l + 1]);
    if (l + 2 === sizes.length && outputScale !== 1) for (let i = 0; i < w.length; i++) w[i] *= outputScale;
    layers.push({
      // tf.variable keeps its initial tensor alive: tidy disposes it (the variable itself survives tidy).
      W: tf.tidy(() => tf.variable(tf.tensor2d(w, [sizes[l], sizes[l + 1]]), true)),
      b: tf.tidy(() => tf.variable(tf.zeros([sizes[l + 1]]), true)),
    });
  }
  return { sizes: [...sizes], act, layers };
}

/** Hidden layers only: x -> act(... act(x W1 + b1) ...), the trunk features. */
export function mlpHidden(mlp: Mlp, x: tf.Tensor2D, upTo = mlp.layers.length - 1): tf.Tensor2D {
  const f = activation(mlp.act);
  let h: tf.Tensor2D = x;
  for (let l = 0; l < upTo; l++) h = f(tf.add(matMul(h, mlp.layers[l].W), mlp.layers[l].b)) as tf.Tensor2D;
  return h;
}

/** The full network: hidden layers, then the linear output layer. */
export function mlpApply(mlp: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  const last = mlp.layers[mlp.layers.length - 1];
  return tf.add(matMul(mlpHidden(mlp, x), last.W), last.b) as tf.Tensor2D;
}

/** All variables of the MLP, in a fixed order (W0, b0, W1, b1, ...). */
export function mlpVariables(mlp: Mlp): tf.Variable[] {
  return mlp.layers.flatMap((l) => [l.W, l.b]);
}

export function disposeMlp(mlp: Mlp): void {
  for (const v of mlpVariables(mlp)) v.dispose();
}
