/**
 * Pure plot-spec builders of the Inverse problems lab (issue 7): data in, Plotly spec out (unit-tested as plain
 * objects). σ axes of the (σ1, σ2) plane are drawn in log10 σ with ticks labelled in σ.
 */
import type { Data } from 'plotly.js';
import { contourLevels, levelsOf } from '../../plot/niceNumbers.ts';
import { LEGEND_ABOVE, type PlotSpec } from '../../plot/spec.ts';

export const COLORS = { acsm: '#1f77b4', dsm: '#d62728', exact: '#2ca02c', truth: '#111', grey: '#888' } as const;
export const MODEL_LABELS = { acsm: 'A-DSM + A-CSM', dsm: 'A-DSM only', exact: 'exact −log p(y|Σ)' } as const;

export interface LossPoint {
  step: number;
  total: number;
  adsm: number;
  acsm: number;
}

export interface MassRow {
  sigma1: number;
  sigma2: number;
  mass: number;
}

const LOG_TICKS = { tickvals: [-2, -1, 0, 1], ticktext: ['0.01', '0.1', '1', '10'] };

function sigmaAxis(title: string) {
  return { title: { text: title }, ...LOG_TICKS, zeroline: false };
}

/** Moving average of the last `w` values (the batch losses are noisy). */
export function smooth(v: readonly number[], w = 20): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    if (i >= w) s -= v[i - w];
    out.push(s / Math.min(i + 1, w));
  }
  return out;
}

/** Training curves: A-DSM and A-CSM batch losses (smoothed) for each model. */
export function lossSpec(runs: { name: 'acsm' | 'dsm'; history: readonly LossPoint[] }[]): PlotSpec {
  const data: Data[] = [];
  for (const r of runs) {
    if (r.history.length === 0) continue;
    const x = r.history.map((h) => h.step);
    data.push({ type: 'scatter', mode: 'lines', name: `${MODEL_LABELS[r.name]}: A-DSM`, x, y: smooth(r.history.map((h) => h.adsm)), line: { color: COLORS[r.name] } });
    data.push({ type: 'scatter', mode: 'lines', name: `${MODEL_LABELS[r.name]}: A-CSM`, x, y: smooth(r.history.map((h) => h.acsm)), line: { color: COLORS[r.name], dash: 'dot' } });
  }
  return {
    data,
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'batch loss (moving average)' } },
    },
  };
}

/** Label of a Σ of the sweep. */
export function sigmaLabel(r: { sigma1: number; sigma2: number }): string {
  return `(${r.sigma1}, ${r.sigma2})`;
}

/**
 * Normalisation panel: the grid mass ∫ exp(−U − log Z) dy for each Σ of the sweep, per model, on a log axis with
 * the line mass = 1; the exact energy's masses show the quadrature is exact.
 */
export function normalizationSpec(models: { name: 'acsm' | 'dsm'; rows: readonly MassRow[] }[], exact: readonly MassRow[]): PlotSpec {
  const x = exact.map(sigmaLabel);
  const data: Data[] = models.map((m) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: MODEL_LABELS[m.name],
    x: m.rows.map(sigmaLabel),
    y: m.rows.map((r) => r.mass),
    line: { color: COLORS[m.name] },
  }));
  data.push({ type: 'scatter', mode: 'markers', name: 'exact energy', x, y: exact.map((r) => r.mass), marker: { color: COLORS.exact, symbol: 'diamond', size: 7 } });
  const all = [...models.flatMap((m) => m.rows.map((r) => r.mass)), ...exact.map((r) => r.mass)].filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.min(0.5, ...all);
  const hi = Math.max(2, ...all);
  return {
    data,
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { title: { text: 'Σ = diag(σ1², σ2²): (σ1, σ2)' }, type: 'category' },
      yaxis: { title: { text: '∫ exp(−U − log Z) dy' }, type: 'log', range: [Math.log10(lo) - 0.1, Math.log10(hi) + 0.1] },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 1, y1: 1, line: { color: COLORS.grey, dash: 'dash', width: 1 } }],
    },
  };
}

/**
 * A normalised-energy landscape U + log Z at one Σ as filled contours, clipped `range` nats above its minimum
 * (`zmin` shared between the learned and exact panels so their colours compare).
 */
export function landscapeSpec(xs: ArrayLike<number>, ys: ArrayLike<number>, values: ArrayLike<number>, title: string, zmin: number, range = 10): PlotSpec {
  const nx = xs.length;
  const z: number[][] = [];
  for (let j = 0; j < ys.length; j++) {
    const row: number[] = [];
    for (let i = 0; i < nx; i++) row.push(Math.min(values[j * nx + i], zmin + range));
    z.push(row);
  }
  return {
    data: [
      {
        type: 'contour',
        x: Array.from(xs),
        y: Array.from(ys),
        z,
        zmin,
        zmax: zmin + range,
        colorscale: 'Viridis',
        reversescale: true,
        autocontour: false,
        contours: { coloring: 'heatmap', ...contourLevels(zmin, zmin + range, 20) },
        colorbar: { title: { text: 'U + log Z' }, thickness: 10 },
      } as Data,
    ],
    layout: { title: { text: title }, xaxis: { title: { text: 'y1' } }, yaxis: { title: { text: 'y2' }, scaleanchor: 'x' } },
  };
}

export interface BlindView {
  sigmas: ArrayLike<number>;
  /** Σ_n log p(y_n | Σ), index j·n + i (row σ2, column σ1). */
  logLik: ArrayLike<number>;
  estimate: readonly [number, number];
  exactEstimate: readonly [number, number];
  truth: readonly [number, number];
}

/**
 * Blind-estimation heat-map over the (σ1, σ2) log plane: the log-likelihood relative to its maximum (clipped at
 * −`depth`), with the argmax (×), the exact likelihood's argmax (+) and the truth (★).
 */
export function blindSpec(v: BlindView, title: string, depth = 60): PlotSpec {
  const n = v.sigmas.length;
  const lx = Array.from(v.sigmas, (s) => Math.log10(s));
  let max = -Infinity;
  for (let k = 0; k < v.logLik.length; k++) if (v.logLik[k] > max) max = v.logLik[k];
  const z: number[][] = [];
  for (let j = 0; j < n; j++) {
    const row: number[] = [];
    for (let i = 0; i < n; i++) row.push(Math.max(v.logLik[j * n + i] - max, -depth));
    z.push(row);
  }
  const mark = (p: readonly [number, number], name: string, symbol: 'star' | 'cross' | 'x', color: string, size = 12): Data => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: [Math.log10(p[0])],
    y: [Math.log10(p[1])],
    marker: { symbol, color, size, line: { color: '#fff', width: 1.5 } },
    hovertemplate: `${name}: σ = (%{customdata[0]:.3g}, %{customdata[1]:.3g})<extra></extra>`,
    customdata: [[p[0], p[1]]],
  });
  return {
    data: [
      {
        type: 'heatmap',
        x: lx,
        y: lx,
        z,
        zmin: -depth,
        zmax: 0,
        colorscale: 'Viridis',
        colorbar: { title: { text: 'Δ log-lik' }, thickness: 10 },
        hovertemplate: 'log10 σ1 %{x:.2f}, log10 σ2 %{y:.2f}: %{z:.1f}<extra></extra>',
      } as Data,
      mark(v.truth, 'truth', 'star', COLORS.truth, 16),
      mark(v.exactEstimate, 'exact argmax', 'cross', COLORS.exact),
      mark(v.estimate, 'argmax', 'x', '#ff7f0e'),
    ],
    layout: {
      title: { text: title },
      showlegend: true,
      legend: { orientation: 'h', y: -0.3 },
      xaxis: sigmaAxis('σ1'),
      yaxis: { ...sigmaAxis('σ2'), scaleanchor: 'x' },
    },
  };
}

/** Posterior samples of the sampler against exact posterior samples, over the prior's density contours. */
export function posteriorSpec(
  samples: ArrayLike<number>,
  exact: ArrayLike<number>,
  y: readonly [number, number],
  prior: { xs: ArrayLike<number>; ys: ArrayLike<number>; logp: ArrayLike<number> } | null,
  bounds: [[number, number], [number, number]],
): PlotSpec {
  const pts = (a: ArrayLike<number>) => {
    const x: number[] = [];
    const yy: number[] = [];
    for (let i = 0; i + 1 < a.length; i += 2) {
      x.push(a[i]);
      yy.push(a[i + 1]);
    }
    return { x, y: yy };
  };
  const data: Data[] = [];
  if (prior) {
    const nx = prior.xs.length;
    const z: number[][] = [];
    for (let j = 0; j < prior.ys.length; j++) z.push(Array.from({ length: nx }, (_, i) => Math.exp(prior.logp[j * nx + i])));
    data.push({ type: 'contour', x: Array.from(prior.xs), y: Array.from(prior.ys), z, showscale: false, autocontour: false, contours: { coloring: 'lines', ...levelsOf(z, 8) }, line: { color: '#bbb' }, hoverinfo: 'skip' } as Data);
  }
  const e = pts(exact);
  const s = pts(samples);
  data.push({ type: 'scatter', mode: 'markers', name: 'exact p(x | y)', x: e.x, y: e.y, marker: { color: COLORS.exact, size: 3, opacity: 0.45 } });
  data.push({ type: 'scatter', mode: 'markers', name: 'sampler', x: s.x, y: s.y, marker: { color: COLORS.acsm, size: 3, opacity: 0.6 } });
  data.push({ type: 'scatter', mode: 'markers', name: 'y (denoising form)', x: [y[0]], y: [y[1]], marker: { color: COLORS.truth, symbol: 'x', size: 11 } });
  return {
    data,
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { title: { text: 'x1' }, range: bounds[0] },
      yaxis: { title: { text: 'x2' }, range: bounds[1], scaleanchor: 'x' },
    },
  };
}

export interface SweepRow {
  corrector: 'ula' | 'mala';
  steps: number;
  distance: number;
  acceptance: number;
}

/** Distance to the exact posterior per number of corrector steps, ULA vs MALA, with the noise floor; MALA's acceptance. */
export function sweepSpec(rows: readonly SweepRow[], noiseFloor: number): PlotSpec {
  const by = (c: 'ula' | 'mala') => rows.filter((r) => r.corrector === c).sort((a, b) => a.steps - b.steps);
  const ula = by('ula');
  const mala = by('mala');
  const steps = [...new Set(rows.map((r) => r.steps))].sort((a, b) => a - b);
  const mAcc = mala.filter((r) => Number.isFinite(r.acceptance));
  return {
    data: [
      { type: 'scatter', mode: 'lines+markers', name: 'ULA', x: ula.map((r) => r.steps), y: ula.map((r) => r.distance), line: { color: COLORS.dsm } },
      { type: 'scatter', mode: 'lines+markers', name: 'MALA', x: mala.map((r) => r.steps), y: mala.map((r) => r.distance), line: { color: COLORS.acsm } },
      { type: 'scatter', mode: 'lines', name: 'noise floor (exact samples)', x: [steps[0] ?? 0, steps[steps.length - 1] ?? 1], y: [noiseFloor, noiseFloor], line: { color: COLORS.grey, dash: 'dash' } },
      { type: 'scatter', mode: 'lines+markers', name: 'MALA acceptance', x: mAcc.map((r) => r.steps), y: mAcc.map((r) => r.acceptance), yaxis: 'y2', line: { color: COLORS.acsm, dash: 'dot' }, marker: { symbol: 'square' } },
    ],
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { title: { text: 'corrector steps per level' } },
      yaxis: { title: { text: 'sliced W1 to exact p(x | y)' }, rangemode: 'tozero' },
      yaxis2: { title: { text: 'acceptance' }, overlaying: 'y', side: 'right', range: [0, 1], tickmode: 'linear', tick0: 0, dtick: 0.25, showgrid: false },
      margin: { r: 56 },
    },
  };
}

/** Σ paths of the annealing in the (σ1, σ2) log plane, one per schedule, with their distances in the legend. */
export function schedulePathSpec(paths: { name: string; path: readonly { sigma1: number; sigma2: number }[]; distance: number; color: string }[]): PlotSpec {
  return {
    data: paths.map((p) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: `${p.name} (W1 ${p.distance.toPrecision(3)})`,
      x: p.path.map((q) => Math.log10(q.sigma1)),
      y: p.path.map((q) => Math.log10(q.sigma2)),
      line: { color: p.color },
      marker: { size: 5 },
    })),
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: sigmaAxis('σ1 of Σ_t'),
      yaxis: { ...sigmaAxis('σ2 of Σ_t'), scaleanchor: 'x' },
    },
  };
}
