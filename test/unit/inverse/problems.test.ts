/** Problem specs of the digits inverse problems: parsing, refusals that name the fix, masks and observations. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { centredBox, formatProblem, observationVariance, observe, parseProblem, seenMask, VAR_MAX } from '../../../src/models/inverse/problems.ts';

describe('parseProblem', () => {
  it('reads box, kpix and noise and formats them back', () => {
    for (const s of ['box:4,2,20,12', 'kpix:25', 'noise:0.3']) expect(formatProblem(parseProblem(s))).toBe(s);
  });
  it.each([
    ['foo', /unknown problem "foo": use box:X,Y,W,H/],
    ['blur:3', /unknown problem kind "blur"/],
    ['box:1,2,3', /needs 4 non-negative integers/],
    ['box:20,2,20,12', /leaves the 28×28 image/],
    ['box:0,0,28,28', /hides every pixel/],
    ['kpix:0', /k must be an integer in 1\.\.783/],
    ['kpix:784', /k must be an integer in 1\.\.783/],
    ['noise:abc', /noise:S needs a positive number/],
    ['noise:50', /must be in \[0\.01, 10\]/],
  ])('refuses %s', (spec, msg) => {
    expect(() => parseProblem(spec)).toThrow(msg);
  });
});

describe('masks and observations', () => {
  it('a box hides exactly its pixels; kpix sees exactly k seeded pixels', () => {
    const box = seenMask(parseProblem('box:4,2,20,12'));
    expect(box.reduce((s, v) => s + (1 - v), 0)).toBe(240);
    expect(box[2 * 28 + 4]).toBe(0);
    expect(box[1 * 28 + 4]).toBe(1);
    const a = seenMask(parseProblem('kpix:25'), createRng(3));
    const b = seenMask(parseProblem('kpix:25'), createRng(3));
    expect(a.reduce((s, v) => s + v, 0)).toBe(25);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(centredBox(10)).toEqual({ kind: 'box', x: 9, y: 9, w: 10, h: 10 });
  });
  it('hidden pixels get VAR_MAX and noise of std 10; seen ones σ₁²', () => {
    const p = parseProblem('box:0,0,10,10');
    const v = observationVariance(p, seenMask(p), 0.05);
    expect(v[0]).toBe(VAR_MAX);
    expect(v[27]).toBeCloseTo(0.0025, 8);
    const y = observe(new Float32Array(784).fill(0.5), v, createRng(1));
    let hidden = 0;
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) hidden += (y[r * 28 + c] - 0.5) ** 2;
    expect(Math.sqrt(hidden / 100)).toBeGreaterThan(7);
    expect(Math.sqrt(hidden / 100)).toBeLessThan(13);
  });
});
