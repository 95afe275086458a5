/**
 * Pure helpers that turn 28 × 28 arrays into RGBA pixels (grey images, a sequential map for standard deviations,
 * a diverging map for eigenvectors), views of one image in a stack, and the class-change plot spec. Unit-tested as plain data.
 */
import type { PlotSpec } from '../../plot/spec.ts';

export type ColorMap = 'grey' | 'heat' | 'diverging';

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
  const [lo, hi] = range;
  for (let i = 0; i < n * n; i++) {
    const v = values[i];
    let rgb: [number, number, number];
    if (!Number.isFinite(v)) {
      const g = ((i % n) + Math.floor(i / n)) % 2 ? 70 : 90;
      rgb = [g, g, g];
    } else if (map === 'grey') {
      const g = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
      rgb = [g, g, g];
    } else if (map === 'heat') {
      rgb = heat((v - lo) / (hi - lo));
    } else {
      const t = Math.min(1, Math.max(-1, v / hi));
      rgb = t >= 0 ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))] : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
    }
    out.set([...rgb, 255], 4 * i);
  }
  return out;
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
      yaxis: { title: { text: 'fraction of chains whose class changed' }, range: [0, 1] },
      legend: { orientation: 'h', y: -0.25 },
      margin: { l: 60, r: 10, t: 10, b: 60 },
    },
  };
}
