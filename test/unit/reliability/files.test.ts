/**
 * Issue 18, model and run files: every reproduction of the issue as a named regression, and a seeded fuzz of a few
 * hundred mutated run files through the engine's `train.import` and `posteriorLoadModel`. A refusal must name the
 * field, leave the engine's session exactly as it was (step count and weights), and leak no tensor or byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { Rng } from '../../../src/core/types.ts';
import { parseRunFile, parseScoreModelFile } from '../../../src/models/modelFile.ts';

let engine: EngineClient;
/** A valid run file (a small trained model on gmm2) and a fingerprint of the session that holds it. */
let good: Record<string, unknown>;
const KEY = 'held';

const HYPER = { sigma: 0.3, width: 16, depth: 2, batch: 64, act: 'softplus' as const };

async function fingerprint(): Promise<string> {
  const f = (await engine.run('train.export', { key: KEY })) as { training: { steps: number }; weights: { data: string }[] };
  return `${f.training.steps}:${f.weights.map((w) => w.data).join('')}`;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function withPath(file: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const out = clone(file);
  let o = out as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return out;
}

beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'cpu' });
  await engine.run('train.create', { key: KEY, density: 'gmm2', hyper: HYPER });
  await engine.run('train.steps', { key: KEY, steps: 5 });
  good = clone(await engine.run('train.export', { key: KEY })) as unknown as Record<string, unknown>;
});
afterAll(() => engine.close());

/** Imports `file` over the held session and expects a refusal matching `why`, with nothing changed or leaked. */
async function expectRefused(file: unknown, why: RegExp): Promise<void> {
  const before = await fingerprint();
  const mem = tf.memory();
  await expect(engine.run('train.import', { key: KEY, file })).rejects.toThrow(why);
  expect(tf.memory().numTensors).toBe(mem.numTensors);
  expect(tf.memory().numBytes).toBe(mem.numBytes);
  expect(await fingerprint()).toBe(before);
}

describe('issue 18 reproductions: run files', () => {
  it('training.history [null] is refused naming the field; the trained model stays', async () => {
    await expectRefused(withPath(good, ['training', 'history'], [null]), /training\.history\[0\]: Invalid input: expected object/);
  });

  it('training.steps "abc", -5 and 1e300 are refused naming training.steps', async () => {
    await expectRefused(withPath(good, ['training', 'steps'], 'abc'), /training\.steps: .*expected number.*\(got "abc"\)/);
    await expectRefused(withPath(good, ['training', 'steps'], -5), /training\.steps: Too small.*>=0 \(got -5\)/);
    await expectRefused(withPath(good, ['training', 'steps'], 1e300), /training\.steps: .*(Too big|safe integer)/);
  });

  it('a history that is a number or 300k long is refused before anything is built (no tensors left behind)', async () => {
    await expectRefused(withPath(good, ['training', 'history'], 7), /training\.history: Invalid input: expected array, received number/);
    const long = Array.from({ length: 300_000 }, (_, i) => ({ step: i, loss: 1, lossAdjusted: 1, lossVariance: 1 }));
    await expectRefused(withPath(good, ['training', 'history'], long), /training\.history: Too big: expected array to have <=4000 items/);
  });

  it('spec.dim 1e6 is refused before allocation (was +772 MB of tfjs memory)', async () => {
    await expectRefused(withPath(good, ['spec', 'dim'], 1e6), /spec\.dim: Too big: expected number to be <=256 \(got 1000000\)/);
  });

  it('a 50 KB file declaring width 4096 and depth 16 is refused by the parameter budget, not trained on', async () => {
    const big = withPath(withPath(good, ['spec', 'width'], 4096), ['spec', 'depth'], 16);
    await expectRefused(big, /parameters of one model is over the budget of 4,000,000: use a smaller width or depth/);
  });

  it('density.points {"length": 1e8} is refused by the schema, without iterating', async () => {
    await expectRefused(withPath(good, ['density'], { points: { length: 1e8 }, dim: 2 }), /density: must be a density name/);
  });

  it('NaN/Inf weights, wrong shapes, bad base64, wrong version or format, extra weights, null: each named', async () => {
    const weights = good.weights as { name: string; shape: number[]; data: string }[];
    const inf = new Float32Array(weights[0].shape.reduce((a, b) => a * b, 1)).fill(Infinity);
    const infData = Buffer.from(inf.buffer).toString('base64');
    await expectRefused(withPath(good, ['weights', 0, 'data'], infData), /weight "s1\.0\.W" holds Infinity at index 0/);
    await expectRefused(withPath(good, ['weights', 0, 'shape'], [1, 1]), /weight "s1\.0\.W" has shape \[1, 1\] but the spec needs \[2, 16\]/);
    await expectRefused(withPath(good, ['weights', 0, 'shape'], '2,16'), /weights\[0\]\.shape: Invalid input: expected array, received string \(got "2,16"\)/);
    const bad64 = '!'.repeat(weights[0].data.length);
    await expectRefused(withPath(good, ['weights', 0, 'data'], bad64), /weights "s1\.0\.W": data is not base64/);
    await expectRefused(withPath(good, ['version'], 2), /version 2 is not one this app reads/);
    await expectRefused(withPath(good, ['format'], 'other'), /"format" is "other", not "tweedie-lab\/score-model"/);
    const extra = withPath(good, ['weights'], [...weights, { name: 'x.W', shape: [1], data: 'AAAAAA==' }]);
    await expectRefused(extra, /unexpected weights x\.W/);
    await expectRefused(null, /expected a JSON object .* got null/);
  });

  it('a refused bare model file leaves the Uncertainty model sessions untouched too', async () => {
    const mem = tf.memory();
    await expect(engine.run('posteriorLoadModel', { key: 'u', model: withPath(good, ['spec', 'dim'], 1e6) })).rejects.toThrow(/spec\.dim/);
    await expect(engine.run('posteriorLoadModel', { key: 'u', model: null })).rejects.toThrow(/got null/);
    expect(tf.memory().numTensors).toBe(mem.numTensors);
  });

  it('the same checks run without tfjs (the UI refuses before asking anything)', () => {
    expect(() => parseRunFile(withPath(good, ['training', 'steps'], 'abc'))).toThrow(/training\.steps/);
    expect(() => parseScoreModelFile({ ...good, weights: 'x' })).toThrow(/weights: Invalid input: expected array/);
    expect(parseRunFile(good).weights.size).toBe((good.weights as unknown[]).length);
  });
});

// ----------------------------------------------------------------------------------------------- seeded fuzz

const HOSTILE: unknown[] = [null, -1, 0, 1e300, -1e300, 'abc', '', '2,64', {}, [], [null], { length: 1e8 }, true, 3.5, [1e308, 1e308], 'AAAA', '__proto__'];

/** Every path of a JSON value (objects and arrays), up to a small depth; long arrays contribute their first items. */
function paths(v: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 4 || v === null || typeof v !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(v) ? [...v.keys()].slice(0, 3) : Object.keys(v);
  return keys.flatMap((k) => {
    const p = [...prefix, k];
    return [p, ...paths((v as Record<string | number, unknown>)[k], p, depth + 1)];
  });
}

function mutate(file: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  let out = file;
  const edits = 1 + rng.int(2);
  for (let e = 0; e < edits; e++) {
    const all = paths(out);
    const p = all[rng.int(all.length)];
    const r = rng.uniform();
    out = withPath(out, p, r < 0.15 ? undefined : HOSTILE[rng.int(HOSTILE.length)]);
  }
  return out;
}

describe('fuzz: 300 mutated run files through train.import and posteriorLoadModel', () => {
  it('each is loaded whole or refused with a named field; a refusal changes nothing; nothing leaks', async () => {
    const rng = createRng(18);
    // The baseline: the sessions as an accepted file leaves them (a fresh optimiser, no moments yet).
    await engine.run('train.import', { key: KEY, file: good });
    await engine.run('posteriorLoadModel', { key: 'fuzz', model: good });
    const before = await fingerprint();
    const mem = tf.memory();
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const file = mutate(good, rng);
      const target = rng.uniform() < 0.5 ? 'train.import' : 'posteriorLoadModel';
      try {
        if (target === 'train.import') await engine.run('train.import', { key: KEY, file });
        else await engine.run('posteriorLoadModel', { key: 'fuzz', model: file });
        // Accepted (a harmless mutation): restore the held model so the next refusal is checked against it.
        if (target === 'train.import') await engine.run('train.import', { key: KEY, file: good });
      } catch (e) {
        refused++;
        const msg = (e as Error).message;
        expect(msg, `mutant ${i}`).not.toMatch(/Cannot read properties|is not a function|undefined \(reading|Maximum call stack|Spread syntax/);
        expect(msg, `mutant ${i}`).toMatch(/model file|density|the model could not be loaded|budget|points/);
        if (target === 'train.import') expect(await fingerprint(), `mutant ${i} changed the session`).toBe(before);
      }
    }
    expect(refused).toBeGreaterThan(200);
    // Same sessions as before the fuzz (each replaced model was disposed): not one tensor or byte more.
    await engine.run('posteriorLoadModel', { key: 'fuzz', model: good });
    expect(tf.memory().numTensors).toBe(mem.numTensors);
    expect(tf.memory().numBytes).toBe(mem.numBytes);
    expect(await fingerprint()).toBe(before);
  }, 120_000);
});
