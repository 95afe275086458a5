/**
 * The learned energy model of MATH.md section 5 in 2-D: Uθ(y, Σ) = ½ ⟨ỹ, fθ(y, Σ)⟩ with an MLP fθ.
 *
 * Inputs of the MLP: the preconditioned point ŷ_i = (y_i − m_i)/√(d_i + Σ_ii) (m the data mean, d the diagonal
 * of the data covariance, fixed when the model is created), the log-variances ln Σ_11, ln Σ_22 rescaled to about [−1, 1]
 * over the training range, and for the full 2×2 family the correlation ρ = Σ_12/√(Σ_11 Σ_22).
 *
 * Output: fθ,i = (ŷ_i + g_i)/√(d_i + Σ_ii) for i = 1, 2 (g the MLP output: a Gaussian energy ½|ŷ|² plus a
 * learned correction), and, with `offset` (default), a third coordinate fθ,3 = g_3 paired with a constant 1
 * in ỹ = (y − m, 1). The energy is then
 *
 *     Uθ(y, Σ) = ½ Σ_i ŷ_i (ŷ_i + g_i(ŷ, Σ)) + ½ g_3(ŷ, Σ).
 *
 * Why the constant coordinate: with the plain ⟨y, f⟩ form U(m, Σ) = 0 for every Σ, but −log p(m | Σ) changes
 * with Σ (by ln(2π t) at Σ = t I for large t), so no smooth fθ could make U + log Z ≈ −log p(y | Σ) for all Σ
 * at once. The homogeneous coordinate keeps the inner-product form and lifts that constraint; `offset: false`
 * gives the paper's exact form for comparison.
 *
 * Activations come from `../activations.ts` (custom gradients that save the input), so the training loss,
 * which contains ∇_y U and ∇_Σ U, can be differentiated again with respect to θ (DESIGN.md, measured facts).
 */
import * as tf from '@tensorflow/tfjs';
import { gmmMoments } from '../../core/gmm.ts';
import { createRng } from '../../core/rng.ts';
import { sampleCovariance, sampleMean } from '../../core/stats.ts';
import type { Density, Rng } from '../../core/types.ts';
import { ACTIVATIONS, type ActivationName } from '../hyper.ts';
import { createMlp, disposeMlp, mlpApply, mlpSizes, mlpVariables, type Mlp } from '../mlp.ts';
import { COV_FAMILIES, covColumns, DEFAULT_MAX_VAR, DEFAULT_MIN_VAR, type CovFamily } from './covariance.ts';
import type { EnergyFunction } from './energy.ts';

export interface EnergyModelSpec {
  family: CovFamily;
  width: number;
  depth: number;
  activation: ActivationName;
  /** The constant coordinate of ỹ (see the module comment). */
  offset: boolean;
  /** Data mean m (the model is centred there). */
  center: [number, number];
  /** Data covariance C as (a, b, c); its diagonal d = (a, c) scales the inputs (and the anchor of log Z). */
  dataCov: [number, number, number];
  /** Variance range of training; ln Σ_ii is rescaled to [−1, 1] over it. */
  varRange: [number, number];
}

export const DEFAULT_ENERGY_SPEC: Omit<EnergyModelSpec, 'center' | 'dataCov'> = {
  family: 'diag',
  width: 64,
  depth: 3,
  activation: 'silu',
  offset: true,
  varRange: [DEFAULT_MIN_VAR, DEFAULT_MAX_VAR],
};

/** Problems with a spec, as sentences (empty when valid). */
export function energySpecProblems(s: EnergyModelSpec): string[] {
  const p: string[] = [];
  if (!COV_FAMILIES.includes(s.family)) p.push(`family must be one of ${COV_FAMILIES.join(', ')}, got "${s.family}"`);
  if (!Number.isInteger(s.width) || s.width < 1 || s.width > 1024) p.push(`width must be an integer in 1..1024, got ${s.width}`);
  if (!Number.isInteger(s.depth) || s.depth < 1 || s.depth > 8) p.push(`depth must be an integer in 1..8, got ${s.depth}`);
  if (!ACTIVATIONS.includes(s.activation) || s.activation === 'relu') {
    p.push(`activation must be one of softplus, tanh, silu (smooth: training differentiates ∇U), got "${s.activation}"`);
  }
  if (!(s.center?.length === 2 && s.center.every(Number.isFinite))) p.push('center must be two finite numbers');
  if (!(s.dataCov?.length === 3 && s.dataCov.every(Number.isFinite) && s.dataCov[0] > 0 && s.dataCov[2] > 0 && s.dataCov[0] * s.dataCov[2] > s.dataCov[1] ** 2)) {
    p.push('dataCov must be the entries (a, b, c) of a positive definite 2×2 matrix');
  }
  if (!(s.varRange?.length === 2 && s.varRange[0] > 0 && s.varRange[1] > s.varRange[0])) p.push('varRange must be [min, max] with 0 < min < max');
  return p;
}

/** MLP input size of a covariance family: ŷ (2) + log-variances (2) + correlation (full family). */
export function energyInputSize(family: CovFamily): number {
  return family === 'full' ? 5 : 4;
}

/** Trainable parameters of an energy model of this architecture, counted without building it (for the budgets). */
export function energyParameterCount(arch: Pick<EnergyModelSpec, 'family' | 'width' | 'depth'> & { offset?: boolean }): number {
  const sizes = mlpSizes(energyInputSize(arch.family), arch.width, arch.depth, (arch.offset ?? DEFAULT_ENERGY_SPEC.offset) ? 3 : 2);
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += (sizes[l] + 1) * sizes[l + 1];
  return n;
}

export class EnergyModel implements EnergyFunction {
  readonly dim = 2 as const;
  readonly mlp: Mlp;
  /** Set by `normalize` (energy/normalization.ts); NaN until then. */
  logZ = Number.NaN;
  private readonly logMid: number;
  private readonly logHalf: number;

  constructor(
    readonly spec: EnergyModelSpec,
    rngOrMlp: Rng | Mlp,
  ) {
    const problems = energySpecProblems(spec);
    if (problems.length) throw new Error(`invalid energy model: ${problems.join('; ')}`);
    const sizes = mlpSizes(this.inputSize, spec.width, spec.depth, spec.offset ? 3 : 2);
    this.mlp = 'layers' in rngOrMlp ? rngOrMlp : createMlp(sizes, spec.activation, rngOrMlp, 0.1);
    if (this.mlp.sizes.join() !== sizes.join()) throw new Error(`weights have layer sizes ${this.mlp.sizes.join('-')}, the spec needs ${sizes.join('-')}`);
    const lo = Math.log(spec.varRange[0]);
    const hi = Math.log(spec.varRange[1]);
    this.logMid = 0.5 * (lo + hi);
    this.logHalf = 0.5 * (hi - lo);
  }

  get family(): CovFamily {
    return this.spec.family;
  }

  /** MLP input size: ŷ (2) + log-variances (2) + correlation (full family). */
  get inputSize(): number {
    return energyInputSize(this.spec.family);
  }

  get variables(): tf.Variable[] {
    return mlpVariables(this.mlp);
  }

  energy(y: tf.Tensor2D, sig: tf.Tensor2D): tf.Tensor1D {
    const { center, dataCov, family, offset } = this.spec;
    const [a, b, c] = covColumns(sig);
    const [y1, y2] = tf.split(y, 2, 1).map((t) => tf.reshape(t, [-1]));
    const yh1 = tf.div(tf.sub(y1, center[0]), tf.sqrt(tf.add(a, dataCov[0])));
    const yh2 = tf.div(tf.sub(y2, center[1]), tf.sqrt(tf.add(c, dataCov[2])));
    const la = tf.div(tf.sub(tf.log(a), this.logMid), this.logHalf);
    const lc = tf.div(tf.sub(tf.log(c), this.logMid), this.logHalf);
    const feats = [yh1, yh2, la, lc];
    if (family === 'full') feats.push(tf.div(b, tf.sqrt(tf.mul(a, c))));
    const g = mlpApply(this.mlp, tf.stack(feats, 1) as tf.Tensor2D);
    const gs = tf.split(g, offset ? 3 : 2, 1).map((t) => tf.reshape(t, [-1]));
    let u = tf.add(tf.mul(yh1, tf.add(yh1, gs[0])), tf.mul(yh2, tf.add(yh2, gs[1])));
    if (offset) u = tf.add(u, gs[2]);
    return tf.mul(u, 0.5) as tf.Tensor1D;
  }

  dispose(): void {
    disposeMlp(this.mlp);
  }
}

/**
 * Mean and covariance (a, b, c) of a density's data: closed form for mixtures, else from 20 000 seeded samples.
 * Fixed into a model's spec when it is created (input scaling, log Z anchor, sampler preconditioner).
 */
export function dataStatsOf(density: Density): { center: [number, number]; dataCov: [number, number, number] } {
  if (density.dim !== 2) throw new Error(`the energy lab works in 2-D; "${density.name}" has dimension ${density.dim}`);
  const { mean, cov } = density.gmm ? gmmMoments(density.gmm) : momentsOfSamples(density.sample(createRng(12345), 20000));
  return { center: [mean[0], mean[1]], dataCov: [cov[0], 0.5 * (cov[1] + cov[2]), cov[3]] };
}

function momentsOfSamples(x: Float64Array): { mean: Float64Array; cov: Float64Array } {
  return { mean: sampleMean(x, 2), cov: sampleCovariance(x, 2) };
}

/** A fresh model for a density: the default architecture with `overrides`, weights from `rng`. */
export function createEnergyModel(density: Density, rng: Rng, overrides: Partial<Omit<EnergyModelSpec, 'center' | 'dataCov'>> = {}): EnergyModel {
  return new EnergyModel({ ...DEFAULT_ENERGY_SPEC, ...overrides, ...dataStatsOf(density) }, rng);
}
