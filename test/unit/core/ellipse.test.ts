import { describe, expect, it } from 'vitest';
import { ellipseAxes, ellipsePolyline } from '../../../src/core/ellipse.ts';
import { congruence, diag, inverse, rotation2 } from '../../../src/core/linalg.ts';

describe('ellipse (MATH.md section 4)', () => {
  const C = Float64Array.of(2, 0.6, 0.6, 0.5);
  const mean = [0.3, -0.2];

  it('axis-aligned case: radii √λ, angle 0 or π/2', () => {
    const a = ellipseAxes(diag([4, 1]));
    expect(a.radii).toEqual([2, 1]);
    expect(a.angle).toBeCloseTo(0, 14);
    const b = ellipseAxes(diag([1, 9]));
    expect(b.radii).toEqual([3, 1]);
    expect(Math.abs(b.angle)).toBeCloseTo(Math.PI / 2, 14);
  });

  it('every polyline point satisfies (x − m)ᵀ C⁻¹ (x − m) = k²', () => {
    const P = inverse(C, 2);
    for (const k of [1, 2]) {
      const e = ellipsePolyline(mean, C, k, 48);
      expect(e.valid).toBe(true);
      if (!e.valid) return;
      expect(e.x.length).toBe(49);
      expect(e.x[48]).toBeCloseTo(e.x[0], 14);
      for (let i = 0; i < e.x.length; i++) {
        const dx = e.x[i] - mean[0];
        const dy = e.y[i] - mean[1];
        expect(dx * (P[0] * dx + P[1] * dy) + dy * (P[2] * dx + P[3] * dy)).toBeCloseTo(k * k, 10);
      }
    }
  });

  it('is equivariant under rotation: axes of R C Rᵀ are those of C, angle shifted by θ', () => {
    const a = ellipseAxes(C);
    for (const theta of [0.3, -1.1, 2.5]) {
      const b = ellipseAxes(congruence(rotation2(theta), C, 2));
      expect(b.radii[0]).toBeCloseTo(a.radii[0], 12);
      expect(b.radii[1]).toBeCloseTo(a.radii[1], 12);
      // Angles are defined modulo π.
      const d = (b.angle - a.angle - theta) / Math.PI;
      expect(Math.abs(d - Math.round(d))).toBeLessThan(1e-12);
      // The rotated polyline is the rotated polyline: point i maps to point i (same parametrisation up to the
      // sign of the axes, so compare as sets of points on the curve via their distance to the rotated points).
      const e = ellipsePolyline([0, 0], C, 1, 16);
      const f = ellipsePolyline([0, 0], congruence(rotation2(theta), C, 2), 1, 16);
      if (!e.valid || !f.valid) throw new Error('expected valid ellipses');
      const R = rotation2(theta);
      for (let i = 0; i < 16; i++) {
        const rx = R[0] * e.x[i] + R[1] * e.y[i];
        const ry = R[2] * e.x[i] + R[3] * e.y[i];
        const nearest = Math.min(...Array.from(f.x, (fx, j) => Math.hypot(fx - rx, f.y[j] - ry)));
        expect(nearest).toBeLessThan(1e-9);
      }
    }
  });

  it('is equivariant under scaling: s² C has radii s·r and the same angle', () => {
    const a = ellipseAxes(C);
    for (const s of [0.1, 3]) {
      const b = ellipseAxes(C.map((v) => v * s * s));
      expect(b.radii[0]).toBeCloseTo(s * a.radii[0], 12);
      expect(b.radii[1]).toBeCloseTo(s * a.radii[1], 12);
      expect(b.angle).toBeCloseTo(a.angle, 12);
    }
    // π r1 r2 = π √det C.
    expect(Math.PI * a.radii[0] * a.radii[1]).toBeCloseTo(Math.PI * Math.sqrt(2 * 0.5 - 0.36), 12);
  });

  it('degenerate (singular PSD) covariance gives a segment, flagged degenerate', () => {
    const S = Float64Array.of(1, 1, 1, 1); // rank one along (1, 1)
    const e = ellipsePolyline([0, 0], S, 2, 8);
    expect(e.valid).toBe(true);
    if (!e.valid) return;
    expect(e.axes.degenerate).toBe(true);
    expect(e.axes.radii[1]).toBe(0);
    expect(e.axes.angle).toBeCloseTo(Math.PI / 4, 12);
    for (let i = 0; i < e.x.length; i++) expect(e.x[i]).toBeCloseTo(e.y[i], 12);
    expect(Math.max(...e.x)).toBeCloseTo(2 * Math.sqrt(2) / Math.SQRT2, 12);
  });

  it('a non-PSD covariance is reported with its smallest eigenvalue, never clipped', () => {
    const N = Float64Array.of(1, 0, 0, -0.25);
    const e = ellipsePolyline([0, 0], N);
    expect(e.valid).toBe(false);
    if (e.valid) return;
    expect(e.minEigenvalue).toBeCloseTo(-0.25, 14);
    expect(e.reason).toMatch(/not positive semi-definite/);
    expect(ellipseAxes(N).psd).toBe(false);
  });
});
