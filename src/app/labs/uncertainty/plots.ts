/**
 * Pure plot-spec builders of the Uncertainty lab (DESIGN.md rule 6): data in, Plotly spec out, no DOM. The panels
 * draw what MATH.md section 4 describes: the clean density, the noisy point x̃, the Tweedie mean and the 1σ / 2σ
 * ellipses of the posterior covariance from the learned s2, from autodiff of s1 and from the exact posterior; the
 * field of ellipses coloured by their error; and the point estimate next to mean + uncertainty (paper 1, Fig. 2).
 *
 * A covariance that is not positive semi-definite has no ellipse: it is drawn as the outline with semi-axes √|λ|,
 * dashed in the warning colour, next to its clipped version (eigenvalues raised to 0, what sampling uses), which is
 * labelled as such. Nothing is clipped silently.
 */
import type { Data, Layout } from 'plotly.js';
import { ellipsePolyline } from '../../../core/ellipse.ts';
import { evalGrid, makeGrid, toRows } from '../../../core/grid.ts';
import type { Density, Rng } from '../../../core/types.ts';
import { checkCovariance, indefiniteEllipse } from '../../../core/uncertainty.ts';
import { hexAt, VIRIDIS } from '../../plot/colorscale.ts';
import { levelsOf } from '../../plot/niceNumbers.ts';
import type { PlotSpec } from '../../plot/spec.ts';

export type Bounds = [[number, number], [number, number]];
export type EstimateName = 'learned' | 'autodiff' | 'exact';

export const COLORS: Record<EstimateName, string> & { warn: string; samples: string; point: string } = {
  learned: '#2a4d8f',
  autodiff: '#8e44ad',
  exact: '#1d2433',
  warn: '#e07b00',
  samples: '#2e8b57',
  point: '#b3261e',
};

export const LABELS: Record<EstimateName, string> = {
  learned: 'learned s2',
  autodiff: 'autodiff ∇s1',
  exact: 'exact posterior',
};

/** One Gaussian approximation at one point, as the panels need it. */
export interface EstimateView {
  name: EstimateName;
  mean: ArrayLike<number>;
  cov: ArrayLike<number>;
  /** Error against the exact moments (absent for the exact estimate itself). */
  w2?: number;
  kl?: number;
}

/** log p of the clean density on a grid over its bounds: the contour background (rows z[j][i]). */
export interface DensityGrid {
  xs: number[];
  ys: number[];
  z: number[][];
}

/** Tabulates log p over `bounds` (n × n), floored 12 nats below the maximum so the contours stay readable. */
export function densityGrid(density: Density, bounds: Bounds, n = 80): DensityGrid {
  const g = makeGrid(bounds, n);
  const v = evalGrid(g, (x) => density.logp(x));
  let max = -Infinity;
  for (const t of v) if (Number.isFinite(t) && t > max) max = t;
  for (let i = 0; i < v.length; i++) v[i] = Number.isFinite(v[i]) ? Math.max(v[i], max - 12) : max - 12;
  return { xs: Array.from(g.xs), ys: Array.from(g.ys), z: toRows(v, g.nx, g.ny) };
}

/** The contour trace of the clean density (light fill, no hover, no colour bar). */
export function contourTrace(grid: DensityGrid): Data {
  return {
    type: 'contour',
    x: grid.xs,
    y: grid.ys,
    z: grid.z,
    autocontour: false,
    colorscale: [
      [0, '#ffffff'],
      [1, '#c9d6ee'],
    ],
    showscale: false,
    contours: { coloring: 'fill', showlines: true, ...levelsOf(grid.z, 12) },
    line: { color: 'rgba(42,77,143,0.25)', width: 0.6 },
    hoverinfo: 'skip',
    name: 'clean density p(x)',
    showlegend: false,
  } as Data;
}

/** Joins closed polylines into one trace's x / y, separated by nulls (Plotly breaks the line there). */
function joinPolylines(parts: { x: ArrayLike<number>; y: ArrayLike<number> }[]): { x: (number | null)[]; y: (number | null)[] } {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  parts.forEach((p, i) => {
    if (i > 0) {
      x.push(null);
      y.push(null);
    }
    for (let k = 0; k < p.x.length; k++) {
      x.push(p.x[k]);
      y.push(p.y[k]);
    }
  });
  return { x, y };
}

/** How one estimate's ellipses are drawn: valid (solid), or not PSD (dashed outline + clipped version). */
export interface EllipseDrawing {
  psd: boolean;
  minEigenvalue: number;
  traces: Data[];
}

/**
 * The 1σ and 2σ ellipses of one estimate (2σ thinner). A non-PSD covariance gives the dashed warning-colour outline
 * with semi-axes k√|λ| ("not PSD") and the clipped covariance's ellipses, dotted in the estimate's colour and
 * labelled "clipped (used for sampling)".
 */
export function ellipseTraces(est: EstimateView, opts: { legend?: boolean; n?: number } = {}): EllipseDrawing {
  const n = opts.n ?? 72;
  const color = COLORS[est.name];
  const check = checkCovariance(est.cov, 2);
  const legend = opts.legend ?? true;
  const traces: Data[] = [];
  if (check.psd) {
    for (const k of [1, 2]) {
      const e = ellipsePolyline(est.mean, check.clipped, k, n);
      if (!e.valid) continue;
      traces.push({
        type: 'scatter',
        mode: 'lines',
        x: Array.from(e.x),
        y: Array.from(e.y),
        line: { color, width: k === 1 ? 2.2 : 1.2 },
        name: `${LABELS[est.name]} (${k}σ)`,
        legendgroup: est.name,
        showlegend: legend && k === 1,
        hoverinfo: 'name',
      } as Data);
    }
    return { psd: true, minEigenvalue: check.minEigenvalue, traces };
  }
  for (const k of [1, 2]) {
    const bad = indefiniteEllipse(est.mean, est.cov, k, n);
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: Array.from(bad.x),
      y: Array.from(bad.y),
      line: { color: COLORS.warn, width: k === 1 ? 2.2 : 1.2, dash: 'dash' },
      name: `${LABELS[est.name]}: NOT PSD (λ_min = ${fmt(check.minEigenvalue)})`,
      legendgroup: `${est.name}-bad`,
      showlegend: legend && k === 1,
      hoverinfo: 'name',
    } as Data);
  }
  const clipped = [1, 2].map((k) => ellipsePolyline(est.mean, check.clipped, k, n)).filter((e) => e.valid);
  if (clipped.length) {
    const j = joinPolylines(clipped.map((e) => (e.valid ? { x: e.x, y: e.y } : { x: [], y: [] })));
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: j.x,
      y: j.y,
      line: { color, width: 1.5, dash: 'dot' },
      name: `${LABELS[est.name]}: clipped (used for sampling)`,
      legendgroup: `${est.name}-clip`,
      showlegend: legend,
      hoverinfo: 'name',
    } as Data);
  }
  return { psd: false, minEigenvalue: check.minEigenvalue, traces };
}

/** Short number format for labels. */
export function fmt(v: number | undefined | null): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (v === Infinity) return '∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return v.toPrecision(3);
}

/**
 * A 2-D point as "(a, b)": a coordinate below 1e-9 of the larger one is round-off and shows as 0, so the exact
 * posterior mean at a symmetric point reads (0, -1.22), not (1.67e-17, -1.22).
 */
export function fmtPoint(p: ArrayLike<number>): string {
  const scale = Math.max(Math.abs(p[0]), Math.abs(p[1]));
  const clean = (v: number) => (Math.abs(v) < 1e-9 * scale ? 0 : v);
  return `(${fmt(clean(p[0]))}, ${fmt(clean(p[1]))})`;
}

function axes(bounds: Bounds): Partial<Layout> {
  return {
    xaxis: { range: [...bounds[0]], zeroline: false, title: { text: 'x₁' }, constrain: 'domain' },
    yaxis: { range: [...bounds[1]], zeroline: false, title: { text: 'x₂' }, scaleanchor: 'x', scaleratio: 1, constrain: 'domain' },
  } as Partial<Layout>;
}

export interface InteractiveData {
  grid: DensityGrid;
  bounds: Bounds;
  /** The noisy point x̃, or null before the first click. */
  x: readonly [number, number] | null;
  /** The estimates to draw (already filtered by the show toggles). */
  estimates: EstimateView[];
  /** Exact posterior samples at x̃ (row-major n*2). */
  samples?: ArrayLike<number> | null;
  sigma: number;
}

/**
 * The interactive panel: contours, posterior samples, the 1σ/2σ ellipses of every estimate, the Tweedie means and
 * x̃. Plotly's own drag (zoom) is off: dragging moves x̃.
 */
export function interactiveSpec(d: InteractiveData): { spec: PlotSpec; nonPsd: EstimateName[] } {
  const data: Data[] = [contourTrace(d.grid)];
  const nonPsd: EstimateName[] = [];
  if (d.samples && d.samples.length >= 2) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i + 1 < d.samples.length; i += 2) {
      xs.push(d.samples[i]);
      ys.push(d.samples[i + 1]);
    }
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: xs,
      y: ys,
      marker: { color: COLORS.samples, size: 3, opacity: 0.45 },
      name: 'exact posterior samples',
      hoverinfo: 'skip',
    } as Data);
  }
  if (d.x) {
    for (const est of d.estimates) {
      const drawing = ellipseTraces(est);
      if (!drawing.psd) nonPsd.push(est.name);
      data.push(...drawing.traces);
    }
    for (const est of d.estimates) {
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        x: [d.x[0], est.mean[0]],
        y: [d.x[1], est.mean[1]],
        line: { color: COLORS[est.name], width: 1, dash: 'dot' },
        marker: { color: COLORS[est.name], size: [0, 9], symbol: 'diamond' },
        name: `Tweedie mean (${LABELS[est.name]})`,
        legendgroup: est.name,
        showlegend: false,
        hovertemplate: `${LABELS[est.name]} mean (%{x:.3f}, %{y:.3f})` + (est.w2 !== undefined ? `<br>W2 to exact ${fmt(est.w2)}` : '') + '<extra></extra>',
      } as Data);
    }
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [d.x[0]],
      y: [d.x[1]],
      marker: { color: COLORS.point, size: 13, symbol: 'x-thin', line: { width: 3, color: COLORS.point } },
      name: 'noisy point x̃',
      hovertemplate: 'x̃ = (%{x:.3f}, %{y:.3f})<extra></extra>',
    } as Data);
  }
  const layout: Partial<Layout> = {
    ...axes(d.bounds),
    dragmode: false,
    hovermode: 'closest',
    showlegend: true,
    legend: { orientation: 'h', y: -0.14, x: 0, font: { size: 11 } },
    margin: { l: 48, r: 12, t: 12, b: 96 },
  };
  return { spec: { data, layout }, nonPsd };
}

/** The colour of t ∈ [0, 1] on the viridis scale (the stops the colour bar shows; non-finite t is the top). */
export function viridis(t: number): string {
  return hexAt(VIRIDIS, t);
}

export interface FieldData {
  grid: DensityGrid;
  bounds: Bounds;
  /** Noisy points n*2. */
  points: ArrayLike<number>;
  /** Posterior means n*2 and covariances n*4 of the estimate shown. */
  mean: ArrayLike<number>;
  cov: ArrayLike<number>;
  /** Per-point error (W2 or KL) against the exact posterior; null when the estimate is the exact one. */
  error: ArrayLike<number> | null;
  metric: 'w2' | 'kl';
  name: EstimateName;
  /** Number of colour bins (one trace each). */
  bins?: number;
}

/** Summary of a field for captions: non-PSD count and error statistics over the PSD points. */
export interface FieldSummary {
  n: number;
  nonPsd: number;
  /** Colour-scale maximum (the 95th percentile of the finite errors). */
  scaleMax: number;
  median: number;
  max: number;
}

/**
 * The field of ellipses: at each noisy point x̃ of the grid, the 1σ ellipse of the estimate's covariance drawn as a
 * glyph centred at x̃ (its Tweedie mean is in the hover: the means crowd onto the modes and would hide the field),
 * coloured by the error against the exact posterior (viridis, capped at the 95th percentile; KL = ∞ shows as the
 * top colour); non-PSD ones dashed in the warning colour (outline √|λ|). Hovering x̃ shows the mean and the error.
 */
export function fieldSpec(d: FieldData): { spec: PlotSpec; summary: FieldSummary } {
  const n = d.points.length / 2;
  const bins = d.bins ?? 8;
  const finite: number[] = [];
  if (d.error) for (let k = 0; k < n; k++) if (Number.isFinite(d.error[k])) finite.push(d.error[k]);
  finite.sort((a, b) => a - b);
  const q = (p: number) => (finite.length ? finite[Math.min(finite.length - 1, Math.floor(p * (finite.length - 1)))] : 0);
  const scaleMax = Math.max(q(0.95), 1e-12);
  const groups: { x: Float64Array; y: Float64Array }[][] = Array.from({ length: bins }, () => []);
  const bad: { x: Float64Array; y: Float64Array }[] = [];
  let nonPsd = 0;
  const hover: string[] = [];
  const colorValues: number[] = [];
  for (let k = 0; k < n; k++) {
    // Glyphs sit at their noisy point, so the field stays a regular lattice (the means crowd onto the modes).
    const m = [d.points[2 * k], d.points[2 * k + 1]];
    const C = [d.cov[4 * k], d.cov[4 * k + 1], d.cov[4 * k + 2], d.cov[4 * k + 3]];
    const e = ellipsePolyline(m, C, 1, 36);
    const err = d.error ? d.error[k] : NaN;
    if (!e.valid) {
      nonPsd++;
      const o = indefiniteEllipse(m, C, 1, 36);
      bad.push({ x: o.x, y: o.y });
    } else {
      const b = d.error ? Math.min(bins - 1, Math.floor((Math.min(err, scaleMax) / scaleMax) * bins)) : 0;
      groups[Number.isFinite(b) ? b : bins - 1].push({ x: e.x, y: e.y });
    }
    colorValues.push(Number.isFinite(err) ? Math.min(err, scaleMax) : scaleMax);
    hover.push(
      `x̃ = (${fmt(d.points[2 * k])}, ${fmt(d.points[2 * k + 1])})<br>mean (${fmt(d.mean[2 * k])}, ${fmt(d.mean[2 * k + 1])})` +
        (d.error ? `<br>${d.metric === 'w2' ? 'W2' : 'KL'} = ${fmt(err)}` : '') +
        (e.valid ? '' : `<br>NOT PSD (λ_min ${fmt(e.minEigenvalue)})`),
    );
  }
  const data: Data[] = [contourTrace(d.grid)];
  groups.forEach((parts, b) => {
    if (!parts.length) return;
    const j = joinPolylines(parts);
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: j.x,
      y: j.y,
      line: { color: d.error ? viridis((b + 0.5) / bins) : COLORS[d.name], width: 1.6 },
      hoverinfo: 'skip',
      showlegend: false,
      name: `ellipses ${b}`,
    } as Data);
  });
  if (bad.length) {
    const j = joinPolylines(bad);
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: j.x,
      y: j.y,
      line: { color: COLORS.warn, width: 1.6, dash: 'dash' },
      hoverinfo: 'skip',
      name: `not PSD (${bad.length})`,
      showlegend: true,
    } as Data);
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < n; k++) {
    xs.push(d.points[2 * k]);
    ys.push(d.points[2 * k + 1]);
  }
  data.push({
    type: 'scatter',
    mode: 'markers',
    x: xs,
    y: ys,
    text: hover,
    hovertemplate: '%{text}<extra></extra>',
    marker: d.error
      ? {
          size: 4,
          color: colorValues,
          cmin: 0,
          cmax: scaleMax,
          colorscale: VIRIDIS,
          showscale: true,
          colorbar: { title: { text: d.metric === 'w2' ? 'W2' : 'KL' }, thickness: 12, len: 0.8 },
        }
      : { size: 3, color: COLORS[d.name] },
    name: 'noisy points',
    showlegend: false,
  } as Data);
  const median = finite.length ? finite[Math.floor((finite.length - 1) / 2)] : NaN;
  const summary: FieldSummary = { n, nonPsd, scaleMax, median, max: finite.length ? finite[finite.length - 1] : NaN };
  const layout: Partial<Layout> = {
    ...axes(d.bounds),
    hovermode: 'closest',
    showlegend: bad.length > 0,
    legend: { orientation: 'h', y: -0.14, x: 0 },
    margin: { l: 48, r: 12, t: 12, b: bad.length ? 64 : 40 },
  };
  return { spec: { data, layout }, summary };
}

export interface PointEstimateData {
  grid: DensityGrid;
  bounds: Bounds;
  /** Noisy points n*2, their Tweedie means n*2 and covariances n*4. */
  points: ArrayLike<number>;
  mean: ArrayLike<number>;
  cov: ArrayLike<number>;
  name: EstimateName;
}

/**
 * Paper 1's Fig. 2 as two specs: left, the point estimate alone (each noisy point joined to its Tweedie mean);
 * right, mean plus covariance (the same means with their 1σ and 2σ ellipses).
 */
export function pointVsUncertaintySpecs(d: PointEstimateData): { point: PlotSpec; uncertainty: PlotSpec } {
  const n = d.points.length / 2;
  const color = COLORS[d.name];
  const segX: (number | null)[] = [];
  const segY: (number | null)[] = [];
  const mx: number[] = [];
  const my: number[] = [];
  const px: number[] = [];
  const py: number[] = [];
  for (let k = 0; k < n; k++) {
    segX.push(d.points[2 * k], d.mean[2 * k], null);
    segY.push(d.points[2 * k + 1], d.mean[2 * k + 1], null);
    mx.push(d.mean[2 * k]);
    my.push(d.mean[2 * k + 1]);
    px.push(d.points[2 * k]);
    py.push(d.points[2 * k + 1]);
  }
  const base = (): Data[] => [
    contourTrace(d.grid),
    {
      type: 'scatter',
      mode: 'lines',
      x: segX,
      y: segY,
      line: { color: 'rgba(29,36,51,0.45)', width: 1 },
      hoverinfo: 'skip',
      showlegend: false,
    } as Data,
    {
      type: 'scatter',
      mode: 'markers',
      x: px,
      y: py,
      marker: { color: COLORS.point, size: 8, symbol: 'x-thin', line: { width: 2, color: COLORS.point } },
      name: 'noisy points x̃',
      hovertemplate: 'x̃ = (%{x:.2f}, %{y:.2f})<extra></extra>',
    } as Data,
    {
      type: 'scatter',
      mode: 'markers',
      x: mx,
      y: my,
      marker: { color, size: 7 },
      name: 'Tweedie mean E[x | x̃]',
      hovertemplate: 'mean (%{x:.2f}, %{y:.2f})<extra></extra>',
    } as Data,
  ];
  const ellipses: Data[] = [];
  for (let k = 0; k < n; k++) {
    const est: EstimateView = {
      name: d.name,
      mean: [d.mean[2 * k], d.mean[2 * k + 1]],
      cov: [d.cov[4 * k], d.cov[4 * k + 1], d.cov[4 * k + 2], d.cov[4 * k + 3]],
    };
    ellipses.push(...ellipseTraces(est, { legend: k === 0, n: 48 }).traces);
  }
  const layout = (title: string): Partial<Layout> => ({
    ...axes(d.bounds),
    title: { text: title, font: { size: 13 } },
    hovermode: 'closest',
    showlegend: false,
    margin: { l: 40, r: 8, t: 32, b: 36 },
  });
  return {
    point: { data: base(), layout: layout('Point estimate: x̃ + σ² s1(x̃)') },
    uncertainty: { data: [...base(), ...ellipses], layout: layout('Mean + covariance: σ⁴ s2(x̃) + σ² I') },
  };
}

/** n noisy points x̃ = x + σ z drawn from the density with `rng` (row-major n*2): the points of the Fig. 2 panels. */
export function noisyDraws(density: Density, sigma: number, n: number, rng: Rng): Float64Array {
  const x = density.sample(rng, n);
  for (let i = 0; i < x.length; i++) x[i] += sigma * rng.normal();
  return x;
}
