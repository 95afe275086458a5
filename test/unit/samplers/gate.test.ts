/**
 * The sweep's bias gate (issue 17, item 3): the whitened covariance error ‖C^{-1/2} Ĉ C^{-1/2} − I‖₂ on a sample
 * whose moments are known in closed form, against the relative error ‖Ĉ − C‖_F / ‖C‖_F it replaces.
 */
import { describe, expect, it } from 'vitest';
import { cholesky, matmul, solveLower, transpose } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { sampleCovariance, whitenedCovError } from '../../../src/core/stats.ts';
import { getDensity } from '../../../src/core/densities/index.ts';
import { samplerMetrics } from '../../../src/samplers/metrics.ts';
import { samplerTarget } from '../../../src/samplers/target.ts';

/** Σ = R diag(v) Rᵀ for the rotation R by π/4 (corr-gauss's axes). */
function rotated(v1: number, v2: number): Float64Array {
  const c = Math.SQRT1_2;
  return Float64Array.of(c * c * v1 + c * c * v2, c * c * (v1 - v2), c * c * (v1 - v2), c * c * v1 + c * c * v2);
}

/** n points in 2-D whose sample mean is 0 and whose sample covariance (n − 1) is exactly Σ: seeded normals, whitened. */
function exactMoments(Sigma: Float64Array, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: 2 * n }, () => rng.normal());
  for (const j of [0, 1]) {
    let m = 0;
    for (let s = 0; s < n; s++) m += x[2 * s + j] / n;
    for (let s = 0; s < n; s++) x[2 * s + j] -= m;
  }
  const Ls = cholesky(sampleCovariance(x, 2), 2);
  const L = cholesky(Sigma, 2);
  const out = new Float64Array(2 * n);
  for (let s = 0; s < n; s++) {
    const z = solveLower(Ls, [x[2 * s], x[2 * s + 1]], 2);
    out[2 * s] = L[0] * z[0];
    out[2 * s + 1] = L[2] * z[0] + L[3] * z[1];
  }
  return out;
}

describe('whitened covariance error (the sweep gate)', () => {
  // corr-gauss: variances 2 and 0.02 along the diagonals. Langevin's stationary covariance at step ε (MATH.md 3,
  // this convention) inflates each principal variance v to v / (1 − ε / (4 v)).
  const eps = 0.0717;
  const C = rotated(2, 0.02);
  const inflate = (v: number) => v / (1 - eps / (4 * v));
  const Chat = rotated(inflate(2), inflate(0.02));
  const sample = exactMoments(Chat, 400, 3);

  it('equals max_i |Ĉ_i / C_i − 1| in closed form (8.64 for Langevin at ε = 0.0717), where the relative error is 0.087 (to 1e-9)', () => {
    const whitened = (0.0717 / 0.08) / (1 - 0.0717 / 0.08); // the narrow axis: 1 / (1 − ε/0.08) − 1
    expect(whitenedCovError(sampleCovariance(sample, 2), C, 2)).toBeCloseTo(whitened, 9);
    expect(whitened).toBeCloseTo(8.6386, 4);
    // The former gate's value: ‖Ĉ − C‖_F / ‖C‖_F, dominated by the wide axis: it passes at ≤ 0.1.
    const relative = Math.hypot(inflate(2) - 2, inflate(0.02) - 0.02) / Math.hypot(2, 0.02);
    expect(relative).toBeCloseTo(0.08685, 4);
  });

  it('is affine invariant: the same for A Ĉ Aᵀ against A C Aᵀ (to 1e-9); the relative error is not', () => {
    const A = Float64Array.of(3, -1, 0.5, 2);
    const At = transpose(A, 2, 2);
    const map = (S: Float64Array) => matmul(matmul(A, S, 2, 2, 2), At, 2, 2, 2);
    expect(whitenedCovError(map(Chat), map(C), 2)).toBeCloseTo(whitenedCovError(Chat, C, 2), 9);
    expect(whitenedCovError(C, C, 2)).toBeCloseTo(0, 12);
    // A variance too small counts as much as one too large: |0.5 − 1|.
    expect(whitenedCovError(rotated(2, 0.01), C, 2)).toBeCloseTo(0.5, 12);
    expect(whitenedCovError(Chat, Float64Array.of(1, 1, 1, 1), 2)).toBeNaN();
  });

  it('is what samplerMetrics reports as covErrorWhitened, next to covError (float32 draws: to 1e-4)', () => {
    const target = samplerTarget(getDensity('corr-gauss'), { reference: 50 });
    // 400 draws as 2 chains of 200 iterations, layout [iters][chains][dim].
    const data = new Float32Array(800);
    for (let s = 0; s < 400; s++) {
      const t = s % 200;
      const c = Math.floor(s / 200);
      data[(t * 2 + c) * 2] = sample[2 * s];
      data[(t * 2 + c) * 2 + 1] = sample[2 * s + 1];
    }
    const m = samplerMetrics({ data, iters: 200, chains: 2, dim: 2 }, target, { divergedAt: [-1, -1], seconds: 1 });
    expect(Math.abs(m.covErrorWhitened / 8.6386 - 1)).toBeLessThan(1e-4);
    expect(m.covError).toBeCloseTo(0.08685, 4);
    expect(m.essBulkMin).toBeGreaterThan(0);
    expect(m.essTailMin).toBeGreaterThan(0);
  });
});
