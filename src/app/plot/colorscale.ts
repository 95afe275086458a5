/**
 * Colour scales as explicit stops, shared by Plotly colour bars and the canvas layer (both must show the same
 * colours), and the colour at a point of a scale.
 */

/** A colour scale: [t in 0..1, #rrggbb] stops, increasing t. */
export type ColorStops = [number, string][];

/** matplotlib's viridis at eighths (the stops of Plotly's 'Viridis' at those points). */
export const VIRIDIS: ColorStops = [
  [0, '#440154'],
  [0.125, '#472d7b'],
  [0.25, '#3b528b'],
  [0.375, '#2c728e'],
  [0.5, '#21918c'],
  [0.625, '#28ae80'],
  [0.75, '#5ec962'],
  [0.875, '#addc30'],
  [1, '#fde725'],
];

/** The RGB bytes of t on a scale, linear between stops; t is clamped to [0, 1] and a non-finite t is the top. */
export function colorAt(stops: ColorStops, t: number): [number, number, number] {
  const u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 1;
  let i = 0;
  while (i < stops.length - 2 && u > stops[i + 1][0]) i++;
  const [t0, c0] = stops[i];
  const [t1, c1] = stops[Math.min(i + 1, stops.length - 1)];
  const f = t1 > t0 ? (u - t0) / (t1 - t0) : 0;
  const ch = (c: string, k: number) => parseInt(c.slice(1 + 2 * k, 3 + 2 * k), 16);
  return [0, 1, 2].map((k) => Math.round(ch(c0, k) + f * (ch(c1, k) - ch(c0, k)))) as [number, number, number];
}

/** `colorAt` as a #rrggbb string. */
export function hexAt(stops: ColorStops, t: number): string {
  return `#${colorAt(stops, t)
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('')}`;
}
