/**
 * The live panels' canvas layer (src/app/plot/overlay.ts) and the explicit contour levels
 * (src/app/plot/niceNumbers.ts), the split of a spec into its layers (src/app/plot/liveSplit.ts) and value
 * comparison of specs (src/app/plot/spec.ts).
 */
import type { Data } from 'plotly.js';
import { describe, expect, it } from 'vitest';
import { colorAt } from '../../../src/app/plot/colorscale.ts';
import { roomyRange, splitLive } from '../../../src/app/plot/liveSplit.ts';
import { contourLevels, levelsOf, niceStep } from '../../../src/app/plot/niceNumbers.ts';
import { countMarks, xToPixel, yToPixel, type AxisFrame, type LineLayer, type PointLayer } from '../../../src/app/plot/overlay.ts';
import { sameValue, type PlotSpec } from '../../../src/app/plot/spec.ts';

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

describe('live split', () => {
  const spec: PlotSpec = {
    data: [
      { type: 'contour', z: [[0, 1], [1, 2]] } as Data,
      { type: 'scatter', mode: 'lines', x: [0, 100, 420], y: [5, 2, 1.2], line: { color: 'red', width: 2, dash: 'dot' }, name: 'loss' },
      { type: 'scatter', mode: 'markers', x: [1, null], y: [2, 3], marker: { color: 'blue', size: 4, symbol: 'x' }, name: 'hidden', showlegend: false },
      { type: 'quiver', x: [0], y: [0], u: [1], v: [0], marker: { color: 'k' } } as unknown as Data,
    ],
    layout: { yaxis: { type: 'log' } },
  };
  const { background, overlay } = splitLive(spec);

  it('keeps non-scatter traces static, and a data-free legend entry per shown scatter trace', () => {
    expect(background.data.map((t) => t.type)).toEqual(['contour', 'scatter']);
    const legend = background.data[1] as { x: unknown[]; name: string; line: { dash: string } };
    expect(legend).toMatchObject({ x: [null], name: 'loss', line: { dash: 'dot' } });
  });

  it('moves scatter traces to canvas layers with their style; markers named x become crosses; null is a break', () => {
    const loss = overlay.layers.find((l) => l.name === 'loss')!;
    expect(loss).toMatchObject({ kind: 'lines', color: 'red', width: 2, dash: [2, 3] });
    const hidden = overlay.layers.find((l) => l.name === 'hidden') as PointLayer;
    expect(hidden).toMatchObject({ kind: 'points', marker: 'cross', size: 4 });
    expect(Array.from(hidden.xy)).toEqual([1, 2, NaN, 3]);
  });

  it('draws a quiver arrow as its shaft and a two-stroke head at the tip', () => {
    const arrow = overlay.layers.find((l) => l.kind === 'lines' && l.color === 'k') as LineLayer;
    expect(Array.from(arrow.xy).slice(0, 4)).toEqual([0, 0, 1, 0]);
    expect(countMarks(arrow)).toBe(6);
  });

  it('gives autoranged axes a round range holding all the data, which grows in a few steps per decade and never back', () => {
    let last = 0;
    let moves = 0;
    for (let n = 10; n <= 10_000; n += 10) {
      const hi = roomyRange([0, n], false)![1];
      expect(hi).toBeGreaterThanOrEqual(last);
      if (hi !== last) moves++;
      last = hi;
    }
    expect(moves).toBeLessThanOrEqual(10);
    const xr = background.layout!.xaxis!.range as [number, number];
    expect(xr[0]).toBeLessThanOrEqual(0);
    expect(xr[1]).toBeGreaterThanOrEqual(420);
    // The same range while the data grows a little (no static redraw per report) ...
    const grown = splitLive({ ...spec, data: [{ ...spec.data[1], x: [0, 100, 460] } as Data] });
    expect(grown.background.layout!.xaxis!.range).toEqual(xr);
    // ... and a log axis gets a range in decades that holds 1.2 .. 5.
    const yr = background.layout!.yaxis!.range as [number, number];
    expect(yr[0]).toBeLessThanOrEqual(Math.log10(1.2));
    expect(yr[1]).toBeGreaterThanOrEqual(Math.log10(5));
    expect(roomyRange([3, 3], false)).toEqual([2, 5]);
    expect(roomyRange([5, 5], false)).toEqual([2.5, 7.5]);
    expect(roomyRange([-3, 0.4], false)).toEqual([-5, 0.5]);
    expect(roomyRange([], false)).toBeNull();
  });
});

describe('live heat-maps', () => {
  const heat = { type: 'heatmap', x: [0, 1, 2], y: [10, 20], z: [[0, 1, 2], [3, null, 7]], colorscale: 'Viridis', zmin: 0, colorbar: { title: { text: 'err' } }, name: 'err' } as unknown as Data;
  const { background, overlay } = splitLive({ data: [heat], layout: { xaxis: { range: [0, 2] }, yaxis: { range: [10, 20] } } });

  it('moves an evenly spaced heat-map to a canvas grid, cell (i, j) = z[j][i], null left empty', () => {
    const g = overlay.layers[0];
    expect(g).toMatchObject({ kind: 'grid', x0: 0, dx: 1, y0: 10, dy: 10, nx: 3, ny: 2, zmin: 0 });
    expect(g.kind === 'grid' && Array.from(g.z)).toEqual([0, 1, 2, 3, NaN, 7]);
    expect(countMarks(g)).toBe(5);
  });

  it('keeps a colour bar (one transparent cell) with the same stops and a zmax rounded up to 1, 2, 5 × 10^k', () => {
    const bar = background.data[0] as unknown as { type: string; z: unknown[][]; zmax: number; colorscale: [number, string][]; colorbar: unknown; opacity: number };
    expect(bar.type).toBe('heatmap');
    expect(bar.z).toEqual([[0]]);
    expect(bar.opacity).toBe(0);
    expect(bar.zmax).toBe(10);
    expect(bar.colorbar).toEqual({ title: { text: 'err' } });
    const g = overlay.layers[0];
    expect(g.kind === 'grid' && g.colorscale).toEqual(bar.colorscale);
  });

  it('leaves an uneven grid to Plotly', () => {
    const uneven = splitLive({ data: [{ ...heat, x: [0, 1, 3] } as Data] });
    expect(uneven.overlay.layers).toEqual([]);
    expect((uneven.background.data[0] as { z: unknown }).z).toEqual((heat as { z: unknown }).z);
  });

  it('colours by linear interpolation between the stops, clamped to the ends', () => {
    const stops: [number, string][] = [
      [0, '#000000'],
      [1, '#ff0080'],
    ];
    expect(colorAt(stops, 0.5)).toEqual([128, 0, 64]);
    expect(colorAt(stops, -1)).toEqual([0, 0, 0]);
    expect(colorAt(stops, 2)).toEqual([255, 0, 128]);
  });
});
