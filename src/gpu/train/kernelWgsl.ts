/**
 * WGSL of the fused training step's two kernels, generated per model spec (sizes and constants are compiled in):
 *
 * 1. `gradKernel` — one workgroup per slice of the batch: input rows (x ± σz, x, standardised; z from the
 *    counter-based generator or from a buffer), the forward pass of every network layer by layer, the loss and its
 *    gradient (lossWgsl.ts), then backpropagation layer by layer, writing the slice's summed weight gradient to its
 *    own partial-gradient row (no atomics). Activations live in a per-workgroup scratch block; phases are separated
 *    by storage barriers. Products run on register tiles: 8×8 when both sizes of a layer are multiples of 8,
 *    4×4 on vec4 loads when they are multiples of 4, 4×4 on scalar loads otherwise (the scratch rows and the
 *    parameter tensors are padded to vec4s, layout.ts).
 * 2. `adamKernel` — one thread per parameter: sums the partial gradients and applies Adam exactly as
 *    `models/adam.ts` (m, v, then θ − (m / (√v + ε)) · stepSize, stepSize = lr·√(1−β2ᵗ)/(1−β1ᵗ) from the host);
 *    one extra invocation combines the workgroups' loss statistics into [mean, variance, mean first, mean second]
 *    and adds them to the statistics accumulator (the trainer's report; the variance is tf.moments's). Neither
 *    reduction uses a workgroup barrier: on SwiftShader a barrier turns every 4-lane subgroup into a coroutine,
 *    which cost ~70 ms per dispatch of 17k parameters.
 */
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { activationWgsl } from '../activationsWgsl.ts';
import { PCG4D_WGSL } from '../pcg4d.ts';
import { f32Lit } from './literal.ts';
import { hGradWidth, pad4, rowsPerSample, scratchLayout, type DenseAt, type ParamLayout, type ScratchLayout } from './layout.ts';
import { lossWgsl, type LossOptions } from './lossWgsl.ts';

/** Invocations per workgroup of the gradient kernel and of the Adam kernel. */
export const WORKGROUP = 64;
export const ADAM_WORKGROUP = 256;

/** Bytes of the per-step uniform block (bound at a dynamic offset, one per step of a submission). */
export const STEP_UNIFORM_BYTES = 48;

const STEP_STRUCT = `struct Step {
  batch: u32, samplesPerGroup: u32, groups: u32, rowsPad: u32,
  step: u32, xOffset: u32, seed: u32, pad0: u32,
  gamma: f32, invBatch: f32, stepSize: f32, pad1: f32,
}`;

/** Where the noise of a step comes from: the in-shader counter-based generator, or a buffer (parity tests). */
export type NoiseSource = 'shader' | 'buffer';

export interface KernelOptions extends LossOptions {
  noise: NoiseSource;
}

/**
 * Standard normals from the shared counter-based generator (gpu/pcg4d.ts), 4 uniforms per (sample, step, seed,
 * block); Box–Muller with θ in [−π, π), where WGSL specifies sin and cos (absolute error ≤ 2⁻¹¹).
 */
const NOISE = `${PCG4D_WGSL}
fn normalAt(sample: u32, d: u32) -> f32 {
  let uf = unitUniform(pcg4d(vec4<u32>(sample, u.step, u.seed, d / 4u)));
  let pair = (d % 4u) / 2u;
  let u1 = select(uf.x, uf.z, pair == 1u);
  let u2 = select(uf.y, uf.w, pair == 1u);
  let r = sqrt(-2.0 * log(u1));
  let th = 3.141592653589793 * (2.0 * u2 - 1.0);
  return select(r * cos(th), r * sin(th), (d % 2u) == 1u);
}`;

/** The workgroup's loss statistics (count, mean, M2 = Σ(x − mean)², Σ first, Σ second) for the Adam kernel. */
const WORKGROUP_STATS = `if (lid == 0u) {
    var t = 0.0; var f = 0.0; var q = 0.0;
    for (var s = 0u; s < ns; s++) { let l = scr[(r_L >> 2u) + s]; t += l.x; f += l.y; q += l.z; }
    let mean = t / f32(ns);
    var m2 = 0.0;
    for (var s = 0u; s < ns; s++) { let e = scr[(r_L >> 2u) + s].x - mean; m2 += e * e; }
    stat[g * 8u] = f32(ns); stat[g * 8u + 1u] = mean; stat[g * 8u + 2u] = m2; stat[g * 8u + 3u] = f; stat[g * 8u + 4u] = q;
  }`;

const regionVar = (name: string) => `r_${name.replace(/\./g, '_')}`;


/** `vec4(src(i0), src(i0+1), …)` with indices past `n` clamped to n − 1 (their lanes are never stored). */
function vec4Of(n: number, i0: string, at: (i: string) => string): string {
  const idx = (k: number) => (k === 0 ? i0 : n % 4 === 0 ? `${i0} + ${k}u` : `min(${i0} + ${k}u, ${n - 1}u)`);
  return `vec4<f32>(${[0, 1, 2, 3].map((k) => at(idx(k))).join(', ')})`;
}

/** Whether a layer's products can run on whole vec4s (both sizes multiples of 4; offsets are, see layout.ts). */
const vecLayer = (l: DenseAt) => l.fanIn % 4 === 0 && l.fanOut % 4 === 0;


/** Whether a layer runs on 8×8 register tiles (both sizes multiples of 8): half the loads per multiply-add of 4×4. */
const wideLayer = (l: DenseAt) => l.fanIn % 8 === 0 && l.fanOut % 8 === 0;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const decl8x2 = () => range(8).map((r) => `var a${r}_0 = vec4<f32>(); var a${r}_1 = vec4<f32>();`).join(' ');

/** forwardLayer on 8 rows × 8 columns per invocation: per 4 inputs, 16 vec4 loads for 256 multiply-adds. */
function forwardWide(l: DenseAt, inR: string, outR: string, derivR: string | null): string {
  const { fanIn: IN, fanOut: OUT } = l;
  const CT = OUT / 8;
  const q = OUT / 4;
  const si4 = IN / 4;
  const body = range(8)
    .map((r) => `{ let x = scr[ib + ${r * si4}u + k4];
          ${range(2).map((c) => `a${r}_${c} += x.x * w0_${c} + x.y * w1_${c} + x.z * w2_${c} + x.w * w3_${c};`).join(' ')} }`)
    .join('\n        ');
  const store = range(8)
    .flatMap((r) =>
      range(2).map((c) => {
        const at = `((${outR} + (r0 + ${r}u) * ${OUT}u + j0) >> 2u) + ${c}u`;
        if (!derivR) return `scr[${at}] = a${r}_${c} + b${c};`;
        const dat = `((${derivR} + (r0 + ${r}u) * ${OUT}u + j0) >> 2u) + ${c}u`;
        return `{ let y = a${r}_${c} + b${c}; let f0 = actPair(y.x); let f1 = actPair(y.y); let f2 = actPair(y.z); let f3 = actPair(y.w);
        scr[${at}] = vec4<f32>(f0.x, f1.x, f2.x, f3.x); scr[${dat}] = vec4<f32>(f0.y, f1.y, f2.y, f3.y); }`;
      }),
    )
    .join('\n      ');
  return `{
    let nt = nt8 * ${CT}u;
    for (var t = lid; t < nt; t += WG) {
      let r0 = (t / ${CT}u) * 8u;
      let j0 = (t % ${CT}u) * 8u;
      ${decl8x2()}
      let ib = (${inR} >> 2u) + r0 * ${si4}u;
      for (var k4 = 0u; k4 < ${si4}u; k4++) {
        let wb = ${l.w / 4}u + k4 * ${OUT}u + (j0 >> 2u);
        ${range(4).map((k) => `let w${k}_0 = prm4[wb + ${k * q}u]; let w${k}_1 = prm4[wb + ${k * q + 1}u];`).join('\n        ')}
        ${body}
      }
      let b0 = prm4[${l.b / 4}u + (j0 >> 2u)]; let b1 = prm4[${l.b / 4}u + (j0 >> 2u) + 1u];
      ${store}
    }
  }`;
}

/** The weight gradient on 8×8 tiles of W: per row, 4 vec4 loads for 64 multiply-adds. */
function weightGradWide(l: DenseAt, inR: string, deltaR: string): string {
  const { fanIn: IN, fanOut: OUT } = l;
  const CJ = OUT / 8;
  const acc = range(8)
    .map((i) => `a${i}_0 += x${i >> 2}[${i & 3}] * d0; a${i}_1 += x${i >> 2}[${i & 3}] * d1;`)
    .join('\n        ');
  const stores = range(8)
    .map((i) => `part[((pb + ${l.w}u + (i0 + ${i}u) * ${OUT}u + j0) >> 2u)] = a${i}_0; part[((pb + ${l.w}u + (i0 + ${i}u) * ${OUT}u + j0) >> 2u) + 1u] = a${i}_1;`)
    .join('\n      ');
  return `{
    for (var t = lid; t < ${(IN / 8) * CJ}u; t += WG) {
      let i0 = (t / ${CJ}u) * 8u;
      let j0 = (t % ${CJ}u) * 8u;
      ${decl8x2()}
      for (var r = 0u; r < nr; r++) {
        let xb = ((${inR} + r * ${IN}u + i0) >> 2u);
        let db = ((${deltaR} + r * ${OUT}u + j0) >> 2u);
        let x0 = scr[xb]; let x1 = scr[xb + 1u]; let d0 = scr[db]; let d1 = scr[db + 1u];
        ${acc}
      }
      ${stores}
    }
    for (var j = lid; j < ${OUT}u; j += WG) {
      var s = 0.0;
      for (var r = 0u; r < nr; r++) { s += S(${deltaR} + r * ${OUT}u + j); }
      setP(pb + ${l.b}u + j, s);
    }
  }`;
}

/** deltaBack on 8 rows × 8 units per invocation, for one source layer with sizes multiple of 8. */
function deltaBackWide(width: number, gR: string, l: DenseAt, deltaR: string): string {
  const q = l.fanOut / 4;
  const acc = range(8)
    .map((r) => `{ let d = scr[db + ${r * q}u];
          a${r}_0 += vec4<f32>(dot(d, w0), dot(d, w1), dot(d, w2), dot(d, w3)); a${r}_1 += vec4<f32>(dot(d, w4), dot(d, w5), dot(d, w6), dot(d, w7)); }`)
    .join('\n        ');
  const stores = range(8)
    .flatMap((r) => range(2).map((c) => `{ let at = ((${gR} + (r0 + ${r}u) * ${width}u + i0) >> 2u) + ${c}u; scr[at] = scr[at] * a${r}_${c}; }`))
    .join('\n      ');
  return `{
    let nt = nt8 * ${width / 8}u;
    for (var t = lid; t < nt; t += WG) {
      let r0 = (t / ${width / 8}u) * 8u;
      let i0 = (t % ${width / 8}u) * 8u;
      ${decl8x2()}
      for (var j4 = 0u; j4 < ${q}u; j4++) {
        let db = (${deltaR} >> 2u) + r0 * ${q}u + j4;
        let wb = ${l.w / 4}u + i0 * ${q}u + j4;
        ${range(8).map((i) => `let w${i} = prm4[wb + ${i * q}u];`).join(' ')}
        ${acc}
      }
      ${stores}
    }
  }`;
}

/**
 * Forward product of one layer over the workgroup's rows: out = act(in W + b), or in W + b for an output layer
 * (derivR null). 4 rows × 4 columns per invocation; with vec4 sizes, k advances by 4 with 8 vec4 loads per 64 MACs.
 */
function forwardLayer(l: DenseAt, inR: string, outR: string, derivR: string | null): string {
  if (wideLayer(l)) return forwardWide(l, inR, outR, derivR);
  const { fanIn: IN, fanOut: OUT } = l;
  const CT = Math.ceil(OUT / 4);
  const si = pad4(IN);
  const so = pad4(OUT);
  const loop = vecLayer(l)
    ? `let ib = (${inR} >> 2u) + r0 * ${si / 4}u;
      for (var k4 = 0u; k4 < ${IN / 4}u; k4++) {
        let wb = ${l.w / 4}u + k4 * ${OUT}u + (j0 >> 2u);
        let w0 = prm4[wb]; let w1 = prm4[wb + ${OUT / 4}u]; let w2 = prm4[wb + ${OUT / 2}u]; let w3 = prm4[wb + ${(3 * OUT) / 4}u];
        let x0 = scr[ib + k4]; let x1 = scr[ib + ${si / 4}u + k4]; let x2 = scr[ib + ${si / 2}u + k4]; let x3 = scr[ib + ${(3 * si) / 4}u + k4];
        a0 += x0.x * w0 + x0.y * w1 + x0.z * w2 + x0.w * w3;
        a1 += x1.x * w0 + x1.y * w1 + x1.z * w2 + x1.w * w3;
        a2 += x2.x * w0 + x2.y * w1 + x2.z * w2 + x2.w * w3;
        a3 += x3.x * w0 + x3.y * w1 + x3.z * w2 + x3.w * w3;
      }`
    : `for (var k = 0u; k < ${IN}u; k++) {
        let wr = ${l.w}u + k * ${OUT}u;
        let w = ${vec4Of(OUT, 'j0', (j) => `prm[wr + ${j}]`)};
        let p = ${inR} + r0 * ${si}u + k;
        a0 += S(p) * w; a1 += S(p + ${si}u) * w; a2 += S(p + ${2 * si}u) * w; a3 += S(p + ${3 * si}u) * w;
      }`;
  // Output rows have stride pad4(OUT), so a whole vec4 of a tile is always inside its row.
  const store = [0, 1, 2, 3]
    .map((rr) => {
      const at = `((${outR} + (r0 + ${rr}u) * ${so}u + j0) >> 2u)`;
      const y = `a${rr} + bias`;
      if (!derivR) return `scr[${at}] = ${y};`;
      const dat = `((${derivR} + (r0 + ${rr}u) * ${so}u + j0) >> 2u)`;
      return `{ let y = ${y}; let f0 = actPair(y.x); let f1 = actPair(y.y); let f2 = actPair(y.z); let f3 = actPair(y.w);
        scr[${at}] = vec4<f32>(f0.x, f1.x, f2.x, f3.x); scr[${dat}] = vec4<f32>(f0.y, f1.y, f2.y, f3.y); }`;
    })
    .join('\n      ');
  return `{
    let nt = nt4 * ${CT}u;
    for (var t = lid; t < nt; t += WG) {
      let r0 = (t / ${CT}u) * 4u;
      let j0 = (t % ${CT}u) * 4u;
      var a0 = vec4<f32>(); var a1 = vec4<f32>(); var a2 = vec4<f32>(); var a3 = vec4<f32>();
      ${loop}
      let bias = ${OUT % 4 === 0 ? `prm4[${l.b / 4}u + (j0 >> 2u)]` : vec4Of(OUT, 'j0', (j) => `prm[${l.b}u + ${j}]`)};
      ${store}
    }
  }`;
}

/** Weight and bias gradient of one layer summed over the workgroup's valid rows, into its partial-gradient row. */
function weightGrad(l: DenseAt, inR: string, deltaR: string): string {
  if (wideLayer(l)) return weightGradWide(l, inR, deltaR);
  const { fanIn: IN, fanOut: OUT } = l;
  const CI = Math.ceil(IN / 4);
  const CJ = Math.ceil(OUT / 4);
  const si = pad4(IN);
  const so = pad4(OUT);
  // Rows of the input and delta tiles: always whole vec4s (strides are multiples of 4; padding lanes are garbage
  // but only reach lanes that are not stored).
  const loop = `for (var r = 0u; r < nr; r++) {
        let x = scr[((${inR} + r * ${si}u) >> 2u) + (i0 >> 2u)];
        let d = scr[((${deltaR} + r * ${so}u) >> 2u) + (j0 >> 2u)];
        a0 += x.x * d; a1 += x.y * d; a2 += x.z * d; a3 += x.w * d;
      }`;
  const stores: string[] = [];
  for (let ii = 0; ii < 4; ii++) {
    const row = `${l.w}u + (i0 + ${ii}u) * ${OUT}u + j0`;
    if (vecLayer(l)) {
      stores.push(`part[(pb + ${row}) >> 2u] = a${ii};`);
      continue;
    }
    for (let jj = 0; jj < 4; jj++) {
      const conds = [...(IN % 4 !== 0 && ii > 0 ? [`i0 + ${ii}u < ${IN}u`] : []), ...(OUT % 4 !== 0 && jj > 0 ? [`j0 + ${jj}u < ${OUT}u`] : [])];
      const st = `setP(pb + ${row} + ${jj}u, a${ii}[${jj}]);`;
      stores.push(conds.length ? `if (${conds.join(' && ')}) { ${st} }` : st);
    }
  }
  return `{
    for (var t = lid; t < ${CI * CJ}u; t += WG) {
      let i0 = (t / ${CJ}u) * 4u;
      let j0 = (t % ${CJ}u) * 4u;
      var a0 = vec4<f32>(); var a1 = vec4<f32>(); var a2 = vec4<f32>(); var a3 = vec4<f32>();
      ${loop}
      ${stores.join('\n      ')}
    }
    for (var j = lid; j < ${OUT}u; j += WG) {
      var s = 0.0;
      for (var r = 0u; r < nr; r++) { s += S(${deltaR} + r * ${so}u + j); }
      setP(pb + ${l.b}u + j, s);
    }
  }`;
}

/**
 * Backpropagation to a hidden layer: G ← G ⊙ Σ_sources (δ Wᵀ), where G held f′ of the layer's pre-activation and
 * each source is a layer reading it (two with a shared trunk: the s1 output layer and the s2 head).
 */
function deltaBack(width: number, gR: string, sources: { l: DenseAt; deltaR: string }[]): string {
  if (sources.length === 1 && wideLayer(sources[0].l)) return deltaBackWide(width, gR, sources[0].l, sources[0].deltaR);
  const CI = Math.ceil(width / 4);
  const sw = pad4(width);
  const acc = sources
    .map(({ l, deltaR }) => {
      const so = pad4(l.fanOut);
      if (vecLayer(l)) {
        return `for (var j4 = 0u; j4 < ${l.fanOut / 4}u; j4++) {
        let db = (${deltaR} >> 2u) + r0 * ${so / 4}u + j4;
        let d0 = scr[db]; let d1 = scr[db + ${so / 4}u]; let d2 = scr[db + ${so / 2}u]; let d3 = scr[db + ${(3 * so) / 4}u];
        let wb = ${l.w / 4}u + i0 * ${l.fanOut / 4}u + j4;
        let w0 = prm4[wb]; let w1 = prm4[wb + ${l.fanOut / 4}u]; let w2 = prm4[wb + ${l.fanOut / 2}u]; let w3 = prm4[wb + ${(3 * l.fanOut) / 4}u];
        a0 += vec4<f32>(dot(d0, w0), dot(d0, w1), dot(d0, w2), dot(d0, w3));
        a1 += vec4<f32>(dot(d1, w0), dot(d1, w1), dot(d1, w2), dot(d1, w3));
        a2 += vec4<f32>(dot(d2, w0), dot(d2, w1), dot(d2, w2), dot(d2, w3));
        a3 += vec4<f32>(dot(d3, w0), dot(d3, w1), dot(d3, w2), dot(d3, w3));
      }`;
      }
      return `for (var j = 0u; j < ${l.fanOut}u; j++) {
        let w = ${vec4Of(width, 'i0', (i) => `prm[${l.w}u + (${i}) * ${l.fanOut}u + j]`)};
        let p = ${deltaR} + r0 * ${so}u + j;
        a0 += S(p) * w; a1 += S(p + ${so}u) * w; a2 += S(p + ${2 * so}u) * w; a3 += S(p + ${3 * so}u) * w;
      }`;
    })
    .join('\n      ');
  // G rows have stride pad4(width): a whole vec4 of a tile is inside its row (lanes past width are never read).
  const stores = [0, 1, 2, 3]
    .map((rr) => {
      const at = `((${gR} + (r0 + ${rr}u) * ${sw}u + i0) >> 2u)`;
      return `scr[${at}] = scr[${at}] * a${rr};`;
    })
    .join('\n      ');
  return `{
    let nt = nt4 * ${CI}u;
    for (var t = lid; t < nt; t += WG) {
      let r0 = (t / ${CI}u) * 4u;
      let i0 = (t % ${CI}u) * 4u;
      var a0 = vec4<f32>(); var a1 = vec4<f32>(); var a2 = vec4<f32>(); var a3 = vec4<f32>();
      ${acc}
      ${stores}
    }
  }`;
}

/** The input phase: z of each sample (generated or read), and the standardised rows x̃ (with VR: x + σz, x − σz, x). */
function inputPhase(spec: ScoreModelSpec, vr: boolean, noise: NoiseSource): string {
  const D = spec.dim;
  const shift = `array<f32, ${D}>(${spec.inputShift.map(f32Lit).join(', ')})`;
  const inv = `array<f32, ${D}>(${spec.inputScale.map((s) => f32Lit(1 / s)).join(', ')})`;
  const z = noise === 'shader' ? 'normalAt(gs, d)' : 'zin[u.xOffset + gs * D + d]';
  const row = (r: string, v: string) => `setS(r_X + (${r}) * SD + d, (${v} - SHIFT[d]) * INVSCALE[d]);`;
  const rows = vr
    ? [row('s * 3u', 'x + sz'), row('s * 3u + 1u', 'x - sz'), row('s * 3u + 2u', 'x')].join('\n    ')
    : row('s', 'x + sz');
  return `{
    let SHIFT = ${shift};
    let INVSCALE = ${inv};
    for (var i = lid; i < ns * D; i += WG) {
      let s = i / D;
      let d = i % D;
      let gs = s0 + s;
      let x = xin[u.xOffset + gs * D + d];
      let z = ${z};
      setS(r_Z + s * SD + d, z);
      let sz = z * ${f32Lit(spec.sigma)};
      ${rows}
    }
  }`;
}

/** The gradient kernel (see the module comment) for a spec, its parameter layout and the objective options. */
export function gradKernel(spec: ScoreModelSpec, p: ParamLayout, opt: KernelOptions): string {
  const scratch: ScratchLayout = scratchLayout(spec, p);
  const R = (name: string) => regionVar(name);
  const regionDecls = [...scratch.regions.values()].map((r) => `var<private> ${R(r.name)}: u32;`).join('\n');
  const regionInit = [...scratch.regions.values()].map((r) => `  ${R(r.name)} = base + R * ${r.at}u;`).join('\n');
  const nets = [p.s1, ...(p.s2 ? [p.s2] : [])];
  const depth = spec.depth;
  const hiddenIn = (net: string, h: number) => (h === 0 ? R('X') : R(`${net}.A${h}`));
  const phases: string[] = [inputPhase(spec, opt.vr, opt.noise)];
  // Forward: hidden layers of every network, then the output layers.
  for (let h = 0; h < depth; h++) {
    phases.push(nets.map((n) => forwardLayer(n.layers[h], hiddenIn(n.name, h), R(`${n.name}.A${h + 1}`), R(`${n.name}.G${h + 1}`))).join('\n'));
  }
  const outs = [forwardLayer(p.s1.layers[depth], hiddenIn('s1', depth), R('O1'), null)];
  if (p.s2) outs.push(forwardLayer(p.s2.layers[depth], hiddenIn('s2', depth), R('RAW'), null));
  if (p.head) outs.push(forwardLayer(p.head, hiddenIn('s1', depth), R('RAW'), null));
  phases.push(outs.join('\n'));
  // The loss, its gradient w.r.t. the outputs, and the s2 head's chain rule.
  phases.push(`for (var s = lid; s < ns; s += WG) {
    lossSample(s);
    ${p.rawSize > 0 ? 'for (var k = 0u; k < RPS; k++) { headBack(s * RPS + k); }' : ''}
  }`);
  // Backward: the output layers, then every hidden layer down to the input.
  const back: string[] = [WORKGROUP_STATS, weightGrad(p.s1.layers[depth], hiddenIn('s1', depth), R('DO1'))];
  const s1Sources = [{ l: p.s1.layers[depth], deltaR: R('DO1') }];
  if (p.head) {
    back.push(weightGrad(p.head, hiddenIn('s1', depth), R('DRAW')));
    s1Sources.push({ l: p.head, deltaR: R('DRAW') });
  }
  back.push(deltaBack(spec.width, R(`s1.G${depth}`), s1Sources));
  if (p.s2) {
    back.push(weightGrad(p.s2.layers[depth], hiddenIn('s2', depth), R('DRAW')));
    back.push(deltaBack(spec.width, R(`s2.G${depth}`), [{ l: p.s2.layers[depth], deltaR: R('DRAW') }]));
  }
  phases.push(back.join('\n'));
  for (let h = depth - 1; h >= 0; h--) {
    phases.push(
      nets
        .map((n) => {
          const l = n.layers[h];
          const parts = [weightGrad(l, hiddenIn(n.name, h), R(`${n.name}.G${h + 1}`))];
          if (h > 0) parts.push(deltaBack(spec.width, R(`${n.name}.G${h}`), [{ l, deltaR: R(`${n.name}.G${h + 1}`) }]));
          return parts.join('\n');
        })
        .join('\n'),
    );
  }
  return `${STEP_STRUCT}
@group(0) @binding(0) var<uniform> u: Step;
@group(0) @binding(1) var<storage, read> prm: array<f32>;
@group(0) @binding(2) var<storage, read> xin: array<f32>;
@group(0) @binding(3) var<storage, read> zin: array<f32>;
@group(0) @binding(4) var<storage, read_write> scr: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> stat: array<f32>;
@group(0) @binding(7) var<storage, read> prm4: array<vec4<f32>>;
fn S(i: u32) -> f32 { return scr[i >> 2u][i & 3u]; }
fn setS(i: u32, v: f32) { scr[i >> 2u][i & 3u] = v; }
fn setP(i: u32, v: f32) { part[i >> 2u][i & 3u] = v; }
const WG = ${WORKGROUP}u;
const D = ${spec.dim}u;
const SD = ${pad4(spec.dim)}u;
const SM = ${pad4(Math.max(1, p.rawSize))}u;
const SEH = ${pad4(Math.max(1, hGradWidth(spec)))}u;
const M = ${Math.max(1, p.rawSize)}u;
const RANK = ${Math.max(1, spec.rank)}u;
const EHW = ${Math.max(1, hGradWidth(spec))}u;
const RPS = ${rowsPerSample(opt.vr)}u;
const P = ${p.size}u;
${regionDecls}
var<private> r_Z: u32;
var<private> r_L: u32;
${activationWgsl(spec.act)}
${opt.noise === 'shader' ? NOISE : ''}
${lossWgsl(spec, opt)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let R = u.rowsPad;
  let base = g * (R * ${scratch.rowFloats}u + u.samplesPerGroup * (SD + 4u));
${regionInit}
  r_Z = base + R * ${scratch.rowFloats}u;
  r_L = r_Z + u.samplesPerGroup * SD;
  let s0 = g * u.samplesPerGroup;
  let ns = min(u.samplesPerGroup, u.batch - s0);
  let nr = ns * RPS;
  let nt4 = (nr + 3u) / 4u;
  let nt8 = (nr + 7u) / 8u;
  let pb = g * P;
  ${phases.join('\n  storageBarrier();\n  ')}
}
`;
}

/** The reduce-and-Adam kernel (see the module comment) for P parameters and Adam's constants. */
export function adamKernel(paramCount: number, adam: { beta1: number; beta2: number; epsilon: number }): string {
  return `${STEP_STRUCT}
@group(0) @binding(0) var<uniform> u: Step;
@group(0) @binding(1) var<storage, read_write> prm: array<f32>;
@group(0) @binding(2) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(3) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(4) var<storage, read> part: array<f32>;
@group(0) @binding(5) var<storage, read> stat: array<f32>;
@group(0) @binding(6) var<storage, read_write> acc: array<f32>;
const P = ${paramCount}u;
const WG = ${ADAM_WORKGROUP}u;
// Combines the workgroups' (count, mean, M2, Σ first, Σ second) (Chan et al.'s pairwise update: the
// variance without a second pass over the samples), and adds the step's statistics to the accumulator.
fn stats() {
  var n = 0.0; var mean = 0.0; var m2 = 0.0; var f = 0.0; var q = 0.0;
  for (var w = 0u; w < u.groups; w++) {
    let nb = stat[w * 8u];
    let nn = n + nb;
    let delta = stat[w * 8u + 1u] - mean;
    mean += delta * (nb / nn);
    m2 += stat[w * 8u + 2u] + delta * delta * (n * nb / nn);
    f += stat[w * 8u + 3u];
    q += stat[w * 8u + 4u];
    n = nn;
  }
  acc[0] += mean; acc[1] += m2 / n; acc[2] += f / n; acc[3] += q / n;
}
@compute @workgroup_size(${ADAM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x * WG + lid;
  if (p == P) { stats(); }
  if (p >= P) { return; }
  var g = 0.0;
  for (var w = 0u; w < u.groups; w++) { g += part[w * P + p]; }
  let m = mom1[p] * ${f32Lit(adam.beta1)} + g * ${f32Lit(1 - adam.beta1)};
  let v = mom2[p] * ${f32Lit(adam.beta2)} + (g * g) * ${f32Lit(1 - adam.beta2)};
  mom1[p] = m;
  mom2[p] = v;
  prm[p] = prm[p] - (m / (sqrt(v) + ${f32Lit(adam.epsilon)})) * u.stepSize;
}
`;
}
