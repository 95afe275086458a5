import { describe, expect, it } from 'vitest';
import { exportFileName } from '../../../src/app/plot/exportPanel.ts';
import { csvOf } from '../../../src/app/exportData.ts';

describe('exportFileName', () => {
  it('names the lab, every setting of the URL and the seed, then the panel; shell-only keys are left out', () => {
    expect(exportFileName('?tab=samplers&density=corr-gauss&step=0.5&seed=3&explain=1&backend=wasm', 'Ozaki (full 2×2) chains', 'png')).toBe(
      'tweedie-samplers-density-corr-gauss-step-0.5-seed-3-Ozaki-full-2-2-chains.png',
    );
  });

  it('spells σ and ε, keeps names file-system safe and short, and defaults the seed to 1', () => {
    expect(exportFileName('?tab=scores&sigma=0.1', 'Error ‖s1θ − s1‖ at σ, ε', 'svg')).toBe('tweedie-scores-sigma-0.1-seed-1-Error-s1-s1-at-sigma-eps.svg');
    const long = exportFileName(`?tab=x&a=${'y'.repeat(400)}`, 'p', 'csv');
    expect(long.length).toBeLessThanOrEqual(184);
    expect(long).toMatch(/^[A-Za-z0-9.+-]+\.csv$/);
  });
});

describe('csvOf', () => {
  it('writes a header from the first row and quotes cells holding commas, quotes or newlines', () => {
    expect(csvOf([{ step: 1, name: 'a,b', note: 'say "hi"', vr: true, x: null }])).toBe('step,name,note,vr,x\n1,"a,b","say ""hi""",true,\n');
    expect(csvOf([])).toBe('');
  });
});
