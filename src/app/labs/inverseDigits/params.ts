/**
 * URL parameters of the Digit inverse lab (issue 15; see `state/schema.ts` for the declaration API), and the pure
 * helpers that turn them into the engine's problem spec (`box:X,Y,W,H`, `kpix:K`, `noise:S`, models/inverse/problems.ts)
 * and the blind-estimation grid. Every control of the lab that changes what is shown is declared here, so a shared
 * link restores it.
 */
import { p, type ParamSchema } from '../../state/schema.ts';

/** Side of a digit (models/inverse/problems.ts has the same SIDE; kept here so the schema needs no model import). */
export const SIDE = 28;

/** The gallery index the lab opens on: an MNIST 9 (unit-tested against public/mnist-gallery.json). */
export const DEFAULT_DIGIT = 9;

/** The default box: the top of the digit (hiding the loop of a 9 leaves its stem: is it a 9, a 4 or a 7?). */
export const DEFAULT_BOX = { x: 4, y: 2, w: 20, h: 12 } as const;

export const PROBLEMS = ['box', 'kpix', 'noise'] as const;
export type ProblemKind = (typeof PROBLEMS)[number];

export const inverseDigitsParams = {
  /** MNIST test digit of the gallery to start from (-1: the drawing pad). */
  digit: p.int({ default: DEFAULT_DIGIT, min: -1, max: 299, label: 'gallery digit' }),
  brush: p.int({ default: 18, min: 6, max: 40, label: 'brush size' }),
  /** The degradation: a hidden box, K random seen pixels, or noise on every pixel. */
  problem: p.enum(PROBLEMS, 'box', 'degradation'),
  /** The hidden box: top-left pixel (bx, by), width bw, height bh (drag on the observation to set it). */
  bx: p.int({ default: DEFAULT_BOX.x, min: 0, max: SIDE - 1, label: 'box X (left column)' }),
  by: p.int({ default: DEFAULT_BOX.y, min: 0, max: SIDE - 1, label: 'box Y (top row)' }),
  bw: p.int({ default: DEFAULT_BOX.w, min: 1, max: SIDE, label: 'box width W' }),
  bh: p.int({ default: DEFAULT_BOX.h, min: 1, max: SIDE, label: 'box height H' }),
  /** Seen pixels of the k-random-pixels problem. */
  k: p.int({ default: 100, min: 1, max: SIDE * SIDE - 1, label: 'seen pixels K' }),
  /** Noise std of the denoising problem (every pixel seen). */
  noise: p.number({ default: 0.3, min: 0.01, max: 10, label: 'noise σ' }),
  /** Noise std of the seen pixels (box and k-pixel problems). */
  sigma1: p.number({ default: 0.02, min: 0.01, max: 1, label: 'σ1 of the seen pixels' }),
  /** The energy model that samples (MALA needs no normaliser, so both should work; blind estimation always shows both). */
  model: p.enum(['acsm', 'dsm'] as const, 'acsm', 'energy model'),
  corrector: p.enum(['mala', 'ula'] as const, 'mala', 'corrector'),
  schedule: p.enum(['geometric', 'energy'] as const, 'geometric', 'Σ schedule'),
  levels: p.int({ default: 20, min: 1, max: 100, label: 'annealing levels' }),
  steps: p.int({ default: 4, min: 0, max: 20, label: 'corrector steps per level' }),
  stepSize: p.number({ default: 0.1, min: 0.001, max: 2, label: 'corrector step size ε' }),
  samples: p.int({ default: 8, min: 1, max: 16, label: 'samples' }),
  /** Blind estimation: the true centred W×W box and σ1 the observation is made with. */
  blindW: p.int({ default: 12, min: 2, max: 26, label: 'true box size W' }),
  blindS1: p.number({ default: 0.05, min: 0.01, max: 0.5, label: 'true σ1' }),
  /** The (W, σ1) grid of the surfaces: the engine's default (25 × 16) or a coarse one (13 × 8, about 4× faster). */
  blindGrid: p.enum(['fine', 'coarse'] as const, 'fine', 'blind grid'),
} satisfies ParamSchema;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The box the engine gets: (x, y) as set, W and H cut to the image (x + W ≤ 28, y + H ≤ 28) and never the whole
 * image (a 28 × 28 box hides every pixel: H drops to 27). `clipped` says whether it differs from what was asked.
 */
export function effectiveBox(b: Box): Box & { clipped: boolean } {
  const x = Math.min(Math.max(0, b.x), SIDE - 1);
  const y = Math.min(Math.max(0, b.y), SIDE - 1);
  const w = Math.max(1, Math.min(b.w, SIDE - x));
  let h = Math.max(1, Math.min(b.h, SIDE - y));
  if (w * h >= SIDE * SIDE) h = SIDE - 1;
  return { x, y, w, h, clipped: x !== b.x || y !== b.y || w !== b.w || h !== b.h };
}

/** The settings that define a degradation. */
export interface DegradationSetting {
  problem: ProblemKind;
  bx: number;
  by: number;
  bw: number;
  bh: number;
  k: number;
  noise: number;
}

/** The engine's problem spec of a setting (parseProblem accepts it for every value the schema allows). */
export function problemSpec(s: DegradationSetting): string {
  if (s.problem === 'box') {
    const b = effectiveBox({ x: s.bx, y: s.by, w: s.bw, h: s.bh });
    return `box:${b.x},${b.y},${b.w},${b.h}`;
  }
  if (s.problem === 'kpix') return `kpix:${Math.round(s.k)}`;
  return `noise:${Number(s.noise.toPrecision(6))}`;
}

/** The box spanned by two pixels (a drag from one to the other), both included. */
export function boxFromDrag(a: readonly [number, number], b: readonly [number, number]): Box {
  const clamp = (v: number) => Math.min(SIDE - 1, Math.max(0, Math.floor(v)));
  const [x0, x1] = [clamp(a[0]), clamp(b[0])].sort((u, v) => u - v);
  const [y0, y1] = [clamp(a[1]), clamp(b[1])].sort((u, v) => u - v);
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** The coarse blind grid: W = 2, 4, …, 26 and 8 values of σ1 log-spaced over [0.01, 0.5] (the fine one is the engine's default). */
export function coarseBlindGrid(): { widths: number[]; sigmas: number[] } {
  return {
    widths: Array.from({ length: 13 }, (_, i) => 2 + 2 * i),
    sigmas: Array.from({ length: 8 }, (_, j) => Number((0.01 * Math.pow(50, j / 7)).toPrecision(6))),
  };
}
