/**
 * The trained MNIST energy model (`training/energy_model.py`, paper 2 on digits) in tfjs, op for op (NHWC), and
 * the `ImageEnergy` it provides to the inverse-problem algorithms:
 *
 *   ŷ = (y − m) / √(d + v),  (g, c) = UNet(ŷ, rescaled log v),  U(y, v) = ½ Σ_i ŷ_i (ŷ_i + g_i) + ½ Σ_i c_i
 *
 * (MATH.md section 5: U = ½ ⟨ỹ, f⟩ with the homogeneous coordinate ỹ = (y − m, 1)). The U-Net is gain-modulated:
 * every normalised activation is SiLU(GN(x) ⊙ (1 + e)) with e a 1x1 convolution of an embedding of log v at that
 * resolution. ∇_y U and ∂U/∂log v come from `tf.valueAndGrads`; results are read back with `await data()`.
 */
import * as tf from '@tensorflow/tfjs';
import { avgPool2, conv, get, groupNorm, silu, upsample2 } from '../digits/networks.ts';
import type { EnergyArchitecture } from '../digits/weights.ts';
import type { EnergyEval, ImageEnergy } from './imageEnergy.ts';
import { PIXELS, SIDE } from './problems.ts';

type W = Record<string, tf.Tensor>;

function gainBlock(w: W, name: string, x: tf.Tensor4D, emb: tf.Tensor4D, a: EnergyArchitecture): tf.Tensor4D {
  const act = (norm: string, gain: string, t: tf.Tensor4D) =>
    silu(tf.mul(groupNorm(t, get(w, `${name}.${norm}.weight`), get(w, `${name}.${norm}.bias`), a.groups, a.eps), tf.add(1, conv(w, `${name}.${gain}`, emb))));
  let h = conv(w, `${name}.conv1`, act('norm1', 'gain1', x));
  h = conv(w, `${name}.conv2`, act('norm2', 'gain2', h));
  const skip = w[`${name}.skip.weight`] ? conv(w, `${name}.skip`, x) : x;
  return tf.add(skip, h);
}

/** U(y, log v) per image, [n], for y and lv of shape [n, 28, 28, 1]. Call inside `tf.tidy`. */
export function energyNetworkApply(w: W, a: EnergyArchitecture, y: tf.Tensor4D, lv: tf.Tensor4D): tf.Tensor1D {
  const mid = 0.5 * (Math.log(a.varMin) + Math.log(a.varMax));
  const half = 0.5 * (Math.log(a.varMax) - Math.log(a.varMin));
  const yhat = tf.div(tf.sub(y, get(w, 'data_mean')), tf.sqrt(tf.add(get(w, 'data_var'), tf.exp(lv)))) as tf.Tensor4D;
  const lvs = tf.div(tf.sub(lv, mid), half) as tf.Tensor4D;
  const e0 = silu(conv(w, 'net.emb2', silu(conv(w, 'net.emb1', lvs))));
  const e1 = avgPool2(e0);
  const e2 = avgPool2(e1);
  const h = conv(w, 'net.conv_in', tf.concat([yhat, lvs], 3));
  const h0 = gainBlock(w, 'net.down0', h, e0, a);
  const h1 = gainBlock(w, 'net.down1', avgPool2(h0), e1, a);
  const m = gainBlock(w, 'net.mid', avgPool2(h1), e2, a);
  const u1 = gainBlock(w, 'net.up1', tf.concat([upsample2(m), h1], 3), e1, a);
  const u0 = gainBlock(w, 'net.up0', tf.concat([upsample2(u1), h0], 3), e0, a);
  const gained: tf.Tensor4D = tf.mul(groupNorm(u0, get(w, 'net.norm_out.weight'), get(w, 'net.norm_out.bias'), a.groups, a.eps), tf.add(1, conv(w, 'net.gain_out', e0)));
  const out = conv(w, 'net.conv_out', silu(gained));
  const [g, c] = tf.split(out, 2, 3);
  return tf.mul(tf.sum(tf.add(tf.mul(yhat, tf.add(yhat, g)), c), [1, 2, 3]), 0.5) as tf.Tensor1D;
}

/** An `ImageEnergy` on loaded weights (owned by the caller; `dispose` frees them). */
export async function networkEnergy(weights: W, arch: EnergyArchitecture): Promise<ImageEnergy & { dispose(): void }> {
  const dataVar = Float32Array.from((await get(weights, 'data_var').data()) as Float32Array);
  if (dataVar.length !== PIXELS) throw new Error(`the energy model's data_var has ${dataVar.length} values, expected ${PIXELS}`);
  const shape4 = (n: number): [number, number, number, number] => [n, SIDE, SIDE, 1];
  const evaluate = async (y: Float32Array, lv: Float32Array, n: number, opts: { sigmaGrad?: boolean } = {}): Promise<EnergyEval> => {
    const outs = tf.tidy(() => {
      const yt = tf.tensor4d(y, shape4(n));
      const lt = tf.tensor4d(lv, shape4(n));
      const ones = tf.ones([n]);
      if (opts.sigmaGrad) {
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => energyNetworkApply(weights, arch, a as tf.Tensor4D, b as tf.Tensor4D);
        const { value, grads } = tf.valueAndGrads(f)([yt, lt], ones);
        return [value, grads[0], grads[1]];
      }
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor): tf.Tensor => energyNetworkApply(weights, arch, a as tf.Tensor4D, lt))(yt, ones);
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
  return { d: PIXELS, dataVar, evaluate, energy, dispose: () => tf.dispose(Object.values(weights)) };
}
