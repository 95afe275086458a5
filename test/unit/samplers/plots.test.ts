/**
 * The Samplers lab's pure plot-spec builders (DESIGN.md rule 6): what the chain panel, the sweep and the other
 * plots draw, checked as plain objects.
 */
import { describe, expect, it } from 'vitest';
import type { Data } from 'plotly.js';
import { getDensity } from '../../../src/core/densities/index.ts';
import { splitLive } from '../../../src/app/plot/liveSplit.ts';
import { countMarks } from '../../../src/app/plot/overlay.ts';
import {
  acfSpec,
  chainPanelSpec,
  DIVERGED_NAME,
  distanceSpec,
  histSpec,
  METRIC_HINTS,
  metricsRows,
  sweepSpec,
  targetContour,
  traceSpec,
  type ChainFrame,
} from '../../../src/app/labs/samplers/plots.ts';

type Trace = Data & { x: (number | null)[]; y: (number | null)[]; name?: string; opacity?: number; marker?: { symbol?: string } };
const byName = (data: Data[], name: string) => data.find((t) => (t as Trace).name === name) as Trace;

const density = getDensity('gmm2');
const contour = targetContour(density, 20);
const bounds = density.bounds!;

/** 3 chains, trail length 4, the third chain diverged (frozen far outside the window). */
function frame(): ChainFrame {
  const trails = new Float32Array(4 * 2 * 2).fill(NaN);
  // Trails of the first 2 chains: iterations 2 and 3 reached (index 2, 3), the older ones not yet.
  trails.set([0, 0, 1, 1], 2 * 4);
  trails.set([0.1, 0.1, 1.1, 1.1], 3 * 4);
  return {
    positions: Float32Array.from([0.1, 0.1, 1.1, 1.1, 90, -80]),
    alive: Uint8Array.from([1, 1, 0]),
    trails,
    path: Float32Array.from([0, 0, 0.1, 0.1]),
    t: 3,
  };
}

describe('target contour', () => {
  it('tabulates log p on the density window, floored 12 nats under the mode', () => {
    expect(contour.x[0]).toBe(bounds[0][0]);
    expect(contour.x[19]).toBeCloseTo(bounds[0][1], 12);
    expect(contour.z.length).toBe(20);
    const flat = contour.z.flat();
    expect(Math.max(...flat) - Math.min(...flat)).toBeLessThanOrEqual(12 + 1e-9);
  });
});

describe('chain panel', () => {
  const spec = chainPanelSpec({ contour, frame: frame(), trailChains: 2, trailLength: 4, bounds, color: 'red', fades: 3 });

  it('keeps the axes on the target window, whatever the chains do (a diverged chain never rescales the plot)', () => {
    expect(spec.layout?.xaxis?.range).toEqual(bounds[0]);
    expect(spec.layout?.yaxis?.range).toEqual(bounds[1]);
    expect(spec.layout?.xaxis?.autorange).toBe(false);
  });

  it('states its contour levels (Plotly loses automatic ones when it skips recomputing an unchanged contour)', () => {
    const c = spec.data[0] as Data & { autocontour: boolean; contours: { start: number; end: number; size: number } };
    expect(c.type).toBe('contour');
    expect(c.autocontour).toBe(false);
    const flat = contour.z.flat();
    expect(c.contours.start).toBeGreaterThanOrEqual(Math.min(...flat));
    expect(c.contours.end).toBeLessThanOrEqual(Math.max(...flat));
    expect(c.contours.size).toBeGreaterThan(0);
  });

  it('draws live chains as dots, and a diverged one outside the window as a grey cross just inside its border, towards where it went', () => {
    expect(byName(spec.data, 'chains').x).toEqual([Math.fround(0.1), Math.fround(1.1)]);
    const dead = byName(spec.data, DIVERGED_NAME);
    expect(dead.marker?.symbol).toBe('x');
    const [x, y] = [dead.x[0] as number, dead.y[0] as number];
    const cx = (bounds[0][0] + bounds[0][1]) / 2;
    const cy = (bounds[1][0] + bounds[1][1]) / 2;
    const half = [(bounds[0][1] - bounds[0][0]) / 2, (bounds[1][1] - bounds[1][0]) / 2];
    // 5% of the half-width inside the border (so the whole cross shows), on the ray from the centre to (90, -80).
    const edge = Math.max(Math.abs(x - cx) / half[0], Math.abs(y - cy) / half[1]);
    expect(edge).toBeCloseTo(0.95, 9);
    expect((x - cx) * (-80 - cy) - (y - cy) * (90 - cx)).toBeCloseTo(0, 6);
  });

  it('names the dots, the chosen chain and the diverged crosses in a legend above the plot (trails stay out of it)', () => {
    expect(spec.layout?.showlegend).toBe(true);
    expect(spec.layout?.legend?.yanchor).toBe('bottom');
    expect(spec.layout?.legend?.y).toBeGreaterThanOrEqual(1);
    const named = spec.data.filter((t) => t.type === 'scatter' && (t as { showlegend?: boolean }).showlegend !== false).map((t) => (t as Trace).name);
    expect(named).toEqual(['chosen chain', 'chains', DIVERGED_NAME]);
  });

  it('splits trails into age groups of rising opacity, with gaps where iterations were not reached', () => {
    const trails = spec.data.filter((t) => /^trail /.test((t as Trace).name ?? '')) as Trace[];
    expect(trails.length).toBe(3);
    for (let g = 1; g < trails.length; g++) expect(trails[g].opacity!).toBeGreaterThan(trails[g - 1].opacity!);
    // The newest group holds the reached iterations of both live chains; the oldest holds only gaps.
    expect(trails[2].x.filter((v) => v !== null).length).toBe(4);
    expect(trails[0].x.every((v) => v === null)).toBe(true);
  });

  it('draws the chosen chain path', () => {
    expect(byName(spec.data, 'chosen chain').x).toEqual([0, Math.fround(0.1)]);
  });

  it('is just the contours before the first frame', () => {
    const empty = chainPanelSpec({ contour, frame: null, trailChains: 2, trailLength: 4, bounds, color: 'red' });
    expect(empty.data.length).toBe(1);
    expect(empty.data[0].type).toBe('contour');
  });

  it('as a live panel: only the contours are drawn by Plotly, the chains, trails and path go to the canvas', () => {
    const { background, overlay } = splitLive(spec);
    expect(background.data.filter((t) => (t as Trace).x?.some((v) => v !== null) || t.type === 'contour').map((t) => t.type)).toEqual(['contour']);
    expect(overlay.layers.map((l) => l.name)).toEqual(['trail 0', 'trail 1', 'trail 2', 'chosen chain', 'chains', DIVERGED_NAME, 'chosen chain now']);
    expect(countMarks(overlay.layers.find((l) => l.name === 'chains')!)).toBe(2);
  });
});

describe('diagnostic plots', () => {
  it('traces: coordinate j of the chosen chain against iteration', () => {
    const s = traceSpec([{ name: 'a', color: 'red', path: [1, 2, 3, 4, 5, 6], pathStart: 10 }], 1);
    expect((s.data[0] as Trace).x).toEqual([10, 11, 12]);
    expect((s.data[0] as Trace).y).toEqual([2, 4, 6]);
  });

  it('autocorrelation: one line per panel and coordinate, NaN as gaps; one legend entry per panel, the dashes keyed on the axis', () => {
    const s = acfSpec([{ name: 'a', color: 'red', autocorr: [[1, 0.5, NaN], [1, 0.2, 0]] }]);
    expect(s.data.length).toBe(2);
    expect((s.data[0] as Trace).y).toEqual([1, 0.5, null]);
    expect(s.data.map((t) => (t as { showlegend?: boolean }).showlegend)).toEqual([true, false]);
    expect(s.layout?.xaxis?.title).toEqual({ text: 'lag (solid x₁, dotted x₂)' });
  });

  it('puts every legend above the plot area, where it covers no curve', () => {
    const specs = [
      traceSpec([{ name: 'a', color: 'red', path: [1, 2], pathStart: 1 }], 0),
      acfSpec([{ name: 'a', color: 'red', autocorr: [[1, 0.5]] }]),
      histSpec([], { x: [[0, 1], [0, 1]], p: [[1, 1], [1, 1]] }, 1),
      distanceSpec([{ name: 'a', color: 'red', t: [1], distance: [1] }]),
    ];
    for (const s of specs) {
      expect(s.layout?.legend?.yanchor).toBe('bottom');
      expect(s.layout?.legend?.y).toBeGreaterThanOrEqual(1);
    }
  });

  it('histograms as step outlines over the bins, with the true marginal', () => {
    const s = histSpec([{ name: 'a', color: 'red', hist: { lo: [0, 0], hi: [2, 2], bins: 2, density: [[0.25, 0.75], [0.5, 0.5]] } }], { x: [[0, 1], [0, 1]], p: [[1, 1], [2, 2]] }, 0);
    expect((s.data[0] as Trace).x).toEqual([0, 1, 1, 2]);
    expect((s.data[0] as Trace).y).toEqual([0.25, 0.25, 0.75, 0.75]);
    expect(byName(s.data, 'true marginal').y).toEqual([1, 1]);
  });

  it('distance against iteration on a log axis', () => {
    const s = distanceSpec([{ name: 'a', color: 'red', t: [1, 2], distance: [1, 0.5] }]);
    expect(s.layout?.xaxis?.type).toBe('log');
  });
});

describe('sweep plot', () => {
  const curve = {
    sampler: 'langevin',
    clamp: false,
    criterion: 'ess' as const,
    color: 'red',
    label: 'Langevin',
    points: [
      // The relative error would pass the step 0.1 (0.05); the whitened one (0.5) marks it biased.
      { step: 0.01, essMin: 100, essWithinMin: 1000, diverged: 0, covError: 0.08, covErrorWhitened: 0.05 },
      { step: 0.1, essMin: 400, essWithinMin: 4000, diverged: 0, covError: 0.05, covErrorWhitened: 0.5 },
      { step: 1, essMin: 0, essWithinMin: 0, diverged: 100, covError: NaN, covErrorWhitened: NaN },
    ],
    gate: { maxWhitenedError: 0.1, maxCovError: null },
    best: { step: 0.01, essMin: 100, essWithinMin: 1000 },
    bestAtGridEdge: true,
    bestUngated: { step: 0.1, essMin: 400, essWithinMin: 4000 },
  };
  const s = sweepSpec([curve], 0.1);

  it('is log-log, marks faithful, biased and diverged runs apart, and stars the best step', () => {
    expect(s.layout?.xaxis?.type).toBe('log');
    expect(s.layout?.yaxis?.type).toBe('log');
    expect(byName(s.data, 'Langevin: faithful').x).toEqual([0.01]);
    expect(byName(s.data, 'Langevin: biased (whitened cov error > 0.1)').x).toEqual([0.1]);
    const div = byName(s.data, 'Langevin: chains diverged');
    expect(div.x).toEqual([1]);
    expect(div.y[0]).toBe(50); // on the floor: half the smallest positive min-ESS
    const best = s.data.find((t) => /best ε/.test((t as Trace).name ?? '')) as Trace;
    expect(best.x).toEqual([0.01]);
    expect(best.marker?.symbol).toBe('star');
  });

  it('names curves as the lab does, and keys the faithful, biased and diverged markers in the legend', () => {
    const legend = s.data.filter((t) => (t as { showlegend?: boolean }).showlegend !== false).map((t) => (t as Trace).name);
    expect(legend).toEqual(['Langevin', "Langevin best ε = 0.0100 (at the grid's edge)", 'faithful run', 'biased run (a variance off by > 10%)', 'chains diverged (drawn on the floor)']);
    const inside = sweepSpec([{ ...curve, bestAtGridEdge: false }], 0.1);
    expect(inside.data.some((t) => (t as Trace).name === 'Langevin best ε = 0.0100')).toBe(true);
    expect(byName(s.data, 'chains diverged (drawn on the floor)').marker?.symbol).toBe('x');
    expect(s.layout?.legend?.yanchor).toBe('bottom');
  });

  it('plots the within-chain ESS when that is the criterion', () => {
    const w = sweepSpec([{ ...curve, criterion: 'ess-within' }], 0.1);
    expect(byName(w.data, 'Langevin: faithful').y).toEqual([1000]);
    expect(w.layout?.yaxis?.title).toEqual({ text: 'within-chain min ESS' });
  });
});

describe('metrics strip', () => {
  it('formats the metrics, dashes for what is unknown, and the divergence count with its first iteration', () => {
    const rows = Object.fromEntries(
      metricsRows(
        { essPerDim: [120.4, 98.76], essMin: 98.76, essBulkMin: 101.2, essTailMin: 55.55, essWithinMin: 5000, essPerSec: 1234.5, acceptRate: null, meanError: 0.0123, covError: 0.05, covErrorWhitened: 0.4567, distance: NaN },
        2,
        17,
        100,
      ),
    );
    expect(rows['min ESS']).toBe('98.8');
    expect(rows['min bulk ESS']).toBe('101');
    expect(rows['min tail ESS']).toBe('55.5');
    expect(rows['whitened cov error']).toBe('0.457');
    for (const k of ['min ESS', 'min bulk ESS', 'min tail ESS', 'cov error', 'whitened cov error']) expect(METRIC_HINTS[k]).toBeTruthy();
    expect(rows['ESS per dim']).toBe('120 / 98.8');
    expect(rows['ESS / s']).toBe('1235');
    expect(rows['acceptance']).toBe('–');
    expect(rows['sliced W₂']).toBe('–');
    expect(rows['diverged']).toBe('2 / 100 (first at 17)');
    expect(Object.fromEntries(metricsRows(null, 0, null, 10))['min ESS']).toBe('–');
  });
});
