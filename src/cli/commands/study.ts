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
 *
 * Prints `{rows: [{target, dim, sigma, steps, seed, vr, s1Mse, s2MseDirect, s2MseAutodiff, s2MseDirectClean,
 * s2MseAutodiffClean, ratioQ, ratioClean, seconds, diverged}], summary: [{target, dim, sigma, steps, vr, seeds,
 * ratioQ, ratioClean, directWinsQ, directWinsClean}]}`. ratioQ = s2MseAutodiff / s2MseDirect and ratioClean =
 * s2MseAutodiffClean / s2MseDirectClean: above 1, direct wins. The summary groups the seeds of a setting: the
 * geometric mean of each ratio and the number of seeds on which direct wins. A diverged cell keeps the metrics of its
 * last good weights (as `tweedie train` does) and is marked `diverged: true`.
 */
import { writeFileSync } from 'node:fs';
import { SIGMA_RANGE, UsageError, numberList, strictNumber, type ParsedFlags } from '../args.ts';
import { BUDGETS, checkBudget } from '../../core/budgets.ts';
import { MAX_SEED } from '../../core/strictNumber.ts';
import { gauss100Cov, logisticMixtureBuiltin } from '../../core/densities/index.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import type { EngineClient } from '../../engine/client.ts';
import type { DensityRef } from '../../engine/jobs/samplers.ts';
import { DEFAULT_HYPER, type TrainHyper } from '../../models/hyper.ts';

/** The two target families of paper 1's Table 1. */
type Family = 'gauss' | 'logistic';

/** One target of the grid: a family in one dimension. */
interface StudyTarget {
  family: Family;
  dim: number;
  /** e.g. gauss30, logistic50. */
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

/** `--targets`: gauss / logistic (each dimension of --dims) or gauss<D> / logistic<D> (that dimension). */
function parseTargets(raw: string, dims: number[]): StudyTarget[] {
  const out: StudyTarget[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const m = /^(gauss|logistic)(\d*)$/.exec(item);
    if (!m) throw new UsageError(`--targets: "${item}" is not gauss, logistic, gauss<D> or logistic<D> (e.g. logistic50)`);
    const family = m[1] as Family;
    const ds = m[2] === '' ? dims : [strictNumber(`--targets "${item}": the dimension`, m[2], { type: 'int', ...DIM_RANGE })];
    for (const dim of ds) out.push({ family, dim, name: `${family}${dim}` });
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
    const C = gauss100Cov(d);
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
  }));
}

const fmt = (v: number): string => v.toPrecision(3);

/** The human text: one line per cell, then the summary table. */
function studyText(r: StudyResult): string {
  const pad = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(12) : c.padStart(10))).join(' ');
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
    out: { type: 'string', help: 'also write the JSON result to this file' },
  },
  async run(flags: ParsedFlags, engine, out) {
    const dims = intList('dims', flags.dims as string, DIM_RANGE.min, DIM_RANGE.max);
    const targets = parseTargets(flags.targets as string, dims);
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
    const result: StudyResult = { rows, summary: summarise(rows) };
    if (flags.out) {
      writeFileSync(flags.out as string, JSON.stringify(result, null, 1) + '\n');
      out.info(`wrote ${flags.out as string}`);
    }
    out.result(result, () => studyText(result));
  },
};
