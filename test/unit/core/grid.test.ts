import { describe, expect, it } from 'vitest';
import { evalGrid, gridPoints, linspace, logTrapezoid2, makeGrid, meshgrid, toRows, trapezoid2 } from '../../../src/core/grid.ts';

describe('grid', () => {
  it('linspace includes both ends', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspace(2, 2, 1))).toEqual([2]);
    expect(() => linspace(0, 1, 0)).toThrow();
  });

  it('meshgrid, gridPoints, evalGrid and toRows share one layout (row j = y, x fastest)', () => {
    const g = makeGrid([[0, 2], [10, 11]], 3, 2);
    const { X, Y } = meshgrid(g.xs, g.ys);
    expect(Array.from(X)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(Y)).toEqual([10, 10, 10, 11, 11, 11]);
    const pts = gridPoints(g);
    const z = evalGrid(g, (p) => p[0] + 100 * p[1]);
    for (let k = 0; k < 6; k++) {
      expect(pts[2 * k]).toBe(X[k]);
      expect(pts[2 * k + 1]).toBe(Y[k]);
      expect(z[k]).toBe(X[k] + 100 * Y[k]);
    }
    expect(toRows(z, 3, 2)[1][2]).toBe(2 + 1100);
  });

  it('trapezoid integrates a Gaussian to 1 and logTrapezoid2 agrees', () => {
    const g = makeGrid([[-8, 8], [-8, 8]], 161);
    const logp = evalGrid(g, (p) => -0.5 * (p[0] * p[0] + p[1] * p[1]) - Math.log(2 * Math.PI));
    expect(trapezoid2(g, logp.map(Math.exp))).toBeCloseTo(1, 10);
    expect(logTrapezoid2(g, logp.map((v) => v + 1000))).toBeCloseTo(1000, 10);
  });
});
