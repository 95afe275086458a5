import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  banana,
  densityFromGmm,
  densityNames,
  funnel,
  gauss100Cov,
  getDensity,
  listDensities,
  twoMoons,
  conditionalGaussianNoisy,
  funnelSpec,
  bananaSpec,
  blurredDensity,
} from '../../../src/core/densities/index.ts';
import { gmmLogpdf, gmmNoisy, makeGmm, parseGmmJson } from '../../../src/core/gmm.ts';
import { evalGrid, logTrapezoid2, makeGrid } from '../../../src/core/grid.ts';
import { identity, inverseSpd, symEig } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { sampleCovariance, sampleMean } from '../../../src/core/stats.ts';
import type { Density, NoisyDensity } from '../../../src/core/types.ts';
import { fdGrad, fdJacobian, relErr } from './helpers.ts';

const twoD = densityNames().filter((n) => getDensity(n).dim === 2);

/** Tweedie (MATH.md 1): posterior moments = (x̃ + σ² s1, σ⁴ s2 + σ² I), to `tol` relative. */
function expectTweedie(q: NoisyDensity, x: ArrayLike<number>, sigma: number, d: number, tol: number) {
  const s1 = q.s1(x);
  const s2 = q.s2(x);
  const { mean, cov } = q.posteriorMoments!(x);
  const v = sigma * sigma;
  expect(relErr(mean, Array.from(x, (xi, i) => xi + v * s1[i]))).toBeLessThan(tol);
  expect(relErr(cov, s2.map((h, k) => v * v * h + (k % (d + 1) === 0 ? v : 0)))).toBeLessThan(tol);
}

describe('density registry', () => {
  it('lists the built-ins with dimension, truth flags, bounds, CLI-only', () => {
    const list = listDensities();
    expect(list.map((d) => d.name)).toEqual(['gmm2', 'ring8', 'corr-gauss', 'scale-mix', 'banana', 'funnel', 'two-moons', 'gauss100', 'logistic50', 'logistic80']);
    for (const d of list) {
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.cliOnly).toBe(d.dim !== 2);
      if (d.dim === 2) expect(d.bounds).toBeDefined();
      expect(d.closedForm.noisy).toBe(d.truth === 'closed-form');
    }
    expect(list.find((d) => d.name === 'gauss100')).toMatchObject({ dim: 100, cliOnly: true, truth: 'closed-form' });
    expect(list.find((d) => d.name === 'banana')).toMatchObject({ truth: 'grid' });
  });

  it('unknown names give an error listing the known ones', () => {
    expect(() => getDensity('bananas')).toThrow(/unknown density "bananas"; known densities: gmm2, ring8, corr-gauss, scale-mix, banana, funnel, two-moons, gauss100/);
  });

  it('densities are built once; noisy(σ) is memoised per noise level', () => {
    const d = getDensity('gmm2');
    expect(getDensity('gmm2')).toBe(d);
    expect(d.noisy(0.3)).toBe(d.noisy(0.3));
    expect(d.noisy(0.3)).not.toBe(d.noisy(0.31));
  });

  it('corr-gauss has condition number ≥ 50; scale-mix has σ ∈ {1, 4}', () => {
    const c = getDensity('corr-gauss').gmm!.components[0].cov;
    const { values } = symEig(c, 2);
    expect(values[1] / values[0]).toBeGreaterThanOrEqual(50);
    const sm = getDensity('scale-mix').gmm!.components.map((k) => Math.sqrt(k.cov[0]));
    expect(sm).toEqual([1, 4]);
  });

  it('densityFromGmm wraps any mixture (e.g. from JSON) with closed-form truth', () => {
    const g = parseGmmJson('{"type":"gmm","weights":[1],"means":[[0,0,0]],"covs":[[[1,0,0],[0,2,0],[0,0,3]]]}');
    const d = densityFromGmm('mine', g);
    expect(d.dim).toBe(3);
    expect(d.bounds).toBeUndefined();
    expect(d.truth).toBe('closed-form');
    expect(d.score([1, 1, 1])[2]).toBeCloseTo(-1 / 3, 12);
    const d2 = densityFromGmm('mine2', makeGmm([1], [[1, 2]], [[1, 0, 0, 4]]));
    expect(d2.bounds).toEqual([
      [-2.5, 4.5],
      [-5, 9],
    ]);
  });
});

describe('every density: clean score and Hessian vs finite differences, Stein identities', () => {
  for (const name of densityNames()) {
    it(`${name}: score = FD of log p, Hessian = FD of score at samples`, () => {
      const d = getDensity(name);
      const xs = d.sample(createRng(1), 4);
      for (let s = 0; s < 4; s++) {
        const x = xs.subarray(s * d.dim, (s + 1) * d.dim);
        const h = d.dim > 2 ? 1e-4 : 1e-5;
        expect(relErr(d.score(x), fdGrad(d.logp, x, h))).toBeLessThan(1e-6);
        if (d.dim === 2) expect(relErr(d.hessian(x), fdJacobian(d.score, x))).toBeLessThan(1e-6);
      }
    });
  }

  for (const name of twoD) {
    it(`${name}: samples agree with log p (Stein: E[s] = 0, E[H + s sᵀ] = 0)`, () => {
      const d = getDensity(name);
      const n = 20_000;
      const xs = d.sample(createRng(2), n);
      const m1 = new Float64Array(2);
      const m2 = new Float64Array(4);
      const sq1 = new Float64Array(2);
      const sq2 = new Float64Array(4);
      for (let s = 0; s < n; s++) {
        const x = xs.subarray(2 * s, 2 * s + 2);
        const g = d.score(x);
        const H = d.hessian(x);
        for (let i = 0; i < 2; i++) {
          m1[i] += g[i] / n;
          sq1[i] += (g[i] * g[i]) / n;
        }
        for (let k = 0; k < 4; k++) {
          const v = H[k] + g[k >> 1] * g[k & 1];
          m2[k] += v / n;
          sq2[k] += (v * v) / n;
        }
      }
      for (let i = 0; i < 2; i++) expect(Math.abs(m1[i])).toBeLessThan(6 * Math.sqrt(sq1[i] / n));
      for (let k = 0; k < 4; k++) expect(Math.abs(m2[k])).toBeLessThan(6 * Math.sqrt(sq2[k] / n));
    });
  }

  for (const name of ['gmm2', 'ring8', 'corr-gauss', 'scale-mix', 'banana', 'two-moons']) {
    it(`${name}: log p is normalised (∫ p = 1 on a fine grid)`, () => {
      const d = getDensity(name);
      const [[x0, x1], [y0, y1]] = d.bounds!;
      const pad = name === 'scale-mix' ? 12 : name === 'two-moons' ? 1 : 3;
      const g = makeGrid(
        [
          [x0 - pad, x1 + pad],
          [y0 - pad, y1 + pad],
        ],
        name === 'two-moons' ? 161 : 301,
      );
      expect(logTrapezoid2(g, evalGrid(g, d.logp))).toBeCloseTo(0, 3);
    });
  }
});

describe('noisy densities: s1, s2 vs finite differences and Tweedie (MATH.md 1, 6)', () => {
  for (const name of twoD) {
    for (const sigma of [0.1, 0.5, 2]) {
      it(`${name}, σ = ${sigma}`, () => {
        const d = getDensity(name);
        const q = d.noisy(sigma);
        const rng = createRng(3);
        const xs = d.sample(rng, 3);
        for (let s = 0; s < 3; s++) {
          const x = [xs[2 * s] + sigma * rng.normal(), xs[2 * s + 1] + sigma * rng.normal()];
          const s1 = q.s1(x);
          expect(relErr(s1, fdGrad(q.logp, x))).toBeLessThan(1e-5);
          expect(relErr(q.s2(x), fdJacobian(q.s1, x))).toBeLessThan(1e-5);
          expectTweedie(q, x, sigma, 2, 1e-8);
        }
      });
    }
  }

  it('grid targets accept a full Σ too (anisotropic noise, MATH.md 5)', () => {
    const S = Float64Array.of(0.09, 0.03, 0.03, 0.04);
    for (const name of ['banana', 'funnel']) {
      const q = getDensity(name).noisy(S);
      const y = [0.4, 0.3];
      expect(relErr(q.s1(y), fdGrad(q.logp, y))).toBeLessThan(1e-5);
      expect(relErr(q.s2(y), fdJacobian(q.s1, y))).toBeLessThan(1e-5);
    }
  });

  it('gauss100: s2 = −(C + σ² I)⁻¹ and Tweedie in 100-d', () => {
    const d = getDensity('gauss100');
    const C = gauss100Cov();
    const { values } = symEig(C, 100);
    expect(values[99] / values[0]).toBeCloseTo(100, 6);
    const sigma = 0.3;
    const q = d.noisy(sigma);
    const x = d.sample(createRng(4), 1);
    const P = inverseSpd(C.map((v, k) => v + (k % 101 === 0 ? sigma * sigma : 0)), 100);
    expect(relErr(q.s2(x), P.map((v) => -v))).toBeLessThan(1e-10);
    expectTweedie(q, x, sigma, 100, 1e-9);
  });

  it('bench/densities/gauss{10,30}.json are the covariances gauss100Cov(10), gauss100Cov(30) (README dimension study)', () => {
    for (const dim of [10, 30]) {
      const g = parseGmmJson(readFileSync(new URL(`../../../bench/densities/gauss${dim}.json`, import.meta.url), 'utf8'));
      expect(g.dim).toBe(dim);
      expect(Array.from(g.components[0].cov)).toEqual(Array.from(gauss100Cov(dim)));
      expect(Array.from(g.components[0].mean)).toEqual(new Array(dim).fill(0));
    }
  });
});

describe('grid ground truth (lattice quadrature) against closed forms', () => {
  it('banana with b = 0 is a Gaussian: lattice log q, s1, s2, posterior = closed form (σ and Σ)', () => {
    const flat = banana({ a: 1.5, b: 0, c: 1.5, s: 0.5 });
    const gauss = makeGmm([1], [[0, -1.5]], [[2.25, 0, 0, 0.25]]);
    for (const noise of [0.05, 0.5, 2, Float64Array.of(0.2, 0.05, 0.05, 0.1)]) {
      const a = flat.noisy(noise);
      const b = gmmNoisy(gauss, noise);
      for (const x of [
        [0.4, -1.2],
        [-2, 1],
        [6, -4],
      ]) {
        expect(a.logp(x)).toBeCloseTo(b.logp(x), 9);
        expect(relErr(a.s1(x), b.s1(x))).toBeLessThan(1e-9);
        expect(relErr(a.s2(x), b.s2(x))).toBeLessThan(1e-9);
        const pa = a.posteriorMoments!(x);
        const pb = b.posteriorMoments!(x);
        expect(relErr(pa.mean, pb.mean)).toBeLessThan(1e-9);
        expect(relErr(pa.cov, pb.cov)).toBeLessThan(1e-9);
      }
    }
  });

  it('the funnel lattice with e^v replaced by a constant variance is the closed-form Gaussian', () => {
    const spec = { ...funnelSpec(1.5), condVar: () => 0.7 };
    const gauss = makeGmm([1], [[0, 0]], [[0.7, 0, 0, 2.25]]);
    for (const sigma of [0.1, 1]) {
      const a = conditionalGaussianNoisy(spec, sigma);
      const b = gmmNoisy(gauss, sigma);
      const x = [0.5, -0.8];
      expect(a.logp(x)).toBeCloseTo(b.logp(x), 9);
      expect(relErr(a.s2(x), b.s2(x))).toBeLessThan(1e-9);
    }
  });

  it('banana and funnel lattices are converged: halving the spacing changes nothing', () => {
    const cases: [string, ReturnType<typeof bananaSpec>][] = [
      ['banana', bananaSpec({ a: 1.5, b: 0.4, c: 1.5, s: 0.5 })],
      ['funnel', funnelSpec(1.5)],
    ];
    for (const [, spec] of cases) {
      for (const sigma of [0.1, 1]) {
        const a = conditionalGaussianNoisy(spec, sigma);
        const b = conditionalGaussianNoisy(spec, sigma, { spacing: a.spacing / 2 });
        for (const x of [
          [0.3, 0.2],
          [-1.5, 2],
        ]) {
          expect(a.logp(x)).toBeCloseTo(b.logp(x), 8);
          expect(relErr(a.s2(x), b.s2(x))).toBeLessThan(1e-7);
        }
      }
    }
  });

  it('the lattice noisy density at small σ approaches the clean density (log q → log p, s1 → score)', () => {
    for (const d of [banana(), funnel()]) {
      const q = d.noisy(0.01);
      const x = [0.5, 0.2];
      expect(q.logp(x)).toBeCloseTo(d.logp(x), 2);
      expect(relErr(q.s1(x), d.score(x))).toBeLessThan(0.02);
    }
  });

  it('two-moons quadrature is converged (160 vs 320 nodes per arc), clean and noisy', () => {
    const a = twoMoons(0.1, 160);
    const b = twoMoons(0.1, 320);
    for (const x of [
      [0, 1],
      [1, 0],
      [0.5, 0.25],
      [2, -0.4],
    ]) {
      expect(a.logp(x)).toBeCloseTo(b.logp(x), 8);
      expect(relErr(a.hessian(x), b.hessian(x))).toBeLessThan(1e-6);
      expect(a.noisy(0.2).logp(x)).toBeCloseTo(b.noisy(0.2).logp(x), 8);
    }
  });

  it('grid posterior samples have the lattice posterior moments (jitter adds h²/12 in the lattice coordinate)', () => {
    for (const name of ['banana', 'funnel']) {
      const d = getDensity(name) as Density;
      const sigma = 0.5;
      const q = d.noisy(sigma) as NoisyDensity & { spacing: number };
      const x = [0.8, 0.6];
      const n = 100_000;
      const xs = q.samplePosterior!(x, n, createRng(5));
      const { mean, cov } = q.posteriorMoments!(x);
      const sm = sampleMean(xs, 2);
      const sc = sampleCovariance(xs, 2);
      const lat = name === 'banana' ? 0 : 1;
      const jitter = q.spacing ** 2 / 12;
      for (let i = 0; i < 2; i++) expect(Math.abs(sm[i] - mean[i])).toBeLessThan(6 * Math.sqrt(cov[i * 3] / n));
      for (let i = 0; i < 2; i++) {
        const expected = cov[i * 3] + (i === lat ? jitter : 0);
        expect(Math.abs(sc[i * 3] - expected)).toBeLessThan(6 * expected * Math.sqrt(2 / n) + 1e-12);
      }
    }
  });

  it('noisy log q is normalised for grid targets too', () => {
    for (const name of ['banana', 'funnel']) {
      const q = getDensity(name).noisy(1);
      const g = makeGrid(
        [
          [-25, 25],
          [-12, 25],
        ],
        101,
      );
      expect(logTrapezoid2(g, evalGrid(g, q.logp))).toBeCloseTo(0, 3);
    }
  });

  it('refuses a bad noise argument with a clear message', () => {
    expect(() => getDensity('banana').noisy(-1)).toThrow(/positive/);
    expect(() => getDensity('banana').noisy(identity(3))).toThrow(/2x2/);
    expect(() => banana().noisy(1e-6)).toThrow(/noise is too small for this target; use σ ≥/);
  });
});

describe('blurred density q_σ = p * N(0, σ² I) (what a model trained at σ describes)', () => {
  it('draws match Cov[p] + σ² I, log q and its derivatives are p.noisy(σ), and blurring composes', () => {
    const p = getDensity('gmm2');
    const sigma = 0.4;
    const q = blurredDensity(p, sigma);
    expect(blurredDensity(p, 0)).toBe(p);
    expect(() => blurredDensity(p, -1)).toThrow(/≥ 0/);
    const n = 40000;
    const x = q.sample(createRng(3), n);
    const cp = sampleCovariance(p.sample(createRng(4), n), 2);
    const cq = sampleCovariance(x, 2);
    // Monte-Carlo tolerance: a few standard errors of a covariance entry at n = 40000.
    for (const i of [0, 3]) expect(cq[i] - cp[i]).toBeCloseTo(sigma * sigma, 1);
    const at = [0.3, -0.7];
    const ref = p.noisy(sigma);
    expect(q.logp(at)).toBe(ref.logp(at));
    expect(Array.from(q.score(at))).toEqual(Array.from(ref.s1(at)));
    expect(Array.from(q.hessian(at))).toEqual(Array.from(ref.s2(at)));
    // The closed-form mixture of q agrees with log q.
    expect(gmmLogpdf(q.gmm!, at)).toBeCloseTo(ref.logp(at), 10);
    // (p * N(0, σ²)) * N(0, τ²) = p * N(0, σ² + τ²).
    expect(q.noisy(0.3).logp(at)).toBeCloseTo(p.noisy(0.5).logp(at), 12);
  });

  it('works for grid targets too: log q of banana is normalised (∫ q = 1 on a padded grid)', () => {
    const q = blurredDensity(getDensity('banana'), 0.3);
    const [[x0, x1], [y0, y1]] = q.bounds!;
    const g = makeGrid(
      [
        [x0 - 3, x1 + 3],
        [y0 - 3, y1 + 3],
      ],
      201,
    );
    expect(logTrapezoid2(g, evalGrid(g, q.logp))).toBeCloseTo(0, 2);
  });
});
