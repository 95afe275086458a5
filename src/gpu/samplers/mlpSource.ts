/**
 * A learned score model (src/models/scoreModel.ts) as WGSL, for the fused sampler kernels: the same function the
 * tfjs model computes (MATH.md section 2), one chain per invocation. Inputs are standardised, the s1 MLP gives
 * o1 = σ s1θ, and the s2 head (on the shared trunk or its own MLP) gives S = σ² s2θ:
 *   full: S = c (A + Aᵀ)/2;  diag: S = c diag(v);  lowrank: S = c diag(v) + c U Uᵀ;
 *   psd: S = −I + c diag(softplus(v + shift)) + c U Uᵀ   (U of shape D×r, row-major in the raw output).
 * With `hessian: 'autodiff'` the Hessian is the symmetrised Jacobian (J + Jᵀ)/2 of s1θ, propagated forward
 * (D tangents per hidden unit) instead of by reverse mode; it is the same quantity as models/hessian.ts gives.
 *
 * Weights are packed in one float32 buffer: [1/scale (D), shift (D), then every weight in
 * `weightLayout(spec)` order, each W row-major [in, out] followed by its b]. A dense layer computes its outputs
 * eight at a time on vec4 accumulators (each input read once per eight outputs; about 2× faster on SwiftShader than
 * one output at a time), the last nout mod 8 one by one.
 */
import type { HessianSource } from '../../models/learnedField.ts';
import { s2IsFull, type ScoreModel } from '../../models/scoreModel.ts';
import { layerSizes, s2Outputs, weightLayout } from '../../models/scoreModelSpec.ts';
import { activationWgsl } from '../activationsWgsl.ts';
import type { CompiledSource } from './source.ts';

/** softplus⁻¹(y) = log(eʸ − 1) (as in scoreModel.ts). */
function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

const f32 = (v: number): string => {
  const s = Math.fround(v).toPrecision(9);
  return /[.e]/.test(s) ? s : `${s}.0`;
};

/** Reads the model's weights (one `await data()` per variable) and emits its `evalField`. */
export async function compileModelSource(model: ScoreModel, hessian?: HessianSource): Promise<CompiledSource> {
  const spec = model.spec;
  const source: HessianSource = hessian ?? (model.hasS2 ? 'direct' : 'autodiff');
  if (source === 'direct' && !model.hasS2) throw new Error('this model has no s2 head (s2 = none): use hessian "autodiff"');
  const D = spec.dim;
  const sizes = layerSizes(spec);
  const m = s2Outputs(spec.s2, D, spec.rank);
  const layout = weightLayout(spec);
  const vars = new Map(model.namedVariables());
  const offsets = new Map<string, number>();
  let total = 2 * D;
  for (const w of layout) {
    offsets.set(w.name, total);
    total += w.shape.reduce((a, b) => a * b, 1);
  }
  const data = new Float32Array(total);
  spec.inputScale.forEach((s, i) => (data[i] = 1 / s));
  data.set(spec.inputShift, D);
  for (const w of layout) {
    const v = vars.get(w.name);
    if (!v) throw new Error(`score model has no weight "${w.name}"`);
    data.set(await v.data(), offsets.get(w.name)!);
  }
  const autodiff = source === 'autodiff';
  const MW = Math.max(spec.width, D, m);
  const off = (name: string) => `${offsets.get(name)!}u`;
  const body: string[] = [];
  body.push(`for (var i = 0u; i < D; i++) { hA[i] = (fx[i] - MODEL[${D}u + i]) * MODEL[i]; }`);
  if (autodiff) body.push('for (var c = 0u; c < D; c++) { for (var i = 0u; i < D; i++) { tA[c * MW + i] = select(0.0, MODEL[i], i == c); } }');
  const dense = (src: string, dst: string, nin: number, nout: number, w: string, act: boolean, tangents: boolean) =>
    tangents
      ? `denseT(&h${src}, &h${dst}, &t${src}, &t${dst}, ${nin}u, ${nout}u, ${off(w)}, ${act});`
      : `dense(&h${src}, &h${dst}, ${nin}u, ${nout}u, ${off(w)}, ${act});`;
  let cur = 'A';
  let other = 'B';
  const s1 = sizes.s1;
  for (let l = 0; l + 2 < s1.length; l++) {
    body.push(dense(cur, other, s1[l], s1[l + 1], `s1.${l}.W`, true, autodiff));
    [cur, other] = [other, cur];
  }
  const s2Lines: string[] = [];
  if (sizes.s2head && source === 'direct') body.push(`if (NEED_H) { ${dense(cur, 'C', spec.width, m, 's2head.W', false, false)} }`);
  const last = s1.length - 2;
  body.push(dense(cur, other, s1[last], D, `s1.${last}.W`, false, autodiff));
  body.push(`for (var i = 0u; i < D; i++) { fG[i] = h${other}[i] / ${f32(spec.sigma)}; }`);
  if (autodiff) {
    body.push(`if (NEED_H) { for (var i = 0u; i < D; i++) { for (var c = 0u; c < D; c++) {
    fH[i * D + c] = 0.5 * (t${other}[c * MW + i] + t${other}[i * MW + c]) / ${f32(spec.sigma)};
  } } }`);
  } else {
    if (sizes.s2) {
      // Separate s2 network from the standardised input.
      s2Lines.push(`for (var i = 0u; i < D; i++) { hA[i] = (fx[i] - MODEL[${D}u + i]) * MODEL[i]; }`);
      let c2 = 'A';
      let o2 = 'B';
      for (let l = 0; l + 2 < sizes.s2.length; l++) {
        s2Lines.push(dense(c2, o2, sizes.s2[l], sizes.s2[l + 1], `s2.${l}.W`, true, false));
        [c2, o2] = [o2, c2];
      }
      const l2 = sizes.s2.length - 2;
      s2Lines.push(dense(c2, 'C', sizes.s2[l2], m, `s2.${l2}.W`, false, false));
    }
    const c = f32(spec.s2Scale ?? 1);
    const inv = f32(1 / spec.sigma ** 2);
    s2Lines.push('for (var i = 0u; i < DD; i++) { fH[i] = 0.0; }');
    switch (spec.s2) {
      case 'full':
        s2Lines.push(`for (var i = 0u; i < D; i++) { for (var j = 0u; j < D; j++) { fH[i * D + j] = (0.5 * ${c}) * (hC[i * D + j] + hC[j * D + i]) * ${inv}; } }`);
        break;
      case 'diag':
        s2Lines.push(`for (var i = 0u; i < D; i++) { fH[i * D + i] = ${c} * hC[i] * ${inv}; }`);
        break;
      case 'lowrank':
      case 'psd': {
        const r = spec.rank;
        const v = spec.s2 === 'psd' ? `softplusF(hC[i] + ${f32(softplusInverse(1 / (spec.s2Scale ?? 1)))}) * ${c} - 1.0` : `hC[i] * ${c}`;
        s2Lines.push(`for (var i = 0u; i < D; i++) { for (var j = 0u; j < D; j++) {
    var uu = 0.0;
    for (var k = 0u; k < ${r}u; k++) { uu += hC[D + i * ${r}u + k] * hC[D + j * ${r}u + k]; }
    fH[i * D + j] = uu * ${c};
  } }
  for (var i = 0u; i < D; i++) { fH[i * D + i] += ${v}; }
  for (var i = 0u; i < DD; i++) { fH[i] *= ${inv}; }`);
        break;
      }
      case 'none':
        break;
    }
    body.push(`if (NEED_H) {\n  ${s2Lines.join('\n  ')}\n}`);
  }
  const wgsl = /* wgsl */ `
const MW: u32 = ${MW}u;
var<private> hA: array<f32, MW>;
var<private> hB: array<f32, MW>;
var<private> hC: array<f32, MW>;
${autodiff ? 'var<private> tA: array<f32, MW * D>;\nvar<private> tB: array<f32, MW * D>;' : ''}
${activationWgsl(spec.act)}
fn dense(src: ptr<private, array<f32, MW>>, dst: ptr<private, array<f32, MW>>, nin: u32, nout: u32, off: u32, useAct: bool) {
  let bOff = off + nin * nout;
  var j = 0u;
  for (; j + 8u <= nout; j += 8u) {
    var z = vec4f(MODEL[bOff + j], MODEL[bOff + j + 1u], MODEL[bOff + j + 2u], MODEL[bOff + j + 3u]);
    var y = vec4f(MODEL[bOff + j + 4u], MODEL[bOff + j + 5u], MODEL[bOff + j + 6u], MODEL[bOff + j + 7u]);
    for (var i = 0u; i < nin; i++) {
      let w = off + i * nout + j;
      let a = (*src)[i];
      z += a * vec4f(MODEL[w], MODEL[w + 1u], MODEL[w + 2u], MODEL[w + 3u]);
      y += a * vec4f(MODEL[w + 4u], MODEL[w + 5u], MODEL[w + 6u], MODEL[w + 7u]);
    }
    if (useAct) { z = vec4f(act(z.x), act(z.y), act(z.z), act(z.w)); y = vec4f(act(y.x), act(y.y), act(y.z), act(y.w)); }
    (*dst)[j] = z.x;
    (*dst)[j + 1u] = z.y;
    (*dst)[j + 2u] = z.z;
    (*dst)[j + 3u] = z.w;
    (*dst)[j + 4u] = y.x;
    (*dst)[j + 5u] = y.y;
    (*dst)[j + 6u] = y.z;
    (*dst)[j + 7u] = y.w;
  }
  for (; j < nout; j++) {
    var z = MODEL[bOff + j];
    for (var i = 0u; i < nin; i++) { z += (*src)[i] * MODEL[off + i * nout + j]; }
    if (useAct) { (*dst)[j] = act(z); } else { (*dst)[j] = z; }
  }
}
${autodiff ? `fn denseT(src: ptr<private, array<f32, MW>>, dst: ptr<private, array<f32, MW>>, ts: ptr<private, array<f32, MW * D>>, td: ptr<private, array<f32, MW * D>>, nin: u32, nout: u32, off: u32, useAct: bool) {
  let bOff = off + nin * nout;
  var j = 0u;
  for (; j + 8u <= nout; j += 8u) {
    var z = vec4f(MODEL[bOff + j], MODEL[bOff + j + 1u], MODEL[bOff + j + 2u], MODEL[bOff + j + 3u]);
    var y = vec4f(MODEL[bOff + j + 4u], MODEL[bOff + j + 5u], MODEL[bOff + j + 6u], MODEL[bOff + j + 7u]);
    var dz: array<vec4f, D>;
    var dy: array<vec4f, D>;
    for (var c = 0u; c < D; c++) { dz[c] = vec4f(0.0); dy[c] = vec4f(0.0); }
    for (var i = 0u; i < nin; i++) {
      let o = off + i * nout + j;
      let w = vec4f(MODEL[o], MODEL[o + 1u], MODEL[o + 2u], MODEL[o + 3u]);
      let v = vec4f(MODEL[o + 4u], MODEL[o + 5u], MODEL[o + 6u], MODEL[o + 7u]);
      let a = (*src)[i];
      z += a * w;
      y += a * v;
      for (var c = 0u; c < D; c++) {
        let t = (*ts)[c * MW + i];
        dz[c] += t * w;
        dy[c] += t * v;
      }
    }
    var sz = vec4f(1.0);
    var sy = vec4f(1.0);
    if (useAct) {
      sz = vec4f(actDeriv(z.x), actDeriv(z.y), actDeriv(z.z), actDeriv(z.w));
      sy = vec4f(actDeriv(y.x), actDeriv(y.y), actDeriv(y.z), actDeriv(y.w));
      z = vec4f(act(z.x), act(z.y), act(z.z), act(z.w));
      y = vec4f(act(y.x), act(y.y), act(y.z), act(y.w));
    }
    (*dst)[j] = z.x;
    (*dst)[j + 1u] = z.y;
    (*dst)[j + 2u] = z.z;
    (*dst)[j + 3u] = z.w;
    (*dst)[j + 4u] = y.x;
    (*dst)[j + 5u] = y.y;
    (*dst)[j + 6u] = y.z;
    (*dst)[j + 7u] = y.w;
    for (var c = 0u; c < D; c++) {
      let t = sz * dz[c];
      let u = sy * dy[c];
      let r = c * MW + j;
      (*td)[r] = t.x;
      (*td)[r + 1u] = t.y;
      (*td)[r + 2u] = t.z;
      (*td)[r + 3u] = t.w;
      (*td)[r + 4u] = u.x;
      (*td)[r + 5u] = u.y;
      (*td)[r + 6u] = u.z;
      (*td)[r + 7u] = u.w;
    }
  }
  for (; j < nout; j++) {
    var z = MODEL[bOff + j];
    var dz: array<f32, D>;
    for (var c = 0u; c < D; c++) { dz[c] = 0.0; }
    for (var i = 0u; i < nin; i++) {
      let w = MODEL[off + i * nout + j];
      z += (*src)[i] * w;
      for (var c = 0u; c < D; c++) { dz[c] += (*ts)[c * MW + i] * w; }
    }
    var s = 1.0;
    if (useAct) { (*dst)[j] = act(z); s = actDeriv(z); } else { (*dst)[j] = z; }
    for (var c = 0u; c < D; c++) { (*td)[c * MW + j] = s * dz[c]; }
  }
}` : ''}
fn evalField() {
  ${body.join('\n  ')}
}
`;
  const full = autodiff || s2IsFull(spec.s2);
  return {
    dim: D,
    wgsl,
    data,
    hessian: full ? 'full' : 'diag',
    logp: false,
    describe: `learned ${spec.depth}×${spec.width} ${spec.act} MLP, s2 ${source === 'autodiff' ? 'by autodiff' : spec.s2}`,
  };
}
