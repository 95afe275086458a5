// The exact score field of a Gaussian mixture in 2-D (MATH.md section 6) at four points, in float32:
// a_k = −P_k (x − μ_k), log N_k = c_k − ½ (x − μ_k)ᵀ P_k (x − μ_k), r = softmax_k(log N_k) (relative to the
// largest log N_k), s1 = Σ r_k a_k, s2 = Σ r_k ((a_k − s1)(a_k − s1)ᵀ − P_k) (= Σ r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ,
// without its cancellation far from the modes), log q = max_k log N_k + log Σ_k e^{log N_k − max}.
// Two components (`evalPair`) take one exp: r₁ = 1/(1 + e^{−δ}), δ = log N₁ − log N₀, and
// s2 = Σ r_k (−P_k) + r₀ r₁ (a₁ − a₀)(a₁ − a₀)ᵀ.
//
// Components live in memory at `comp` (set by `bindMixture`), 32 bytes each: μ₀, μ₁, Q₀₀, Q₀₁, Q₁₀, Q₁₁, c, 0
// (float32) with Q = −P. `scratch` holds a_k and log N_k (then the weights) of four points, 48 bytes per component.
import { expNeg, HALF, logv, ONE, ZERO } from './vmath';
import { add, div, kf, ld1, mad, mul, negAbsf, sel, sub } from './vec';

/** What to evaluate besides s1 (bit flags, compile-time constants at every call). */
export const NEED_DIAG = 1;
export const NEED_FULL = 2;
export const NEED_LOGP = 4;

let comp: usize = 0;
let scratch: usize = 0;
let K: i32 = 0;

/**
 * Two components, copied to static memory at `bindMixture` (a constant address is one instruction cheaper per
 * load): μ₀ (2), μ₁ (2), Q₀ (4), Q₁ (4), c₀, c₁, c₁ − c₀.
 */
const PAIR = memory.data(64, 16);

/** Where the mixture's components are, how many, and K·48 bytes of scratch. */
export function bindMixture(components: usize, count: i32, scratchPtr: usize): void {
  comp = components;
  K = count;
  scratch = scratchPtr;
  if (count == 2) {
    for (let j = 0; j < 2; j++) {
      store<f32>(PAIR + 4 * j, load<f32>(components + 4 * j));
      store<f32>(PAIR + 8 + 4 * j, load<f32>(components + 32 + 4 * j));
    }
    for (let j = 0; j < 4; j++) {
      store<f32>(PAIR + 16 + 4 * j, load<f32>(components + 8 + 4 * j));
      store<f32>(PAIR + 32 + 4 * j, load<f32>(components + 40 + 4 * j));
    }
    const c0 = load<f32>(components + 24);
    const c1 = load<f32>(components + 56);
    store<f32>(PAIR + 48, c0);
    store<f32>(PAIR + 52, c1);
    store<f32>(PAIR + 56, c1 - c0);
  }
}

const MINUS_INF = memory.data<f32>([-Infinity]);

/** Outputs of an evaluation: s1 (S0, S1), s2 (H00, H01, H11; H01 with NEED_FULL only), log q (LP). */
export let S0: v128 = f32x4.splat(0);
export let S1: v128 = f32x4.splat(0);
export let H00: v128 = f32x4.splat(0);
export let H01: v128 = f32x4.splat(0);
export let H11: v128 = f32x4.splat(0);
export let LP: v128 = f32x4.splat(0);

/** The field at the points (x0[i], x1[i]); `need` a constant combination of NEED_* flags. */
@inline export function evalField(x0: v128, x1: v128, need: i32): void {
  if (K == 2) evalPair(x0, x1, need);
  else evalMixture(x0, x1, need);
}

/** Two components: δ = (c₁ − c₀) + ½ (d₁·a₁ − d₀·a₀). */
@inline function evalPair(x0: v128, x1: v128, need: i32): void {
  const d00 = sub(x0, kf(PAIR));
  const d01 = sub(x1, kf(PAIR + 4));
  const d10 = sub(x0, kf(PAIR + 8));
  const d11 = sub(x1, kf(PAIR + 12));
  const a00 = mad(mul(d00, kf(PAIR + 16)), d01, kf(PAIR + 24));
  const a01 = mad(mul(d00, kf(PAIR + 20)), d01, kf(PAIR + 28));
  const a10 = mad(mul(d10, kf(PAIR + 32)), d11, kf(PAIR + 40));
  const a11 = mad(mul(d10, kf(PAIR + 36)), d11, kf(PAIR + 44));
  const h0 = mad(mul(d00, a00), d01, a01);
  const h1 = mad(mul(d10, a10), d11, a11);
  const delta = mad(kf(PAIR + 56), kf(HALF), sub(h1, h0));
  // e = e^{−|δ|} ≤ 1 (setting the sign bit gives −|δ|), r₁ = 1/(1 + e) or e/(1 + e), r₀ its complement.
  const e = expNeg(negAbsf(delta));
  const one = kf(ONE);
  const inv = div(one, add(one, e));
  const up = f32x4.ge(delta, f32x4.splat(0));
  const r1 = sel(inv, mul(e, inv), up);
  const dl0 = sub(a10, a00);
  const dl1 = sub(a11, a01);
  S0 = mad(a00, r1, dl0);
  S1 = mad(a01, r1, dl1);
  if (need & NEED_LOGP) {
    const l0 = mad(kf(PAIR + 48), kf(HALF), h0);
    const l1 = mad(kf(PAIR + 52), kf(HALF), h1);
    LP = add(f32x4.pmax(l0, l1), logv(add(one, e)));
  }
  if (need & (NEED_DIAG | NEED_FULL)) {
    const w = mul(r1, sel(mul(e, inv), inv, up));
    H00 = mad(mad(kf(PAIR + 16), r1, sub(kf(PAIR + 32), kf(PAIR + 16))), w, mul(dl0, dl0));
    if (need & NEED_FULL) H01 = mad(mad(kf(PAIR + 20), r1, sub(kf(PAIR + 36), kf(PAIR + 20))), w, mul(dl0, dl1));
    H11 = mad(mad(kf(PAIR + 28), r1, sub(kf(PAIR + 44), kf(PAIR + 28))), w, mul(dl1, dl1));
  }
}

/** Any number of components, in two passes over them (a third for s2). */
@inline function evalMixture(x0: v128, x1: v128, need: i32): void {
  let best = kf(MINUS_INF);
  for (let k = 0; k < K; k++) {
    const p = comp + (<usize>k << 5);
    const d0 = sub(x0, ld1(p, 0));
    const d1 = sub(x1, ld1(p, 4));
    const a0 = mad(mul(d0, ld1(p, 8)), d1, ld1(p, 16));
    const a1 = mad(mul(d0, ld1(p, 12)), d1, ld1(p, 20));
    const l = mad(ld1(p, 24), kf(HALF), mad(mul(d0, a0), d1, a1));
    const q = scratch + <usize>k * 48;
    v128.store(q, a0);
    v128.store(q, a1, 16);
    v128.store(q, l, 32);
    best = f32x4.pmax(best, l);
  }
  let sum = kf(ZERO);
  let s0 = kf(ZERO);
  let s1 = kf(ZERO);
  for (let k = 0; k < K; k++) {
    const q = scratch + <usize>k * 48;
    const e = expNeg(sub(v128.load(q, 32), best));
    v128.store(q, e, 32);
    sum = add(sum, e);
    s0 = mad(s0, e, v128.load(q));
    s1 = mad(s1, e, v128.load(q, 16));
  }
  const inv = div(kf(ONE), sum);
  s0 = mul(s0, inv);
  s1 = mul(s1, inv);
  S0 = s0;
  S1 = s1;
  if (need & NEED_LOGP) LP = add(best, logv(sum));
  if (need & (NEED_DIAG | NEED_FULL)) {
    let t00 = kf(ZERO);
    let t01 = kf(ZERO);
    let t11 = kf(ZERO);
    for (let k = 0; k < K; k++) {
      const p = comp + (<usize>k << 5);
      const q = scratch + <usize>k * 48;
      const r = mul(v128.load(q, 32), inv);
      const u0 = sub(v128.load(q), s0);
      const u1 = sub(v128.load(q, 16), s1);
      t00 = mad(t00, r, mad(ld1(p, 8), u0, u0));
      if (need & NEED_FULL) t01 = mad(t01, r, mad(ld1(p, 12), u0, u1));
      t11 = mad(t11, r, mad(ld1(p, 20), u1, u1));
    }
    H00 = t00;
    H01 = t01;
    H11 = t11;
  }
}
