/**
 * Eigenvector walks of the Digits lab: mean ∓ WALK √λ v, clipped to the pixel range (pure arithmetic).
 */
import { describe, expect, it } from 'vitest';
import { eigenWalks, WALK } from '../../../src/models/digits/analysis.ts';

const D = 784;

describe('eigenvector walks', () => {
  it('go ∓ WALK √λ along each unit eigenvector from the mean, minus end first, clipped to [0, 1]', () => {
    const mean = new Float32Array(D).fill(0.5);
    const v1 = new Float32Array(D);
    v1[10] = 0.6;
    v1[11] = -0.8;
    const v2 = new Float32Array(D);
    v2[3] = 1;
    const w = eigenWalks(mean, [0.01, 4], [v1, v2]);
    expect(w.length).toBe(4 * D);
    const step = WALK * 0.1;
    expect(w[10]).toBeCloseTo(0.5 - step * 0.6, 6);
    expect(w[11]).toBeCloseTo(0.5 + step * 0.8, 6);
    expect(w[D + 10]).toBeCloseTo(0.5 + step * 0.6, 6);
    expect(w[D + 11]).toBeCloseTo(0.5 - step * 0.8, 6);
    expect(w[12]).toBe(0.5);
    // √4 · WALK = 4 ≫ 0.5: both ends clip.
    expect(w[2 * D + 3]).toBe(0);
    expect(w[3 * D + 3]).toBe(1);
    // A negative eigenvalue (a learned s2 can give one) walks nowhere.
    expect(Array.from(eigenWalks(mean, [-1], [v2]).subarray(0, D))).toEqual(Array.from(mean));
  });
});
