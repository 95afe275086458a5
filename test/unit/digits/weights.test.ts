/**
 * Model files at the boundary: a missing, truncated, corrupt or malformed file gives a ModelLoadError that names
 * the file and says how to regenerate it; and the posterior pieces computed in TypeScript from the shipped
 * low-rank model reproduce the ones PyTorch recorded in the fixture (mean, variance map, top eigenpairs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { base64ToBytes } from '../../../src/core/base64.ts';
import { crc32, loadWeights, ModelLoadError } from '../../../src/models/digits/weights.ts';
import { fileFetcher } from '../../../src/models/digits/weightsNode.ts';
import { DigitsModelSet, D } from '../../../src/models/digits/model.ts';
import { lowRankVariance, topEigen, tweedieMean } from '../../../src/models/digits/posterior.ts';

const ROOT = join(__dirname, '../../../public/models');
const NAME = 'digits-s2diag-sigma0.5';
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  tmp = mkdtempSync(join(tmpdir(), 'digits-models-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyModel(): string {
  const dir = mkdtempSync(join(tmp, 'm-'));
  cpSync(join(ROOT, NAME), join(dir, NAME), { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<Error> {
  try {
    const { weights } = await loadWeights(fileFetcher(dir), NAME);
    tf.dispose(Object.values(weights));
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the load to fail');
}

function f32(b64: string): Float32Array {
  const b = base64ToBytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

describe('model files: clear errors', () => {
  it('crc32 matches zlib on a known string', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe('cbf43926');
  });

  it('loads a valid copy, leaving no tensors behind after dispose', async () => {
    const before = tf.memory().numTensors;
    const { weights } = await loadWeights(fileFetcher(copyModel()), NAME);
    expect(Object.keys(weights).length).toBeGreaterThan(10);
    tf.dispose(Object.values(weights));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('missing weights file', async () => {
    const dir = copyModel();
    unlinkSync(join(dir, NAME, 'weights.bin'));
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(e.message).toMatch(/weights\.bin is missing.*regenerate\.sh/);
  });

  it('missing manifest', async () => {
    const e = await loadError(tmp);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(e.message).toMatch(/model\.json is missing/);
  });

  it('truncated weights file', async () => {
    const dir = copyModel();
    const f = join(dir, NAME, 'weights.bin');
    writeFileSync(f, readFileSync(f).subarray(0, 1000));
    expect((await loadError(dir)).message).toMatch(/has 1000 bytes, expected \d+/);
  });

  it('corrupt weights file (same size, one byte flipped)', async () => {
    const dir = copyModel();
    const f = join(dir, NAME, 'weights.bin');
    const b = readFileSync(f);
    b[12345] ^= 0xff;
    writeFileSync(f, b);
    expect((await loadError(dir)).message).toMatch(/corrupt: CRC-32/);
  });

  it('malformed manifest', async () => {
    const dir = copyModel();
    writeFileSync(join(dir, NAME, 'model.json'), '{"format": "something-else"}');
    expect((await loadError(dir)).message).toMatch(/not a valid Digits model manifest: format/);
    writeFileSync(join(dir, NAME, 'model.json'), '{not json');
    expect((await loadError(dir)).message).toMatch(/not valid JSON/);
  });
});

describe('posterior pieces in TypeScript reproduce the PyTorch fixture', () => {
  for (const sigma of [0.3, 0.5]) {
    it(`sigma ${sigma}: Tweedie mean, variance map, top eigenpairs`, async () => {
      const set = await DigitsModelSet.load(fileFetcher(ROOT), sigma);
      const fx = JSON.parse(readFileSync(join(ROOT, `digits-s2lowrank-sigma${sigma}`, 'fixture.json'), 'utf8'));
      const x = tf.tensor(f32(fx.inputs.data).slice(0, D), [1, 28, 28, 1]) as tf.Tensor4D;
      const [r1, a, V] = tf.tidy(() => {
        const lr = set.lowRank(x);
        return [set.raw1(x), lr.a, lr.V];
      });
      const [rv, av, Vv, xv] = await Promise.all([r1.data(), a.data(), V.data(), x.data()]);
      const mean = tweedieMean(xv, rv, sigma);
      const variance = lowRankVariance(av, Vv, set.rank, sigma);
      const wantMean = f32(fx.derived.mean);
      const wantVar = f32(fx.derived.varLowrank);
      for (let i = 0; i < D; i++) {
        expect(Math.abs(mean[i] - wantMean[i])).toBeLessThan(1e-3);
        expect(Math.abs(variance[i] - wantVar[i])).toBeLessThan(1e-4);
      }
      const eig = topEigen(av, Vv, set.rank, sigma, 3);
      const wantVecs = f32(fx.derived.topEigenvectors);
      for (let j = 0; j < 3; j++) {
        expect(eig.values[j]).toBeCloseTo(fx.derived.topEigenvalues[j], 3);
        let dot = 0;
        for (let i = 0; i < D; i++) dot += eig.vectors[j][i] * wantVecs[j * D + i];
        expect(Math.abs(dot)).toBeGreaterThan(0.99);
      }
      tf.dispose([x, r1, a, V]);
      set.dispose();
    });
  }
});
