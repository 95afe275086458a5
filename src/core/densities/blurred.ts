/**
 * The noisy density q_σ = p * N(0, σ² I) as a density of its own (MATH.md sections 0 and 6). A score model trained
 * at noise level σ describes q_σ, not p, so q_σ is what a sampler driven by that model targets: its moments,
 * marginals and exact draws are what the sampler's metrics must compare against.
 */
import { convolveGmm } from '../gmm.ts';
import { normals } from '../rng.ts';
import type { Density, Noise } from '../types.ts';

/** Adds σ² I to a noise (a level τ becomes √(σ² + τ²); a covariance Σ becomes Σ + σ² I). */
function addIsotropic(noise: Noise, sigma: number, d: number): Noise {
  if (typeof noise === 'number') return Math.hypot(noise, sigma);
  const S = Float64Array.from(noise);
  for (let i = 0; i < d; i++) S[i * d + i] += sigma * sigma;
  return S;
}

/**
 * q_σ = p * N(0, σ² I): exact draws x + σ z, and log q, ∇ log q, ∇² log q from `p.noisy(σ)` (closed form for
 * mixtures, the quadrature lattice for grid targets). σ = 0 returns p itself.
 */
export function blurredDensity(p: Density, sigma: number): Density {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`the noise level must be a finite number ≥ 0 (got ${sigma})`);
  if (sigma === 0) return p;
  const q = p.noisy(sigma);
  const d = p.dim;
  return {
    name: `${p.name} * N(0, ${sigma}²)`,
    dim: d,
    description: `${p.name} blurred by Gaussian noise of level σ = ${sigma}`,
    ...(p.bounds ? { bounds: p.bounds } : {}),
    ...(p.gmm ? { gmm: convolveGmm(p.gmm, sigma) } : {}),
    truth: p.truth,
    sample(rng, n) {
      const x = p.sample(rng, n);
      const z = normals(rng, n * d);
      for (let i = 0; i < x.length; i++) x[i] += sigma * z[i];
      return x;
    },
    logp: (x) => q.logp(x),
    score: (x) => q.s1(x),
    hessian: (x) => q.s2(x),
    noisy: (noise) => p.noisy(addIsotropic(noise, sigma, d)),
  };
}
