/**
 * The bench's Digits row: the latency of one stroke in the Digits lab, i.e. one `digitsPosterior` job with the
 * lab's default options (σ = 0.5, seeded noise, k = 4 eigenvectors with the noise direction projected out,
 * 8 posterior samples, the classifier on every image) on the engine's own backend. The models are loaded once,
 * outside the timing, as the lab loads them once per σ; each timed stroke uses a new seed, as a new stroke
 * brings new pixels. The split (networks, eigen-solver, classifier) comes from the posterior's own timers.
 */
import { DigitsModelSet, DigitsNetwork } from '../../models/digits/model.ts';
import { digitPosterior } from '../../models/digits/analysis.ts';
import { checkImage, fetcherFor } from './digits.ts';
import { median, type BenchDigitsParams, type BenchDigitsResult } from './benchResult.ts';
import type { JobContext } from '../job.ts';

/** The Digits lab's defaults (src/app/labs/digits/params.ts) that a stroke's posterior runs with. */
const STROKE = { sigma: 0.5, noise: true, k: 4, samples: 8, projectNoise: true } as const;

/** Times `digitPosterior` stroke by stroke: at least `minRuns` strokes, more while within `budgetMs` (at most `maxRuns`). */
export async function benchDigitsStroke(
  p: BenchDigitsParams,
  opt: { budgetMs: number; minRuns: number; maxRuns: number },
  ctx: Pick<JobContext<unknown>, 'checkpoint' | 'backend'>,
): Promise<BenchDigitsResult> {
  const image = checkImage(p.image);
  const fetcher = fetcherFor(p.modelsUrl);
  const classifier = await DigitsNetwork.load(fetcher, 'digits-classifier');
  const set = await DigitsModelSet.load(fetcher, STROKE.sigma, classifier).catch((e: unknown) => {
    classifier.dispose();
    throw e;
  });
  try {
    const stroke = (seed: number) => digitPosterior(set, image, { ...STROKE, seed });
    await stroke(0); // warm-up: kernel compilation and first allocations, not timed
    const runs: number[] = [];
    const parts = { networks: [] as number[], eigen: [] as number[], classifier: [] as number[] };
    const t0 = performance.now();
    while (runs.length < opt.maxRuns && (runs.length < opt.minRuns || performance.now() - t0 < opt.budgetMs)) {
      await ctx.checkpoint();
      const r = await stroke(runs.length + 1);
      runs.push(r.msTotal);
      parts.networks.push(r.msNetworks);
      parts.eigen.push(r.msEigen);
      parts.classifier.push(r.msClassifier);
    }
    return {
      backend: ctx.backend.name,
      ...(ctx.backend.threads !== undefined ? { threads: ctx.backend.threads } : {}),
      digit: p.digit,
      ...STROKE,
      msPerStroke: median(runs),
      runs,
      msNetworks: median(parts.networks),
      msEigen: median(parts.eigen),
      msClassifier: median(parts.classifier),
    };
  } finally {
    set.dispose(true);
  }
}
