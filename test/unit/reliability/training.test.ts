/**
 * Issue 18: a training run whose loss grows by orders of magnitude without becoming NaN warns (the divergence guard
 * only sees NaN), in the engine's result and progress (the Scores lab shows it) and on the CLI's stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import type { TrainProgress } from '../../../src/engine/jobs/train.ts';
import { LOSS_GROWTH, lossGrowthWarning } from '../../../src/models/trainer.ts';

const point = (step: number, lossAdjusted: number) => ({ step, loss: lossAdjusted, lossAdjusted, lossVariance: 0 });

describe('lossGrowthWarning', () => {
  it('warns when the newest loss is 100× its best and above the floor; names the steps and the learning rate', () => {
    const w = lossGrowthWarning([point(1, 7.8), point(50, 3), point(100, 3.2e6)], 10);
    expect(w).toMatch(/the loss grew 1\.07e\+6× without becoming NaN, from 3\.00 at step 50 to 3\.20e\+6 at step 100: .* smaller learning rate than 10/);
  });

  it('is silent for a healthy run, a recovered spike, a rise below the floor, or too short a history', () => {
    expect(lossGrowthWarning([point(1, 7.8), point(50, 3), point(100, 2.5)], 2e-3)).toBeNull();
    expect(lossGrowthWarning([point(1, 7.8), point(50, 3e5), point(100, 2.5)], 2e-3)).toBeNull();
    expect(lossGrowthWarning([point(1, 0.01), point(100, LOSS_GROWTH.floor * 0.9)], 2e-3)).toBeNull();
    expect(lossGrowthWarning([point(1, 1e9)], 2e-3)).toBeNull();
  });
});

describe('train.steps with a learning rate that blows the loss up (was: loss 1.5e8, exit 0, no word)', () => {
  let engine: EngineClient;
  beforeAll(async () => {
    engine = createInProcessEngine();
    await engine.run('init', { backend: 'cpu' });
  });
  afterAll(() => engine.close());

  it('reports the warning in the progress and the result; a default learning rate does not', async () => {
    const hyper = { sigma: 0.3, width: 16, depth: 2, batch: 64, act: 'tanh' as const };
    await engine.run('train.create', { key: 'hot', density: 'gmm2', hyper: { ...hyper, lr: 10 } });
    const progress: TrainProgress[] = [];
    const r = await engine.run('train.steps', { key: 'hot', steps: 150, reportMs: 0 }, { onProgress: (p) => void progress.push(p) });
    expect(r.diverged).toBeUndefined();
    expect(r.warning).toMatch(/^the loss grew .* without becoming NaN, from .* at step 1 to .*: .*smaller learning rate than 10$/);
    expect(progress.some((p) => (p.warning ?? '').startsWith('the loss grew'))).toBe(true);
    await engine.run('train.create', { key: 'calm', density: 'gmm2', hyper });
    const calm = await engine.run('train.steps', { key: 'calm', steps: 150, reportMs: 0 });
    expect(calm.warning).toBeUndefined();
    expect(calm.diverged).toBeUndefined();
  }, 60_000);
});
