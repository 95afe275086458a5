/**
 * Cost budgets (issue 18): the limits on work and memory a single input may ask for, declared once and checked
 * before any work starts, in the app and in the CLI. Each is far above what a lab or a paper-sized run needs and
 * far below what freezes a tab or exhausts memory on a laptop. A refusal names the quantity, its value, the limit and
 * how to stay within it; the CLI's `--lift-budgets` flag lifts every budget for one command (the app never does).
 */

export interface Budget {
  /** The largest allowed value. */
  readonly limit: number;
  /** What is counted, as it reads in a sentence ("parameters of a score model"). */
  readonly what: string;
}

export const BUDGETS = {
  /** Trainable parameters of one network (score, energy model): 4 M float32 is 16 MB, 64 MB with Adam's state. */
  parameters: { limit: 4_000_000, what: 'parameters of one model' },
  /** Batch × parameters: the multiply-adds of one forward pass of a training step. */
  stepWork: { limit: 2e9, what: 'multiply-adds per training step (batch × parameters)' },
  /** Training steps of one request. */
  trainingSteps: { limit: 1_000_000, what: 'training steps' },
  /** Dimension of a density (mixture files, CSV points). */
  dimension: { limit: 256, what: 'dimensions of a density' },
  /** Numbers in a mixture file (weights, means and covariances together). */
  mixtureNumbers: { limit: 4_000_000, what: 'numbers in a mixture file' },
  /** Points of an uploaded point cloud (each is a kernel of the density). */
  points: { limit: 20_000, what: 'points' },
  /** Pixels of a decoded image (digits): 2048 × 2048. */
  imagePixels: { limit: 2048 * 2048, what: 'pixels of an image' },
  /** Chains × steps of exact-score sampling, over every run of one request. */
  chainSteps: { limit: 2e8, what: 'chain steps (chains × steps, over every run)' },
  /** Chains × levels × (corrector steps + 1) of an energy model's annealed sampling: each is a network evaluation. */
  modelChainSteps: { limit: 2e7, what: 'network evaluations of annealed sampling (chains × levels × (steps + 1))' },
  /** Images × evaluations of the digits energy U-Net (annealed sampling, blind surfaces) in one request. */
  imageEvaluations: { limit: 200_000, what: 'image evaluations of the digits energy network (images × evaluations)' },
  /** Grid points × parameters of one normalisation integral of an energy model. */
  gridWork: { limit: 1e10, what: 'multiply-adds of one normalisation integral (grid points × parameters)' },
} as const satisfies Record<string, Budget>;

export type BudgetName = keyof typeof BUDGETS;

/** A request over a budget: the message names the quantity, its value, the limit and how to stay within it. */
export class BudgetError extends Error {
  constructor(
    readonly budget: BudgetName,
    message: string,
  ) {
    super(message);
    this.name = 'BudgetError';
  }
}

let lifted = false;

/** Lifts (or restores) every budget in this process: the CLI's `--lift-budgets`. */
export function liftBudgets(on: boolean): void {
  lifted = on;
}

export function budgetsLifted(): boolean {
  return lifted;
}

/** A count as people read it: 4,000,000 and 2e9 style for the very large. */
export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e12) return v.toExponential(2).replace('e+', 'e');
  return Math.round(v).toLocaleString('en-US');
}

/**
 * Throws a `BudgetError` when `value` is over the named budget (unless budgets are lifted). `hint` says how to stay
 * within it, e.g. "use a smaller --width or --depth".
 */
export function checkBudget(name: BudgetName, value: number, hint: string): void {
  const b = BUDGETS[name];
  if (lifted || value <= b.limit) return;
  throw new BudgetError(
    name,
    `${formatCount(value)} ${b.what} is over the budget of ${formatCount(b.limit)}: ${hint} (the CLI's --lift-budgets lifts the budget)`,
  );
}

/** Characters one number of a mixture file may take at most (17 significant digits, sign, exponent, separator). */
const CHARS_PER_NUMBER = 32;

/**
 * Refuses, before parsing, a mixture file (Gaussian or logistic) longer than any mixture within the `mixtureNumbers`
 * budget can be: a huge file is refused without reading it.
 */
export function checkMixtureTextSize(text: string): void {
  const maxChars = CHARS_PER_NUMBER * BUDGETS.mixtureNumbers.limit;
  if (lifted || text.length <= maxChars) return;
  throw new BudgetError(
    'mixtureNumbers',
    `the mixture JSON has ${formatCount(text.length)} characters, more than a mixture within the budget of ${formatCount(BUDGETS.mixtureNumbers.limit)} ${BUDGETS.mixtureNumbers.what} takes (${CHARS_PER_NUMBER} characters a number): use fewer components or dimensions (the CLI's --lift-budgets lifts the budget)`,
  );
}
