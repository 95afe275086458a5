/**
 * The Uncertainty lab's pure plot-spec builders (DESIGN.md rule 6) and its model catalogue helpers: what is drawn for
 * PSD and non-PSD covariances, the field colouring and summary, the Fig. 2 pair.
 */
import { describe, expect, it } from 'vitest';
import type { Data } from 'plotly.js';
import { getDensity } from '../../../src/core/densities/index.ts';
import { congruence, diag, inv2, rotation2 } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import {
  COLORS,
  densityGrid,
  ellipseTraces,
  fieldSpec,
  fmtPoint,
  interactiveSpec,
  noisyDraws,
  pointVsUncertaintySpecs,
  viridis,
  type Bounds,
  type EstimateView,
} from '../../../src/app/labs/uncertainty/plots.ts';
import { modelMatches, parseShippedIndex, type ModelEntry } from '../../../src/app/labs/uncertainty/models.ts';

type Trace = Data & { x: (number | null)[]; y: (number | null)[]; name?: string; mode?: string; line?: { color?: string; dash?: string; width?: number } };

const bounds: Bounds = [
  [-4, 4],
  [-3, 3],
];
const grid = densityGrid(getDensity('gmm2'), bounds, 20);
const psdCov = congruence(rotation2(0.5), diag([0.3, 0.05]), 2);
const badCov = congruence(rotation2(0.5), diag([0.3, -0.05]), 2);

/** Largest |(p − m)ᵀ C⁻¹ (p − m) − k²| over the non-null points of a polyline. */
function residual(t: Trace, m: number[], C: ArrayLike<number>, k: number): number {
  const P = inv2(C);
  let worst = 0;
  for (let i = 0; i < t.x.length; i++) {
    if (t.x[i] === null) continue;
    const u = (t.x[i] as number) - m[0];
    const v = (t.y[i] as number) - m[1];
    worst = Math.max(worst, Math.abs(u * (P[0] * u + P[1] * v) + v * (P[2] * u + P[3] * v) - k * k));
  }
  return worst;
}

describe('densityGrid', () => {
  it('tabulates log p with a floor 12 nats below the maximum', () => {
    expect(grid.xs).toHaveLength(20);
    expect(grid.z).toHaveLength(20);
    const flat = grid.z.flat();
    const max = Math.max(...flat);
    expect(Math.min(...flat)).toBeGreaterThanOrEqual(max - 12 - 1e-12);
    expect(grid.z[0][0]).toBeCloseTo(Math.max(getDensity('gmm2').logp([-4, -3]), max - 12), 12);
  });
});

describe('ellipseTraces', () => {
  it('a PSD covariance: solid 1σ and 2σ ellipses on the right quadrics, 2σ thinner', () => {
    const est: EstimateView = { name: 'learned', mean: [1, -1], cov: psdCov };
    const d = ellipseTraces(est);
    expect(d.psd).toBe(true);
    const [t1, t2] = d.traces as Trace[];
    expect(d.traces).toHaveLength(2);
    expect(residual(t1, [1, -1], psdCov, 1)).toBeLessThan(1e-9);
    expect(residual(t2, [1, -1], psdCov, 2)).toBeLessThan(1e-9);
    expect(t1.line!.dash).toBeUndefined();
    expect(t1.line!.color).toBe(COLORS.learned);
    expect(t2.line!.width!).toBeLessThan(t1.line!.width!);
  });

  it('a non-PSD covariance: dashed warning outlines named NOT PSD, plus the clipped version labelled as such', () => {
    const d = ellipseTraces({ name: 'autodiff', mean: [0, 0], cov: badCov });
    expect(d.psd).toBe(false);
    expect(d.minEigenvalue).toBeCloseTo(-0.05, 12);
    const traces = d.traces as Trace[];
    const bad = traces.filter((t) => t.line?.dash === 'dash');
    expect(bad).toHaveLength(2);
    for (const t of bad) {
      expect(t.line!.color).toBe(COLORS.warn);
      expect(t.name).toMatch(/NOT PSD/);
    }
    const clipped = traces.filter((t) => /clipped \(used for sampling\)/.test(t.name ?? ''));
    expect(clipped).toHaveLength(1);
    // The clipped covariance is rank one: its "ellipse" is a segment along the positive axis (angle 0.5).
    const t = clipped[0];
    for (let i = 0; i < t.x.length; i++) {
      if (t.x[i] === null) continue;
      expect(Math.abs((t.y[i] as number) * Math.cos(0.5) - (t.x[i] as number) * Math.sin(0.5))).toBeLessThan(1e-9);
    }
  });
});

describe('interactiveSpec', () => {
  it('before a click: only the density (and no ellipses), zoom-drag off', () => {
    const { spec, nonPsd } = interactiveSpec({ grid, bounds, x: null, estimates: [], samples: null, sigma: 0.3 });
    expect(spec.data).toHaveLength(1);
    expect(spec.data[0].type).toBe('contour');
    expect(nonPsd).toEqual([]);
    expect(spec.layout!.dragmode).toBe(false);
  });

  it('with a point: samples, ellipses per estimate, means and x̃; non-PSD estimates listed', () => {
    const estimates: EstimateView[] = [
      { name: 'exact', mean: [0.2, 0.1], cov: psdCov },
      { name: 'learned', mean: [0.25, 0.1], cov: badCov, w2: 0.1, kl: Infinity },
      { name: 'autodiff', mean: [0.2, 0.12], cov: psdCov, w2: 0.02, kl: 0.01 },
    ];
    const { spec, nonPsd } = interactiveSpec({ grid, bounds, x: [0.5, 0.5], estimates, samples: [0, 0, 1, 1, 2, 2], sigma: 0.3 });
    expect(nonPsd).toEqual(['learned']);
    const names = (spec.data as Trace[]).map((t) => t.name ?? '');
    expect(names).toContain('exact posterior samples');
    expect(names).toContain('noisy point x̃');
    expect(names.filter((n) => /\(1σ\)|\(2σ\)/.test(n))).toHaveLength(4);
    expect(names.filter((n) => /NOT PSD/.test(n))).toHaveLength(2);
    expect(names.filter((n) => /Tweedie mean/.test(n))).toHaveLength(3);
    const samples = (spec.data as Trace[]).find((t) => t.name === 'exact posterior samples')!;
    expect(samples.x).toEqual([0, 1, 2]);
  });
});

describe('fieldSpec', () => {
  const points = [0, 0, 1, 0, 2, 0, 3, 0];
  const mean = points;
  const cov = [...psdCov, ...psdCov, ...badCov, ...psdCov];

  it('colours PSD ellipses by error, dashes the non-PSD one, and summarises', () => {
    const { spec, summary } = fieldSpec({ grid, bounds, points, mean, cov, error: [0.01, 0.2, 0.5, Infinity], metric: 'kl', name: 'learned', bins: 4 });
    expect(summary.n).toBe(4);
    expect(summary.nonPsd).toBe(1);
    expect(summary.median).toBeCloseTo(0.2, 12);
    const traces = spec.data as Trace[];
    const dashed = traces.filter((t) => t.line?.dash === 'dash');
    expect(dashed).toHaveLength(1);
    expect(dashed[0].name).toBe('not PSD (1)');
    // Infinite KL takes the top colour bin.
    const top = traces.find((t) => t.line?.color === viridis(3.5 / 4));
    expect(top).toBeDefined();
    const markers = traces[traces.length - 1] as Trace & { marker: { showscale?: boolean; color: number[] } };
    expect(markers.marker.showscale).toBe(true);
    expect(markers.marker.color[3]).toBe(summary.scaleMax);
  });

  it('without errors (the exact field) one colour and no colour bar', () => {
    const { spec, summary } = fieldSpec({ grid, bounds, points, mean, cov: [...psdCov, ...psdCov, ...psdCov, ...psdCov], error: null, metric: 'w2', name: 'exact' });
    expect(summary.nonPsd).toBe(0);
    const markers = spec.data[spec.data.length - 1] as Trace & { marker: { showscale?: boolean } };
    expect(markers.marker.showscale).toBeUndefined();
    const lines = (spec.data as Trace[]).filter((t) => t.mode === 'lines');
    expect(lines).toHaveLength(1);
    expect(lines[0].line!.color).toBe(COLORS.exact);
  });
});

describe('pointVsUncertaintySpecs', () => {
  it('left: means only; right: the same plus 1σ and 2σ ellipses per point', () => {
    const density = getDensity('gmm2');
    const pts = noisyDraws(density, 0.3, 3, createRng(1));
    expect(pts).toHaveLength(6);
    const { point, uncertainty } = pointVsUncertaintySpecs({ grid, bounds, points: pts, mean: pts, cov: [...psdCov, ...psdCov, ...psdCov], name: 'exact' });
    const count = (s: typeof point) => (s.data as Trace[]).filter((t) => /\((1|2)σ\)/.test(t.name ?? '')).length;
    expect(count(point)).toBe(0);
    expect(count(uncertainty)).toBe(6);
    expect(uncertainty.data.length - point.data.length).toBe(6);
  });
});

describe('viridis', () => {
  it('ends and clamping', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(-3)).toBe('#440154');
    expect(viridis(Infinity)).toBe('#fde725');
    expect(viridis(NaN)).toBe('#fde725');
  });
});

describe('model catalogue', () => {
  it('parses the shipped index and refuses malformed entries', () => {
    expect(parseShippedIndex([{ density: 'gmm2', sigma: 0.3, file: 'a.json', s2: 'full' }])[0]).toMatchObject({ density: 'gmm2', sigma: 0.3 });
    expect(() => parseShippedIndex({})).toThrow(/array/);
    expect(() => parseShippedIndex([{ density: 'gmm2', sigma: -1, file: 'a.json' }])).toThrow(/entry 0/);
  });

  it('a model matches its density and σ (up to rounding) only', () => {
    const m = { density: 'gmm2', sigma: 0.3 } as ModelEntry;
    expect(modelMatches(m, 'gmm2', 0.3)).toBe(true);
    expect(modelMatches(m, 'gmm2', 0.3 + 1e-9)).toBe(true);
    expect(modelMatches(m, 'gmm2', 0.31)).toBe(false);
    expect(modelMatches(m, 'ring8', 0.3)).toBe(false);
    expect(modelMatches({ ...m, density: null }, 'ring8', 0.3)).toBe(true);
  });
});

describe('fmtPoint', () => {
  it('shows round-off beside a larger coordinate as 0, and keeps small coordinates that are the scale', () => {
    expect(fmtPoint([1.67e-17, -1.22])).toBe('(0.00, -1.22)');
    expect(fmtPoint([2e-5, 3e-5])).toBe('(2.00e-5, 3.00e-5)');
    expect(fmtPoint([0, 0])).toBe('(0.00, 0.00)');
    expect(fmtPoint([0.5, NaN])).toBe('(0.500, –)');
  });
});
