/**
 * The `bench` job: per-step wall time of the engine's hot loops on every backend it can start, in one run,
 * so that ratios between backends compare like with like.
 *
 * - `train-step`: one Adam step of the default 2-D model (2-128-128-2 softplus MLP) on the DSM loss
 *   (MATH.md section 2, σ-weighted form `‖σ s1θ(x̃) + z‖²`), batch 512; on wasm also `wasm-train-step`, the same
 *   step on the WASM kernels the trainer takes there (src/wasm/train/), and on webgpu `fused-train-step`.
 * - `langevin-step`: one unadjusted Langevin step `x ← x + (ε/2) ∇log p(x) + √ε ξ` (MATH.md section 3) of
 *   n chains on the closed-form score of a 2-D Gaussian mixture (MATH.md section 6), n = 1k and 10k.
 * - `engines`: the same sampler step (and `ozaki-step`, `ozaki-full-step`, `mala-step`) on the CPU chains engines
 *   ("cpu-simd" on WebAssembly SIMD and "cpu" on typed arrays, src/samplers/cpu/), which run exact scores without
 *   a tfjs op per step; timed once per run.
 * - `digitsStroke` (when `digits` is given): one stroke of the Digits lab, the posterior job with the lab's
 *   defaults on the engine's backend (benchDigits.ts).
 *
 * Timing: a measurement is a series of runs of k steps each, closed by `await tensor.data()` (so queued GPU
 * work is included); ms per step = run time / k. Warm-up runs (shader compilation, first allocations) are
 * excluded; k is calibrated so a run lasts about `runMs`; runs repeat until `budgetMs` is spent (at least
 * `minRuns`, at most `maxRuns`). The median over runs is reported.
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, defineJob, InputError, type JobContext } from '../job.ts';
import { registeredBackends, withBackend } from '../backend.ts';
import { BACKEND_NAMES } from '../protocol.ts';
import { createMlp, disposeMlp, mlpApply, mlpVariables } from '../../models/mlp.ts';
import { dsmPerSample } from '../../models/losses.ts';
import { Adam } from '../../models/adam.ts';
import { exactSourceOf, gmmScoreField } from '../../models/exactField.ts';
import { langevinMove, type MoveOptions } from '../../samplers/kernels.ts';
import { noiseAt } from '../../samplers/chains.ts';
import { benchDigitsStroke } from './benchDigits.ts';
import { createChains } from '../../samplers/createChains.ts';
import { SimdChains, type ChainThreads } from '../../samplers/cpu/simdChains.ts';
import { wasmSimdSupported } from '../../wasm/instantiate.ts';
import { fillNormals } from '../../samplers/cpu/noise.ts';
import { createRng } from '../../core/rng.ts';
import { sampleGmm } from '../../core/gmm.ts';
import { getDensity } from '../../core/densities/index.ts';
import type { Gmm } from '../../core/types.ts';
import { countDispatches } from '../../gpu/dispatchCount.ts';
import { fusedBenchSpec, timeFusedTrain } from '../../gpu/train/benchFused.ts';
import { timeWasmTrain } from '../../wasm/train/benchWasm.ts';
import { benchFusedLangevin } from '../../gpu/samplers/benchFused.ts';
import { median, ratiosOf, type BenchBackendResult, type BenchEngineResult, type BenchMeasurement, type BenchParams, type BenchProgress, type BenchResult, type BenchTask } from './benchResult.ts';

export * from './benchResult.ts';

/** A step that enqueues work and returns a tensor to await at the end of a run (disposed by the caller). */
type Step = () => tf.Tensor;

interface TimingOptions {
  runMs: number;
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
}

async function runSteps(step: Step, k: number): Promise<number> {
  const t0 = performance.now();
  let last: tf.Tensor | undefined;
  for (let i = 0; i < k; i++) {
    last?.dispose();
    last = step();
  }
  await last!.data();
  last!.dispose();
  return performance.now() - t0;
}

async function measure(step: Step, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<{ runs: number[]; stepsPerRun: number }> {
  return measureRuns((k) => runSteps(step, k), opt, ctx);
}

/** The timing rules of the module note, for anything that runs k steps and returns its wall time in ms. */
async function measureRuns(timeRun: (k: number) => Promise<number>, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<{ runs: number[]; stepsPerRun: number }> {
  // Warm-up: the first step compiles kernels / shaders (excluded); the second calibrates steps per run and,
  // when a single step already fills a run (slow backends), counts as the first timed run.
  await timeRun(1);
  await ctx.checkpoint();
  const one = await timeRun(1);
  const stepsPerRun = Math.max(1, Math.min(200, Math.round(opt.runMs / Math.max(one, 0.01))));
  const runs: number[] = stepsPerRun === 1 ? [one] : [];
  const t0 = performance.now();
  while (runs.length < opt.maxRuns && (runs.length < opt.minRuns || performance.now() - t0 < opt.budgetMs)) {
    await ctx.checkpoint();
    runs.push((await timeRun(stepsPerRun)) / stepsPerRun);
  }
  return { runs, stepsPerRun };
}

function positiveInt(name: string, v: number | undefined, dflt: number, max: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1 || x > max) throw new InputError(`bench: ${name} must be an integer in [1, ${max}], got ${x}`);
  return x;
}

/** The bench's target: the registry's `gmm2` (two anisotropic Gaussians, the app's default 2-D target). */
function benchGmm(): Gmm {
  const g = getDensity('gmm2').gmm;
  if (!g) throw new Error('the density "gmm2" is expected to be a Gaussian mixture');
  return g;
}

async function benchTrain(batch: number, hidden: number, seed: number, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<BenchMeasurement> {
  const rng = createRng(seed);
  const data = tf.tensor2d(Float32Array.from(sampleGmm(benchGmm(), rng, 4096)), [4096, 2]);
  const mlp = createMlp([2, hidden, hidden, 2], 'softplus', rng);
  const vars = mlpVariables(mlp);
  const adam = new Adam(vars, { lr: 1e-3 });
  const sigma = 0.1;
  let t = 0;
  // One Adam step on the σ-weighted DSM loss ‖σ s1θ(x + σz) + z‖² over a random batch (MATH.md section 2),
  // as the trainer (models/trainer.ts) takes it: variableGrads, then the shared Adam.
  const step: Step = () =>
    tf.tidy(() => {
      const x = tf.gather(data, tf.randomUniform([batch], 0, data.shape[0], 'int32', 2 * t + seed));
      const z = tf.randomNormal([batch, 2], 0, 1, 'float32', 2 * t++ + seed + 1) as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(() => {
        // The network outputs o1 = σ s1θ (models/scoreModel.ts units), so the loss is mean ‖o1 + z‖².
        const o1 = mlpApply(mlp, tf.add(x, tf.mul(z, sigma)) as tf.Tensor2D);
        return tf.mean(dsmPerSample(o1, z)) as tf.Scalar;
      }, vars);
      adam.apply(vars.map((v) => grads[v.name]));
      return value;
    });
  try {
    const { runs, stepsPerRun } = await measure(step, opt, ctx);
    const dispatches = tf.getBackend() === 'webgpu' ? { dispatchesPerStep: (await countDispatches(() => runSteps(step, 1))).dispatches } : {};
    return { task: 'train-step', size: batch, msPerStep: median(runs), runs, stepsPerRun, ...dispatches };
  } finally {
    adam.dispose();
    disposeMlp(mlp);
    data.dispose();
  }
}

/**
 * `fused-train-step` (webgpu only): the `train-step` above — same model, data, σ and learning rate — run by the
 * fused WGSL kernels of gpu/train/ (2 dispatches per step, several steps per submission, noise from their in-shader
 * generator, batches drawn on the CPU as the trainer draws them).
 */
async function benchFusedTrain(batch: number, hidden: number, seed: number, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<BenchMeasurement> {
  const rng = createRng(seed);
  const pool = Float32Array.from(sampleGmm(benchGmm(), rng, 4096));
  const mlp = createMlp([2, hidden, hidden, 2], 'softplus', rng);
  try {
    const settings = { batch, vr: false, gamma: 1, stopGrad: false, lr: 1e-3 };
    const r = await timeFusedTrain(fusedBenchSpec(hidden, 0.1), mlpVariables(mlp), pool, settings, rng, opt, () => ctx.checkpoint());
    return { task: 'fused-train-step', size: batch, msPerStep: median(r.runs), runs: r.runs, stepsPerRun: r.stepsPerRun, dispatchesPerStep: r.dispatchesPerStep };
  } finally {
    disposeMlp(mlp);
  }
}

/**
 * `wasm-train-step` (wasm only): the `train-step` above — same model, data, σ and learning rate — run by the WASM
 * kernels of wasm/train/ (hand-written forward and backward, no tfjs op), batch and noise drawn on the CPU as the
 * trainer draws them.
 */
async function benchWasmTrain(batch: number, hidden: number, seed: number, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<BenchMeasurement> {
  const rng = createRng(seed);
  const pool = Float32Array.from(sampleGmm(benchGmm(), rng, 4096));
  const mlp = createMlp([2, hidden, hidden, 2], 'softplus', rng);
  try {
    const r = await timeWasmTrain(fusedBenchSpec(hidden, 0.1), mlpVariables(mlp), pool, { batch, vr: false, gamma: 1, stopGrad: false, lr: 1e-3 }, rng, (timeRun) => measureRuns(timeRun, opt, ctx));
    return { task: 'wasm-train-step', size: batch, msPerStep: median(r.runs), runs: r.runs, stepsPerRun: r.stepsPerRun };
  } finally {
    disposeMlp(mlp);
  }
}

async function benchLangevin(chains: number, seed: number, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<BenchMeasurement> {
  const eps = 0.01;
  const field = gmmScoreField(benchGmm());
  let x: tf.Tensor2D = tf.randomNormal([chains, 2], 0, 1, 'float32', seed);
  let t = 0;
  // One unadjusted Langevin step x ← x + (ε/2) ∇log p(x) + √ε ξ (MATH.md section 3), exact GMM score.
  const step: Step = () => {
    const next = tf.tidy(() => langevinMove(x, field.score(x), noiseAt(seed, t++, chains, 2, false).xi, eps));
    x.dispose();
    x = next;
    return x.clone();
  };
  try {
    const { runs, stepsPerRun } = await measure(step, opt, ctx);
    const dispatches = tf.getBackend() === 'webgpu' ? { dispatchesPerStep: (await countDispatches(() => runSteps(step, 1))).dispatches } : {};
    return { task: 'langevin-step', size: chains, msPerStep: median(runs), runs, stepsPerRun, ...dispatches };
  } finally {
    x.dispose();
    field.dispose();
  }
}

/** The typed-array sampler rows: task, sampler options (MATH.md section 3; Ozaki with the exact s2 of gmm2). */
const CPU_SAMPLER_TASKS: { task: BenchTask; opts: MoveOptions }[] = [
  { task: 'langevin-step', opts: { kind: 'langevin', step: 0.01 } },
  { task: 'ozaki-step', opts: { kind: 'ozaki', step: 0.01 } },
  { task: 'ozaki-full-step', opts: { kind: 'ozaki-full', step: 0.01 } },
  { task: 'mala-step', opts: { kind: 'mala', step: 0.01 } },
];

/**
 * The CPU chains engines of the bench's engine rows: WebAssembly SIMD (where the runtime has it) as the engine runs
 * it (long calls on every core) and on one thread, and typed arrays.
 */
const CPU_ENGINES: { engine: 'cpu-simd' | 'cpu'; threads: ChainThreads; device: string }[] = [
  { engine: 'cpu-simd', threads: 'auto', device: 'WebAssembly SIMD (f32x4, float32)' },
  { engine: 'cpu-simd', threads: 1, device: 'WebAssembly SIMD (f32x4, float32)' },
  { engine: 'cpu', threads: 1, device: 'typed arrays (float64)' },
];

const threadsText = (n: number): string => (n === 1 ? 'one thread' : `${n} threads`);

/**
 * One step of n chains of a CPU chains engine on the exact gmm2 score, noise included: "cpu-simd" (`SimdChains`),
 * what `createChains` runs for exact 2-D mixtures on WASM and CPU, on up to `threads` threads, or "cpu"
 * (`CpuChains`, its typed-array fallback). Runs are timed around `advance(k)`; `threads` in the result is how many
 * the timed runs used.
 */
async function benchCpuSampler(engine: 'cpu-simd' | 'cpu', threads: ChainThreads, task: BenchTask, opts: MoveOptions, chains: number, seed: number, opt: TimingOptions, ctx: JobContext<BenchProgress>): Promise<BenchMeasurement & { threads: number }> {
  const field = gmmScoreField(benchGmm());
  const z = new Float64Array(chains * 2);
  fillNormals(z, seed, -1);
  const x0 = Float32Array.from(z);
  const chainOpts = { ...opts, seed, center: [0, 0], bound: 1e3 };
  const source = exactSourceOf(field);
  const cs = engine === 'cpu-simd' && source?.kind === 'gmm' ? await SimdChains.create(source, x0, chainOpts, threads) : await createChains(field, x0, chainOpts, engine);
  field.dispose();
  try {
    const { runs, stepsPerRun } = await measureRuns(async (k) => {
      const t0 = performance.now();
      await cs.advance(k);
      return performance.now() - t0;
    }, opt, ctx);
    return { task, size: chains, msPerStep: median(runs), runs, stepsPerRun, threads: cs instanceof SimdChains ? cs.threadsUsed : 1 };
  } finally {
    cs.dispose();
  }
}

export const bench = defineJob<BenchParams, BenchResult, BenchProgress>(async (params, ctx) => {
  const batch = positiveInt('batch', params.batch, 512, 65536);
  const hidden = positiveInt('hidden', params.hidden, 128, 4096);
  const chains = (params.chains ?? [1000, 10000]).map((n) => positiveInt('chains', n, n, 1_000_000));
  const seed = params.seed ?? 0;
  const runMs = params.runMs ?? 250;
  const budgetMs = params.budgetMs ?? 3000;
  if (!(runMs > 0 && runMs <= 60_000)) throw new InputError(`bench: runMs must be in (0, 60000] ms, got ${runMs}`);
  if (!(budgetMs >= 0 && budgetMs <= 3_600_000)) throw new InputError(`bench: budgetMs must be in [0, 3600000] ms, got ${budgetMs}`);
  const opt: TimingOptions = {
    runMs,
    budgetMs,
    minRuns: positiveInt('minRuns', params.minRuns, 3, 1000),
    maxRuns: positiveInt('maxRuns', params.maxRuns, 15, 1000),
  };
  if (opt.maxRuns < opt.minRuns) throw new InputError(`bench: maxRuns (${opt.maxRuns}) is below minRuns (${opt.minRuns})`);
  for (const b of params.backends ?? []) {
    if (!BACKEND_NAMES.includes(b)) throw new InputError(`bench: unknown backend "${b}" (known: ${BACKEND_NAMES.join(', ')})`);
  }
  const backends = params.backends ?? registeredBackends();
  const tasksPerBackend = 1 + chains.length;
  let done = 0;
  const results: BenchBackendResult[] = [];
  for (const backend of backends) {
    const measurements: BenchMeasurement[] = [];
    const tick = (task: BenchTask, size: number): void =>
      ctx.progress({ backend, task, size, fraction: done / (backends.length * tasksPerBackend) }, true);
    const startDone = done;
    const ran = await withBackend(backend, async () => {
      try {
        tick('train-step', batch);
        measurements.push(await benchTrain(batch, hidden, seed, opt, ctx));
        done++;
        if (backend === 'wasm') {
          tick('wasm-train-step', batch);
          const manual = await benchWasmTrain(batch, hidden, seed, opt, ctx);
          measurements.push({ ...manual, speedupOverOpByOp: measurements[measurements.length - 1].msPerStep / manual.msPerStep });
        }
        if (backend === 'webgpu') {
          tick('fused-train-step', batch);
          const fused = await benchFusedTrain(batch, hidden, seed, opt, ctx);
          measurements.push({ ...fused, speedupOverOpByOp: measurements[measurements.length - 1].msPerStep / fused.msPerStep });
        }
        for (const n of chains) {
          tick('langevin-step', n);
          const opByOp = await benchLangevin(n, seed, opt, ctx);
          measurements.push(opByOp);
          done++;
          if (backend === 'webgpu') {
            tick('fused-langevin-step', n);
            const fused = await benchFusedLangevin(benchGmm(), n, seed, (timeRun) => measureRuns(timeRun, opt, ctx));
            measurements.push({ ...fused, speedupOverOpByOp: opByOp.msPerStep / fused.msPerStep });
          }
        }
        return undefined;
      } catch (e) {
        // A backend that starts but fails a step (e.g. a missing kernel) is reported; the others still run.
        if (e instanceof CancelledError) throw e;
        return e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    });
    done = startDone + tasksPerBackend;
    const failure = ran.error === undefined ? ran.value : `could not start: ${ran.error}`;
    results.push({ backend, adapter: ran.info.adapter, measurements, ...(failure ? { error: `${backend} ${failure}` } : {}) });
  }
  const engines: BenchEngineResult[] = [];
  if (params.cpuSamplers ?? true) {
    for (const { engine, threads, device } of CPU_ENGINES) {
      if (engine === 'cpu-simd' && !wasmSimdSupported()) continue;
      const measurements: BenchMeasurement[] = [];
      let used = 1;
      for (const { task, opts } of CPU_SAMPLER_TASKS) {
        for (const n of chains) {
          const { threads: t, ...m } = await benchCpuSampler(engine, threads, task, opts, n, seed, opt, ctx);
          measurements.push(m);
          used = Math.max(used, t);
        }
      }
      // The threaded row where no second thread came up would repeat the one-thread row.
      if (threads === 'auto' && used === 1) continue;
      engines.push({ engine, device: `${device}, ${threadsText(used)}`, measurements });
    }
  }
  let digits: Pick<BenchResult, 'digitsStroke' | 'digitsError'> = {};
  if (params.digits) {
    ctx.progress({ backend: ctx.backend.name, task: 'digits-stroke', size: 784, fraction: 1 }, true);
    try {
      digits = { digitsStroke: await benchDigitsStroke(params.digits, opt, ctx) };
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      digits = { digitsError: e instanceof Error ? e.message.split('\n')[0] : String(e) };
    }
  }
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  return {
    environment: isNode ? 'node' : 'browser',
    ...(nav?.userAgent ? { userAgent: nav.userAgent } : {}),
    tfjsVersion: tf.version.tfjs,
    engineBackend: ctx.backend,
    results,
    ...(engines.length ? { engines } : {}),
    ...digits,
    ratios: ratiosOf(results),
  };
});
