// Elementary functions on f32x4, accurate to a few float32 ulps (checked against float64 in
// test/unit/samplers/simdChains.test.ts):
// exp and expm1 by x = k ln 2 + r, |r| ≤ ln 2 / 2, and the Taylor series of expm1(r) to r⁷ (truncation < 2e-8
// relative); log by x = 2^e m, m in [√½, √2), and the atanh series; sin and cos on [−π/4, π/4] by Cephes'
// sinf/cosf polynomials. Rounding to integers adds ROUNDER: no float-to-int conversion.
import { add, div, kf, ki, mad, mul, sel, sub } from './vec';

/**
 * 1.5·2²³: for |y| < 2²², y + ROUNDER rounds y to the nearest integer n (ties to even) and its bit pattern is
 * ROUNDER's + n, so (y + ROUNDER) − ROUNDER is round(y) as a float and the bits give n without a conversion.
 */
const ROUNDER = memory.data<f32>([12582912.0]);
const ROUNDER_BITS: i32 = 0x4b400000;

export const ONE = memory.data<f32>([1.0]);
export const HALF = memory.data<f32>([0.5]);
export const TWO = memory.data<f32>([2.0]);
export const ZERO = memory.data<f32>([0.0]);

const LOG2E = memory.data<f32>([1.44269504088896341]);
// ln 2 in two parts (Cephes): k·LN2_HI is exact for |k| < 2^15.
const LN2_HI = memory.data<f32>([0.693359375]);
const LN2_LO = memory.data<f32>([-2.12194440e-4]);
// Beyond EXP_HI, exp overflows float32. Below EXP_LO, expm1 is −1 in float32, and the reduction clamps there so that
// no product is subnormal (x86 cores take a slow microcode path for subnormal results: measured 30% of a Langevin
// step on gmm2, whose far chains have log-weight differences beyond −87).
const EXP_HI = memory.data<f32>([88.3]);
const EXP_LO = memory.data<f32>([-80.0]);
/** `expNeg` gives 0 below this: e^−40 = 4e-18 cannot change a float32 sum with a weight of 1. */
const FLUSH_BELOW = memory.data<f32>([-40.0]);
const INF = memory.data<f32>([Infinity]);
/** 1/7!, 1/6!, …, 1/2!. */
const EXPM1_POLY = memory.data<f32>([1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5]);
const POW2_BIAS = memory.data<i32>([127 - ROUNDER_BITS]);

/** expm1(r) for |r| ≤ ~0.35: r + r²/2! + … + r⁷/7! (Horner). */
@inline function expm1Series(r: v128): v128 {
  let p = mad(kf(EXPM1_POLY + 4), r, kf(EXPM1_POLY));
  p = mad(kf(EXPM1_POLY + 8), r, p);
  p = mad(kf(EXPM1_POLY + 12), r, p);
  p = mad(kf(EXPM1_POLY + 16), r, p);
  p = mad(kf(EXPM1_POLY + 20), r, p);
  return mad(r, mul(r, r), p);
}

/** x/ln 2 + ROUNDER (r: ROUNDER in four lanes): k = round(x/ln 2) is (this − ROUNDER), its bits ROUNDER_BITS + k. */
@inline function expRound(xc: v128, r: v128): v128 {
  return mad(r, xc, kf(LOG2E));
}

/** 2^k from expRound's value (k in [−126, 127]). */
@inline function pow2(y: v128): v128 {
  return i32x4.shl(i32x4.add(y, ki(POW2_BIAS)), 23);
}

/** x − k ln 2 from expRound's value y, in [−ln 2 / 2, ln 2 / 2]. */
@inline function expR(xc: v128, y: v128, r: v128): v128 {
  const k = sub(y, r);
  return sub(sub(xc, mul(k, kf(LN2_HI))), mul(k, kf(LN2_LO)));
}

/**
 * e^x for x ≤ 0, and exactly 0 below −40 (FLUSH_BELOW): a relative weight of a mixture component, never subnormal.
 * NaN stays NaN.
 */
@inline export function expNeg(x: v128): v128 {
  const lo = kf(FLUSH_BELOW);
  // pmin/pmax return their first operand when the comparison fails, so NaN stays NaN.
  const xc = f32x4.pmax(x, lo);
  const r = kf(ROUNDER);
  const y = expRound(xc, r);
  const s = pow2(y);
  return v128.andnot(mad(s, s, expm1Series(expR(xc, y, r))), f32x4.lt(x, lo));
}

/** e^x − 1, accurate near 0 (k = 0 gives the series itself): (2^k − 1) + 2^k·expm1(r); +∞ above EXP_HI. */
@inline export function expm1v(x: v128): v128 {
  const hi = kf(EXP_HI);
  const xc = f32x4.pmin(f32x4.pmax(x, kf(EXP_LO)), hi);
  const r = kf(ROUNDER);
  const y = expRound(xc, r);
  const s = pow2(y);
  const e = mad(sub(s, kf(ONE)), s, expm1Series(expR(xc, y, r)));
  return sel(kf(INF), e, f32x4.gt(x, hi));
}

/** The bits of √½: x − these has the exponent of x/√½ rounded down, so that its mantissa m lies in [√½, √2). */
const SQRT_HALF_BITS = memory.data<i32>([0x3f3504f3]);
const MANTISSA = memory.data<i32>([0x007fffff]);
/** 1/9, 1/7, 1/5, 1/3. */
const ATANH_POLY = memory.data<f32>([1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0]);

/**
 * log x for positive normal x (garbage for NaN, 0, ∞ or subnormals: see `logv`): x = 2^e m, m in [√½, √2), and
 * log m = 2 atanh(s) = 2 (s + s³/3 + … + s⁹/9) with s = (m − 1)/(m + 1), |s| ≤ 0.172 (truncation < 1e-9).
 */
@inline export function logPos(x: v128): v128 {
  const half = ki(SQRT_HALF_BITS);
  const one = kf(ONE);
  const ix = i32x4.sub(x, half);
  const ef = f32x4.convert_i32x4_s(i32x4.shr_s(ix, 23));
  const m = i32x4.add(v128.and(ix, ki(MANTISSA)), half);
  const s = div(sub(m, one), add(m, one));
  const z = mul(s, s);
  let p = mad(kf(ATANH_POLY + 4), z, kf(ATANH_POLY));
  p = mad(kf(ATANH_POLY + 8), z, p);
  p = mad(kf(ATANH_POLY + 12), z, p);
  const s2 = add(s, s);
  const logm = mad(s2, mul(s2, z), p);
  return mad(mad(logm, ef, kf(LN2_LO)), ef, kf(LN2_HI));
}

/** log x for positive normal x; NaN stays NaN. */
@inline export function logv(x: v128): v128 {
  return sel(x, logPos(x), f32x4.ne(x, x));
}

const MINUS_HALF = memory.data<f32>([-0.5]);
/** Cephes' sinf and cosf on [−π/4, π/4], from the highest power. */
const SIN_POLY = memory.data<f32>([-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1]);
const COS_POLY = memory.data<f32>([2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2]);

/** sin x for |x| ≤ π/4. */
@inline export function sinPi4(x: v128): v128 {
  const z = mul(x, x);
  let p = mad(kf(SIN_POLY + 4), z, kf(SIN_POLY));
  p = mad(kf(SIN_POLY + 8), z, p);
  return mad(x, mul(p, z), x);
}

/** cos x for |x| ≤ π/4: 1 + z (−½ + z P(z)), z = x². */
@inline export function cosPi4(x: v128): v128 {
  const z = mul(x, x);
  let p = mad(kf(COS_POLY + 4), z, kf(COS_POLY));
  p = mad(kf(COS_POLY + 8), z, p);
  return mad(kf(ONE), z, mad(kf(MINUS_HALF), z, p));
}
