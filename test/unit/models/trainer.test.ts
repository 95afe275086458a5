/**
 * Training: convergence to a Gaussian's closed-form optimum, no tensor leaks, the divergence guard, and the
 * seed making runs reproducible.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gmmNoisy, makeGmm, sampleGmm } from '../../../src/core/gmm.ts';
import type { Rng } from '../../../src/core/types.ts';
import { computeMetrics } from '../../../src/models/metrics.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../../src/models/hyper.ts';
import { ScoreTrainer } from '../../../src/models/trainer.ts';
import { serializeModel } from '../../../src/models/serialize.ts';
import { gauss, gaussData, useCpu } from './helpers.ts';

beforeAll(useCpu);

const SMALL: TrainHyper = { ...DEFAULT_HYPER, act: 'softplus', vr: false, width: 16, depth: 2, batch: 64, sigma: 0.5 };

describe('training', () => {
  it(
    'drives s1 and s2 to the closed-form optimum of a 2-D Gaussian (s1 MSE < 0.03, s2 MSE < 0.02; untrained ≈ 1)',
    async () => {
      // Truth: s1 = −(C + σ²I)⁻¹ (x̃ − μ), s2 = −(C + σ²I)⁻¹; E s1_i² ≈ 1.07 and mean s2_ij² ≈ 0.7 here.
      const hyper: TrainHyper = { ...DEFAULT_HYPER, act: 'softplus', vr: false, sigma: 0.5, width: 32, batch: 128, lr: 4e-3, seed: 3 };
      const t = ScoreTrainer.create(hyper, gaussData());
      const truth = gmmNoisy(gauss, 0.5);
      const before = await computeMetrics(t.model, truth, gaussData(), { n: 500, timingReps: 0 });
      // 300 steps, then 200 at a tenth of the learning rate (the final iterate of constant-rate Adam is noisy).
      const out = await t.train(300);
      t.setLearningRate(4e-4);
      const tail = await t.train(200);
      expect(out.diverged ?? tail.diverged).toBeUndefined();
      const after = await computeMetrics(t.model, truth, gaussData(), { n: 500, timingReps: 0 });
      expect(before.s1Mse).toBeGreaterThan(0.3);
      // Seeds 1-4 gave s1 MSE 0.003-0.007 and s2 MSE 0.001-0.003 (direct), 0.0003-0.0009 (autodiff).
      expect(after.s1Mse).toBeLessThan(0.03);
      expect(after.s2MseDirect!).toBeLessThan(0.02);
      expect(after.s2MseAutodiff).toBeLessThan(0.02);
      expect(after.psdViolationRate).toBe(0);
      t.dispose();
    },
    240_000,
  );

  it('no tensor leaks after N steps, metrics and export', async () => {
    const t = ScoreTrainer.create({ ...SMALL, vr: true }, gaussData());
    await t.train(3, { reportMs: 0 });
    const n0 = tf.memory().numTensors;
    await t.train(20, { reportMs: 0 });
    await t.train(7);
    await computeMetrics(t.model, gmmNoisy(gauss, 0.5), gaussData(), { n: 50, timingReps: 1 });
    await t.export();
    expect(tf.memory().numTensors).toBe(n0);
    t.reset();
    await t.train(3, { reportMs: 0 });
    expect(tf.memory().numTensors).toBe(n0);
    const before = tf.memory().numTensors;
    t.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('a diverging run (learning rate 10) stops itself, says so, and keeps the last good weights', async () => {
    const t = ScoreTrainer.create({ ...SMALL, sigma: 0.1, lr: 10 }, gaussData());
    const initial = await serializeModel(t.model);
    const out = await t.train(200, { reportMs: 0 });
    expect(out.diverged).toMatch(/NaN or infinite/);
    expect(out.steps).toBeLessThan(200);
    // The restored weights are finite and are those of the last step whose loss was finite.
    const restored = await serializeModel(t.model);
    expect(t.step).toBeLessThan(out.steps);
    if (t.step === 0) expect(restored.weights).toEqual(initial.weights);
    for (const v of t.model.variables()) expect((await v.data()).every(Number.isFinite)).toBe(true);
    // It can go on training after a smaller learning rate is set.
    t.setLearningRate(1e-3);
    const again = await t.train(5, { reportMs: 0 });
    expect(again.diverged).toBeUndefined();
    expect(Number.isFinite(again.last!.loss)).toBe(true);
    t.dispose();
  });

  it('data turning infinite mid-run: training stops and the weights are rolled back to a finite state', async () => {
    let calls = 0;
    const g = makeGmm([1], [[0, 0]], [[[1, 0], [0, 1]]]);
    const data = {
      dim: 2,
      sample: (rng: Rng, n: number) => {
        const x = sampleGmm(g, rng, n);
        if (++calls > 15) x.fill(1e30);
        return x;
      },
    };
    const t = ScoreTrainer.create(SMALL, data); // the standardisation draws once
    const out = await t.train(50, { reportMs: 0 });
    expect(out.diverged).toBeDefined();
    expect(t.step).toBeGreaterThan(0);
    expect(t.step).toBeLessThan(15);
    for (const v of t.model.variables()) expect((await v.data()).every(Number.isFinite)).toBe(true);
    t.dispose();
  });

  it('the seed fixes the run: same seed, same weights after training; reports carry the VR offset', async () => {
    const run = async (seed: number) => {
      const t = ScoreTrainer.create({ ...SMALL, vr: true, seed }, gaussData());
      const reports: number[] = [];
      const out = await t.train(10, { reportMs: 0, onReport: (r) => reports.push(r.lossAdjusted - r.loss) });
      const w = (await serializeModel(t.model)).weights;
      expect(reports.length).toBe(10);
      reports.forEach((o) => expect(o).toBeCloseTo(2 * 2 + 2 + 1 * 2, 6)); // D² + D + γ D with D = 2, γ = 1
      expect(out.last!.lossVariance).toBeGreaterThan(0);
      t.dispose();
      return w;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });
});
