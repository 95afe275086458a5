/**
 * A tabulated 2-D density (`GridFieldSource`, models/exactField.ts: the grid ground truth of the non-Gaussian
 * densities, MATH.md section 6) as WGSL, for the fused sampler and field kernels: the same field as the tfjs
 * `gridScoreField` and the typed-array `gridField` (samplers/cpu/field.ts). With xc = clamp(x, lo, hi) and
 * u = min((xc − lo)/cell, G − 1 − 10⁻⁴), the six channels (log p, s1x, s1y, h11, h12, h22) are interpolated
 * bilinearly between the nodes around u; outside the window the Gaussian wall of width w continues the field:
 *   s1 −= (x − xc)/w²,  s2ᵢᵢ −= 1/w² on each coordinate outside,  log p −= ‖x − xc‖²/(2w²).
 */
import type { GridFieldSource } from '../../models/exactField.ts';
import type { CompiledSource } from './source.ts';

/** Channels per node (log p, s1x, s1y, h11, h12, h22), as `gridScoreField` stores them. */
const CH = 6;
/** Header of the MODEL data: lo (2), hi (2), cell (2), w², G − 1 − 10⁻⁴. */
const HEADER = 8;

/** Packs [lo, hi, cell, w², u_max, table] and emits the grid's `evalField`. */
export function compileGridSource(src: GridFieldSource): CompiledSource {
  const G = src.resolution;
  if (!Number.isInteger(G) || G < 2 || src.table.length !== G * G * CH) throw new Error(`grid source: a ${G}² table needs ${G * G * CH} numbers, got ${src.table.length}`);
  const data = new Float32Array(HEADER + src.table.length);
  data.set([...src.lo, ...src.hi, ...src.cell, src.wall * src.wall, G - 1 - 1e-4]);
  data.set(src.table, HEADER);
  const wgsl = /* wgsl */ `
const GRID_G: u32 = ${G}u;
fn gridAt(p00: u32, p10: u32, p01: u32, p11: u32, f: vec2f, ch: u32) -> f32 {
  let va = MODEL[p00 + ch] + f.x * (MODEL[p10 + ch] - MODEL[p00 + ch]);
  let vb = MODEL[p01 + ch] + f.x * (MODEL[p11 + ch] - MODEL[p01 + ch]);
  return va + f.y * (vb - va);
}
fn evalField() {
  let lo = vec2f(MODEL[0], MODEL[1]);
  let hi = vec2f(MODEL[2], MODEL[3]);
  let cell = vec2f(MODEL[4], MODEL[5]);
  let w2 = MODEL[6];
  let x = vec2f(fx[0], fx[1]);
  let xc = min(max(x, lo), hi);
  let out = x - xc;
  let u = min((xc - lo) / cell, vec2f(MODEL[7]));
  let iu = floor(u);
  let f = u - iu;
  let p00 = ${HEADER}u + (u32(iu.x) * GRID_G + u32(iu.y)) * ${CH}u;
  let p10 = p00 + GRID_G * ${CH}u;
  let p01 = p00 + ${CH}u;
  let p11 = p10 + ${CH}u;
  fG[0] = gridAt(p00, p10, p01, p11, f, 1u) - out.x / w2;
  fG[1] = gridAt(p00, p10, p01, p11, f, 2u) - out.y / w2;
  fLogp = gridAt(p00, p10, p01, p11, f, 0u) - dot(out, out) / (2.0 * w2);
  if (NEED_H) {
    let h12 = gridAt(p00, p10, p01, p11, f, 4u);
    fH[0] = gridAt(p00, p10, p01, p11, f, 3u) - select(0.0, 1.0 / w2, out.x != 0.0);
    fH[1] = h12;
    fH[2] = h12;
    fH[3] = gridAt(p00, p10, p01, p11, f, 5u) - select(0.0, 1.0 / w2, out.y != 0.0);
  }
}
`;
  return { dim: 2, wgsl, data, hessian: 'full', logp: true, describe: `grid-interpolated density (${G}² nodes)` };
}
