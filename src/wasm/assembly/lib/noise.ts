// Counter-based noise for four chains at once (lane i: chain[i]), the convention of the fused WebGPU samplers
// (src/gpu/samplers/rng.ts, src/gpu/pcg4d.ts): u = pcg4d(seed, t, chain, block), uniforms (u >> 8 + ½)·2⁻²⁴ in
// float32, and for a 2-D chain ξ = r (cos θ, sin θ) with r = √(−2 log u.x), θ = π (2 u.y − 1) (Box–Muller);
// MALA's log U = log of the uniform of lane x of pcg4d(seed, t, chain, UNIFORM_STREAM). Every draw is a pure
// function of (seed, t, chain, stream), so any split of the iterations into calls gives the same chains.
import { cosPi4, logPos, sinPi4 } from './vmath';
import { add, iadd, imul, ki, kf, mul, sub, xorshift16 } from './vec';

export const UNIFORM_STREAM: u32 = 0x80000000;

const LCG = memory.data<i32>([1664525, 1013904223]);

@inline function lcg(v: u32): u32 {
  return v * 1664525 + 1013904223;
}

/**
 * The lane-uniform parts of pcg4d(seed, t, ·, block) (a, b, d do not depend on the chain): b, x after round 1,
 * d, and x after the shift-xor, at ROWS + 64·row (row 0: block 0, the normals; row 1: UNIFORM_STREAM).
 */
const ROWS = memory.data(128, 16);

@inline function setRow(at: usize, seed: u32, t: u32, block: u32): void {
  const b = lcg(t);
  const d = lcg(block);
  const x = lcg(seed) + b * d;
  v128.store(at, i32x4.splat(b));
  v128.store(at, i32x4.splat(x), 16);
  v128.store(at, i32x4.splat(d), 32);
  v128.store(at, i32x4.splat(x ^ (x >>> 16)), 48);
}

/** Prepares the draws of iteration t (call once per iteration, before `normalPair` and `logUniform`). */
@inline export function noiseRows(seed: u32, t: u32): void {
  setRow(ROWS, seed, t, 0);
  setRow(ROWS + 64, seed, t, UNIFORM_STREAM);
}

/** The first step of pcg4d on the chain counter (chain·1664525 + 1013904223): the key `normalPair` and `logUniform` take. */
@inline export function chainKey(chain: v128): v128 {
  return iadd(imul(chain, ki(LCG)), ki(LCG + 4));
}

/** Lanes x, y of pcg4d (Jarzynski & Olano 2020) of the row's (seed, t, block) and the chains of key c: PX, PY. */
@inline function pcgXY(row: usize, c: v128): void {
  // Round 1 (x += y·w, y += z·x, z += x·y, w += y·z), with x lane-uniform.
  const y = iadd(v128.load(row), imul(c, v128.load(row, 16)));
  const z = iadd(c, imul(v128.load(row, 16), y));
  const w = iadd(v128.load(row, 32), imul(y, z));
  // v ^= v >> 16, then round 2 for x and y only.
  const y1 = xorshift16(y);
  const x2 = iadd(v128.load(row, 48), imul(y1, xorshift16(w)));
  PX = x2;
  PY = iadd(y1, imul(xorshift16(z), x2));
}
let PX: v128 = i32x4.splat(0);
let PY: v128 = i32x4.splat(0);

const UNIT_HALF = memory.data<f32>([0.5]);
const UNIT_SCALE = memory.data<f32>([1.0 / 16777216.0]);

/** (u >> 8 + ½) · 2⁻²⁴ in float32, as the WGSL `unitUniform` (in (0, 1]; 1 only by rounding). */
@inline function unitUniform(u: v128): v128 {
  return mul(add(f32x4.convert_i32x4_s(i32x4.shr_u(u, 8)), kf(UNIT_HALF)), kf(UNIT_SCALE));
}

const ANGLE_OFFSET = memory.data<i32>([1 - (1 << 24)]);
const PI_2_26 = memory.data<f32>([3.14159265358979 / 67108864.0]);

/**
 * ξ of the prepared iteration for the chains of `key` (`chainKey`), times √(scale/−2) (scale −2: ξ itself, −2ε: √ε ξ):
 * XI0, XI1. The angle θ = π v, v = 2 u.y − 1 = n/2²⁴ with the odd
 * integer n = 2 (u.y >> 8) + 1 − 2²⁴, is taken as four times φ = π n/2²⁶ in [−π/4, π/4] (exact but for one
 * rounding): cos φ and sin φ by polynomials, then the double-angle formulas twice (cos 2φ = (c − s)(c + s),
 * sin 2φ = 2 s c), which add a few 1e-7 of absolute error and no quadrant logic.
 */
@inline export function normalPair(key: v128, scale: v128): void {
  pcgXY(ROWS, key);
  const r = f32x4.sqrt(mul(scale, logPos(unitUniform(PX))));
  const n = i32x4.add(i32x4.shl(i32x4.shr_u(PY, 8), 1), ki(ANGLE_OFFSET));
  const phi = mul(f32x4.convert_i32x4_s(n), kf(PI_2_26));
  let s = sinPi4(phi);
  let c = cosPi4(phi);
  const s2 = mul(add(s, s), c);
  const c2 = mul(sub(c, s), add(c, s));
  s = mul(add(s2, s2), c2);
  c = mul(sub(c2, s2), add(c2, s2));
  XI0 = mul(r, c);
  XI1 = mul(r, s);
}
export let XI0: v128 = f32x4.splat(0);
export let XI1: v128 = f32x4.splat(0);

/** MALA's log U of the prepared iteration for the chains of `key` (`chainKey`). */
@inline export function logUniform(key: v128): v128 {
  pcgXY(ROWS + 64, key);
  return logPos(unitUniform(PX));
}
