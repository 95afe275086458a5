/**
 * The kernels chosen for tfjs-wasm's fast paths compute the same functions: the matMul whose gradient transposes
 * explicitly (against tf.matMul's gradients, first and second order), and tanh as 2σ(2x) − 1 on wasm (against
 * float64 references, through the wasm backend itself).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { withBackend } from '../../../src/engine/backend.ts';
import { activation } from '../../../src/models/activations.ts';
import { matMul } from '../../../src/models/matMul.ts';
import { useCpu } from './helpers.ts';

beforeAll(useCpu);

const A = [0.3, -1.2, 0.7, 0.5, 2.0, -0.4]; // 2×3
const B = [1.1, -0.6, 0.2, 0.9, -1.5, 0.8, 0.4, -0.3, 1.7, 0.05, -0.9, 0.6]; // 3×4

/** Gradients w.r.t. a and b of Σ sin(a·b), and the gradient w.r.t. a of ‖∂/∂b Σ sin(a·b)‖², with product `mm`. */
async function derivatives(mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D): Promise<Float32Array[]> {
  const a = tf.tensor2d(A, [2, 3]);
  const b = tf.tensor2d(B, [3, 4]);
  const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(mm(x as tf.Tensor2D, y as tf.Tensor2D)));
  const [ga, gb] = tf.grads(f)([a, b]);
  const second = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grads(f)([x, b])[1])))(a);
  const out = await Promise.all([ga, gb, second].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([a, b, ga, gb, second]);
  return out;
}

describe('fast-path kernels', () => {
  it('matMul: value, gradients and a second derivative equal tf.matMul’s (cpu, 1e-5), and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const ours = await derivatives(matMul);
    expect(tf.memory().numTensors).toBe(before);
    const ref = await derivatives((a, b) => tf.matMul(a, b));
    ours.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(ref[i][j], 5)));
    const [a, b] = [tf.tensor2d(A, [2, 3]), tf.tensor2d(B, [3, 4])];
    const p = matMul(a, b);
    expect(p.shape).toEqual([2, 4]);
    // Row 1 of a times column 1 of b.
    expect((await p.data())[5]).toBeCloseTo(0.5 * -0.6 + 2.0 * 0.8 + -0.4 * 0.05, 5);
    tf.dispose([a, b, p]);
  });

  it('tanh on the wasm backend: value, tanh′ and tanh″ match float64 within 2e-6, and nothing leaks', async () => {
    const xs = [-3.1, -0.9, -1e-3, 0, 2e-4, 0.45, 1.7, 8];
    const r = await withBackend('wasm', async () => {
      const before = tf.memory().numTensors;
      const f = activation('tanh');
      const x = tf.tensor1d(xs);
      const d1 = tf.grad((v: tf.Tensor) => f(v));
      const d2 = tf.grad((v: tf.Tensor) => d1(v));
      const ts = [f(x), d1(x), d2(x)];
      const out = await Promise.all(ts.map((t) => t.data()));
      tf.dispose([x, ...ts]);
      return { out, leaked: tf.memory().numTensors - before };
    });
    if (r.error !== undefined) throw new Error(`wasm backend did not start: ${r.error}`);
    const [v, g1, g2] = r.value.out;
    xs.forEach((x, i) => {
      const t = Math.tanh(x);
      expect(Math.abs(v[i] - t)).toBeLessThan(2e-6);
      expect(Math.abs(g1[i] - (1 - t * t))).toBeLessThan(2e-6);
      expect(Math.abs(g2[i] - -2 * t * (1 - t * t))).toBeLessThan(2e-6);
    });
    expect(r.value.leaked).toBe(0);
  });
});
