/**
 * What the Inverse-problems lab exports (pure: data in, file text and names out): the posterior samples next to exact
 * ones, and the metrics (sample quality, the schedule comparison, the ULA vs MALA sweep, blind estimates, normaliser
 * masses) as CSV and JSON; file names say the density, the problem, the sampler settings, the model and the seed.
 */
import type { NormalizeResult, PosteriorResult, SweepRow } from '../../../engine/jobs/energy.ts';
import { exportFileName, nameNumber, toCsv, toJson } from '../../export/files.ts';

/** The inverse problem as the lab sets it. */
export interface ProblemSetting {
  problem: 'inpaint' | 'linear';
  obs1: number;
  obs2: number;
  operator: string;
  noise: number;
}

/** The sampler settings a posterior run used. */
export interface SamplerSetting {
  corrector: string;
  correctorSteps: number;
  levels: number;
  stepSize: number;
  schedule: string;
  chains: number;
}

/** One schedule's run in the comparison. */
export interface ScheduleRun {
  path: readonly { sigma1: number; sigma2: number }[];
  distance: number;
}

export interface InverseExport {
  density: string;
  seed: number;
  /** Which energy sampled: acsm, dsm or exact. */
  model: string;
  setting: ProblemSetting;
  sampler: SamplerSetting;
  posterior: PosteriorResult | null;
  schedules: { geometric: ScheduleRun; energy: ScheduleRun } | null;
  sweep: { rows: SweepRow[]; noiseFloor: number } | null;
  blind: { model: string; truth: readonly number[]; estimate: readonly number[]; exactEstimate: readonly number[] }[];
  normalization: NormalizeResult | null;
}

/** The problem part of a file name: `inpaint-x1-0.3`, or `linear-scale-noise0.3-y1-0.5`. */
function problemParts(s: ProblemSetting): string[] {
  return s.problem === 'inpaint' ? ['inpaint', `x1-${nameNumber(s.obs1)}`] : ['linear', s.operator, `noise${nameNumber(s.noise)}`, `y${nameNumber(s.obs1)}_${nameNumber(s.obs2)}`];
}

/** File name of an export: samples (the sampler settings and the model in it) or metrics. */
export function inverseFileName(e: InverseExport, what: 'samples' | 'metrics', ext: 'csv' | 'json'): string {
  const run = `${e.sampler.corrector}-L${e.sampler.levels}-K${e.sampler.correctorSteps}-eps${nameNumber(e.sampler.stepSize)}-${e.sampler.schedule}`;
  return exportFileName('inverse', what, [e.density, ...problemParts(e.setting), run, e.model], e.seed, ext);
}

/** The posterior samples: one row per chain, sampler and exact sample side by side. */
export function samplesCsv(p: PosteriorResult): string {
  const n = p.samples.length / 2;
  const rows = Array.from({ length: n }, (_, i) => [i, p.samples[2 * i], p.samples[2 * i + 1], p.exactSamples[2 * i], p.exactSamples[2 * i + 1]]);
  return toCsv(['chain', 'x1', 'x2', 'exact_x1', 'exact_x2'], rows);
}

/** What every JSON export of the lab starts with: the lab, the density, the seed, the model, the setting and the sampler. */
function about(e: InverseExport) {
  return { lab: 'inverse', density: e.density, seed: e.seed, model: e.model, setting: e.setting, sampler: e.sampler };
}

/** The posterior run as JSON: the problem in denoising form, the samples, the exact ones and the distances. */
export function samplesJson(e: InverseExport, p: PosteriorResult): string {
  const pairs = (a: ArrayLike<number>) => Array.from({ length: a.length / 2 }, (_, i) => [a[2 * i], a[2 * i + 1]]);
  return toJson({
    ...about(e),
    y: p.y,
    sigmaY: p.sigmaY,
    distance: p.distance,
    noiseFloor: p.noiseFloor,
    acceptance: p.acceptance,
    diverged: p.diverged,
    path: p.path,
    samples: pairs(p.samples),
    exactSamples: pairs(p.exactSamples),
  });
}

/**
 * The metrics as one long CSV table `section,name,value`: the posterior run, each schedule's W1, the sweep's rows,
 * the blind estimates and the normaliser's masses (each a few numbers; one table keeps them in one file).
 */
export function metricsCsv(e: InverseExport): string {
  const rows: (string | number)[][] = [];
  const p = e.posterior;
  if (p) for (const k of ['distance', 'noiseFloor', 'acceptance', 'diverged'] as const) rows.push(['posterior', k, p[k]]);
  if (e.schedules) for (const k of ['geometric', 'energy'] as const) rows.push(['schedules', `${k} W1`, e.schedules[k].distance]);
  if (e.sweep) {
    for (const r of e.sweep.rows) rows.push(['corrector sweep', `${r.corrector} ${r.steps} steps W1`, r.distance], ['corrector sweep', `${r.corrector} ${r.steps} steps acceptance`, r.acceptance]);
    rows.push(['corrector sweep', 'noise floor', e.sweep.noiseFloor]);
  }
  for (const b of e.blind) {
    rows.push(['blind', `${b.model} estimate σ1`, b.estimate[0]], ['blind', `${b.model} estimate σ2`, b.estimate[1]]);
    rows.push(['blind', `exact estimate σ1`, b.exactEstimate[0]], ['blind', `exact estimate σ2`, b.exactEstimate[1]]);
  }
  const norm = e.normalization;
  if (norm) {
    (['acsm', 'dsm'] as const).forEach((m, i) => {
      const model = norm.models[i];
      if (!model) return;
      rows.push(['normaliser', `${m} log Z`, model.logZ]);
      for (const r of model.rows) rows.push(['normaliser', `${m} mass at σ = (${r.sigma1}, ${r.sigma2})`, r.mass]);
    });
  }
  return toCsv(['section', 'name', 'value'], rows);
}

/** The metrics as JSON (the same content as `metricsCsv`, structured). */
export function metricsJson(e: InverseExport): string {
  const p = e.posterior;
  return toJson({
    ...about(e),
    posterior: p && { distance: p.distance, noiseFloor: p.noiseFloor, acceptance: p.acceptance, diverged: p.diverged },
    schedules: e.schedules,
    correctorSweep: e.sweep,
    blind: e.blind,
    normalization: e.normalization && {
      acsm: e.normalization.models[0] ?? null,
      dsm: e.normalization.models[1] ?? null,
      exact: e.normalization.exact,
    },
  });
}
