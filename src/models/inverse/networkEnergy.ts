/**
 * The trained MNIST energy model (`training/energy_model.py`, paper 2 on digits) in tfjs, op for op (NHWC), and
 * the `ImageEnergy` it provides to the inverse-problem algorithms:
 *
 *   ŷ = (y − m) / √(d + v),  (g, c) = UNet(ŷ, rescaled log v),
 *   U(y, v) = ½ Σ_i ŷ_i (ŷ_i + g_i) + ½ Σ_i c_i + ½ Σ_i log 2π(d_i + v_i)
 *
 * (docs/digits-energy.md: U = ½ ⟨ỹ, f⟩ with the homogeneous coordinate ỹ = (y − m, 1); with g = c = 0 it is the
 * normalised energy of N(m, diag(d) + Σ)). The U-Net is gain-modulated:
 * every normalised activation is SiLU(GN(x) ⊙ (1 + e)) with e a 1x1 convolution of an embedding of log v at that
 * resolution. ∇_y U and ∂U/∂log v come from `tf.valueAndGrads`; results are read back with `await data()`.
 * Given the adjoint kernels (`adjointKernels`), convolutions and GroupNorms use the hand-written input gradients
 * of `fastGrad.ts` (same values, several times faster backward on WASM).
 */
import * as tf from '@tensorflow/tfjs';
import { avgPool2, conv as plainConv, get, groupNorm, silu, upsample2 } from '../digits/networks.ts';
import type { EnergyArchitecture } from '../digits/weights.ts';
import { adjointKernel, convSame, groupNormFast } from './fastGrad.ts';
import type { EnergyEval, ImageEnergy } from './imageEnergy.ts';
import { PIXELS, SIDE } from './problems.ts';

type W = Record<string, tf.Tensor>;

/** The adjoint kernel of every convolution weight (`<layer>.weight` of rank 4), by weight name. Owned by the caller. */
export function adjointKernels(w: W): W {
  return Object.fromEntries(Object.entries(w).filter(([k, t]) => k.endsWith('.weight') && t.rank === 4 && !k.startsWith('data_')).map(([k, t]) => [k, adjointKernel(t as tf.Tensor4D)]));
}

/** U(y, log v) per image, [n], for y and lv of shape [n, 28, 28, 1]. Call inside `tf.tidy`. */
export function energyNetworkApply(w: W, a: EnergyArchitecture, y: tf.Tensor4D, lv: tf.Tensor4D, adj?: W): tf.Tensor1D {
  const conv = (name: string, x: tf.Tensor4D): tf.Tensor4D =>
    adj ? convSame(x, get(w, `${name}.weight`) as tf.Tensor4D, get(w, `${name}.bias`), get(adj, `${name}.weight`) as tf.Tensor4D) : plainConv(w, name, x);
  const norm = (name: string, x: tf.Tensor4D): tf.Tensor4D => (adj ? groupNormFast : groupNorm)(x, get(w, `${name}.weight`), get(w, `${name}.bias`), a.groups, a.eps);
  const gainBlock = (name: string, x: tf.Tensor4D, emb: tf.Tensor4D): tf.Tensor4D => {
    const act = (n: string, gain: string, t: tf.Tensor4D) => silu(tf.mul(norm(`${name}.${n}`, t), tf.add(1, conv(`${name}.${gain}`, emb))));
    let h = conv(`${name}.conv1`, act('norm1', 'gain1', x));
    h = conv(`${name}.conv2`, act('norm2', 'gain2', h));
    const skip = w[`${name}.skip.weight`] ? conv(`${name}.skip`, x) : x;
    return tf.add(skip, h);
  };
  const mid = 0.5 * (Math.log(a.varMin) + Math.log(a.varMax));
  const half = 0.5 * (Math.log(a.varMax) - Math.log(a.varMin));
  const yhat = tf.div(tf.sub(y, get(w, 'data_mean')), tf.sqrt(tf.add(get(w, 'data_var'), tf.exp(lv)))) as tf.Tensor4D;
  const lvs = tf.div(tf.sub(lv, mid), half) as tf.Tensor4D;
  const e0 = silu(conv('net.emb2', silu(conv('net.emb1', lvs))));
  const e1 = avgPool2(e0);
  const e2 = avgPool2(e1);
  const h = conv('net.conv_in', tf.concat([yhat, lvs], 3));
  const h0 = gainBlock('net.down0', h, e0);
  const h1 = gainBlock('net.down1', avgPool2(h0), e1);
  const m = gainBlock('net.mid', avgPool2(h1), e2);
  const u1 = gainBlock('net.up1', tf.concat([upsample2(m), h1], 3), e1);
  const u0 = gainBlock('net.up0', tf.concat([upsample2(u1), h0], 3), e0);
  const gained: tf.Tensor4D = tf.mul(norm('net.norm_out', u0), tf.add(1, conv('net.gain_out', e0)));
  const out = conv('net.conv_out', silu(gained));
  const [g, c] = tf.split(out, 2, 3);
  const logdet = tf.log(tf.mul(tf.add(get(w, 'data_var'), tf.exp(lv)), 2 * Math.PI));
  return tf.mul(tf.sum(tf.add(tf.add(tf.mul(yhat, tf.add(yhat, g)), c), logdet), [1, 2, 3]), 0.5) as tf.Tensor1D;
}

/** An `ImageEnergy` on loaded weights (owned by the caller; `dispose` frees them). */
export async function networkEnergy(weights: W, arch: EnergyArchitecture): Promise<ImageEnergy & { dispose(): void }> {
  const dataVar = Float32Array.from((await get(weights, 'data_var').data()) as Float32Array);
  if (dataVar.length !== PIXELS) throw new Error(`the energy model's data_var has ${dataVar.length} values, expected ${PIXELS}`);
  const shape4 = (n: number): [number, number, number, number] => [n, SIDE, SIDE, 1];
  const adj = adjointKernels(weights);
  const evaluate = async (y: Float32Array, lv: Float32Array, n: number, opts: { sigmaGrad?: boolean } = {}): Promise<EnergyEval> => {
    const outs = tf.tidy(() => {
      const yt = tf.tensor4d(y, shape4(n));
      const lt = tf.tensor4d(lv, shape4(n));
      const ones = tf.ones([n]);
      if (opts.sigmaGrad) {
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => energyNetworkApply(weights, arch, a as tf.Tensor4D, b as tf.Tensor4D, adj);
        const { value, grads } = tf.valueAndGrads(f)([yt, lt], ones);
        return [value, grads[0], grads[1]];
      }
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor): tf.Tensor => energyNetworkApply(weights, arch, a as tf.Tensor4D, lt, adj))(yt, ones);
      return [value, grad];
    });
    try {
      const [u, gy, glv] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
      return { u, gy, glv };
    } finally {
      tf.dispose(outs);
    }
  };
  const energy = async (y: Float32Array, lv: Float32Array, n: number): Promise<Float32Array> => {
    const u = tf.tidy(() => energyNetworkApply(weights, arch, tf.tensor4d(y, shape4(n)), tf.tensor4d(lv, shape4(n))));
    try {
      return (await u.data()) as Float32Array;
    } finally {
      u.dispose();
    }
  };
  return { d: PIXELS, dataVar, evaluate, energy, dispose: () => tf.dispose([...Object.values(weights), ...Object.values(adj)]) };
}
