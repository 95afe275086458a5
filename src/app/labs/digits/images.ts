/**
 * Pure helpers that turn 28 × 28 arrays into RGBA pixels (grey images, a sequential map for standard deviations,
 * a diverging map for eigenvectors), colour scales shared by images that are compared, export file names, views
 * of one image in a stack, and the class-change plot spec. Unit-tested as plain data.
 */
import { exportFileName } from '../../export/files.ts';
import { LEGEND_ABOVE, type PlotSpec } from '../../plot/spec.ts';

export type ColorMap = 'grey' | 'heat' | 'diverging';

/** How values become colours: the map, the value range [lo, hi] it spans, and what the values are (for the colour bar). */
export interface ImageScale {
  map: ColorMap;
  range: [number, number];
  label: string;
}

/** Pixel intensities in [0, 1] (0 black, 1 white); values outside are clipped. */
export const GREY_SCALE: ImageScale = { map: 'grey', range: [0, 1], label: 'pixel intensity (0 = black, 1 = white; clipped)' };

/**
 * One scale for several images compared side by side: the `map`'s range over all of them (heat [0, max],
 * diverging [−m, m]), so equal colours mean equal values in every image.
 */
export function sharedScale(images: readonly ArrayLike<number>[], map: Exclude<ColorMap, 'grey'>, label: string): ImageScale {
  let m = 0;
  for (const img of images) m = Math.max(m, valueRange(img, map)[1]);
  return { map, range: map === 'heat' ? [0, m] : [-m, m], label };
}

/** What an exported image shows and under which settings; `exportFileName` turns it into a file name. */
export interface ExportSetting {
  /** The image, e.g. "std", "eig1", "sample3" (letters, digits and dashes). */
  what: string;
  sigma: number;
  seed: number;
  /** The MNIST gallery digit it starts from, or -1 for a drawn digit. */
  digit: number;
}

/** `tweedie-digits-<what>[-mnist<digit>]-sigma<σ>-seed<seed>.png` (`exportFileName`): the lab, the image and the settings that made it. */
export function digitFileName({ what, sigma, seed, digit }: ExportSetting): string {
  return exportFileName('digits', what, [...(digit >= 0 ? [`mnist${digit}`] : []), `sigma${sigma}`], seed, 'png');
}

/** [lo, hi] for the map: grey [0, 1]; heat [0, max]; diverging symmetric [-m, m]. NaN values are ignored. */
export function valueRange(values: ArrayLike<number>, map: ColorMap): [number, number] {
  if (map === 'grey') return [0, 1];
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) m = Math.max(m, map === 'heat' ? v : Math.abs(v));
  }
  if (m === 0) m = 1;
  return map === 'heat' ? [0, m] : [-m, m];
}

function heat(t: number): [number, number, number] {
  // black → purple → orange → yellow-white
  const stops: [number, number, number][] = [
    [0, 0, 4],
    [87, 16, 110],
    [188, 55, 84],
    [249, 142, 9],
    [252, 255, 164],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]))) as [number, number, number];
}

/** RGBA bytes of an n × n image (NaN = checkered grey: not computed). */
export function toRgba(values: ArrayLike<number>, map: ColorMap, range = valueRange(values, map), n = 28): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n * n * 4);
  for (let i = 0; i < n * n; i++) out.set(colorOf(values[i], map, range, ((i % n) + Math.floor(i / n)) % 2 === 1), 4 * i);
  return out;
}

/** RGBA of one value under a map and range (NaN: a grey checker cell, dark or light by `odd`). */
export function colorOf(v: number, map: ColorMap, [lo, hi]: readonly [number, number], odd = false): [number, number, number, number] {
  if (!Number.isFinite(v)) {
    const g = odd ? 70 : 90;
    return [g, g, g, 255];
  }
  const t = (v - lo) / (hi - lo);
  if (map === 'grey') {
    const g = Math.round(255 * Math.min(1, Math.max(0, t)));
    return [g, g, g, 255];
  }
  if (map === 'heat') return [...heat(t), 255];
  const d = Math.min(1, Math.max(-1, v / hi));
  const f = Math.round(255 * (1 - Math.abs(d)));
  return d >= 0 ? [255, f, f, 255] : [f, f, 255, 255];
}

/** Pixels of a 28 × 28 image (models/digits/model.ts has the same D, but importing it would load tfjs here). */
export const PIXELS = 784;

/** The i-th 28 × 28 image of a row-major stack of images (a view, no copy). */
export function imageAt(stack: Float32Array, i: number): Float32Array {
  return stack.subarray(i * PIXELS, (i + 1) * PIXELS);
}

/** True when the image is not constant (what the e2e test checks on the panels). */
export function isNonBlank(values: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  return hi - lo > 1e-6;
}

export interface CurvePoint {
  step: number;
  langevin: number;
  ozaki: number;
}

/** Fraction of chains whose class changed vs step, Langevin and Ozaki (paper 1, Fig. 8a). */
export function classChangeSpec(curve: readonly CurvePoint[], epsL: number, epsO: number): PlotSpec {
  const x = curve.map((c) => c.step);
  return {
    data: [
      { type: 'scatter', mode: 'lines+markers', name: `Langevin (ε = ${epsL.toPrecision(3)})`, x, y: curve.map((c) => c.langevin), line: { color: '#1f77b4' } },
      { type: 'scatter', mode: 'lines+markers', name: `Ozaki (ε = ${epsO.toPrecision(3)})`, x, y: curve.map((c) => c.ozaki), line: { color: '#d62728' } },
    ],
    layout: {
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'class changed (fraction)' }, range: [0, 1.02], automargin: true },
      showlegend: true,
      legend: LEGEND_ABOVE,
      margin: { l: 60, r: 16, t: 36, b: 44 },
    },
  };
}

/** A colour-bar tick: 3 significant digits, exponent notation for tiny or huge values. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e4 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}
