/**
 * `tweedie energy train|blind|posterior` end to end through the CLI's `main` (in-process engine, cpu backend):
 * the JSON contracts of issue 7 and the usage errors.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';

const run = (argv: string[]) => runCli([...argv, '--backend', 'cpu']);

describe('tweedie energy', () => {
  it('train → blind → posterior with the contract fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-energy-'));
    const file = join(dir, 'energy.json');
    const t = await run(['energy', 'train', '--density', 'gmm2', '--no-acsm', '--steps', '3', '--seed', '2', '--width', '8', '--depth', '1', '--batch', '32', '--grid', '40', '--out', file, '--json']);
    expect(t.code, t.stderr).toBe(0);
    const tr = JSON.parse(t.stdout);
    expect(tr.acsm).toBe(false);
    expect(tr.steps).toBe(3);
    for (const k of ['total', 'adsm', 'acsm']) expect(Number.isFinite(tr.losses[k])).toBe(true);
    expect(tr.normalization.length).toBeGreaterThan(5);
    for (const r of tr.normalization) expect(Object.keys(r).sort()).toEqual(['mass', 'sigma1', 'sigma2']);
    for (const r of tr.exactNormalization) expect(r.mass).toBeCloseTo(1, 2);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).training).toMatchObject({ density: 'gmm2', acsm: false, steps: 3, seed: 2 });

    const b = await run(['energy', 'blind', '--model', file, '--true-sigma', '0.5,2', '--points', '50', '--seed', '3', '--grid-n', '9', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const bl = JSON.parse(b.stdout);
    expect(bl.truth).toEqual([0.5, 2]);
    expect(bl.estimate).toHaveLength(2);
    expect(bl.exactEstimate).toHaveLength(2);

    for (const corrector of ['ula', 'mala']) {
      const p = await run(['energy', 'posterior', '--model', file, '--observe', 'x1=0.3', '--corrector', corrector, '--steps', '1', '--levels', '3', '--chains', '50', '--json']);
      expect(p.code, p.stderr).toBe(0);
      const po = JSON.parse(p.stdout);
      expect(po.corrector).toBe(corrector);
      expect(po.distance).toBeGreaterThan(0);
      expect(po.noiseFloor).toBeGreaterThan(0);
      if (corrector === 'mala') expect(po.acceptance).toBeGreaterThan(0);
      else expect(po.acceptance).toBeNull();
    }
    const lin = await run(['energy', 'posterior', '--model', file, '--exact', '--observe', 'y=0.4,0.1', '--H', '1,0,0,0.5', '--noise', '0.3', '--steps', '1', '--levels', '3', '--chains', '50', '--json']);
    expect(lin.code, lin.stderr).toBe(0);
    expect(JSON.parse(lin.stdout).energy).toBe('exact');
  });

  it('usage errors say what is wrong', async () => {
    expect((await run(['energy', 'blind', '--true-sigma', '1,1'])).stderr).toMatch(/--model is required/);
    expect((await run(['energy', 'blind', '--model', '/nonexistent.json', '--true-sigma', '1,1'])).stderr).toMatch(/no file/);
    expect((await run(['energy', 'posterior', '--model', '/nonexistent.json', '--observe', 'x1=0'])).stderr).toMatch(/no file/);
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-energy-'));
    const file = join(dir, 'e.json');
    await run(['energy', 'train', '--steps', '1', '--width', '4', '--depth', '1', '--batch', '8', '--grid', '20', '--out', file]);
    expect((await run(['energy', 'posterior', '--model', file, '--observe', 'z=1'])).stderr).toMatch(/x1=V/);
    expect((await run(['energy', 'blind', '--model', file, '--true-sigma', '1'])).stderr).toMatch(/2 comma-separated/);
    expect((await run(['energy', 'train', '--family', 'cube'])).stderr).toMatch(/one of/);
  });
});
