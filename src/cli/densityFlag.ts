/**
 * The `--density` flag shared by the CLI commands: a built-in density name, or a path to a Gaussian-mixture JSON
 * file (any name ending in .json, or an existing path with a slash), read here so the engine gets its text.
 * `tweedie train` also takes a CSV file of points (one per line), whose kernel density it trains on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './args.ts';
import { BudgetError } from '../core/budgets.ts';
import { parseCsvPoints } from '../core/gmm.ts';
import type { DensityRef } from '../engine/jobs/samplers.ts';
import type { TrainDensityRef } from '../engine/jobs/train.ts';

export function densityRefFlag(d: string): DensityRef {
  if (d.endsWith('.json') || (d.includes('/') && existsSync(d))) {
    if (!existsSync(d)) throw new UsageError(`--density: no file "${d}"`);
    return { json: readFileSync(d, 'utf8'), name: d };
  }
  return d;
}

/** `--density` of `tweedie train`: as `densityRefFlag`, or a .csv / .txt file of points of any dimension. */
export function trainDensityRefFlag(d: string): TrainDensityRef {
  if (!/\.(csv|txt)$/i.test(d)) return densityRefFlag(d);
  if (!existsSync(d)) throw new UsageError(`--density: no file "${d}"`);
  try {
    const { points, dim } = parseCsvPoints(readFileSync(d, 'utf8'));
    return { points, dim, name: d.replace(/^.*\//, '') };
  } catch (e) {
    if (e instanceof BudgetError) throw new BudgetError(e.budget, `--density ${d}: ${e.message}`);
    throw new UsageError(`--density ${d}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
