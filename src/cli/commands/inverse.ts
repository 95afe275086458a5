/**
 * `tweedie inverse …`: paper 2 on MNIST digits (issue 15) with the shipped energy models (public/models/
 * digits-energy-acsm, A-DSM + A-CSM; digits-energy-dsm, A-DSM only), on the same engine jobs as the Digit inverse
 * tab.
 *
 *   inverse sample       one degraded MNIST test digit reconstructed by annealed sampling
 *                        → {label, mseMean, psnrMean, sampleLabels, sampleAccuracy, acceptRate, seconds, …}
 *   inverse blind        log p(y | W, σ₁) over box sizes and σ₁ for a centred W×W box → {surface, estimate, truth, …}
 *   inverse blind-study  blind estimation on N test digits with random W and σ₁: the success rate per model
 *   inverse schedules    k-pixel reconstruction of N digits per k, geometric vs energy-guided schedule: the
 *                        classification error of the samples (paper 2's MNIST experiment)
 */
import { createRng } from '../../core/rng.ts';
import { setDigitsFetcher } from '../../engine/jobs/digits.ts';
import type { EnergyModelName } from '../../engine/jobs/digitsInverse.ts';
import type { EngineClient } from '../../engine/client.ts';
import { fileFetcher } from '../../models/digits/weightsNode.ts';
import { parseProblem, PROBLEM_SYNTAX, ProblemError, SIGMA1_MAX, SIGMA_MIN, formatProblem } from '../../models/inverse/problems.ts';
import { numberList, seedFlag, UsageError, type FlagSpecs, type ParsedFlags } from '../args.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { mnistTestDigit } from './digits.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIGMA1 = { min: SIGMA_MIN, max: SIGMA1_MAX };

const annealFlags: FlagSpecs = {
  corrector: { type: 'string', choices: ['ula', 'mala'], default: 'mala', help: 'corrector of the annealed sampler' },
  schedule: { type: 'string', choices: ['geometric', 'energy'], default: 'geometric', help: 'variance schedule (energy = energy-guided)' },
  levels: { type: 'int', default: 20, min: 1, max: 200, help: 'annealing levels (predictor steps)' },
  steps: { type: 'int', default: 4, min: 0, max: 50, help: 'corrector steps per level' },
  'step-size': { type: 'number', default: 0.1, min: 1e-4, max: 10, help: 'corrector step size ε (proposal covariance ε P)' },
  'guide-radius': { type: 'int', default: 3, min: 0, max: 27, help: 'energy-guided schedule: λ ∂U/∂λ averaged over a (2r+1)² box (0: per pixel)' },
  samples: { type: 'int', default: 8, min: 1, max: 64, help: 'posterior samples (chains)' },
  sigma1: { type: 'number', default: 0.02, ...SIGMA1, help: `noise std of the seen pixels (${SIGMA_MIN}..${SIGMA1_MAX})` },
  model: { type: 'string', choices: ['acsm', 'dsm'], default: 'acsm', help: 'energy model: acsm (A-DSM + A-CSM) or dsm (A-DSM only)' },
  models: { type: 'string', help: 'folder of the models (default: public/models of this checkout)' },
};

function repoPath(...parts: string[]): string {
  return join(dirname(fileURLToPath(import.meta.url)), '../../..', ...parts);
}

async function withModels<T>(f: ParsedFlags, body: () => Promise<T>): Promise<T> {
  setDigitsFetcher(fileFetcher((f.models as string | undefined) ?? repoPath('public/models')));
  try {
    return await body();
  } finally {
    setDigitsFetcher(undefined);
  }
}

function annealParams(f: ParsedFlags) {
  return {
    model: f.model as EnergyModelName,
    sigma1: f.sigma1 as number,
    corrector: f.corrector as 'ula' | 'mala',
    schedule: f.schedule as 'geometric' | 'energy',
    levels: f.levels as number,
    steps: f.steps as number,
    stepSize: f['step-size'] as number,
    guideRadius: f['guide-radius'] as number,
    samples: f.samples as number,
    seed: f.seed as number,
  };
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toPrecision(digits) : 'n/a');

/** N distinct MNIST test indices drawn from the seed. */
function testIndices(n: number, seed: number): number[] {
  const rng = createRng(seed);
  const picked = new Set<number>();
  while (picked.size < n) picked.add(rng.int(10000));
  return [...picked];
}

export const inverseSampleCommand: CliCommand = {
  name: 'inverse sample',
  summary: 'reconstruct a degraded MNIST test digit by annealed sampling with the digits energy model (ULA or MALA corrector)',
  flags: {
    'mnist-test': { type: 'int', min: 0, max: 9999, help: 'index of an MNIST test digit (0..9999)' },
    problem: { type: 'string', help: `the degradation: ${PROBLEM_SYNTAX}` },
    ...annealFlags,
    seed: seedFlag('seed of the degradation and the sampler', 1),
  },
  async run(f, engine, out) {
    if (f['mnist-test'] === undefined) throw new UsageError('--mnist-test INDEX is required');
    if (f.problem === undefined) throw new UsageError(`--problem is required: ${PROBLEM_SYNTAX}`);
    let problem;
    try {
      problem = parseProblem(f.problem as string);
    } catch (e) {
      if (e instanceof ProblemError) throw new UsageError(`--problem: ${e.message}`);
      throw e;
    }
    const digit = mnistTestDigit(f['mnist-test'] as number);
    const p = annealParams(f);
    const r = await withModels(f, () =>
      engine.run('inverseSample', { ...p, image: digit.pixels, problem: formatProblem(problem), trueLabel: digit.label }, { onProgress: (q) => out.progress(q.level / q.levels, 'levels') }),
    );
    out.progress(1);
    const result = {
      label: r.label,
      mseMean: r.mseMean,
      psnrMean: r.psnrMean,
      sampleLabels: r.sampleLabels,
      sampleAccuracy: r.sampleAccuracy,
      acceptRate: Number.isFinite(r.acceptRate) ? r.acceptRate : null,
      seconds: r.seconds,
      mseSamples: r.mseSamples,
      diverged: r.diverged,
      evaluations: r.evaluations,
      problem: formatProblem(problem),
      ...p,
    };
    out.result(result, () =>
      [
        `MNIST test #${f['mnist-test']} (label ${r.label}), ${result.problem}, σ₁ = ${p.sigma1}; ${p.model} model, ${p.schedule} schedule, ${p.levels} levels × ${p.steps} ${p.corrector.toUpperCase()} steps`,
        `samples' labels: ${r.sampleLabels.join(' ')} (accuracy ${fmt(r.sampleAccuracy, 3)}); posterior mean MSE ${fmt(r.mseMean)}, PSNR ${fmt(r.psnrMean, 3)} dB`,
        `${result.acceptRate === null ? '' : `MALA acceptance ${fmt(result.acceptRate, 3)}; `}${r.evaluations} network evaluations in ${r.seconds.toFixed(1)} s`,
      ].join('\n'),
    );
  },
};

export const inverseBlindCommand: CliCommand = {
  name: 'inverse blind',
  summary: 'blind estimation: argmax over box size W and σ₁ of log p(y | Σ) for a centred W×W box hidden from an MNIST test digit',
  flags: {
    'mnist-test': { type: 'int', min: 0, max: 9999, help: 'index of an MNIST test digit (0..9999)' },
    box: { type: 'int', min: 1, max: 27, help: 'true box size W (a centred W×W box is hidden)' },
    sigma1: { type: 'number', ...SIGMA1, help: 'true noise std of the seen pixels' },
    model: annealFlags.model,
    models: annealFlags.models,
    seed: seedFlag('seed of the observation noise', 1),
  },
  async run(f, engine, out) {
    if (f['mnist-test'] === undefined) throw new UsageError('--mnist-test INDEX is required');
    if (f.box === undefined) throw new UsageError('--box W is required');
    if (f.sigma1 === undefined) throw new UsageError('--sigma1 S is required');
    const digit = mnistTestDigit(f['mnist-test'] as number);
    const model = f.model as EnergyModelName;
    const r = await withModels(f, () =>
      engine.run('inverseBlind', { models: [model], image: digit.pixels, box: f.box as number, sigma1: f.sigma1 as number, seed: f.seed as number }, { onProgress: (q) => out.progress(q.done / q.total, 'grid') }),
    );
    out.progress(1);
    const s = r.surfaces[0];
    const result = { surface: s.surface, widths: s.grid.a, sigmas: s.grid.b, estimate: { box: s.estimate.a, sigma1: s.estimate.b }, truth: r.truth, model };
    out.result(result, () =>
      `${model} model: estimate W = ${result.estimate.box}, σ₁ = ${fmt(result.estimate.sigma1, 3)}; truth W = ${r.truth.box}, σ₁ = ${fmt(r.truth.sigma1, 3)}`,
    );
  },
};

/** Runs the blind surface on `n` seeded test digits with random W ∈ [6, 20] and σ₁ log-uniform in [0.02, 0.3]. */
async function blindStudy(engine: EngineClient, out: CliOutput, n: number, seed: number, models: EnergyModelName[]) {
  const rng = createRng(seed + 7);
  const cases = testIndices(n, seed).map((index) => ({ index, box: 6 + rng.int(15), sigma1: 0.02 * Math.pow(15, rng.uniform()) }));
  const hits = Object.fromEntries(models.map((m) => [m, { both: 0, box: 0, sigma: 0 }]));
  const rows = [];
  for (const [i, c] of cases.entries()) {
    const digit = mnistTestDigit(c.index);
    const r = await engine.run('inverseBlind', { models, image: digit.pixels, box: c.box, sigma1: c.sigma1, seed: seed + i });
    const est: Record<string, { box: number; sigma1: number }> = {};
    for (const s of r.surfaces) {
      const boxOk = Math.abs(s.estimate.a - c.box) <= 2;
      const sigOk = Math.max(s.estimate.b / c.sigma1, c.sigma1 / s.estimate.b) <= 1.5;
      hits[s.model].box += boxOk ? 1 : 0;
      hits[s.model].sigma += sigOk ? 1 : 0;
      hits[s.model].both += boxOk && sigOk ? 1 : 0;
      est[s.model] = { box: s.estimate.a, sigma1: s.estimate.b };
    }
    rows.push({ ...c, label: digit.label, estimates: est });
    out.progress((i + 1) / cases.length, 'digits');
  }
  const rates = Object.fromEntries(models.map((m) => [m, { success: hits[m].both / n, boxWithin2: hits[m].box / n, sigmaWithin1_5: hits[m].sigma / n }]));
  return { rates, cases: rows };
}

export const inverseBlindStudyCommand: CliCommand = {
  name: 'inverse blind-study',
  summary: 'blind estimation on N MNIST test digits with random box sizes and σ₁: the rate of estimates within ±2 px and a factor 1.5',
  flags: {
    digits: { type: 'int', default: 50, min: 1, max: 1000, help: 'test digits (seeded random indices)' },
    models: annealFlags.models,
    seed: seedFlag('seed of the digits, truths and noise', 1),
  },
  async run(f, engine, out) {
    const n = f.digits as number;
    const res = await withModels(f, () => blindStudy(engine, out, n, f.seed as number, ['acsm', 'dsm']));
    out.progress(1);
    const result = { digits: n, ...res };
    out.result(result, () =>
      Object.entries(res.rates)
        .map(([m, r]) => `${m}: ${(100 * r.success).toFixed(0)}% within ±2 px and ×1.5 (box ${(100 * r.boxWithin2).toFixed(0)}%, σ₁ ${(100 * r.sigmaWithin1_5).toFixed(0)}%) on ${n} digits`)
        .join('\n'),
    );
  },
};

export const inverseSchedulesCommand: CliCommand = {
  name: 'inverse schedules',
  summary: "k-pixel reconstruction, geometric vs energy-guided schedule: the samples' classification error per k (paper 2, MNIST)",
  flags: {
    k: { type: 'list', default: '10,25,50,100', help: 'observed pixel counts K (1..783), comma-separated' },
    digits: { type: 'int', default: 20, min: 1, max: 1000, help: 'test digits per k (seeded random indices)' },
    ...annealFlags,
    steps: { ...annealFlags.steps, default: 1 },
    samples: { ...annealFlags.samples, default: 4 },
    seed: seedFlag('seed of the digits, pixels and samplers', 1),
  },
  async run(f, engine, out) {
    const ks = numberList('--k', String(f.k), undefined, { min: 1, max: 783 });
    if (!ks.every(Number.isInteger)) throw new UsageError(`--k: every K must be an integer, got ${String(f.k)}`);
    const n = f.digits as number;
    const idx = testIndices(n, f.seed as number);
    const digits = idx.map(mnistTestDigit);
    const images = new Float32Array(n * 784);
    digits.forEach((d, i) => images.set(d.pixels, i * 784));
    const p = annealParams(f);
    const schedules = ['geometric', 'energy'] as const;
    const rows: Record<string, { error: number; mseMean: number; acceptRate: number | null; seconds: number }[]> = { geometric: [], energy: [] };
    let done = 0;
    await withModels(f, async () => {
      for (const k of ks) {
        for (const schedule of schedules) {
          const r = await engine.run(
            'inverseBatch',
            { ...p, schedule, images, labels: digits.map((d) => d.label), problems: digits.map(() => `kpix:${k}`) },
            { onProgress: (q) => out.progress((done + q.level / q.levels) / (2 * ks.length), `k = ${k}, ${schedule}`) },
          );
          done++;
          rows[schedule].push({ error: 1 - r.sampleAccuracy, mseMean: r.mseMean, acceptRate: Number.isFinite(r.acceptRate) ? r.acceptRate : null, seconds: r.seconds });
        }
      }
    });
    out.progress(1);
    const { model, sigma1, corrector, levels, steps, stepSize, guideRadius, samples, seed } = p;
    const result = { k: ks, digits: n, indices: idx, geometric: rows.geometric, energy: rows.energy, model, sigma1, corrector, levels, steps, stepSize, guideRadius, samples, seed };
    out.result(result, () =>
      [
        `k-pixel reconstruction, ${n} digits × ${p.samples} samples, ${p.levels} levels × ${p.steps} ${p.corrector.toUpperCase()} steps, σ₁ = ${p.sigma1}:`,
        'k      geometric error (MSE)   energy-guided error (MSE)',
        ...ks.map((k, i) => `${String(k).padEnd(6)} ${fmt(rows.geometric[i].error, 3).padEnd(6)} (${fmt(rows.geometric[i].mseMean, 3)})         ${fmt(rows.energy[i].error, 3).padEnd(6)} (${fmt(rows.energy[i].mseMean, 3)})`),
      ].join('\n'),
    );
  },
};

export const inverseCommands: CliCommand[] = [inverseSampleCommand, inverseBlindCommand, inverseBlindStudyCommand, inverseSchedulesCommand];
