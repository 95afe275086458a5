/**
 * The pure parts of surviving a lost WebGPU device (issue 16): the notices, Adam's state as a CPU copy (a fresh
 * optimiser given the copy continues exactly as the original would), and chains continued with their count and record.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deviceLostNotice } from '../../../src/engine/backend.ts';
import { restoredText } from '../../../src/engine/trainRecovery.ts';
import { Adam } from '../../../src/models/adam.ts';
import type { Chains, ChainsOptions } from '../../../src/samplers/chainsApi.ts';
import { ContinuedChains } from '../../../src/samplers/continuedChains.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('notices', () => {
  it('the backend notice names the reason and the new backend', () => {
    expect(deviceLostNotice('device was destroyed', 'wasm')).toBe('WebGPU device lost (device was destroyed): continuing on WASM');
  });

  it('what a restored run kept: the step and the steps lost', () => {
    expect(restoredText({ step: 120, lostSteps: 3 })).toBe('continued from step 120 (3 steps since the last report were lost)');
    expect(restoredText({ step: 7, lostSteps: 1 })).toBe('continued from step 7 (1 step since the last report was lost)');
  });
});

describe('Adam state as a CPU copy', () => {
  const grads = (k: number) => [tf.tensor2d([[0.3 * k, -0.2], [0.1, 0.5 / k]]), tf.tensor1d([k, -1])];

  it('a fresh Adam given readState() continues exactly like the original', async () => {
    const before = tf.memory().numTensors;
    const a = tf.tidy(() => [tf.variable(tf.tensor2d([[1, 2], [3, 4]])), tf.variable(tf.tensor1d([0.5, -0.5]))]);
    const adamA = new Adam(a, { lr: 0.01 });
    for (let k = 1; k <= 3; k++) tf.tidy(() => adamA.apply(grads(k)));
    const state = await adamA.readState();
    expect(state.t).toBe(3);
    const values = await Promise.all(a.map((v) => v.data() as Promise<Float32Array>));

    const b = tf.tidy(() => values.map((v, i) => tf.variable(tf.tensor(v, a[i].shape))));
    const adamB = new Adam(b, { lr: 0.01 });
    adamB.setState(state);
    expect(await adamB.readState()).toEqual(state);
    tf.tidy(() => adamA.apply(grads(4)));
    tf.tidy(() => adamB.apply(grads(4)));
    for (let i = 0; i < a.length; i++) expect(Array.from(await b[i].data())).toEqual(Array.from(await a[i].data()));
    // Without the copy (null) the moments and step count restart.
    adamB.setState(null);
    const zero = await adamB.readState();
    expect(zero.t).toBe(0);
    expect(zero.m.every((m) => m.every((x) => x === 0)) && zero.v.every((v) => v.every((x) => x === 0))).toBe(true);

    adamA.dispose();
    adamB.dispose();
    [...a, ...b].forEach((v) => v.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Chains that count iterations and report chain 1 diverged at their own iteration 2 once they reach it. */
function countingChains(n: number): Chains {
  let t = 0;
  const opts: ChainsOptions = { kind: 'langevin', step: 0.1, seed: 1, center: [0], bound: 10 };
  return {
    n,
    d: 1,
    get t() {
      return t;
    },
    opts,
    engine: 'fake',
    configure: () => {},
    advance: async (k) => void (t += k),
    run: async (k) => ((t += k), new Float32Array(k * n)),
    resetCounters: () => {},
    reset: () => void (t = 0),
    divergence: async () => {
      const at = new Int32Array(n).fill(-1);
      if (t >= 2) at[1] = 2;
      return { count: at.filter((a) => a >= 0).length, at };
    },
    acceptance: async () => new Float32Array(n).fill(Number.NaN),
    dispose: () => {},
  };
}

describe('ContinuedChains', () => {
  it('counts iterations on from t0, keeps the record of before and offsets the new one; reset starts clean', async () => {
    const before = Int32Array.from([-1, -1, 7]);
    const cs = new ContinuedChains(countingChains(3), 40, before);
    expect(cs.t).toBe(40);
    expect(Array.from((await cs.divergence()).at)).toEqual([-1, -1, 7]);
    await cs.run(3);
    expect(cs.t).toBe(43);
    const div = await cs.divergence();
    expect(Array.from(div.at)).toEqual([-1, 42, 7]);
    expect(div.count).toBe(2);
    cs.reset(new Float32Array(3));
    expect(cs.t).toBe(0);
    expect((await cs.divergence()).count).toBe(0);
  });
});
