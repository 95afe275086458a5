/**
 * Round numbers for axes, colour bars and contour levels.
 *
 * Explicit contour levels for Plotly `contour` traces. Plotly's automatic levels (`ncontours` alone) are computed
 * in its calc step and written back into the trace; when `Plotly.react` skips that step for an unchanged contour
 * (another trace or the layout changed), the fresh trace object has no levels and the draw throws "Cannot read
 * properties of undefined (reading 'z')". Every contour the labs draw therefore states its levels.
 */

/** The smallest of ±1, 2, 5 × 10^k at or above v (0 stays 0). */
export function niceCeil(v: number): number {
  if (v === 0) return 0;
  if (v < 0) return -niceFloor(-v);
  const base = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * base >= v * (1 - 1e-12)) return m * base;
  return 10 * base;
}

/** The largest of ±1, 2, 5 × 10^k at or below v (0 stays 0). */
export function niceFloor(v: number): number {
  if (v === 0) return 0;
  if (v < 0) return -niceCeil(-v);
  const base = 10 ** Math.floor(Math.log10(v));
  for (const m of [10, 5, 2, 1]) if (m * base <= v * (1 + 1e-12)) return m * base;
  return base;
}

export interface ContourLevels {
  start: number;
  end: number;
  size: number;
}

/** The 1-2-2.5-5 × 10^k step nearest above `raw` (the spacing of "round" contour values). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  const m = raw / base;
  const mult = m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10;
  return mult * base;
}

/**
 * About `n` contour levels at round values inside [lo, hi] (as Plotly's `ncontours` would pick). A constant or
 * empty range gives the single level `lo` (non-finite input gives level 0).
 */
export function contourLevels(lo: number, hi: number, n: number): ContourLevels {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { start: 0, end: 0, size: 1 };
  if (!(hi > lo)) return { start: lo, end: lo, size: 1 };
  const size = niceStep((hi - lo) / Math.max(1, n));
  const start = Math.ceil(lo / size - 1e-9) * size;
  const end = Math.floor(hi / size + 1e-9) * size;
  return start <= end ? { start, end, size } : { start: lo, end: lo, size: 1 };
}

/** The finite minimum and maximum of a grid's rows (±Infinity when it has no finite value). */
function gridRange(z: readonly (readonly (number | null)[])[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) {
    for (const v of row) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** About `n` explicit levels over the finite values of `z`: spread into a trace's `contours`, with `autocontour: false`. */
export function levelsOf(z: readonly (readonly (number | null)[])[], n: number): ContourLevels {
  const [lo, hi] = gridRange(z);
  return contourLevels(lo, hi, n);
}
