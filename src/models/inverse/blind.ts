/**
 * Blind estimation of a degradation (MATH.md section 5): Σ̂ = argmax_Σ Σ_n log p(y_n | Σ) over a grid of the
 * covariance family's parameters, with log p = −U up to the model's log Z, a constant that cancels in the argmax
 * only if A-CSM made it the same for every Σ (paper 2's ablation: without A-CSM the argmax lands elsewhere).
 *
 * On digits the family is the centred W×W box hidden at `VAR_MAX`, the rest seen with noise σ₁: the surface
 * is log p(y | W, σ₁) on a grid of box sizes and σ₁ values.
 */
import type { ImageEnergy } from './imageEnergy.ts';
import { centredBox, observationVariance, seenMask } from './problems.ts';

export interface BlindGrid {
  /** First parameter's values (box sizes W on digits). */
  a: number[];
  /** Second parameter's values (σ₁ on digits). */
  b: number[];
}

export interface BlindSurface {
  grid: BlindGrid;
  /** log p(y | a_i, b_j) up to one constant, summed over the observations: rows b (σ₁), columns a (W). */
  surface: number[][];
  /** The argmax. */
  estimate: { a: number; b: number };
}

/** Default digits grid: W = 2..26 and σ₁ log-spaced over [0.01, 0.5] (16 values, ratio ≈ 1.3). */
export function defaultDigitsGrid(): BlindGrid {
  const a = Array.from({ length: 25 }, (_, i) => i + 2);
  const b = Array.from({ length: 16 }, (_, j) => 0.01 * Math.pow(50, j / 15));
  return { a, b };
}

/** log-variance map of the digits family: centred W×W box hidden, the rest seen with noise σ₁. */
export function boxFamilyLogVariance(w: number, sigma1: number): Float32Array {
  const p = centredBox(w);
  return observationVariance(p, seenMask(p), sigma1).map(Math.log);
}

/**
 * The surface of Σ_n −U(y_n, Σ(a, b)) over the grid, for N observations `ys` ([N·d]) that share Σ; `logVar(a, b)`
 * gives the family's log-variance map. Evaluates the energy in batches of `batch` images.
 */
export async function blindSurface(
  energy: ImageEnergy,
  ys: Float32Array,
  count: number,
  grid: BlindGrid,
  logVar: (a: number, b: number) => Float32Array,
  opts: { batch?: number; onProgress?: (done: number, total: number) => Promise<void> | void } = {},
): Promise<BlindSurface> {
  const d = energy.d;
  if (ys.length !== count * d) throw new Error(`blindSurface: ${count} observations need ${count * d} numbers, got ${ys.length}`);
  const cells: [number, number][] = [];
  grid.b.forEach((_, j) => grid.a.forEach((_, i) => cells.push([i, j])));
  const surface = grid.b.map(() => grid.a.map(() => 0));
  const perBatch = Math.max(1, Math.floor((opts.batch ?? 64) / count));
  for (let s = 0; s < cells.length; s += perBatch) {
    const chunk = cells.slice(s, s + perBatch);
    const n = chunk.length * count;
    const y = new Float32Array(n * d);
    const lv = new Float32Array(n * d);
    chunk.forEach(([i, j], c) => {
      const map = logVar(grid.a[i], grid.b[j]);
      for (let k = 0; k < count; k++) {
        y.set(ys.subarray(k * d, (k + 1) * d), (c * count + k) * d);
        lv.set(map, (c * count + k) * d);
      }
    });
    const u = await energy.energy(y, lv, n);
    chunk.forEach(([i, j], c) => {
      let sum = 0;
      for (let k = 0; k < count; k++) sum -= u[c * count + k];
      surface[j][i] = sum;
    });
    if (opts.onProgress) await opts.onProgress(Math.min(s + perBatch, cells.length), cells.length);
  }
  let best = { i: 0, j: 0, v: -Infinity };
  surface.forEach((row, j) => row.forEach((v, i) => {
    if (v > best.v) best = { i, j, v };
  }));
  return { grid, surface, estimate: { a: grid.a[best.i], b: grid.b[best.j] } };
}
