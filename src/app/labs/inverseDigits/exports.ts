/**
 * What the Digit inverse lab saves (issue 14's convention: CSV or JSON text named by `exportFileName`): the metrics of
 * its reconstructions (the last run and the schedule comparison) and blind estimates, and a run's samples. Pure.
 */
import { exportFileName, nameNumber, toCsv, toJson } from '../../export/files.ts';

/** The numbers of one reconstruction a row of the metrics file holds. */
export interface RunMetrics {
  /** "run", "compare-geometric", "compare-energy". */
  what: string;
  problem: string;
  sigma1: number;
  corrector: string;
  schedule: string;
  levels: number;
  steps: number;
  stepSize: number;
  samples: number;
  label: number;
  sampleLabels: number[];
  sampleAccuracy: number;
  mseMean: number;
  psnrMean: number;
  acceptRate: number;
  diverged: number;
  seconds: number;
}

export interface BlindMetrics {
  model: 'acsm' | 'dsm';
  truthBox: number;
  truthSigma1: number;
  estimateBox: number;
  estimateSigma1: number;
}

export interface InverseDigitsExport {
  seed: number;
  /** Gallery digit (-1: drawn). */
  digit: number;
  runs: RunMetrics[];
  blind: BlindMetrics[];
}

const RUN_COLUMNS = ['what', 'problem', 'sigma1', 'corrector', 'schedule', 'levels', 'steps', 'stepSize', 'samples', 'label', 'sampleLabels', 'sampleAccuracy', 'mseMean', 'psnrMean', 'acceptRate', 'diverged', 'seconds'] as const;

/** One CSV: a row per reconstruction, then a row per blind estimate (its own columns after a blank line). */
export function metricsCsv(e: InverseDigitsExport): string {
  const runs = toCsv(
    ['digit', 'seed', ...RUN_COLUMNS],
    e.runs.map((r) => [e.digit, e.seed, ...RUN_COLUMNS.map((k) => (k === 'sampleLabels' ? r.sampleLabels.join(' ') : r[k]))]),
  );
  if (e.blind.length === 0) return runs;
  const blind = toCsv(
    ['digit', 'seed', 'model', 'truthBox', 'truthSigma1', 'estimateBox', 'estimateSigma1'],
    e.blind.map((b) => [e.digit, e.seed, b.model, b.truthBox, b.truthSigma1, b.estimateBox, b.estimateSigma1]),
  );
  return `${runs}\n${blind}`;
}

export function metricsJson(e: InverseDigitsExport): string {
  return toJson({ lab: 'inverse-digits', ...e });
}

/** The samples of a run as CSV: one row per sample, its classifier label then its 784 pixels. */
export function samplesCsv(samples: Float32Array, labels: readonly number[], pixels = 784): string {
  const n = Math.floor(samples.length / pixels);
  const header = ['sample', 'label', ...Array.from({ length: pixels }, (_, i) => `p${i}`)];
  const rows = Array.from({ length: n }, (_, j) => [j, labels[j], ...Array.from(samples.subarray(j * pixels, (j + 1) * pixels), (v) => Number(v.toPrecision(5)))]);
  return toCsv(header, rows);
}

/** `tweedie-inverse-digits-<what>[-mnist<digit>]-<problem>-seed<seed>.<ext>`. */
export function inverseDigitsFileName(what: string, digit: number, problem: string, seed: number, ext: 'csv' | 'json' | 'png'): string {
  const prob = problem.replace(/^noise:(.*)$/, (_m, s: string) => `noise${nameNumber(Number(s))}`).replace(':', '');
  return exportFileName('inverse-digits', what, [...(digit >= 0 ? [`mnist${digit}`] : ['drawn']), prob], seed, ext);
}
