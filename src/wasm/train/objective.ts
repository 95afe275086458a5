/**
 * The training objectives of MATH.md section 2 in the σ-weighted forms of models/losses.ts, on the raw network
 * outputs of one batch, with their gradients w.r.t. those outputs (the WASM step back-propagates them). Float64 over
 * the float32 outputs; pure (no tfjs). Heads as ScoreModel.buildS2 builds S = σ² s2θ from the raw outputs (c the output
 * scale): full S = c (A + Aᵀ)/2; diag diag S = c·raw; lowrank S = diag(c v) + c U Uᵀ; psd S = −I + c diag(softplus(v +
 * shift)) + c U Uᵀ (raw = [v, U], U row-major D×r). With an s2 head the objective is D2SM(-VR) + γ DSM(-VR) on
 * hθ = S + o1 o1ᵀ (diag head: the diagonal forms), with the stop-gradient toggle on o1 o1ᵀ.
 *
 * Rows: group 0 is x + σz; with VR the last group is the clean x, and with an s2 head group 1 is x − σz.
 * Per sample, with R = H − (z zᵀ − I) and Dz = I − z zᵀ (diagonal forms: their diagonals):
 * - DSM ‖o1 + z‖², gradient 2(o1 + z); DSM-VR ‖o1₊‖² + 2⟨z, o1₊ − o1₀⟩, gradients 2(o1₊ + z) and −2z;
 * - D2SM ‖R‖²_F, gradient w.r.t. H 2R; D2SM-VR ½ Σ [H₊² + H₋² + 2 Dz ((H₊ − H₀) + (H₋ − H₀))], gradients H₊ + Dz,
 *   H₋ + Dz and −2 Dz;
 * - through H = S + o1 o1ᵀ with G = ∂/∂H: o1 gets (G + Gᵀ) o1 (diag: 2 G ⊙ o1) unless stopped; full A gets
 *   c (G + Gᵀ)/2, diag raw c G, U gets c (G + Gᵀ) U, v gets c G_ii (psd: c σ(v + shift) G_ii).
 * Every gradient is divided by n (the objective is the batch mean).
 */
import type { S2Kind } from '../../models/hyper.ts';

export interface WasmObjective {
  dim: number;
  s2: S2Kind;
  /** Rank r of U (lowrank and psd heads). */
  rank: number;
  /** The s2 head's output scale c (1 for models without one). */
  s2Scale: number;
  batch: number;
  vr: boolean;
  gamma: number;
  stopGrad: boolean;
}

/** Raw outputs (rows of stride `ld`) and where their gradients go (same layout; fully overwritten). */
export interface OutputBlock {
  out: Float32Array;
  grad: Float32Array;
  ld: number;
}

/**
 * The batch's [mean objective, its variance over the batch (as tf.moments), mean first-order term, mean second-order
 * term] from the s1 outputs o1 (and the s2 head's raw outputs), and their gradients. `z` is batch × dim.
 */
export function objectiveAndGradient(cfg: WasmObjective, o1: OutputBlock, o2: OutputBlock | null, z: Float32Array): [number, number, number, number] {
  const { dim: d, batch: n, vr, gamma } = cfg;
  const second = cfg.s2 !== 'none';
  if (second && !o2) throw new Error('the s2 head needs its outputs');
  const groups = vr ? (second ? 3 : 2) : 1;
  const inv = 1 / n;
  const w1 = (second ? gamma : 1) * 2 * inv;
  const out1 = o1.out;
  const g1 = o1.grad;
  const ld1 = o1.ld;
  g1.fill(0);
  const totals = new Float64Array(n);
  // First order, on rows x + σz (group 0) and, with VR, x (the last group).
  let sumFirst = 0;
  const clean = (groups - 1) * n;
  for (let t = 0; t < n; t++) {
    let first = 0;
    const p = t * ld1;
    const q = (clean + t) * ld1;
    for (let i = 0; i < d; i++) {
      const zi = z[t * d + i];
      const op = out1[p + i];
      if (vr) {
        first += op * op + 2 * zi * (op - out1[q + i]);
        g1[p + i] += w1 * (op + zi);
        g1[q + i] -= w1 * zi;
      } else {
        const r = op + zi;
        first += r * r;
        g1[p + i] += w1 * r;
      }
    }
    totals[t] = first;
    sumFirst += first;
  }
  const sumSecond = second ? secondOrder(cfg, o1, o2!, z, groups, totals) : 0;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += totals[t];
  mean /= n;
  let variance = 0;
  for (let t = 0; t < n; t++) variance += (totals[t] - mean) ** 2;
  return [mean, variance / n, sumFirst * inv, sumSecond * inv];
}

/**
 * The second-order term: adds its gradient to o1's and writes the s2 outputs' (`o2.grad`, overwritten); turns
 * `totals` (the first-order terms) into the per-sample objective second + γ first; returns the sum of second.
 */
function secondOrder(cfg: WasmObjective, o1: OutputBlock, o2: OutputBlock, z: Float32Array, groups: number, totals: Float64Array): number {
  const { dim: d, batch: n, vr, gamma, stopGrad, s2Scale: c, rank: r } = cfg;
  const kind = cfg.s2;
  const matrix = kind !== 'diag';
  const m = matrix ? d * d : d;
  const inv = 1 / n;
  // The PSD head's shift: c · softplus(shift) = 1, so raw v = 0 gives S = 0 (ScoreModel's psdShift).
  const shift = 1 / c + Math.log(-Math.expm1(-1 / c));
  const { out: out1, grad: g1, ld: ld1 } = o1;
  const { out: out2, grad: g2, ld: ld2 } = o2;
  g2.fill(0);
  const H = new Float64Array(groups * m);
  const G = new Float64Array(groups * m);
  const T = new Float64Array(m);
  let sum = 0;
  for (let t = 0; t < n; t++) {
    // T = z zᵀ − I (diagonal: z² − 1), and H = S + o1 o1ᵀ per row group.
    for (let i = 0; i < d; i++) {
      const zi = z[t * d + i];
      if (matrix) for (let j = 0; j < d; j++) T[i * d + j] = zi * z[t * d + j] - (i === j ? 1 : 0);
      else T[i] = zi * zi - 1;
    }
    for (let k = 0; k < groups; k++) {
      const a = (k * n + t) * ld2;
      const b = (k * n + t) * ld1;
      const h = k * m;
      for (let i = 0; i < d; i++) {
        if (!matrix) {
          H[h + i] = c * out2[a + i] + out1[b + i] * out1[b + i];
          continue;
        }
        for (let j = 0; j < d; j++) {
          let sij: number;
          if (kind === 'full') sij = 0.5 * c * (out2[a + i * d + j] + out2[a + j * d + i]);
          else {
            let uu = 0;
            for (let q = 0; q < r; q++) uu += out2[a + d + i * r + q] * out2[a + d + j * r + q];
            sij = c * uu;
            if (i === j) sij += kind === 'psd' ? c * softplus(out2[a + i] + shift) - 1 : c * out2[a + i];
          }
          H[h + i * d + j] = sij + out1[b + i] * out1[b + j];
        }
      }
    }
    // The objective and its gradient w.r.t. H.
    let s2 = 0;
    for (let e = 0; e < m; e++) {
      const te = T[e];
      if (!vr) {
        const res = H[e] - te;
        s2 += res * res;
        G[e] = 2 * res;
      } else {
        const hp = H[e];
        const hm = H[m + e];
        const h0 = H[2 * m + e];
        s2 += 0.5 * (hp * hp + hm * hm - 2 * te * (hp - h0 + (hm - h0)));
        G[e] = hp - te;
        G[m + e] = hm - te;
        G[2 * m + e] = 2 * te;
      }
    }
    sum += s2;
    totals[t] = s2 + gamma * totals[t];
    // Back to the raw outputs and o1.
    for (let k = 0; k < groups; k++) {
      const a = (k * n + t) * ld2;
      const b = (k * n + t) * ld1;
      const h = k * m;
      for (let i = 0; i < d; i++) {
        if (!matrix) {
          g2[a + i] += c * G[h + i] * inv;
          if (!stopGrad) g1[b + i] += 2 * out1[b + i] * G[h + i] * inv;
          continue;
        }
        let acc = 0;
        for (let j = 0; j < d; j++) {
          const sym = G[h + i * d + j] + G[h + j * d + i];
          acc += sym * out1[b + j];
          if (kind === 'full') g2[a + i * d + j] += 0.5 * c * sym * inv;
        }
        if (!stopGrad) g1[b + i] += acc * inv;
        if (kind === 'full') continue;
        // v, then U: ∂S/∂U = c (G + Gᵀ) U.
        const v = out2[a + i];
        g2[a + i] += c * (kind === 'psd' ? 1 / (1 + Math.exp(-(v + shift))) : 1) * G[h + i * d + i] * inv;
        for (let q = 0; q < r; q++) {
          let u = 0;
          for (let j = 0; j < d; j++) u += (G[h + i * d + j] + G[h + j * d + i]) * out2[a + d + j * r + q];
          g2[a + d + i * r + q] += c * u * inv;
        }
      }
    }
  }
  return sum;
}

/** log(1 + eˣ) in float64, without overflow. */
function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}
