/**
 * The bench job's parameters and results, and the pure helpers over them. No tfjs here: the UI thread and the
 * CLI report import this module without loading the engine.
 */
import type { BackendInfo, BackendName } from '../protocol.ts';

export type BenchTask = 'train-step' | 'langevin-step' | 'ozaki-step' | 'ozaki-full-step' | 'mala-step' | 'fused-train-step' | 'fused-langevin-step' | 'wasm-train-step' | 'digits-stroke';

export interface BenchParams {
  /** Backends to time (default: every backend registered here). Unavailable ones are reported, not fatal. */
  backends?: BackendName[];
  /** Training batch size (default 512). */
  batch?: number;
  /** Hidden width of the 2-hidden-layer MLP (default 128). */
  hidden?: number;
  /** Chain counts for the sampler (default [1000, 10000]). */
  chains?: number[];
  /** Target duration of one timed run, ms (default 250). */
  runMs?: number;
  /** Time budget of one measurement, ms (default 3000). */
  budgetMs?: number;
  minRuns?: number;
  maxRuns?: number;
  /** Seed of the weights, data and noise (default 0). */
  seed?: number;
  /** Also time the typed-array chains engine ("cpu": exact scores, no tfjs op per step) at the same chain counts (default true). */
  cpuSamplers?: boolean;
  /** Also time a stroke of the Digits lab (`digits-stroke`) on the engine's backend (absent: not timed). */
  digits?: BenchDigitsParams;
}

/** The digit a Digits-stroke measurement posts, and where the models are. */
export interface BenchDigitsParams {
  /** 784 pixels in [0, 1]. */
  image: number[];
  /** What the digit is, for the report, e.g. "MNIST test #4 (a 4)". */
  digit: string;
  /** Where the engine fetches the Digits models over HTTP (the browser); Node installs a file fetcher instead. */
  modelsUrl?: string;
}

/** One stroke of the Digits lab: the posterior job with the lab's defaults, median ms over the timed strokes. */
export interface BenchDigitsResult {
  backend: BackendName;
  threads?: number;
  digit: string;
  sigma: number;
  noise: boolean;
  k: number;
  samples: number;
  projectNoise: boolean;
  msPerStroke: number;
  /** ms of every timed stroke, in order. */
  runs: number[];
  /** Medians of the posterior's parts: the three networks, the eigen-solver, the classifier. */
  msNetworks: number;
  msEigen: number;
  msClassifier: number;
}

export interface BenchMeasurement {
  task: BenchTask;
  /** Batch (train) or number of chains (sampler). */
  size: number;
  /** Median ms per step over the timed runs. */
  msPerStep: number;
  /** ms per step of every timed run, in order. */
  runs: number[];
  stepsPerRun: number;
  /** Compute dispatches of one step (train and Langevin rows on webgpu; counted with gpu/dispatchCount.ts). */
  dispatchesPerStep?: number;
  /** `fused-train-step` / `fused-langevin-step` / `wasm-train-step`: the op-by-op `train-step` / `langevin-step` of the same run, backend and size divided by this one (ms/ms). */
  speedupOverOpByOp?: number;
}

export interface BenchBackendResult {
  backend: BackendName;
  /** The device, as the engine describes it (empty when the backend could not start). */
  adapter: string;
  /** Why this backend was not (fully) timed; the measurements taken before a failure are kept. */
  error?: string;
  measurements: BenchMeasurement[];
}

/**
 * A chains engine that is not a tfjs backend (e.g. "cpu": typed arrays), timed once per run with the same task
 * names, sizes and timing rules as the backends (its `langevin-step` rows compare with theirs).
 */
export interface BenchEngineResult {
  engine: string;
  /** What runs it, e.g. "typed arrays, one thread". */
  device: string;
  measurements: BenchMeasurement[];
}

export interface BenchResult {
  /** Where the engine ran: Node in-process, or a browser Web Worker. */
  environment: 'node' | 'browser';
  userAgent?: string;
  tfjsVersion: string;
  /** The engine's own backend (restored after the bench). */
  engineBackend: BackendInfo;
  results: BenchBackendResult[];
  /** Chains engines outside tfjs (absent when not timed). */
  engines?: BenchEngineResult[];
  /** A Digits-lab stroke (absent when not asked for); `digitsError` says why it failed. */
  digitsStroke?: BenchDigitsResult;
  digitsError?: string;
  /** For every task/size: each timed backend's ms per step divided by the fastest one's (1 = fastest). */
  ratios: Record<string, Partial<Record<BackendName, number>>>;
}

export interface BenchProgress {
  backend: BackendName;
  task: BenchTask;
  size: number;
  /** Fraction of the whole bench done, 0..1. */
  fraction: number;
}

/** The key of a measurement in `ratios`, e.g. "train-step@512" or "langevin-step@10000". */
export function measurementKey(m: { task: BenchTask; size: number }): string {
  return `${m.task}@${m.size}`;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function ratiosOf(results: BenchBackendResult[]): BenchResult['ratios'] {
  const ratios: BenchResult['ratios'] = {};
  const keys = new Set(results.flatMap((r) => r.measurements.map(measurementKey)));
  for (const key of keys) {
    const row = results.flatMap((r) => r.measurements.filter((m) => measurementKey(m) === key).map((m) => [r.backend, m.msPerStep] as const));
    const best = Math.min(...row.map(([, ms]) => ms));
    ratios[key] = Object.fromEntries(row.map(([b, ms]) => [b, ms / best]));
  }
  return ratios;
}

