/**
 * Pure plot-spec builders of the Digit inverse lab (issue 15): data in, Plotly spec out, unit-tested as plain objects
 * (test/unit/inverseDigits/plots.test.ts).
 *
 * - `blindHeatmapSpec`: log p(y | W, σ1) of a centred-box observation over the (W, σ1) grid, σ1 drawn in log10 with
 *   ticks labelled in σ1. The surface spans thousands of nats (a wrong σ1 costs every seen pixel), so the colour is
 *   a signed log of the gap to the maximum, −log10(1 + Δ), with ticks labelled in nats; hover gives Δ itself.
 *   The argmax (×) and the truth (★) are marked.
 * - `schedulePathSpec`: how Σ_t anneals per level under each schedule, as the geometric-mean variance of the hidden
 *   and of the seen pixels (log10).
 */
import type { Data } from 'plotly.js';
import { LEGEND_ABOVE, type PlotSpec } from '../../plot/spec.ts';

export const MODEL_LABELS = { acsm: 'A-DSM + A-CSM', dsm: 'A-DSM only' } as const;
export const COLORS = { geometric: '#7f7f7f', energy: '#1f77b4', truth: '#111', estimate: '#ff7f0e' } as const;
export const SCHEDULE_LABELS = { geometric: 'geometric', energy: 'energy-guided' } as const;

/** One model's blind surface as the engine returns it (models/inverse/blind.ts): rows σ1, columns W. */
export interface BlindSurfaceView {
  grid: { a: readonly number[]; b: readonly number[] };
  surface: readonly (readonly number[])[];
  estimate: { a: number; b: number };
}

/** Gaps to the maximum (nats) that get a labelled tick on the colour bar. */
const GAP_TICKS = [0, 1, 10, 100, 1000, 1e4, 1e5];

/** The colour value of a gap Δ ≥ 0 to the maximum: −log10(1 + Δ) (0 at the argmax). */
export function gapColor(gap: number): number {
  return gap > 0 ? -Math.log10(1 + gap) : 0;
}

/** Tick label of a gap: 0, −10, −100, −1e3 … */
function gapLabel(gap: number): string {
  if (gap === 0) return '0';
  return gap >= 1000 ? `−1e${Math.round(Math.log10(gap))}` : `−${gap}`;
}

/** log10 ticks labelled in σ1 over [lo, hi] (1-2-5 steps). */
export function sigmaTicks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  const tickvals: number[] = [];
  const ticktext: string[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) {
        tickvals.push(Math.log10(v));
        ticktext.push(String(Number(v.toPrecision(2))));
      }
    }
  }
  return { tickvals, ticktext };
}

/**
 * Heat-map of log p(y | W, σ1) − max over the grid (x: box size W, y: σ1 on a log scale), with the argmax and the
 * truth marked; `title` names the model and its estimate.
 */
export function blindHeatmapSpec(s: BlindSurfaceView, truth: { box: number; sigma1: number }, title: string): PlotSpec {
  let max = -Infinity;
  for (const row of s.surface) for (const v of row) if (Number.isFinite(v) && v > max) max = v;
  const gaps = s.surface.map((row) => row.map((v) => (Number.isFinite(v) ? max - v : NaN)));
  let maxGap = 0;
  for (const row of gaps) for (const g of row) if (Number.isFinite(g)) maxGap = Math.max(maxGap, g);
  // ticks up to one decade past the largest gap; the tick at 1 only where it does not crowd the one at 0
  const shown = GAP_TICKS.filter((g) => g === 0 || (g <= maxGap * 10 && (g !== 1 || maxGap < 100)));
  const ly = s.grid.b.map((v) => Math.log10(v));
  const mark = (w: number, sigma1: number, name: string, symbol: 'star' | 'x', color: string, size: number): Data => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: [w],
    y: [Math.log10(sigma1)],
    marker: { symbol, color, size, line: { color: '#fff', width: 1.5 } },
    hovertemplate: `${name}: W = ${w}, σ1 = ${Number(sigma1.toPrecision(3))}<extra></extra>`,
  });
  return {
    data: [
      {
        type: 'heatmap',
        x: [...s.grid.a],
        y: ly,
        z: gaps.map((row) => row.map((g) => (Number.isFinite(g) ? gapColor(g) : null))),
        customdata: gaps.map((row) => row.map((g) => (Number.isFinite(g) ? Number((-g).toPrecision(4)) : null))),
        zmin: gapColor(Math.max(1, maxGap)),
        zmax: 0,
        colorscale: 'Viridis',
        colorbar: { title: { text: 'log p − max (nats)' }, thickness: 10, tickvals: shown.map(gapColor), ticktext: shown.map(gapLabel) },
        hovertemplate: 'W = %{x}, log10 σ1 = %{y:.2f}: log p − max = %{customdata}<extra></extra>',
      } as Data,
      mark(truth.box, truth.sigma1, 'truth', 'star', COLORS.truth, 16),
      mark(s.estimate.a, s.estimate.b, 'argmax', 'x', COLORS.estimate, 13),
    ],
    layout: {
      title: { text: title, font: { size: 13 } },
      showlegend: true,
      legend: LEGEND_ABOVE,
      margin: { l: 56, r: 16, t: 64, b: 44 },
      xaxis: { title: { text: 'box size W (centred W×W hidden)' }, zeroline: false },
      yaxis: { title: { text: 'σ1 of the seen pixels' }, ...sigmaTicks(Math.min(...s.grid.b), Math.max(...s.grid.b)), zeroline: false },
    },
  };
}

/** A sentence comparing the two models' estimates with the truth. */
export function blindSentence(surfaces: readonly { model: 'acsm' | 'dsm'; estimate: { a: number; b: number } }[], truth: { box: number; sigma1: number }): string {
  const f = (v: number) => String(Number(v.toPrecision(2)));
  const parts = surfaces.map((s) => `${MODEL_LABELS[s.model]} estimates W = ${s.estimate.a}, σ1 = ${f(s.estimate.b)}`);
  return `Truth: W = ${truth.box}, σ1 = ${f(truth.sigma1)}. ${parts.join('; ')}.`;
}

/** One schedule's run: its per-level variances λ_0 … λ_L ([784] each) and which pixels are seen. */
export interface ScheduleRunView {
  schedule: 'geometric' | 'energy';
  lambdas: readonly ArrayLike<number>[];
  seen: ArrayLike<number>;
}

/** log10 of the geometric mean of λ over the pixels whose `seen` flag is `want` (NaN when there are none). */
export function meanLogVariance(lambda: ArrayLike<number>, seen: ArrayLike<number>, want: 0 | 1): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < lambda.length; i++) {
    if ((seen[i] ? 1 : 0) !== want) continue;
    s += Math.log10(Math.max(lambda[i], 1e-30));
    n++;
  }
  return n > 0 ? s / n : NaN;
}

/** Σ_t per level under each schedule: the geometric-mean variance of the hidden pixels (solid) and the seen ones (dotted). */
export function schedulePathSpec(runs: readonly ScheduleRunView[]): PlotSpec {
  const data: Data[] = [];
  for (const r of runs) {
    const x = r.lambdas.map((_, t) => t);
    for (const want of [0, 1] as const) {
      const y = r.lambdas.map((l) => meanLogVariance(l, r.seen, want));
      if (!y.some(Number.isFinite)) continue;
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${SCHEDULE_LABELS[r.schedule]}: ${want ? 'seen' : 'hidden'} pixels`,
        x,
        y,
        line: { color: COLORS[r.schedule], dash: want ? 'dot' : 'solid', width: 2 },
        marker: { size: 4 },
      });
    }
  }
  return {
    data,
    layout: {
      showlegend: true,
      legend: LEGEND_ABOVE,
      xaxis: { title: { text: 'level t' } },
      yaxis: { title: { text: 'log10 λ_t (geometric mean)' } },
      margin: { l: 56, r: 16, t: 56, b: 44 },
    },
  };
}
