/**
 * One step of each sampler of MATH.md section 3 on typed arrays, batched over chains (rows of x), with the
 * conventions of `kernels.ts` (so that Ozaki reduces exactly to Langevin at H = 0):
 *
 *   Langevin  x ← x + (ε/2) g + √ε ξ
 *   Ozaki     x ← x + M g + V^{1/2} ξ,   M = (ε/2) φ(εH/2),   V = ε φ(εH),   φ(a) = expm1(a)/a
 *
 * φ is evaluated by its series below |a| < PHI_SERIES_THRESHOLD (as the tfjs kernels do), so H = 0 gives
 * M = (ε/2) I and V = ε I bit for bit. The noise (ξ [n·d], log U [n]) is an input: the same draws give the same
 * step as the tfjs kernels, up to float32 rounding. Arithmetic is in float64.
 */
import { PHI_SERIES_THRESHOLD, type MoveOptions } from '../kernels.ts';
import { NEED_DIAG, NEED_FULL, NEED_LOGP, NEED_SCORE, type CpuField, type FieldOut } from './field.ts';

/**
 * Ozaki drift and noise scales at curvature h (MATH.md section 3): m = (ε/2) φ(εh/2), √v = √(ε φ(εh)),
 * written into out[0], out[1], with φ(a) = expm1(a)/a, or its series 1 + a/2 + a²/6 + a³/24 + a⁴/120 where
 * |a| < PHI_SERIES_THRESHOLD (as kernels.ts `phi`). Outside the series, (ε/2) φ(εh/2) = expm1(εh/2)/h and
 * ε φ(εh) = expm1(εh)/h, and one expm1 serves both: expm1(2b) = expm1(b)·(expm1(b) + 2).
 */
function ozakiScales(h: number, eps: number, out: Float64Array): void {
  const b = (eps / 2) * h;
  const a = eps * h;
  if (Math.abs(a) < PHI_SERIES_THRESHOLD) {
    // |b| < |a|: both by their series (at h = 0 exactly ε/2 and √ε, Langevin's scales).
    out[0] = (eps / 2) * (1 + b * (1 / 2 + b * (1 / 6 + b * (1 / 24 + b * (1 / 120)))));
    out[1] = Math.sqrt(eps * (1 + a * (1 / 2 + a * (1 / 6 + a * (1 / 24 + a * (1 / 120))))));
    return;
  }
  const e = Math.expm1(b);
  const inv = 1 / h;
  out[0] = Math.abs(b) < PHI_SERIES_THRESHOLD ? (eps / 2) * (1 + b * (1 / 2 + b * (1 / 6 + b * (1 / 24 + b * (1 / 120))))) : e * inv;
  out[1] = Math.sqrt(e * (e + 2) * inv);
}

/** Buffers one set of chains reuses from step to step (n chains of dimension d). */
export class MoveWorkspace {
  /** The field at the current points, and at the MALA proposals. */
  readonly here: FieldOut;
  readonly there: FieldOut;
  /** MALA proposals [n·d]. */
  readonly prop: Float32Array;
  /** MALA: 1 where the proposal was accepted. */
  readonly accepted: Uint8Array;
  readonly scales = new Float64Array(2);

  constructor(
    readonly n: number,
    readonly d: number,
  ) {
    const out = (): FieldOut => ({ g: new Float64Array(n * d), hd: new Float64Array(n * d), h: new Float64Array(d === 2 ? n * 4 : 0), logp: new Float64Array(n) });
    this.here = out();
    this.there = out();
    this.prop = new Float32Array(n * d);
    this.accepted = new Uint8Array(n);
  }
}

/**
 * MALA's cache: score and log density at the current points (`ws.here.g`, `ws.here.logp`) while `valid`
 * (the tfjs ChainSet's `ChainCache`): one field evaluation per step.
 */
export interface MalaCache {
  valid: boolean;
}

/**
 * One step of `opts.kind` from x [n·d] with noise ξ [n·d] (and log U [n] for MALA) into `next` [n·d]. MALA also
 * writes `ws.accepted` and keeps the score and log density of the chains' new points in `ws.here` (cache.valid).
 * `next` may not alias x.
 */
export function cpuMove(
  field: CpuField,
  ws: MoveWorkspace,
  x: Float32Array,
  xi: Float64Array,
  logU: Float64Array | undefined,
  opts: MoveOptions,
  cache: MalaCache,
  next: Float32Array,
): void {
  const { n, d } = ws;
  const eps = opts.step;
  const half = eps / 2;
  const sq = Math.sqrt(eps);
  const { g, hd, h } = ws.here;
  switch (opts.kind) {
    case 'langevin': {
      field.evaluate(x, n, NEED_SCORE, ws.here);
      for (let i = 0; i < n * d; i++) next[i] = x[i] + half * g[i] + sq * xi[i];
      cache.valid = false;
      return;
    }
    case 'ozaki': {
      field.evaluate(x, n, NEED_SCORE | NEED_DIAG, ws.here);
      const sc = ws.scales;
      for (let i = 0; i < n * d; i++) {
        const hh = opts.clamp && hd[i] > 0 ? 0 : hd[i];
        ozakiScales(hh, eps, sc);
        next[i] = x[i] + sc[0] * g[i] + sc[1] * xi[i];
      }
      cache.valid = false;
      return;
    }
    case 'ozaki-full': {
      if (d !== 2) throw new Error(`ozaki-full is implemented for 2-D targets only (this one has dimension ${d}); use ozaki.`);
      field.evaluate(x, n, NEED_SCORE | NEED_FULL, ws.here);
      const sc = ws.scales;
      for (let i = 0; i < n; i++) {
        const a = h[4 * i];
        const b = 0.5 * (h[4 * i + 1] + h[4 * i + 2]);
        const c = h[4 * i + 3];
        // Closed-form eigen-decomposition (kernels.ts eigSym2): θ = ½ atan2(2b, a − c), by half-angle formulas.
        const mid = 0.5 * (a + c);
        const hd2 = 0.5 * (a - c);
        const rad = Math.sqrt(hd2 * hd2 + b * b);
        let cs = 1;
        let sn = 0;
        if (rad > 0) {
          const c2 = hd2 / rad; // cos 2θ
          const s2 = b / rad; // sin 2θ
          if (c2 >= 0) {
            cs = Math.sqrt(0.5 * (1 + c2));
            sn = s2 / (2 * cs);
          } else {
            sn = Math.sqrt(0.5 * (1 - c2));
            if (s2 < 0) sn = -sn;
            cs = s2 / (2 * sn);
          }
        }
        let l1 = mid + rad;
        let l2 = mid - rad;
        if (opts.clamp) {
          if (l1 > 0) l1 = 0;
          if (l2 > 0) l2 = 0;
        }
        const g1 = g[2 * i];
        const g2 = g[2 * i + 1];
        const z1 = xi[2 * i];
        const z2 = xi[2 * i + 1];
        // Qᵀ v, scale by m(λ) and √v(λ), Q w.
        ozakiScales(l1, eps, sc);
        const w1 = sc[0] * (cs * g1 + sn * g2) + sc[1] * (cs * z1 + sn * z2);
        ozakiScales(l2, eps, sc);
        const w2 = sc[0] * (cs * g2 - sn * g1) + sc[1] * (cs * z2 - sn * z1);
        next[2 * i] = x[2 * i] + (cs * w1 - sn * w2);
        next[2 * i + 1] = x[2 * i + 1] + (sn * w1 + cs * w2);
      }
      cache.valid = false;
      return;
    }
    case 'mala': {
      if (!logU) throw new Error('MALA needs log-uniform draws.');
      if (!cache.valid) field.evaluate(x, n, NEED_SCORE | NEED_LOGP, ws.here);
      const lp = ws.here.logp;
      const prop = ws.prop;
      for (let i = 0; i < n * d; i++) prop[i] = x[i] + half * g[i] + sq * xi[i];
      field.evaluate(prop, n, NEED_SCORE | NEED_LOGP, ws.there);
      const gp = ws.there.g;
      const lpp = ws.there.logp;
      const k = -1 / (2 * eps);
      for (let i = 0; i < n; i++) {
        // log q(x | x') − log q(x' | x) with q(a | b) = N(a; b + (ε/2) g(b), ε I).
        let back = 0;
        let fwd = 0;
        for (let j = 0; j < d; j++) {
          const o = i * d + j;
          const rb = x[o] - prop[o] - half * gp[o];
          const rf = prop[o] - x[o] - half * g[o];
          back += rb * rb;
          fwd += rf * rf;
        }
        const logAlpha = lpp[i] - lp[i] + k * (back - fwd);
        // NaN in logAlpha compares false: the proposal is rejected.
        const acc = logU[i] < logAlpha;
        ws.accepted[i] = acc ? 1 : 0;
        for (let j = 0; j < d; j++) {
          const o = i * d + j;
          if (acc) {
            next[o] = prop[o];
            g[o] = gp[o];
          } else next[o] = x[o];
        }
        if (acc) lp[i] = lpp[i];
      }
      cache.valid = true;
      return;
    }
  }
}
