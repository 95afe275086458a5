/**
 * `tweedie densities`: the density registry (name, dimension, which quantities are closed form), or, with
 * --file, the same description of a mixture read from a JSON file (a Gaussian mixture or a mixture of logistics,
 * validated with a clear message).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.ts';
import { BudgetError } from '../../core/budgets.ts';
import type { CliCommand } from '../command.ts';
import { densityFromJson, densityInfo, listDensities, type DensityInfo } from '../../core/densities/index.ts';

function table(rows: DensityInfo[]): string {
  const flags = (d: DensityInfo): string =>
    Object.entries(d.closedForm)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .join(',');
  const head = ['name', 'dim', 'truth', 'closed form', 'description'];
  const body = rows.map((d) => [d.name, String(d.dim), d.truth, flags(d), d.description]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  return [head, ...body].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/**
 * Reads a mixture JSON file as a density: {"type":"gmm","weights":[...],"means":[[...]],"covs":[[[...]]]} or
 * {"type":"logistic-mixture","weights":[...],"locs":[[...]],"scales":[[...]]}.
 */
export function densityFromFile(file: string): DensityInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const name = file.replace(/^.*\//, '').replace(/\.json$/i, '');
    return densityInfo(densityFromJson(text, name));
  } catch (e) {
    if (e instanceof BudgetError) throw new BudgetError(e.budget, `--file ${file}: ${e.message}`);
    throw new UsageError(`--file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export const densitiesCommand: CliCommand = {
  name: 'densities',
  summary: 'list the built-in target densities (or describe a mixture JSON file) with their closed-form flags',
  usesEngine: false,
  flags: {
    file: { type: 'string', help: 'describe this mixture JSON file instead ({"type":"gmm","weights","means","covs"} or {"type":"logistic-mixture","weights","locs","scales"})' },
  },
  async run(flags, _engine, out) {
    const rows = flags.file ? [densityFromFile(flags.file as string)] : listDensities();
    out.result(rows, () => table(rows));
  },
};
