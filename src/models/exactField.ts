/**
 * Exact score fields of analytic densities, in tfjs and batched over points (the ScoreField interface the
 * samplers and metrics use):
 *
 * - Gaussian mixtures (MATH.md section 6), closed form in any dimension: with the noise covariance σ²I,
 *   P_k = (C_k + σ²I)⁻¹, a_k = −P_k (x − μ_k), responsibilities r_k,
 *   s1 = Σ_k r_k a_k,  s2 = Σ_k r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ,  log q = logsumexp_k (log w_k + log N(x; μ_k, C_k + σ²I)).
 * - Other 2-D densities (grid ground truth): log p, s1 and s2 precomputed on a regular grid over the
 *   density's bounds from the core's closed forms (or its noisy version at σ), interpolated bilinearly.
 *   Outside the bounds the field continues as a Gaussian wall of width `wall` (a restoring force), so a chain
 *   that leaves the plot comes back instead of seeing a constant score.
 *
 * Each field also carries `source`, a plain description of what it evaluates (the float32 constants of the
 * mixture, or the grid table and its geometry), so an implementation without tfjs (the typed-array samplers of
 * `src/samplers/cpu/`) evaluates the same field.
 */
import * as tf from '@tensorflow/tfjs';
import type { Density, Gmm } from '../core/types.ts';
import { prepareGmm } from '../core/gmm.ts';
import type { ScoreField } from './scoreField.ts';

/**
 * A closed-form Gaussian mixture at noise level σ (MATH.md section 6) as the tfjs field holds it: per component
 * k the mean μ_k (`means`, [K·d]), the precision P_k = (C_k + σ²I)⁻¹ (`precisions`, [K·d·d], row-major) and
 * log w_k − ½ log det(C_k + σ²I) − (d/2) log 2π (`logConst`, [K]), all float32.
 */
export interface GmmFieldSource {
  kind: 'gmm';
  dim: number;
  K: number;
  means: Float32Array;
  precisions: Float32Array;
  logConst: Float32Array;
}

/**
 * A tabulated 2-D density: `table` holds, per node (i, j) of the `resolution`² grid at (lo₀ + i·cell₀, lo₁ + j·cell₁),
 * the channels log p, s1x, s1y, h11, h12, h22 at offset (i·resolution + j)·6; `lo`, `hi` and `cell` are float32
 * values; outside [lo, hi] the Gaussian wall of width `wall` continues the field (see the module note).
 */
export interface GridFieldSource {
  kind: 'grid';
  dim: 2;
  resolution: number;
  lo: [number, number];
  hi: [number, number];
  cell: [number, number];
  wall: number;
  table: Float32Array;
}

export type ExactFieldSource = GmmFieldSource | GridFieldSource;

/** A score field of an analytic density, with the plain description of what it evaluates. */
export interface ExactScoreField extends ScoreField {
  readonly source: ExactFieldSource;
}

/** The plain description of a field's source when it is an exact field, else undefined. */
export function exactSourceOf(field: ScoreField): ExactFieldSource | undefined {
  return (field as Partial<ExactScoreField>).source;
}

/**
 * The exact field of the Gaussian mixture `gmm` convolved with N(0, σ² I) (σ = 0: the mixture itself).
 * Every method is a pure tensor function of x [n, d].
 */
export function gmmScoreField(gmm: Gmm, sigma = 0): ExactScoreField {
  const d = gmm.dim;
  const prep = prepareGmm(gmm, sigma > 0 ? sigma : undefined);
  const K = prep.K;
  const mu = new Float32Array(K * d);
  const prec = new Float32Array(K * d * d);
  for (let k = 0; k < K; k++) {
    mu.set(prep.means[k], k * d);
    prec.set(prep.precisions[k], k * d * d);
  }
  const logc = Float32Array.from(prep.logConst);
  const muT = tf.tensor3d(mu, [K, 1, d]);
  const precT = tf.tensor3d(prec, [K, d, d]);
  const precDiagT = tf.tidy(() => tf.sum(tf.mul(precT, tf.eye(d).expandDims(0)), 2).expandDims(1)); // [K, 1, d]
  const logcT = tf.tensor2d(logc, [K, 1]);

  /** a_k = −P_k (x − μ_k) as [K, n, d], log w_k N(x; μ_k, ·) as [K, n], log q as [n], responsibilities [K, n]. */
  const parts = (x: tf.Tensor2D) => {
    const n = x.shape[0];
    const diff = tf.sub(tf.expandDims(x, 0), muT); // [K, n, d]
    const a = tf.neg(tf.matMul(diff, precT)); // P symmetric
    const quad = tf.sum(tf.mul(diff, a), 2); // = −(x−μ)ᵀP(x−μ), [K, n]
    const logN = tf.add(logcT, tf.mul(quad, 0.5));
    const logp = tf.logSumExp(logN, 0) as tf.Tensor1D;
    const r = tf.exp(tf.sub(logN, logp.reshape([1, n])));
    return { a, logp, r };
  };
  const s1Of = (a: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(tf.expandDims(r, 2), a), 0) as tf.Tensor2D;

  return {
    dim: d,
    source: { kind: 'gmm', dim: d, K, means: mu, precisions: prec, logConst: logc },
    score: (x) => tf.tidy(() => {
      const { a, r } = parts(x);
      return s1Of(a, r);
    }),
    hessianDiag: (x) => tf.tidy(() => {
      const { a, r } = parts(x);
      const s1 = s1Of(a, r);
      const t = tf.sum(tf.mul(tf.expandDims(r, 2), tf.sub(tf.square(a), precDiagT)), 0);
      return tf.sub(t, tf.square(s1)) as tf.Tensor2D;
    }),
    hessian: (x) => tf.tidy(() => {
      const { a, r } = parts(x);
      const s1 = s1Of(a, r);
      const outer = tf.mul(tf.expandDims(a, 3), tf.expandDims(a, 2)); // [K, n, d, d]
      const t = tf.sum(tf.mul(tf.reshape(r, [K, -1, 1, 1]), tf.sub(outer, tf.expandDims(precT, 1))), 0);
      return tf.sub(t, tf.mul(tf.expandDims(s1, 2), tf.expandDims(s1, 1))) as tf.Tensor3D;
    }),
    logp: (x) => tf.tidy(() => parts(x).logp),
    dispose() {
      muT.dispose();
      precT.dispose();
      precDiagT.dispose();
      logcT.dispose();
    },
  };
}

export interface GridFieldOptions {
  /** Nodes per axis (default 201). */
  resolution?: number;
  /** Width of the Gaussian wall outside the bounds (default 5% of the larger side). */
  wall?: number;
  /** Noise level: the field of q_σ = p * N(0, σ²I) from the density's `noisy(σ)` (default 0: p itself). */
  sigma?: number;
}

/** Channels stored per grid node: log p, s1x, s1y, h11, h12, h22. */
const CH = 6;

/**
 * A 2-D density's field by bilinear interpolation of log p, s1 and s2 tabulated on a grid over its bounds
 * (the core's closed forms, or its noisy version at σ). Outside the bounds: a Gaussian wall (see the module note).
 */
export function gridScoreField(density: Density, opts: GridFieldOptions = {}): ExactScoreField {
  if (density.dim !== 2 || !density.bounds) throw new Error(`grid score fields need a 2-D density with bounds; "${density.name}" has dimension ${density.dim}`);
  const G = opts.resolution ?? 201;
  const [[x0, x1], [y0, y1]] = density.bounds;
  const wall = opts.wall ?? 0.05 * Math.max(x1 - x0, y1 - y0);
  const sigma = opts.sigma ?? 0;
  const src = sigma > 0 ? density.noisy(sigma) : { logp: density.logp.bind(density), s1: density.score.bind(density), s2: density.hessian.bind(density) };
  const table = new Float32Array(G * G * CH);
  const p = new Float64Array(2);
  const dx = (x1 - x0) / (G - 1);
  const dy = (y1 - y0) / (G - 1);
  for (let i = 0; i < G; i++) {
    for (let j = 0; j < G; j++) {
      p[0] = x0 + i * dx;
      p[1] = y0 + j * dy;
      const o = (i * G + j) * CH;
      const s = src.s1(p);
      const h = src.s2(p);
      table[o] = Math.max(src.logp(p), -1e4);
      table[o + 1] = s[0];
      table[o + 2] = s[1];
      table[o + 3] = h[0];
      table[o + 4] = 0.5 * (h[1] + h[2]);
      table[o + 5] = h[3];
    }
  }
  for (let k = 0; k < table.length; k++) if (!Number.isFinite(table[k])) table[k] = 0;
  const tableT = tf.tensor2d(table, [G * G, CH]);
  const lo = tf.tensor1d([x0, y0]);
  const hi = tf.tensor1d([x1, y1]);
  const cell = tf.tensor1d([dx, dy]);

  /** Interpolated channels [n, 6] at the clamped point, and the offset x − clamp(x) [n, 2]. */
  const lookup = (x: tf.Tensor2D) => {
    const xc = tf.minimum(tf.maximum(x, lo), hi);
    const out = tf.sub(x, xc);
    const u = tf.minimum(tf.div(tf.sub(xc, lo), cell), G - 1 - 1e-4);
    const iu = tf.floor(u);
    const f = tf.sub(u, iu);
    const [i, j] = tf.unstack(iu, 1);
    const base = tf.add(tf.mul(i, G), j); // exact in float32 (G² < 2²⁴)
    const [fx, fy] = tf.unstack(f, 1).map((v) => tf.expandDims(v, 1));
    const at = (di: number, dj: number) => tf.gather(tableT, tf.cast(tf.add(base, di * G + dj), 'int32'));
    const v00 = at(0, 0);
    const v10 = at(1, 0);
    const v01 = at(0, 1);
    const v11 = at(1, 1);
    const a = tf.add(v00, tf.mul(fx, tf.sub(v10, v00)));
    const b = tf.add(v01, tf.mul(fx, tf.sub(v11, v01)));
    return { v: tf.add(a, tf.mul(fy, tf.sub(b, a))), out };
  };
  const w2 = wall * wall;
  const outside = (out: tf.Tensor) => tf.cast(tf.notEqual(out, 0), 'float32');

  const f32 = Math.fround;
  return {
    dim: 2,
    source: { kind: 'grid', dim: 2, resolution: G, lo: [f32(x0), f32(y0)], hi: [f32(x1), f32(y1)], cell: [f32(dx), f32(dy)], wall, table },
    score: (x) => tf.tidy(() => {
      const { v, out } = lookup(x);
      return tf.sub(tf.slice(v, [0, 1], [-1, 2]), tf.div(out, w2)) as tf.Tensor2D;
    }),
    hessianDiag: (x) => tf.tidy(() => {
      const { v, out } = lookup(x);
      const diag = tf.concat([tf.slice(v, [0, 3], [-1, 1]), tf.slice(v, [0, 5], [-1, 1])], 1);
      return tf.sub(diag, tf.div(outside(out), w2)) as tf.Tensor2D;
    }),
    hessian: (x) => tf.tidy(() => {
      const { v, out } = lookup(x);
      const o = tf.div(outside(out), w2);
      const [h11, h12, h22] = [3, 4, 5].map((c) => tf.squeeze(tf.slice(v, [0, c], [-1, 1]), [1]));
      const [o1, o2] = tf.unstack(o, 1);
      return tf.reshape(tf.stack([tf.sub(h11, o1), h12, h12, tf.sub(h22, o2)], 1), [-1, 2, 2]) as tf.Tensor3D;
    }),
    logp: (x) => tf.tidy(() => {
      const { v, out } = lookup(x);
      return tf.sub(tf.squeeze(tf.slice(v, [0, 0], [-1, 1]), [1]), tf.div(tf.sum(tf.square(out), 1), 2 * w2)) as tf.Tensor1D;
    }),
    dispose() {
      tableT.dispose();
      lo.dispose();
      hi.dispose();
      cell.dispose();
    },
  };
}

/**
 * The exact field of a registry density at noise level σ (default 0): closed form for Gaussian mixtures,
 * grid interpolation for the other 2-D densities.
 */
export function exactScoreField(density: Density, sigma = 0, grid: Omit<GridFieldOptions, 'sigma'> = {}): ExactScoreField {
  if (density.gmm) return gmmScoreField(density.gmm, sigma);
  return gridScoreField(density, { ...grid, sigma });
}
