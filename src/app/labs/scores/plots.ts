/**
 * Pure plot-spec builders of the Scores lab (no DOM, no Plotly import): data and noisy samples over the true
 * log-density contours; learned and true s1 as vector fields and their error heat-map; second-order glyphs
 * (principal-curvature crosses, or Tweedie posterior-covariance ellipses σ⁴ s2 + σ² I) for the direct s2θ, the
 * autodiff ∇s1θ and the truth, with per-component error maps; loss curves (VR losses shifted by their offsets,
 * MATH.md section 2) and the per-sample loss variance; the metrics table rows.
 */
import type { Data, Layout } from 'plotly.js';
import { eigSym2 } from '../../../core/linalg.ts';
import type { ScoreMetrics } from '../../../models/metrics.ts';
import { levelsOf, niceCeil } from '../../plot/niceNumbers.ts';
import type { PlotSpec } from '../../plot/spec.ts';

/** What the panels draw: the engine's `train.fields` answer (engine/jobs/train.ts). */
export interface FieldsView {
  sigma: number;
  bounds: [[number, number], [number, number]];
  nx: number;
  ny: number;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  truth: { logp: ArrayLike<number>; logq: ArrayLike<number>; s1: ArrayLike<number>; s2: ArrayLike<number> };
  s1: ArrayLike<number>;
  s2Direct: ArrayLike<number> | null;
  s2Autodiff: ArrayLike<number> | null;
  data: ArrayLike<number>;
  noisy: ArrayLike<number>;
}

export const COLORS = {
  data: '#1f6fb4',
  noisy: '#e08a1e',
  learned: '#c8372d',
  truth: '#333',
  concave: '#1f6fb4',
  convex: '#c8372d',
  plain: '#1f6fb4',
  vr: '#e08a1e',
} as const;

/** Nats below the maximum shown by the contours (deeper tails only clutter the picture). */
const CONTOUR_DEPTH = 12;

const axes = (bounds: FieldsView['bounds']): Partial<Layout> =>
  ({
    xaxis: { range: [...bounds[0]], zeroline: false },
    yaxis: { range: [...bounds[1]], zeroline: false, scaleanchor: 'x', scaleratio: 1 },
  }) as Partial<Layout>;

/** Values at grid points (index j*nx + i) as Plotly's z[j][i], floored at max − depth when `depth` is given. */
export function gridRows(values: ArrayLike<number>, nx: number, ny: number, depth?: number): number[][] {
  let max = -Infinity;
  for (let k = 0; k < nx * ny; k++) if (Number.isFinite(values[k]) && values[k] > max) max = values[k];
  const floor = depth === undefined ? -Infinity : max - depth;
  return Array.from({ length: ny }, (_, j) =>
    Array.from({ length: nx }, (_, i) => {
      const v = values[j * nx + i];
      return Number.isFinite(v) ? Math.max(v, floor) : floor;
    }),
  );
}

function contourTrace(f: FieldsView, values: ArrayLike<number>, name: string): Data {
  const z = gridRows(values, f.nx, f.ny, CONTOUR_DEPTH);
  return {
    type: 'contour',
    x: Array.from(f.xs),
    y: Array.from(f.ys),
    z,
    colorscale: 'Greys',
    reversescale: true,
    opacity: 0.45,
    showscale: false,
    autocontour: false,
    contours: { coloring: 'fill', showlines: true, ...levelsOf(z, 14) },
    line: { width: 0.5, color: '#999' },
    name,
    hoverinfo: 'skip',
  } as Data;
}

function points(xy: ArrayLike<number>, name: string, color: string, size: number, opacity: number): Data {
  const n = Math.floor(xy.length / 2);
  return {
    type: 'scatter',
    mode: 'markers',
    x: Array.from({ length: n }, (_, k) => xy[2 * k]),
    y: Array.from({ length: n }, (_, k) => xy[2 * k + 1]),
    marker: { size, color, opacity },
    name,
    hoverinfo: 'skip',
  };
}

/** Clean data and noisy samples x + σz over the contours of the true log p. */
export function dataSpec(f: FieldsView, showNoisy: boolean): PlotSpec {
  const data: Data[] = [contourTrace(f, f.truth.logp, 'log p'), points(f.data, 'data x', COLORS.data, 4, 0.75)];
  if (showNoisy) data.push(points(f.noisy, `noisy x + σz`, COLORS.noisy, 3, 0.55));
  return { data, layout: { ...axes(f.bounds), showlegend: true, legend: { orientation: 'h', y: -0.12 } } };
}

/** Indices of a sub-grid with about `per` points per axis (for arrows and glyphs). */
export function subgrid(nx: number, ny: number, per: number): number[] {
  const sx = Math.max(1, Math.round(nx / per));
  const sy = Math.max(1, Math.round(ny / per));
  const out: number[] = [];
  for (let j = Math.floor(sy / 2); j < ny; j += sy) for (let i = Math.floor(sx / 2); i < nx; i += sx) out.push(j * nx + i);
  return out;
}

function cellSize(f: FieldsView, per: number): number {
  const w = f.bounds[0][1] - f.bounds[0][0];
  const h = f.bounds[1][1] - f.bounds[1][0];
  return Math.min(w, h) / per;
}

/**
 * A vector field (learned or true s1) as arrows over the contours of log q_σ. Arrows of both panels share one
 * scale (`scale`: data units per unit of score; from `s1Scale`), so lengths compare across panels.
 */
export function vectorFieldSpec(f: FieldsView, field: ArrayLike<number>, color: string, scale: number, per = 13): PlotSpec {
  const idx = subgrid(f.nx, f.ny, per);
  const x: number[] = [];
  const y: number[] = [];
  const u: number[] = [];
  const v: number[] = [];
  for (const k of idx) {
    x.push(f.xs[k % f.nx]);
    y.push(f.ys[Math.floor(k / f.nx)]);
    u.push(field[2 * k] * scale);
    v.push(field[2 * k + 1] * scale);
  }
  const quiver = {
    type: 'quiver',
    x,
    y,
    u,
    v,
    anchor: 'tail',
    lengthmode: 'raw',
    lengthfactor: 1,
    marker: { color, line: { width: 1.4 }, arrowsize: 0.8 },
    hoverinfo: 'skip',
  } as unknown as Data;
  return { data: [contourTrace(f, f.truth.logq, 'log q_σ'), quiver], layout: axes(f.bounds) };
}

/** Arrow scale: the longest true score vector on the arrow grid spans 0.9 cells. */
export function s1Scale(f: FieldsView, per = 13): number {
  const idx = subgrid(f.nx, f.ny, per);
  let m = 0;
  for (const k of idx) m = Math.max(m, Math.hypot(f.truth.s1[2 * k], f.truth.s1[2 * k + 1]));
  return m > 0 ? (0.9 * cellSize(f, per)) / m : 1;
}

/** Per-point error ‖s1θ − s1‖ (length nx*ny). */
export function s1Error(f: FieldsView): Float64Array {
  const n = f.nx * f.ny;
  const e = new Float64Array(n);
  for (let k = 0; k < n; k++) e[k] = Math.hypot(f.s1[2 * k] - f.truth.s1[2 * k], f.s1[2 * k + 1] - f.truth.s1[2 * k + 1]);
  return e;
}

export function heatmapSpec(f: FieldsView, values: ArrayLike<number>, title: string, zmax?: number): PlotSpec {
  return {
    data: [
      {
        type: 'heatmap',
        x: Array.from(f.xs),
        y: Array.from(f.ys),
        z: gridRows(values, f.nx, f.ny),
        colorscale: 'Viridis',
        zmin: 0,
        // Rounded up to 1, 2, 5 × 10^k: the colour bar of a live panel changes only when the errors change scale.
        ...(zmax !== undefined && zmax > 0 ? { zmax: niceCeil(zmax) } : {}),
        colorbar: { thickness: 10, len: 0.9, title: { text: title, side: 'right' } },
        hovertemplate: `(%{x:.2f}, %{y:.2f}): %{z:.3g}<extra>${title}</extra>`,
      } as Data,
    ],
    layout: axes(f.bounds),
  };
}

export type Glyph = 'cross' | 'ellipse';
export type S2Component = 'fro' | '11' | '12' | '22';

/** A glyph scale shared by the three second-order panels: from the truth's largest |eigenvalue|. */
export function glyphScale(f: FieldsView, glyph: Glyph, per = 11): number {
  const idx = subgrid(f.nx, f.ny, per);
  const half = 0.45 * cellSize(f, per);
  let m = 0;
  for (const k of idx) {
    const s = f.truth.s2;
    const e = eigSym2(s[4 * k], 0.5 * (s[4 * k + 1] + s[4 * k + 2]), s[4 * k + 3]);
    if (glyph === 'cross') m = Math.max(m, Math.abs(e.values[0]), Math.abs(e.values[1]));
    else {
      const s2 = f.sigma * f.sigma;
      // Posterior covariance eigenvalues σ⁴λ + σ²: the ellipse's 1-sd radii are their square roots.
      for (const l of e.values) m = Math.max(m, Math.sqrt(Math.max(0, s2 * s2 * l + s2)));
    }
  }
  return m > 0 ? half / m : 1;
}

/**
 * Second-order glyphs of a field s2 (4 numbers per grid point) on a sub-grid.
 * `cross`: segments along the eigenvectors, half-length ∝ |eigenvalue|, blue where negative (concave log q),
 * red where positive. `ellipse`: the 1-sd ellipse of the Tweedie covariance σ⁴ s2 + σ² I (MATH.md section 1);
 * points where it is not PSD get a red ×.
 */
export function glyphSpec(f: FieldsView, s2: ArrayLike<number>, glyph: Glyph, scale: number, per = 11): PlotSpec {
  const idx = subgrid(f.nx, f.ny, per);
  const neg = { x: [] as (number | null)[], y: [] as (number | null)[] };
  const pos = { x: [] as (number | null)[], y: [] as (number | null)[] };
  const bad = { x: [] as number[], y: [] as number[] };
  const s2s = f.sigma * f.sigma;
  for (const k of idx) {
    const cx = f.xs[k % f.nx];
    const cy = f.ys[Math.floor(k / f.nx)];
    const e = eigSym2(s2[4 * k], 0.5 * (s2[4 * k + 1] + s2[4 * k + 2]), s2[4 * k + 3]);
    if (!Number.isFinite(e.values[0]) || !Number.isFinite(e.values[1])) continue;
    if (glyph === 'cross') {
      for (let a = 0; a < 2; a++) {
        const l = e.values[a];
        const r = Math.abs(l) * scale;
        const vx = e.vectors[2 * a];
        const vy = e.vectors[2 * a + 1];
        const t = l < 0 ? neg : pos;
        t.x.push(cx - r * vx, cx + r * vx, null);
        t.y.push(cy - r * vy, cy + r * vy, null);
      }
    } else {
      const c0 = s2s * s2s * e.values[0] + s2s;
      const c1 = s2s * s2s * e.values[1] + s2s;
      if (c0 < 0 || c1 < 0) {
        bad.x.push(cx);
        bad.y.push(cy);
        continue;
      }
      const r0 = Math.sqrt(c0) * scale;
      const r1 = Math.sqrt(c1) * scale;
      for (let s = 0; s <= 24; s++) {
        const th = (2 * Math.PI * s) / 24;
        const a = r0 * Math.cos(th);
        const b = r1 * Math.sin(th);
        neg.x.push(cx + a * e.vectors[0] + b * e.vectors[2]);
        neg.y.push(cy + a * e.vectors[1] + b * e.vectors[3]);
      }
      neg.x.push(null);
      neg.y.push(null);
    }
  }
  const line = (t: typeof neg, color: string, name: string): Data => ({
    type: 'scatter',
    mode: 'lines',
    x: t.x,
    y: t.y,
    line: { color, width: 1.6 },
    name,
    hoverinfo: 'skip',
    connectgaps: false,
  });
  const data: Data[] = [contourTrace(f, f.truth.logq, 'log q_σ')];
  if (glyph === 'cross') data.push(line(neg, COLORS.concave, 'curvature < 0 (log q concave)'), line(pos, COLORS.convex, 'curvature > 0 (convex)'));
  else {
    data.push(line(neg, COLORS.concave, 'posterior 1-sd ellipse'));
    data.push({ type: 'scatter', mode: 'markers', x: bad.x, y: bad.y, marker: { symbol: 'x', size: 7, color: COLORS.convex }, name: 'not PSD', hoverinfo: 'skip' });
  }
  // The key says what the colours mean (issue 14: the crosses had none).
  return { data, layout: { ...axes(f.bounds), showlegend: true, legend: { orientation: 'h', y: -0.12 } } };
}

/** Per-point error of one s2 component (or the Frobenius norm of the whole error) against the truth. */
export function s2Error(f: FieldsView, s2: ArrayLike<number>, comp: S2Component): Float64Array {
  const n = f.nx * f.ny;
  const e = new Float64Array(n);
  const t = f.truth.s2;
  for (let k = 0; k < n; k++) {
    const d = [0, 1, 2, 3].map((q) => s2[4 * k + q] - t[4 * k + q]);
    e[k] = comp === 'fro' ? Math.hypot(d[0], d[1], d[2], d[3]) : Math.abs(comp === '11' ? d[0] : comp === '22' ? d[3] : 0.5 * (d[1] + d[2]));
  }
  return e;
}

/** A high quantile of values (robust colour-scale maximum shared by the direct and autodiff error maps). */
export function quantile(values: ArrayLike<number>[], q: number): number {
  const all: number[] = [];
  for (const v of values) for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) all.push(v[i]);
  if (all.length === 0) return 0;
  all.sort((a, b) => a - b);
  return all[Math.min(all.length - 1, Math.floor(q * all.length))];
}

/** One point of the loss history the lab keeps (one per progress report). */
export interface LossPoint {
  step: number;
  /** Loss + VR offset: comparable between VR and plain on one axis. */
  loss: number;
  variance: number;
  vr: boolean;
}

/** Splits the history into runs of equal VR setting (one trace each, joined at the switch). */
function segments(h: readonly LossPoint[]): LossPoint[][] {
  const out: LossPoint[][] = [];
  for (const p of h) {
    const last = out[out.length - 1];
    if (last && last[last.length - 1].vr === p.vr) last.push(p);
    else out.push(last ? [last[last.length - 1], p] : [p]);
  }
  return out;
}

function curveSpec(h: readonly LossPoint[], key: 'loss' | 'variance', ytitle: string, logy: boolean): PlotSpec {
  const seen = new Set<boolean>();
  const data: Data[] = segments(h).map((seg) => {
    const vr = seg[seg.length - 1].vr;
    const first = !seen.has(vr);
    seen.add(vr);
    return {
      type: 'scatter',
      mode: 'lines',
      x: seg.map((p) => p.step),
      y: seg.map((p) => p[key]),
      line: { color: vr ? COLORS.vr : COLORS.plain, width: 1.5 },
      name: vr ? 'with VR' : 'without VR',
      legendgroup: vr ? 'vr' : 'plain',
      showlegend: first,
    };
  });
  return {
    data,
    layout: {
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: ytitle }, type: logy ? 'log' : 'linear' },
      showlegend: true,
      legend: { orientation: 'h', y: 1.12 },
    },
  };
}

/** The training loss (VR losses plus their offset, so both sit on one axis). */
export function lossSpec(h: readonly LossPoint[]): PlotSpec {
  return curveSpec(h, 'loss', 'loss (σ-weighted; VR + offset)', false);
}

/** The per-sample loss variance within a batch (log scale): the number VR reduces. */
export function varianceSpec(h: readonly LossPoint[]): PlotSpec {
  return curveSpec(h, 'variance', 'per-sample loss variance', true);
}

/** Appends a history point, halving the resolution of the older half when the history is full. */
export function pushHistory(h: readonly LossPoint[], p: LossPoint, max = 2000): LossPoint[] {
  const next = [...h, p];
  if (next.length <= max) return next;
  const half = Math.floor(next.length / 2);
  return [...next.slice(0, half).filter((_, i) => i % 2 === 0), ...next.slice(half)];
}

/** The engine's metrics (`models/metrics.ts`) with the number of evaluation points and the step they belong to. */
export interface MetricsView extends ScoreMetrics {
  n: number;
  step: number;
}

const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(digits);

/** Rows [quantity, direct s2θ, autodiff ∇s1θ] of the metrics table (Table 1 and Table 2 of paper 1). */
export function metricsRows(m: MetricsView): [string, string, string][] {
  return [
    ['MSE of s1', num(m.s1Mse), ''],
    ['MSE of s2 (Table 1)', num(m.s2MseDirect), num(m.s2MseAutodiff)],
    ['ms per s2 evaluation (Table 2)', num(m.msPerEvalDirect), num(m.msPerEvalAutodiff)],
    ['points where σ⁴s2 + σ²I is not PSD', m.psdViolationRate === null ? '–' : `${(100 * m.psdViolationRate).toFixed(1)} %`, ''],
  ];
}

/** Which estimate wins the MSE comparison ('direct', 'autodiff', or null when there is no direct head). */
export function mseWinner(m: MetricsView): 'direct' | 'autodiff' | null {
  if (m.s2MseDirect === null || !Number.isFinite(m.s2MseDirect)) return null;
  return m.s2MseDirect < m.s2MseAutodiff ? 'direct' : 'autodiff';
}
