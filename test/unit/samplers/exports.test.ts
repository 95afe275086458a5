/** The Samplers lab's exports: CSV and JSON of the chains, metrics and sweep, and file names that say the setting. */
import { describe, expect, it } from 'vitest';
import { exportFileName, nameNumber, toCsv, toJson } from '../../../src/app/export/files.ts';
import { chainsCsv, chainsJson, metricsCsv, metricsJson, samplersFileName, sweepCsv, type SamplersExport } from '../../../src/app/labs/samplers/exports.ts';

const metrics = {
  essPerDim: [120, 98.5],
  essMin: 98.5,
  essBulkPerDim: [130, 97],
  essBulkMin: 97,
  essTailPerDim: [80, 70],
  essTailMin: 70,
  essWithinPerDim: [500, 400],
  essWithinMin: 400,
  essPerSec: 1000,
  acceptRate: null,
  meanError: 0.01,
  covError: 0.02,
  covErrorWhitened: 0.15,
  distance: 0.05,
  diverged: 0,
  firstDivergence: null,
  chainsUsed: 3,
  iters: 60,
  seconds: 0.1,
};

const e: SamplersExport = {
  density: 'corr-gauss',
  seed: 7,
  panels: [
    { sampler: 'langevin', step: 0.09, clamp: false, iteration: 40, positions: Float32Array.from([0.1, 0.2, 3, -3, 1, 1]), alive: Uint8Array.from([1, 0, 1]), diverged: 1, firstDivergence: 12, metrics: null },
    { sampler: 'ozaki-full', step: 2, clamp: false, iteration: 40, positions: Float32Array.from([0, 0, 1, 1, -1, -1]), alive: Uint8Array.from([1, 1, 1]), diverged: 0, firstDivergence: null, metrics },
  ],
  sweep: [
    {
      sampler: 'langevin',
      clamp: false,
      criterion: 'ess',
      points: [
        { step: 0.01, essMin: 100, essWithinMin: 900, diverged: 0, covError: 0.03, covErrorWhitened: 0.12 },
        { step: 0.1, essMin: 0, essWithinMin: 0, diverged: 100, covError: NaN, covErrorWhitened: NaN },
      ],
      gate: { maxWhitenedError: 0.2, maxCovError: null },
      best: { step: 0.01, essMin: 100, essWithinMin: 900 },
      bestAtGridEdge: true,
      bestUngated: null,
    },
  ],
};

describe('export files', () => {
  it('names files by lab, what, setting and seed', () => {
    expect(samplersFileName(e, 'chains', 'csv')).toBe('tweedie-samplers-chains-corr-gauss-langevin-eps0.09-ozaki-full-eps2-seed7.csv');
    expect(samplersFileName(e, 'metrics', 'json')).toBe('tweedie-samplers-metrics-corr-gauss-langevin-eps0.09-ozaki-full-eps2-seed7.json');
    expect(samplersFileName(e, 'sweep', 'csv')).toBe('tweedie-samplers-sweep-corr-gauss-langevin-seed7.csv');
    expect(exportFileName('inverse', 'samples', ['y = Hx', '(1, 0.5)'], 1, 'csv')).toBe('tweedie-inverse-samples-y-Hx-1-0.5-seed1.csv');
    expect(nameNumber(0.050000001)).toBe('0.05');
  });

  it('writes CSV with quoted text and empty cells for missing or non-finite numbers', () => {
    expect(toCsv(['a', 'b'], [['x, y', NaN], [1, null]])).toBe('a,b\n"x, y",\n1,\n');
  });

  it('writes JSON with typed arrays as arrays', () => {
    expect(JSON.parse(toJson({ v: Float32Array.from([1, 2]) }))).toEqual({ v: [1, 2] });
  });

  it('exports every chain of both panels with its position and whether it diverged', () => {
    const lines = chainsCsv(e).trim().split('\n');
    expect(lines[0]).toBe('panel,sampler,epsilon,iteration,chain,x1,x2,diverged');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('0,langevin,0.09,40,0,0.1,0.2,0');
    expect(lines[2]).toBe('0,langevin,0.09,40,1,3,-3,1');
    const json = JSON.parse(chainsJson(e));
    expect(json.panels[0].positions[0]).toEqual([0.1, 0.2]);
    expect(json.panels[0].diverged).toEqual([1]);
    expect(json.panels[1].sampler).toBe('ozaki-full');
  });

  it('exports each panel\'s metrics (empty before its window is long enough) and the sweep table', () => {
    const lines = metricsCsv(e).trim().split('\n');
    expect(lines[0].split(',')).toContain('ess_min');
    expect(lines[1]).toMatch(/^0,langevin,0\.09,40,,,/);
    expect(lines[0].split(',')).toEqual(expect.arrayContaining(['ess_bulk_min', 'ess_tail_min', 'cov_error_whitened']));
    expect(lines[2]).toMatch(/^1,ozaki-full,2,40,120,98\.5,98\.5,97,70,400,1000,,0\.01,0\.02,0\.15,/);
    expect(sweepCsv(e).trim().split('\n')).toEqual([
      'sampler,clamp,criterion,epsilon,ess_min,ess_within_min,cov_error,cov_error_whitened,diverged,best,best_at_grid_edge',
      'langevin,false,ess,0.01,100,900,0.03,0.12,0,1,1',
      'langevin,false,ess,0.1,0,0,,,100,0,0',
    ]);
    const json = JSON.parse(metricsJson(e));
    expect(json.panels[1].metrics.essMin).toBe(98.5);
    expect(json.panels[1].metrics.essTailMin).toBe(70);
    expect(json.sweep[0].best).toBe(0.01);
    expect(json.sweep[0].bestAtGridEdge).toBe(true);
    expect(json.sweep[0].gate).toEqual({ maxWhitenedError: 0.2, maxCovError: null });
    expect(json.sweep[0].points[1].covError).toBeNull();
    expect(json.sweep[0].points[0].covErrorWhitened).toBe(0.12);
  });
});
