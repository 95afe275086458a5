/**
 * The Scores lab's engine jobs (engine/jobs/train.ts) driven in-process on the cpu backend: create, steps with
 * throttled progress, pause by cancel, reset, fields on a grid, metrics, export/import round trip, uploaded points,
 * input errors, and no leaked tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { EngineError, type EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { trainCreate, trainFields, type TrainProgress } from '../../../src/engine/jobs/train.ts';
import type { JobContext } from '../../../src/engine/job.ts';
import { SessionStore } from '../../../src/engine/sessions.ts';
import { transferablesOf } from '../../../src/engine/transfer.ts';

let engine: EngineClient;
beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'cpu' });
});
afterAll(() => engine.close());

const HYPER = { sigma: 0.3, width: 16, depth: 2, batch: 64, act: 'softplus' as const, vr: false };

describe('train.* jobs', () => {
  it('create → steps (progress) → fields → metrics → export → import → same fields', async () => {
    const info = await engine.run('train.create', { key: 't1', density: 'gmm2', hyper: HYPER });
    expect(info).toMatchObject({ key: 't1', density: 'gmm2', dim: 2, step: 0, backend: 'cpu', lossOffset: 0 });
    expect(info.parameterCount).toBeGreaterThan(0);
    const progress: TrainProgress[] = [];
    const r = await engine.run('train.steps', { key: 't1', steps: 25, reportMs: 0 }, { onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ steps: 25, step: 25 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1].step).toBe(25);
    for (const p of progress) {
      expect(Number.isFinite(p.loss) && Number.isFinite(p.lossVariance) && p.stepsPerSec >= 0).toBe(true);
    }
    const f = await engine.run('train.fields', { key: 't1', nx: 6, ny: 5, samples: 30 });
    expect(f.xs.length).toBe(6);
    expect(f.ys.length).toBe(5);
    expect(f.s1.length).toBe(60);
    expect(f.s2Direct!.length).toBe(120);
    expect(f.s2Autodiff!.length).toBe(120);
    expect(f.truth.s2.length).toBe(120);
    expect(f.truth.logq.length).toBe(30);
    expect(f.data.length).toBe(60);
    expect(f.noisy.length).toBe(60);
    expect([...f.s1, ...f.truth.s1, ...f.truth.logp].every(Number.isFinite)).toBe(true);
    const m = await engine.run('train.metrics', { key: 't1', n: 100, timingReps: 1 });
    expect(m.step).toBe(25);
    for (const k of ['s1Mse', 's2MseDirect', 's2MseAutodiff', 'psdViolationRate', 'msPerEvalDirect', 'msPerEvalAutodiff'] as const) {
      expect(Number.isFinite(m[k])).toBe(true);
    }
    const file = JSON.parse(JSON.stringify(await engine.run('train.export', { key: 't1' })));
    expect(file.density).toBe('gmm2');
    expect(file.training.steps).toBe(25);
    const back = await engine.run('train.import', { key: 't2', file });
    expect(back).toMatchObject({ step: 25, dim: 2, hyper: { sigma: 0.3, width: 16 } });
    const f2 = await engine.run('train.fields', { key: 't2', nx: 6, ny: 5, samples: 30 });
    expect(f2.s1).toEqual(f.s1);
    expect(f2.s2Direct).toEqual(f.s2Direct);
    await engine.run('train.dispose', { key: 't1' });
    await engine.run('train.dispose', { key: 't2' });
  });

  it('cancel pauses: the session keeps the steps done, and training resumes', async () => {
    await engine.run('train.create', { key: 'p', density: 'ring8', hyper: HYPER });
    const ctrl = new AbortController();
    let seen = 0;
    const run = engine.run('train.steps', { key: 'p', steps: 100000, reportMs: 0 }, {
      signal: ctrl.signal,
      onProgress: (p) => {
        seen = p.step;
        if (p.step >= 5) ctrl.abort();
      },
    });
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).cancelled).toBe(true);
    const info = await engine.run('train.info', { key: 'p' });
    expect(info.step).toBeGreaterThanOrEqual(5);
    expect(info.step).toBeGreaterThanOrEqual(seen);
    const r = await engine.run('train.steps', { key: 'p', steps: 3 });
    expect(r.step).toBe(info.step + 3);
    const conf = await engine.run('train.configure', { key: 'p', vr: true, gamma: 2, lr: 1e-3 });
    expect(conf.hyper).toMatchObject({ vr: true, gamma: 2, lr: 1e-3 });
    expect(conf.lossOffset).toBe(2 * 2 + 2 + 2 * 2); // D² + D + γ D
    const after = await engine.run('train.steps', { key: 'p', steps: 2, reportMs: 0 });
    expect(after.last!.lossAdjusted - after.last!.loss).toBeCloseTo(10, 5);
    await expect(engine.run('train.configure', { key: 'p', batch: 1 })).rejects.toThrow(/batch must be an integer/);
    const reset = await engine.run('train.reset', { key: 'p' });
    expect(reset.step).toBe(0);
    expect(reset.history).toEqual([]);
    await engine.run('train.dispose', { key: 'p' });
  });

  it('no tensor leaks after N steps, fields and metrics', async () => {
    await engine.run('train.create', { key: 'leak', density: 'gmm2', hyper: { ...HYPER, vr: true } });
    await engine.run('train.steps', { key: 'leak', steps: 2, reportMs: 0 });
    const n0 = tf.memory().numTensors;
    await engine.run('train.steps', { key: 'leak', steps: 15, reportMs: 0 });
    await engine.run('train.fields', { key: 'leak', nx: 4 });
    await engine.run('train.metrics', { key: 'leak', n: 20, timingReps: 1 });
    await engine.run('train.export', { key: 'leak' });
    expect(tf.memory().numTensors).toBe(n0);
    await engine.run('train.dispose', { key: 'leak' });
  });

  it('uploaded points train (kernel density truth); NaN points, σ ≤ 0 and rank > D are refused with messages', async () => {
    const pts = Array.from({ length: 80 }, (_, i) => Math.sin(i * 1.7) * 2 + (i % 2) * 0.1);
    const info = await engine.run('train.create', { key: 'pts', density: { points: pts, dim: 2, name: 'drawn' }, hyper: HYPER });
    expect(info.density).toBe('drawn');
    await engine.run('train.steps', { key: 'pts', steps: 2 });
    const m = await engine.run('train.metrics', { key: 'pts', n: 20, timingReps: 0 });
    expect(Number.isFinite(m.s2MseDirect)).toBe(true);
    await engine.run('train.dispose', { key: 'pts' });
    const bad = [...pts];
    bad[7] = NaN;
    await expect(engine.run('train.create', { key: 'x', density: { points: bad, dim: 2 } })).rejects.toThrow(/point 4 has a NaN/);
    await expect(engine.run('train.create', { key: 'x', density: 'gmm2', hyper: { sigma: 0 } })).rejects.toThrow(/σ must be a positive number/);
    await expect(engine.run('train.create', { key: 'x', density: 'gmm2', hyper: { sigma: -1 } })).rejects.toThrow(/σ must be a positive number/);
    await expect(engine.run('train.create', { key: 'x', density: 'gmm2', hyper: { s2: 'lowrank', rank: 3 } })).rejects.toThrow(
      /rank must be an integer between 1 and the dimension D = 2/,
    );
    await expect(engine.run('train.create', { key: 'x', density: 'nope' })).rejects.toThrow(/unknown density/);
    await expect(engine.run('train.steps', { key: 'missing', steps: 1 })).rejects.toThrow(/create one first/);
    await expect(engine.run('train.import', { key: 'x', file: { format: 'x', density: 'gmm2' } })).rejects.toThrow(/"format" is "x", not "tweedie-lab\/score-model": this is not a score model file/);
  });

  it('fields results can be transferred out of a worker twice (no cached buffer is handed over)', async () => {
    const sessions = new SessionStore();
    const ctx = { sessions, progress() {}, checkpoint: async () => {}, cancelled: false, backend: { name: 'cpu', adapter: '' } } as unknown as JobContext<never>;
    await trainCreate.run({ key: 'w', density: 'gmm2', hyper: HYPER }, ctx);
    const a = await trainFields.run({ key: 'w', nx: 4 }, ctx);
    structuredClone(a, { transfer: transferablesOf(a) }); // what the worker does: detaches a's buffers
    const b = await trainFields.run({ key: 'w', nx: 4 }, ctx);
    expect(b.truth.s2.length).toBe(64);
    expect(() => structuredClone(b, { transfer: transferablesOf(b) })).not.toThrow();
    sessions.clear();
  });

  it('a diverging run returns diverged and keeps finite weights', async () => {
    await engine.run('train.create', { key: 'div', density: 'gmm2', hyper: { ...HYPER, sigma: 0.1, lr: 10 } });
    const r = await engine.run('train.steps', { key: 'div', steps: 200, reportMs: 0 });
    expect(r.diverged).toMatch(/last good/);
    const f = await engine.run('train.fields', { key: 'div', nx: 3, autodiff: false });
    expect([...f.s1].every(Number.isFinite)).toBe(true);
    await engine.run('train.dispose', { key: 'div' });
  });
});
