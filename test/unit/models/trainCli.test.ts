/**
 * `tweedie train` (issue 3 item 5) in-process on the cpu backend: the printed JSON has exactly the contract's
 * fields, --out writes a run file that loads back as a score field, a density file of any dimension works, and bad
 * settings or a diverging run end with a message and a non-zero status.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';
import * as tf from '@tensorflow/tfjs';
import { loadScoreField } from '../../../src/models/learnedField.ts';


const FAST = ['--steps', '4', '--width', '8', '--batch', '32', '--eval', '30', '--timing-reps', '1', '--backend', 'cpu'];

describe('tweedie train', () => {
  it('prints exactly {backend, steps, seconds, stepsPerSec, finalLoss, metrics{...}} and writes a loadable run.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-train-'));
    const out = join(dir, 'run.json');
    const r = await runCli(['train', '--density', 'gmm2', '--sigma', '0.3', '--s2', 'lowrank', '--rank', '2', '--vr', '--gamma', '2', '--stop-grad', '--s2-scale', 'auto', ...FAST, '--out', out, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(Object.keys(res)).toEqual(['backend', 'steps', 'seconds', 'stepsPerSec', 'finalLoss', 'metrics']);
    expect(Object.keys(res.metrics)).toEqual([
      's1Mse',
      's2MseDirect',
      's2MseAutodiff',
      'psdViolationRate',
      'msPerEvalDirect',
      'msPerEvalAutodiff',
      's2MseAutodiffRaw',
      's2MseDirectClean',
      's2MseAutodiffClean',
      's2MseAutodiffRawClean',
    ]);
    expect(res).toMatchObject({ backend: 'cpu', steps: 4 });
    for (const v of [res.seconds, res.stepsPerSec, res.finalLoss, ...Object.values(res.metrics)]) expect(Number.isFinite(v)).toBe(true);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file).toMatchObject({ format: 'tweedie-lab/score-model', density: 'gmm2', training: { steps: 4, hyper: { s2: 'lowrank', rank: 2, vr: true, gamma: 2, stopGrad: true, s2Scale: 'auto' } } });
    // auto: c = σ² / mean(data variance + σ²), stored in the model's spec.
    expect(file.spec.s2Scale).toBeCloseTo(0.09 / file.spec.inputScale.reduce((a: number, v: number) => a + (v * v) / 2, 0), 12);
    expect(file.result).toEqual(res);
    const field = loadScoreField(file);
    const h = field.hessian!(tf.tensor2d([[0, 0]]));
    expect(h.shape).toEqual([1, 2, 2]);
    field.dispose();
  });

  it('takes a Gaussian-mixture file of any dimension (here 3-D, s2 none: autodiff only)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-train-'));
    const path = join(dir, 'gauss3.json');
    writeFileSync(path, JSON.stringify({ type: 'gmm', weights: [1], means: [[0, 1, 0]], covs: [[[1, 0.2, 0], [0.2, 1, 0], [0, 0, 0.5]]] }));
    const r = await runCli(['train', '--density', path, '--s2', 'none', ...FAST, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.metrics.s2MseDirect).toBeNull();
    expect(res.metrics.psdViolationRate).toBeNull();
    expect(Number.isFinite(res.metrics.s2MseAutodiff)).toBe(true);
  });

  it('takes a CSV file of points (their kernel density is the truth); the run file keeps the points; NaN points are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-train-'));
    const path = join(dir, 'pts.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `${Math.cos(i).toFixed(4)},${Math.sin(2 * i).toFixed(4)}`);
    writeFileSync(path, ['x,y', ...rows].join('\n'));
    const out = join(dir, 'run.json');
    const r = await runCli(['train', '--density', path, ...FAST, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(Number.isFinite(JSON.parse(r.stdout).metrics.s2MseDirect)).toBe(true);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.density).toMatchObject({ dim: 2, name: 'pts.csv' });
    expect(file.density.points).toEqual(rows.flatMap((row) => row.split(',').map(Number)));

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y\n1,2\n3,NaN\n');
    const b = await runCli(['train', '--density', bad, ...FAST]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/bad\.csv: CSV line 3: "NaN" is not a number/);
  });

  it('refuses σ outside its range and rank > D with a message; a diverging run says so and exits 1 after printing its result', async () => {
    const s = await runCli(['train', '--sigma', '0', ...FAST]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--sigma must be >= 0.001, got 0/);
    const c = await runCli(['train', '--s2-scale', 'big', ...FAST]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--s2-scale must be "auto" or a positive number/);
    const r = await runCli(['train', '--s2', 'psd', '--rank', '3', ...FAST]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rank must be an integer between 1 and the dimension D = 2/);
    const d = await runCli(['train', '--lr', '10', '--sigma', '0.1', '--act', 'softplus', '--steps', '200', '--width', '16', '--batch', '64', '--eval', '30', '--timing-reps', '1', '--backend', 'cpu', '--json']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/diverged/);
    // `steps` is what the model holds: the last good weights, before the loss turned NaN (whenever the CLI's
    // once-a-second check saw it).
    expect(JSON.parse(d.stdout).steps).toBeLessThan(200);
  });
});
