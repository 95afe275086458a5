/**
 * Inverse problems on 28×28 digits in the anisotropic-denoising form of MATH.md section 5: y = x + Σ^{1/2} ε with
 * a pixel-diagonal Σ = diag(v). A hidden pixel is "seen" with the huge variance `VAR_MAX` (so its y is noise
 * with standard deviation 10, as the forward model says: blind estimation relies on it); a seen pixel has the
 * variance σ₁². Pure: no tfjs.
 *
 * Problem specs (the CLI's `--problem` and the lab's URL):
 *   box:X,Y,W,H   the W×H box with top-left pixel (X, Y) hidden, the rest seen with noise σ₁
 *   kpix:K        K random pixels seen with noise σ₁, the rest hidden
 *   noise:S       every pixel seen with noise S (denoising)
 */
import type { Rng } from '../../core/types.ts';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
/** The variance range the energy model was trained on (training/energy_model.py). */
export const VAR_MIN = 1e-4;
export const VAR_MAX = 1e2;
/** The seen pixels' noise when none is given. */
export const DEFAULT_SIGMA1 = 0.02;
export const SIGMA_MIN = Math.sqrt(VAR_MIN);
/** Seen pixels noisier than this are no longer "seen": keep σ₁ well below the hidden pixels' std 10. */
export const SIGMA1_MAX = 1;

export type Problem =
  | { kind: 'box'; x: number; y: number; w: number; h: number }
  | { kind: 'kpix'; k: number }
  | { kind: 'noise'; sigma: number };

export const PROBLEM_SYNTAX = 'box:X,Y,W,H (a W×H box hidden, top-left pixel X,Y), kpix:K (K random pixels seen) or noise:S (every pixel seen with noise S)';

/** Thrown for a malformed or out-of-range problem; the message says what is wrong and what is allowed. */
export class ProblemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProblemError';
  }
}

function integers(text: string, count: number, what: string): number[] {
  const parts = text.split(',');
  if (parts.length !== count || !parts.every((p) => /^\d+$/.test(p.trim()))) {
    throw new ProblemError(`${what} needs ${count} non-negative integers separated by commas, got "${text}"`);
  }
  return parts.map((p) => Number(p.trim()));
}

/** Problems with a problem, as sentences (empty when valid). */
export function problemErrors(p: Problem): string[] {
  const errs: string[] = [];
  if (p.kind === 'box') {
    if (!(p.w >= 1 && p.h >= 1)) errs.push(`the box must be at least 1×1 pixel, got ${p.w}×${p.h}`);
    if (!(p.x >= 0 && p.y >= 0 && p.x + p.w <= SIDE && p.y + p.h <= SIDE)) {
      errs.push(`the box ${p.w}×${p.h} at (${p.x}, ${p.y}) leaves the ${SIDE}×${SIDE} image: need X + W ≤ ${SIDE} and Y + H ≤ ${SIDE}`);
    }
    if (p.w * p.h >= PIXELS) errs.push('the box hides every pixel: nothing is observed');
  } else if (p.kind === 'kpix') {
    if (!(Number.isInteger(p.k) && p.k >= 1 && p.k < PIXELS)) errs.push(`k must be an integer in 1..${PIXELS - 1}, got ${p.k}`);
  } else if (!(p.sigma >= SIGMA_MIN && p.sigma <= 10)) {
    errs.push(`the noise level must be in [${SIGMA_MIN}, 10] (the model's variance range), got ${p.sigma}`);
  }
  return errs;
}

/** Parses a problem spec (see the module comment); throws a `ProblemError` that names the fix. */
export function parseProblem(spec: string): Problem {
  const m = /^\s*([a-z]+):(.*)$/.exec(spec);
  if (!m) throw new ProblemError(`unknown problem "${spec}": use ${PROBLEM_SYNTAX}`);
  let p: Problem;
  if (m[1] === 'box') {
    const [x, y, w, h] = integers(m[2], 4, 'box:X,Y,W,H');
    p = { kind: 'box', x, y, w, h };
  } else if (m[1] === 'kpix') {
    const [k] = integers(m[2], 1, 'kpix:K');
    p = { kind: 'kpix', k };
  } else if (m[1] === 'noise') {
    const s = m[2].trim();
    if (!/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) throw new ProblemError(`noise:S needs a positive number, got "${m[2]}"`);
    p = { kind: 'noise', sigma: Number(s) };
  } else {
    throw new ProblemError(`unknown problem kind "${m[1]}": use ${PROBLEM_SYNTAX}`);
  }
  const errs = problemErrors(p);
  if (errs.length) throw new ProblemError(errs.join('; '));
  return p;
}

/** The spec string of a problem (parseProblem's inverse). */
export function formatProblem(p: Problem): string {
  if (p.kind === 'box') return `box:${p.x},${p.y},${p.w},${p.h}`;
  if (p.kind === 'kpix') return `kpix:${p.k}`;
  return `noise:${p.sigma}`;
}

/** The centred W×W box of blind estimation (for odd 28 − W the extra row and column go below and right). */
export function centredBox(w: number): Problem {
  const x = Math.floor((SIDE - w) / 2);
  return { kind: 'box', x, y: x, w, h: w };
}

/**
 * Which pixels are seen (1) or hidden (0), row-major 28×28. `kpix` draws its K pixels from `rng` (uniformly,
 * without replacement); the other kinds ignore it.
 */
export function seenMask(p: Problem, rng?: Rng): Uint8Array {
  const seen = new Uint8Array(PIXELS).fill(1);
  if (p.kind === 'box') {
    for (let r = p.y; r < p.y + p.h; r++) for (let c = p.x; c < p.x + p.w; c++) seen[r * SIDE + c] = 0;
  } else if (p.kind === 'kpix') {
    if (!rng) throw new Error('seenMask: a kpix problem needs an rng to choose its pixels');
    seen.fill(0);
    const order = Array.from({ length: PIXELS }, (_, i) => i);
    for (let i = 0; i < p.k; i++) {
      const j = i + rng.int(PIXELS - i);
      [order[i], order[j]] = [order[j], order[i]];
      seen[order[i]] = 1;
    }
  }
  return seen;
}

/** The observation's per-pixel variances v (Σ = diag(v)): σ₁² where seen, `VAR_MAX` where hidden. */
export function observationVariance(p: Problem, seen: Uint8Array, sigma1 = DEFAULT_SIGMA1): Float32Array {
  const s2 = p.kind === 'noise' ? p.sigma * p.sigma : sigma1 * sigma1;
  return Float32Array.from(seen, (s) => (s ? s2 : VAR_MAX));
}

/** Checks σ₁ for the box and kpix problems; throws a `ProblemError` naming the range. */
export function checkSigma1(sigma1: number): void {
  if (!(sigma1 >= SIGMA_MIN && sigma1 <= SIGMA1_MAX)) {
    throw new ProblemError(`sigma1 must be in [${SIGMA_MIN}, ${SIGMA1_MAX}] (seen pixels, below the hidden ones' std 10), got ${sigma1}`);
  }
}

/** y = x + v^{1/2} ε (hidden pixels become noise of std 10, as the forward model says). */
export function observe(x: ArrayLike<number>, variance: ArrayLike<number>, rng: Rng): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < y.length; i++) y[i] = x[i] + Math.sqrt(variance[i]) * rng.normal();
  return y;
}
