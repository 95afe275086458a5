/**
 * Score sources the fused sampler kernels can evaluate in WGSL: the exact Gaussian mixture (any number of
 * components, optionally σ-blurred), the grid-interpolated 2-D densities and learned MLP score models. A source compiles to a WGSL `evalField()`
 * that reads the private `fx` (the point, D floats) and writes `fG` (s1), `fH` (s2, D×D row-major; only when
 * the pipeline's `NEED_H`) and `fLogp` (log density, where the source has one), plus the float32 data its
 * code reads as `MODEL`.
 */
import { exactSourceOf, type GmmFieldSource, type GridFieldSource } from '../../models/exactField.ts';
import type { HessianSource, LearnedScoreField } from '../../models/learnedField.ts';
import type { ScoreField } from '../../models/scoreField.ts';
import type { ScoreModel } from '../../models/scoreModel.ts';
import { compileGmmSource } from './gmmSource.ts';
import { compileGridSource } from './gridSource.ts';
import { compileModelSource } from './mlpSource.ts';

export { mixtureSource } from './gmmSource.ts';

export type FusedScoreSource =
  /**
   * The exact field of a Gaussian mixture, optionally σ-blurred: `gmmScoreField(gmm, σ).source`, or
   * `mixtureSource(gmm, σ)` without a tfjs field.
   */
  | GmmFieldSource
  /** A tabulated 2-D density, bilinearly interpolated with its Gaussian wall: `gridScoreField(density).source`. */
  | GridFieldSource
  /** A learned score model, as `scoreFieldFromModel(model, { hessian })`; its weights are copied when the chains are created. */
  | { kind: 'model'; model: ScoreModel; hessian?: HessianSource };

/**
 * What the fused kernels need to evaluate `field` themselves, or why they cannot: exact fields (mixtures and
 * grid-interpolated densities) and learned models are supported.
 */
export function fusedSourceOf(field: ScoreField): FusedScoreSource | string {
  const exact = exactSourceOf(field);
  if (exact) return exact;
  const learned = field as Partial<LearnedScoreField>;
  if (learned.model && learned.hessianSource) return { kind: 'model', model: learned.model, hessian: learned.hessianSource };
  return 'the fused WebGPU samplers do not know this score field';
}

export interface CompiledSource {
  dim: number;
  /** WGSL defining `fn evalField()` (may use D, DD, NEED_H, MODEL, fx, fG, fH, fLogp). */
  wgsl: string;
  /** What the code reads as MODEL. */
  data: Float32Array;
  /** Which second-order score the source gives: the full matrix or only its diagonal. */
  hessian: 'full' | 'diag';
  /** Whether `fLogp` is set (MALA needs it). */
  logp: boolean;
  /** For the badge and errors. */
  describe: string;
}

export async function compileSource(source: FusedScoreSource): Promise<CompiledSource> {
  switch (source.kind) {
    case 'gmm':
      return compileGmmSource(source);
    case 'grid':
      return compileGridSource(source);
    case 'model':
      return compileModelSource(source.model, source.hessian);
  }
}
