import { describe, expect, it } from 'vitest';
import { panelFileName } from '../../../src/app/export/panelImage.ts';

describe('panelFileName', () => {
  it('names the lab, the panel, every setting of the URL and the seed; shell-only keys are left out', () => {
    expect(panelFileName('?tab=samplers&density=corr-gauss&step=0.5&seed=3&explain=1&backend=wasm', 'Ozaki (full 2×2) chains', 'png')).toBe(
      'tweedie-samplers-Ozaki-full-2-2-chains-densitycorr-gauss-step0.5-seed3.png',
    );
  });

  it('spells σ and ε and defaults the seed to 1', () => {
    expect(panelFileName('?tab=scores&sigma=0.1', 'Error at σ, ε', 'svg')).toBe('tweedie-scores-Error-at-sigma-eps-sigma0.1-seed1.svg');
  });
});
