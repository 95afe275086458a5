/**
 * The `--density` flag shared by the CLI commands: a built-in density name, or a path to a Gaussian-mixture JSON
 * file (any name ending in .json, or an existing path with a slash), read here so the engine gets its text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './args.ts';
import type { DensityRef } from '../engine/jobs/samplers.ts';

export function densityRefFlag(d: string): DensityRef {
  if (d.endsWith('.json') || (d.includes('/') && existsSync(d))) {
    if (!existsSync(d)) throw new UsageError(`--density: no file "${d}"`);
    return { json: readFileSync(d, 'utf8'), name: d };
  }
  return d;
}
