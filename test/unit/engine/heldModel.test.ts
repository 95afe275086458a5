/** heldScoreModel: the model a session holds, or an error that says what to do. */
import { describe, expect, it } from 'vitest';
import { heldScoreModel } from '../../../src/engine/jobs/heldModel.ts';
import { InputError } from '../../../src/engine/job.ts';
import { SessionStore } from '../../../src/engine/sessions.ts';
import type { ScoreModel } from '../../../src/models/scoreModel.ts';

describe('heldScoreModel', () => {
  it('finds a training run’s model or a model stored directly, and refuses anything else with a clear message', () => {
    const sessions = new SessionStore();
    const model = { s1: () => null, dispose: () => {} } as unknown as ScoreModel;
    sessions.set('run', { model, dispose: () => {} });
    sessions.set('bare', model);
    sessions.set('chains', { dispose: () => {} });
    expect(heldScoreModel(sessions, 'run')).toBe(model);
    expect(heldScoreModel(sessions, 'bare')).toBe(model);
    expect(() => heldScoreModel(sessions, 'none')).toThrow(InputError);
    expect(() => heldScoreModel(sessions, 'none')).toThrow('no trained model "none" in the engine: train one in the Scores lab first');
    expect(() => heldScoreModel(sessions, 'chains')).toThrow('engine session "chains" holds no score model');
  });
});
