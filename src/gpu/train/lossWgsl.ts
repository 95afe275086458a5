/**
 * The training objectives of MATH.md section 2 and their gradients, written by hand in WGSL for the fused step,
 * in the σ-weighted units of `models/losses.ts` (o1 = σ s1θ, S = σ² s2θ, H = σ² hθ = S + o1 o1ᵀ):
 *
 * - DSM ‖o1 + z‖², ∂/∂o1 = 2(o1 + z); DSM-VR ‖o1₊‖² + 2⟨z, o1₊ − o1₀⟩, ∂/∂o1₊ = 2(o1₊ + z), ∂/∂o1₀ = −2z.
 * - D2SM ‖H − (zzᵀ − I)‖²_F, ∂/∂H = 2(H − (zzᵀ − I)); D2SM-VR ½Σ[H₊² + H₋² + 2Dz((H₊ − H₀) + (H₋ − H₀))] with
 *   Dz = I − zzᵀ, ∂/∂H± = H± + Dz, ∂/∂H₀ = −2Dz; the diagonal forms restricted to the diagonal.
 * - joint: D2SM(-VR) + γ DSM(-VR); the objective is the batch mean, so every gradient carries 1/B.
 *
 * `lossSample` writes a sample's loss parts and ∂/∂o1 (first-order term) for its rows, and ∂/∂H into EH;
 * `headBack` turns EH into the gradient of the raw s2 head (per head, `scoreModel.ts`'s S) and, without the
 * stop-gradient, adds the o1 o1ᵀ term's share to ∂/∂o1.
 *
 * To add a loss: a branch of `firstOrder` / `secondOrder` writing the per-sample value and its gradient w.r.t. o1
 * (DO1) and H (EH), next to its tfjs form in models/losses.ts. To add a head: `sEntry` (how S_ij, or diag(S)_i,
 * reads the raw outputs) and `headGrad` (the raw outputs' gradient from EH), next to `ScoreModel.buildS2`.
 */
import { s2IsFull } from '../../models/scoreModel.ts';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { f32Lit } from './literal.ts';

export interface LossOptions {
  vr: boolean;
  stopGrad: boolean;
}

/** softplus⁻¹(1/c): the PSD head's shift (as `ScoreModel`). */
function psdShift(c: number): number {
  const y = 1 / c;
  return y + Math.log(-Math.expm1(-y));
}

/** WGSL reading S_ij (full objective) or diag(S)_i (diagonal objective) of a row from its raw head outputs. */
function sEntry(spec: ScoreModelSpec): string {
  const c = spec.s2Scale ?? 1;
  const C = f32Lit(c);
  const raw = (q: string) => `S(r_RAW + rr * SM + ${q})`;
  switch (spec.s2) {
    case 'full':
      return `fn sAt(rr: u32, i: u32, j: u32) -> f32 { return (${raw('i * D + j')} + ${raw('j * D + i')}) * ${f32Lit(0.5 * c)}; }`;
    case 'diag':
      return `fn sdAt(rr: u32, i: u32) -> f32 { return ${raw('i')} * ${C}; }`;
    case 'lowrank':
    case 'psd': {
      const v = spec.s2 === 'psd' ? `softplusF(${raw('i')} + ${f32Lit(psdShift(c))}) * ${C} - 1.0` : `${raw('i')} * ${C}`;
      return `fn sAt(rr: u32, i: u32, j: u32) -> f32 {
  var uu = 0.0;
  for (var k = 0u; k < RANK; k++) { uu += ${raw('D + i * RANK + k')} * ${raw('D + j * RANK + k')}; }
  var vi = 0.0;
  if (i == j) { vi = ${v}; }
  return vi + uu * ${C};
}`;
    }
    case 'none':
      return '';
  }
}

/** WGSL of `headBack(rr)`: the raw head's gradient DRAW from EH = ∂L/∂H (chain rule through `sEntry`). */
function headGrad(spec: ScoreModelSpec): string {
  const c = spec.s2Scale ?? 1;
  const C = f32Lit(c);
  const raw = (q: string) => `S(r_RAW + rr * SM + ${q})`;
  const draw = (q: string, v: string) => `setS(r_DRAW + rr * SM + ${q}, ${v});`;
  const eh = (q: string) => `S(r_EH + rr * SEH + ${q})`;
  switch (spec.s2) {
    case 'full':
      return `for (var i = 0u; i < D; i++) { for (var j = 0u; j < D; j++) {
    ${draw('i * D + j', `${eh('i * D + j')} * ${f32Lit(0.5 * c)} + ${eh('j * D + i')} * ${f32Lit(0.5 * c)}`)}
  } }`;
    case 'diag':
      return `for (var i = 0u; i < D; i++) { ${draw('i', `${eh('i')} * ${C}`)} }`;
    case 'lowrank':
    case 'psd': {
      const dv = spec.s2 === 'psd' ? `${eh('i * D + i')} * ${C} * sigmoidF(${raw('i')} + ${f32Lit(psdShift(c))})` : `${eh('i * D + i')} * ${C}`;
      return `for (var i = 0u; i < D; i++) {
    ${draw('i', `${dv}`)}
    for (var k = 0u; k < RANK; k++) {
      var g = 0.0;
      for (var j = 0u; j < D; j++) { g += (${eh('i * D + j')} + ${eh('j * D + i')}) * ${raw('D + j * RANK + k')}; }
      ${draw('D + i * RANK + k', `g * ${C}`)}
    }
  }`;
    }
    case 'none':
      return '';
  }
}

/** WGSL of the first-order term: sets `first` and writes its gradient (weight `wf`) to DO1 of the sample's rows. */
function firstOrder(vr: boolean): string {
  if (!vr) {
    return `for (var i = 0u; i < D; i++) {
    let e = o1(r0, i) + zs(s, i);
    first += e * e;
    setS(r_DO1 + r0 * SD + i, wf * 2.0 * e);
  }`;
  }
  return `for (var i = 0u; i < D; i++) {
    let p = o1(r0, i);
    let z = zs(s, i);
    first += p * p + 2.0 * (z * (p - o1(r0 + 2u, i)));
    setS(r_DO1 + r0 * SD + i, wf * (2.0 * p + 2.0 * z));
    setS(r_DO1 + (r0 + 1u) * SD + i, 0.0);
    setS(r_DO1 + (r0 + 2u) * SD + i, wf * (-2.0 * z));
  }`;
}

/** WGSL of the second-order term: sets `second` and writes ∂/∂H (times 1/B) to EH of the sample's rows. */
function secondOrder(spec: ScoreModelSpec, vr: boolean): string {
  const eh = (row: string, q: string, v: string) => `setS(r_EH + (${row}) * SEH + ${q}, ${v});`;
  if (s2IsFull(spec.s2)) {
    const H = (row: string) => `(sAt(${row}, i, j) + o1(${row}, i) * o1(${row}, j))`;
    if (!vr) {
      return `for (var i = 0u; i < D; i++) { for (var j = 0u; j < D; j++) {
    let t = zs(s, i) * zs(s, j) - select(0.0, 1.0, i == j);
    let e = ${H('r0')} - t;
    second += e * e;
    ${eh('r0', 'i * D + j', `u.invBatch * 2.0 * e`)}
  } }
  `;
    }
    return `for (var i = 0u; i < D; i++) { for (var j = 0u; j < D; j++) {
    let dz = select(0.0, 1.0, i == j) - zs(s, i) * zs(s, j);
    let hp = ${H('r0')};
    let hm = ${H('r0 + 1u')};
    let h0 = ${H('r0 + 2u')};
    second += hp * hp + hm * hm + 2.0 * (dz * ((hp + hm) - 2.0 * h0));
    ${eh('r0', 'i * D + j', `u.invBatch * (hp + dz)`)}
    ${eh('r0 + 1u', 'i * D + j', `u.invBatch * (hm + dz)`)}
    ${eh('r0 + 2u', 'i * D + j', `u.invBatch * (-2.0 * dz)`)}
  } }
  second *= 0.5;`;
  }
  const Hd = (row: string) => `(sdAt(${row}, i) + o1(${row}, i) * o1(${row}, i))`;
  if (!vr) {
    return `for (var i = 0u; i < D; i++) {
    let e = ${Hd('r0')} - (zs(s, i) * zs(s, i) - 1.0);
    second += e * e;
    ${eh('r0', 'i', `u.invBatch * 2.0 * e`)}
  }`;
  }
  return `for (var i = 0u; i < D; i++) {
    let dz = 1.0 - zs(s, i) * zs(s, i);
    let hp = ${Hd('r0')};
    let hm = ${Hd('r0 + 1u')};
    let h0 = ${Hd('r0 + 2u')};
    second += hp * hp + hm * hm + 2.0 * (dz * ((hp + hm) - 2.0 * h0));
    ${eh('r0', 'i', `u.invBatch * (hp + dz)`)}
    ${eh('r0 + 1u', 'i', `u.invBatch * (hm + dz)`)}
    ${eh('r0 + 2u', 'i', `u.invBatch * (-2.0 * dz)`)}
  }
  second *= 0.5;`;
}

/** The o1 o1ᵀ term's share of ∂/∂o1 for one row (absent with the stop-gradient). */
function hThroughO1(spec: ScoreModelSpec): string {
  const eh = (q: string) => `S(r_EH + rr * SEH + ${q})`;
  if (s2IsFull(spec.s2)) {
    return `for (var k = 0u; k < D; k++) {
    var g = 0.0;
    for (var j = 0u; j < D; j++) { g += (${eh('k * D + j')} + ${eh('j * D + k')}) * o1(rr, j); }
    setS(r_DO1 + rr * SD + k, S(r_DO1 + rr * SD + k) + g);
  }`;
  }
  return `for (var i = 0u; i < D; i++) { setS(r_DO1 + rr * SD + i, S(r_DO1 + rr * SD + i) + 2.0 * o1(rr, i) * ${eh('i')}); }`;
}

/**
 * WGSL of the loss functions for a spec: `lossSample(s)` (local sample s; its rows start at s·RPS; writes its
 * [total, first, second, 0] at r_L + 4s) and, with an s2 head, `headBack(rr)` for one row. Needs the module's S, setS, setS4,
 * `u` and the region bases r_O1, r_DO1, r_RAW, r_DRAW, r_EH, r_Z, r_L with constants D, RANK, RPS and the row strides SD, SM, SEH.
 */
export function lossWgsl(spec: ScoreModelSpec, opt: LossOptions): string {
  const s2 = spec.s2 !== 'none';
  const common = `fn o1(rr: u32, i: u32) -> f32 { return S(r_O1 + rr * SD + i); }
fn zs(s: u32, i: u32) -> f32 { return S(r_Z + s * SD + i); }`;
  const sample = `fn lossSample(s: u32) {
  let r0 = s * RPS;
  let wf = ${s2 ? 'u.gamma * u.invBatch' : 'u.invBatch'};
  var first = 0.0;
  var second = 0.0;
  ${firstOrder(opt.vr)}
  ${s2 ? secondOrder(spec, opt.vr) : ''}
  setS4((r_L >> 2u) + s, vec4<f32>(${s2 ? 'second + u.gamma * first' : 'first'}, first, second, 0.0));
}`;
  if (!s2) return `${common}\n${sample}`;
  const back = `fn headBack(rr: u32) {
  ${headGrad(spec)}
  ${opt.stopGrad ? '' : hThroughO1(spec)}
}`;
  return `${common}\n${sEntry(spec)}\n${sample}\n${back}`;
}
