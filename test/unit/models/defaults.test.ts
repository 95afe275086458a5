/**
 * One set of defaults: the Scores lab's URL parameters (UI bundle, no tfjs) and `tweedie train`'s flags start from
 * DEFAULT_HYPER of the tfjs-free models/hyper.ts, as the trainer does. (The CLI's --vr is a flag, off unless given.)
 */
import { describe, expect, it } from 'vitest';
import { scoresParams } from '../../../src/app/labs/scores/params.ts';
import { trainCommand } from '../../../src/cli/commands/train.ts';
import { DEFAULT_HYPER } from '../../../src/models/hyper.ts';

describe('Scores defaults', () => {
  it('the lab and the CLI start from DEFAULT_HYPER', () => {
    const lab = Object.fromEntries(Object.entries(scoresParams).map(([k, v]) => [k, v.default]));
    const cli = Object.fromEntries(Object.entries(trainCommand.flags).map(([k, v]) => [k, v.default]));
    const { sigma, s2, rank, width, depth, act, gamma, stopGrad, shareTrunk, batch, lr, vr } = DEFAULT_HYPER;
    expect(lab).toMatchObject({ sigma, s2, rank, width, depth, act, gamma, stopGrad, shareTrunk, batch, lr, vr });
    expect(cli).toMatchObject({ sigma, s2, rank, width, depth, act, gamma, batch, lr, seed: DEFAULT_HYPER.seed });
  });
});
