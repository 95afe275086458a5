/**
 * Exact score fields evaluated on typed arrays (no tfjs), from the plain description an exact field carries
 * (`ExactFieldSource`, src/models/exactField.ts): the same formulas and float32 constants as the tfjs field.
 *
 * - Gaussian mixture (MATH.md section 6): a_k = −P_k (x − μ_k), log N_k = c_k − ½ (x − μ_k)ᵀ P_k (x − μ_k),
 *   r = softmax_k(log N_k), s1 = Σ r_k a_k, s2 = Σ r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ, log q = logsumexp_k log N_k.
 *   The exponentials are taken relative to the largest log N_k, so K components cost K − 1 exp (two components:
 *   the responsibility is a logistic function of the difference, one exp).
 * - Tabulated 2-D density: bilinear interpolation of the six channels at the point clamped to the window, plus
 *   the Gaussian wall of width w outside it: s1 −= (x − clamp(x))/w², diag s2 −= 1/w² on the coordinates outside,
 *   log p −= ‖x − clamp(x)‖²/(2w²).
 */
import type { ExactFieldSource, GmmFieldSource, GridFieldSource } from '../../models/exactField.ts';

/** What to evaluate (bit flags). */
export const NEED_SCORE = 1;
export const NEED_DIAG = 2;
export const NEED_FULL = 4;
export const NEED_LOGP = 8;

/** Outputs of an evaluation at n points (each filled when asked for): s1 [n·d], diag s2 [n·d], s2 [n·d·d], log p [n]. */
export interface FieldOut {
  g: Float64Array;
  hd: Float64Array;
  h: Float64Array;
  logp: Float64Array;
}

export interface CpuField {
  readonly dim: number;
  /** Evaluates what `need` asks for at the n points x [n·d] (row-major) into `out`. */
  evaluate(x: Float32Array, n: number, need: number, out: FieldOut): void;
}

/** The typed-array evaluator of an exact field's source. */
export function cpuField(source: ExactFieldSource): CpuField {
  if (source.kind === 'grid') return gridField(source);
  if (source.dim !== 2) return gmmFieldD(source);
  return source.K === 2 ? gmmPair2(source) : gmmField2(source);
}

/**
 * Two components in 2-D (the registry's gmm2): r₁ = 1/(1 + e^{−δ}) with δ = log N₁ − log N₀ (at most one exp),
 * s1 = a₀ + r₁ (a₁ − a₀), log q = max(log N₀, log N₁) + log1p(e^{−|δ|}).
 */
function gmmPair2(src: GmmFieldSource): CpuField {
  const constants = Float64Array.from([...src.means, ...src.precisions, ...src.logConst]);
  return {
    dim: 2,
    evaluate(x, n, need, out) {
      const { g, hd, h, logp } = out;
      // Locals, not closure slots, in the hot loop.
      const [m00, m01, m10, m11, p00, p01, , p11, q00, q01, , q11, c0, c1] = constants;
      const second = (need & (NEED_DIAG | NEED_FULL)) !== 0;
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i];
        const x1 = x[2 * i + 1];
        const d00 = x0 - m00;
        const d01 = x1 - m01;
        const d10 = x0 - m10;
        const d11 = x1 - m11;
        const a00 = -(d00 * p00 + d01 * p01);
        const a01 = -(d00 * p01 + d01 * p11);
        const a10 = -(d10 * q00 + d11 * q01);
        const a11 = -(d10 * q01 + d11 * q11);
        const l0 = c0 + 0.5 * (d00 * a00 + d01 * a01);
        const l1 = c1 + 0.5 * (d10 * a10 + d11 * a11);
        const delta = l1 - l0;
        // e = e^{−|δ|} ≤ 1, so neither branch overflows. Beyond |δ| = 40 (deep in one component) the exp is
        // skipped: e < 5e-18 moves s1, s2 and log q by less than 5e-18·(1 + |a₁ − a₀|²), below double precision.
        const ad = Math.abs(delta);
        const e = ad > 40 ? 0 : Math.exp(-ad);
        const r1 = delta >= 0 ? 1 / (1 + e) : e / (1 + e);
        const r0 = 1 - r1;
        const s0 = a00 + r1 * (a10 - a00);
        const s1 = a01 + r1 * (a11 - a01);
        g[2 * i] = s0;
        g[2 * i + 1] = s1;
        if (need & NEED_LOGP) logp[i] = (delta >= 0 ? l1 : l0) + Math.log1p(e);
        if (second) {
          const h00 = r0 * (a00 * a00 - p00) + r1 * (a10 * a10 - q00) - s0 * s0;
          const h11 = r0 * (a01 * a01 - p11) + r1 * (a11 * a11 - q11) - s1 * s1;
          if (need & NEED_DIAG) {
            hd[2 * i] = h00;
            hd[2 * i + 1] = h11;
          }
          if (need & NEED_FULL) {
            const h01 = r0 * (a00 * a01 - p01) + r1 * (a10 * a11 - q01) - s0 * s1;
            h[4 * i] = h00;
            h[4 * i + 1] = h01;
            h[4 * i + 2] = h01;
            h[4 * i + 3] = h11;
          }
        }
      }
    },
  };
}

/** Two-dimensional mixture, unrolled over coordinates. */
function gmmField2(src: GmmFieldSource): CpuField {
  const K = src.K;
  const mu = Float64Array.from(src.means);
  const P = Float64Array.from(src.precisions);
  const c = Float64Array.from(src.logConst);
  const l = new Float64Array(K);
  const a0 = new Float64Array(K);
  const a1 = new Float64Array(K);
  return {
    dim: 2,
    evaluate(x, n, need, out) {
      const { g, hd, h, logp } = out;
      const second = (need & (NEED_DIAG | NEED_FULL)) !== 0;
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i];
        const x1 = x[2 * i + 1];
        let best = -Infinity;
        let kb = 0;
        for (let k = 0; k < K; k++) {
          const d0 = x0 - mu[2 * k];
          const d1 = x1 - mu[2 * k + 1];
          const p = 4 * k;
          const b0 = -(d0 * P[p] + d1 * P[p + 2]);
          const b1 = -(d0 * P[p + 1] + d1 * P[p + 3]);
          a0[k] = b0;
          a1[k] = b1;
          const lk = c[k] + 0.5 * (d0 * b0 + d1 * b1);
          l[k] = lk;
          if (lk > best) {
            best = lk;
            kb = k;
          }
        }
        // Weights relative to the largest component: e_k = exp(l_k − max), e_kb = 1.
        let sum = 1;
        for (let k = 0; k < K; k++) {
          if (k === kb) {
            l[k] = 1;
            continue;
          }
          const e = Math.exp(l[k] - best);
          l[k] = e;
          sum += e;
        }
        const inv = 1 / sum;
        let s0 = 0;
        let s1 = 0;
        for (let k = 0; k < K; k++) {
          const r = l[k] * inv;
          s0 += r * a0[k];
          s1 += r * a1[k];
        }
        g[2 * i] = s0;
        g[2 * i + 1] = s1;
        if (need & NEED_LOGP) logp[i] = best + Math.log(sum);
        if (second) {
          let t00 = 0;
          let t01 = 0;
          let t11 = 0;
          for (let k = 0; k < K; k++) {
            const r = l[k] * inv;
            const p = 4 * k;
            t00 += r * (a0[k] * a0[k] - P[p]);
            t01 += r * (a0[k] * a1[k] - P[p + 1]);
            t11 += r * (a1[k] * a1[k] - P[p + 3]);
          }
          const h00 = t00 - s0 * s0;
          const h01 = t01 - s0 * s1;
          const h11 = t11 - s1 * s1;
          if (need & NEED_DIAG) {
            hd[2 * i] = h00;
            hd[2 * i + 1] = h11;
          }
          if (need & NEED_FULL) {
            h[4 * i] = h00;
            h[4 * i + 1] = h01;
            h[4 * i + 2] = h01;
            h[4 * i + 3] = h11;
          }
        }
      }
    },
  };
}

/** A mixture in any dimension d. */
function gmmFieldD(src: GmmFieldSource): CpuField {
  const { K, dim: d } = src;
  const mu = Float64Array.from(src.means);
  const P = Float64Array.from(src.precisions);
  const c = Float64Array.from(src.logConst);
  const w = new Float64Array(K);
  const a = new Float64Array(K * d);
  const diff = new Float64Array(d);
  const s = new Float64Array(d);
  return {
    dim: d,
    evaluate(x, n, need, out) {
      const { g, hd, h, logp } = out;
      for (let i = 0; i < n; i++) {
        let best = -Infinity;
        let kb = 0;
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - mu[k * d + j];
          let quad = 0;
          for (let j = 0; j < d; j++) {
            let v = 0;
            for (let m = 0; m < d; m++) v -= diff[m] * P[(k * d + m) * d + j];
            a[k * d + j] = v;
            quad += diff[j] * v;
          }
          w[k] = c[k] + 0.5 * quad;
          if (w[k] > best) {
            best = w[k];
            kb = k;
          }
        }
        let sum = 1;
        for (let k = 0; k < K; k++) {
          if (k === kb) {
            w[k] = 1;
            continue;
          }
          w[k] = Math.exp(w[k] - best);
          sum += w[k];
        }
        for (let k = 0; k < K; k++) w[k] /= sum;
        s.fill(0);
        for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) s[j] += w[k] * a[k * d + j];
        g.set(s, i * d);
        if (need & NEED_LOGP) logp[i] = best + Math.log(sum);
        if (need & NEED_DIAG) {
          for (let j = 0; j < d; j++) {
            let t = 0;
            for (let k = 0; k < K; k++) t += w[k] * (a[k * d + j] * a[k * d + j] - P[(k * d + j) * d + j]);
            hd[i * d + j] = t - s[j] * s[j];
          }
        }
        if (need & NEED_FULL) {
          for (let j = 0; j < d; j++) {
            for (let m = 0; m < d; m++) {
              let t = 0;
              for (let k = 0; k < K; k++) t += w[k] * (a[k * d + j] * a[k * d + m] - P[(k * d + j) * d + m]);
              h[(i * d + j) * d + m] = t - s[j] * s[m];
            }
          }
        }
      }
    },
  };
}

/** Channel `ch` interpolated bilinearly between the nodes at offsets p00, p10, p01, p11 (as the tfjs lookup). */
function bilerp(T: Float32Array, p00: number, p10: number, p01: number, p11: number, fx: number, fy: number, ch: number): number {
  const va = T[p00 + ch] + fx * (T[p10 + ch] - T[p00 + ch]);
  const vb = T[p01 + ch] + fx * (T[p11 + ch] - T[p01 + ch]);
  return va + fy * (vb - va);
}

/** The tabulated 2-D density, as `gridScoreField` interpolates it (float32 geometry, same clamping and flooring). */
function gridField(src: GridFieldSource): CpuField {
  const G = src.resolution;
  const T = src.table;
  const [lo0, lo1] = src.lo;
  const [hi0, hi1] = src.hi;
  const [cell0, cell1] = src.cell;
  const f32 = Math.fround;
  const uMax = f32(G - 1 - 1e-4);
  const w2 = f32(src.wall * src.wall);
  const twoW2 = f32(2 * src.wall * src.wall);
  const invW2 = 1 / w2;
  return {
    dim: 2,
    evaluate(x, n, need, out) {
      const { g, hd, h, logp } = out;
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i];
        const x1 = x[2 * i + 1];
        const c0 = x0 < lo0 ? lo0 : x0 > hi0 ? hi0 : x0;
        const c1 = x1 < lo1 ? lo1 : x1 > hi1 ? hi1 : x1;
        // NaN coordinates stay NaN (as tf.minimum/maximum propagate them); the chain is then diverged.
        const o0 = x0 - c0;
        const o1 = x1 - c1;
        let u0 = f32(f32(c0 - lo0) / cell0);
        let u1 = f32(f32(c1 - lo1) / cell1);
        if (u0 > uMax) u0 = uMax;
        if (u1 > uMax) u1 = uMax;
        const i0 = Math.floor(u0);
        const j0 = Math.floor(u1);
        const fx = u0 - i0;
        const fy = u1 - j0;
        const p00 = (i0 * G + j0) * 6;
        const p10 = p00 + G * 6;
        const p01 = p00 + 6;
        const p11 = p10 + 6;
        if (need & NEED_SCORE) {
          g[2 * i] = bilerp(T, p00, p10, p01, p11, fx, fy, 1) - o0 / w2;
          g[2 * i + 1] = bilerp(T, p00, p10, p01, p11, fx, fy, 2) - o1 / w2;
        }
        if (need & (NEED_DIAG | NEED_FULL)) {
          const h00 = bilerp(T, p00, p10, p01, p11, fx, fy, 3) - (o0 !== 0 ? invW2 : 0);
          const h11 = bilerp(T, p00, p10, p01, p11, fx, fy, 5) - (o1 !== 0 ? invW2 : 0);
          if (need & NEED_DIAG) {
            hd[2 * i] = h00;
            hd[2 * i + 1] = h11;
          }
          if (need & NEED_FULL) {
            const h01 = bilerp(T, p00, p10, p01, p11, fx, fy, 4);
            h[4 * i] = h00;
            h[4 * i + 1] = h01;
            h[4 * i + 2] = h01;
            h[4 * i + 3] = h11;
          }
        }
        if (need & NEED_LOGP) logp[i] = bilerp(T, p00, p10, p01, p11, fx, fy, 0) - (o0 * o0 + o1 * o1) / twoW2;
      }
    },
  };
}
