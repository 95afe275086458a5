/** The Inverse-problems lab's exports: samples and metrics as CSV / JSON, named by density, problem, sampler, model and seed. */
import { describe, expect, it } from 'vitest';
import type { PosteriorResult } from '../../../src/engine/jobs/energy.ts';
import { inverseFileName, metricsCsv, metricsJson, samplesCsv, samplesJson, type InverseExport } from '../../../src/app/labs/inverse/exports.ts';

const posterior: PosteriorResult = {
  y: [1, 5 / 3],
  sigmaY: [0.09, 0, 1],
  samples: Float32Array.from([0.5, 1.5, 0.75, 1.25]),
  exactSamples: Float64Array.from([0.6, 1.4, 0.7, 1.3]),
  distance: 0.03,
  noiseFloor: 0.02,
  acceptance: 0.8,
  path: [
    { sigma1: 0.3, sigma2: 1 },
    { sigma1: 0.01, sigma2: 0.01 },
  ],
  diverged: 0,
};

const e: InverseExport = {
  density: 'gmm2',
  seed: 3,
  model: 'acsm',
  setting: { problem: 'linear', obs1: 1, obs2: 0.5, operator: 'scale', noise: 0.3 },
  sampler: { corrector: 'mala', correctorSteps: 1, levels: 5, stepSize: 0.5, schedule: 'energy', chains: 2 },
  posterior,
  schedules: { geometric: { path: posterior.path, distance: 0.07 }, energy: { path: posterior.path, distance: 0.03 } },
  sweep: { rows: [{ corrector: 'ula', steps: 0, distance: 0.1, acceptance: NaN }], noiseFloor: 0.02 },
  blind: [{ model: 'acsm', truth: [0.5, 2], estimate: [0.48, 2.1], exactEstimate: [0.5, 1.9] }],
  normalization: { models: [{ logZ: 1.5, rows: [{ sigma1: 0.1, sigma2: 0.1, mass: 1.01 }] }], exact: [{ sigma1: 0.1, sigma2: 0.1, mass: 1 }] },
};

describe('inverse lab exports', () => {
  it('names files by density, problem, sampler settings, model and seed', () => {
    expect(inverseFileName(e, 'samples', 'csv')).toBe('tweedie-inverse-samples-gmm2-linear-scale-noise0.3-y1-0.5-mala-L5-K1-eps0.5-energy-acsm-seed3.csv');
    expect(inverseFileName({ ...e, setting: { ...e.setting, problem: 'inpaint', obs1: -0.3 } }, 'metrics', 'json')).toBe('tweedie-inverse-metrics-gmm2-inpaint-x1--0.3-mala-L5-K1-eps0.5-energy-acsm-seed3.json');
  });

  it('writes the samples next to exact ones', () => {
    expect(samplesCsv(posterior)).toBe('chain,x1,x2,exact_x1,exact_x2\n0,0.5,1.5,0.6,1.4\n1,0.75,1.25,0.7,1.3\n');
    const json = JSON.parse(samplesJson(e, posterior));
    expect(json.samples).toEqual([
      [0.5, 1.5],
      [0.75, 1.25],
    ]);
    expect(json.sampler.levels).toBe(5);
  });

  it('writes every metric: posterior, schedules, sweep, blind estimates, normaliser', () => {
    const rows = metricsCsv(e).trim().split('\n');
    expect(rows[0]).toBe('section,name,value');
    expect(rows).toContain('schedules,geometric W1,0.07');
    expect(rows).toContain('corrector sweep,ula 0 steps acceptance,');
    expect(rows).toContain('blind,acsm estimate σ2,2.1');
    expect(rows).toContain('normaliser,"acsm mass at σ = (0.1, 0.1)",1.01');
    const json = JSON.parse(metricsJson(e));
    expect(json.posterior.distance).toBe(0.03);
    expect(json.normalization.acsm.logZ).toBe(1.5);
    expect(json.normalization.dsm).toBeNull();
  });
});
