/**
 * Activations whose derivatives of every order are correct under tfjs nested gradients.
 *
 * In tfjs 4.22 the built-in gradients of tanh, sigmoid, exp, ... reuse the op's saved OUTPUT, which is not on
 * the tape, so a second derivative through them throws or is silently wrong (DESIGN.md, measured facts;
 * tensorflow/tfjs#3252). Each activation here is a `tf.customGrad` that saves its INPUT and whose gradient is
 * written with these same activations, so the gradient of the gradient (and so on) is again correct.
 * Needed wherever a derivative is differentiated: autodiff Hessians, training through ∇ₓ, energy models.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName } from './hyper.ts';

type Unary = (x: tf.Tensor) => tf.Tensor;

function unary(value: (x: tf.Tensor) => tf.Tensor, derivative: (x: tf.Tensor) => tf.Tensor): Unary {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return {
      value: value(x),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(dy as tf.Tensor, derivative(saved[0])),
    };
  });
  return (x) => f(x);
}

/** Logistic sigmoid σ(x) = 1/(1+e^{-x}); σ' = σ(1-σ), expressed through `sigmoid` itself. */
export const sigmoid: Unary = unary(
  (x) => tf.sigmoid(x),
  (x) => {
    const s = sigmoid(x);
    return tf.mul(s, tf.sub(1, s));
  },
);

/** softplus(x) = log(1+e^x); derivative σ(x). */
export const softplus: Unary = unary(
  (x) => tf.softplus(x),
  (x) => sigmoid(x),
);

/**
 * tanh's value. tfjs-backend-wasm 4.22's Tanh kernel is about 5× slower than its Sigmoid (1.5 against 0.3 ms on
 * 768×64, Node on the 2-core VM), so on wasm it is 2σ(2x) − 1, equal to tanh within 1e-7 absolute in float32.
 */
function tanhValue(x: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'wasm' ? tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1) : tf.tanh(x);
}

/** tanh(x); derivative 1 - tanh²(x). */
export const tanh: Unary = unary(
  (x) => tanhValue(x),
  (x) => tf.sub(1, tf.square(tanh(x))),
);

/** SiLU (swish) x σ(x); derivative σ(x) + x σ(x)(1-σ(x)). */
export const silu: Unary = unary(
  (x) => tf.mul(x, tf.sigmoid(x)),
  (x) => {
    const s = sigmoid(x);
    return tf.add(s, tf.mul(x, tf.mul(s, tf.sub(1, s))));
  },
);

/**
 * ReLU (tfjs built-in; its gradient uses the input, so it is consistent). Its second derivative is zero almost
 * everywhere: an autodiff Hessian of a ReLU network is piecewise constant and a crude estimate of s2.
 */
export const relu: Unary = (x) => tf.relu(x);

export const RELU_WARNING =
  'ReLU: the autodiff Hessian ∇s1 of a ReLU network is piecewise constant (second derivatives are zero almost everywhere); use softplus, tanh or SiLU to compare it with the direct s2.';

export function activation(name: ActivationName): Unary {
  switch (name) {
    case 'softplus':
      return softplus;
    case 'tanh':
      return tanh;
    case 'silu':
      return silu;
    case 'relu':
      return relu;
  }
}
