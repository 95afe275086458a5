/**
 * First- and second-order score models (MATH.md section 2, "Parameterisations of s2θ").
 *
 * Networks work in σ-scaled units so the regression targets are O(1) at every noise level:
 * the s1 network outputs `o1 = σ s1θ(x)` (target −z) and the s2 head gives `S = σ² s2θ(x)`, so that
 * `σ² hθ = S + o1 o1ᵀ` (target z zᵀ − I). Inputs are standardised with a fixed shift and scale stored in the spec.
 *
 * Output scale of the s2 head (`spec.s2Scale`, c): S is c times the head's raw structure. S itself is small when
 * σ is small next to the data's spread (a Gaussian of variance v has S = −σ²/(v + σ²)), so an unscaled network
 * must resolve S to a precision far below its own output noise, and every error of S is multiplied by 1/σ² in s2θ.
 * New models take c = σ² / mean(v + σ²) (`s2OutputScale`), which makes the raw output O(1) at every σ; files
 * written without the field have c = 1.
 *
 * s2 heads (`S = σ² s2θ`), all symmetric:
 * - `full`: a D×D output A, S = (A + Aᵀ)/2 (D² outputs; fine in 2-D, heavy in 100-d);
 * - `diag`: S = diag(v) (D outputs) — only the diagonal of s2 is modelled;
 * - `lowrank`: S = diag(v) + U Uᵀ, U of shape D×r (D + D r outputs);
 * - `psd`: S = −I + diag(softplus(v + log(e − 1))) + U Uᵀ (the shift makes v = 0, U = 0 give S = 0), i.e. s2θ = −I/σ² + (diag(softplus v) + U Uᵀ)/σ², so that the
 *   Tweedie covariance σ⁴ s2θ + σ² I = σ² (diag(softplus v) + U Uᵀ) is PSD by construction (with the output
 *   scale: S = −I + c (diag(softplus(v + shift_c)) + U Uᵀ), shift_c such that v = 0 still gives S = 0);
 * - `none`: no s2 network (first-order model only; s2 by autodiff of s1).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/types.ts';
import { softplus } from './activations.ts';
import type { S2Kind } from './hyper.ts';
import { createMlp, disposeMlp, mlpApply, mlpHidden, mlpVariables, type DenseLayer, type Mlp } from './mlp.ts';
import { matMul } from './matMul.ts';
import { checkSpecBudget, layerSizes, specProblems, type ScoreModelSpec } from './scoreModelSpec.ts';

export { s2Outputs, specProblems, type ScoreModelSpec } from './scoreModelSpec.ts';

/**
 * The s2 head's output scale for a model at noise level σ whose inputs are standardised by `inputScale`
 * (per-coordinate √(v_j + σ²), v_j the data's variance): c = σ² / mean_j(v_j + σ²), the magnitude of S = σ² s2 for
 * a Gaussian with the data's spread (MATH.md section 6: s2 = −(C + σ² I)⁻¹).
 */
export function s2OutputScale(sigma: number, inputScale: readonly number[]): number {
  const meanVar = inputScale.reduce((s, v) => s + v * v, 0) / inputScale.length;
  return (sigma * sigma) / meanVar;
}

/** softplus⁻¹(y) = log(eʸ − 1), stable for large y. */
function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/**
 * The s2 network's last layer starts near zero (weights scaled by this), so an untrained model predicts
 * s2θ ≈ 0 rather than random values amplified by 1/σ².
 */
const S2_INIT_SCALE = 0.01;

/** Whether the s2 head gives a full matrix (otherwise only its diagonal is modelled). */
export function s2IsFull(kind: S2Kind): boolean {
  return kind === 'full' || kind === 'lowrank' || kind === 'psd';
}

/** What one forward pass gives, in σ-scaled units (see the module comment). */
export interface ScaledOutputs {
  /** o1 = σ s1θ(x), shape [n, D]. */
  o1: tf.Tensor2D;
  /** S = σ² s2θ(x) as a full matrix [n, D, D] (full, lowrank, psd heads). */
  S?: tf.Tensor3D;
  /** diag(S), shape [n, D] (every head but none). */
  Sdiag?: tf.Tensor2D;
}

/** A gradient barrier: identity forward, zero gradient backward (tfjs has no stop_gradient op). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = (() => {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
  });
  return (x: tf.Tensor) => f(x);
})();

export class ScoreModel {
  readonly spec: ScoreModelSpec;
  private readonly net1: Mlp;
  /** Separate s2 network (when the trunk is not shared). */
  private readonly net2?: Mlp;
  /** Linear s2 head on the shared trunk. */
  private readonly head2?: DenseLayer;
  private readonly shift: tf.Tensor1D;
  private readonly invScale: tf.Tensor1D;
  private readonly eye: tf.Tensor2D;
  /** Output scale c of the s2 head, and the PSD head's shift: c · softplus(psdShift) = 1 (raw 0 gives S = 0). */
  private readonly c2: number;
  private readonly psdShift: number;
  private disposed = false;

  /** Creates a model with fresh weights drawn from `rng`. Throws with every problem of an invalid spec. */
  constructor(spec: ScoreModelSpec, rng: Rng) {
    const problems = specProblems(spec);
    if (problems.length) throw new Error(`Invalid score model: ${problems.join('; ')}.`);
    checkSpecBudget(spec);
    this.spec = { ...spec, inputShift: [...spec.inputShift], inputScale: [...spec.inputScale] };
    const { dim, act } = spec;
    const sizes = layerSizes(spec);
    this.net1 = createMlp(sizes.s1, act, rng);
    if (sizes.s2head) this.head2 = createMlp(sizes.s2head, act, rng, S2_INIT_SCALE).layers[0];
    if (sizes.s2) this.net2 = createMlp(sizes.s2, act, rng, S2_INIT_SCALE);
    this.shift = tf.tensor1d(spec.inputShift);
    this.invScale = tf.tensor1d(spec.inputScale.map((s) => 1 / s));
    this.eye = tf.eye(dim) as tf.Tensor2D;
    this.c2 = spec.s2Scale ?? 1;
    this.psdShift = softplusInverse(1 / this.c2);
  }

  get dim(): number {
    return this.spec.dim;
  }
  get sigma(): number {
    return this.spec.sigma;
  }
  get hasS2(): boolean {
    return this.spec.s2 !== 'none';
  }

  /** Every trainable variable with a stable name, in a fixed order (used by the optimiser and serialisation). */
  namedVariables(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    mlpVariables(this.net1).forEach((v, i) => out.push([`s1.${i >> 1}.${i & 1 ? 'b' : 'W'}`, v]));
    if (this.net2) mlpVariables(this.net2).forEach((v, i) => out.push([`s2.${i >> 1}.${i & 1 ? 'b' : 'W'}`, v]));
    if (this.head2) {
      out.push(['s2head.W', this.head2.W]);
      out.push(['s2head.b', this.head2.b]);
    }
    return out;
  }

  variables(): tf.Variable[] {
    return this.namedVariables().map(([, v]) => v);
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0);
  }

  private normalise(x: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(tf.sub(x, this.shift), this.invScale) as tf.Tensor2D;
  }

  /** One forward pass: o1 = σ s1θ(x) and the scaled s2 head (module comment). Call inside tf.tidy. */
  forward(x: tf.Tensor2D): ScaledOutputs {
    const xin = this.normalise(x);
    const o1 = mlpApply(this.net1, xin);
    if (!this.hasS2) return { o1 };
    let raw: tf.Tensor2D;
    if (this.head2) raw = tf.add(matMul(mlpHidden(this.net1, xin), this.head2.W), this.head2.b) as tf.Tensor2D;
    else raw = mlpApply(this.net2!, xin);
    return { o1, ...this.buildS2(raw) };
  }

  private buildS2(raw: tf.Tensor2D): { S?: tf.Tensor3D; Sdiag: tf.Tensor2D } {
    const { dim: d, rank: r } = this.spec;
    const c = this.c2;
    const n = raw.shape[0];
    switch (this.spec.s2) {
      case 'full': {
        const A = tf.reshape(raw, [n, d, d]) as tf.Tensor3D;
        const S = tf.mul(tf.add(A, tf.transpose(A, [0, 2, 1])), 0.5 * c) as tf.Tensor3D;
        return { S, Sdiag: tf.sum(tf.mul(S, this.eye), 2) as tf.Tensor2D };
      }
      case 'diag':
        return { Sdiag: c === 1 ? raw : (tf.mul(raw, c) as tf.Tensor2D) };
      case 'lowrank':
      case 'psd': {
        let v = tf.slice(raw, [0, 0], [n, d]) as tf.Tensor2D;
        const U = tf.reshape(tf.slice(raw, [0, d], [n, d * r]), [n, d, r]) as tf.Tensor3D;
        v = this.spec.s2 === 'psd' ? (tf.sub(tf.mul(softplus(tf.add(v, this.psdShift)), c), 1) as tf.Tensor2D) : (tf.mul(v, c) as tf.Tensor2D);
        const UUt = tf.mul(tf.matMul(U, U, false, true), c) as tf.Tensor3D;
        const S = tf.add(tf.mul(tf.expandDims(v, 2), this.eye), UUt) as tf.Tensor3D;
        return { S, Sdiag: tf.add(v, tf.mul(tf.sum(tf.square(U), 2), c)) as tf.Tensor2D };
      }
      case 'none':
        throw new Error('no s2 head');
    }
  }

  /** First-order score s1θ(x) = o1 / σ, shape [n, D]. */
  s1(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(mlpApply(this.net1, this.normalise(x)), this.spec.sigma) as tf.Tensor2D);
  }

  /** Direct second-order score s2θ(x) = S / σ², shape [n, D, D] (diagonal heads give a diagonal matrix). */
  s2(x: tf.Tensor2D): tf.Tensor3D {
    if (!this.hasS2) throw new Error('This model has no s2 head (s2 = none): use the autodiff Hessian of s1.');
    return tf.tidy(() => {
      const out = this.forward(x);
      const S = out.S ?? (tf.mul(tf.expandDims(out.Sdiag!, 2), this.eye) as tf.Tensor3D);
      return tf.div(S, this.spec.sigma ** 2) as tf.Tensor3D;
    });
  }

  /** Diagonal of the direct second-order score, shape [n, D]. */
  s2Diag(x: tf.Tensor2D): tf.Tensor2D {
    if (!this.hasS2) throw new Error('This model has no s2 head (s2 = none): use the autodiff Hessian of s1.');
    return tf.tidy(() => tf.div(this.forward(x).Sdiag!, this.spec.sigma ** 2) as tf.Tensor2D);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeMlp(this.net1);
    if (this.net2) disposeMlp(this.net2);
    if (this.head2) {
      this.head2.W.dispose();
      this.head2.b.dispose();
    }
    this.shift.dispose();
    this.invScale.dispose();
    this.eye.dispose();
  }
}
