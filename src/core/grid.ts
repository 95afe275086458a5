/**
 * Regular 2-D grids: the evaluation lattices of the plots (density, score and uncertainty fields) and of
 * numerical integration (the normaliser check of MATH.md section 5).
 */

/** n equally spaced values from a to b inclusive (n ≥ 2; n = 1 gives [a]). */
export function linspace(a: number, b: number, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`linspace: n must be a positive integer, got ${n}`);
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = a;
    return out;
  }
  const h = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = a + i * h;
  out[n - 1] = b;
  return out;
}

/** A 2-D grid: nx values along x, ny along y; point (i, j) is (xs[i], ys[j]), flattened with x fastest. */
export interface Grid2 {
  xs: Float64Array;
  ys: Float64Array;
  nx: number;
  ny: number;
}

/** The grid of nx × ny points covering bounds [[xmin, xmax], [ymin, ymax]]. */
export function makeGrid(bounds: [[number, number], [number, number]], nx: number, ny = nx): Grid2 {
  return { xs: linspace(bounds[0][0], bounds[0][1], nx), ys: linspace(bounds[1][0], bounds[1][1], ny), nx, ny };
}

/**
 * meshgrid: the coordinates X, Y (each ny*nx, row j = y index, column i = x index: the layout of Plotly's
 * heatmap/contour `z[j][i]`).
 */
export function meshgrid(xs: ArrayLike<number>, ys: ArrayLike<number>): { X: Float64Array; Y: Float64Array } {
  const nx = xs.length;
  const ny = ys.length;
  const X = new Float64Array(nx * ny);
  const Y = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      X[j * nx + i] = xs[i];
      Y[j * nx + i] = ys[j];
    }
  }
  return { X, Y };
}

/** The grid's points as a row-major batch (ny*nx rows of 2 coordinates, x fastest): input to batched models. */
export function gridPoints(g: Grid2): Float64Array {
  const pts = new Float64Array(g.nx * g.ny * 2);
  for (let j = 0; j < g.ny; j++) {
    for (let i = 0; i < g.nx; i++) {
      const k = j * g.nx + i;
      pts[2 * k] = g.xs[i];
      pts[2 * k + 1] = g.ys[j];
    }
  }
  return pts;
}

/** f evaluated at every grid point: a ny*nx array (row j = y index), the layout of `meshgrid`. */
export function evalGrid(g: Grid2, f: (x: Float64Array) => number): Float64Array {
  const out = new Float64Array(g.nx * g.ny);
  const p = new Float64Array(2);
  for (let j = 0; j < g.ny; j++) {
    for (let i = 0; i < g.nx; i++) {
      p[0] = g.xs[i];
      p[1] = g.ys[j];
      out[j * g.nx + i] = f(p);
    }
  }
  return out;
}

/** Splits a ny*nx array into rows (z[j][i]), the nested form Plotly expects. */
export function toRows(values: ArrayLike<number>, nx: number, ny: number): number[][] {
  return Array.from({ length: ny }, (_, j) => Array.from({ length: nx }, (_, i) => values[j * nx + i]));
}

/** ∫∫ f over the grid's rectangle by the 2-D trapezoid rule, from values on the grid (ny*nx). */
export function trapezoid2(g: Grid2, values: ArrayLike<number>): number {
  const wx = trapezoidWeights(g.xs);
  const wy = trapezoidWeights(g.ys);
  let s = 0;
  for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) s += wx[i] * wy[j] * values[j * g.nx + i];
  return s;
}

/**
 * log ∫∫ exp(logf) over the grid's rectangle (trapezoid rule, stable): e.g. the log normaliser of an energy
 * model, −log Z check of MATH.md section 5.
 */
export function logTrapezoid2(g: Grid2, logValues: ArrayLike<number>): number {
  let m = -Infinity;
  for (let k = 0; k < logValues.length; k++) if (logValues[k] > m) m = logValues[k];
  if (!Number.isFinite(m)) return m;
  const shifted = Float64Array.from(logValues as ArrayLike<number>, (v) => Math.exp(v - m));
  return m + Math.log(trapezoid2(g, shifted));
}

function trapezoidWeights(xs: Float64Array): Float64Array {
  const n = xs.length;
  const w = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const h = xs[i + 1] - xs[i];
    w[i] += h / 2;
    w[i + 1] += h / 2;
  }
  return w;
}
