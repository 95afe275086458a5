/**
 * The covariance spectra of the Table 1 study's Gaussians (issue 17 item 2; `gaussSpectrumCov`): each covariance has
 * the stated eigenvalues (so the stated condition number), the spectra share one rotation, `geometric` is
 * `gauss100Cov`, and the noisy s2 of such a Gaussian is the closed form −(C + σ² I)⁻¹ (MATH.md section 6).
 */
import { describe, expect, it } from 'vitest';
import { densityFromGmm, gauss100Cov, gaussSpectrumCov, GAUSS_SPECTRA, spectrumEigenvalues } from '../../../src/core/densities/index.ts';
import { identity, inverseSpd, matmul, maxAbsDiff, symEig } from '../../../src/core/linalg.ts';
import { createRng } from '../../../src/core/rng.ts';

const CONDITION = { geometric: 100, iso: 1, wide: 1e4, spiked: 100 } as const;

describe('Gaussian spectra of the Table 1 study', () => {
  it('each covariance has the stated eigenvalues and condition number (D = 10, 30, 100)', () => {
    for (const d of [10, 30, 100]) {
      for (const spectrum of GAUSS_SPECTRA) {
        const lambda = spectrumEigenvalues(d, spectrum);
        expect(lambda).toHaveLength(d);
        expect(lambda[d - 1] / lambda[0], `${spectrum} ${d}`).toBeCloseTo(CONDITION[spectrum], 8);
        const { values } = symEig(gaussSpectrumCov(d, spectrum), d);
        const sorted = Array.from(values).sort((a, b) => a - b);
        for (let i = 0; i < d; i++) expect(Math.abs(sorted[i] - lambda[i]) / lambda[i], `${spectrum} ${d} λ${i}`).toBeLessThan(1e-9);
      }
    }
  });

  it('the stated spectra: geometric 0.1 … 10, wide 0.01 … 100 (log-spaced), iso all 1 (C = I exactly), spiked round(D/10) at 10 and the rest at 0.1', () => {
    const g = spectrumEigenvalues(30, 'geometric');
    const w = spectrumEigenvalues(30, 'wide');
    expect(g[0]).toBeCloseTo(0.1, 12);
    expect(g[29]).toBeCloseTo(10, 12);
    expect(w[0]).toBeCloseTo(0.01, 12);
    expect(w[29]).toBeCloseTo(100, 12);
    for (let i = 1; i < 29; i++) {
      expect(g[i + 1] / g[i]).toBeCloseTo(g[1] / g[0], 12);
      expect(w[i + 1] / w[i]).toBeCloseTo(w[1] / w[0], 12);
    }
    expect(Array.from(gaussSpectrumCov(10, 'iso'))).toEqual(Array.from(identity(10)));
    for (const [d, k] of [
      [10, 1],
      [30, 3],
      [100, 10],
      [4, 1],
    ]) {
      const s = spectrumEigenvalues(d, 'spiked');
      expect(s.filter((v) => v === 10)).toHaveLength(k);
      expect(s.filter((v) => v === 0.1)).toHaveLength(d - k);
    }
  });

  it('geometric is gauss100Cov, and the non-isotropic spectra share its eigenvectors (their covariances commute)', () => {
    for (const d of [10, 30]) expect(Array.from(gaussSpectrumCov(d, 'geometric'))).toEqual(Array.from(gauss100Cov(d)));
    const d = 30;
    const [A, B, C] = (['geometric', 'wide', 'spiked'] as const).map((s) => gaussSpectrumCov(d, s));
    for (const [X, Y] of [
      [A, B],
      [A, C],
    ]) {
      expect(maxAbsDiff(matmul(X, Y, d, d, d), matmul(Y, X, d, d, d))).toBeLessThan(1e-9);
    }
  });

  it('the noisy s2 of a wide-spectrum Gaussian is −(C + σ² I)⁻¹ at any point', () => {
    const d = 30;
    const sigma = 0.05;
    const C = gaussSpectrumCov(d, 'wide');
    const dens = densityFromGmm('gauss30-wide', { dim: d, components: [{ weight: 1, mean: new Float64Array(d), cov: C }] });
    const x = dens.sample(createRng(3), 1);
    const P = inverseSpd(
      C.map((v, k) => v + (k % (d + 1) === 0 ? sigma * sigma : 0)),
      d,
    );
    const s2 = dens.noisy(sigma).s2(x);
    expect(maxAbsDiff(s2, P.map((v) => -v)) / Math.max(...P.map(Math.abs))).toBeLessThan(1e-9);
  });
});
