/**
 * The fused sampler step in WGSL: one invocation per chain runs `steps` iterations of one sampler of MATH.md
 * section 3, score evaluation included, with the conventions of src/samplers/kernels.ts:
 *
 *   Langevin    x ← x + (ε/2) g + √ε ξ
 *   Ozaki       x ← x + M g + V^{1/2} ξ,  M = (ε/2) φ(εH/2),  V = ε φ(εH),  φ(a) = expm1(a)/a
 *               (series 1 + a/2 + a²/6 + a³/24 + a⁴/120 for |a| < 0.1), per coordinate with h = diag H
 *               (`ozaki`) or on the closed-form 2×2 eigen-decomposition of H (`ozaki-full`); clamp: h, λ ← min(·, 0)
 *   MALA        proposal x' = x + (ε/2) g + √ε ξ, accepted when log U < log α,
 *               log α = log p(x') − log p(x) + log q(x | x') − log q(x' | x), q(a | b) = N(a; b + (ε/2) g(b), ε I);
 *               the score and log density of the current point are cached per chain.
 *
 * and the bookkeeping of `Chains` (src/samplers/chainsApi.ts): a chain whose new position has a non-finite
 * coordinate or |x_i − center_i| > bound is frozen at its last position and the iteration recorded; MALA
 * acceptances are counted per chain. The noise of iteration t is drawn in the shader from (seed, t, chain)
 * (rng.ts), or read from a buffer laid out [step][chain][ξ_1..ξ_D, log U] (parity tests).
 */
import type { SamplerKind } from '../../samplers/kernels.ts';
import { PHI_SERIES_THRESHOLD } from '../../samplers/kernels.ts';
import { RNG_WGSL } from './rng.ts';
import type { CompiledSource } from './source.ts';

/** Invocations per workgroup (one chain each). */
export const WORKGROUP_SIZE = 64;

/** Bytes of the parameter block (one slot of the uniform buffer, padded to the 256-byte offset alignment). */
export function paramsBytes(d: number): number {
  return 64 + 16 * Math.ceil(d / 4);
}

/**
 * Values of the uniform block `Params` for one dispatch. Field order and types follow the WGSL struct below.
 * ε-derived constants are rounded from float64 as tfjs rounds its scalar operands (ε/2, √ε, −1/(2ε)).
 */
export interface StepParams {
  n: number;
  steps: number;
  /** Iterations done before this dispatch (its first step is iteration t0 + 1). */
  t0: number;
  seed: number;
  eps: number;
  bound: number;
  clamp: boolean;
  record: boolean;
  noiseFromBuffer: boolean;
  /** Index of this dispatch's first step within the call (frames and noise buffers). */
  base: number;
  cacheValid: boolean;
  center: readonly number[];
}

export function packParams(p: StepParams, d: number): ArrayBuffer {
  const buf = new ArrayBuffer(paramsBytes(d));
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  u[0] = p.n;
  u[1] = p.steps;
  u[2] = p.t0;
  u[3] = Math.trunc(p.seed) >>> 0;
  f[4] = p.eps;
  f[5] = p.eps / 2;
  f[6] = Math.sqrt(p.eps);
  f[7] = -1 / (2 * p.eps);
  f[8] = p.bound;
  u[9] = p.clamp ? 1 : 0;
  u[10] = p.record ? 1 : 0;
  u[11] = p.noiseFromBuffer ? 1 : 0;
  u[12] = p.base;
  u[13] = p.cacheValid ? 1 : 0;
  for (let i = 0; i < d; i++) f[16 + i] = p.center[i];
  return buf;
}

/** The second-order score a sampler needs from its source. */
export function hessianNeed(kind: SamplerKind): 'none' | 'diag' | 'full' {
  return kind === 'ozaki' ? 'diag' : kind === 'ozaki-full' ? 'full' : 'none';
}

const MOVES: Record<SamplerKind, string> = {
  langevin: /* wgsl */ `
    fx = x; evalField();
    for (var i = 0u; i < D; i++) { xn[i] = x[i] + fG[i] * P.halfEps + xi[i] * P.sqrtEps; }`,
  ozaki: /* wgsl */ `
    fx = x; evalField();
    for (var i = 0u; i < D; i++) {
      var h = fH[i * D + i];
      if (P.clampH != 0u) { h = min(h, 0.0); }
      let m = phi(h * P.halfEps) * P.halfEps;
      let sv = sqrt(phi(h * P.eps) * P.eps);
      xn[i] = x[i] + m * fG[i] + sv * xi[i];
    }`,
  'ozaki-full': /* wgsl */ `
    fx = x; evalField();
    let a = fH[0];
    let b = 0.5 * (fH[1] + fH[2]);
    let c = fH[3];
    let mid = (a + c) * 0.5;
    let hd = (a - c) * 0.5;
    let rad = sqrt(hd * hd + b * b);
    // θ = ½ atan2(2b, a − c); at a repeated eigenvalue (b = 0, a = c) θ is irrelevant: take 0.
    let th = select(0.5 * atan2(2.0 * b, a - c), 0.0, b == 0.0 && a == c);
    let co = cos(th);
    let si = sin(th);
    var l1 = mid + rad;
    var l2 = mid - rad;
    if (P.clampH != 0u) { l1 = min(l1, 0.0); l2 = min(l2, 0.0); }
    let m1 = phi(l1 * P.halfEps) * P.halfEps;
    let m2 = phi(l2 * P.halfEps) * P.halfEps;
    let s1 = sqrt(phi(l1 * P.eps) * P.eps);
    let s2 = sqrt(phi(l2 * P.eps) * P.eps);
    let g1 = co * fG[0] + si * fG[1];
    let g2 = co * fG[1] - si * fG[0];
    let z1 = co * xi[0] + si * xi[1];
    let z2 = co * xi[1] - si * xi[0];
    let w1 = m1 * g1 + s1 * z1;
    let w2 = m2 * g2 + s2 * z2;
    xn[0] = x[0] + (co * w1 - si * w2);
    xn[1] = x[1] + (si * w1 + co * w2);`,
  mala: /* wgsl */ `
    var prop: array<f32, D>;
    for (var i = 0u; i < D; i++) { prop[i] = x[i] + g[i] * P.halfEps + xi[i] * P.sqrtEps; }
    fx = prop; evalField();
    // log q(x | x') − log q(x' | x), each −‖to − from − (ε/2) g(from)‖² / (2ε).
    var qBack = 0.0;
    var qFwd = 0.0;
    for (var i = 0u; i < D; i++) {
      let rb = (x[i] - prop[i]) - fG[i] * P.halfEps;
      let rf = (prop[i] - x[i]) - g[i] * P.halfEps;
      qBack += rb * rb;
      qFwd += rf * rf;
    }
    let logAlpha = (fLogp - lp) + (qBack * P.negInv2Eps - qFwd * P.negInv2Eps);
    // NaN compares false in kernels.ts: the proposal is rejected.
    accepted = !isNan(logAlpha) && logU < logAlpha;
    if (accepted) {
      xn = prop;
      gn = fG;
      lpn = fLogp;
    } else {
      xn = x;
    }`,
};

/** The WGSL module of one sampler kind on one compiled source. */
export function stepShader(kind: SamplerKind, src: CompiledSource): string {
  const D = src.dim;
  const need = hessianNeed(kind);
  const isMala = kind === 'mala';
  return /* wgsl */ `
const D: u32 = ${D}u;
const DD: u32 = ${D * D}u;
const NEED_H: bool = ${need !== 'none'};
struct Params {
  n: u32, steps: u32, t0: u32, seed: u32,
  eps: f32, halfEps: f32, sqrtEps: f32, negInv2Eps: f32,
  bound: f32, clampH: u32, record: u32, noiseFromBuffer: u32,
  base: u32, cacheValid: u32, pad0: u32, pad1: u32,
  center: array<vec4f, ${Math.ceil(D / 4)}>,
}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> CACHE: array<f32>;
@group(0) @binding(3) var<storage, read_write> STATUS: array<i32>;
@group(0) @binding(4) var<storage, read_write> FRAMES: array<f32>;
@group(0) @binding(5) var<storage, read> MODEL: array<f32>;
@group(0) @binding(6) var<storage, read> NOISE: array<f32>;
@group(0) @binding(7) var<storage, read_write> ACCEPT: array<i32>;

var<private> fx: array<f32, D>;
var<private> fG: array<f32, D>;
var<private> fH: array<f32, DD>;
var<private> fLogp: f32;

${RNG_WGSL}
${src.wgsl}

fn isFiniteF(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }
fn isNan(v: f32) -> bool { let b = bitcast<u32>(v); return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0u; }
fn centerAt(i: u32) -> f32 { return P.center[i / 4u][i % 4u]; }

/** φ(a) = expm1(a)/a, by its series for |a| < ${PHI_SERIES_THRESHOLD} (kernels.ts). */
fn phi(a: f32) -> f32 {
  if (abs(a) < ${PHI_SERIES_THRESHOLD}) {
    return 1.0 + a * (0.5 + a * (1.0 / 6.0 + a * (1.0 / 24.0 + a * (1.0 / 120.0))));
  }
  return (exp(a) - 1.0) / a;
}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let chain = gid.x;
  if (chain >= P.n) { return; }
  var x: array<f32, D>;
  for (var i = 0u; i < D; i++) { x[i] = X[chain * D + i]; }
  var deadAt = STATUS[chain];
  var acc = ACCEPT[chain];
  var g: array<f32, D>;
  var lp = 0.0;
  if (${isMala} && deadAt < 0) {
    if (P.cacheValid != 0u) {
      for (var i = 0u; i < D; i++) { g[i] = CACHE[chain * (D + 1u) + i]; }
      lp = CACHE[chain * (D + 1u) + D];
    } else {
      fx = x; evalField();
      g = fG;
      lp = fLogp;
    }
  }
  for (var s = 0u; s < P.steps; s++) {
    if (deadAt < 0) {
      let t = P.t0 + s + 1u;
      var xi: array<f32, D>;
      var logU = 0.0;
      if (P.noiseFromBuffer != 0u) {
        let o = ((P.base + s) * P.n + chain) * (D + 1u);
        for (var i = 0u; i < D; i++) { xi[i] = NOISE[o + i]; }
        logU = NOISE[o + D];
      } else {
        for (var blk = 0u; blk * 4u < D; blk++) {
          let z = normals4(t, chain, blk);
          for (var q = 0u; q < 4u && blk * 4u + q < D; q++) { xi[blk * 4u + q] = z[q]; }
        }
        if (${isMala}) { logU = logUniform(t, chain); }
      }
      var xn: array<f32, D>;
      var gn = g;
      var lpn = lp;
      var accepted = false;
      ${MOVES[kind]}
      var bad = false;
      for (var i = 0u; i < D; i++) {
        if (!isFiniteF(xn[i]) || abs(xn[i] - centerAt(i)) > P.bound) { bad = true; }
      }
      if (bad) {
        deadAt = i32(t);
      } else {
        x = xn;
        g = gn;
        lp = lpn;
        if (accepted) { acc += 1; }
      }
    }
    if (P.record != 0u) {
      let o = ((P.base + s) * P.n + chain) * D;
      for (var i = 0u; i < D; i++) { FRAMES[o + i] = x[i]; }
    }
  }
  for (var i = 0u; i < D; i++) { X[chain * D + i] = x[i]; }
  STATUS[chain] = deadAt;
  ACCEPT[chain] = acc;
  if (${isMala}) {
    for (var i = 0u; i < D; i++) { CACHE[chain * (D + 1u) + i] = g[i]; }
    CACHE[chain * (D + 1u) + D] = lp;
  }
}
`;
}
