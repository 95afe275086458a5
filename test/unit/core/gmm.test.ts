import { describe, expect, it } from 'vitest';
import {
  convolveGmm,
  gmmHessian,
  gmmLogpdf,
  gmmMoments,
  gmmNoisy,
  gmmPosterior,
  gmmResponsibilities,
  gmmScore,
  logSumExp,
  makeGmm,
  noiseCovariance,
  parseCsvPoints,
  parseGmmJson,
  sampleGaussian,
  sampleGmm,
} from '../../../src/core/gmm.ts';
import { identity, inverseSpd, matmul, NotSpdError } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';
import { sampleCovariance, sampleMean } from '../../../src/core/stats.ts';
import type { Gmm, Noise } from '../../../src/core/types.ts';
import { fdGrad, fdJacobian, randomGmm, randomSpd, relErr } from './helpers.ts';

const rng = createRng(2024);
const g2 = randomGmm(rng, 2, 3);
const g5 = randomGmm(rng, 5, 4);
const cases: [string, Gmm][] = [
  ['2-D', g2],
  ['5-D', g5],
];

/** A point near the data: a sample of the noisy mixture. */
function noisyPoint(g: Gmm, noise: Noise): Float64Array {
  return sampleGmm(convolveGmm(g, noise), rng, 1);
}

describe('gmm closed forms (MATH.md section 6)', () => {
  it('logSumExp is stable', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logSumExp([-1e4, 0])).toBeCloseTo(0, 12);
  });

  it('a single Gaussian: log density, s1 = −C⁻¹(x − μ), s2 = −C⁻¹', () => {
    const C = Float64Array.of(2, 0.5, 0.5, 1);
    const g = makeGmm([1], [[1, -1]], [C]);
    const x = [0.2, 0.4];
    const P = inverseSpd(C, 2);
    const d = [x[0] - 1, x[1] + 1];
    const quad = d[0] * (P[0] * d[0] + P[1] * d[1]) + d[1] * (P[2] * d[0] + P[3] * d[1]);
    expect(gmmLogpdf(g, x)).toBeCloseTo(-0.5 * quad - Math.log(2 * Math.PI) - 0.5 * Math.log(2 - 0.25), 12);
    const s = gmmScore(g, x);
    expect(s[0]).toBeCloseTo(-(P[0] * d[0] + P[1] * d[1]), 12);
    expect(relErr(gmmHessian(g, x), P.map((v) => -v))).toBeLessThan(1e-12);
    // The noisy single Gaussian: s2 = −(C + σ²I)⁻¹ everywhere (the optimum any trainer must approach).
    const q = gmmNoisy(g, 0.7);
    const Pn = inverseSpd(C.map((v, i) => v + (i % 3 === 0 ? 0.49 : 0)), 2);
    expect(relErr(q.s2(x), Pn.map((v) => -v))).toBeLessThan(1e-12);
  });

  for (const [label, g] of cases) {
    const d = g.dim;
    it(`${label}: clean score = FD of log p, Hessian = FD of score`, () => {
      for (let t = 0; t < 5; t++) {
        const x = sampleGmm(g, rng, 1);
        expect(relErr(gmmScore(g, x), fdGrad((y) => gmmLogpdf(g, y), x))).toBeLessThan(1e-6);
        expect(relErr(gmmHessian(g, x), fdJacobian((y) => gmmScore(g, y), x))).toBeLessThan(1e-6);
      }
    });

    for (const noise of [0.1, 0.5, 2] as Noise[]) {
      it(`${label}, σ = ${noise}: noisy s1, s2 = FD of noisy log q; Tweedie mean and covariance (MATH.md 1)`, () => {
        const q = gmmNoisy(g, noise);
        const s2n = (noise as number) ** 2;
        for (let t = 0; t < 4; t++) {
          const x = noisyPoint(g, noise);
          const s1 = q.s1(x);
          const s2 = q.s2(x);
          expect(relErr(s1, fdGrad(q.logp, x))).toBeLessThan(1e-6);
          expect(relErr(s2, fdJacobian(q.s1, x))).toBeLessThan(1e-6);
          const { mean, cov } = q.posteriorMoments!(x);
          // E[x | x̃] = x̃ + σ² s1
          expect(relErr(mean, x.map((v, i) => v + s2n * s1[i]))).toBeLessThan(1e-10);
          // Cov[x | x̃] = σ⁴ s2 + σ² I
          expect(relErr(cov, s2.map((v, i) => s2n * s2n * v + (i % (d + 1) === 0 ? s2n : 0)))).toBeLessThan(1e-10);
        }
      });
    }

    it(`${label}, full Σ: mean = y + Σ s1, cov = Σ s2 Σ + Σ; denoiser y − Σ ∇U (MATH.md 5)`, () => {
      const S = randomSpd(rng, d, 0.05).map((v) => 0.3 * v);
      const q = gmmNoisy(g, S);
      for (let t = 0; t < 3; t++) {
        const y = noisyPoint(g, S);
        const s1 = q.s1(y);
        const s2 = q.s2(y);
        expect(relErr(s1, fdGrad(q.logp, y))).toBeLessThan(1e-6);
        expect(relErr(s2, fdJacobian(q.s1, y))).toBeLessThan(1e-6);
        const { mean, cov } = q.posteriorMoments!(y);
        const Ss1 = matmul(S, s1, d, d, 1);
        expect(relErr(mean, y.map((v, i) => v + Ss1[i]))).toBeLessThan(1e-10);
        const SsS = matmul(matmul(S, s2, d, d, d), S, d, d, d);
        expect(relErr(cov, SsS.map((v, i) => v + S[i]))).toBeLessThan(1e-10);
      }
    });
  }

  it('covariance Tweedie identity: ∇_Σ U = E[½Σ⁻¹ − ½Σ⁻¹(y − x)(y − x)ᵀΣ⁻¹ | y], U = −log q(y | Σ) (MATH.md 5)', () => {
    for (const S of [Float64Array.of(0.3, 0, 0, 0.05), Float64Array.of(0.4, 0.1, 0.1, 0.2)]) {
      const y = noisyPoint(g2, S);
      const U = (a: number, b: number, c: number) => -gmmNoisy(g2, Float64Array.of(a, b, b, c)).logp(y);
      const h = 1e-6;
      const [a, b, c] = [S[0], S[1], S[3]];
      const dA = (U(a + h, b, c) - U(a - h, b, c)) / (2 * h);
      const dB = (U(a, b + h, c) - U(a, b - h, c)) / (2 * h);
      const dC = (U(a, b, c + h) - U(a, b, c - h)) / (2 * h);
      // Posterior expectation in closed form: E[(y − x)(y − x)ᵀ | y] = Cov + (y − m)(y − m)ᵀ.
      const { mean, cov } = gmmNoisy(g2, S).posteriorMoments!(y);
      const r = [y[0] - mean[0], y[1] - mean[1]];
      const E = Float64Array.of(cov[0] + r[0] * r[0], cov[1] + r[0] * r[1], cov[2] + r[1] * r[0], cov[3] + r[1] * r[1]);
      const P = inverseSpd(S, 2);
      const PEP = matmul(matmul(P, E, 2, 2, 2), P, 2, 2, 2);
      const grad = P.map((v, i) => 0.5 * v - 0.5 * PEP[i]);
      expect(dA).toBeCloseTo(grad[0], 5);
      expect(dC).toBeCloseTo(grad[3], 5);
      // U takes the entries (a, b, c) of a symmetric Σ: [∇_Σ U]_12 = ½ ∂U/∂b.
      expect(0.5 * dB).toBeCloseTo(grad[1], 5);
    }
  });

  it('E[(z zᵀ − I)/σ² | x̃] = h = s2 + s1 s1ᵀ and E[−z/σ | x̃] = s1, by Monte Carlo over the exact posterior (MATH.md 2)', () => {
    const sigma = 0.6;
    const q = gmmNoisy(g2, sigma);
    const x = noisyPoint(g2, sigma);
    const n = 200_000;
    const xs = q.samplePosterior!(x, n, createRng(8));
    // z = (x̃ − x)/σ for x ~ p(x | x̃).
    const m1 = [0, 0];
    const m2 = [0, 0, 0, 0];
    for (let s = 0; s < n; s++) {
      const z0 = (x[0] - xs[2 * s]) / sigma;
      const z1 = (x[1] - xs[2 * s + 1]) / sigma;
      m1[0] += z0 / n;
      m1[1] += z1 / n;
      m2[0] += (z0 * z0 - 1) / n;
      m2[1] += (z0 * z1) / n;
      m2[2] += (z1 * z0) / n;
      m2[3] += (z1 * z1 - 1) / n;
    }
    const s1 = q.s1(x);
    const s2 = q.s2(x);
    // Compare in the σ-scaled forms (σ s1 vs E[−z], σ² h vs E[zzᵀ − I]) whose MC errors are O(1/√n).
    const tol = 6 * Math.sqrt(3 / n);
    for (let i = 0; i < 2; i++) expect(Math.abs(sigma * s1[i] + m1[i])).toBeLessThan(tol);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const h = s2[i * 2 + j] + s1[i] * s1[j];
        expect(Math.abs(sigma * sigma * h - m2[i * 2 + j])).toBeLessThan(tol * 2);
      }
    }
  });

  it('posterior moments (closed form, MATH.md 4) = Monte Carlo moments of exact posterior samples, 2-D and 5-D', () => {
    for (const g of [g2, g5]) {
      const d = g.dim;
      const sigma = 0.8;
      const q = gmmNoisy(g, sigma);
      const x = noisyPoint(g, sigma);
      const n = 100_000;
      const xs = q.samplePosterior!(x, n, createRng(9));
      const { mean, cov } = q.posteriorMoments!(x);
      const sm = sampleMean(xs, d);
      const sc = sampleCovariance(xs, d);
      for (let i = 0; i < d; i++) expect(Math.abs(sm[i] - mean[i])).toBeLessThan(6 * Math.sqrt(cov[i * d + i] / n));
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          const sd = Math.sqrt((cov[i * d + i] * cov[j * d + j] + cov[i * d + j] ** 2) / n);
          expect(Math.abs(sc[i * d + j] - cov[i * d + j])).toBeLessThan(8 * sd);
        }
      }
      // The posterior is the mixture of MATH.md 4: weights are the responsibilities under C_k + σ²I.
      const post = gmmPosterior(g, sigma, x);
      const r = gmmResponsibilities(g, x, sigma);
      expect(post.components.map((c) => c.weight)).toEqual(Array.from(r).filter((v) => v > 0));
    }
  });

  it('samples of a mixture have the mixture moments; singular PSD covariances sample too', () => {
    const xs = sampleGmm(g2, createRng(10), 200_000);
    const { mean, cov } = gmmMoments(g2);
    expect(relErr(sampleMean(xs, 2), mean)).toBeLessThan(0.02);
    expect(relErr(sampleCovariance(xs, 2), cov)).toBeLessThan(0.03);
    const line = sampleGaussian([0, 0], [1, 1, 1, 1], createRng(11), 100);
    for (let s = 0; s < 100; s++) expect(line[2 * s]).toBeCloseTo(line[2 * s + 1], 10);
    expect(() => sampleGaussian([0, 0], [1, 0, 0, -1], createRng(1), 1)).toThrow(NotSpdError);
  });

  it('noise covariance: σ gives σ²I; bad σ or Σ is refused', () => {
    expect(Array.from(noiseCovariance(0.5, 2))).toEqual([0.25, 0, 0, 0.25]);
    expect(() => noiseCovariance(0, 2)).toThrow(/positive/);
    expect(() => noiseCovariance(NaN, 2)).toThrow(/positive/);
    expect(() => noiseCovariance(Float64Array.of(1, 2, 2, 1), 2)).toThrow(NotSpdError);
    expect(() => noiseCovariance(Float64Array.of(1, 0.5, 0, 1), 2)).toThrow(/symmetric/);
    expect(() => noiseCovariance(identity(3), 2)).toThrow(/2x2/);
  });
});

describe('GMM JSON', () => {
  const good = '{"type":"gmm","weights":[1,3],"means":[[0,0],[1,2]],"covs":[[[1,0],[0,1]],[[2,0.5],[0.5,1]]]}';

  it('parses, normalises weights, and round-trips', () => {
    const g = parseGmmJson(good);
    expect(g.dim).toBe(2);
    expect(g.components.map((c) => c.weight)).toEqual([0.25, 0.75]);
    expect(Array.from(g.components[1].cov)).toEqual([2, 0.5, 0.5, 1]);
    // Any dimension.
    const g3 = parseGmmJson('{"type":"gmm","weights":[1],"means":[[0,0,0]],"covs":[[[1,0,0],[0,1,0],[0,0,1]]]}');
    expect(g3.dim).toBe(3);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"type": gmm', /not valid JSON/],
    ['wrong type', '{"type":"flow","weights":[1],"means":[[0]],"covs":[[[1]]]}', /"type" must be "gmm"/],
    ['no weights', '{"type":"gmm","means":[[0]],"covs":[[[1]]]}', /"weights" must be a non-empty array/],
    ['count mismatch', '{"type":"gmm","weights":[1,1],"means":[[0]],"covs":[[[1]]]}', /2 weights but 1 means/],
    ['ragged means', '{"type":"gmm","weights":[1,1],"means":[[0,0],[1]],"covs":[[[1,0],[0,1]],[[1,0],[0,1]]]}', /mean 1 has 1 coordinates/],
    ['cov shape', '{"type":"gmm","weights":[1],"means":[[0,0]],"covs":[[[1,0,0],[0,1,0],[0,0,1]]]}', /covariance 0 must be 2 × 2/],
    ['negative weight', '{"type":"gmm","weights":[1,-1],"means":[[0],[1]],"covs":[[[1]],[[1]]]}', /weight 1 is -1; weights must be positive/],
    ['zero weight', '{"type":"gmm","weights":[0],"means":[[0]],"covs":[[[1]]]}', /weights must be positive/],
    ['non-SPD', '{"type":"gmm","weights":[1],"means":[[0,0]],"covs":[[[1,2],[2,1]]]}', /component 0: covariance is not positive definite/],
    ['asymmetric', '{"type":"gmm","weights":[1],"means":[[0,0]],"covs":[[[1,0.5],[0,1]]]}', /not symmetric/],
    ['NaN via null', '{"type":"gmm","weights":[1],"means":[[null,0]],"covs":[[[1,0],[0,1]]]}', /"means" must be an array of number arrays/],
    ['string number', '{"type":"gmm","weights":["1"],"means":[[0]],"covs":[[[1]]]}', /"weights" must be a non-empty array of numbers/],
  ];
  for (const [label, text, msg] of bad) {
    it(`rejects ${label} with a clear message`, () => {
      expect(() => parseGmmJson(text)).toThrow(msg);
    });
  }
  it('rejects NaN and infinite numbers passed programmatically', () => {
    expect(() => makeGmm([1], [[NaN, 0]], [[1, 0, 0, 1]])).toThrow(/mean contains NaN/);
    expect(() => makeGmm([Infinity], [[0, 0]], [[1, 0, 0, 1]])).toThrow(/weight must be positive/);
  });
});

describe('CSV points', () => {
  it('reads commas, semicolons, tabs, spaces, a header, comments and blank lines', () => {
    const r = parseCsvPoints('x,y\n# drawn points\n1,2\n\n3;4\n5\t6\n-7.5e-1  8\n');
    expect(r.n).toBe(4);
    expect(r.dim).toBe(2);
    expect(Array.from(r.points)).toEqual([1, 2, 3, 4, 5, 6, -0.75, 8]);
  });
  it('reports the line of a bad value, ragged rows, empty input, wrong dimension', () => {
    expect(() => parseCsvPoints('1,2\n3,abc\n')).toThrow(/line 2: "abc" is not a number/);
    expect(() => parseCsvPoints('1,2\n3,4,5\n')).toThrow(/line 2: 3 columns, but earlier lines have 2/);
    expect(() => parseCsvPoints('\n# nothing\n')).toThrow(/no points/);
    expect(() => parseCsvPoints('1,2,3\n', 2)).toThrow(/3 columns, expected 2/);
    expect(() => parseCsvPoints('1,NaN\n')).toThrow(/not a number/);
  });
});
