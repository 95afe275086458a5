/**
 * Blind estimation (src/models/inverse/blind.ts) with the exact energy of a Gaussian prior recovers the true Σ
 * parameters: 300 observations of a 16-pixel correlated Gaussian share Σ (the first `a` pixels hidden at variance
 * 100, the rest seen with noise b); the argmax of Σ_n log p(y_n | Σ) over a 9 × 12 grid is the truth, for three
 * truths. And the digits family puts the centred W×W box at VAR_MAX.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { blindSurface, boxFamilyLogVariance, defaultDigitsGrid } from '../../../src/models/inverse/blind.ts';
import { gaussianImageEnergy } from '../../../src/models/inverse/imageEnergy.ts';
import { VAR_MAX } from '../../../src/models/inverse/problems.ts';

const d = 16;
const mean = Array.from({ length: d }, (_, i) => 0.2 + 0.03 * i);
const C = new Array(d * d).fill(0).map((_, k) => {
  const i = Math.floor(k / d);
  const j = k % d;
  return 0.04 * Math.pow(0.7, Math.abs(i - j));
});
const energy = gaussianImageEnergy(mean, C);
const logVar = (a: number, b: number) => Float32Array.from({ length: d }, (_, i) => Math.log(i < a ? VAR_MAX : b * b));

function observations(a: number, b: number, n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  // x ~ N(m, C) by the Cholesky factor of C (a Kac–Murdock–Szegő matrix: AR(1) recursion)
  const ys = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    let prev = 0;
    for (let i = 0; i < d; i++) {
      const z = i === 0 ? rng.normal() : 0.7 * prev + Math.sqrt(1 - 0.49) * rng.normal();
      prev = z;
      const v = Math.exp(logVar(a, b)[i]);
      ys[k * d + i] = mean[i] + 0.2 * z + Math.sqrt(v) * rng.normal();
    }
  }
  return ys;
}

describe('blind estimation with the exact Gaussian energy', () => {
  const grid = { a: [0, 1, 2, 3, 4, 5, 6, 7, 8], b: Array.from({ length: 12 }, (_, j) => 0.02 * Math.pow(1.5, j)) };
  for (const [a, j] of [
    [3, 4],
    [6, 1],
    [0, 8],
  ]) {
    it(`recovers a = ${a}, b = ${grid.b[j].toFixed(3)}`, async () => {
      const ys = observations(a, grid.b[j], 300, 10 + a);
      const s = await blindSurface(energy, ys, 300, grid, logVar);
      expect(s.estimate).toEqual({ a, b: grid.b[j] });
      expect(s.surface).toHaveLength(grid.b.length);
      expect(s.surface[0]).toHaveLength(grid.a.length);
    });
  }
});

describe('digits box family', () => {
  it('hides the centred W×W box at VAR_MAX and sees the rest with σ₁²', () => {
    const lv = boxFamilyLogVariance(10, 0.1);
    const hidden = Array.from(lv).filter((v) => Math.abs(v - Math.log(VAR_MAX)) < 1e-5).length;
    expect(hidden).toBe(100);
    expect(lv[0]).toBeCloseTo(Math.log(0.01), 5);
    expect(lv[14 * 28 + 14]).toBeCloseTo(Math.log(VAR_MAX), 5);
    const g = defaultDigitsGrid();
    expect(g.a[0]).toBe(2);
    expect(g.b[0]).toBeCloseTo(0.01, 10);
    expect(g.b[g.b.length - 1]).toBeCloseTo(0.5, 10);
  });
});
