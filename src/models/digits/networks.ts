/**
 * The MNIST networks of `training/models.py`, op for op in tfjs (NHWC). Inputs are [n, 28, 28, 1] images in
 * [0, 1] (plus noise for the score models). Pure tensor functions: call them inside `tf.tidy`.
 *
 * U-Net (s1, low-rank s2, diagonal s2): conv3x3(1→c0); ResBlock(c0→c0) @28 = h0; avgpool; ResBlock(c0→c1)
 * @14 = h1; avgpool; ResBlock(c1→c1) @7; upsample, concat h1, ResBlock(2c1→c1); upsample, concat h0,
 * ResBlock(c1+c0→c0); GroupNorm, SiLU, conv3x3(c0→out). ResBlock(x) = skip(x) + conv(SiLU(GN(conv(SiLU(GN(x))))))
 * with skip a 1x1 conv when the channel count changes. GroupNorm: 8 groups, eps 1e-5, biased variance.
 *
 * Only ops whose gradients every backend has are used (conv2d, reshape, mean, concat, sigmoid, rsqrt), so the
 * Jacobian of s1 (the autodiff baseline of paper 1, Table 2) runs on cpu, wasm, webgl and webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { UNetArchitecture } from './weights.ts';

type W = Record<string, tf.Tensor>;

/** The weight `name`, or an error naming it. */
export function get(w: W, name: string): tf.Tensor {
  const t = w[name];
  if (!t) throw new Error(`weight ${name} is missing from the model`);
  return t;
}

/** A 'same' convolution `name` (3x3 or 1x1) with its bias. */
export function conv(w: W, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const y = tf.conv2d(x, get(w, `${name}.weight`) as tf.Tensor4D, 1, 'same');
  return tf.add(y, get(w, `${name}.bias`));
}

/** GroupNorm over (H, W, C/G) per sample and group, then the per-channel affine map. */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps: number): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const g = tf.reshape(x, [n, h, wd, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 2, 4], true);
  const normed = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(normed, [n, h, wd, c]), gamma), beta);
}

export function silu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(x, tf.sigmoid(x));
}

function gn(w: W, name: string, x: tf.Tensor4D, arch: UNetArchitecture): tf.Tensor4D {
  return groupNorm(x, get(w, `${name}.weight`), get(w, `${name}.bias`), arch.groups, arch.eps);
}

function resBlock(w: W, name: string, x: tf.Tensor4D, arch: UNetArchitecture): tf.Tensor4D {
  let h = conv(w, `${name}.conv1`, silu(gn(w, `${name}.norm1`, x, arch)));
  h = conv(w, `${name}.conv2`, silu(gn(w, `${name}.norm2`, h, arch)));
  const skip = w[`${name}.skip.weight`] ? conv(w, `${name}.skip`, x) : x;
  return tf.add(skip, h);
}

/** 2x2 average pooling (stride 2) as reshape + mean (its gradient exists on every backend). */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const r = tf.reshape(x, [n * (h / 2), 2, wd / 2, 2 * c]);
  // [.., 2 rows, w/2, (2 cols x c)]: average the two rows, then the two columns
  const rows = tf.mean(r, 1); // [n*h/2, w/2, 2c]
  const cols = tf.mean(tf.reshape(rows, [n * (h / 2), wd / 2, 2, c]), 2);
  return tf.reshape(cols, [n, h / 2, wd / 2, c]);
}

/** Nearest-neighbour 2x upsampling (as PyTorch `interpolate(scale_factor=2, mode='nearest')`), by concat + reshape. */
export function upsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const cols = tf.reshape(tf.concat([x, x], 3), [n, h, 2 * wd, c]);
  return tf.reshape(tf.concat([cols, cols], 2), [n, 2 * h, 2 * wd, c]);
}

/** The U-Net's raw output [n, 28, 28, outChannels] (see `training/models.py` for the output scaling). */
export function unetApply(w: W, arch: UNetArchitecture, x: tf.Tensor4D): tf.Tensor4D {
  const h = conv(w, 'conv_in', x);
  const h0 = resBlock(w, 'down0', h, arch);
  const h1 = resBlock(w, 'down1', avgPool2(h0), arch);
  const m = resBlock(w, 'mid', avgPool2(h1), arch);
  const u1 = resBlock(w, 'up1', tf.concat([upsample2(m), h1], 3), arch);
  const u0 = resBlock(w, 'up0', tf.concat([upsample2(u1), h0], 3), arch);
  return conv(w, 'conv_out', silu(gn(w, 'norm_out', u0, arch)));
}

/** The digit classifier's logits [n, 10]. */
export function classifierApply(w: W, x: tf.Tensor4D): tf.Tensor2D {
  const relu = (name: string, t: tf.Tensor4D) => tf.relu(conv(w, name, t));
  let h = relu('c1', x);
  h = tf.maxPool(relu('c2', h), 2, 2, 'valid');
  h = relu('c3', h);
  h = tf.maxPool(relu('c4', h), 2, 2, 'valid');
  h = relu('c5', h);
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  return tf.add(tf.matMul(pooled, get(w, 'fc.weight') as tf.Tensor2D), get(w, 'fc.bias'));
}
