/**
 * Fixture parity: every shipped MNIST model (public/models/digits-index.json), loaded from its files in Node with the
 * tfjs cpu backend, reproduces the PyTorch outputs recorded by training/export.py (max abs error ≤ 1e-3).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { base64ToBytes } from '../../../src/core/base64.ts';
import { loadWeights } from '../../../src/models/digits/weights.ts';
import { fileFetcher } from '../../../src/models/digits/weightsNode.ts';
import { modelApply } from '../../../src/models/digits/model.ts';

const ROOT = join(__dirname, '../../../public/models');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

interface Fixture {
  inputs: { shape: number[]; data: string };
  outputs: { shape: number[]; data: string };
}

function f32(b64: string): Float32Array {
  const b = base64ToBytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

const index = JSON.parse(readFileSync(join(ROOT, 'digits-index.json'), 'utf8')) as { models: { name: string }[] };

describe('shipped MNIST models reproduce their PyTorch fixtures (cpu backend)', () => {
  it('ships the classifier and, per sigma, s1, low-rank s2 and diagonal s2', () => {
    const names = index.models.map((m) => m.name);
    expect(names).toContain('digits-classifier');
    for (const s of ['0.3', '0.5']) {
      for (const k of ['s1', 's2lowrank', 's2diag']) expect(names).toContain(`digits-${k}-sigma${s}`);
    }
  });

  for (const { name } of index.models) {
    it(name, async () => {
      const { manifest, weights } = await loadWeights(fileFetcher(ROOT), name);
      const fx = JSON.parse(readFileSync(join(ROOT, name, 'fixture.json'), 'utf8')) as Fixture;
      const x = tf.tensor4d(f32(fx.inputs.data), fx.inputs.shape as [number, number, number, number]);
      const y = tf.tidy(() => modelApply(manifest, weights, x));
      expect(y.shape).toEqual(fx.outputs.shape);
      const got = await y.data();
      const want = f32(fx.outputs.data);
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
      expect(maxErr).toBeLessThanOrEqual(1e-3);
      tf.dispose([x, y, ...Object.values(weights)]);
    });
  }
});
