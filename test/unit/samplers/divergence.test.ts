import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ChainSet } from '../../../src/samplers/chains.ts';
import { SAMPLER_KINDS } from '../../../src/samplers/kernels.ts';
import { gmmScoreField } from '../../../src/models/exactField.ts';
import type { ScoreField } from '../../../src/models/scoreField.ts';
import { corrGauss, useCpu } from './helpers.ts';

beforeAll(useCpu);

/** p ∝ exp(−x⁴/4) per coordinate: explicit Euler steps blow up from far-out starts. */
const quartic: ScoreField = {
  dim: 2,
  score: (x) => tf.tidy(() => tf.neg(tf.pow(x, 3)) as tf.Tensor2D),
  hessianDiag: (x) => tf.tidy(() => tf.mul(tf.square(x), -3) as tf.Tensor2D),
  logp: (x) => tf.tidy(() => tf.mul(tf.sum(tf.pow(x, 4), 1), -0.25) as tf.Tensor1D),
  dispose() {},
};

describe('divergence detection', () => {
  it('records the step at which a chain leaves, freezes it finite and leaves the other chains untouched', async () => {
    const n = 16;
    const start = new Float32Array(n * 2).fill(0.3);
    start[5 * 2] = 10; // chain 5: x ← 10 − 0.05·1000 = −40 → +3160 (> bound at step 2)
    const x0 = tf.tensor2d(start, [n, 2]);
    const ref = new Float32Array(start);
    ref[5 * 2] = 0.3;
    const x0ref = tf.tensor2d(ref, [n, 2]);
    const opts = { kind: 'langevin' as const, step: 0.1, seed: 3, center: [0, 0], bound: 100 };
    const cs = new ChainSet(quartic, x0, opts);
    const csRef = new ChainSet(quartic, x0ref, opts);
    for (let i = 0; i < 10; i++) {
      cs.step();
      csRef.step();
    }
    const div = await cs.divergence();
    expect(div.count).toBe(1);
    expect(div.at[5]).toBe(2);
    expect([...div.at].filter((v, i) => i !== 5 && v !== -1)).toEqual([]);
    const x = await cs.x.data();
    const xr = await csRef.x.data();
    for (let i = 0; i < x.length; i++) expect(Number.isFinite(x[i])).toBe(true);
    // Frozen at its last position inside the bound (−40), so it never stretches a plot's range.
    expect(Math.abs(x[10])).toBeLessThanOrEqual(100);
    for (let c = 0; c < n; c++) if (c !== 5) for (let k = 0; k < 2; k++) expect(x[c * 2 + k]).toBe(xr[c * 2 + k]);
    tf.dispose([x0, x0ref]);
    cs.dispose();
    csRef.dispose();
  });

  it('catches non-finite values (Ozaki on positive curvature) the same way, for MALA too', async () => {
    // N(0, 1) as a field, but with a wrong, positive curvature: e^{εh} overflows at once.
    const bad: ScoreField = {
      dim: 2,
      score: (x) => tf.neg(x),
      hessianDiag: (x) => tf.fill(x.shape, 500),
      dispose() {},
    };
    const x0 = tf.zeros([4, 2]) as tf.Tensor2D;
    const cs = new ChainSet(bad, x0, { kind: 'ozaki', step: 1, seed: 1, center: [0, 0], bound: 1e3 });
    cs.step();
    const div = await cs.divergence();
    expect(div.count).toBe(4);
    expect([...div.at]).toEqual([1, 1, 1, 1]);
    cs.dispose();
    x0.dispose();
  });
});

describe('no tensor leaks', () => {
  it('creating, stepping, running, resetting and disposing chain sets of every sampler leaves tf.memory unchanged', async () => {
    const { gmm } = corrGauss();
    const field = gmmScoreField(gmm);
    const before = tf.memory().numTensors;
    for (const kind of SAMPLER_KINDS) {
      const x0 = tf.randomNormal([32, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
      const cs = new ChainSet(field, x0, { kind, step: 0.02, seed: 4, center: [0, 0], bound: 50 });
      cs.step();
      const frames = cs.runFrames(5);
      frames.dispose();
      await cs.divergence();
      await cs.acceptance();
      cs.configure({ step: 0.01 });
      cs.step();
      cs.resetCounters();
      cs.reset(x0);
      cs.step();
      cs.configure({ kind: kind === 'mala' ? 'langevin' : 'mala' });
      cs.step();
      cs.dispose();
      x0.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    field.dispose();
  });
});
