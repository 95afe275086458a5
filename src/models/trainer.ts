/**
 * Training of a score model (s1 and optionally s2) by the objectives of MATH.md section 2, with Adam, fresh
 * samples every step, throttled reports, and a divergence guard: when the loss turns NaN or infinite, training
 * stops, the last weights verified good are restored, and the outcome says so.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, normals } from '../core/rng.ts';
import type { Rng } from '../core/types.ts';
import { Adam, type AdamState } from './adam.ts';
import { lossOffset, objectivePerSample, type ObjectiveConfig } from './losses.ts';
import { ACTIVATIONS, hyperOfModel, LIVE_SETTINGS, S2_KINDS, type LiveSetting, type TrainHyper } from './hyper.ts';
import { checkBudget } from '../core/budgets.ts';
import { MAX_HISTORY, type ParsedScoreModel } from './modelFile.ts';
import { s2OutputScale, ScoreModel } from './scoreModel.ts';
import { specParameterCount, type ScoreModelSpec } from './scoreModelSpec.ts';
import { modelFromParsed, serializeModel, type SerializedScoreModel } from './serialize.ts';
import { FusedTrainStep, MAX_STEPS_PER_SUBMIT } from '../gpu/train/fusedTrainStep.ts';
import type { NoiseSource } from '../gpu/train/kernelWgsl.ts';
import { opByOpReason, type TrainPath } from '../gpu/train/trainPath.ts';
import { tfjsDevice } from '../gpu/device.ts';
import { WasmTrainStep } from '../wasm/train/wasmTrainStep.ts';
import { wasmOpByOpReason } from '../wasm/train/support.ts';

/** Where the clean training samples come from (a registry density, a mixture from a file, uploaded points). */
export interface TrainingData {
  dim: number;
  /** n clean samples, row-major n*dim. */
  sample(rng: Rng, n: number): Float64Array;
}

/** Every problem with the hyper-parameters for data of dimension `dim` (empty when valid). */
export function hyperProblems(h: TrainHyper, dim: number): string[] {
  const p: string[] = [];
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!num(h.sigma) || h.sigma <= 0) p.push(`σ must be a positive number, got ${h.sigma}`);
  if (!(S2_KINDS as readonly string[]).includes(h.s2)) p.push(`s2 must be one of ${S2_KINDS.join(', ')}, got "${h.s2}"`);
  if ((h.s2 === 'lowrank' || h.s2 === 'psd') && (!Number.isInteger(h.rank) || h.rank < 1 || h.rank > dim)) {
    p.push(`rank must be an integer between 1 and the dimension D = ${dim}, got ${h.rank}`);
  }
  if (!num(h.gamma) || h.gamma < 0) p.push(`γ must be a number ≥ 0, got ${h.gamma}`);
  if (!Number.isInteger(h.width) || h.width < 1 || h.width > 4096) p.push(`width must be an integer in 1..4096, got ${h.width}`);
  if (!Number.isInteger(h.depth) || h.depth < 1 || h.depth > 16) p.push(`depth must be an integer in 1..16, got ${h.depth}`);
  if (!(ACTIVATIONS as readonly string[]).includes(h.act)) p.push(`activation must be one of ${ACTIVATIONS.join(', ')}, got "${h.act}"`);
  if (!Number.isInteger(h.batch) || h.batch < 2 || h.batch > 65536) p.push(`batch must be an integer in 2..65536, got ${h.batch}`);
  if (!num(h.lr) || h.lr <= 0 || h.lr > 10) p.push(`learning rate must be a number in (0, 10], got ${h.lr}`);
  if (!Number.isInteger(h.seed)) p.push(`seed must be an integer, got ${h.seed}`);
  if (h.s2Scale !== undefined && h.s2Scale !== 'auto' && !(num(h.s2Scale) && h.s2Scale > 0)) p.push(`s2 output scale must be "auto" or a positive number, got ${h.s2Scale}`);
  return p;
}

/** Throws a `BudgetError` when one training step of a model with this spec would be over `BUDGETS.stepWork`. */
function checkStepWork(batch: number, spec: ScoreModelSpec): void {
  checkBudget('stepWork', batch * specParameterCount(spec), 'use a smaller batch, width or depth');
}

/** Throws one message listing every problem with the hyper-parameters. */
export function validateHyper(h: TrainHyper, dim: number): void {
  const p = hyperProblems(h, dim);
  if (p.length) throw new Error(`Invalid training settings: ${p.join('; ')}.`);
}

export function objectiveOf(h: TrainHyper): ObjectiveConfig {
  return { s2: h.s2, vr: h.vr, gamma: h.gamma, stopGrad: h.stopGrad };
}

/** One throttled report: means over the steps since the previous report. */
export interface TrainReport {
  /** Steps done in total. */
  step: number;
  /** The objective being minimised (σ-weighted; VR forms are offset by `lossOffset`). */
  loss: number;
  /** loss + lossOffset: comparable with the plain (non-VR) loss on one axis. */
  lossAdjusted: number;
  /** Variance of the per-sample loss within a batch (the number VR reduces). */
  lossVariance: number;
  /** First-order (DSM / DSM-VR) term, and second-order (D2SM / D2SM-VR) term when s2 is trained. */
  lossFirst: number;
  lossSecond: number | null;
  stepsPerSec: number;
}

export interface TrainOutcome {
  /** Steps done by this call. */
  steps: number;
  /** The last report (null when no step ran). */
  last: TrainReport | null;
  /** Set when the loss became NaN or infinite: training stopped and the last good weights were restored. */
  diverged?: string;
  /** Set when the loss grew by orders of magnitude without becoming NaN (`lossGrowthWarning`). */
  warning?: string;
}

/** How much the loss may grow over its best recorded value before a run is called unstable, and from what level. */
export const LOSS_GROWTH = { factor: 100, floor: 10 };

/**
 * A warning when the newest recorded loss is `LOSS_GROWTH.factor` times the best one so far (and above
 * `LOSS_GROWTH.floor`; losses are σ-scaled, O(1) per dimension when the model fits): training that grows without
 * turning NaN leaves garbage weights that the divergence guard never sees. Null for a healthy run.
 */
export function lossGrowthWarning(history: readonly HistoryPoint[], lr: number): string | null {
  if (history.length < 2) return null;
  let best = history[0];
  for (const h of history) if (h.lossAdjusted < best.lossAdjusted) best = h;
  const now = history[history.length - 1];
  if (!(best.lossAdjusted > 0) || now.lossAdjusted < LOSS_GROWTH.floor || now.lossAdjusted < LOSS_GROWTH.factor * best.lossAdjusted) return null;
  const f = (v: number) => v.toPrecision(3);
  return `the loss grew ${f(now.lossAdjusted / best.lossAdjusted)}× without becoming NaN, from ${f(best.lossAdjusted)} at step ${best.step} to ${f(now.lossAdjusted)} at step ${now.step}: training is unstable and the weights are likely garbage; try a smaller learning rate than ${lr}`;
}

export interface TrainOptions {
  /** Report at most this often (ms); a report reads the loss from the device. Default 100. */
  reportMs?: number;
  onReport?: (r: TrainReport) => void;
  /** Awaited after each report: yield to the event loop, and throw to stop (pause) between steps. */
  checkpoint?: () => Promise<void>;
  /**
   * Survive a lost device: on webgpu the run then reads a CPU copy of its state (weights, Adam's moments and step
   * count) at every report (one read-back per weight, and one for the moments of the fused step or per moment of the
   * tfjs optimiser). When a step or report fails, `moved` resolves true when the engine has left the lost device for
   * another backend; the run continues there from that copy (`restoreFromCpu`) and `restored` hears what was kept.
   */
  deviceLoss?: { moved(e: unknown): Promise<boolean>; restored(r: RestoredRun): void };
}

/** What `restoreFromCpu` kept: the step the run continues from (with that step's weights and Adam state), the steps lost since. */
export interface RestoredRun {
  step: number;
  lostSteps: number;
}

/**
 * How steps run: `path` (default auto: the fused WebGPU step on webgpu and the WASM step on wasm where they run, tfjs
 * op by op otherwise) and, for the fused step, where its noise comes from (default: its in-shader generator; `buffer`
 * draws z from the data stream exactly as the op-by-op step does, for parity tests).
 */
export interface TrainerOptions {
  path?: TrainPath;
  fusedNoise?: NoiseSource;
  /** With `deviceLoss`, keep the CPU copy on every backend, not only on webgpu (tests of a restore without a GPU). */
  copyOnEveryBackend?: boolean;
}

/** A point of the recorded loss history (one per report). */
export interface HistoryPoint {
  step: number;
  loss: number;
  lossAdjusted: number;
  lossVariance: number;
}

/** A copy of the weights and the step count they belong to. */
interface Snapshot {
  weights: tf.Tensor[];
  step: number;
}

/**
 * The state a run needs to continue on another backend, read back at a report: the weights, and Adam's state from
 * whichever step held it (null: a run that has not stepped since its origin, whose moments are zero).
 */
interface CpuCopy {
  weights: Float32Array[];
  adam: AdamState | null;
  step: number;
}

/** Input standardisation from a sample of the noisy data: per-coordinate mean and standard deviation. */
function standardisation(data: TrainingData, sigma: number, rng: Rng): { inputShift: number[]; inputScale: number[] } {
  const n = 4096;
  const d = data.dim;
  const x = data.sample(rng, n);
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] += (x[i * d + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) if (!Number.isFinite(mean[j]) || !Number.isFinite(sq[j])) throw new Error('training data contain NaN or infinite values');
  return { inputShift: mean, inputScale: sq.map((v) => Math.sqrt(v + sigma * sigma)) };
}

export class ScoreTrainer {
  readonly hyper: TrainHyper;
  readonly data: TrainingData;
  model: ScoreModel;
  private adam: Adam;
  private dataRng: Rng;
  private steps = 0;
  /** Sum over steps since the last report of [loss, variance, first, second] (on the device). */
  private accum: tf.Tensor1D | null = null;
  private accumCount = 0;
  /** Weights verified good (their loss was finite), and the candidate taken at the last report. */
  private good: Snapshot | null = null;
  private candidate: Snapshot | null = null;
  readonly history: HistoryPoint[] = [];
  /** Every `historyStride`-th report is recorded (the stride doubles when the history is full). */
  private historyStride = 1;
  private reports = 0;
  private disposed = false;
  private readonly options: TrainerOptions;
  /** The fused step (while it trains this model), whether it holds the current weights, and steps per submission. */
  private fused: FusedTrainStep | null = null;
  private fusedLoaded = false;
  private fusedChunk = 1;
  /** The WASM step (while it trains this model) and whether it holds the current weights. */
  private wasm: WasmTrainStep | null = null;
  private wasmLoaded = false;
  /** Why the last steps ran op by op (null when they ran fused or on the WASM step). */
  opByOpReason: string | null = null;
  /** On webgpu with `deviceLoss`, a CPU copy of the state at the last report (a lost device's tensors cannot be read), and the backend the tensors live on. */
  private cpuCopy: CpuCopy | null = null;
  private stateBackend = tf.getBackend();
  /** Adam's state restored from a CPU copy, for the WASM step when it loads next (the tfjs optimiser got it at the restore). */
  private carriedAdam: AdamState | null = null;
  /** Where the weights of step `initialStep` came from (the seed or a model file): an untrained run needs no copy. */
  private origin: ParsedScoreModel | 'seed' = 'seed';
  private initialStep = 0;

  /** The tfjs backend the run's tensors live on. */
  get tensorsBackend(): string {
    return this.stateBackend;
  }

  private constructor(hyper: TrainHyper, data: TrainingData, model: ScoreModel, steps: number, options: TrainerOptions = {}) {
    this.options = options;
    this.hyper = { ...hyper };
    this.data = data;
    this.model = model;
    this.steps = steps;
    this.adam = new Adam(model.variables(), { lr: hyper.lr });
    // A run continued from a saved model draws from a stream of its own (seed and step count).
    this.dataRng = steps > 0 ? createRng(hyper.seed * 1000003 + steps) : ScoreTrainer.rngs(hyper.seed).data;
  }

  private static rngs(seed: number): { init: Rng; data: Rng; norm: Rng } {
    const root = createRng(seed);
    return { init: root.split(), data: root.split(), norm: root.split() };
  }

  private static freshModel(hyper: TrainHyper, data: TrainingData): ScoreModel {
    const r = ScoreTrainer.rngs(hyper.seed);
    const inputs = standardisation(data, hyper.sigma, r.norm);
    const spec: ScoreModelSpec = {
      dim: data.dim,
      sigma: hyper.sigma,
      s2: hyper.s2,
      rank: hyper.s2 === 'lowrank' || hyper.s2 === 'psd' ? hyper.rank : 0,
      width: hyper.width,
      depth: hyper.depth,
      act: hyper.act,
      shareTrunk: hyper.shareTrunk,
      ...inputs,
      ...(hyper.s2 === 'none' ? {} : { s2Scale: hyper.s2Scale === 'auto' ? s2OutputScale(hyper.sigma, inputs.inputScale) : (hyper.s2Scale ?? 1) }),
    };
    checkStepWork(hyper.batch, spec);
    return new ScoreModel(spec, r.init);
  }

  /** A new run: validates the settings (throws a message listing every problem) and draws fresh weights. */
  static create(hyper: TrainHyper, data: TrainingData, options: TrainerOptions = {}): ScoreTrainer {
    validateHyper(hyper, data.dim);
    return new ScoreTrainer(hyper, data, ScoreTrainer.freshModel(hyper, data), 0, options);
  }

  /** A run continued from a checked model file (`hyperOfModel` merges its settings); its dimension must match the data's. */
  static fromModel(
    saved: Partial<TrainHyper> | undefined,
    data: TrainingData,
    file: ParsedScoreModel,
    record: { steps: number; history: readonly HistoryPoint[] } = { steps: 0, history: [] },
    options: TrainerOptions = {},
  ): ScoreTrainer {
    const hyper = hyperOfModel(saved, file.spec);
    validateHyper(hyper, data.dim);
    if (file.spec.dim !== data.dim) throw new Error(`the model has dimension ${file.spec.dim} but the data have dimension ${data.dim}`);
    checkStepWork(hyper.batch, file.spec);
    const trainer = new ScoreTrainer(hyper, data, modelFromParsed(file), record.steps, options);
    trainer.origin = file;
    trainer.initialStep = record.steps;
    for (const h of record.history.slice(-MAX_HISTORY)) trainer.history.push(h);
    return trainer;
  }

  get step(): number {
    return this.steps;
  }

  get offset(): number {
    return lossOffset(objectiveOf(this.hyper), this.data.dim);
  }

  /** Sets the learning rate for the following steps. */
  setLearningRate(lr: number): void {
    this.configure({ lr });
  }

  /**
   * Changes the objective and optimiser settings for the following steps, keeping the model (VR, γ, stop-gradient,
   * batch size, learning rate). Throws a message listing every problem of an invalid change.
   */
  configure(patch: Partial<Pick<TrainHyper, LiveSetting>>): void {
    const next: TrainHyper = { ...this.hyper };
    for (const k of LIVE_SETTINGS) if (patch[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = patch[k];
    validateHyper(next, this.data.dim);
    Object.assign(this.hyper, next);
    this.adam.lr = next.lr;
  }

  /** One optimisation step; accumulates its loss statistics on the device (no read-back). */
  private stepOnce(): void {
    const { batch } = this.hyper;
    const d = this.data.dim;
    const xs = Float32Array.from(this.data.sample(this.dataRng, batch));
    const zs = Float32Array.from(normals(this.dataRng, batch * d));
    const cfg = objectiveOf(this.hyper);
    const vars = this.model.variables();
    const stats = tf.tidy(() => {
      const x = tf.tensor2d(xs, [batch, d]);
      const z = tf.tensor2d(zs, [batch, d]);
      let captured: tf.Tensor1D | null = null;
      const { grads } = tf.variableGrads(() => {
        const parts = objectivePerSample(this.model, x, z, cfg);
        const { mean, variance } = tf.moments(parts.total);
        captured = tf.keep(
          tf.stack([mean, variance, tf.mean(parts.first), parts.second ? tf.mean(parts.second) : tf.scalar(0)]) as tf.Tensor1D,
        );
        return mean as tf.Scalar;
      }, vars);
      this.adam.apply(vars.map((v) => grads[v.name]));
      const s = captured! as tf.Tensor1D;
      const next = this.accum ? tf.add(this.accum, s) : tf.clone(s);
      s.dispose();
      return next as tf.Tensor1D;
    });
    this.accum?.dispose();
    this.accum = stats;
    this.accumCount++;
    this.steps++;
  }

  /**
   * The fused step for the current settings, loaded with the model's weights; null when the steps run op by op
   * (`opByOpReason` says why). Switching between the two (a live setting the fused step refuses) restarts Adam's
   * moments (each keeps its own) and drops the loss statistics of the interval since the last report.
   */
  private async fusedStep(): Promise<FusedTrainStep | null> {
    const { batch, vr, gamma, stopGrad, lr } = this.hyper;
    this.opByOpReason = opByOpReason(this.options.path ?? 'auto', this.model.spec, { batch, vr });
    if (this.opByOpReason) {
      if (this.fused) {
        // The fused step held the weights and the moments: the weights come back, the tfjs optimiser's moments restart.
        if (this.fusedLoaded) {
          this.fused.writeTo(this.model.variables());
          this.adam.reset();
        }
        this.fused.destroy();
        this.fused = null;
        this.accumCount = 0;
      }
      return null;
    }
    if (!this.fused) {
      this.accum?.dispose();
      this.accum = null;
      this.accumCount = 0;
      const { beta1, beta2, epsilon } = this.adam;
      this.fused = new FusedTrainStep(tfjsDevice(), this.model.spec, { seed: this.hyper.seed, noise: this.options.fusedNoise ?? 'shader', adam: { beta1, beta2, epsilon } });
      this.fusedLoaded = false;
    }
    if (!this.fusedLoaded) {
      await this.fused.load(this.model.variables());
      this.fusedLoaded = true;
    }
    await this.fused.prepare({ batch, vr, gamma, stopGrad, lr });
    return this.fused;
  }

  /**
   * When the fused step does not run: the WASM step where `wasmOpByOpReason` takes it (on the wasm backend),
   * loaded with the model's weights (and, after `restoreFromCpu`, the copy's Adam state); else null, and `opByOpReason`
   * says why. Switching to or from it restarts Adam's moments (each keeps its own) and drops the loss statistics since
   * the last report, as for the fused step.
   */
  private async wasmStep(): Promise<WasmTrainStep | null> {
    const { batch, vr } = this.hyper;
    this.opByOpReason = wasmOpByOpReason(this.options.path ?? 'auto', this.model.spec, { batch, vr }, this.opByOpReason!);
    if (this.opByOpReason) {
      if (this.wasm) {
        if (this.wasmLoaded) {
          this.wasm.writeTo(this.model.variables());
          this.adam.reset();
        }
        this.wasm.destroy();
        this.wasm = null;
        this.accumCount = 0;
      }
      return null;
    }
    if (!this.wasm) {
      this.accum?.dispose();
      this.accum = null;
      this.accumCount = 0;
      const { beta1, beta2, epsilon } = this.adam;
      this.wasm = new WasmTrainStep(this.model.spec, { beta1, beta2, epsilon });
      this.wasmLoaded = false;
    }
    if (!this.wasmLoaded) {
      await this.wasm.load(this.model.variables(), this.carriedAdam ?? undefined);
      this.wasmLoaded = true;
    }
    return this.wasm;
  }

  /** One step on the WASM kernels, data drawn as `stepOnce` draws it. */
  private stepWasm(wasm: WasmTrainStep): void {
    const { batch, vr, gamma, stopGrad, lr } = this.hyper;
    const xs = Float32Array.from(this.data.sample(this.dataRng, batch));
    const zs = Float32Array.from(normals(this.dataRng, batch * this.data.dim));
    wasm.step(xs, zs, { batch, vr, gamma, stopGrad, lr });
    this.accumCount++;
    this.steps++;
  }

  /** `k` fused steps in one submission (data drawn as `stepOnce` draws it), awaited; adapts k to `reportMs`. */
  private async stepsFused(fused: FusedTrainStep, k: number, reportMs: number): Promise<void> {
    const { batch, vr, gamma, stopGrad, lr } = this.hyper;
    const d = this.data.dim;
    const cpuNoise = this.options.fusedNoise === 'buffer';
    const batches = Array.from({ length: k }, () => {
      const x = Float32Array.from(this.data.sample(this.dataRng, batch));
      return cpuNoise ? { x, z: Float32Array.from(normals(this.dataRng, batch * d)) } : { x };
    });
    const t0 = performance.now();
    fused.enqueue(batches, { batch, vr, gamma, stopGrad, lr }, this.steps);
    await fused.done();
    const msPerStep = (performance.now() - t0) / k;
    this.fusedChunk = Math.max(1, Math.min(MAX_STEPS_PER_SUBMIT, Math.round(reportMs / 2 / Math.max(msPerStep, 1e-3))));
    this.accumCount += k;
    this.steps += k;
  }

  /**
   * On webgpu (or anywhere with `copyOnEveryBackend`), reads `snap` (the weights of this step) and Adam's state of the
   * same step into `cpuCopy`, from the step that holds it: the fused step's GPU buffers, the WASM step's memory, or the
   * tfjs optimiser (also when a step was made but not loaded: then its moments are the optimiser's reset ones).
   */
  private async keepCpuCopy(snap: Snapshot): Promise<void> {
    if (tf.getBackend() !== 'webgpu' && !this.options.copyOnEveryBackend) return;
    const fused = this.fused && this.fusedLoaded && !this.opByOpReason ? this.fused : null;
    const wasm = this.wasm && this.wasmLoaded && !this.opByOpReason ? this.wasm : null;
    const adam = fused ? fused.readAdamState() : wasm ? Promise.resolve(wasm.adamState()) : this.adam.readState();
    const weights = await Promise.all(snap.weights.map(async (w) => (await w.data()) as Float32Array));
    this.cpuCopy = { weights, adam: await adam, step: snap.step };
  }

  /**
   * Continues the run on the active backend from the CPU copy of the last report, after the device its tensors lived on
   * was lost (they cannot be read, only released): the weights, Adam's moments and step count (whichever step held them:
   * the tfjs optimiser takes them, and so does the WASM step when it loads next), the step count and the loss history
   * up to that step. The steps since that report are lost. Returns null when the state already lives on the active
   * backend, or when it has neither a copy nor its untouched origin (a seed or a file).
   */
  async restoreFromCpu(): Promise<RestoredRun | null> {
    if (this.stateBackend === tf.getBackend()) return null;
    const copy = this.cpuCopy ?? (await this.untrainedCopy());
    if (!copy) return null;
    const lostSteps = this.steps - copy.step;
    this.clearState();
    this.fused?.destroy();
    this.fused = null;
    this.fusedLoaded = false;
    this.wasmLoaded = false;
    this.model.variables().forEach((v, i) => {
      const value = tf.tensor(copy.weights[i], v.shape);
      v.assign(value);
      value.dispose();
    });
    this.adam.setState(copy.adam);
    this.carriedAdam = copy.adam;
    this.steps = copy.step;
    while (this.history.length && this.history[this.history.length - 1].step > copy.step) this.history.pop();
    this.stateBackend = tf.getBackend();
    this.cpuCopy = null;
    this.candidate = this.snapshot();
    return { step: copy.step, lostSteps };
  }

  /** The weights of a run that has not stepped since it was made, from its seed or its file (no read-back of the lost device). */
  private async untrainedCopy(): Promise<CpuCopy | null> {
    if (this.steps !== this.initialStep) return null;
    const file = this.origin;
    if (file !== 'seed') return { weights: this.model.namedVariables().map(([name]) => file.weights.get(name)!), adam: null, step: this.steps };
    // Drawn again on the active backend (the engine left the lost device).
    const fresh = ScoreTrainer.freshModel(this.hyper, this.data);
    const weights = (await Promise.all(fresh.variables().map((v) => v.data()))) as Float32Array[];
    fresh.dispose();
    return { weights, adam: null, step: 0 };
  }

  private snapshot(): Snapshot {
    return { weights: this.model.variables().map((v) => tf.clone(v)), step: this.steps };
  }

  private static disposeSnapshot(s: Snapshot | null): void {
    s?.weights.forEach((t) => t.dispose());
  }

  /** Reads and clears the accumulated statistics; returns null when they are not finite. */
  private async flush(elapsedMs: number, stepsInInterval: number): Promise<TrainReport | null | undefined> {
    if (this.accumCount === 0) return undefined;
    const fused = this.fused && !this.opByOpReason ? this.fused : null;
    const wasm = this.wasm && !this.opByOpReason ? this.wasm : null;
    const v = fused ? await fused.takeStats() : wasm ? wasm.takeStats() : await this.accum!.data();
    // The fused and WASM steps' weights go back to the model at every report (snapshots, fields and saves read them).
    fused?.writeTo(this.model.variables());
    wasm?.writeTo(this.model.variables());
    const c = this.accumCount;
    this.accum?.dispose();
    this.accum = null;
    this.accumCount = 0;
    const loss = v[0] / c;
    if (!Number.isFinite(loss) || !Number.isFinite(v[1])) return null;
    const r: TrainReport = {
      step: this.steps,
      loss,
      lossAdjusted: loss + this.offset,
      lossVariance: v[1] / c,
      lossFirst: v[2] / c,
      lossSecond: this.model.hasS2 ? v[3] / c : null,
      stepsPerSec: elapsedMs > 0 ? (1000 * stepsInInterval) / elapsedMs : 0,
    };
    this.record(r);
    return r;
  }

  private record(r: TrainReport): void {
    if (this.reports++ % this.historyStride !== 0) return;
    this.history.push({ step: r.step, loss: r.loss, lossAdjusted: r.lossAdjusted, lossVariance: r.lossVariance });
    if (this.history.length >= MAX_HISTORY) {
      // Keep every other point and record half as often from now on.
      const kept = this.history.filter((_, i) => i % 2 === 0);
      this.history.splice(0, this.history.length, ...kept);
      this.historyStride *= 2;
    }
  }

  /** Restores the last weights verified good and clears the optimiser state. */
  private restoreGood(): void {
    const src = this.good ?? this.candidate;
    if (src) {
      this.model.variables().forEach((v, i) => v.assign(src.weights[i]));
      this.steps = src.step;
    }
    this.adam.reset();
    this.carriedAdam = null;
    this.fusedLoaded = false;
    this.wasmLoaded = false;
  }

  /**
   * Runs `n` steps. Reports (and checks the loss for NaN) every `reportMs`; on a non-finite loss it stops,
   * restores the last good weights and returns `diverged`. `checkpoint` may throw to pause between steps.
   */
  async train(n: number, opts: TrainOptions = {}): Promise<TrainOutcome> {
    if (this.disposed) throw new Error('this training run was disposed');
    if (!Number.isInteger(n) || n < 1) throw new Error(`number of steps must be a positive integer, got ${n}`);
    const reportMs = opts.reportMs ?? 100;
    if (!this.good && !this.candidate) this.candidate = this.snapshot();
    if (opts.deviceLoss && !this.cpuCopy) await this.keepCpuCopy((this.candidate ?? this.good)!);
    let last: TrainReport | null = null;
    let t0 = performance.now();
    let s0 = 0;
    let done = 0;
    const report = async (): Promise<TrainOutcome | null> => {
      const now = performance.now();
      const r = await this.flush(now - t0, done - s0);
      t0 = performance.now();
      s0 = done;
      if (r === undefined) return null;
      if (r === null) {
        const at = this.steps;
        this.restoreGood();
        return {
          steps: done,
          last,
          diverged: `the loss became NaN or infinite before step ${at}; training stopped and the weights of step ${this.steps}, the last good ones, were restored (try a smaller learning rate)`,
        };
      }
      last = r;
      // The candidate's loss was part of this finite interval: it becomes the good copy.
      ScoreTrainer.disposeSnapshot(this.good);
      this.good = this.candidate;
      this.candidate = this.snapshot();
      if (opts.deviceLoss) await this.keepCpuCopy(this.candidate);
      opts.onReport?.(r);
      return null;
    };
    while (done < n) {
      let reported = false;
      try {
        // After a lost device the engine moves to another backend: this run's tensors cannot follow (see `deviceLoss`).
        if (this.stateBackend !== tf.getBackend()) throw new Error(`this run's tensors live on ${this.stateBackend} but the engine's backend is now ${tf.getBackend()}`);
        // Settings may change between steps (configure): each submission of fused steps takes the current ones.
        const fused = await this.fusedStep();
        const wasm = fused ? null : await this.wasmStep();
        // A restored Adam state goes to the first step that loads after the restore, not to a later switch.
        this.carriedAdam = null;
        if (fused) {
          // The first step of a run is a submission of its own (it is reported alone, see below).
          const k = this.steps === 0 ? 1 : Math.min(n - done, this.fusedChunk);
          await this.stepsFused(fused, k, reportMs);
          done += k;
        } else if (wasm) {
          this.stepWasm(wasm);
          done++;
        } else {
          this.stepOnce();
          done++;
        }
        // The first step of a fresh run is always reported: its loss is the reference `lossGrowthWarning` compares with.
        if (done === n || this.steps === 1 || performance.now() - t0 >= reportMs) {
          const stop = await report();
          if (stop) return stop;
          reported = true;
        }
      } catch (e) {
        const restored = opts.deviceLoss && (await opts.deviceLoss.moved(e)) ? await this.restoreFromCpu() : null;
        if (!restored) throw e;
        // The lost steps are run again, so this call still ends `n` steps after it began (or after the copy).
        done = Math.max(0, done - restored.lostSteps);
        t0 = performance.now();
        s0 = done;
        opts.deviceLoss!.restored(restored);
      }
      if (reported && done < n) await opts.checkpoint?.();
    }
    const warning = lossGrowthWarning(this.history, this.hyper.lr);
    return { steps: done, last, ...(warning ? { warning } : {}) };
  }

  /** Fresh weights from the seed, cleared optimiser and history, step 0. */
  reset(): void {
    this.clearState();
    this.fused?.destroy();
    this.fused = null;
    this.wasm?.destroy();
    this.wasm = null;
    this.model.dispose();
    this.model = ScoreTrainer.freshModel(this.hyper, this.data);
    this.adam.dispose();
    this.adam = new Adam(this.model.variables(), { lr: this.hyper.lr });
    this.dataRng = ScoreTrainer.rngs(this.hyper.seed).data;
    this.steps = 0;
    this.cpuCopy = null;
    this.carriedAdam = null;
    this.stateBackend = tf.getBackend();
    this.origin = 'seed';
    this.initialStep = 0;
    this.history.length = 0;
    this.historyStride = 1;
    this.reports = 0;
  }

  private clearState(): void {
    this.accum?.dispose();
    this.accum = null;
    this.accumCount = 0;
    ScoreTrainer.disposeSnapshot(this.good);
    ScoreTrainer.disposeSnapshot(this.candidate);
    this.good = null;
    this.candidate = null;
  }

  /** The model as JSON plus the training record (hyper-parameters, steps, loss history). */
  async export(): Promise<SerializedScoreModel & { training: { hyper: TrainHyper; steps: number; history: HistoryPoint[] } }> {
    const m = await serializeModel(this.model);
    return { ...m, training: { hyper: { ...this.hyper }, steps: this.steps, history: [...this.history] } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearState();
    this.fused?.destroy();
    this.fused = null;
    this.wasm?.destroy();
    this.wasm = null;
    this.adam.dispose();
    this.model.dispose();
  }
}
