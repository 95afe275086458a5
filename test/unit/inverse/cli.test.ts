/**
 * `tweedie inverse …` through the CLI's main (in-process engine): the output fields issue 15 names, and one-line
 * refusals for a bad problem spec, a box outside the image, k out of range, and missing or corrupt weight files.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../runCli.ts';

const MODELS = join(__dirname, '../../../public/models');

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...argv, '--json', '--backend', 'wasm']);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('tweedie:'))).toEqual([]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

function oneLineError(r: { code: number; stdout: string; stderr: string }, code: number, msg: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(msg);
}

describe('tweedie inverse', () => {
  it('sample: the issue\'s fields', async () => {
    const r = await json(['inverse', 'sample', '--mnist-test', '0', '--problem', 'box:4,2,20,12', '--levels', '3', '--steps', '1', '--samples', '3', '--seed', '2']);
    expect(r.label).toBe(7);
    for (const k of ['mseMean', 'psnrMean', 'sampleAccuracy', 'acceptRate', 'seconds']) expect(Number.isFinite(r[k])).toBe(true);
    expect(r.sampleLabels).toHaveLength(3);
    expect((r.sampleLabels as number[]).every((l) => Number.isInteger(l) && l >= 0 && l <= 9)).toBe(true);
    expect(r.acceptRate as number).toBeGreaterThanOrEqual(0);
    expect(r.acceptRate as number).toBeLessThanOrEqual(1);
    const ula = await json(['inverse', 'sample', '--mnist-test', '0', '--problem', 'kpix:50', '--corrector', 'ula', '--levels', '2', '--steps', '1', '--samples', '2']);
    expect(ula.acceptRate).toBeNull();
  });

  it('blind: surface, estimate and truth', async () => {
    const r = await json(['inverse', 'blind', '--mnist-test', '1', '--box', '12', '--sigma1', '0.1', '--model', 'acsm']);
    expect(r.truth).toEqual({ box: 12, sigma1: 0.1 });
    const s = r.surface as number[][];
    expect(s).toHaveLength((r.sigmas as number[]).length);
    expect(s[0]).toHaveLength((r.widths as number[]).length);
    const e = r.estimate as { box: number; sigma1: number };
    expect(r.widths as number[]).toContain(e.box);
    expect(r.sigmas as number[]).toContain(e.sigma1);
  });

  it.each([
    [['--problem', 'foo'], 2, /--problem: unknown problem "foo": use box:X,Y,W,H/],
    [['--problem', 'box:20,2,20,12'], 2, /leaves the 28×28 image/],
    [['--problem', 'kpix:900'], 2, /k must be an integer in 1\.\.783/],
    [['--problem', 'kpix:10', '--sigma1', '5'], 2, /--sigma1/],
  ])('refuses %j', async (extra, code, msg) => {
    oneLineError(await runCli(['inverse', 'sample', '--mnist-test', '0', ...extra]), code, msg);
  });

  it('a missing or corrupt weight file: one line naming the file, exit 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'inverse-models-'));
    oneLineError(await runCli(['inverse', 'sample', '--mnist-test', '0', '--problem', 'kpix:10', '--levels', '1', '--models', empty]), 1, /digits-energy-acsm\/model\.json is missing/);
    const broken = mkdtempSync(join(tmpdir(), 'inverse-models-'));
    cpSync(MODELS, broken, { recursive: true });
    truncateSync(join(broken, 'digits-energy-dsm', 'weights.bin'), 1000);
    oneLineError(await runCli(['inverse', 'blind', '--mnist-test', '0', '--box', '8', '--sigma1', '0.05', '--model', 'dsm', '--models', broken]), 1, /digits-energy-dsm\/weights\.bin has 1000 bytes, expected/);
  });
});
