/**
 * Splits a lab's ordinary Plotly spec into the two layers of a live panel (`PlotlyPanel live`): the static layer
 * keeps the contours, the axes, a legend entry per scatter trace and a colour bar per heat-map (drawn with no data,
 * so legends and colour bars stay Plotly's); the dynamic layer gets the scatter, quiver and heat-map traces as
 * canvas layers (overlay.ts). A lab keeps writing one spec per panel and one set of tests for it; a panel made
 * live redraws its static layer only when that layer's value changes.
 *
 * Axes without a range of their own get one that holds all the data, rounded outwards to round values: it grows in
 * steps as the data grows (a loss curve redraws its axes a few times per decade of steps, not per report).
 *
 * A heat-map without a zmax gets one rounded up to 1, 2, 5 × 10^k, so its colour bar changes rarely.
 *
 * Not carried to the canvas: hover labels of the moving traces, fills, line shapes other than straight segments,
 * and heat-maps on irregular grids (those stay static).
 */
import type { Data, Layout } from 'plotly.js';
import { niceCeil, niceFloor } from './niceNumbers.ts';
import { VIRIDIS, type ColorStops } from './colorscale.ts';
import type { GridLayer, LineLayer, Overlay, OverlayLayer, PointLayer } from './overlay.ts';
import type { PlotSpec } from './spec.ts';

type Trace = Record<string, unknown> & { type?: string; x?: ArrayLike<number | null>; y?: ArrayLike<number | null> };
type Style = { color?: string; width?: number; dash?: string; size?: number | number[]; symbol?: string; opacity?: number; line?: { color?: string; width?: number } };

const DASHES: Record<string, number[]> = { dash: [6, 4], dot: [2, 3], dashdot: [6, 3, 2, 3], longdash: [10, 4] };
/** Plotly's default trace colours, in order (for traces that name none). */
const DEFAULT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function interleave(x: ArrayLike<number | null>, y: ArrayLike<number | null>): number[] {
  const n = Math.min(x.length, y.length);
  const xy = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = x[i] ?? NaN;
    xy[2 * i + 1] = y[i] ?? NaN;
  }
  return xy;
}

/** Quiver arrows (anchor at the tail, raw lengths) as line segments: shaft plus a two-stroke head. */
function arrows(t: Trace): number[] {
  const x = (t.x ?? []) as ArrayLike<number>;
  const y = (t.y ?? []) as ArrayLike<number>;
  const u = (t.u ?? []) as ArrayLike<number>;
  const v = (t.v ?? []) as ArrayLike<number>;
  const out: number[] = [];
  const head = 0.3;
  const spread = Math.PI / 7;
  for (let i = 0; i < x.length; i++) {
    const [x0, y0, x1, y1] = [x[i], y[i], x[i] + u[i], y[i] + v[i]];
    if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
    const len = Math.hypot(u[i], v[i]);
    const a = Math.atan2(v[i], u[i]);
    out.push(x0, y0, x1, y1, NaN, NaN);
    for (const s of [-1, 1]) out.push(x1, y1, x1 - head * len * Math.cos(a + s * spread), y1 - head * len * Math.sin(a + s * spread), NaN, NaN);
  }
  return out;
}

function markerOf(symbol: string | undefined): PointLayer['marker'] {
  if (!symbol) return 'dot';
  if (/^x|cross/.test(symbol)) return 'cross';
  if (/^diamond/.test(symbol)) return 'diamond';
  return 'dot';
}

/** The canvas layers of one scatter or quiver trace (none for a hidden one). */
export function traceLayers(t: Trace, index: number): OverlayLayer[] {
  if (t.visible === false || t.visible === 'legendonly') return [];
  const name = typeof t.name === 'string' ? t.name : undefined;
  const opacity = typeof t.opacity === 'number' ? t.opacity : 1;
  const fallback = DEFAULT_COLORS[index % DEFAULT_COLORS.length];
  if (t.type === 'quiver') {
    const m = (t.marker ?? {}) as Style;
    return [{ kind: 'lines', name, xy: arrows(t), color: m.color ?? fallback, width: m.line?.width ?? 1, opacity }];
  }
  const mode = typeof t.mode === 'string' ? t.mode : 'lines+markers';
  const xy = interleave(t.x ?? [], t.y ?? []);
  const layers: OverlayLayer[] = [];
  const line = (t.line ?? {}) as Style;
  const marker = (t.marker ?? {}) as Style;
  if (mode.includes('lines')) {
    const l: LineLayer = { kind: 'lines', name, xy, color: line.color ?? fallback, width: line.width ?? 2, opacity };
    if (line.dash && DASHES[line.dash]) l.dash = DASHES[line.dash];
    layers.push(l);
  }
  if (mode.includes('markers')) {
    const p: PointLayer = {
      kind: 'points',
      name,
      xy,
      color: marker.color ?? line.color ?? fallback,
      size: marker.size ?? 6,
      marker: markerOf(marker.symbol),
      opacity: opacity * (marker.opacity ?? 1),
    };
    if (marker.line?.color && (marker.line.width ?? 0) > 0 && p.marker !== 'cross') p.outline = marker.line.color;
    layers.push(p);
  }
  return layers;
}

/**
 * A range that holds `values`, its ends rounded outwards to 1, 2, 5 × 10^k (on a log axis, to half decades): growing
 * data (a step count, a falling loss) moves it about three times per decade, never back, and not once per report.
 */
export function roomyRange(values: number[], log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const raw of values) {
    const v = log ? (raw > 0 ? Math.log10(raw) : NaN) : raw;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (log) return [Math.floor(lo * 2) / 2, Math.max(Math.ceil(hi * 2) / 2, Math.floor(lo * 2) / 2 + 0.5)];
  const range: [number, number] = [niceFloor(lo), niceCeil(hi)];
  if (range[0] === range[1]) return [range[0] - Math.max(0.5, Math.abs(range[0]) / 2), range[1] + Math.max(0.5, Math.abs(range[1]) / 2)];
  return range;
}

/** A trace without its data and hover texts: what its legend entry needs. */
function legendStyle(t: Trace): Trace {
  const style: Trace = { ...t };
  for (const key of ['x', 'y', 'hovertemplate', 'hoverinfo', 'text']) delete style[key];
  return style;
}

const isMoving = (t: Trace): boolean => t.type === 'scatter' || t.type === 'quiver' || t.type === undefined;

/** Colour scales by name, as explicit stops (the heat-map's colour bar and its canvas use the same ones). */
const NAMED_SCALES: Record<string, ColorStops> = { Viridis: VIRIDIS };

/** Evenly spaced values: the first and the spacing (null when not evenly spaced within 1e-6 of the spacing). */
function spacing(v: ArrayLike<number>): { v0: number; dv: number } | null {
  if (v.length < 2) return null;
  const dv = (v[v.length - 1] - v[0]) / (v.length - 1);
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i] - v[i - 1] - dv) > 1e-6 * Math.abs(dv)) return null;
  return dv !== 0 && Number.isFinite(dv) ? { v0: v[0], dv } : null;
}

/**
 * A heat-map on an even grid with #rrggbb stops as a canvas layer, and the static colour-bar stand-in; null when it
 * cannot (irregular grid, unknown colour scale): it then stays a Plotly trace.
 */
function heatmapLayer(t: Trace): { layer: GridLayer; colorbar: Data } | null {
  const x = (t.x ?? []) as ArrayLike<number>;
  const y = (t.y ?? []) as ArrayLike<number>;
  const rows = (t.z ?? []) as ArrayLike<ArrayLike<number | null>>;
  const sx = spacing(x);
  const sy = spacing(y);
  const scale = typeof t.colorscale === 'string' ? NAMED_SCALES[t.colorscale] : (t.colorscale as ColorStops | undefined);
  if (!sx || !sy || !scale || rows.length !== y.length || t.reversescale) return null;
  const nx = x.length;
  const z = new Float64Array(nx * rows.length);
  let hi = -Infinity;
  for (let j = 0; j < rows.length; j++) {
    for (let i = 0; i < nx; i++) {
      const v = rows[j][i] ?? NaN;
      z[j * nx + i] = v;
      if (Number.isFinite(v) && v > hi) hi = v;
    }
  }
  const zmin = typeof t.zmin === 'number' ? t.zmin : 0;
  const zmax = typeof t.zmax === 'number' ? t.zmax : Math.max(niceCeil(hi), zmin + 1e-12);
  const name = typeof t.name === 'string' ? t.name : undefined;
  const layer: GridLayer = { kind: 'grid', name, x0: sx.v0, dx: sx.dv, y0: sy.v0, dy: sy.dv, nx, ny: rows.length, z, zmin, zmax, colorscale: scale };
  const style = legendStyle(t);
  delete style.z;
  // One transparent cell: Plotly draws no colour bar for a heat-map without a value.
  const colorbar = { ...style, type: 'heatmap', x: [sx.v0], y: [sy.v0], z: [[zmin]], zmin, zmax, colorscale: scale, opacity: 0, hoverinfo: 'skip' } as unknown as Data;
  return { layer, colorbar };
}

/** The static layer and the canvas layers of a spec (see the module note). */
export function splitLive(spec: PlotSpec): { background: PlotSpec; overlay: Overlay } {
  const traces = spec.data as Trace[];
  const background: Data[] = [];
  const layers: OverlayLayer[] = [];
  traces.forEach((t, i) => {
    const heat = t.type === 'heatmap' ? heatmapLayer(t) : null;
    if (heat) {
      layers.push(heat.layer);
      background.push(heat.colorbar);
      return;
    }
    if (!isMoving(t)) {
      background.push(t as Data);
      return;
    }
    layers.push(...traceLayers(t, i));
    // The legend entry: the trace's name and style, no data (legend-hidden traces are left out).
    if (t.showlegend !== false && t.type !== 'quiver') {
      background.push({ ...legendStyle(t), x: [null], y: [null], hoverinfo: 'skip' } as Data);
    }
  });
  const layout = spec.layout ?? {};
  /** Coordinate `c` (0: x, 1: y) of everything the canvas draws as points or lines (arrow tips included). */
  const values = (c: 0 | 1): number[] => {
    const out: number[] = [];
    for (const l of layers) if (l.kind !== 'grid') for (let k = c; k < l.xy.length; k += 2) out.push(l.xy[k]);
    return out;
  };
  const fit = (axis: Partial<Layout['xaxis']> | undefined, c: 0 | 1): Partial<Layout['xaxis']> | undefined => {
    if (axis?.range || axis?.autorange === false) return axis;
    const range = roomyRange(axis?.rangemode === 'tozero' ? [0, ...values(c)] : values(c), axis?.type === 'log');
    return range ? { ...axis, range, autorange: false } : axis;
  };
  return {
    background: { data: background, layout: { ...layout, xaxis: fit(layout.xaxis, 0), yaxis: fit(layout.yaxis, 1) } },
    overlay: { layers },
  };
}
