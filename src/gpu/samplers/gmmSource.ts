/**
 * The exact score of a Gaussian mixture (optionally σ-blurred) as WGSL, for the fused sampler kernels
 * (MATH.md section 6): with P_k = (C_k + σ²I)⁻¹, a_k = −P_k (x − μ_k) and responsibilities r_k,
 *   s1 = Σ_k r_k a_k,  s2 = Σ_k r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ,  log q = logsumexp_k (log w_k + log N(x; μ_k, C_k + σ²I)).
 * One pass over the components with a running maximum (streaming log-sum-exp), so any number of components
 * runs in constant memory per chain.
 */
import { prepareGmm } from '../../core/gmm.ts';
import type { Gmm } from '../../core/types.ts';
import type { GmmFieldSource } from '../../models/exactField.ts';
import type { CompiledSource } from './source.ts';

/**
 * The plain description (exactField.ts `GmmFieldSource`) of `gmm` convolved with N(0, σ² I), the same float32
 * constants `gmmScoreField(gmm, σ).source` holds, without building the tfjs field.
 */
export function mixtureSource(gmm: Gmm, sigma = 0): GmmFieldSource {
  const d = gmm.dim;
  const prep = prepareGmm(gmm, sigma > 0 ? sigma : undefined);
  const means = new Float32Array(prep.K * d);
  const precisions = new Float32Array(prep.K * d * d);
  for (let k = 0; k < prep.K; k++) {
    means.set(prep.means[k], k * d);
    precisions.set(prep.precisions[k], k * d * d);
  }
  return { kind: 'gmm', dim: d, K: prep.K, means, precisions, logConst: Float32Array.from(prep.logConst) };
}

/** Packs the mixture as [μ_k (d), P_k (d·d), log c_k] per component and emits its `evalField`. */
export function compileGmmSource(src: GmmFieldSource): CompiledSource {
  const d = src.dim;
  const K = src.K;
  const stride = d + d * d + 1;
  const data = new Float32Array(K * stride);
  for (let k = 0; k < K; k++) {
    data.set(src.means.subarray(k * d, (k + 1) * d), k * stride);
    data.set(src.precisions.subarray(k * d * d, (k + 1) * d * d), k * stride + d);
    data[k * stride + d + d * d] = src.logConst[k];
  }
  const wgsl = /* wgsl */ `
const GMM_K: u32 = ${K}u;
const GMM_STRIDE: u32 = ${stride}u;
fn evalField() {
  var m = -3.0e38;
  var sum = 0.0;
  var s1: array<f32, D>;
  var s2: array<f32, DD>;
  var diff: array<f32, D>;
  var a: array<f32, D>;
  for (var k = 0u; k < GMM_K; k++) {
    let base = k * GMM_STRIDE;
    for (var i = 0u; i < D; i++) { diff[i] = fx[i] - MODEL[base + i]; }
    var quad = 0.0;
    for (var i = 0u; i < D; i++) {
      var s = 0.0;
      for (var j = 0u; j < D; j++) { s += MODEL[base + D + i * D + j] * diff[j]; }
      a[i] = -s;
      quad -= diff[i] * s;
    }
    let l = MODEL[base + D + DD] + 0.5 * quad;
    if (l > m) {
      let scale = exp(m - l);
      sum *= scale;
      for (var i = 0u; i < D; i++) { s1[i] *= scale; }
      if (NEED_H) { for (var i = 0u; i < DD; i++) { s2[i] *= scale; } }
      m = l;
    }
    let e = exp(l - m);
    sum += e;
    for (var i = 0u; i < D; i++) { s1[i] += e * a[i]; }
    if (NEED_H) {
      for (var i = 0u; i < D; i++) {
        for (var j = 0u; j < D; j++) { s2[i * D + j] += e * (a[i] * a[j] - MODEL[base + D + i * D + j]); }
      }
    }
  }
  let inv = 1.0 / sum;
  fLogp = m + log(sum);
  for (var i = 0u; i < D; i++) { fG[i] = s1[i] * inv; }
  if (NEED_H) {
    for (var i = 0u; i < D; i++) {
      for (var j = 0u; j < D; j++) { fH[i * D + j] = s2[i * D + j] * inv - fG[i] * fG[j]; }
    }
  }
}
`;
  return { dim: d, wgsl, data, hessian: 'full', logp: true, describe: `exact mixture of ${K} Gaussians` };
}
