/**
 * Score model structure: head shapes and symmetry, PSD by construction, the batched autodiff Jacobian against
 * finite differences, bit-exact save/load, the ScoreField adapters, and refusal of invalid settings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/rng.ts';
import { rowJacobian } from '../../../src/models/hessian.ts';
import { loadScoreField, scoreFieldFromModel } from '../../../src/models/learnedField.ts';
import { hasNegativeEigenvalue } from '../../../src/models/metrics.ts';
import { ScoreModel, s2OutputScale, s2Outputs, type ScoreModelSpec } from '../../../src/models/scoreModel.ts';
import { DEFAULT_HYPER, type S2Kind } from '../../../src/models/hyper.ts';
import { deserializeModel, serializeModel } from '../../../src/models/serialize.ts';
import { ScoreTrainer, hyperProblems } from '../../../src/models/trainer.ts';
import { gaussData, useCpu } from './helpers.ts';

beforeAll(useCpu);

function spec(over: Partial<ScoreModelSpec> = {}): ScoreModelSpec {
  const dim = over.dim ?? 3;
  return {
    dim,
    sigma: 0.2,
    s2: 'full',
    rank: 2,
    width: 12,
    depth: 2,
    act: 'tanh',
    shareTrunk: false,
    inputShift: new Array(dim).fill(0.1),
    inputScale: new Array(dim).fill(1.5),
    ...over,
  };
}

function points(n: number, d: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(Float32Array.from({ length: n * d }, () => 2 * rng.normal()), [n, d]);
}

describe('s2 heads', () => {
  for (const s2 of ['full', 'diag', 'lowrank', 'psd'] as S2Kind[]) {
    for (const shareTrunk of [false, true]) {
      it(`${s2} head (${shareTrunk ? 'shared' : 'separate'} trunk): shapes, symmetry, diagonal consistent`, async () => {
        const m = new ScoreModel(spec({ s2, shareTrunk }), createRng(1));
        const x = points(5, 3, 2);
        const S = await m.s2(x).array();
        const diag = await m.s2Diag(x).array();
        expect(S.length).toBe(5);
        for (let k = 0; k < 5; k++) {
          for (let i = 0; i < 3; i++) {
            expect(diag[k][i]).toBeCloseTo(S[k][i][i], 2);
            for (let j = 0; j < 3; j++) {
              expect(S[k][i][j]).toBeCloseTo(S[k][j][i], 3);
              if (s2 === 'diag' && i !== j) expect(Math.abs(S[k][i][j])).toBe(0);
            }
          }
        }
        expect(m.s1(x).shape).toEqual([5, 3]);
        expect(m.parameterCount).toBe(m.variables().reduce((s, v) => s + v.size, 0));
        x.dispose();
        m.dispose();
      });
    }
  }

  it('output counts: full D², diag D, low-rank and PSD D + D r', () => {
    expect(s2Outputs('full', 4, 2)).toBe(16);
    expect(s2Outputs('diag', 4, 2)).toBe(4);
    expect(s2Outputs('lowrank', 4, 2)).toBe(12);
    expect(s2Outputs('psd', 4, 2)).toBe(12);
    expect(s2Outputs('none', 4, 2)).toBe(0);
  });

  it('PSD head: σ⁴ s2 + σ² I is PSD for any weights (large random weights), the full head is not', async () => {
    const count = async (s2: S2Kind) => {
      const m = new ScoreModel(spec({ s2 }), createRng(3));
      m.variables().forEach((v, i) => v.assign(tf.randomNormal(v.shape, 0, 2, 'float32', 100 + i)));
      const x = points(200, 3, 4);
      const S = (await m.s2(x).data()) as Float32Array;
      let bad = 0;
      for (let k = 0; k < 200; k++) {
        const M = new Float64Array(9);
        for (let q = 0; q < 9; q++) M[q] = 0.04 * S[k * 9 + q];
        for (let i = 0; i < 3; i++) M[i * 3 + i] += 1;
        if (hasNegativeEigenvalue(M, 3)) bad++;
      }
      x.dispose();
      m.dispose();
      return bad;
    };
    expect(await count('psd')).toBe(0);
    expect(await count('full')).toBeGreaterThan(0);
  });

  it('output scale c: the full, diagonal and low-rank heads give c times the unscaled s2 for the same weights', async () => {
    expect(s2OutputScale(0.1, [Math.sqrt(2.01), Math.sqrt(0.02)])).toBeCloseTo(0.01 / 1.015, 12);
    for (const s2 of ['full', 'diag', 'lowrank'] as S2Kind[]) {
      const plain = new ScoreModel(spec({ s2 }), createRng(6));
      const scaled = new ScoreModel(spec({ s2, s2Scale: 0.05 }), createRng(6));
      const x = points(7, 3, 8);
      const a = (await plain.s2(x).data()) as Float32Array;
      const b = (await scaled.s2(x).data()) as Float32Array;
      b.forEach((v, i) => expect(v).toBeCloseTo(0.05 * a[i], 5));
      [plain, scaled, x].forEach((t) => t.dispose());
    }
  });

  it('output scale c on the PSD head: zero raw output still means s2θ = 0, and σ⁴ s2 + σ² I stays PSD', async () => {
    const m = new ScoreModel(spec({ s2: 'psd', s2Scale: 1e-3 }), createRng(9));
    m.variables().forEach((v) => v.assign(tf.zerosLike(v)));
    const x = points(4, 3, 10);
    const S = (await m.s2(x).data()) as Float32Array;
    S.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
    m.variables().forEach((v, i) => v.assign(tf.randomNormal(v.shape, 0, 2, 'float32', 200 + i)));
    const R = (await m.s2(x).data()) as Float32Array;
    for (let k = 0; k < 4; k++) {
      const M = Float64Array.from(R.subarray(k * 9, k * 9 + 9), (v) => 0.04 * v);
      for (let i = 0; i < 3; i++) M[i * 3 + i] += 1;
      expect(hasNegativeEigenvalue(M, 3)).toBe(false);
    }
    x.dispose();
    m.dispose();
  });
});

describe('autodiff Hessian ∇ₓ s1θ', () => {
  it('the batched Jacobian matches central finite differences (and chunking changes nothing)', async () => {
    const m = new ScoreModel(spec({ s2: 'none', act: 'softplus' }), createRng(5));
    const x = points(4, 3, 6);
    const J = await rowJacobian((v) => m.s1(v), x).array();
    const Jchunked = await rowJacobian((v) => m.s1(v), x, 3).array();
    expect(Jchunked).toEqual(J);
    const xs = await x.array();
    const h = 1e-2;
    for (let j = 0; j < 3; j++) {
      const plus = xs.map((r) => r.map((v, c) => (c === j ? v + h : v)));
      const minus = xs.map((r) => r.map((v, c) => (c === j ? v - h : v)));
      const fp = await m.s1(tf.tensor2d(plus)).array();
      const fm = await m.s1(tf.tensor2d(minus)).array();
      for (let k = 0; k < 4; k++) {
        for (let i = 0; i < 3; i++) {
          const fd = (fp[k][i] - fm[k][i]) / (2 * h);
          expect(Math.abs(J[k][i][j] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
        }
      }
    }
    x.dispose();
    m.dispose();
  });
});

describe('save / load', () => {
  for (const s2 of ['full', 'lowrank', 'none'] as S2Kind[]) {
    it(`round-trips bit-exactly through JSON text (s2 = ${s2})`, async () => {
      const m = new ScoreModel(spec({ s2, shareTrunk: s2 === 'lowrank' }), createRng(8));
      const text = JSON.stringify(await serializeModel(m));
      const back = deserializeModel(JSON.parse(text));
      expect(JSON.stringify(await serializeModel(back))).toBe(text);
      const x = points(7, 3, 9);
      expect(await back.s1(x).data()).toEqual(await m.s1(x).data());
      if (s2 !== 'none') expect(await back.s2(x).data()).toEqual(await m.s2(x).data());
      x.dispose();
      back.dispose();
      m.dispose();
    });
  }

  it('refuses damaged files with a message', async () => {
    const m = new ScoreModel(spec(), createRng(10));
    const file = await serializeModel(m);
    m.dispose();
    expect(() => deserializeModel({ ...file, format: 'x' })).toThrow(/format/);
    expect(() => deserializeModel({ ...file, spec: { ...file.spec, sigma: -1 } })).toThrow(/spec.sigma: Too small: expected number to be >0 \(got -1\)/);
    expect(() => deserializeModel({ ...file, weights: file.weights.slice(1) })).toThrow(/missing/);
    const bad = file.weights.map((w, i) => (i === 0 ? { ...w, shape: [1, 1] } : w));
    expect(() => deserializeModel({ ...file, weights: bad })).toThrow(/shape/);
  });

  it('ScoreField adapters: direct and autodiff Hessians from a loaded run.json', async () => {
    const m = new ScoreModel(spec({ s2: 'lowrank' }), createRng(11));
    const file = JSON.parse(JSON.stringify(await serializeModel(m)));
    const direct = loadScoreField(file);
    const auto = loadScoreField(file, { hessian: 'autodiff' });
    const x = points(3, 3, 12);
    expect(await direct.hessian!(x).data()).toEqual(await m.s2(x).data());
    expect(direct.hessianSource).toBe('direct');
    const H = await auto.hessian!(x).array();
    expect(H[0][0][1]).toBeCloseTo(H[0][1][0], 6); // symmetrised
    expect(await auto.score(x).data()).toEqual(await m.s1(x).data());
    const diag = scoreFieldFromModel(new ScoreModel(spec({ s2: 'diag' }), createRng(13)), { own: true });
    expect(diag.hessian).toBeUndefined();
    expect(diag.hessianDiag!(x).shape).toEqual([3, 3]);
    expect(() => scoreFieldFromModel(new ScoreModel(spec({ s2: 'none' }), createRng(14)), { hessian: 'direct', own: true })).toThrow(/no s2 head/);
    [direct, auto, diag].forEach((f) => f.dispose());
    x.dispose();
    m.dispose();
  });
});

describe('invalid settings are refused with messages', () => {
  it('σ ≤ 0, rank > D, bad width / batch / lr, unknown head', () => {
    const p = hyperProblems({ ...DEFAULT_HYPER, sigma: 0, s2: 'lowrank', rank: 3, width: 0, batch: 1, lr: -1 }, 2);
    expect(p.join('\n')).toMatch(/σ must be a positive number/);
    expect(p.join('\n')).toMatch(/rank must be an integer between 1 and the dimension D = 2/);
    expect(p.join('\n')).toMatch(/width/);
    expect(p.join('\n')).toMatch(/batch/);
    expect(p.join('\n')).toMatch(/learning rate/);
    expect(hyperProblems({ ...DEFAULT_HYPER, s2: 'cubic' as S2Kind }, 2).join()).toMatch(/s2 must be one of/);
    expect(hyperProblems(DEFAULT_HYPER, 2)).toEqual([]);
    expect(() => ScoreTrainer.create({ ...DEFAULT_HYPER, sigma: -0.1 }, gaussData())).toThrow(/Invalid training settings: σ must be a positive number/);
  });

  it('NaN in the training points is refused', () => {
    const data = { dim: 2, sample: (_: unknown, n: number) => Float64Array.from({ length: 2 * n }, (_, i) => (i === 5 ? NaN : 0.1 * i)) };
    expect(() => ScoreTrainer.create(DEFAULT_HYPER, data)).toThrow(/NaN/);
  });
});
