/**
 * Fixture parity of the shipped MNIST energy models (training/export_energy.py): the tfjs port of the energy
 * U-Net, loaded from public/models with the cpu backend, reproduces PyTorch's U, ∇_y U and ∂U/∂log v on four
 * test digits under four covariance families. Tolerance: max abs error ≤ 1e-3 on every output, relative to
 * max(1, |value|) for U (a sum over 784 pixels).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { base64ToBytes } from '../../../src/core/base64.ts';
import { loadWeights, type EnergyArchitecture } from '../../../src/models/digits/weights.ts';
import { fileFetcher } from '../../../src/models/digits/weightsNode.ts';
import { networkEnergy } from '../../../src/models/inverse/networkEnergy.ts';

const ROOT = process.env.ENERGY_MODELS ?? join(__dirname, '../../../public/models');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function f32(b64: string): Float32Array {
  const b = base64ToBytes(b64);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function maxErr(got: ArrayLike<number>, want: ArrayLike<number>, relative = false): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / (relative ? Math.max(1, Math.abs(want[i])) : 1));
  return m;
}

describe('shipped MNIST energy models reproduce their PyTorch fixtures (cpu backend)', () => {
  for (const name of ['digits-energy-acsm', 'digits-energy-dsm']) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const { manifest, weights } = await loadWeights(fileFetcher(ROOT), name);
      expect(manifest.kind).toBe('energy');
      const fx = JSON.parse(readFileSync(join(ROOT, name, 'fixture.json'), 'utf8'));
      const energy = await networkEnergy(weights, manifest.architecture as EnergyArchitecture);
      const ev = await energy.evaluate(f32(fx.inputs.y), f32(fx.inputs.logVar), 4, { sigmaGrad: true });
      expect(maxErr(ev.u, f32(fx.outputs.u), true)).toBeLessThanOrEqual(1e-3);
      expect(maxErr(ev.gy, f32(fx.outputs.gradY))).toBeLessThanOrEqual(1e-3);
      expect(maxErr(ev.glv!, f32(fx.outputs.gradLogVar))).toBeLessThanOrEqual(1e-3);
      const u = await energy.energy(f32(fx.inputs.y), f32(fx.inputs.logVar), 4);
      expect(maxErr(u, ev.u, true)).toBeLessThanOrEqual(1e-5);
      energy.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
