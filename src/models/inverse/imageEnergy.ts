/**
 * The interface the image inverse-problem algorithms (annealed sampling, blind estimation, schedules) use for
 * an energy U(y, Σ) ≈ −log p(y | Σ) with pixel-diagonal Σ = diag(v) (MATH.md section 5), plus the exact energy
 * of a Gaussian prior for tests.
 *
 * Batches are row-major Float32Arrays of n images × d pixels; the variance enters as lv = log v. Implementations:
 * the trained network (`networkEnergy.ts`, tfjs, read back with `await data()`) and `gaussianImageEnergy`
 * (closed form, Float64 inside). Keeping the algorithms on plain arrays makes them exact-testable and keeps the
 * per-pixel arithmetic (a few thousand numbers per step) off the tensor queue.
 */
import { choleskyInverse, choleskyLogDet, cholesky, matvec } from '../../core/linalg.ts';

export interface EnergyEval {
  /** U(y_j, v_j) per image, [n]. */
  u: Float32Array;
  /** ∇_y U, [n·d]. */
  gy: Float32Array;
  /** ∂U/∂(log v_i) = v_i ∂U/∂v_i, [n·d]; only when asked for. */
  glv?: Float32Array;
}

export interface ImageEnergy {
  /** Pixels per image. */
  readonly d: number;
  /** Per-pixel variance of the data (the sampler's preconditioner uses it). */
  readonly dataVar: Float32Array;
  /** U and its gradients for n images (y and lv both [n·d]). */
  evaluate(y: Float32Array, lv: Float32Array, n: number, opts?: { sigmaGrad?: boolean }): Promise<EnergyEval>;
  /** U alone (blind estimation needs no gradient). */
  energy(y: Float32Array, lv: Float32Array, n: number): Promise<Float32Array>;
}

/**
 * The exact energy of a Gaussian prior x ~ N(m, C): y | Σ ~ N(m, C + Σ), so with A = C + diag(v)
 *   U = ½ (y − m)ᵀ A⁻¹ (y − m) + ½ log det(2π A),  ∇_y U = A⁻¹ (y − m),
 *   v_i ∂U/∂v_i = ½ v_i ([A⁻¹]_ii − [A⁻¹ (y − m)]_i²)                       (MATH.md section 5, covariance Tweedie).
 * Dense d×d algebra per image: for tests on small d.
 */
export function gaussianImageEnergy(mean: ArrayLike<number>, cov: ArrayLike<number>): ImageEnergy {
  const d = mean.length;
  if (cov.length !== d * d) throw new Error(`gaussianImageEnergy: the covariance must be ${d}×${d}`);
  const dataVar = Float32Array.from({ length: d }, (_, i) => cov[i * d + i]);
  const one = (y: Float32Array, lv: Float32Array, j: number, sigmaGrad: boolean) => {
    const A = Float64Array.from(cov);
    for (let i = 0; i < d; i++) A[i * d + i] += Math.exp(lv[j * d + i]);
    const L = cholesky(A, d, 'C + Σ');
    const inv = choleskyInverse(L, d);
    const r = Float64Array.from({ length: d }, (_, i) => y[j * d + i] - mean[i]);
    const g = matvec(inv, r, d, d);
    let quad = 0;
    for (let i = 0; i < d; i++) quad += r[i] * g[i];
    const u = 0.5 * quad + 0.5 * (choleskyLogDet(L, d) + d * Math.log(2 * Math.PI));
    const glv = sigmaGrad ? Float64Array.from({ length: d }, (_, i) => 0.5 * Math.exp(lv[j * d + i]) * (inv[i * d + i] - g[i] * g[i])) : undefined;
    return { u, g, glv };
  };
  const evaluate = async (y: Float32Array, lv: Float32Array, n: number, opts: { sigmaGrad?: boolean } = {}): Promise<EnergyEval> => {
    const u = new Float32Array(n);
    const gy = new Float32Array(n * d);
    const glv = opts.sigmaGrad ? new Float32Array(n * d) : undefined;
    for (let j = 0; j < n; j++) {
      const o = one(y, lv, j, !!opts.sigmaGrad);
      u[j] = o.u;
      gy.set(o.g, j * d);
      if (glv && o.glv) glv.set(o.glv, j * d);
    }
    return { u, gy, glv };
  };
  return {
    d,
    dataVar,
    evaluate,
    energy: async (y, lv, n) => (await evaluate(y, lv, n)).u,
  };
}
