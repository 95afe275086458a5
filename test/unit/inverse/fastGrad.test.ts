/**
 * The hand-written input gradients of src/models/inverse/fastGrad.ts equal tfjs's own (cpu backend, float32,
 * random inputs, fixed seeds): 3×3 and 1×1 'same' convolutions and GroupNorm, max abs difference ≤ 1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { adjointKernel, convSame, groupNormFast } from '../../../src/models/inverse/fastGrad.ts';
import { groupNorm } from '../../../src/models/digits/networks.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0];
  tf.dispose([a, b, d]);
  return v;
}

describe('fast input gradients match autodiff', () => {
  for (const k of [3, 1]) {
    it(`${k}×${k} same convolution`, async () => {
      const x = tf.randomNormal([2, 14, 14, 6], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 6, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
      const b = tf.randomNormal([5], 0, 1, 'float32', 3);
      const r = tf.randomNormal([2, 14, 14, 5], 0, 1, 'float32', 4);
      const adj = adjointKernel(w);
      const fast = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(convSame(a as tf.Tensor4D, w, b, adj), r)))(x);
      const ref = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'), b), r)))(x);
      const value = await maxDiff(convSame(x, w, b, adj), tf.add(tf.conv2d(x, w, 1, 'same'), b));
      expect(value).toBeLessThan(1e-5);
      expect(await maxDiff(fast, ref)).toBeLessThan(1e-4);
      tf.dispose([x, w, b, r, adj]);
    });
  }

  it('GroupNorm (8 groups)', async () => {
    const x = tf.add(tf.mul(tf.randomNormal([3, 7, 7, 16], 0, 1, 'float32', 5), 2), 0.5) as tf.Tensor4D;
    const gamma = tf.randomNormal([16], 1, 0.3, 'float32', 6);
    const beta = tf.randomNormal([16], 0, 0.3, 'float32', 7);
    const r = tf.randomNormal([3, 7, 7, 16], 0, 1, 'float32', 8);
    const fast = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(groupNormFast(a as tf.Tensor4D, gamma, beta, 8, 1e-5), r)))(x);
    const ref = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(groupNorm(a as tf.Tensor4D, gamma, beta, 8, 1e-5), r)))(x);
    expect(await maxDiff(groupNormFast(x, gamma, beta, 8, 1e-5), groupNorm(x, gamma, beta, 8, 1e-5))).toBeLessThan(1e-5);
    expect(await maxDiff(fast, ref)).toBeLessThan(1e-4);
    tf.dispose([x, gamma, beta, r]);
  });
});
