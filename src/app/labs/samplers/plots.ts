/**
 * Pure plot-spec builders of the Samplers lab (no DOM, no Plotly import): the chain panels over the target's
 * contours (points, fading trails, a chosen chain's path), trace plots, autocorrelation, marginal histograms
 * against the true marginals, the step-size sweep (min-ESS against ε, log-log) and the same-step comparison
 * (distance to the target against iteration). Also the metrics strip's rows.
 */
import type { Data } from 'plotly.js';
import type { Density } from '../../../core/types.ts';
import { levelsOf } from '../../plot/niceNumbers.ts';
import { LEGEND_ABOVE, type PlotSpec } from '../../plot/spec.ts';
import type { SamplerMetrics } from '../../../samplers/metrics.ts';

export const PANEL_COLORS = ['#1f6fb4', '#c8372d'] as const;

/** Colour of diverged chains' crosses in the chain panels. */
export const DIVERGED_COLOR = '#555';

/** What the chain panel's legend calls diverged chains (also the name of their canvas layer). */
export const DIVERGED_NAME = 'diverged (× at the window edge)';

/** log p of the target on an n × n grid over its bounds (z[j][i] at (x[i], y[j]), Plotly's layout), floored for the colour scale. */
export interface ContourData {
  x: number[];
  y: number[];
  z: number[][];
}

export function targetContour(density: Density, n = 70): ContourData {
  const b = density.bounds ?? [
    [-4, 4],
    [-4, 4],
  ];
  const x = Array.from({ length: n }, (_, i) => b[0][0] + ((b[0][1] - b[0][0]) * i) / (n - 1));
  const y = Array.from({ length: n }, (_, j) => b[1][0] + ((b[1][1] - b[1][0]) * j) / (n - 1));
  const pt = new Float64Array(2);
  let max = -Infinity;
  const z = y.map((yj) =>
    x.map((xi) => {
      pt[0] = xi;
      pt[1] = yj;
      const v = density.logp(pt);
      if (Number.isFinite(v) && v > max) max = v;
      return v;
    }),
  );
  // Show about 12 nats below the mode: deeper tails only clutter the picture.
  const floor = max - 12;
  return { x, y, z: z.map((row) => row.map((v) => (Number.isFinite(v) ? Math.max(v, floor) : floor))) };
}

/** What one chain panel draws (a subset of the engine's PanelFrame). */
export interface ChainFrame {
  positions: ArrayLike<number>;
  alive: ArrayLike<number>;
  /** [trailLength][trailChains][2], oldest first, NaN where not reached yet. */
  trails: ArrayLike<number>;
  path: ArrayLike<number>;
  t: number;
}

export interface ChainPanelOptions {
  contour: ContourData;
  frame: ChainFrame | null;
  trailChains: number;
  trailLength: number;
  bounds: [[number, number], [number, number]];
  color: string;
  /** Age groups of the fading trails (default 4). */
  fades?: number;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A point moved onto the window's border along the ray from the window's centre (where a diverged chain left it),
 * then `inset` (a fraction of the half-width) back inside, so the cross drawn there is not clipped by the plot edge.
 */
function ontoWindow(x: number, y: number, b: [[number, number], [number, number]], inset = 0.05): [number, number] {
  const cx = (b[0][0] + b[0][1]) / 2;
  const cy = (b[1][0] + b[1][1]) / 2;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return [cx, cy];
  const hx = ((b[0][1] - b[0][0]) / 2) * (1 - inset);
  const hy = ((b[1][1] - b[1][0]) / 2) * (1 - inset);
  const s = Math.max(Math.abs(x - cx) / hx, Math.abs(y - cy) / hy, 1);
  return [cx + (x - cx) / s, cy + (y - cy) / s];
}

/**
 * One chain panel: the target's log-density contours, each trail split into age groups of rising opacity
 * (old segments faint), the chosen chain's path, live chains as dots and diverged ones as grey crosses at their
 * last position (just inside the window's border, in its direction, when that is outside). The axes stay on the
 * target's window: a diverged chain never stretches the scale. A legend above the plot names the dots, the path and
 * the crosses. Drawn as a live panel: the contours once, the rest on the canvas every frame.
 */
export function chainPanelSpec(o: ChainPanelOptions): PlotSpec {
  const data: Data[] = [
    {
      type: 'contour',
      x: o.contour.x,
      y: o.contour.y,
      z: o.contour.z,
      autocontour: false,
      colorscale: [
        [0, '#ffffff'],
        [1, '#cfd5df'],
      ],
      showscale: false,
      contours: { coloring: 'fill', showlines: true, ...levelsOf(o.contour.z, 14) },
      line: { color: 'rgba(60,70,90,0.25)', width: 0.6 },
      hoverinfo: 'skip',
      name: 'log p',
    } as Data,
  ];
  const f = o.frame;
  if (f) {
    const L = o.trailLength;
    const C = o.trailChains;
    const G = Math.max(1, Math.min(o.fades ?? 4, L - 1));
    for (let g = 0; g < G; g++) {
      const from = Math.floor((g * (L - 1)) / G);
      const to = Math.floor(((g + 1) * (L - 1)) / G);
      const xs: (number | null)[] = [];
      const ys: (number | null)[] = [];
      for (let c = 0; c < C; c++) {
        if (!f.alive[c]) continue;
        for (let t = from; t <= to; t++) {
          const o2 = (t * C + c) * 2;
          xs.push(num(f.trails[o2]));
          ys.push(num(f.trails[o2 + 1]));
        }
        xs.push(null);
        ys.push(null);
      }
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: xs,
        y: ys,
        line: { color: o.color, width: 1 },
        opacity: 0.12 + (0.5 * (g + 1)) / G,
        hoverinfo: 'skip',
        name: `trail ${g}`,
        showlegend: false,
      } as Data);
    }
    const px: number[] = [];
    const py: number[] = [];
    for (let i = 0; i < f.path.length / 2; i++) {
      px.push(f.path[2 * i]);
      py.push(f.path[2 * i + 1]);
    }
    data.push({ type: 'scatter', mode: 'lines', x: px, y: py, line: { color: '#111', width: 1.5 }, name: 'chosen chain', hoverinfo: 'skip' });
    const ax: number[] = [];
    const ay: number[] = [];
    const dx: number[] = [];
    const dy: number[] = [];
    for (let c = 0; c < f.alive.length; c++) {
      const [x, y] = [f.positions[2 * c], f.positions[2 * c + 1]];
      if (f.alive[c]) {
        ax.push(x);
        ay.push(y);
      } else {
        const [wx, wy] = ontoWindow(x, y, o.bounds);
        dx.push(wx);
        dy.push(wy);
      }
    }
    data.push({ type: 'scatter', mode: 'markers', x: ax, y: ay, marker: { color: o.color, size: 4 }, name: 'chains', hoverinfo: 'skip' });
    data.push({ type: 'scatter', mode: 'markers', x: dx, y: dy, marker: { color: DIVERGED_COLOR, size: 10, symbol: 'x' }, name: DIVERGED_NAME, hoverinfo: 'skip' });
    if (px.length > 0) {
      data.push({ type: 'scatter', mode: 'markers', x: [px[px.length - 1]], y: [py[py.length - 1]], marker: { color: '#111', size: 8, line: { color: '#fff', width: 1 } }, name: 'chosen chain now', hoverinfo: 'skip', showlegend: false });
    }
  }
  return {
    data,
    layout: {
      showlegend: f !== null,
      legend: LEGEND_ABOVE,
      xaxis: { range: [...o.bounds[0]], autorange: false, zeroline: false, constrain: 'domain', title: { text: 'x₁' } },
      yaxis: { range: [...o.bounds[1]], autorange: false, zeroline: false, scaleanchor: 'x', constrain: 'domain', title: { text: 'x₂' } },
    },
  };
}

export interface NamedSeries {
  name: string;
  color: string;
}

/** Trace plot of coordinate j of the chosen chain for each panel, against iteration. */
export function traceSpec(panels: (NamedSeries & { path: ArrayLike<number>; pathStart: number })[], j: number): PlotSpec {
  return {
    data: panels.map((p) => {
      const n = p.path.length / 2;
      return {
        type: 'scatter',
        mode: 'lines',
        x: Array.from({ length: n }, (_, i) => p.pathStart + i),
        y: Array.from({ length: n }, (_, i) => p.path[2 * i + j]),
        line: { color: p.color, width: 1 },
        name: p.name,
      } as Data;
    }),
    layout: { showlegend: true, legend: LEGEND_ABOVE, xaxis: { title: { text: 'iteration' } }, yaxis: { title: { text: `x${j === 0 ? '₁' : '₂'}` } } },
  };
}

/** Autocorrelation against lag for each panel (solid: x₁, dotted: x₂, as the x axis's title says); one legend entry per panel. */
export function acfSpec(panels: (NamedSeries & { autocorr: number[][] })[]): PlotSpec {
  const data: Data[] = [];
  for (const p of panels) {
    p.autocorr.forEach((r, j) => {
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: r.map((_, k) => k),
        y: r.map(num),
        line: { color: p.color, width: 1.5, dash: j === 0 ? 'solid' : 'dot' },
        name: j === 0 ? p.name : `${p.name} x₂`,
        showlegend: j === 0,
      } as Data);
    });
  }
  return {
    data,
    layout: { showlegend: true, legend: LEGEND_ABOVE, xaxis: { title: { text: 'lag (solid x₁, dotted x₂)' } }, yaxis: { title: { text: 'autocorrelation' }, range: [-0.3, 1.05] } },
  };
}

/** Marginal histogram of coordinate j for each panel (step outlines) against the true marginal (black). */
export function histSpec(
  panels: (NamedSeries & { hist: { lo: number[]; hi: number[]; bins: number; density: number[][] } })[],
  truth: { x: number[][]; p: number[][] } | null,
  j: number,
): PlotSpec {
  const data: Data[] = [];
  for (const p of panels) {
    const { lo, hi, bins, density } = p.hist;
    const w = (hi[j] - lo[j]) / bins;
    // The histogram's outline as explicit steps (each bin's top edge, joined), so it draws as plain segments.
    const x: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < bins; b++) {
      x.push(lo[j] + b * w, lo[j] + (b + 1) * w);
      y.push(density[j][b], density[j][b]);
    }
    data.push({ type: 'scatter', mode: 'lines', x, y, line: { color: p.color, width: 1.5 }, name: p.name } as Data);
  }
  if (truth) data.push({ type: 'scatter', mode: 'lines', x: truth.x[j], y: truth.p[j], line: { color: '#111', width: 1.5 }, name: 'true marginal' });
  return { data, layout: { showlegend: true, legend: LEGEND_ABOVE, xaxis: { title: { text: `x${j === 0 ? '₁' : '₂'}` } }, yaxis: { title: { text: 'density' } } } };
}

/** One sampler's sweep curve (a subset of the engine's SweepCurve). */
export interface SweepCurveData {
  sampler: string;
  clamp: boolean;
  criterion: 'ess' | 'ess-within';
  points: { step: number; essMin: number; essWithinMin: number; diverged: number; covError: number; covErrorWhitened: number }[];
  /** The bias gate of the best step. */
  gate: { maxWhitenedError: number; maxCovError: number | null };
  best: { step: number; essMin: number; essWithinMin: number } | null;
  /** The best step is an end of the grid (the optimum may lie beyond it). */
  bestAtGridEdge: boolean;
  bestUngated: { step: number; essMin: number; essWithinMin: number } | null;
}

/** The sweep's key: how faithful, biased and diverged runs are drawn (legend entries without data, in grey). */
const SWEEP_KEY_COLOR = '#666';

/**
 * The sweep's criterion (multi-chain or within-chain min-ESS) against step size, log-log, one curve per sampler
 * named by its `label`: runs where chains diverged as crosses on the floor, runs whose sample is biased (whitened
 * covariance error above the gate `maxWhitenedError`) as hollow circles, the best step as a star. The legend names
 * each curve and its best step ("at the grid's edge" when it is the smallest or largest step tried), and a grey
 * key explains the three marker kinds.
 */
export function sweepSpec(curves: (SweepCurveData & { color: string; label: string })[], maxWhitenedError: number): PlotSpec {
  const data: Data[] = [];
  const v = (c: SweepCurveData, p: { essMin: number; essWithinMin: number }) => (c.criterion === 'ess-within' ? p.essWithinMin : p.essMin);
  let floor = Infinity;
  for (const c of curves) for (const p of c.points) if (v(c, p) > 0) floor = Math.min(floor, v(c, p));
  floor = Number.isFinite(floor) ? floor / 2 : 1;
  for (const c of curves) {
    const name = c.label + (c.clamp ? ' (clamp)' : '');
    const ok = c.points.filter((p) => p.diverged === 0 && v(c, p) > 0);
    data.push({ type: 'scatter', mode: 'lines', x: ok.map((p) => p.step), y: ok.map((p) => v(c, p)), line: { color: c.color, width: 1.5 }, name, hoverinfo: 'skip' } as Data);
    const good = ok.filter((p) => p.covErrorWhitened <= maxWhitenedError);
    const biased = ok.filter((p) => !(p.covErrorWhitened <= maxWhitenedError));
    data.push({ type: 'scatter', mode: 'markers', x: good.map((p) => p.step), y: good.map((p) => v(c, p)), marker: { color: c.color, size: 7 }, name: `${name}: faithful`, showlegend: false } as Data);
    data.push({ type: 'scatter', mode: 'markers', x: biased.map((p) => p.step), y: biased.map((p) => v(c, p)), marker: { color: c.color, size: 7, symbol: 'circle-open' }, name: `${name}: biased (whitened cov error > ${maxWhitenedError})`, showlegend: false } as Data);
    const div = c.points.filter((p) => p.diverged > 0 || !(v(c, p) > 0));
    data.push({ type: 'scatter', mode: 'markers', x: div.map((p) => p.step), y: div.map(() => floor), marker: { color: c.color, size: 8, symbol: 'x' }, name: `${name}: chains diverged`, showlegend: false } as Data);
    if (c.best) {
      data.push({ type: 'scatter', mode: 'markers', x: [c.best.step], y: [v(c, c.best)], marker: { color: c.color, size: 16, symbol: 'star', line: { color: '#111', width: 1 } }, name: `${name} best ε = ${c.best.step.toPrecision(3)}${c.bestAtGridEdge ? ' (at the grid\'s edge)' : ''}` } as Data);
    }
  }
  const key = (name: string, symbol: string) => ({ type: 'scatter', mode: 'markers', x: [null], y: [null], marker: { color: SWEEP_KEY_COLOR, size: 8, symbol }, name, hoverinfo: 'skip' }) as Data;
  data.push(key('faithful run', 'circle'), key(`biased run (a variance off by > ${maxWhitenedError * 100}%)`, 'circle-open'), key('chains diverged (drawn on the floor)', 'x'));
  const within = curves[0]?.criterion === 'ess-within';
  return {
    data,
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { type: 'log', title: { text: 'step size ε' } },
      yaxis: { type: 'log', title: { text: within ? 'within-chain min ESS' : 'min ESS over coordinates' } },
    },
  };
}

/** Same-step comparison (paper Fig. 6): distance of the chains' cross-section to exact samples against iteration. */
export function distanceSpec(panels: (NamedSeries & { t: number[]; distance: number[] })[]): PlotSpec {
  return {
    data: panels.map((p) => ({ type: 'scatter', mode: 'lines', x: p.t, y: p.distance.map(num), line: { color: p.color, width: 1.5 }, name: p.name }) as Data),
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { type: 'log', title: { text: 'iteration' } },
      yaxis: { title: { text: 'sliced W₂ to the target' }, rangemode: 'tozero' },
    },
  };
}

/** The metrics a strip shows (a subset of the engine's SamplerMetrics). */
export type StripMetrics = Pick<
  SamplerMetrics,
  'essPerDim' | 'essMin' | 'essBulkMin' | 'essTailMin' | 'essWithinMin' | 'essPerSec' | 'acceptRate' | 'meanError' | 'covError' | 'covErrorWhitened' | 'distance'
>;

/** What each metrics row means (the rows' tooltips). */
export const METRIC_HINTS: Record<string, string> = {
  'min ESS': 'ESS of the mean, smallest over coordinates: ArviZ ess(method="mean") on split chains, no rank normalisation (MATH.md 3)',
  'ESS per dim': 'ESS of the mean of each coordinate',
  'min bulk ESS': 'rank-normalised bulk ESS (Vehtari et al. 2021; ArviZ method="bulk"), smallest over coordinates',
  'min tail ESS': 'tail ESS: the smaller ESS of the indicators of the 5% and 95% quantiles (ArviZ method="tail"), smallest over coordinates',
  'cov error': 'relative covariance error ‖Ĉ − C‖_F / ‖C‖_F (the largest variance dominates it)',
  'whitened cov error': 'whitened covariance error ‖C^-1/2 Ĉ C^-1/2 − I‖₂: the worst relative error of the variance along any direction (the sweep\'s gate)',
};

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits);

/** The rows of one panel's metrics strip: [label, value]. */
export function metricsRows(m: StripMetrics | null, diverged: number, firstDivergence: number | null, chains: number): [string, string][] {
  const rows: [string, string][] = [
    ['min ESS', fmt(m?.essMin)],
    ['ESS per dim', m ? m.essPerDim.map((v) => fmt(v)).join(' / ') : '–'],
    ['min bulk ESS', fmt(m?.essBulkMin)],
    ['min tail ESS', fmt(m?.essTailMin)],
    ['within-chain min ESS', fmt(m?.essWithinMin)],
    ['ESS / s', fmt(m?.essPerSec)],
    ['acceptance', m && m.acceptRate !== null ? fmt(m.acceptRate) : '–'],
    ['mean error', fmt(m?.meanError)],
    ['cov error', fmt(m?.covError)],
    ['whitened cov error', fmt(m?.covErrorWhitened)],
    ['sliced W₂', fmt(m?.distance)],
    ['diverged', diverged === 0 ? `0 / ${chains}` : `${diverged} / ${chains} (first at ${firstDivergence})`],
  ];
  return rows;
}
