/**
 * The training objectives of MATH.md section 2, in their σ-weighted (scale-free) forms, as per-sample losses.
 *
 * Units: `o1 = σ s1θ(x̃)` and `H = σ² hθ(x̃) = σ² (s2θ + s1θ s1θᵀ)` (see scoreModel.ts), z the standard normal noise
 * with x̃ = x + σ z. Each function returns the per-sample loss, shape [n]; the objective is its mean.
 *
 * - DSM      ‖o1 + z‖²                                           = σ² ‖s1θ + z/σ‖²
 * - DSM-VR   ‖o1(x̃)‖² + 2⟨z, o1(x̃) − o1(x)⟩                      mean = DSM − D
 * - D2SM     ‖H − (z zᵀ − I)‖²_F                                 = σ⁴ ‖hθ − (z zᵀ − I)/σ²‖²_F
 * - D2SM-VR  ½ Σ_ij [H₊² + H₋² + 2 (I − z zᵀ)((H₊ − H₀) + (H₋ − H₀))]  mean = D2SM − (D² + D)
 *   with H± = H(x ± σ z), H₀ = H(x) (antithetic pair, control variate at the clean x)
 * - diagonal D2SM (and its VR form): the same restricted to the diagonal, offset 2D.
 * - joint    D2SM(-VR) + γ DSM(-VR).
 * The VR forms are unbiased for their plain forms minus the constants above (`lossOffset`), so
 * `loss + lossOffset` is what to plot on one axis with the plain losses.
 */
import * as tf from '@tensorflow/tfjs';
import type { S2Kind } from './hyper.ts';
import { s2IsFull, stopGradient, type ScaledOutputs, type ScoreModel } from './scoreModel.ts';

export interface ObjectiveConfig {
  /** The s2 head; `none` trains s1 alone with DSM. A `diag` head trains with diagonal D2SM. */
  s2: S2Kind;
  /** Variance reduction (DSM-VR, D2SM-VR). */
  vr: boolean;
  /** Weight γ of the first-order term in the joint objective (ignored when s2 = none). */
  gamma: number;
  /** Stop gradients into s1θ through hθ = s2θ + s1θ s1θᵀ. */
  stopGrad: boolean;
}

/** Per-sample DSM: ‖o1 + z‖². */
export function dsmPerSample(o1: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.add(o1, z)), 1) as tf.Tensor1D;
}

/** Per-sample DSM-VR: ‖o1(x̃)‖² + 2⟨z, o1(x̃) − o1(x)⟩ (mean: DSM − D). */
export function dsmVrPerSample(o1Noisy: tf.Tensor2D, o1Clean: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.add(tf.sum(tf.square(o1Noisy), 1), tf.mul(2, tf.sum(tf.mul(z, tf.sub(o1Noisy, o1Clean)), 1))) as tf.Tensor1D;
}

/** z zᵀ − I for each row of z, shape [n, D, D]. */
export function outerMinusIdentity(z: tf.Tensor2D): tf.Tensor3D {
  const d = z.shape[1];
  return tf.sub(tf.mul(tf.expandDims(z, 2), tf.expandDims(z, 1)), tf.eye(d)) as tf.Tensor3D;
}

/** Per-sample D2SM: ‖H − (z zᵀ − I)‖²_F. */
export function d2smPerSample(H: tf.Tensor3D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.sub(H, outerMinusIdentity(z))), [1, 2]) as tf.Tensor1D;
}

/** Per-sample diagonal D2SM: Σ_i (H_ii − (z_i² − 1))². */
export function d2smDiagPerSample(hDiag: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.sub(hDiag, tf.sub(tf.square(z), 1))), 1) as tf.Tensor1D;
}

/** Per-sample D2SM-VR (antithetic + control variate at the clean x); mean: D2SM − (D² + D). */
export function d2smVrPerSample(Hp: tf.Tensor3D, Hm: tf.Tensor3D, H0: tf.Tensor3D, z: tf.Tensor2D): tf.Tensor1D {
  const Dz = tf.neg(outerMinusIdentity(z)); // σ² (I − z zᵀ)/σ²
  const cv = tf.mul(2, tf.mul(Dz, tf.sub(tf.add(Hp, Hm), tf.mul(2, H0))));
  return tf.mul(0.5, tf.sum(tf.add(tf.add(tf.square(Hp), tf.square(Hm)), cv), [1, 2])) as tf.Tensor1D;
}

/** Per-sample diagonal D2SM-VR; mean: diagonal D2SM − 2D. */
export function d2smDiagVrPerSample(hp: tf.Tensor2D, hm: tf.Tensor2D, h0: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  const Dz = tf.sub(1, tf.square(z));
  const cv = tf.mul(2, tf.mul(Dz, tf.sub(tf.add(hp, hm), tf.mul(2, h0))));
  return tf.mul(0.5, tf.sum(tf.add(tf.add(tf.square(hp), tf.square(hm)), cv), 1)) as tf.Tensor1D;
}

/** σ² hθ = S + o1 o1ᵀ, full [n, D, D] (with the stop-gradient toggle on the o1 o1ᵀ term). */
export function scaledH(out: ScaledOutputs, stopGrad: boolean): tf.Tensor3D {
  const o1 = stopGrad ? (stopGradient(out.o1) as tf.Tensor2D) : out.o1;
  return tf.add(out.S!, tf.mul(tf.expandDims(o1, 2), tf.expandDims(o1, 1))) as tf.Tensor3D;
}

/** diag(σ² hθ) = diag(S) + o1² (with the stop-gradient toggle). */
export function scaledHDiag(out: ScaledOutputs, stopGrad: boolean): tf.Tensor2D {
  const o1 = stopGrad ? (stopGradient(out.o1) as tf.Tensor2D) : out.o1;
  return tf.add(out.Sdiag!, tf.square(o1)) as tf.Tensor2D;
}

/**
 * The constant c with E[VR loss] = E[plain loss] − c (0 without VR): add it to a VR loss to plot it with the
 * plain one. DSM-VR: D; D2SM-VR: D² + D (diagonal: 2D); joint: D2SM part + γ DSM part.
 */
export function lossOffset(cfg: ObjectiveConfig, dim: number): number {
  if (!cfg.vr) return 0;
  if (cfg.s2 === 'none') return dim;
  const second = s2IsFull(cfg.s2) ? dim * dim + dim : 2 * dim;
  return second + cfg.gamma * dim;
}

/** Per-sample parts of the objective: the total and its first- and second-order terms (shape [n] each). */
export interface ObjectiveParts {
  total: tf.Tensor1D;
  first: tf.Tensor1D;
  second?: tf.Tensor1D;
}

function rows<T extends tf.Tensor>(t: T, start: number, n: number): T {
  const begin = t.shape.map((_, i) => (i === 0 ? start : 0));
  const size = t.shape.map((s, i) => (i === 0 ? n : s));
  return tf.slice(t, begin, size) as T;
}

/**
 * The per-sample objective of MATH.md section 2 for a model on a batch of clean points x and noises z
 * (x̃ = x + σ z). With VR one forward pass runs on [x + σz; x − σz; x]. Call inside tf.tidy.
 */
export function objectivePerSample(model: ScoreModel, x: tf.Tensor2D, z: tf.Tensor2D, cfg: ObjectiveConfig): ObjectiveParts {
  const sigma = model.sigma;
  const n = x.shape[0];
  const sz = tf.mul(z, sigma);
  const full = s2IsFull(cfg.s2);
  if (!cfg.vr) {
    const out = model.forward(tf.add(x, sz) as tf.Tensor2D);
    const first = dsmPerSample(out.o1, z);
    if (cfg.s2 === 'none') return { total: first, first };
    const second = full ? d2smPerSample(scaledH(out, cfg.stopGrad), z) : d2smDiagPerSample(scaledHDiag(out, cfg.stopGrad), z);
    return { total: tf.add(second, tf.mul(cfg.gamma, first)) as tf.Tensor1D, first, second };
  }
  const X = tf.concat([tf.add(x, sz), tf.sub(x, sz), x], 0) as tf.Tensor2D;
  const out = model.forward(X);
  const part = (o: ScaledOutputs, i: number): ScaledOutputs => ({
    o1: rows(o.o1, i * n, n),
    ...(o.S ? { S: rows(o.S, i * n, n) } : {}),
    ...(o.Sdiag ? { Sdiag: rows(o.Sdiag, i * n, n) } : {}),
  });
  const [plus, minus, clean] = [part(out, 0), part(out, 1), part(out, 2)];
  const first = dsmVrPerSample(plus.o1, clean.o1, z);
  if (cfg.s2 === 'none') return { total: first, first };
  const second = full
    ? d2smVrPerSample(scaledH(plus, cfg.stopGrad), scaledH(minus, cfg.stopGrad), scaledH(clean, cfg.stopGrad), z)
    : d2smDiagVrPerSample(scaledHDiag(plus, cfg.stopGrad), scaledHDiag(minus, cfg.stopGrad), scaledHDiag(clean, cfg.stopGrad), z);
  return { total: tf.add(second, tf.mul(cfg.gamma, first)) as tf.Tensor1D, first, second };
}
