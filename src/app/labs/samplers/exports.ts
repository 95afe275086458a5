/**
 * What the Samplers lab exports (pure: data in, file text and names out): the chains' current positions, each
 * panel's metrics, and the step-size sweep's table, as CSV and JSON; file names say the density, each panel's
 * sampler and step, and the seed.
 */
import type { SamplerMetrics } from '../../../samplers/metrics.ts';
import { exportFileName, nameNumber, toCsv, toJson } from '../../export/files.ts';
import type { SweepCurveData } from './plots.ts';

/** One panel as exported: its sampler, its step, the chains' state, and its metrics (null before enough draws). */
export interface PanelExport {
  sampler: string;
  step: number;
  clamp: boolean;
  iteration: number;
  /** [chains][2] positions, and 1 for alive / 0 for diverged chains. */
  positions: ArrayLike<number>;
  alive: ArrayLike<number>;
  diverged: number;
  firstDivergence: number | null;
  metrics: SamplerMetrics | null;
}

export interface SamplersExport {
  density: string;
  seed: number;
  panels: PanelExport[];
  /** The last sweep's curves, if one ran. */
  sweep: SweepCurveData[] | null;
}

/** Float32 values with the digits they hold (0.1, not 0.10000000149011612). */
const f32 = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(7)) : NaN);

/** The setting part of the file names: density, then each panel's sampler and step. */
function setting(e: SamplersExport): string[] {
  return [e.density, ...e.panels.flatMap((p) => [p.sampler + (p.clamp && p.sampler.startsWith('ozaki') ? '-clamp' : ''), `eps${nameNumber(p.step)}`])];
}

/** File name of an export (`what`: chains, metrics or sweep). */
export function samplersFileName(e: SamplersExport, what: 'chains' | 'metrics' | 'sweep', ext: 'csv' | 'json'): string {
  const parts = what === 'sweep' ? [e.density, ...(e.sweep ?? []).map((c) => c.sampler + (c.clamp ? '-clamp' : ''))] : setting(e);
  return exportFileName('samplers', what, parts, e.seed, ext);
}

/** The chains' current positions: one row per panel and chain. */
export function chainsCsv(e: SamplersExport): string {
  const rows: (string | number)[][] = [];
  e.panels.forEach((p, i) => {
    for (let c = 0; c < p.alive.length; c++) rows.push([i, p.sampler, p.step, p.iteration, c, f32(p.positions[2 * c]), f32(p.positions[2 * c + 1]), p.alive[c] ? 0 : 1]);
  });
  return toCsv(['panel', 'sampler', 'epsilon', 'iteration', 'chain', 'x1', 'x2', 'diverged'], rows);
}

/** The chains' current positions as JSON: per panel, [x1, x2] per chain and the indices of diverged chains. */
export function chainsJson(e: SamplersExport): string {
  return toJson({
    lab: 'samplers',
    density: e.density,
    seed: e.seed,
    panels: e.panels.map((p) => ({
      sampler: p.sampler,
      epsilon: p.step,
      clamp: p.clamp,
      iteration: p.iteration,
      positions: Array.from({ length: p.alive.length }, (_, c) => [f32(p.positions[2 * c]), f32(p.positions[2 * c + 1])]),
      diverged: Array.from({ length: p.alive.length }, (_, c) => c).filter((c) => !p.alive[c]),
    })),
  });
}

const METRIC_COLUMNS = ['essMin', 'essBulkMin', 'essTailMin', 'essWithinMin', 'essPerSec', 'acceptRate', 'meanError', 'covError', 'covErrorWhitened', 'distance', 'chainsUsed', 'iters'] as const;

/** Each panel's metrics over its kept window: one row per panel (empty cells before the window is long enough). */
export function metricsCsv(e: SamplersExport): string {
  const rows = e.panels.map((p, i) => {
    const m = p.metrics;
    return [i, p.sampler, p.step, p.iteration, m?.essPerDim[0], m?.essPerDim[1], ...METRIC_COLUMNS.map((k) => m?.[k]), p.diverged, p.firstDivergence, p.alive.length];
  });
  return toCsv(['panel', 'sampler', 'epsilon', 'iteration', 'ess_x1', 'ess_x2', 'ess_min', 'ess_bulk_min', 'ess_tail_min', 'ess_within_min', 'ess_per_s', 'acceptance', 'mean_error', 'cov_error', 'cov_error_whitened', 'sliced_w2', 'chains_used', 'kept_iterations', 'diverged', 'first_divergence', 'chains'], rows);
}

/** The sweep's table: one row per sampler and step size, with whether it is that sampler's best step. */
export function sweepCsv(e: SamplersExport): string {
  const rows = (e.sweep ?? []).flatMap((c) =>
    c.points.map((p) => [c.sampler, c.clamp, c.criterion, p.step, p.essMin, p.essWithinMin, p.covError, p.covErrorWhitened, p.diverged, c.best?.step === p.step ? 1 : 0, c.best?.step === p.step && c.bestAtGridEdge ? 1 : 0]),
  );
  return toCsv(['sampler', 'clamp', 'criterion', 'epsilon', 'ess_min', 'ess_within_min', 'cov_error', 'cov_error_whitened', 'diverged', 'best', 'best_at_grid_edge'], rows);
}

/** Metrics of both panels and the sweep (if one ran) as JSON. */
export function metricsJson(e: SamplersExport): string {
  return toJson({
    lab: 'samplers',
    density: e.density,
    seed: e.seed,
    panels: e.panels.map((p) => ({ sampler: p.sampler, epsilon: p.step, clamp: p.clamp, iteration: p.iteration, diverged: p.diverged, firstDivergence: p.firstDivergence, chains: p.alive.length, metrics: p.metrics })),
    sweep: e.sweep?.map((c) => ({ sampler: c.sampler, clamp: c.clamp, criterion: c.criterion, best: c.best?.step ?? null, bestAtGridEdge: c.bestAtGridEdge, gate: c.gate, points: c.points.map((p) => ({ epsilon: p.step, essMin: p.essMin, essWithinMin: p.essWithinMin, covError: p.covError, covErrorWhitened: p.covErrorWhitened, diverged: p.diverged })) })) ?? null,
  });
}
