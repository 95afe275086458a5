/**
 * The `--density` flag shared by the CLI commands: a built-in density name, or a path to a mixture JSON file (a
 * Gaussian mixture `{"type":"gmm",...}` or a mixture of logistics `{"type":"logistic-mixture",...}`; any name
 * ending in .json, or an existing path with a slash), read here so the engine gets its text.
 * `tweedie train` also takes a CSV file of points (one per line), whose kernel density it trains on.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UsageError } from './args.ts';
import { BudgetError } from '../core/budgets.ts';
import { parseCsvPoints } from '../core/gmm.ts';
import type { DensityRef } from '../engine/jobs/samplers.ts';
import type { TrainDensityRef } from '../engine/jobs/train.ts';

/** The text of the file `--density` names; a missing file or a folder is a usage error. */
function readDensityFile(d: string): string {
  if (!existsSync(d)) throw new UsageError(`--density: no file "${d}"`);
  if (statSync(d).isDirectory()) throw new UsageError(`--density: "${d}" is a folder, not a file`);
  return readFileSync(d, 'utf8');
}

/** `--density`: a built-in name, or the text of a mixture JSON file (Gaussian or logistic) (a name ending in .json, or an existing path with a slash). */
export function densityRefFlag(d: string): DensityRef {
  if (d.endsWith('.json') || (d.includes('/') && existsSync(d))) return { json: readDensityFile(d), name: d };
  return d;
}

/** `--density` of `tweedie train`: as `densityRefFlag`, or a .csv / .txt file of points of any dimension. */
export function trainDensityRefFlag(d: string): TrainDensityRef {
  if (!/\.(csv|txt)$/i.test(d)) return densityRefFlag(d);
  const text = readDensityFile(d);
  try {
    const { points, dim } = parseCsvPoints(text);
    return { points, dim, name: d.replace(/^.*\//, '') };
  } catch (e) {
    if (e instanceof BudgetError) throw new BudgetError(e.budget, `--density ${d}: ${e.message}`);
    throw new UsageError(`--density ${d}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
