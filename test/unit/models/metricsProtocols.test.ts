/**
 * The metrics under both protocols (issue 17 item 1): s2 MSEs against q_σ and against the clean density, autodiff
 * symmetrised and raw, recomputed by hand on a few points; the orderings that must hold (raw ≥ symmetrised on
 * full matrices, equal on diagonals); and `tweedie train` on a mixture-of-logistics file (cpu backend).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { densityFromLogisticMixture } from '../../../src/core/densities/index.ts';
import { makeLogisticMixture } from '../../../src/core/logisticMixture.ts';
import type { Density } from '../../../src/core/types.ts';
import { rowJacobian } from '../../../src/models/hessian.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../../src/models/hyper.ts';
import { computeMetrics, noisyPoints } from '../../../src/models/metrics.ts';
import { ScoreTrainer } from '../../../src/models/trainer.ts';
import { runCli } from '../runCli.ts';
import { useCpu } from './helpers.ts';

beforeAll(useCpu);

const MIX = { type: 'logistic-mixture', weights: [1, 2], locs: [[0, 1, -1], [1.5, -0.5, 0.5]], scales: [[0.6, 1, 0.8], [1, 0.5, 0.7]] };
const p: Density = densityFromLogisticMixture('mix3', makeLogisticMixture(MIX.weights, MIX.locs, MIX.scales));
const HYPER: TrainHyper = { ...DEFAULT_HYPER, act: 'tanh', width: 16, depth: 2, batch: 64, sigma: 0.3, seed: 4 };

/** The clean-density MSEs of a model recomputed from the raw Jacobian on the metrics' own points. */
async function byHand(t: ScoreTrainer, n: number, seed: number, diagonal: boolean) {
  const d = p.dim;
  const pts = noisyPoints(p, HYPER.sigma, n, seed);
  const J = await tf.tidy(() => rowJacobian((v) => t.model.s1(v), tf.tensor2d(Float32Array.from(pts), [n, d]))).data();
  let raw = 0;
  let sym = 0;
  for (let k = 0; k < n; k++) {
    const H = p.hessian(pts.subarray(k * d, (k + 1) * d));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (diagonal && i !== j) continue;
        const a = J[k * d * d + i * d + j];
        raw += (a - H[i * d + j]) ** 2;
        sym += ((a + J[k * d * d + j * d + i]) / 2 - H[i * d + j]) ** 2;
      }
    }
  }
  const m = n * (diagonal ? d : d * d);
  return { raw: raw / m, sym: sym / m };
}

describe('metrics under both protocols', () => {
  it('full head: clean-density MSEs match a hand computation; raw ≥ symmetrised (a projection); no clean density → null', async () => {
    const t = ScoreTrainer.create({ ...HYPER, s2: 'full' }, p);
    await t.train(30);
    const opts = { n: 40, seed: 9, timingReps: 0 };
    const m = await computeMetrics(t.model, p.noisy(HYPER.sigma), p, { ...opts, clean: p });
    const h = await byHand(t, 40, 9, false);
    expect(m.s2MseAutodiffRawClean!).toBeCloseTo(h.raw, 5);
    expect(m.s2MseAutodiffClean!).toBeCloseTo(h.sym, 5);
    expect(m.s2MseAutodiffRaw).toBeGreaterThanOrEqual(m.s2MseAutodiff * (1 - 1e-6));
    expect(m.s2MseAutodiffRawClean!).toBeGreaterThanOrEqual(m.s2MseAutodiffClean! * (1 - 1e-6));
    // q_σ differs from p at σ = 0.3, so the two protocols give different numbers.
    expect(m.s2MseDirectClean).not.toBeCloseTo(m.s2MseDirect!, 6);
    const none = await computeMetrics(t.model, p.noisy(HYPER.sigma), p, opts);
    expect(none).toMatchObject({ s2MseDirectClean: null, s2MseAutodiffClean: null, s2MseAutodiffRawClean: null });
    expect(none.s2MseAutodiff).toBe(m.s2MseAutodiff);
    t.dispose();
  });

  it('with the clean density as the truth, both protocols give the same numbers', async () => {
    const t = ScoreTrainer.create({ ...HYPER, s2: 'full' }, p);
    const clean = { logp: (x: ArrayLike<number>) => p.logp(x), s1: (x: ArrayLike<number>) => p.score(x), s2: (x: ArrayLike<number>) => p.hessian(x) };
    const m = await computeMetrics(t.model, clean, p, { n: 20, timingReps: 0, clean: p });
    expect(m.s2MseDirectClean).toBe(m.s2MseDirect);
    expect(m.s2MseAutodiffClean).toBe(m.s2MseAutodiff);
    expect(m.s2MseAutodiffRawClean).toBe(m.s2MseAutodiffRaw);
    t.dispose();
  });

  it('diagonal head: MSEs over the diagonal, where raw and symmetrised autodiff coincide', async () => {
    const t = ScoreTrainer.create({ ...HYPER, s2: 'diag' }, p);
    await t.train(30);
    const m = await computeMetrics(t.model, p.noisy(HYPER.sigma), p, { n: 40, seed: 9, timingReps: 0, clean: p });
    const h = await byHand(t, 40, 9, true);
    expect(m.s2MseAutodiffClean!).toBeCloseTo(h.sym, 5);
    expect(m.s2MseAutodiffRaw).toBe(m.s2MseAutodiff);
    expect(m.s2MseAutodiffRawClean).toBe(m.s2MseAutodiffClean);
    t.dispose();
  });

  it('tweedie train on a mixture-of-logistics file prints every field as a number (--s2 diag, cpu)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-logistic-'));
    const path = join(dir, 'mix3.json');
    writeFileSync(path, JSON.stringify(MIX));
    const r = await runCli(['train', '--density', path, '--s2', 'diag', '--sigma', '0.1', '--steps', '4', '--width', '8', '--batch', '32', '--eval', '30', '--timing-reps', '1', '--backend', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const { metrics } = JSON.parse(r.stdout);
    for (const v of Object.values(metrics)) expect(Number.isFinite(v)).toBe(true);
    expect(metrics.s2MseAutodiffRaw).toBe(metrics.s2MseAutodiff);
    const list = await runCli(['densities', '--json']);
    expect(JSON.parse(list.stdout).map((d: { name: string }) => d.name)).toEqual(expect.arrayContaining(['logistic50', 'logistic80']));
    const file = await runCli(['densities', '--file', path, '--json']);
    expect(JSON.parse(file.stdout)[0]).toMatchObject({ name: 'mix3', dim: 3, truth: 'grid' });
  });
});
