// The dense algebra of a score model's training step on WebAssembly SIMD: products, the activations and their
// derivatives, bias gradients and Adam (as src/models/adam.ts). The host (src/wasm/train/wasmTrainStep.ts) owns the
// memory layout, computes the objective and its gradient w.r.t. the outputs (src/wasm/train/objective.ts) and calls
// these in order.
//
// Matrices are row-major float32 with a row stride in floats (`ld…`); every dimension the products see is padded to a
// multiple of 4 with zeros (weights, inputs and activations of padded units are zero, so their gradients stay zero).
import { add, div, fs, kf, mad, mul, negAbsf, sel, sub } from './lib/vec';
import { expNeg } from './lib/vmath';

/** C = A·B (+ the bias row when `bias` ≠ 0): A is m×k, B is k×n; m and n multiples of 4. */
export function gemmNN(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, lda: i32, ldb: i32, ldc: i32): void {
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const bj = b + (<usize>j << 2);
    const b0 = bias ? v128.load(bias + (<usize>j << 2)) : fs(0);
    const b1 = bias ? v128.load(bias + (<usize>j << 2), 16) : fs(0);
    for (let i = 0; i < m; i += 4) {
      let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
      let pa = a + <usize>i * sa;
      let pb = bj;
      for (let p = 0; p < k; p++) {
        const v0 = v128.load(pb);
        const v1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        c00 = mad(c00, s, v0);
        c01 = mad(c01, s, v1);
        s = v128.load32_splat(pa + sa);
        c10 = mad(c10, s, v0);
        c11 = mad(c11, s, v1);
        s = v128.load32_splat(pa + 2 * sa);
        c20 = mad(c20, s, v0);
        c21 = mad(c21, s, v1);
        s = v128.load32_splat(pa + 3 * sa);
        c30 = mad(c30, s, v0);
        c31 = mad(c31, s, v1);
        pa += 4;
        pb += sb;
      }
      const pc = c + <usize>i * sc + (<usize>j << 2);
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
      v128.store(pc + sc, c10);
      v128.store(pc + sc, c11, 16);
      v128.store(pc + 2 * sc, c20);
      v128.store(pc + 2 * sc, c21, 16);
      v128.store(pc + 3 * sc, c30);
      v128.store(pc + 3 * sc, c31, 16);
    }
  }
  if (j < n) {
    const bj = b + (<usize>j << 2);
    const b0 = bias ? v128.load(bias + (<usize>j << 2)) : fs(0);
    for (let i = 0; i < m; i += 4) {
      let c0 = b0, c1 = b0, c2 = b0, c3 = b0;
      let pa = a + <usize>i * sa;
      let pb = bj;
      for (let p = 0; p < k; p++) {
        const v0 = v128.load(pb);
        c0 = mad(c0, v128.load32_splat(pa), v0);
        c1 = mad(c1, v128.load32_splat(pa + sa), v0);
        c2 = mad(c2, v128.load32_splat(pa + 2 * sa), v0);
        c3 = mad(c3, v128.load32_splat(pa + 3 * sa), v0);
        pa += 4;
        pb += sb;
      }
      const pc = c + <usize>i * sc + (<usize>j << 2);
      v128.store(pc, c0);
      v128.store(pc + sc, c1);
      v128.store(pc + 2 * sc, c2);
      v128.store(pc + 3 * sc, c3);
    }
  }
}

/** C = Aᵀ·B, the weight gradient: A is k×m, B is k×n (k rows of samples); m and n multiples of 4. */
export function gemmTN(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, lda: i32, ldb: i32, ldc: i32): void {
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    for (let i = 0; i < m; i += 4) {
      let c00 = fs(0), c01 = fs(0), c10 = fs(0), c11 = fs(0), c20 = fs(0), c21 = fs(0), c30 = fs(0), c31 = fs(0);
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const v0 = v128.load(pb);
        const v1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        c00 = mad(c00, s, v0);
        c01 = mad(c01, s, v1);
        s = v128.load32_splat(pa, 4);
        c10 = mad(c10, s, v0);
        c11 = mad(c11, s, v1);
        s = v128.load32_splat(pa, 8);
        c20 = mad(c20, s, v0);
        c21 = mad(c21, s, v1);
        s = v128.load32_splat(pa, 12);
        c30 = mad(c30, s, v0);
        c31 = mad(c31, s, v1);
        pa += sa;
        pb += sb;
      }
      const pc = c + <usize>i * sc + (<usize>j << 2);
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
      v128.store(pc + sc, c10);
      v128.store(pc + sc, c11, 16);
      v128.store(pc + 2 * sc, c20);
      v128.store(pc + 2 * sc, c21, 16);
      v128.store(pc + 3 * sc, c30);
      v128.store(pc + 3 * sc, c31, 16);
    }
  }
  if (j < n) {
    for (let i = 0; i < m; i += 4) {
      let c0 = fs(0), c1 = fs(0), c2 = fs(0), c3 = fs(0);
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const v0 = v128.load(pb);
        c0 = mad(c0, v128.load32_splat(pa), v0);
        c1 = mad(c1, v128.load32_splat(pa, 4), v0);
        c2 = mad(c2, v128.load32_splat(pa, 8), v0);
        c3 = mad(c3, v128.load32_splat(pa, 12), v0);
        pa += sa;
        pb += sb;
      }
      const pc = c + <usize>i * sc + (<usize>j << 2);
      v128.store(pc, c0);
      v128.store(pc + sc, c1);
      v128.store(pc + 2 * sc, c2);
      v128.store(pc + 3 * sc, c3);
    }
  }
}

/** dst (cols×rows, stride ldd) = srcᵀ (rows×cols, stride lds). */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32, lds: i32, ldd: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + ((<usize>j * ldd + i) << 2), load<f32>(src + ((<usize>i * lds + j) << 2)));
  }
}

/** dst[j] = Σ_t src[t, j] for j < n (a multiple of 4): the bias gradient. */
export function columnSums(src: usize, dst: usize, rows: i32, n: i32, ld: i32): void {
  const s = <usize>ld << 2;
  for (let j = 0; j < n; j += 4) {
    let acc = fs(0);
    let p = src + (<usize>j << 2);
    for (let t = 0; t < rows; t++) {
      acc = add(acc, v128.load(p));
      p += s;
    }
    v128.store(dst + (<usize>j << 2), acc);
  }
}

/** The activations, numbered as the host's `ACT_CODES` (src/wasm/train/layout.ts). */
const SOFTPLUS = 0;
const TANH = 1;
const SILU = 2;
const RELU = 3;

/** σ(x) from e = exp(−|x|) and r = 1/(1 + e): r for x ≥ 0, e·r below (no overflow either way). */
@inline function sigmoidFrom(x: v128, e: v128, r: v128): v128 {
  return sel(r, mul(e, r), f32x4.ge(x, kf(ZERO)));
}

// Constants in static memory (see lib/vec.ts: V8 re-materialises v128 constants at every use in a loop).
const ZERO = memory.data<f32>([0]);
const ONE = memory.data<f32>([1]);
const TWO = memory.data<f32>([2]);
const MINUS_TWO = memory.data<f32>([-2]);
/** 1/13, 1/11, …, 1/3: the series of atanh(t)/t in t². */
const ATANH = memory.data<f32>([1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0]);

/** The activation's value at x (into Y) and its derivative (into G); lane-wise. */
let Y: v128 = fs(0);
let G: v128 = fs(0);

/**
 * softplus = max(x, 0) + log1p(e), e = exp(−|x|), derivative σ(x); log1p(e) = 2 atanh(t), t = e/(2 + e) ≤ 1/3, by its
 * series to t¹³ (truncation < 2e-8 relative). One division: q = 1/((1 + e)(2 + e)) gives 1/(1 + e) and 1/(2 + e).
 * (pmax(x, 0) keeps a NaN x, as max does, in one instruction.)
 */
@inline function softplusAt(x: v128): void {
  const e = expNeg(negAbsf(x));
  const a = add(kf(ONE), e);
  const b = add(kf(TWO), e);
  const q = div(kf(ONE), mul(a, b));
  const t = mul(e, mul(q, a));
  const u = mul(t, t);
  const u2 = mul(u, u);
  // Σ_k u^k/(2k + 1), k = 0..6, by Estrin's scheme.
  const p01 = mad(kf(ONE), u, kf(ATANH + 20));
  const p23 = mad(kf(ATANH + 16), u, kf(ATANH + 12));
  const p45 = mad(kf(ATANH + 8), u, kf(ATANH + 4));
  const p = mad(mad(p01, u2, p23), mul(u2, u2), mad(p45, u2, kf(ATANH)));
  Y = add(f32x4.pmax(x, kf(ZERO)), mul(add(t, t), p));
  G = sigmoidFrom(x, e, mul(q, b));
}

/** tanh = sign(x)(1 − e)/(1 + e), e = exp(−2|x|); derivative 1 − tanh². */
@inline function tanhAt(x: v128): void {
  const e = expNeg(mul(kf(MINUS_TWO), f32x4.abs(x)));
  const a = div(sub(kf(ONE), e), add(kf(ONE), e));
  Y = v128.or(a, v128.and(x, i32x4.splat(0x80000000)));
  G = sub(kf(ONE), mul(Y, Y));
}

/** SiLU = x σ(x); derivative σ + x σ (1 − σ). */
@inline function siluAt(x: v128): void {
  const e = expNeg(negAbsf(x));
  const s = sigmoidFrom(x, e, div(kf(ONE), add(kf(ONE), e)));
  Y = mul(x, s);
  G = add(s, mul(mul(x, s), sub(kf(ONE), s)));
}

/** ReLU = max(x, 0); derivative 1 where x > 0 (tfjs's step). */
@inline function reluAt(x: v128): void {
  Y = f32x4.pmax(x, kf(ZERO));
  G = v128.and(f32x4.gt(x, kf(ZERO)), kf(ONE));
}

/**
 * In place over rows×ld floats at h: z ↦ act(z), and act′(z) into d; columns from `cols` on (padding) become 0.
 */
export function activate(h: usize, d: usize, rows: i32, cols: i32, ld: i32, act: i32): void {
  const full = cols & ~3;
  const tail = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(cols - full));
  for (let t = 0; t < rows; t++) {
    const row = <usize>t * ld;
    for (let j = 0; j < ld; j += 4) {
      const o = (row + j) << 2;
      const x = v128.load(h + o);
      if (act == SOFTPLUS) softplusAt(x);
      else if (act == TANH) tanhAt(x);
      else if (act == SILU) siluAt(x);
      else reluAt(x);
      if (j >= full) {
        const keep = j == full ? tail : fs(0);
        Y = v128.and(Y, keep);
        G = v128.and(G, keep);
      }
      v128.store(h + o, Y);
      v128.store(d + o, G);
    }
  }
}

/** dz = (dh + e) ⊙ d over `count` floats (a multiple of 4), in place in dh: a trunk's error from two heads. */
export function addMulInPlace(dh: usize, e: usize, d: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dh + o, mul(add(v128.load(dh + o), v128.load(e + o)), v128.load(d + o)));
  }
}

/** dz = dh ⊙ d over `count` floats (a multiple of 4), in place in dh. */
export function mulInPlace(dh: usize, d: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dh + o, mul(v128.load(dh + o), v128.load(d + o)));
  }
}

/**
 * One Adam update over `count` parameters (a multiple of 4), in tfjs's order of float32 operations (models/adam.ts):
 * m ← m β1 + g (1 − β1); v ← v β2 + g² (1 − β2); θ ← θ − m / (√v + ε) · stepSize.
 */
export function adam(theta: usize, m: usize, v: usize, g: usize, count: i32, b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, stepSize: f32): void {
  for (let i = 0; i < count; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = add(mul(v128.load(m + o), fs(b1)), mul(gi, fs(c1)));
    const vi = add(mul(v128.load(v + o), fs(b2)), mul(mul(gi, gi), fs(c2)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(theta + o, sub(v128.load(theta + o), mul(div(mi, add(f32x4.sqrt(vi), fs(eps))), fs(stepSize))));
  }
}
