/**
 * The Digits engine jobs end to end through the in-process engine (wasm backend, models read from public/models):
 * posterior panels on an MNIST test digit, Langevin-vs-Ozaki chains with progress, the autodiff-vs-direct timing,
 * clear input errors, and no tensor leaks after the models are loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import type { EngineClient } from '../../../src/engine/client.ts';
import { setDigitsFetcher } from '../../../src/engine/jobs/digits.ts';
import { fileFetcher } from '../../../src/models/digits/weightsNode.ts';
import { setWasmLocation } from '../../../src/engine/backend.ts';

const ROOT = join(__dirname, '../../../public/models');
const gallery = new Uint8Array(readFileSync(join(__dirname, '../../../public/mnist-gallery.bin')));
const meta = JSON.parse(readFileSync(join(__dirname, '../../../public/mnist-gallery.json'), 'utf8')) as { labels: number[] };
const digit = (i: number) => Float32Array.from(gallery.subarray(i * 784, (i + 1) * 784), (v) => v / 255);

let engine: EngineClient;

beforeAll(async () => {
  setDigitsFetcher(fileFetcher(ROOT));
  // The U-Nets are too slow on the plain-JS cpu backend for chains and Jacobians; WASM runs them in Node.
  setWasmLocation(join(__dirname, '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  engine = createInProcessEngine();
  const info = await engine.run('init', { backend: 'wasm' });
  expect(info.name).toBe('wasm');
});
afterAll(() => {
  engine.close();
  setDigitsFetcher(undefined);
});

describe('digits jobs', () => {
  it('loads the models of a noise level', async () => {
    const info = await engine.run('digitsLoad', { sigma: 0.5 });
    expect(info.rank).toBe(50);
    expect(info.names).toEqual(['digits-s1-sigma0.5', 'digits-s2lowrank-sigma0.5', 'digits-s2diag-sigma0.5', 'digits-classifier']);
  });

  it('posterior: mean closer to the digit than the noisy input, variance on the strokes, eigenpairs, labelled samples, no leaks', async () => {
    await engine.run('digitsLoad', { sigma: 0.5 });
    const before = tf.memory().numTensors;
    const i = 4;
    const x = digit(i);
    const r = await engine.run('digitsPosterior', { sigma: 0.5, image: x, noise: true, seed: 3, k: 4, samples: 6 });
    expect(tf.memory().numTensors).toBe(before);
    const mse = (a: ArrayLike<number>) => Array.from(a).reduce((s, v, j) => s + (v - x[j]) ** 2, 0) / 784;
    expect(mse(r.mean)).toBeLessThan(0.2 * mse(r.noisy));
    let ink = 0;
    let inkN = 0;
    let bg = 0;
    let bgN = 0;
    for (let j = 0; j < 784; j++) {
      if (x[j] > 0.3) {
        ink += r.std[j];
        inkN++;
      } else if (x[j] === 0) {
        bg += r.std[j];
        bgN++;
      }
    }
    expect(ink / inkN).toBeGreaterThan(2 * (bg / bgN));
    expect(r.noiseProjected).toBe(false);
    expect(r.eigenvalues).toHaveLength(4);
    for (let j = 1; j < 4; j++) expect(r.eigenvalues[j]).toBeLessThanOrEqual(r.eigenvalues[j - 1] + 1e-9);
    expect(r.eigenvectors).toHaveLength(4 * 784);
    expect(r.noiseAlignment).toHaveLength(4);
    for (const c of r.noiseAlignment) expect(c).toBeLessThanOrEqual(1 + 1e-6);
    // with the noise direction projected out: orthogonal to x̃ − mean, and no larger than C's eigenvalues (Cauchy interlacing)
    const p = await engine.run('digitsPosterior', { sigma: 0.5, image: x, noise: true, seed: 3, k: 4, samples: 0, projectNoise: true });
    expect(p.noiseProjected).toBe(true);
    for (const c of p.noiseAlignment) expect(c).toBeLessThan(1e-4);
    for (let j = 0; j < 4; j++) expect(p.eigenvalues[j]).toBeLessThanOrEqual(r.eigenvalues[j] * (1 + 1e-5));
    expect(r.samples).toHaveLength(6 * 784);
    expect(r.sampleLabels).toHaveLength(6);
    expect(r.inputLabel).toBe(meta.labels[i]);
    expect(r.meanLabel).toBe(meta.labels[i]);
  });

  it('chains: progress per recorded step, frames and class-change fractions', async () => {
    const seen: number[] = [];
    await engine.run('digitsLoad', { sigma: 0.5 });
    const before = tf.memory().numTensors;
    const r = await engine.run(
      'digitsChains',
      { sigma: 0.5, image: digit(1), steps: 4, chains: 2, epsLangevin: 0.06, epsOzaki: 0.06, every: 2, show: 2, seed: 1 },
      { onProgress: (p) => seen.push(p.step) },
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((step) => step % 2 === 1)).toBe(true); // progress after every step, not only recorded ones
    expect(tf.memory().numTensors).toBe(before);
    expect(r.curve.map((c) => c.step)).toEqual([2, 4]);
    expect(r.frames[1].langevin).toHaveLength(2 * 784);
    for (const c of r.curve) {
      expect(c.langevin).toBeGreaterThanOrEqual(0);
      expect(c.ozaki).toBeLessThanOrEqual(1);
    }
  });

  it('chains stop at the next step when cancelled, leaving no tensors', async () => {
    await engine.run('digitsLoad', { sigma: 0.5 });
    const before = tf.memory().numTensors;
    const ctrl = new AbortController();
    const steps: number[] = [];
    const run = engine.run(
      'digitsChains',
      { sigma: 0.5, image: digit(1), steps: 400, chains: 2, epsLangevin: 0.06, epsOzaki: 0.06, every: 100, show: 1, seed: 1 },
      {
        signal: ctrl.signal,
        onProgress: (p) => {
          steps.push(p.step);
          ctrl.abort();
        },
      },
    );
    await expect(run).rejects.toThrow(/cancel/);
    expect(Math.max(...steps)).toBeLessThan(50);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('timing: autodiff rows vs one s2 evaluation', async () => {
    const before = tf.memory().numTensors;
    const r = await engine.run('digitsTiming', { sigma: 0.5, image: digit(2), rows: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.rows).toBe(8);
    expect(r.msDirect).toBeGreaterThan(0);
    expect(r.ratio).toBeGreaterThan(1);
    expect(r.varAutodiff.filter((v) => !Number.isNaN(v))).toHaveLength(8);
  });

  it('rejects bad input with a clear message', async () => {
    await expect(engine.run('digitsPosterior', { sigma: 0.4, image: digit(0), noise: true, seed: 1, k: 2, samples: 0 })).rejects.toThrow(
      /sigma must be one of 0.3, 0.5/,
    );
    await expect(engine.run('digitsPosterior', { sigma: 0.5, image: [1, 2, 3], noise: true, seed: 1, k: 2, samples: 0 })).rejects.toThrow(
      /784 pixels/,
    );
  });

  it('the bench times a Digits stroke: the lab defaults, medians of the strokes and their parts, models released', async () => {
    const before = tf.memory().numTensors;
    const r = await engine.run('bench', { backends: [], chains: [10], cpuSamplers: false, budgetMs: 0, minRuns: 3, maxRuns: 3, digits: { image: Array.from(digit(4)), digit: 'gallery 4' } });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.digitsError).toBeUndefined();
    const d = r.digitsStroke!;
    expect(d).toMatchObject({ backend: 'wasm', digit: 'gallery 4', sigma: 0.5, noise: true, k: 4, samples: 8, projectNoise: true });
    expect(d.runs).toHaveLength(3);
    expect(d.msPerStroke).toBe([...d.runs].sort((a, b) => a - b)[1]);
    // A part of a stroke takes less than the stroke, so the median of a part stays below the slowest stroke.
    for (const part of [d.msNetworks, d.msEigen, d.msClassifier]) {
      expect(part).toBeGreaterThan(0);
      expect(part).toBeLessThan(Math.max(...d.runs));
    }
  });

  it('a failed Digits stroke is reported in the bench result, not thrown', async () => {
    const r = await engine.run('bench', { backends: [], chains: [10], cpuSamplers: false, budgetMs: 0, minRuns: 1, maxRuns: 1, digits: { image: [1, 2], digit: 'bad' } });
    expect(r.digitsStroke).toBeUndefined();
    expect(r.digitsError).toMatch(/784/);
  });
});
