/** Pure plot builders of the Scores lab (src/app/labs/scores/plots.ts), as plain objects. */
import { describe, expect, it } from 'vitest';
import {
  COLORS,
  dataSpec,
  glyphScale,
  glyphSpec,
  gridRows,
  lossSpec,
  metricsRows,
  mseWinner,
  pushHistory,
  quantile,
  s1Error,
  s1Scale,
  s2Error,
  subgrid,
  varianceSpec,
  vectorFieldSpec,
  type FieldsView,
  type LossPoint,
} from '../../../src/app/labs/scores/plots.ts';

/** A 5 × 4 grid over [-2, 2] × [-1.5, 1.5] with the field of N(0, I) at σ = 0.5: s1 = −x/1.25, s2 = −I/1.25. */
function view(): FieldsView {
  const nx = 5;
  const ny = 4;
  const xs = Array.from({ length: nx }, (_, i) => -2 + i);
  const ys = Array.from({ length: ny }, (_, j) => -1.5 + j);
  const n = nx * ny;
  const s1 = new Float32Array(2 * n);
  const s2 = new Float32Array(4 * n);
  const logp = new Float32Array(n);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      s1[2 * k] = -xs[i] / 1.25;
      s1[2 * k + 1] = -ys[j] / 1.25;
      s2.set([-0.8, 0, 0, -0.8], 4 * k);
      logp[k] = -(xs[i] ** 2 + ys[j] ** 2) / 2;
    }
  }
  return {
    sigma: 0.5,
    bounds: [
      [-2, 2],
      [-1.5, 1.5],
    ],
    nx,
    ny,
    xs,
    ys,
    truth: { logp, logq: logp, s1, s2 },
    s1: s1.map((v) => v * 1.1),
    s2Direct: s2.map((v) => v + 0.1),
    s2Autodiff: s2,
    data: [0, 0, 1, 1],
    noisy: [0.1, 0, 1, 1.2],
  };
}

describe('scores plot builders', () => {
  it('grid values map to Plotly z[j][i] (index j*nx + i), floored below max − depth', () => {
    const z = gridRows([0, 1, 2, 3, 4, -100], 3, 2, 10);
    expect(z).toEqual([
      [0, 1, 2],
      [3, 4, -6],
    ]);
    expect(gridRows([1, NaN], 2, 1)).toEqual([[1, -Infinity]]);
  });

  it('sub-grids stay inside the grid and thin it to about `per` points per axis', () => {
    const idx = subgrid(25, 25, 12);
    expect(idx.length).toBe(12 * 12);
    expect(Math.max(...idx)).toBeLessThan(625);
    expect(subgrid(5, 4, 10)).toEqual(Array.from({ length: 20 }, (_, k) => k));
  });

  it('data panel: contours of log p, the data and (optionally) the noisy samples', () => {
    const f = view();
    const spec = dataSpec(f, true);
    expect(spec.data.map((d) => d.type)).toEqual(['contour', 'scatter', 'scatter']);
    expect((spec.data[1] as { x: number[] }).x).toEqual([0, 1]);
    expect(dataSpec(f, false).data.length).toBe(2);
  });

  it('vector fields share a scale: the longest true arrow spans 0.9 of a cell; learned arrows scale the same way', () => {
    const f = view();
    const scale = s1Scale(f, 10);
    const truth = vectorFieldSpec(f, f.truth.s1, COLORS.truth, scale, 10).data[1] as unknown as { u: number[]; v: number[]; type: string };
    const learned = vectorFieldSpec(f, f.s1, COLORS.learned, scale, 10).data[1] as unknown as { u: number[]; v: number[] };
    expect(truth.type).toBe('quiver');
    const longest = Math.max(...truth.u.map((u, i) => Math.hypot(u, truth.v[i])));
    expect(longest).toBeCloseTo(0.9 * (3 / 10), 6); // cell = min(4, 3) / per
    learned.u.forEach((u, i) => expect(u).toBeCloseTo(1.1 * truth.u[i], 5));
  });

  it('errors: ‖Δs1‖ per point, and per s2 component or Frobenius norm', () => {
    const f = view();
    const e1 = s1Error(f);
    const k = 2 * 5 + 4; // x = 2, y = 0.5
    expect(e1[k]).toBeCloseTo(0.1 * Math.hypot(2, 0.5) / 1.25, 5);
    expect(s2Error(f, f.s2Direct!, '11')[k]).toBeCloseTo(0.1, 6);
    expect(s2Error(f, f.s2Direct!, '12')[k]).toBeCloseTo(0.1, 6);
    expect(s2Error(f, f.s2Direct!, 'fro')[k]).toBeCloseTo(0.2, 6);
    expect(s2Error(f, f.s2Autodiff!, 'fro').every((v) => v === 0)).toBe(true);
    expect(quantile([[3, 1, 2], [NaN, 4]], 0.5)).toBe(3);
  });

  it('curvature crosses: segments along the eigenvectors, half-length ∝ |λ|, split by sign', () => {
    const f = view();
    // One point with s2 = diag(−4, +1) (rotation-free): a long negative segment along x, a short positive along y.
    const s2 = new Float32Array(4 * 20);
    s2.set([-4, 0, 0, 1], 0);
    const spec = glyphSpec({ ...f, truth: { ...f.truth, s2 } }, s2, 'cross', 0.1, 10);
    const neg = spec.data[1] as { x: (number | null)[]; y: (number | null)[]; line: { color: string } };
    const pos = spec.data[2] as { x: (number | null)[]; y: (number | null)[]; line: { color: string } };
    expect(neg.line.color).toBe(COLORS.concave);
    expect(pos.line.color).toBe(COLORS.convex);
    // A key says which colour is which sign.
    expect(spec.layout?.showlegend).toBe(true);
    expect([(neg as { name?: string }).name, (pos as { name?: string }).name]).toEqual(['curvature < 0 (log q concave)', 'curvature > 0 (convex)']);
    // Point 0 is (−2, −1.5): negative segment from x = −2.4 to −1.6 at y = −1.5.
    expect(neg.x.slice(0, 2).map((v) => Math.abs((v as number) + 2))).toEqual([expect.closeTo(0.4, 6), expect.closeTo(0.4, 6)]);
    expect(neg.y.slice(0, 2)).toEqual([expect.closeTo(-1.5, 6), expect.closeTo(-1.5, 6)]);
    expect(Math.abs((pos.y[0] as number) - (pos.y[1] as number))).toBeCloseTo(0.2, 6);
    // All other points have s2 = 0: zero-length segments, still drawn as (point, point).
    expect(glyphScale(f, 'cross', 10)).toBeCloseTo((0.45 * 0.3) / 0.8, 6);
  });

  it('covariance ellipses: radii √(σ⁴λ + σ²); points where σ⁴ s2 + σ² I is not PSD are marked instead', () => {
    const f = view();
    const s2 = new Float32Array(f.truth.s2);
    s2.set([-20, 0, 0, -0.8], 0); // σ⁴λ + σ² = 0.0625·(−20) + 0.25 < 0 at point 0
    const spec = glyphSpec(f, s2, 'ellipse', 1, 10);
    const ell = spec.data[1] as { x: (number | null)[]; y: (number | null)[] };
    const bad = spec.data[2] as { x: number[]; y: number[] };
    expect(bad.x).toEqual([-2]);
    expect(bad.y).toEqual([-1.5]);
    // The first ellipse drawn is at point 1 (−1, −1.5), a circle of radius √(0.0625·(−0.8) + 0.25) = √0.2.
    const circle = ell.x.slice(0, 25).map((x, i) => Math.hypot((x as number) + 1, (ell.y[i] as number) + 1.5));
    circle.forEach((r) => expect(r).toBeCloseTo(Math.sqrt(0.2), 5));
  });

  it('loss curves: one trace per run of equal VR setting, joined at the switch; variance on a log axis', () => {
    const h: LossPoint[] = [
      { step: 1, loss: 9, variance: 100, vr: false },
      { step: 2, loss: 8, variance: 90, vr: false },
      { step: 3, loss: 7.5, variance: 1, vr: true },
      { step: 4, loss: 7.4, variance: 0.9, vr: true },
    ];
    const spec = lossSpec(h);
    expect(spec.data.length).toBe(2);
    const [plain, vr] = spec.data as { x: number[]; y: number[]; name: string; line: { color: string } }[];
    expect(plain.x).toEqual([1, 2]);
    expect(vr.x).toEqual([2, 3, 4]);
    expect(vr.name).toBe('with VR');
    expect(vr.line.color).toBe(COLORS.vr);
    expect((varianceSpec(h).layout!.yaxis as { type: string }).type).toBe('log');
    expect((varianceSpec(h).data[1] as { y: number[] }).y).toEqual([90, 1, 0.9]);
  });

  it('history: appending past the cap halves the resolution of the older half', () => {
    let h: LossPoint[] = [];
    for (let i = 0; i < 11; i++) h = pushHistory(h, { step: i, loss: i, variance: 1, vr: false }, 10);
    expect(h.length).toBeLessThanOrEqual(10);
    expect(h[h.length - 1].step).toBe(10);
    expect(h.map((p) => p.step)).toEqual([...h.map((p) => p.step)].sort((a, b) => a - b));
  });

  it('metrics rows and the Table 1 winner', () => {
    const m = { s1Mse: 0.01, s2MseDirect: 0.5, s2MseAutodiff: 0.7, psdViolationRate: 0.02, msPerEvalDirect: 1.5, msPerEvalAutodiff: 12, n: 500, step: 100 };
    const rows = metricsRows(m);
    expect(rows[1]).toEqual(['MSE of s2 (Table 1)', '0.500', '0.700']);
    expect(rows[3][1]).toBe('2.0 %');
    expect(mseWinner(m)).toBe('direct');
    expect(mseWinner({ ...m, s2MseDirect: 0.9 })).toBe('autodiff');
    expect(mseWinner({ ...m, s2MseDirect: null, psdViolationRate: null })).toBeNull();
    expect(metricsRows({ ...m, s2MseDirect: null, psdViolationRate: null })[3][1]).toBe('–');
  });
});
