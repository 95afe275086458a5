// Short names for the f32x4 and i32x4 operations the kernels use (AssemblyScript has no operators on v128).
// Comparisons give lane masks (all ones or all zeros); `sel(a, b, m)` takes a where m is set, else b.
//
// Constants: V8's optimising compiler re-materialises a v128 constant at every use inside a loop (three
// instructions, and a spill when registers run out), so the kernels keep their constants in static memory
// (`memory.data<f32>([…])`, `memory.data<i32>([…])`) and load them with `kf`/`ki` (one instruction each).

/** A run-time float in all four lanes (hoist out of loops). */
@inline export function fs(x: f32): v128 {
  return f32x4.splat(x);
}
/** The float at p (static memory) in all four lanes. */
@inline export function kf(p: usize): v128 {
  return v128.load32_splat(p);
}
/** The i32 at p (static memory) in all four lanes. */
@inline export function ki(p: usize): v128 {
  return v128.load32_splat(p);
}
@inline export function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
@inline export function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
@inline export function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}
@inline export function div(a: v128, b: v128): v128 {
  return f32x4.div(a, b);
}
/** a + b·c (two roundings: WebAssembly SIMD has no fused multiply-add without relaxed-simd). */
@inline export function mad(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(a, f32x4.mul(b, c));
}
@inline export function sel(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}
/** Loads one f32 at ptr + offset into all four lanes. */
@inline export function ld1(ptr: usize, offset: usize): v128 {
  return v128.load32_splat(ptr + offset);
}
@inline export function is(x: i32): v128 {
  return i32x4.splat(x);
}
@inline export function iadd(a: v128, b: v128): v128 {
  return i32x4.add(a, b);
}
@inline export function imul(a: v128, b: v128): v128 {
  return i32x4.mul(a, b);
}
/** x ^ (x >>> 16) per lane. */
@inline export function xorshift16(a: v128): v128 {
  return v128.xor(a, i32x4.shr_u(a, 16));
}
const ABS_MASK = memory.data<i32>([0x7fffffff]);
const SIGN_MASK = memory.data<i32>([0x80000000]);
/** |x| per lane (clears the sign bit). */
@inline export function absf(a: v128): v128 {
  return v128.and(a, ki(ABS_MASK));
}
/** −x per lane (flips the sign bit). */
@inline export function negf(a: v128): v128 {
  return v128.xor(a, ki(SIGN_MASK));
}
/** −|x| per lane (sets the sign bit). */
@inline export function negAbsf(a: v128): v128 {
  return v128.or(a, ki(SIGN_MASK));
}
