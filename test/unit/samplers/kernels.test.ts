import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { eigSym2, ozakiScales, phi, PHI_SERIES_THRESHOLD } from '../../../src/samplers/kernels.ts';
import { ChainSet } from '../../../src/samplers/chains.ts';
import { gmmScoreField } from '../../../src/models/exactField.ts';
import { corrGauss, flatCurvatureField, gaussian, gaussSamples2, moments, useCpu } from './helpers.ts';

beforeAll(useCpu);

describe('phi(a) = expm1(a)/a (diagonal Ozaki, MATH.md section 3)', () => {
  it('matches float64 expm1(a)/a to float32 precision, in particular near 0 and across the series threshold', () => {
    const as = [0, 1e-8, -1e-8, 1e-5, -3e-4, 0.01, -0.05, 0.0999, -0.0999, 0.1001, -0.1001, 0.5, -2, 5, -30];
    const got = tf.tidy(() => phi(tf.tensor1d(as)).dataSync());
    as.forEach((a, i) => {
      const want = a === 0 ? 1 : Math.expm1(a) / a;
      expect(Math.abs(got[i] - want) / want).toBeLessThan(3e-7);
    });
    expect(PHI_SERIES_THRESHOLD).toBeGreaterThan(0);
  });

  it('gives M = ε/2 and V = ε exactly at h = 0, and M, V > 0 for any curvature', () => {
    const eps = 0.37;
    const { m, v } = tf.tidy(() => {
      const s = ozakiScales(tf.tensor1d([0, -1e3, -1, 1, 3]), eps);
      return { m: s.m.dataSync(), v: tf.square(s.sqrtV).dataSync() };
    });
    expect(m[0]).toBe(Math.fround(eps / 2));
    expect(v[0]).toBeCloseTo(eps, 7);
    for (let i = 0; i < 5; i++) {
      expect(m[i]).toBeGreaterThan(0);
      expect(v[i]).toBeGreaterThan(0);
    }
    // Strong negative curvature: M → 1/|h|, V → 1/|h|.
    expect(m[1]).toBeCloseTo(1e-3, 6);
    expect(v[1]).toBeCloseTo(1e-3, 6);
  });
});

describe('closed-form 2x2 symmetric eigen-decomposition', () => {
  it('reconstructs H = Q diag(λ) Qᵀ, including diagonal and repeated-eigenvalue cases', () => {
    const cases = [
      [2, 0.5, -1],
      [1, 0, 1],
      [0, 0, 0],
      [-3, 2, -3],
      [5, -4, 0.5],
    ];
    const [a, b, c] = [0, 1, 2].map((k) => tf.tensor1d(cases.map((r) => r[k])));
    const e = eigSym2(a as tf.Tensor1D, b as tf.Tensor1D, c as tf.Tensor1D);
    const [l1, l2, co, si] = [e.l1, e.l2, e.cos, e.sin].map((t) => t.dataSync());
    cases.forEach(([ha, hb, hc], i) => {
      const r11 = l1[i] * co[i] * co[i] + l2[i] * si[i] * si[i];
      const r12 = (l1[i] - l2[i]) * co[i] * si[i];
      const r22 = l1[i] * si[i] * si[i] + l2[i] * co[i] * co[i];
      expect(r11).toBeCloseTo(ha, 5);
      expect(r12).toBeCloseTo(hb, 5);
      expect(r22).toBeCloseTo(hc, 5);
      expect(l1[i]).toBeGreaterThanOrEqual(l2[i]);
    });
    tf.dispose([a, b, c, e.l1, e.l2, e.cos, e.sin]);
  });
});

/** Runs `steps` iterations of one sampler from x0 and returns the positions read back. */
function runChains(field: ReturnType<typeof gmmScoreField>, x0: tf.Tensor2D, kind: 'langevin' | 'ozaki' | 'ozaki-full' | 'mala', step: number, steps: number, seed = 7) {
  const cs = new ChainSet(field, x0, { kind, step, seed, center: new Array(x0.shape[1]).fill(0), bound: 1e6 });
  for (let i = 0; i < steps; i++) cs.step();
  const out = cs.x.dataSync();
  cs.dispose();
  return out;
}

describe('Ozaki reduces to Langevin when H = 0', () => {
  it('gives the same trajectories (common random numbers) for ozaki and ozaki-full as for langevin', () => {
    const field = flatCurvatureField(2, (x) => tf.neg(tf.pow(x, 3)) as tf.Tensor2D);
    const x0 = tf.randomUniform([64, 2], -2, 2, 'float32', 3) as tf.Tensor2D;
    const lan = runChains(field as never, x0, 'langevin', 0.05, 25);
    const oz = runChains(field as never, x0, 'ozaki', 0.05, 25);
    const ozf = runChains(field as never, x0, 'ozaki-full', 0.05, 25);
    for (let i = 0; i < lan.length; i++) {
      expect(oz[i]).toBe(lan[i]);
      expect(Math.abs(ozf[i] - lan[i])).toBeLessThan(1e-5);
    }
    x0.dispose();
  });
});

describe('stationary laws on Gaussians', () => {
  it('Langevin has stationary variance 1/(1 − ε/4) on N(0, 1) (1-D)', () => {
    const field = gmmScoreField(gaussian([0], [1]));
    const n = 2000;
    for (const eps of [0.5, 1, 2, 3]) {
      const x0 = tf.zeros([n, 1]) as tf.Tensor2D;
      const cs = new ChainSet(field, x0, { kind: 'langevin', step: eps, seed: 11, center: [0], bound: 1e6 });
      for (let i = 0; i < 60; i++) cs.step();
      const frames = cs.runFrames(40);
      const v = moments(frames.dataSync(), 1).cov[0];
      frames.dispose();
      cs.dispose();
      x0.dispose();
      expect(Math.abs(v * (1 - eps / 4) - 1)).toBeLessThan(0.05);
    }
    field.dispose();
  });

  it('diagonal Ozaki with the exact Hessian samples N(0, 1) exactly at any ε, even past Langevin’s limit ε = 4', () => {
    const field = gmmScoreField(gaussian([0], [1]));
    const n = 2000;
    for (const eps of [0.3, 2, 6, 50]) {
      const x0 = tf.fill([n, 1], 3) as tf.Tensor2D;
      const cs = new ChainSet(field, x0, { kind: 'ozaki', step: eps, seed: 5, center: [0], bound: 1e6 });
      for (let i = 0; i < Math.ceil(15 / Math.min(eps, 1)); i++) cs.step();
      const frames = cs.runFrames(30);
      const { mean, cov } = moments(frames.dataSync(), 1);
      frames.dispose();
      cs.dispose();
      x0.dispose();
      expect(Math.abs(mean[0])).toBeLessThan(0.05);
      expect(Math.abs(cov[0] - 1)).toBeLessThan(0.05);
    }
    field.dispose();
  });

  it('full Ozaki with the exact Hessian keeps a correlated 2-D Gaussian (condition number 50) exact at any ε', () => {
    const { gmm, mean, cov } = corrGauss();
    const field = gmmScoreField(gmm);
    const n = 3000;
    for (const eps of [0.05, 1, 20]) {
      const x0 = gaussSamples2(mean, cov, n, 99);
      const cs = new ChainSet(field, x0, { kind: 'ozaki-full', step: eps, seed: 21, center: [0, 0], bound: 1e6 });
      for (let i = 0; i < 10; i++) cs.step();
      const m = moments(cs.x.dataSync(), 2);
      cs.dispose();
      x0.dispose();
      expect(Math.abs(m.mean[0] - mean[0])).toBeLessThan(0.06);
      expect(Math.abs(m.mean[1] - mean[1])).toBeLessThan(0.06);
      for (let k = 0; k < 4; k++) expect(Math.abs(m.cov[k] - cov[k])).toBeLessThan(0.06);
    }
    // Langevin at ε = 0.05 (near its stability limit 4 λ_min = 0.08) inflates the stiff direction.
    const x0 = gaussSamples2(mean, cov, n, 99);
    const cs = new ChainSet(field, x0, { kind: 'langevin', step: 0.05, seed: 21, center: [0, 0], bound: 1e6 });
    for (let i = 0; i < 30; i++) cs.step();
    const m = moments(cs.x.dataSync(), 2);
    cs.dispose();
    x0.dispose();
    const stiffVar = (m.cov[0] + m.cov[3] - m.cov[1] - m.cov[2]) / 2; // variance along (1, −1)/√2: exact 0.02
    expect(stiffVar / 0.02).toBeGreaterThan(1.5);
    field.dispose();
  });
});

describe('MALA', () => {
  it('leaves the correlated Gaussian invariant (moments of a long run)', () => {
    const { gmm, mean, cov } = corrGauss();
    const field = gmmScoreField(gmm);
    const n = 400;
    const x0 = gaussSamples2(mean, cov, n, 5);
    // ε = 0.12 is past Langevin's stability limit (0.08) here: the unadjusted chain would blow up.
    const cs = new ChainSet(field, x0, { kind: 'mala', step: 0.12, seed: 9, center: [0, 0], bound: 1e6 });
    const frames = cs.runFrames(300);
    const m = moments(frames.dataSync(), 2);
    const acc = cs.acceptance().then((a) => a.reduce((s, v) => s + v, 0) / a.length);
    frames.dispose();
    return acc.then((rate) => {
      cs.dispose();
      x0.dispose();
      field.dispose();
      expect(rate).toBeGreaterThan(0.05);
      expect(rate).toBeLessThan(0.95);
      expect(Math.abs(m.mean[0] - mean[0])).toBeLessThan(0.08);
      expect(Math.abs(m.mean[1] - mean[1])).toBeLessThan(0.08);
      for (let k = 0; k < 4; k++) expect(Math.abs(m.cov[k] - cov[k]) / 1).toBeLessThan(0.08);
      const stiffVar = (m.cov[0] + m.cov[3] - m.cov[1] - m.cov[2]) / 2;
      expect(Math.abs(stiffVar / 0.02 - 1)).toBeLessThan(0.15);
    });
  });

  it('accepts less as ε grows', async () => {
    const { gmm, mean, cov } = corrGauss();
    const field = gmmScoreField(gmm);
    const rates: number[] = [];
    for (const eps of [0.005, 0.05, 0.2, 1]) {
      const x0 = gaussSamples2(mean, cov, 300, 5);
      const cs = new ChainSet(field, x0, { kind: 'mala', step: eps, seed: 9, center: [0, 0], bound: 1e6 });
      for (let i = 0; i < 40; i++) cs.step();
      const a = await cs.acceptance();
      rates.push(a.reduce((s, v) => s + v, 0) / a.length);
      cs.dispose();
      x0.dispose();
    }
    field.dispose();
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
    expect(rates[0]).toBeGreaterThan(0.9);
    expect(rates[rates.length - 1]).toBeLessThan(0.2);
  });
});
