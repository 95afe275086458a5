/**
 * The matrix product of the networks, with a gradient that stays on tfjs-wasm's fast path.
 *
 * tfjs's own matMul gradient multiplies with transposed operands (dy·bᵀ, aᵀ·dy), and tfjs-backend-wasm 4.22 runs
 * a product with a transpose flag 6–10× slower than transposing first and multiplying plainly (768×64 by 64×64:
 * 4.1 ms against 0.6 ms, Node on the 2-core VM). Backpropagation through an MLP is mostly such products.
 * Here the gradient transposes explicitly and multiplies with this same function, so every order of derivative
 * (autodiff Hessians, training through ∇ₓ) keeps the fast path and stays differentiable.
 */
import * as tf from '@tensorflow/tfjs';

const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [matMul(dy as tf.Tensor2D, tf.transpose(sb)), matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

/** a·b for 2-D a (n×k) and b (k×m), differentiable to any order; see the module comment for why not tf.matMul. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return product(a, b) as tf.Tensor2D;
}
