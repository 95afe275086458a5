/**
 * The customGrad activations: first and second derivatives against float64 closed forms and finite differences,
 * and a double-backprop weight gradient (a loss containing ∇ₓ of the network, differentiated w.r.t. the
 * weights) against finite differences in the weights — the case tfjs's built-in tanh/sigmoid get wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/rng.ts';
import { activation } from '../../../src/models/activations.ts';
import type { ActivationName } from '../../../src/models/hyper.ts';
import { createMlp, mlpApply, mlpVariables } from '../../../src/models/mlp.ts';
import { useCpu } from './helpers.ts';

beforeAll(useCpu);

const sig = (x: number) => 1 / (1 + Math.exp(-x));
/** float64 references: value, first and second derivative. */
const REF: Record<Exclude<ActivationName, 'relu'>, [(x: number) => number, (x: number) => number, (x: number) => number]> = {
  softplus: [(x) => Math.log1p(Math.exp(x)), sig, (x) => sig(x) * (1 - sig(x))],
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
  silu: [
    (x) => x * sig(x),
    (x) => sig(x) + x * sig(x) * (1 - sig(x)),
    (x) => sig(x) * (1 - sig(x)) * (2 + x * (1 - 2 * sig(x))),
  ],
};

const XS = [-2.3, -0.7, 0, 0.4, 1.9];

describe('customGrad activations', () => {
  for (const name of Object.keys(REF) as (keyof typeof REF)[]) {
    it(`${name}: value, f', f'' match float64 references and finite differences`, async () => {
      const f = activation(name);
      const d1 = tf.grad((x: tf.Tensor) => f(x));
      const d2 = tf.grad((x: tf.Tensor) => d1(x));
      const x = tf.tensor1d(XS);
      const [v, g1, g2] = await Promise.all([f(x), d1(x), d2(x)].map((t) => t.data()));
      const [ref0, ref1, ref2] = REF[name];
      const h = 1e-4;
      XS.forEach((xi, i) => {
        expect(v[i]).toBeCloseTo(ref0(xi), 5);
        expect(g1[i]).toBeCloseTo(ref1(xi), 5);
        expect(g2[i]).toBeCloseTo(ref2(xi), 5);
        // Central finite differences of the float64 value and first derivative.
        expect(g1[i]).toBeCloseTo((ref0(xi + h) - ref0(xi - h)) / (2 * h), 4);
        expect(g2[i]).toBeCloseTo((ref1(xi + h) - ref1(xi - h)) / (2 * h), 4);
      });
      tf.dispose(x);
    });
  }

  it('third derivative (tanh) is also correct: the gradients are themselves customGrad', async () => {
    const f = activation('tanh');
    const d3 = tf.grad((x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.grad((w: tf.Tensor) => f(w))(y))(x));
    const x = tf.tensor1d([0.3, -1.1]);
    const got = await d3(x).data();
    const ref2 = REF.tanh[2];
    const h = 1e-4;
    [0.3, -1.1].forEach((xi, i) => expect(got[i]).toBeCloseTo((ref2(xi + h) - ref2(xi - h)) / (2 * h), 3));
    x.dispose();
  });

  for (const name of ['tanh', 'silu', 'softplus'] as const) {
    it(`${name}: double-backprop weight gradient of L(θ) = Σ ‖∇ₓ f_θ(x)‖² matches finite differences`, async () => {
      const mlp = createMlp([2, 8, 8, 1], name, createRng(7));
      const vars = mlpVariables(mlp);
      const x = tf.tensor2d([0.3, -0.5, 1.2, 0.4, -0.8, -1.1], [3, 2]);
      const loss = () =>
        tf.tidy(() => {
          const gx = tf.grad((v: tf.Tensor) => tf.sum(mlpApply(mlp, v as tf.Tensor2D)))(x);
          return tf.sum(tf.square(gx)) as tf.Scalar;
        });
      const { grads } = tf.variableGrads(loss, vars);
      // Check a few coordinates of the first and second weight matrices.
      for (const [vi, idx] of [
        [0, 1],
        [0, 9],
        [2, 5],
        [2, 30],
        [3, 2],
      ] as const) {
        const v = vars[vi];
        const g = (await grads[v.name].data())[idx];
        const base = Float32Array.from(await v.data());
        const h = 1e-2;
        const at = async (delta: number) => {
          const w = Float32Array.from(base);
          w[idx] += delta;
          v.assign(tf.tensor(w, v.shape));
          const l = loss();
          const r = (await l.data())[0];
          l.dispose();
          return r;
        };
        // Richardson-extrapolated central difference (error O(h⁴)), float32 evaluations.
        const c1 = ((await at(h)) - (await at(-h))) / (2 * h);
        const c2 = ((await at(2 * h)) - (await at(-2 * h))) / (4 * h);
        const fd = (4 * c1 - c2) / 3;
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(g - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
      tf.dispose([x, ...Object.values(grads)]);
      vars.forEach((v) => v.dispose());
    });
  }
});
