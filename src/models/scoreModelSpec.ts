/**
 * What fixes the function a score model computes besides its weights (`ScoreModelSpec`), and what follows from it
 * without building anything: the layer sizes, the names and shapes of the weights (in `ScoreModel.namedVariables`
 * order), the parameter count and the parameter budget. Pure (no tfjs): model files are checked with it before
 * anything is allocated, in the UI thread and in the engine.
 */
import { checkBudget } from '../core/budgets.ts';
import { ACTIVATIONS, S2_KINDS, type ActivationName, type S2Kind } from './hyper.ts';

/** Everything that fixes the function a score model computes (besides its weights). */
export interface ScoreModelSpec {
  dim: number;
  /** Noise level σ the model was trained at. */
  sigma: number;
  s2: S2Kind;
  /** Rank r of U for `lowrank` and `psd` (ignored otherwise). */
  rank: number;
  width: number;
  /** Number of hidden layers. */
  depth: number;
  act: ActivationName;
  /** s1 and s2 share the hidden layers (two linear heads) instead of two separate MLPs. */
  shareTrunk: boolean;
  /** Input standardisation x_in = (x − shift) / scale (length dim each). */
  inputShift: number[];
  inputScale: number[];
  /** Output scale c of the s2 head, S = c · head (module comment); absent means 1. */
  s2Scale?: number;
}

/** Number of outputs of the s2 network for a head. */
export function s2Outputs(kind: S2Kind, dim: number, rank: number): number {
  switch (kind) {
    case 'full':
      return dim * dim;
    case 'diag':
      return dim;
    case 'lowrank':
    case 'psd':
      return dim + dim * rank;
    case 'none':
      return 0;
  }
}

/** Validates a spec; returns the list of problems (empty when valid). */
export function specProblems(spec: ScoreModelSpec): string[] {
  const p: string[] = [];
  if (!Number.isInteger(spec.dim) || spec.dim < 1) p.push(`dimension must be a positive integer, got ${spec.dim}`);
  if (!(spec.sigma > 0) || !Number.isFinite(spec.sigma)) p.push(`σ must be a positive number, got ${spec.sigma}`);
  if (!(S2_KINDS as readonly string[]).includes(spec.s2)) p.push(`s2 head must be one of ${S2_KINDS.join(', ')}, got "${spec.s2}"`);
  if (spec.s2 === 'lowrank' || spec.s2 === 'psd') {
    if (!Number.isInteger(spec.rank) || spec.rank < 1 || spec.rank > spec.dim) {
      p.push(`rank must be an integer between 1 and the dimension D = ${spec.dim}, got ${spec.rank}`);
    }
  }
  if (!Number.isInteger(spec.width) || spec.width < 1 || spec.width > MAX_WIDTH) p.push(`width must be an integer in 1..${MAX_WIDTH}, got ${spec.width}`);
  if (!Number.isInteger(spec.depth) || spec.depth < 1 || spec.depth > MAX_DEPTH) p.push(`depth must be an integer in 1..${MAX_DEPTH}, got ${spec.depth}`);
  if (!ACTIVATIONS.includes(spec.act)) p.push(`activation must be one of ${ACTIVATIONS.join(', ')}, got "${spec.act}"`);
  if (spec.inputShift.length !== spec.dim || spec.inputScale.length !== spec.dim) p.push('input shift/scale must have one entry per dimension');
  if (spec.inputShift.some((v) => !Number.isFinite(v)) || spec.inputScale.some((v) => !(v > 0) || !Number.isFinite(v))) {
    p.push('input shift must be finite and input scale positive');
  }
  if (spec.s2Scale !== undefined && !(spec.s2Scale > 0 && Number.isFinite(spec.s2Scale))) p.push(`s2 output scale must be a positive number, got ${spec.s2Scale}`);
  return p;
}

/** Hidden units and layers a spec may ask for (the parameter budget usually binds first). */
export const MAX_WIDTH = 4096;
export const MAX_DEPTH = 16;

/** Layer sizes of the s1 network, and of the s2 network or the s2 head on the shared trunk (absent for s2 = none). */
export function layerSizes(spec: ScoreModelSpec): { s1: number[]; s2?: number[]; s2head?: number[] } {
  const { dim, width, depth } = spec;
  const hidden = Array.from({ length: depth }, () => width);
  const m = s2Outputs(spec.s2, dim, spec.rank);
  const s1 = [dim, ...hidden, dim];
  if (m === 0) return { s1 };
  return spec.shareTrunk ? { s1, s2head: [width, m] } : { s1, s2: [dim, ...hidden, m] };
}

/** Name and shape of every weight of a model with this spec, in `ScoreModel.namedVariables` order. */
export function weightLayout(spec: ScoreModelSpec): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  const mlp = (prefix: string, sizes: number[]) => {
    for (let l = 0; l + 1 < sizes.length; l++) {
      out.push({ name: `${prefix}.${l}.W`, shape: [sizes[l], sizes[l + 1]] });
      out.push({ name: `${prefix}.${l}.b`, shape: [sizes[l + 1]] });
    }
  };
  const sizes = layerSizes(spec);
  mlp('s1', sizes.s1);
  if (sizes.s2) mlp('s2', sizes.s2);
  if (sizes.s2head) {
    out.push({ name: 's2head.W', shape: sizes.s2head });
    out.push({ name: 's2head.b', shape: [sizes.s2head[1]] });
  }
  return out;
}

/** Number of scalar parameters of a model with this spec. */
export function specParameterCount(spec: ScoreModelSpec): number {
  return weightLayout(spec).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** Throws a `BudgetError` when a model with this spec would be over the parameter budget (`BUDGETS.parameters`). */
export function checkSpecBudget(spec: ScoreModelSpec): void {
  const hint =
    spec.dim > 16 && spec.s2 === 'full'
      ? `a full s2 head has D² = ${spec.dim * spec.dim} outputs: use --s2 lowrank, psd or diag, or a smaller width`
      : 'use a smaller width or depth';
  checkBudget('parameters', specParameterCount(spec), hint);
}
