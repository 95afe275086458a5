/**
 * `tweedie study table1` (issue 17 item 2) in-process on the cpu backend, on a tiny grid: the printed JSON's shape,
 * finite numbers, ratios that are the quotients of the printed MSEs, a summary that agrees with the rows, --out, no
 * tensor left behind, and refusals (an oversized grid over the training-steps budget, malformed lists) before any
 * training starts; the Gaussians' other spectra (--spectra, gauss<D>-<spectrum>), --figure, and --from reading a result
 * back (also a file written before rows had a spectrum).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  'spectrum',
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
    expect(res.rows.map((row: { spectrum: string | null }) => row.spectrum)).toEqual(['geometric', null]);
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

  it('runs the Gaussians in other spectra (--spectra, gauss<D>-<spectrum>), writes --figure, and reads a result back with --from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-study-'));
    const [json, svg, svg2] = ['study.json', 'study.svg', 'again.svg'].map((f) => join(dir, f));
    const r = await runCli(['study', 'table1', '--targets', 'gauss,gauss4-spiked', '--dims', '3', '--spectra', 'iso,wide', '--vr', 'on', ...TINY, '--json', '--out', json, '--figure', svg]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.rows.map((row: { target: string; spectrum: string }) => [row.target, row.spectrum])).toEqual([
      ['gauss3-iso', 'iso'],
      ['gauss3-wide', 'wide'],
      ['gauss4-spiked', 'spiked'],
    ]);
    for (const row of res.rows) expect(Object.keys(row)).toEqual(ROW_KEYS);
    expect(res.summary.map((s: { target: string; spectrum: string }) => [s.target, s.spectrum])).toEqual(res.rows.map((row: { target: string; spectrum: string }) => [row.target, row.spectrum]));
    // The spectra differ: the same σ and model scores differently on each (the isotropic s2 is −I/(1 + σ²)).
    expect(new Set(res.rows.map((row: { s2MseDirect: number }) => row.s2MseDirect)).size).toBe(3);
    const figure = readFileSync(svg, 'utf8');
    expect(figure.match(/class="cell"/g)).toHaveLength(2 * 3);
    expect(figure).toContain('Gaussian, isotropic');
    expect(figure).toContain('Gaussian, spiked');
    expect(r.stderr).toMatch(/wrote .*study\.svg \(3 cells\)/);

    // --from: the same result (summary recomputed), the same figure, no training; an old row without a spectrum gets
    // it from its name.
    const back = await runCli(['study', 'table1', '--from', json, '--figure', svg2, '--backend', 'cpu', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toEqual(res);
    expect(back.stderr).not.toMatch(/\[1\//);
    expect(readFileSync(svg2, 'utf8')).toBe(figure);
    const old = { rows: res.rows.map((row: Record<string, unknown>) => ({ ...row, spectrum: undefined })) };
    old.rows[0].target = 'gauss3';
    writeFileSync(json, JSON.stringify(old));
    const oldBack = await runCli(['study', 'table1', '--from', json, '--backend', 'cpu', '--json']);
    expect(oldBack.code, oldBack.stderr).toBe(0);
    expect(JSON.parse(oldBack.stdout).rows.map((row: { spectrum: string }) => row.spectrum)).toEqual(['geometric', 'wide', 'spiked']);
    for (const [text, reason] of [
      ['{"rows": []}', /not a study result/],
      ['{"rows": [{"target": "gauss3"}]}', /rows\[0\]\.dim must be an integer/],
      ['not json', /is not valid JSON/],
    ] as const) {
      writeFileSync(json, text);
      const bad = await runCli(['study', 'table1', '--from', json, '--backend', 'cpu']);
      expect(bad.code, text).toBe(2);
      expect(bad.stderr).toMatch(reason);
    }
    const missing = await runCli(['study', 'table1', '--from', join(dir, 'nope.json'), '--backend', 'cpu']);
    expect(missing.stderr).toMatch(/--from: no file/);
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
      ['--targets', 'logistic10-iso', /--targets: "logistic10-iso"/],
      ['--targets', 'gauss-iso', /--targets: "gauss-iso"/],
      ['--targets', 'gauss10-flat', /--spectra: "flat" is not one of geometric, iso, wide, spiked/],
      ['--targets', 'gauss10,gauss10-geometric', /lists a value twice/],
      ['--spectra', 'iso,round', /--spectra: "round" is not one of/],
      ['--spectra', 'iso,iso', /lists a value twice/],
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
