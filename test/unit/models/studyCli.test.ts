/**
 * `tweedie study table1` (issue 17 item 2) in-process on the cpu backend, on a tiny grid: the printed JSON's shape,
 * finite numbers, ratios that are the quotients of the printed MSEs, a summary that agrees with the rows, --out, no
 * tensor left behind, and refusals (an oversized grid over the training-steps budget, malformed lists) before any
 * training starts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';

const TINY = ['--steps', '3', '--seeds', '1', '--width', '8', '--batch', '16', '--eval', '20', '--tail', '0', '--backend', 'cpu'];

const ROW_KEYS = [
  'target',
  'dim',
  'sigma',
  'steps',
  'seed',
  'vr',
  's1Mse',
  's2MseDirect',
  's2MseAutodiff',
  's2MseDirectClean',
  's2MseAutodiffClean',
  'ratioQ',
  'ratioClean',
  'seconds',
  'diverged',
];

describe('tweedie study table1', () => {
  it('prints {rows, summary} for a 2-cell grid (a Gaussian and a mixture of logistics), ratios = autodiff / direct, and writes --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-study-'));
    const out = join(dir, 'study.json');
    // Warm-up: what a first run builds for good (backend, kernels) is not a leak.
    expect((await runCli(['study', 'table1', '--targets', 'gauss2', '--vr', 'off', ...TINY])).code).toBe(0);
    const tensors = tf.memory().numTensors;
    const r = await runCli(['study', 'table1', '--targets', 'gauss,logistic', '--dims', '3', '--vr', 'on', ...TINY, '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors);
    // Progress: one line per cell on stderr.
    expect(r.stderr).toMatch(/\[1\/2\] gauss3 .*ratio/);
    expect(r.stderr).toMatch(/\[2\/2\] logistic3 .*ratio/);

    const res = JSON.parse(r.stdout);
    expect(Object.keys(res)).toEqual(['rows', 'summary']);
    expect(res.rows).toHaveLength(2);
    for (const row of res.rows) {
      expect(Object.keys(row)).toEqual(ROW_KEYS);
      expect(row).toMatchObject({ dim: 3, sigma: 0.1, steps: 3, seed: 1, vr: true, diverged: false });
      for (const k of ROW_KEYS.slice(6, 14)) expect(Number.isFinite(row[k]), k).toBe(true);
      expect(row.s2MseDirect).toBeGreaterThan(0);
      expect(row.ratioQ).toBeCloseTo(row.s2MseAutodiff / row.s2MseDirect, 12);
      expect(row.ratioClean).toBeCloseTo(row.s2MseAutodiffClean / row.s2MseDirectClean, 12);
    }
    expect(res.rows.map((row: { target: string }) => row.target)).toEqual(['gauss3', 'logistic3']);
    // One seed per setting: the summary's geometric means are the rows' ratios, and the wins follow ratio > 1.
    expect(res.summary).toHaveLength(2);
    res.summary.forEach((s: Record<string, number | string | boolean>, i: number) => {
      const row = res.rows[i];
      expect(s).toMatchObject({ target: row.target, dim: 3, sigma: 0.1, steps: 3, vr: true, seeds: 1 });
      expect(s.ratioQ).toBeCloseTo(row.ratioQ, 12);
      expect(s.ratioClean).toBeCloseTo(row.ratioClean, 12);
      expect(s.directWinsQ).toBe(row.ratioQ > 1 ? 1 : 0);
      expect(s.directWinsClean).toBe(row.ratioClean > 1 ? 1 : 0);
    });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(res);
  }, 20_000);

  it('refuses a grid over the training-steps budget, and malformed lists, before training', async () => {
    const big = await runCli(['study', 'table1', '--targets', 'gauss', '--dims', '2,3', '--steps', '600000', '--seeds', '1', '--vr', 'on', '--backend', 'cpu']);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/1,200,000 training steps is over the budget of 1,000,000/);
    expect(big.stderr.trim().split('\n')).toHaveLength(1);
    for (const [flag, value, reason] of [
      ['--vr', 'on,maybe', /--vr takes a list of on and off/],
      ['--targets', 'gaussian', /--targets: "gaussian"/],
      ['--targets', 'logistic1', /must be >= 2/],
      ['--dims', '10,0x10', /no hex/],
      ['--seeds', '1,1', /lists a value twice/],
      ['--sigmas', '0.1,Infinity', /needs a number/],
      ['--steps', '0', /must be >= 1/],
    ] as const) {
      const r = await runCli(['study', 'table1', flag, value, '--backend', 'cpu']);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr, `${flag} ${value}`).toMatch(reason);
      expect(r.stdout).toBe('');
    }
  });
});
