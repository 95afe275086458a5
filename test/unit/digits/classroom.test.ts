/**
 * The Digits lab's classroom helpers (issue 14) as plain data: shared colour scales, export file names, the
 * class-change plot's legend, gallery keys, expected run times of the long jobs and the timing's pixels.
 */
import { describe, expect, it } from 'vitest';
import { classChangeSpec, colorOf, digitFileName, formatValue, GREY_SCALE, sharedScale } from '../../../src/app/labs/digits/images.ts';
import { calibrate, chainUnits, CHAINS_COST, expectedSeconds, formatDuration, TIMING_COST, timingUnits } from '../../../src/app/labs/digits/estimate.ts';
import { CHAIN_SIZES, digitsParams, TIMING_SIZES } from '../../../src/app/labs/digits/params.ts';
import { galleryMove } from '../../../src/app/labs/digits/Gallery.tsx';
import { timingPixels } from '../../../src/models/digits/analysis.ts';

describe('digits classroom helpers', () => {
  it('a shared scale spans every image compared: heat [0, max of all], diverging [−m, m]', () => {
    const a = [0.1, 0.2, NaN];
    const b = [0.05, 0.4];
    expect(sharedScale([a, b], 'heat', 'std')).toEqual({ map: 'heat', range: [0, 0.4], label: 'std' });
    expect(sharedScale([[0.3, -0.5], [0.2]], 'diverging', 'v').range).toEqual([-0.5, 0.5]);
    // equal values get equal colours in both images
    const s = sharedScale([a, b], 'heat', 'std');
    expect(colorOf(0.2, s.map, s.range)).toEqual(colorOf(0.2, s.map, s.range));
    expect(colorOf(0.4, s.map, s.range)).not.toEqual(colorOf(0.2, s.map, s.range));
    expect(colorOf(1, GREY_SCALE.map, GREY_SCALE.range)).toEqual([255, 255, 255, 255]);
  });

  it('colour-bar ticks: 3 significant digits, exponents for tiny values', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(0.38571)).toBe('0.386');
    expect(formatValue(-0.287)).toBe('-0.287');
    expect(formatValue(0.00002)).toBe('2.0e-5');
  });

  it('export file names say lab, image, setting and seed', () => {
    expect(digitFileName({ what: 'std', sigma: 0.5, seed: 1, digit: -1 })).toBe('tweedie-digits-std-sigma0.5-seed1.png');
    expect(digitFileName({ what: 'eig2', sigma: 0.3, seed: 7, digit: 42 })).toBe('tweedie-digits-eig2-mnist42-sigma0.3-seed7.png');
    expect(digitFileName({ what: 'a b/c', sigma: 0.5, seed: 1, digit: -1 })).toBe('tweedie-digits-a-b-c-sigma0.5-seed1.png');
  });

  it('the class-change plot shows its legend above the plot area, with a y title that fits', () => {
    const spec = classChangeSpec([{ step: 2, langevin: 0.5, ozaki: 0 }], 0.25, 0.25);
    expect(spec.layout?.showlegend).toBe(true);
    expect(spec.layout?.legend).toMatchObject({ orientation: 'h', yanchor: 'bottom' });
    expect(Number(spec.layout?.legend?.y)).toBeGreaterThanOrEqual(1);
    expect(spec.layout?.yaxis?.automargin).toBe(true);
    expect((spec.data as { name: string }[]).map((t) => t.name.split(' ')[0])).toEqual(['Langevin', 'Ozaki']);
  });

  it('gallery keys: arrows by one and by a row, Home/End, clamped at the ends; other keys are not used', () => {
    expect(galleryMove('ArrowRight', 0, 300, 30)).toBe(1);
    expect(galleryMove('ArrowDown', 3, 300, 30)).toBe(33);
    expect(galleryMove('ArrowUp', 3, 300, 10)).toBe(0);
    expect(galleryMove('ArrowDown', 295, 300, 10)).toBe(299);
    expect(galleryMove('End', 4, 300, 30)).toBe(299);
    expect(galleryMove('Home', 40, 300, 30)).toBe(0);
    expect(galleryMove('a', 4, 300, 30)).toBeNull();
  });

  it('long runs: the defaults are the quick sizes, expected ≤ 10 s on the measured 2-core CPU; full sizes are the paper’s', () => {
    expect(digitsParams.steps.default).toBe(CHAIN_SIZES.quick.steps);
    expect(digitsParams.chains.default).toBe(CHAIN_SIZES.quick.chains);
    expect(digitsParams.rows.default).toBe(TIMING_SIZES.quick.rows);
    expect(expectedSeconds(CHAINS_COST, chainUnits(CHAIN_SIZES.quick.steps, CHAIN_SIZES.quick.chains))).toBeLessThanOrEqual(10);
    expect(expectedSeconds(TIMING_COST, timingUnits(TIMING_SIZES.quick.rows))).toBeLessThanOrEqual(10);
    expect(TIMING_SIZES.full.rows).toBe(784);
    expect(expectedSeconds(CHAINS_COST, chainUnits(60, 32))).toBeGreaterThan(60);
    expect(timingUnits(14)).toBe(28);
    expect(timingUnits(784)).toBe(812);
  });

  it('calibration takes the per-unit cost from a finished run, never below a tenth of the shipped one', () => {
    const c = calibrate(CHAINS_COST, 100, CHAINS_COST.fixedS + 2);
    expect(c).toEqual({ fixedS: CHAINS_COST.fixedS, perUnitS: 0.02, source: 'last run' });
    expect(calibrate(CHAINS_COST, 100, 0.1).perUnitS).toBeCloseTo(CHAINS_COST.perUnitS / 10);
    expect(calibrate(CHAINS_COST, 0, 5)).toBe(CHAINS_COST);
    expect([formatDuration(0.2), formatDuration(8.4), formatDuration(87), formatDuration(150)]).toEqual(['≈ 1 s', '≈ 8 s', '≈ 85 s', '≈ 2.5 min']);
  });

  it('timing pixels are distinct and scattered over rows and columns', () => {
    const p = timingPixels(28);
    expect(new Set(p).size).toBe(28);
    expect(new Set(p.map((i) => i % 28)).size).toBeGreaterThan(10);
    expect(new Set(p.map((i) => Math.floor(i / 28))).size).toBeGreaterThan(10);
    expect(new Set(timingPixels(784)).size).toBe(784);
  });
});
