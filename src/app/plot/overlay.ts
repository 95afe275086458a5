/**
 * The dynamic layer of a live panel: points, polylines and heat-map grids in data coordinates, drawn on a canvas kept over the
 * Plotly plot area (the static layer: contours, heat-maps, axes). Redrawing this layer costs a canvas clear and a
 * few thousand path segments (well under a millisecond for the Samplers panels), where `Plotly.react` of the same
 * traces re-ran the contour and the whole SVG (the reason the Samplers animation ran at 3 frames/s).
 *
 * Linear and log axes. Plain data in, so specs are unit-testable; `drawOverlay` is the only function that touches a
 * canvas.
 */

import { colorAt, type ColorStops } from './colorscale.ts';

export type { ColorStops };

/** Points; `marker` 'cross' draws × (diverged chains), 'dot' a filled disc, 'diamond' a filled diamond (with an optional outline). */
export interface PointLayer {
  kind: 'points';
  /** What the layer shows (the panel lists it on its canvas for the e2e tests). */
  name?: string;
  /** Interleaved x0, y0, x1, y1, ...; non-finite pairs are skipped. */
  xy: ArrayLike<number>;
  color: string;
  /** Diameter in CSS pixels: one for all points, or one per point. */
  size: number | ArrayLike<number>;
  marker?: 'dot' | 'cross' | 'diamond';
  opacity?: number;
  outline?: string;
}

/** Polylines; a non-finite pair ends one polyline (the next finite pair starts another). */
export interface LineLayer {
  kind: 'lines';
  name?: string;
  xy: ArrayLike<number>;
  color: string;
  width: number;
  opacity?: number;
  /** Dash pattern in CSS pixels (canvas setLineDash); solid when absent. */
  dash?: number[];
}

/**
 * A heat-map on a regular grid: cell (i, j) is centred at (x0 + i·dx, y0 + j·dy) and holds z[j·nx + i]; values are
 * coloured on `colorscale` between zmin and zmax (clamped), non-finite values are left transparent.
 */
export interface GridLayer {
  kind: 'grid';
  name?: string;
  x0: number;
  dx: number;
  y0: number;
  dy: number;
  nx: number;
  ny: number;
  z: ArrayLike<number>;
  zmin: number;
  zmax: number;
  colorscale: ColorStops;
  opacity?: number;
}

export type OverlayLayer = PointLayer | LineLayer | GridLayer;

/** What a panel's overlay draws, bottom layer first. */
export interface Overlay {
  layers: OverlayLayer[];
}

/** One axis as Plotly laid it out: pixel offset and length of the plot area, and the shown data range. */
export interface AxisFrame {
  offset: number;
  length: number;
  /** In data units; for a log axis in decades (log10 of the data), as Plotly keeps it. */
  range: [number, number];
  log?: boolean;
}

/** The axis coordinate of a value: itself, or log10 of it on a log axis (NaN where a log axis cannot show it). */
function coordinate(ax: AxisFrame, v: number): number {
  return ax.log ? (v > 0 ? Math.log10(v) : NaN) : v;
}

/** Data x to the canvas's CSS pixel column (left to right). */
export function xToPixel(ax: AxisFrame, x: number): number {
  return ax.offset + ((coordinate(ax, x) - ax.range[0]) / (ax.range[1] - ax.range[0])) * ax.length;
}

/** Data y to the canvas's CSS pixel row (top to bottom: the range's top is at `offset`). */
export function yToPixel(ax: AxisFrame, y: number): number {
  return ax.offset + ((ax.range[1] - coordinate(ax, y)) / (ax.range[1] - ax.range[0])) * ax.length;
}

/** The number of points and segment ends a layer draws, or of finite cells of a grid (for tests and the bench). */
export function countMarks(layer: OverlayLayer): number {
  let n = 0;
  if (layer.kind === 'grid') {
    for (let k = 0; k < layer.z.length; k++) if (Number.isFinite(layer.z[k])) n++;
    return n;
  }
  for (let i = 0; i + 1 < layer.xy.length; i += 2) if (Number.isFinite(layer.xy[i]) && Number.isFinite(layer.xy[i + 1])) n++;
  return n;
}

/** Draws the layers on `ctx` (CSS pixel units), clipped to the plot area of `xa` × `ya`. */
export function drawOverlay(ctx: CanvasRenderingContext2D, overlay: Overlay, xa: AxisFrame, ya: AxisFrame): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(xa.offset, ya.offset, xa.length, ya.length);
  ctx.clip();
  for (const layer of overlay.layers) {
    ctx.globalAlpha = layer.opacity ?? 1;
    if (layer.kind === 'lines') drawLines(ctx, layer, xa, ya);
    else if (layer.kind === 'grid') drawGrid(ctx, layer, xa, ya);
    else drawPoints(ctx, layer, xa, ya);
  }
  ctx.restore();
}

function drawLines(ctx: CanvasRenderingContext2D, layer: LineLayer, xa: AxisFrame, ya: AxisFrame): void {
  ctx.strokeStyle = layer.color;
  ctx.lineWidth = layer.width;
  ctx.lineJoin = 'round';
  ctx.setLineDash(layer.dash ?? []);
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i + 1 < layer.xy.length; i += 2) {
    // Non-finite data (a break) maps to a non-finite pixel, as does a non-positive value on a log axis.
    const px = xToPixel(xa, layer.xy[i]);
    const py = yToPixel(ya, layer.xy[i + 1]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    pen = true;
  }
  ctx.stroke();
}

function drawPoints(ctx: CanvasRenderingContext2D, layer: PointLayer, xa: AxisFrame, ya: AxisFrame): void {
  const sizes = layer.size;
  const cross = layer.marker === 'cross';
  ctx.setLineDash([]);
  ctx.beginPath();
  for (let i = 0; i + 1 < layer.xy.length; i += 2) {
    const r = (typeof sizes === 'number' ? sizes : (sizes[i / 2] ?? 0)) / 2;
    const px = xToPixel(xa, layer.xy[i]);
    const py = yToPixel(ya, layer.xy[i + 1]);
    if (!(r > 0) || !Number.isFinite(px) || !Number.isFinite(py)) continue;
    if (cross) {
      ctx.moveTo(px - r, py - r);
      ctx.lineTo(px + r, py + r);
      ctx.moveTo(px - r, py + r);
      ctx.lineTo(px + r, py - r);
    } else if (layer.marker === 'diamond') {
      ctx.moveTo(px, py - r);
      ctx.lineTo(px + r, py);
      ctx.lineTo(px, py + r);
      ctx.lineTo(px - r, py);
      ctx.closePath();
    } else {
      ctx.moveTo(px + r, py);
      ctx.arc(px, py, r, 0, 2 * Math.PI);
    }
  }
  if (cross) {
    ctx.strokeStyle = layer.color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    return;
  }
  ctx.fillStyle = layer.color;
  ctx.fill();
  if (layer.outline) {
    ctx.strokeStyle = layer.outline;
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}

/** The grid's image, one pixel per cell (made once per layer: zooms and relayouts repaint the same layer). */
const tiles = new WeakMap<GridLayer, OffscreenCanvas>();

function gridTile(layer: GridLayer): OffscreenCanvas {
  const cached = tiles.get(layer);
  if (cached) return cached;
  // 256 colours of the scale, looked up per cell.
  const lut = Array.from({ length: 256 }, (_, k) => colorAt(layer.colorscale, k / 255));
  const image = new ImageData(layer.nx, layer.ny);
  const span = layer.zmax - layer.zmin || 1;
  for (let j = 0; j < layer.ny; j++) {
    for (let i = 0; i < layer.nx; i++) {
      const v = layer.z[j * layer.nx + i];
      if (!Number.isFinite(v)) continue;
      const [r, g, b] = lut[Math.round(255 * Math.min(1, Math.max(0, (v - layer.zmin) / span)))];
      // Image rows run top to bottom; grid rows bottom to top.
      const o = 4 * ((layer.ny - 1 - j) * layer.nx + i);
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  const tile = new OffscreenCanvas(layer.nx, layer.ny);
  tile.getContext('2d')?.putImageData(image, 0, 0);
  tiles.set(layer, tile);
  return tile;
}

function drawGrid(ctx: CanvasRenderingContext2D, layer: GridLayer, xa: AxisFrame, ya: AxisFrame): void {
  if (xa.log || ya.log || layer.nx < 1 || layer.ny < 1) return;
  const left = xToPixel(xa, layer.x0 - layer.dx / 2);
  const right = xToPixel(xa, layer.x0 + (layer.nx - 0.5) * layer.dx);
  const top = yToPixel(ya, layer.y0 + (layer.ny - 0.5) * layer.dy);
  const bottom = yToPixel(ya, layer.y0 - layer.dy / 2);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(gridTile(layer), left, top, right - left, bottom - top);
}
