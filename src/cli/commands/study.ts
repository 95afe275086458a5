/**
 * `tweedie study table1` (issue 17 item 2): paper 1's Table 1 as a study rather than a point. It trains one model per
 * cell of a grid (target × dimension × σ × training steps × seed × VR on/off), each exactly like README's Table 1
 * command (`tweedie train --s2 diag --stop-grad --s2-scale auto`, width 128, tanh, batch 256, tail 0.3, eval 500 by
 * default), and scores direct s2 against autodiff ∇s1 under both protocols: against the noisy density q_σ the model
 * describes, and against the clean density p (the paper's).
 *
 * Targets: `gauss` is the zero-mean correlated Gaussian built like `gauss100` (`gauss100Cov`: eigenvalues log-spaced
 * in [0.1, 10] under a random rotation, seed 2021) in each dimension of --dims; `logistic` is the built-in mixture of
 * logistics (`logisticMixtureBuiltin`, seed 2021 + d) in each dimension of --dims; `gauss<D>` / `logistic<D>` name
 * one dimension (e.g. logistic50, the registry's). gauss10 and gauss30 are the files in bench/densities/.
 * --spectra gives the Gaussians other covariance spectra (`gaussSpectrumCov`, same rotation): `geometric` (the
 * default, the one above), `iso`, `wide`, `spiked` (GAUSS_SPECTRA). A Gaussian with a spectrum other than geometric
 * is named `gauss<D>-<spectrum>` (e.g. gauss30-iso), which --targets also accepts.
 *
 * Prints `{rows: [{target, dim, sigma, steps, seed, vr, s1Mse, s2MseDirect, s2MseAutodiff, s2MseDirectClean,
 * s2MseAutodiffClean, ratioQ, ratioClean, seconds, diverged, spectrum}], summary: [{target, dim, sigma, steps, vr,
 * seeds, ratioQ, ratioClean, directWinsQ, directWinsClean, spectrum}]}` (spectrum: null for a mixture of logistics).
 * ratioQ = s2MseAutodiff / s2MseDirect and ratioClean = s2MseAutodiffClean / s2MseDirectClean: above 1, direct wins. The summary groups the seeds of a setting: the
 * geometric mean of each ratio and the number of seeds on which direct wins. A diverged cell keeps the metrics of its
 * last good weights (as `tweedie train` does) and is marked `diverged: true`.
 *
 * `--from FILE` reads such a result instead of training (rows of older files, which have no spectrum, get it from
 * the target's name) and prints it with the summary recomputed; `--figure FILE` writes the rows as an SVG figure
 * (`studyFigure.ts`), from a run or from --from.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SIGMA_RANGE, UsageError, numberList, strictNumber, type ParsedFlags } from '../args.ts';
import { BUDGETS, checkBudget } from '../../core/budgets.ts';
import { MAX_SEED } from '../../core/strictNumber.ts';
import { GAUSS_SPECTRA, gaussSpectrumCov, logisticMixtureBuiltin, type GaussSpectrum } from '../../core/densities/index.ts';
import { studyFigureSvg } from './studyFigure.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import type { EngineClient } from '../../engine/client.ts';
import type { DensityRef } from '../../engine/jobs/samplers.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../models/hyper.ts';

/** The two target families of paper 1's Table 1. */
type Family = 'gauss' | 'logistic';

/** One target of the grid: a family in one dimension (and a spectrum for a Gaussian). */
interface StudyTarget {
  family: Family;
  dim: number;
  /** The Gaussian's covariance spectrum; null for a mixture of logistics. */
  spectrum: GaussSpectrum | null;
  /** e.g. gauss30, gauss30-iso, logistic50. */
  name: string;
}

/** One cell's result (a row of the printed JSON). */
export interface StudyRow {
  /** The density's name, e.g. gauss30 or logistic50. */
  target: string;
  dim: number;
  sigma: number;
  steps: number;
  seed: number;
  vr: boolean;
  s1Mse: number;
  s2MseDirect: number;
  s2MseAutodiff: number;
  s2MseDirectClean: number;
  s2MseAutodiffClean: number;
  /** s2MseAutodiff / s2MseDirect: above 1, direct wins against q_σ. */
  ratioQ: number;
  /** s2MseAutodiffClean / s2MseDirectClean: above 1, direct wins against p (the paper's protocol). */
  ratioClean: number;
  /** Wall time of the cell (training and metrics). */
  seconds: number;
  diverged: boolean;
  /** The Gaussian's covariance spectrum (GAUSS_SPECTRA); null for a mixture of logistics. */
  spectrum: GaussSpectrum | null;
}

/** The seeds of one setting together. */
export interface StudySummary {
  target: string;
  dim: number;
  sigma: number;
  steps: number;
  vr: boolean;
  seeds: number;
  /** Geometric means over the seeds. */
  ratioQ: number;
  ratioClean: number;
  /** Seeds on which direct's MSE is below autodiff's. */
  directWinsQ: number;
  directWinsClean: number;
  spectrum: GaussSpectrum | null;
}

export interface StudyResult {
  rows: StudyRow[];
  summary: StudySummary[];
}

/** The fixed training settings of every cell (README's Table 1 command); --width, --batch and --eval can change. */
const CELL_HYPER: Pick<TrainHyper, 's2' | 'stopGrad' | 's2Scale' | 'act' | 'depth' | 'gamma' | 'shareTrunk' | 'rank' | 'lr'> = {
  s2: 'diag',
  stopGrad: true,
  s2Scale: 'auto',
  act: 'tanh',
  depth: DEFAULT_HYPER.depth,
  gamma: DEFAULT_HYPER.gamma,
  shareTrunk: false,
  rank: DEFAULT_HYPER.rank,
  lr: DEFAULT_HYPER.lr,
};

/** Dimensions a study may ask for: 2 up to the dimension budget. */
const DIM_RANGE = { min: 2, max: BUDGETS.dimension.limit } as const;

/** A comma-separated list of strict integers within [min, max], without repeats. */
function intList(name: string, raw: string, min: number, max: number): number[] {
  const vs = raw.split(',').map((p) => strictNumber(`--${name} "${raw}"`, p.trim(), { type: 'int', min, max }));
  return noRepeats(name, vs);
}

/** `vs`, refused when one value is given twice (it would run the same cells twice). */
function noRepeats<T>(name: string, vs: T[]): T[] {
  if (new Set(vs).size !== vs.length) throw new UsageError(`--${name} lists a value twice: ${vs.join(',')}`);
  return vs;
}

/** A target's name: gauss<D> for the geometric spectrum (the study's first Gaussians), gauss<D>-<spectrum> otherwise. */
function targetName(family: Family, dim: number, spectrum: GaussSpectrum | null): string {
  return spectrum === null || spectrum === 'geometric' ? `${family}${dim}` : `${family}${dim}-${spectrum}`;
}

/** The spectrum a target's name implies: gauss<D> is geometric, gauss<D>-<spectrum> names it, anything else has none. */
export function spectrumOfTarget(target: string): GaussSpectrum | null {
  const m = /^gauss\d+(?:-(\w+))?$/.exec(target);
  if (!m) return null;
  const s = m[1] ?? 'geometric';
  return (GAUSS_SPECTRA as readonly string[]).includes(s) ? (s as GaussSpectrum) : null;
}

/** `--spectra`: a list of GAUSS_SPECTRA. */
function parseSpectra(raw: string): GaussSpectrum[] {
  const vs = raw.split(',').map((s) => s.trim());
  for (const v of vs) if (!(GAUSS_SPECTRA as readonly string[]).includes(v)) throw new UsageError(`--spectra: "${v}" is not one of ${GAUSS_SPECTRA.join(', ')}`);
  return noRepeats('spectra', vs as GaussSpectrum[]);
}

/**
 * `--targets`: gauss / logistic (each dimension of --dims) or gauss<D> / logistic<D> (that dimension); a Gaussian
 * comes in each spectrum of --spectra unless it names one (gauss<D>-<spectrum>).
 */
function parseTargets(raw: string, dims: number[], spectra: GaussSpectrum[]): StudyTarget[] {
  const out: StudyTarget[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const m = /^(gauss|logistic)(\d*)(?:-([a-z]+))?$/.exec(item);
    if (!m || (m[1] === 'logistic' && m[3] !== undefined) || (m[3] !== undefined && m[2] === '')) {
      throw new UsageError(`--targets: "${item}" is not gauss, logistic, gauss<D>, logistic<D> or gauss<D>-<spectrum> (e.g. logistic50, gauss30-iso)`);
    }
    const family = m[1] as Family;
    const ds = m[2] === '' ? dims : [strictNumber(`--targets "${item}": the dimension`, m[2], { type: 'int', ...DIM_RANGE })];
    const ss: (GaussSpectrum | null)[] = family === 'logistic' ? [null] : m[3] !== undefined ? parseSpectra(m[3]) : spectra;
    for (const dim of ds) for (const spectrum of ss) out.push({ family, dim, spectrum, name: targetName(family, dim, spectrum) });
  }
  noRepeats(
    'targets',
    out.map((t) => t.name),
  );
  return out;
}

/** `--vr`: a list of on / off. */
function parseVr(raw: string): boolean[] {
  const vs = raw.split(',').map((s) => s.trim());
  for (const v of vs) if (v !== 'on' && v !== 'off') throw new UsageError(`--vr takes a list of on and off, got "${raw}"`);
  return noRepeats('vr', vs).map((v) => v === 'on');
}

/** The mixture file text of a target, as the engine reads `--density FILE`. */
function targetDensity(t: StudyTarget): DensityRef {
  const { name, dim: d } = t;
  if (t.family === 'gauss') {
    const C = gaussSpectrumCov(d, t.spectrum ?? 'geometric');
    const cov = Array.from({ length: d }, (_, i) => Array.from(C.subarray(i * d, (i + 1) * d)));
    return { name, json: JSON.stringify({ type: 'gmm', weights: [1], means: [new Array<number>(d).fill(0)], covs: [cov] }) };
  }
  const m = logisticMixtureBuiltin(d);
  const rows = (flat: Float64Array) => Array.from({ length: m.weights.length }, (_, k) => Array.from(flat.subarray(k * d, (k + 1) * d)));
  return { name, json: JSON.stringify({ type: 'logistic-mixture', weights: Array.from(m.weights), locs: rows(m.locs), scales: rows(m.scales) }) };
}

/** A metric the --s2 diag model always has; null would mean the cell did not train an s2 head. */
function must(v: number | null, what: string): number {
  if (v === null) throw new Error(`study: ${what} missing from the metrics`);
  return v;
}

/** The settings shared by every cell, from the flags. */
interface CellSettings {
  width: number;
  batch: number;
  tail: number;
  eval: number;
}

/** Trains and scores one cell, then disposes its session (also when it fails). */
async function runCell(engine: EngineClient, out: CliOutput, density: DensityRef, t: StudyTarget, sigma: number, steps: number, seed: number, vr: boolean, s: CellSettings): Promise<StudyRow> {
  const key = 'study';
  const hyper: TrainHyper = { ...CELL_HYPER, sigma, vr, seed, width: s.width, batch: s.batch };
  const t0 = performance.now();
  const created = await engine.run('train.create', { key, density, hyper });
  try {
    for (const w of created.warnings) out.info(`warning: ${w}`);
    const tailSteps = Math.round(s.tail * steps);
    let res = await engine.run('train.steps', { key, steps: steps - tailSteps, reportMs: 1000 });
    if (tailSteps > 0 && !res.diverged) res = await engine.run('train.steps', { key, steps: tailSteps, reportMs: 1000, lr: hyper.lr / 10 });
    if (res.diverged) out.info(`diverged: ${res.diverged} (the metrics are those of the last good weights)`);
    const m = await engine.run('train.metrics', { key, n: s.eval, timingReps: 1 });
    const direct = must(m.s2MseDirect, 's2MseDirect');
    const directClean = must(m.s2MseDirectClean, 's2MseDirectClean');
    const autoClean = must(m.s2MseAutodiffClean, 's2MseAutodiffClean');
    return {
      target: t.name,
      dim: t.dim,
      sigma,
      steps,
      seed,
      vr,
      s1Mse: m.s1Mse,
      s2MseDirect: direct,
      s2MseAutodiff: m.s2MseAutodiff,
      s2MseDirectClean: directClean,
      s2MseAutodiffClean: autoClean,
      ratioQ: m.s2MseAutodiff / direct,
      ratioClean: autoClean / directClean,
      seconds: (performance.now() - t0) / 1000,
      diverged: res.diverged !== undefined,
      spectrum: t.spectrum,
    };
  } finally {
    await engine.run('train.dispose', { key });
  }
}

/** The rows grouped by setting (all but the seed), in grid order. */
export function summarise(rows: StudyRow[]): StudySummary[] {
  const groups = new Map<string, StudyRow[]>();
  for (const r of rows) {
    const k = JSON.stringify([r.target, r.sigma, r.steps, r.vr]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const geo = (vs: number[]) => Math.exp(vs.reduce((a, v) => a + Math.log(v), 0) / vs.length);
  return [...groups.values()].map((g) => ({
    target: g[0].target,
    dim: g[0].dim,
    sigma: g[0].sigma,
    steps: g[0].steps,
    vr: g[0].vr,
    seeds: g.length,
    ratioQ: geo(g.map((r) => r.ratioQ)),
    ratioClean: geo(g.map((r) => r.ratioClean)),
    directWinsQ: g.filter((r) => r.ratioQ > 1).length,
    directWinsClean: g.filter((r) => r.ratioClean > 1).length,
    spectrum: g[0].spectrum,
  }));
}

const fmt = (v: number): string => v.toPrecision(3);

/** The fields of a row and their types, as `--from` checks them. */
const ROW_FIELDS: Record<Exclude<keyof StudyRow, 'spectrum'>, 'string' | 'number' | 'int' | 'boolean'> = {
  target: 'string',
  dim: 'int',
  sigma: 'number',
  steps: 'int',
  seed: 'int',
  vr: 'boolean',
  s1Mse: 'number',
  s2MseDirect: 'number',
  s2MseAutodiff: 'number',
  s2MseDirectClean: 'number',
  s2MseAutodiffClean: 'number',
  ratioQ: 'number',
  ratioClean: 'number',
  seconds: 'number',
  diverged: 'boolean',
};

/**
 * The rows of a study result read back (`--from`): `value` must be `{rows: [...]}` whose rows carry every field of a
 * row; a row without `spectrum` (files written before --spectra) gets the one its target's name implies. Other
 * fields of the file, such as its summary, are not read: the summary is recomputed from the rows.
 */
export function studyRowsFromJson(value: unknown, what: string): StudyRow[] {
  const rows = (value as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows) || rows.length === 0) throw new UsageError(`${what}: not a study result (expected {"rows": [...]} with at least one row, as --out writes)`);
  return rows.map((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) throw new UsageError(`${what}: rows[${i}] is not an object`);
    const row = r as Record<string, unknown>;
    for (const [k, type] of Object.entries(ROW_FIELDS)) {
      const v = row[k];
      const ok = type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number' && Number.isFinite(v) && (type === 'number' || Number.isInteger(v));
      if (!ok) throw new UsageError(`${what}: rows[${i}].${k} must be ${type === 'int' ? 'an integer' : type === 'number' ? 'a finite number' : `a ${type}`}, got ${JSON.stringify(v)}`);
    }
    const spectrum = row.spectrum === undefined ? spectrumOfTarget(row.target as string) : row.spectrum;
    if (spectrum !== null && !(GAUSS_SPECTRA as readonly unknown[]).includes(spectrum)) throw new UsageError(`${what}: rows[${i}].spectrum must be null or one of ${GAUSS_SPECTRA.join(', ')}`);
    return { ...(row as unknown as StudyRow), spectrum: spectrum as GaussSpectrum | null };
  });
}

/** `--from FILE` read and checked. */
function readStudyFile(path: string): StudyRow[] {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`--from: no file "${path}"`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--from: ${path} is not valid JSON (${(e as Error).message})`);
  }
  return studyRowsFromJson(value, `--from ${path}`);
}

/** The human text: one line per cell, then the summary table. */
function studyText(r: StudyResult): string {
  const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(16) : i === 1 ? c.padEnd(12) : c.padStart(10))).join(' ');
  const lines = ['cells (ratio = autodiff MSE / direct MSE; above 1, direct wins):'];
  lines.push(pad(['target', 'σ / steps', 'seed', 'VR', 'q: direct', 'q: autodiff', 'q: ratio', 'p: direct', 'p: autodiff', 'p: ratio', 's1 MSE']));
  for (const c of r.rows) {
    lines.push(
      pad([c.target, `${c.sigma} / ${c.steps}`, String(c.seed), c.vr ? 'on' : 'off', fmt(c.s2MseDirect), fmt(c.s2MseAutodiff), fmt(c.ratioQ), fmt(c.s2MseDirectClean), fmt(c.s2MseAutodiffClean), fmt(c.ratioClean), fmt(c.s1Mse)]) +
        (c.diverged ? '  DIVERGED' : ''),
    );
  }
  lines.push('', 'summary (geometric mean of the ratio over the seeds; seeds where direct wins):');
  lines.push(pad(['target', 'σ / steps', 'VR', 'seeds', 'q: ratio', 'q: wins', 'p: ratio', 'p: wins']));
  for (const s of r.summary) {
    lines.push(pad([s.target, `${s.sigma} / ${s.steps}`, s.vr ? 'on' : 'off', String(s.seeds), fmt(s.ratioQ), `${s.directWinsQ}/${s.seeds}`, fmt(s.ratioClean), `${s.directWinsClean}/${s.seeds}`]));
  }
  return lines.join('\n');
}

export const studyTable1Command: CliCommand = {
  name: 'study table1',
  summary: "paper 1's Table 1 as a study: direct s2 vs autodiff ∇s1 (MSE ratio, against q_σ and the clean p) over targets, dimensions, σ, steps, seeds and VR",
  flags: {
    targets: { type: 'string', help: 'comma-separated: gauss and logistic (in each of --dims), or gauss<D> / logistic<D> (e.g. logistic50)', default: 'gauss,logistic50' },
    dims: { type: 'string', help: 'comma-separated dimensions of the gauss / logistic targets (2 to 256)', default: '10,30,100' },
    sigmas: { type: 'string', help: `comma-separated noise levels σ (${SIGMA_RANGE.min} to ${SIGMA_RANGE.max})`, default: '0.1' },
    steps: { type: 'string', help: 'comma-separated training budgets (steps per cell)', default: '2000' },
    seeds: { type: 'string', help: 'comma-separated seeds of the weights and the training samples', default: '1,2' },
    vr: { type: 'string', help: 'comma-separated: on, off (variance reduction, DSM-VR and D2SM-VR)', default: 'on,off' },
    width: { type: 'int', help: 'hidden units per layer', default: 128 },
    batch: { type: 'int', help: 'batch size', default: 256 },
    tail: { type: 'number', help: 'fraction of the steps, at the end, run at a tenth of the learning rate', default: 0.3, min: 0, max: 0.9 },
    eval: { type: 'int', help: 'fresh noisy points for the metrics of each cell', default: 500, min: 1, max: 100000 },
    spectra: { type: 'string', help: `comma-separated covariance spectra of the gauss targets: ${GAUSS_SPECTRA.join(', ')} (geometric: log-spaced in [0.1, 10])`, default: 'geometric' },
    out: { type: 'string', help: 'also write the JSON result to this file' },
    figure: { type: 'string', help: 'also write the cells as an SVG figure (ratio per cell, by target) to this file' },
    from: { type: 'string', help: 'read a result written by --out instead of training (the grid flags are then ignored); with --figure, redraws it' },
  },
  async run(flags: ParsedFlags, engine, out) {
    // Refuse an output path in no folder now, not after the training.
    for (const name of ['out', 'figure']) {
      const path = flags[name] as string | undefined;
      if (path === undefined) continue;
      const dir = dirname(resolve(path));
      if (path === '' || !existsSync(dir) || !statSync(dir).isDirectory() || (existsSync(path) && statSync(path).isDirectory())) {
        throw new UsageError(`--${name} "${path}": cannot write there (its folder must exist and it must not be a folder)`);
      }
    }
    if (flags.from !== undefined) {
      const rows = readStudyFile(flags.from as string);
      finish({ rows, summary: summarise(rows) }, flags, out);
      return;
    }
    const dims = intList('dims', flags.dims as string, DIM_RANGE.min, DIM_RANGE.max);
    const targets = parseTargets(flags.targets as string, dims, parseSpectra(flags.spectra as string));
    const sigmas = noRepeats('sigmas', numberList('--sigmas', flags.sigmas as string, undefined, SIGMA_RANGE));
    const stepsList = intList('steps', flags.steps as string, 1, Number.MAX_SAFE_INTEGER);
    const seeds = intList('seeds', flags.seeds as string, 0, MAX_SEED);
    const vrs = parseVr(flags.vr as string);
    const cellsPerSteps = targets.length * sigmas.length * seeds.length * vrs.length;
    const total = cellsPerSteps * stepsList.reduce((a, s) => a + s, 0);
    checkBudget('trainingSteps', total, 'use fewer cells (targets, dimensions, σ, seeds, VR) or fewer --steps');
    const settings: CellSettings = { width: flags.width as number, batch: flags.batch as number, tail: flags.tail as number, eval: flags.eval as number };
    const nCells = cellsPerSteps * stepsList.length;
    const rows: StudyRow[] = [];
    let done = 0;
    for (const t of targets) {
      const density = targetDensity(t);
      for (const sigma of sigmas) {
        for (const steps of stepsList) {
          for (const seed of seeds) {
            for (const vr of vrs) {
              const r = await runCell(engine, out, density, t, sigma, steps, seed, vr, settings);
              rows.push(r);
              done++;
              out.info(
                `[${done}/${nCells}] ${r.target} σ=${sigma} ${steps} steps seed ${seed} VR ${vr ? 'on' : 'off'}: ` +
                  `vs q_σ direct ${fmt(r.s2MseDirect)} autodiff ${fmt(r.s2MseAutodiff)} (ratio ${fmt(r.ratioQ)}), ` +
                  `vs p direct ${fmt(r.s2MseDirectClean)} autodiff ${fmt(r.s2MseAutodiffClean)} (ratio ${fmt(r.ratioClean)}), ${r.seconds.toFixed(1)} s`,
              );
            }
          }
        }
      }
    }
    finish({ rows, summary: summarise(rows) }, flags, out);
  },
};

/** Writes --out and --figure, then prints the result. */
function finish(result: StudyResult, flags: ParsedFlags, out: CliOutput): void {
  if (flags.out) {
    writeFileSync(flags.out as string, JSON.stringify(result, null, 1) + '\n');
    out.info(`wrote ${flags.out as string}`);
  }
  if (flags.figure) {
    writeFileSync(flags.figure as string, studyFigureSvg(result.rows));
    out.info(`wrote ${flags.figure as string} (${result.rows.length} cells)`);
  }
  out.result(result, () => studyText(result));
}
