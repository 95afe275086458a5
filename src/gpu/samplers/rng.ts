/**
 * The fused samplers' counter-based random numbers: every draw is a pure function of (seed, t, chain, stream),
 * so a chain's noise at iteration t does not depend on how the iterations were split into dispatches, and the
 * GPU needs no generator state. The generator is the shared `pcg4d` hash (gpu/pcg4d.ts); normals come from
 * Box–Muller on pairs of its uniforms (r = √(−2 log u₁),
 * θ = π (2u₂ − 1)). WGSL specifies sin and cos only to 2⁻¹¹ absolute, so shader normals match the float64 twin
 * to about r · 2⁻¹¹.
 *
 * Streams: ξ_i (coordinate i of the noise) is component i mod 4 of block ⌊i/4⌋; log U (MALA) uses stream
 * `UNIFORM_STREAM`. This module holds the WGSL and a TypeScript twin of it, used by the tests.
 */
import { PCG4D_WGSL, pcg4d, unitUniform } from '../pcg4d.ts';

/** Stream of the MALA log-uniform draw (the ξ blocks use streams 0, 1, ...). */
export const UNIFORM_STREAM = 0x80000000;

/** The seed as the shader sees it (a u32). */
export function seedWord(seed: number): number {
  return Math.trunc(seed) >>> 0;
}

/**
 * The noise the fused kernels draw for one chain at iteration t (1-based): ξ ~ N(0, I_d) and log U, computed in
 * float64 (the shader computes the same in float32).
 */
export function fusedNoise(seed: number, t: number, chain: number, d: number): { xi: Float64Array; logU: number } {
  const s = seedWord(seed);
  const xi = new Float64Array(d);
  for (let block = 0; block * 4 < d; block++) {
    const u = pcg4d(s, t >>> 0, chain >>> 0, block).map(unitUniform);
    for (let p = 0; p < 2; p++) {
      const r = Math.sqrt(-2 * Math.log(u[2 * p]));
      const th = Math.PI * (2 * u[2 * p + 1] - 1);
      const i = block * 4 + 2 * p;
      if (i < d) xi[i] = r * Math.cos(th);
      if (i + 1 < d) xi[i + 1] = r * Math.sin(th);
    }
  }
  const logU = Math.log(unitUniform(pcg4d(s, t >>> 0, chain >>> 0, UNIFORM_STREAM)[0]));
  return { xi, logU };
}

/** WGSL of the generator: `pcg4d`, `normals4(t, chain, block)` and `logUniform(t, chain)` (needs `P.seed`). */
export const RNG_WGSL = /* wgsl */ `
${PCG4D_WGSL}
fn normals4(t: u32, chain: u32, block: u32) -> vec4f {
  let u = unitUniform(pcg4d(vec4u(P.seed, t, chain, block)));
  let r = sqrt(-2.0 * log(u.xz));
  // θ in [−π, π), where WGSL's sin and cos are specified (absolute error ≤ 2⁻¹¹).
  let th = 3.141592653589793 * (2.0 * u.yw - 1.0);
  return vec4f(r.x * cos(th.x), r.x * sin(th.x), r.y * cos(th.y), r.y * sin(th.y));
}
fn logUniform(t: u32, chain: u32) -> f32 {
  return log(unitUniform(pcg4d(vec4u(P.seed, t, chain, ${UNIFORM_STREAM}u))).x);
}
`;
