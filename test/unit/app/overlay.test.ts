/**
 * The live panels' canvas layer (src/app/plot/overlay.ts) and the explicit contour levels
 * (src/app/plot/contourLevels.ts) and value comparison of specs (src/app/plot/spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { contourLevels, levelsOf, niceStep } from '../../../src/app/plot/contourLevels.ts';
import { countMarks, xToPixel, yToPixel, type AxisFrame } from '../../../src/app/plot/overlay.ts';
import { sameValue } from '../../../src/app/plot/spec.ts';

describe('overlay axes', () => {
  const xa: AxisFrame = { offset: 50, length: 200, range: [-2, 2] };
  const ya: AxisFrame = { offset: 10, length: 100, range: [0, 1] };

  it('maps the range ends to the plot-area edges (y grows upwards)', () => {
    expect(xToPixel(xa, -2)).toBe(50);
    expect(xToPixel(xa, 2)).toBe(250);
    expect(xToPixel(xa, 0)).toBe(150);
    expect(yToPixel(ya, 1)).toBe(10);
    expect(yToPixel(ya, 0)).toBe(110);
  });

  it('follows a zoom (a reversed or shifted range) linearly', () => {
    const zoomed: AxisFrame = { offset: 50, length: 200, range: [0, 1] };
    expect(xToPixel(zoomed, 0.25)).toBeCloseTo(100, 12);
    const reversed: AxisFrame = { offset: 0, length: 100, range: [1, 0] };
    expect(xToPixel(reversed, 1)).toBe(0);
    expect(xToPixel(reversed, 0)).toBe(100);
  });

  it('maps log axes by log10 of the value (Plotly keeps log ranges in decades); non-positive values are not drawn', () => {
    const lx: AxisFrame = { offset: 0, length: 300, range: [0, 3], log: true };
    expect(xToPixel(lx, 10)).toBeCloseTo(100, 12);
    expect(xToPixel(lx, 1000)).toBeCloseTo(300, 12);
    expect(Number.isNaN(xToPixel(lx, 0))).toBe(true);
  });

  it('counts the drawable points of a layer (non-finite pairs are breaks)', () => {
    expect(countMarks({ kind: 'lines', xy: [0, 0, 1, 1, NaN, NaN, 2, 2], color: 'k', width: 1 })).toBe(3);
  });
});

describe('contour levels', () => {
  it('uses round steps of 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(0.9)).toBe(1);
    expect(niceStep(1.3)).toBe(2);
    expect(niceStep(2.2)).toBe(2.5);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(0.07)).toBeCloseTo(0.1, 12);
  });

  it('puts about n levels inside the range, at multiples of the step', () => {
    const l = contourLevels(-12.6, -0.4, 12);
    expect(l.start).toBeGreaterThanOrEqual(-12.6);
    expect(l.end).toBeLessThanOrEqual(-0.4);
    const count = Math.round((l.end - l.start) / l.size) + 1;
    expect(count).toBeGreaterThanOrEqual(6);
    expect(count).toBeLessThanOrEqual(13);
    expect(Math.abs(l.start / l.size - Math.round(l.start / l.size))).toBeLessThan(1e-9);
  });

  it('gives one level for a constant grid and level 0 for a grid without finite values (never an empty list)', () => {
    expect(levelsOf([[3, 3], [3, 3]], 10)).toEqual({ start: 3, end: 3, size: 1 });
    expect(levelsOf([[NaN, null]], 10)).toEqual({ start: 0, end: 0, size: 1 });
  });
});

describe('spec comparison', () => {
  it('compares by value, typed arrays and NaN included', () => {
    expect(sameValue({ data: [{ x: [1, NaN], z: Float32Array.from([1, 2]) }] }, { data: [{ x: [1, NaN], z: Float32Array.from([1, 2]) }] })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [1, 3] })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue([1, 2], Float64Array.from([1, 2]))).toBe(false);
  });
});
