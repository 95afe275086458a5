// The samplers of MATH.md section 3 on an exact 2-D Gaussian mixture score, four chains per f32x4 lane group
// (engine "cpu-simd", host code src/samplers/cpu/simdChains.ts): noise, field, move, divergence freeze, MALA
// cache and acceptance in one pass over the chains per iteration (iterations outside, so that consecutive chain
// groups are independent work for the CPU to overlap).
//
//   Langevin  x ← x + (ε/2) g + √ε ξ
//   Ozaki     x ← x + M g + V^{1/2} ξ,   M = (ε/2) φ(εH/2),   V = ε φ(εH),   φ(a) = expm1(a)/a
//             (diagonal H, or the full 2×2 H by its closed-form eigen-decomposition; `clamp`: h, λ ← min(·, 0))
//   MALA      Langevin proposal, accepted when log U < log α (the score and log q of the current points are kept)
//
// with the conventions of src/samplers/cpu/moves.ts (φ by its series below |a| < 0.1, the half-angle eigen-vectors),
// in float32. A chain whose new point has a non-finite coordinate or lies beyond `bound` of the center is frozen
// at its last position and its iteration recorded (−1: alive). Memory is laid out by the host (`bindChains`,
// `bindMixture`); positions are [n4·2] row-major, the other per-chain arrays [n4], n4 a multiple of 4.
import { bindMixture, evalField, H00, H01, H11, LP, NEED_DIAG, NEED_FULL, NEED_LOGP, S0, S1 } from './lib/gmm2';
import { chainKey, logUniform, noiseRows, normalPair, XI0, XI1 } from './lib/noise';
import { expm1v, HALF, ONE, TWO, ZERO } from './lib/vmath';
import { absf, add, div, kf, mad, mul, negf, sel, sub } from './lib/vec';

export { bindMixture };

/** The first free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

let X: usize = 0;
let DEAD: usize = 0;
let ACC: usize = 0;
let G0: usize = 0;
let G1: usize = 0;
let LOGP: usize = 0;
let N4: i32 = 0;

/**
 * Positions [n4·2], death iterations (i32) [n4], MALA acceptance counts (u32) [n4] and its cache: s1 [n4] ×2, log q [n4],
 * of the chains first … first + n4 − 1 (`first` a multiple of 4: their noise is that of their own chain numbers, so a
 * set of chains split into ranges run apart gives the chains the whole set would).
 */
export function bindChains(x: usize, dead: usize, acc: usize, g0: usize, g1: usize, logp: usize, n4: i32, first: i32): void {
  X = x;
  DEAD = dead;
  ACC = acc;
  G0 = g0;
  G1 = g1;
  LOGP = logp;
  N4 = n4;
  v128.store(KEY0, chainKey(i32x4.add(i32x4.splat(first), i32x4(0, 1, 2, 3))));
}

const PHI_SERIES = memory.data<f32>([0.1]);
/** 1/120, 1/24, 1/6, 1/2. */
const PHI_POLY = memory.data<f32>([1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5]);

/** The series of φ(a) = expm1(a)/a: 1 + a/2 + a²/6 + a³/24 + a⁴/120. */
@inline function phiSeries(a: v128): v128 {
  let p = mad(kf(PHI_POLY + 4), a, kf(PHI_POLY));
  p = mad(kf(PHI_POLY + 8), a, p);
  p = mad(kf(PHI_POLY + 12), a, p);
  return mad(kf(ONE), a, p);
}

// Per-call constants of the kernels (set by `configure`), each in four lanes: ε, ε/2, −1/(2ε), the divergence
// center and bound, the noise scales.
const PARAMS = memory.data(128, 16);
const EPS = PARAMS;
const HALF_EPS = PARAMS + 16;
/** The scales `normalPair` takes: −2ε (√ε ξ, Langevin and MALA) and −2 (ξ, Ozaki). */
const NOISE_EPS = PARAMS + 32;
const MALA_K = PARAMS + 48;
const CENTER0 = PARAMS + 64;
const CENTER1 = PARAMS + 80;
const BOUND = PARAMS + 96;
const NOISE_UNIT = PARAMS + 112;
let SEED: u32 = 0;
let CLAMP: bool = false;

/** The seed, step ε, divergence center and bound, and Ozaki's curvature clamp for the next calls. */
export function configure(seed: u32, eps: f32, center0: f32, center1: f32, bound: f32, clamp: bool): void {
  SEED = seed;
  CLAMP = clamp;
  v128.store(EPS, f32x4.splat(eps));
  v128.store(HALF_EPS, f32x4.splat(eps * 0.5));
  v128.store(NOISE_EPS, f32x4.splat(-2 * eps));
  v128.store(NOISE_UNIT, f32x4.splat(-2));
  v128.store(MALA_K, f32x4.splat(-1 / (2 * eps)));
  v128.store(CENTER0, f32x4.splat(center0));
  v128.store(CENTER1, f32x4.splat(center1));
  v128.store(BOUND, f32x4.splat(bound));
}

/** The noise keys (noise.ts `chainKey`) of the first four bound chains (`bindChains`), and their step from chains g … g + 3 to g + 4 … g + 7. */
const KEY0 = memory.data(16, 16);
const KEY_STEP = memory.data<i32>([4 * 1664525, 4 * 1664525, 4 * 1664525, 4 * 1664525]);

/**
 * Where iteration i of a call reads and writes the positions: with frames, frame i − 1 (X for i = 0) and frame i,
 * else X in place. After a call with frames, `finish` copies the last frame to X.
 */
@inline function source(i: i32, frames: usize, frameStride: usize): usize {
  return frames && i > 0 ? frames + <usize>(i - 1) * frameStride : X;
}
@inline function target(i: i32, frames: usize, frameStride: usize): usize {
  return frames ? frames + <usize>i * frameStride : X;
}
@inline function finish(k: i32, frames: usize, frameStride: usize): void {
  if (frames && k > 0) memory.copy(X, frames + <usize>(k - 1) * frameStride, <usize>N4 << 3);
}

/** Coordinate 0 (lanes 0, 2, 4, 6) and 1 (lanes 1, 3, 5, 7) of the four row-major points at p. */
@inline function coord0(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}
@inline function coord1(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 1, 3, 5, 7);
}

/** Stores four points as rows at p. */
@inline function storeRows(p: usize, x0: v128, x1: v128): void {
  v128.store(p, v128.shuffle<f32>(x0, x1, 0, 4, 1, 5));
  v128.store(p, v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), 16);
}

/**
 * The end of iteration t for chains g … g + 3 at (x0, x1) moving to (n0, n1): a chain that is alive and whose new
 * point is finite and within the bound moves; any other keeps its point, and a chain alive until now dies at t.
 * Stores the points at `to`; returns the lanes that moved.
 */
@inline function settle(g: i32, t: u32, x0: v128, x1: v128, n0: v128, n1: v128, to: usize): v128 {
  const bnd = v128.load(BOUND);
  // Every comparison with NaN fails.
  const inside = v128.and(f32x4.le(absf(sub(n0, v128.load(CENTER0))), bnd), f32x4.le(absf(sub(n1, v128.load(CENTER1))), bnd));
  const dp = DEAD + (<usize>g << 2);
  const dead = v128.load(dp);
  const alive = i32x4.lt_s(dead, i32x4.splat(0));
  const dies = v128.andnot(alive, inside);
  if (v128.any_true(dies)) v128.store(dp, sel(i32x4.splat(<i32>t), dead, dies));
  const ok = v128.and(alive, inside);
  storeRows(to + (<usize>g << 3), sel(n0, x0, ok), sel(n1, x1, ok));
  return ok;
}

/**
 * Ozaki's drift and noise scales for curvatures h (the clamp applied): OM = (ε/2) φ(εh/2), OSV = √(ε φ(εh)), as
 * `ozakiScales` in moves.ts: both by the series where |εh| < 0.1; else expm1(εh/2)/h (series where |εh/2| < 0.1)
 * and expm1(εh)/h = e (e + 2)/h with e = expm1(εh/2).
 */
@inline function ozakiScales(h: v128): void {
  const hh = CLAMP ? f32x4.pmin(h, kf(ZERO)) : h;
  const b = mul(hh, v128.load(HALF_EPS));
  const a = mul(hh, v128.load(EPS));
  const e = expm1v(b);
  const inv = div(kf(ONE), hh);
  OM = sel(mul(v128.load(HALF_EPS), phiSeries(b)), mul(e, inv), f32x4.lt(absf(b), kf(PHI_SERIES)));
  const v = sel(mul(v128.load(EPS), phiSeries(a)), mul(mul(e, add(e, kf(TWO))), inv), f32x4.lt(absf(a), kf(PHI_SERIES)));
  OSV = f32x4.sqrt(v);
}
let OM: v128 = f32x4.splat(0);
let OSV: v128 = f32x4.splat(0);

// The kernels: k iterations t0 + 1 … t0 + k of one sampler for every chain. `frames` (when not 0) receives the
// positions after each iteration, iteration i at frames + i·frameStride (bytes, at least n4·8). Each evaluates the
// field and the drift before drawing the noise: fewer values live at once, fewer spills (6% off a Langevin step).

/** Langevin: x ← x + (ε/2) s1(x) + √ε ξ. */
export function langevin(t0: u32, k: i32, frames: usize, frameStride: usize): void {
  for (let i = 0; i < k; i++) {
    const t = t0 + <u32>i + 1;
    const from = source(i, frames, frameStride);
    const to = target(i, frames, frameStride);
    noiseRows(SEED, t);
    let key = v128.load(KEY0);
    for (let g: i32 = 0; g < N4; g += 4) {
      const xp = from + (<usize>g << 3);
      const x0 = coord0(xp);
      const x1 = coord1(xp);
      evalField(x0, x1, 0);
      const half = v128.load(HALF_EPS);
      const d0 = mad(x0, half, S0);
      const d1 = mad(x1, half, S1);
      // √ε ξ: the noise scaled by √ε in its radius.
      normalPair(key, v128.load(NOISE_EPS));
      settle(g, t, x0, x1, add(d0, XI0), add(d1, XI1), to);
      key = i32x4.add(key, v128.load(KEY_STEP));
    }
  }
  finish(k, frames, frameStride);
}

/** Ozaki with the diagonal of s2: x_j ← x_j + M_j s1_j + √V_j ξ_j. */
export function ozaki(t0: u32, k: i32, frames: usize, frameStride: usize): void {
  for (let i = 0; i < k; i++) {
    const t = t0 + <u32>i + 1;
    const from = source(i, frames, frameStride);
    const to = target(i, frames, frameStride);
    noiseRows(SEED, t);
    let key = v128.load(KEY0);
    for (let g: i32 = 0; g < N4; g += 4) {
      const xp = from + (<usize>g << 3);
      const x0 = coord0(xp);
      const x1 = coord1(xp);
      evalField(x0, x1, NEED_DIAG);
      const g1 = S1;
      const h1 = H11;
      ozakiScales(H00);
      const d0 = mad(x0, OM, S0);
      const sv0 = OSV;
      ozakiScales(h1);
      const d1 = mad(x1, OM, g1);
      const sv1 = OSV;
      normalPair(key, v128.load(NOISE_UNIT));
      settle(g, t, x0, x1, add(d0, mul(sv0, XI0)), add(d1, mul(sv1, XI1)), to);
      key = i32x4.add(key, v128.load(KEY_STEP));
    }
  }
  finish(k, frames, frameStride);
}

/** Ozaki with the full 2×2 s2 = Q diag(λ) Qᵀ: x ← x + Q (m(λ) Qᵀ s1 + √v(λ) Qᵀ ξ). */
export function ozakiFull(t0: u32, k: i32, frames: usize, frameStride: usize): void {
  for (let i = 0; i < k; i++) {
    const t = t0 + <u32>i + 1;
    const from = source(i, frames, frameStride);
    const to = target(i, frames, frameStride);
    noiseRows(SEED, t);
    let key = v128.load(KEY0);
    for (let g: i32 = 0; g < N4; g += 4) {
      const xp = from + (<usize>g << 3);
      const x0 = coord0(xp);
      const x1 = coord1(xp);
      evalField(x0, x1, NEED_FULL);
      const g0 = S0;
      const g1 = S1;
      // Closed-form eigen-decomposition of [[a, b], [b, c]] (moves.ts): θ = ½ atan2(2b, a − c) by half-angle formulas.
      const mid = mul(kf(HALF), add(H00, H11));
      const hd = mul(kf(HALF), sub(H00, H11));
      const b = H01;
      const rad = f32x4.sqrt(mad(mul(hd, hd), b, b));
      const c2 = div(hd, rad);
      const s2 = div(b, rad);
      const csA = f32x4.sqrt(mul(kf(HALF), add(kf(ONE), c2)));
      const snA = div(s2, add(csA, csA));
      const snB0 = f32x4.sqrt(mul(kf(HALF), sub(kf(ONE), c2)));
      const snB = sel(negf(snB0), snB0, f32x4.lt(s2, kf(ZERO)));
      const csB = div(s2, add(snB, snB));
      const useA = f32x4.ge(c2, kf(ZERO));
      // rad = 0 (an isotropic H, or NaN): the identity.
      const pos = f32x4.gt(rad, kf(ZERO));
      const cs = sel(sel(csA, csB, useA), kf(ONE), pos);
      const sn = sel(sel(snA, snB, useA), kf(ZERO), pos);
      // Qᵀ s1 and Qᵀ ξ, scaled by m(λ) and √v(λ), then turned back by Q.
      ozakiScales(add(mid, rad));
      const m1 = mul(OM, mad(mul(cs, g0), sn, g1));
      const sv1 = OSV;
      ozakiScales(sub(mid, rad));
      const m2 = mul(OM, sub(mul(cs, g1), mul(sn, g0)));
      const sv2 = OSV;
      normalPair(key, v128.load(NOISE_UNIT));
      const z0 = XI0;
      const z1 = XI1;
      const w1 = mad(m1, sv1, mad(mul(cs, z0), sn, z1));
      const w2 = mad(m2, sv2, sub(mul(cs, z1), mul(sn, z0)));
      settle(g, t, x0, x1, add(x0, sub(mul(cs, w1), mul(sn, w2))), add(x1, mad(mul(sn, w1), cs, w2)), to);
      key = i32x4.add(key, v128.load(KEY_STEP));
    }
  }
  finish(k, frames, frameStride);
}

/** MALA's cache at the current points: s1 and log q of every chain (before a call when the cache is stale). */
export function malaCache(): void {
  for (let g: i32 = 0; g < N4; g += 4) {
    const xp = X + (<usize>g << 3);
    evalField(coord0(xp), coord1(xp), NEED_LOGP);
    const cp = <usize>g << 2;
    v128.store(G0 + cp, S0);
    v128.store(G1 + cp, S1);
    v128.store(LOGP + cp, LP);
  }
}

/**
 * MALA (the cache must be current, `malaCache`): proposal x' = x + (ε/2) g + √ε ξ, accepted when log U < log α,
 * log α = log q(x') − log q(x) + log N(x; x' + (ε/2) g', ε) − log N(x'; x + (ε/2) g, ε). Acceptance counts grow by
 * one per accepted move of a chain that stays alive.
 */
export function mala(t0: u32, k: i32, frames: usize, frameStride: usize): void {
  for (let i = 0; i < k; i++) {
    const t = t0 + <u32>i + 1;
    const from = source(i, frames, frameStride);
    const to = target(i, frames, frameStride);
    noiseRows(SEED, t);
    let key = v128.load(KEY0);
    for (let g: i32 = 0; g < N4; g += 4) {
      const half = v128.load(HALF_EPS);
      const xp = from + (<usize>g << 3);
      const cp = <usize>g << 2;
      const x0 = coord0(xp);
      const x1 = coord1(xp);
      normalPair(key, v128.load(NOISE_EPS));
      const cg0 = v128.load(G0 + cp);
      const cg1 = v128.load(G1 + cp);
      const clp = v128.load(LOGP + cp);
      const p0 = add(mad(x0, half, cg0), XI0);
      const p1 = add(mad(x1, half, cg1), XI1);
      evalField(p0, p1, NEED_LOGP);
      const rb0 = sub(sub(x0, p0), mul(half, S0));
      const rb1 = sub(sub(x1, p1), mul(half, S1));
      const rf0 = sub(sub(p0, x0), mul(half, cg0));
      const rf1 = sub(sub(p1, x1), mul(half, cg1));
      const back = mad(mul(rb0, rb0), rb1, rb1);
      const fwd = mad(mul(rf0, rf0), rf1, rf1);
      const logAlpha = mad(sub(LP, clp), v128.load(MALA_K), sub(back, fwd));
      // NaN in log α compares false: the proposal is rejected.
      const accepted = f32x4.lt(logUniform(key), logAlpha);
      v128.store(G0 + cp, sel(S0, cg0, accepted));
      v128.store(G1 + cp, sel(S1, cg1, accepted));
      v128.store(LOGP + cp, sel(LP, clp, accepted));
      const ok = settle(g, t, x0, x1, sel(p0, x0, accepted), sel(p1, x1, accepted), to);
      // A set mask is −1.
      v128.store(ACC + cp, i32x4.sub(v128.load(ACC + cp), v128.and(accepted, ok)));
      key = i32x4.add(key, v128.load(KEY_STEP));
    }
  }
  finish(k, frames, frameStride);
}

/** Test hook: the noise of iteration t for chains 0 … n4 − 1 (`configure`'s seed): ξ [n4·2] at out, log U [n4] after it. */
export function noise(out: usize, n4: i32, t: u32): void {
  noiseRows(SEED, t);
  let key = v128.load(KEY0);
  for (let g: i32 = 0; g < n4; g += 4) {
    normalPair(key, v128.load(NOISE_UNIT));
    storeRows(out + (<usize>g << 3), XI0, XI1);
    v128.store(out + (<usize>n4 << 3) + (<usize>g << 2), logUniform(key));
    key = i32x4.add(key, v128.load(KEY_STEP));
  }
}

/** Test hook: the field at the points x [n4·2] into out: s1₀, s1₁, s2₀₀, s2₀₁, s2₁₁, log q, each [n4]. */
export function field(x: usize, n4: i32, out: usize): void {
  const stride = <usize>n4 << 2;
  for (let g: i32 = 0; g < n4; g += 4) {
    const xp = x + (<usize>g << 3);
    evalField(coord0(xp), coord1(xp), NEED_FULL | NEED_LOGP);
    const o = out + (<usize>g << 2);
    v128.store(o, S0);
    v128.store(o + stride, S1);
    v128.store(o + 2 * stride, H00);
    v128.store(o + 3 * stride, H01);
    v128.store(o + 4 * stride, H11);
    v128.store(o + 5 * stride, LP);
  }
}
