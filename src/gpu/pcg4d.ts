/**
 * The counter-based generator of the fused WebGPU kernels: pcg4d (Jarzynski & Olano, "Hash Functions for GPU
 * Rendering", JCGT 2020), a PCG-style hash of 4 u32 to 4 well-mixed u32. Keyed by counters (seed, iteration,
 * chain or sample, block), it needs no generator state on the GPU. Uniforms are (u >> 8 + ½)·2⁻²⁴ in (0, 1), never 0,
 * so log u is finite. The WGSL and its TypeScript twin (for tests) live together so they cannot drift apart.
 */

/** WGSL of `pcg4d(vec4u) -> vec4u` and `unitUniform(vec4u) -> vec4f`. */
export const PCG4D_WGSL = /* wgsl */ `fn pcg4d(a: vec4u) -> vec4u {
  var v = a * 1664525u + 1013904223u;
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  v = v ^ (v >> vec4u(16u));
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  return v;
}
fn unitUniform(u: vec4u) -> vec4f {
  return (vec4f(u >> vec4u(8u)) + 0.5) * (1.0 / 16777216.0);
}`;

/** pcg4d on four u32 (TypeScript twin of the WGSL `pcg4d`). */
export function pcg4d(a: number, b: number, c: number, d: number): [number, number, number, number] {
  let x = (Math.imul(a, 1664525) + 1013904223) >>> 0;
  let y = (Math.imul(b, 1664525) + 1013904223) >>> 0;
  let z = (Math.imul(c, 1664525) + 1013904223) >>> 0;
  let w = (Math.imul(d, 1664525) + 1013904223) >>> 0;
  x = (x + Math.imul(y, w)) >>> 0;
  y = (y + Math.imul(z, x)) >>> 0;
  z = (z + Math.imul(x, y)) >>> 0;
  w = (w + Math.imul(y, z)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  y = (y ^ (y >>> 16)) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  w = (w ^ (w >>> 16)) >>> 0;
  x = (x + Math.imul(y, w)) >>> 0;
  y = (y + Math.imul(z, x)) >>> 0;
  z = (z + Math.imul(x, y)) >>> 0;
  w = (w + Math.imul(y, z)) >>> 0;
  return [x, y, z, w];
}

/** A u32 as a uniform in (0, 1): (u >> 8 + ½) · 2⁻²⁴. */
export function unitUniform(u: number): number {
  return ((u >>> 8) + 0.5) / 16777216;
}
