/**
 * `tweedie train`: the Scores lab (issue 3) headless. Trains s1 (and s2 unless --s2 none) on a density with the
 * objectives of MATH.md section 2, writes the run (model + training record + result) to --out, and prints
 * `{backend, steps, seconds, stepsPerSec, finalLoss, metrics: {s1Mse, s2MseDirect, s2MseAutodiff,
 * psdViolationRate, msPerEvalDirect, msPerEvalAutodiff, s2MseAutodiffRaw, s2MseDirectClean, s2MseAutodiffClean,
 * s2MseAutodiffRawClean}}` with metrics on fresh noisy samples x̃ = x + σ z (src/models/metrics.ts):
 *
 * - s1Mse, s2MseDirect, s2MseAutodiff: against the noisy density q_σ the model describes (closed form for Gaussian
 *   mixtures, quadrature for the 2-D analytic targets and mixtures of logistics); autodiff is ∇ₓ s1θ symmetrised;
 * - s2MseAutodiffRaw: autodiff's Jacobian as it comes (not symmetrised), against q_σ;
 * - s2MseDirectClean, s2MseAutodiffClean, s2MseAutodiffRawClean: the same against ∇² log p of the clean density,
 *   paper 1's Table 1 protocol (which trains at a small σ);
 * - every s2 MSE is the mean over points and compared entries: all D² entries, or the D diagonal entries with
 *   --s2 diag (the paper's "diagonal estimation", where raw and symmetrised autodiff coincide); s2MseDirect* and
 *   psdViolationRate are null with --s2 none;
 * - psdViolationRate, msPerEvalDirect, msPerEvalAutodiff: as in src/models/metrics.ts.
 *
 * Any dimension a mixture file gives works (e.g. gauss100, logistic50, logistic80: Table 1).
 */
import { writeFileSync } from 'node:fs';
import { seedFlag, sigmaFlag, UsageError, type ParsedFlags } from '../args.ts';
import { checkBudget } from '../../core/budgets.ts';
import { parseDecimal } from '../../core/strictNumber.ts';
import { trainDensityRefFlag } from '../densityFlag.ts';
import type { CliCommand } from '../command.ts';
import type { AllScoreMetrics } from '../../models/metrics.ts';
import { ACTIVATIONS, DEFAULT_HYPER, S2_KINDS, type TrainHyper } from '../../models/hyper.ts';

/** The printed result (the contract of issue 3). */
export interface TrainCliResult {
  backend: string;
  steps: number;
  seconds: number;
  stepsPerSec: number;
  finalLoss: number | null;
  metrics: AllScoreMetrics;
}

/** `--s2-scale`: "auto" (the trainer picks `s2OutputScale`) or a positive number. */
function s2ScaleFlag(v: string): Pick<TrainHyper, 's2Scale'> {
  if (v === 'auto') return { s2Scale: 'auto' };
  const c = parseDecimal(v);
  if (c === undefined || !(c > 0)) throw new UsageError(`--s2-scale must be "auto" or a positive number written as a plain decimal (like 0.5), got "${v}"`);
  return { s2Scale: c };
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(4));

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train first- and second-order score models (DSM / D2SM, optional VR) and compare direct s2 with autodiff ∇s1',
  flags: {
    density: { type: 'string', help: 'a built-in density (see `tweedie densities`), a mixture JSON file (Gaussian or logistic), or a CSV file of points, one per line (their kernel density); any dimension', default: 'gmm2' },
    sigma: sigmaFlag('noise level σ', DEFAULT_HYPER.sigma),
    s2: { type: 'string', choices: S2_KINDS, help: 'second-order head (none: s1 only, s2 by autodiff)', default: DEFAULT_HYPER.s2 },
    rank: { type: 'int', help: 'rank r of U for --s2 lowrank|psd (1 ≤ r ≤ D)', default: DEFAULT_HYPER.rank },
    vr: { type: 'boolean', help: 'variance reduction (DSM-VR and D2SM-VR)' },
    gamma: { type: 'number', help: 'weight γ of DSM in the joint objective D2SM + γ DSM', default: DEFAULT_HYPER.gamma },
    'stop-grad': { type: 'boolean', help: 'stop gradients into s1 through h = s2 + s1 s1ᵀ' },
    'share-trunk': { type: 'boolean', help: 's1 and s2 share the hidden layers (two heads)' },
    's2-scale': { type: 'string', help: 'output scale c of the s2 head, σ² s2θ = c · head: a number, or "auto" for σ² / mean(data variance + σ²)', default: '1' },
    width: { type: 'int', help: 'hidden units per layer', default: DEFAULT_HYPER.width },
    depth: { type: 'int', help: 'hidden layers', default: DEFAULT_HYPER.depth },
    act: { type: 'string', choices: ACTIVATIONS, help: 'activation (relu: the autodiff Hessian is piecewise constant)', default: DEFAULT_HYPER.act },
    steps: { type: 'int', help: 'training steps', default: 2000, min: 1 },
    batch: { type: 'int', help: 'batch size', default: DEFAULT_HYPER.batch },
    lr: { type: 'number', help: 'Adam learning rate (> 0)', default: DEFAULT_HYPER.lr, min: 0, max: 10 },
    tail: { type: 'number', help: 'fraction of the steps, at the end, run at a tenth of the learning rate (0: constant rate)', default: 0, min: 0, max: 0.9 },
    seed: seedFlag('seed of the weights and the training samples', DEFAULT_HYPER.seed),
    eval: { type: 'int', help: 'fresh noisy points for the metrics', default: 1000, min: 1, max: 100000 },
    'timing-reps': { type: 'int', help: 'timed evaluations per s2 method (median reported)', default: 5, min: 1, max: 1000 },
    out: { type: 'string', help: 'write the run (model weights, training record, result) to this JSON file' },
  },
  async run(flags: ParsedFlags, engine, out) {
    checkBudget('trainingSteps', flags.steps as number, 'use fewer --steps');
    const hyper: TrainHyper = {
      sigma: flags.sigma as number,
      s2: flags.s2 as TrainHyper['s2'],
      rank: flags.rank as number,
      vr: flags.vr === true,
      gamma: flags.gamma as number,
      stopGrad: flags['stop-grad'] === true,
      shareTrunk: flags['share-trunk'] === true,
      width: flags.width as number,
      depth: flags.depth as number,
      act: flags.act as TrainHyper['act'],
      batch: flags.batch as number,
      lr: flags.lr as number,
      seed: flags.seed as number,
      ...s2ScaleFlag(flags['s2-scale'] as string),
    };
    const key = 'cli';
    const created = await engine.run('train.create', { key, density: trainDensityRefFlag(flags.density as string), hyper });
    for (const w of created.warnings) out.info(`warning: ${w}`);
    out.info(`train: ${created.density} (D = ${created.dim}), ${created.parameterCount} parameters, backend ${created.backend}`);
    const steps = flags.steps as number;
    const tailSteps = Math.round((flags.tail as number) * steps);
    const onProgress = (p: { step: number; lossAdjusted: number; stepsPerSec: number }) =>
      out.progress(p.step / steps, `loss ${fmt(p.lossAdjusted)} (${fmt(p.stepsPerSec)} steps/s)`);
    const t0 = performance.now();
    let res = await engine.run('train.steps', { key, steps: steps - tailSteps, reportMs: 1000 }, { onProgress });
    if (tailSteps > 0 && !res.diverged) {
      const head = res;
      res = await engine.run('train.steps', { key, steps: tailSteps, reportMs: 1000, lr: hyper.lr / 10 }, { onProgress });
      res = { ...res, steps: head.steps + res.steps, last: res.last ?? head.last };
    }
    const seconds = (performance.now() - t0) / 1000;
    out.progress(1);
    if (res.diverged) out.info(`diverged: ${res.diverged}`);
    if (res.warning) out.info(`warning: ${res.warning}`);
    const m = await engine.run('train.metrics', { key, n: flags.eval as number, timingReps: flags['timing-reps'] as number });
    const result: TrainCliResult = {
      backend: created.backend,
      // The steps the model holds: after a divergence, those of the last good weights it was restored to.
      steps: res.step,
      seconds,
      stepsPerSec: res.steps / seconds,
      finalLoss: res.last?.loss ?? null,
      metrics: {
        s1Mse: m.s1Mse,
        s2MseDirect: m.s2MseDirect,
        s2MseAutodiff: m.s2MseAutodiff,
        psdViolationRate: m.psdViolationRate,
        msPerEvalDirect: m.msPerEvalDirect,
        msPerEvalAutodiff: m.msPerEvalAutodiff,
        s2MseAutodiffRaw: m.s2MseAutodiffRaw,
        s2MseDirectClean: m.s2MseDirectClean,
        s2MseAutodiffClean: m.s2MseAutodiffClean,
        s2MseAutodiffRawClean: m.s2MseAutodiffRawClean,
      },
    };
    if (flags.out) {
      const file = await engine.run('train.export', { key });
      writeFileSync(flags.out as string, JSON.stringify({ ...file, result }) + '\n');
      out.info(`wrote ${flags.out as string}`);
    }
    out.result(result, () =>
      [
        `${created.density} σ=${hyper.sigma} s2=${hyper.s2}${hyper.vr ? ' VR' : ''}: ${res.steps} steps in ${seconds.toFixed(1)} s (${fmt(result.stepsPerSec)}/s on ${created.backend}), final loss ${fmt(result.finalLoss)}`,
        `s1 MSE ${fmt(m.s1Mse)}   s2 MSE vs q_σ: direct ${fmt(m.s2MseDirect)} vs autodiff ${fmt(m.s2MseAutodiff)} (raw ${fmt(m.s2MseAutodiffRaw)})   non-PSD ${fmt(m.psdViolationRate)}`,
        `s2 MSE vs clean p: direct ${fmt(m.s2MseDirectClean)} vs autodiff ${fmt(m.s2MseAutodiffClean)} (raw ${fmt(m.s2MseAutodiffRawClean)})`,
        `ms per s2 evaluation (${Math.min(256, m.n)} points): direct ${fmt(m.msPerEvalDirect)} vs autodiff ${fmt(m.msPerEvalAutodiff)}`,
        ...(res.diverged ? [`DIVERGED: ${res.diverged}`] : []),
      ].join('\n'),
    );
    await engine.run('train.dispose', { key });
    // The result (and --out) hold the last good weights; the exit status says the run diverged.
    if (res.diverged) throw new Error(`training diverged: ${res.diverged}`);
  },
};
