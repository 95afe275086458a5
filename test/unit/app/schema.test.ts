import { describe, expect, it } from 'vitest';
import {
  defaultValues,
  formatValue,
  normalizeValue,
  p,
  parseParams,
  parseValue,
  serializeParams,
  unknownKeys,
  type ParamSchema,
  type ParamValues,
  type Point,
} from '../../../src/app/state/schema.ts';

const schema = {
  density: p.enum(['gmm2', 'ring8', 'banana'] as const, 'gmm2'),
  sigma: p.number({ default: 0.3, min: 0.01, max: 5 }),
  steps: p.int({ default: 100, min: 1, max: 1000 }),
  vr: p.bool(false),
  at: p.point({ default: null, min: -10, max: 10 }),
  origin: p.point({ default: [0, 0] }),
} satisfies ParamSchema;

const parse = (q: string) => parseParams(schema, new URLSearchParams(q));

describe('parseParams', () => {
  it('gives the defaults for an empty query, with no notice', () => {
    const r = parse('');
    expect(r.values).toEqual(defaultValues(schema));
    expect(r.values).toEqual({ density: 'gmm2', sigma: 0.3, steps: 100, vr: false, at: null, origin: [0, 0] });
    expect(r.notices).toEqual([]);
  });

  it('reads valid values of every kind', () => {
    const r = parse('density=ring8&sigma=0.05&steps=250&vr=1&at=1.5,-2&origin=3,4');
    expect(r.values).toEqual({ density: 'ring8', sigma: 0.05, steps: 250, vr: true, at: [1.5, -2], origin: [3, 4] });
    expect(r.notices).toEqual([]);
  });

  it('accepts true/false spellings and exponent notation', () => {
    expect(parse('vr=true').values.vr).toBe(true);
    expect(parse('vr=off').values.vr).toBe(false);
    expect(parse('sigma=1e-1').values.sigma).toBe(0.1);
  });

  it('clamps out-of-range numbers and says why', () => {
    const r = parse('sigma=-5&steps=5000');
    expect(r.values.sigma).toBe(0.01);
    expect(r.values.steps).toBe(1000);
    expect(r.notices.map((n) => n.key)).toEqual(['sigma', 'steps']);
    expect(r.notices[0].message).toMatch(/sigma=-5 .*minimum 0\.01/);
    expect(r.notices[1].message).toMatch(/maximum 1000/);
  });

  it('drops non-numbers to the default with a notice', () => {
    for (const bad of ['abc', '', 'NaN', 'Infinity', '1/2', '0x10', '3px']) {
      const r = parse(`sigma=${encodeURIComponent(bad)}`);
      expect(r.values.sigma, bad).toBe(0.3);
      expect(r.notices, bad).toHaveLength(1);
      expect(r.notices[0].message).toMatch(/not a number/);
    }
  });

  it('rounds non-integers for int params, with a notice', () => {
    const r = parse('steps=12.6');
    expect(r.values.steps).toBe(13);
    expect(r.notices[0].message).toMatch(/whole number/);
  });

  it('drops unknown enum values and bad booleans to their defaults', () => {
    const r = parse('density=nope&vr=maybe');
    expect(r.values.density).toBe('gmm2');
    expect(r.values.vr).toBe(false);
    expect(r.notices.map((n) => n.key)).toEqual(['density', 'vr']);
    expect(r.notices[0].message).toMatch(/gmm2, ring8, banana/);
  });

  it('clamps each coordinate of a point and drops malformed points', () => {
    expect(parse('at=20,-30').values.at).toEqual([10, -10]);
    expect(parse('at=1').values.at).toBeNull();
    expect(parse('at=1,2,3').values.at).toBeNull();
    expect(parse('at=a,b').notices).toHaveLength(1);
    expect(parse('origin=x').values.origin).toEqual([0, 0]);
  });

  it('drops a point whose coordinate overflows, with a notice, also when the fallback is none (was a blank page)', () => {
    for (const q of ['at=1e400,0', 'at=0,-1e309']) {
      const r = parse(q);
      expect(r.values.at).toBeNull();
      expect(r.notices).toHaveLength(1);
      expect(r.notices[0].message).toMatch(/using none/);
    }
    expect(parse('origin=1e400,0').values.origin).toEqual([0, 0]);
  });

  it('uses the last of repeated keys', () => {
    expect(parse('sigma=1&sigma=2').values.sigma).toBe(2);
  });
});

describe('serializeParams', () => {
  it('leaves out defaults', () => {
    expect(serializeParams(schema, defaultValues(schema))).toEqual([]);
  });

  it('round-trips every kind of value exactly', () => {
    const values = { density: 'banana', sigma: 0.1 + 0.2, steps: 7, vr: true, at: [1 / 3, -2.5e-7], origin: [1, 2] } as const;
    const q = new URLSearchParams(serializeParams(schema, values)).toString();
    const back = parse(q);
    expect(back.values).toEqual(values);
    expect(back.notices).toEqual([]);
  });

  it('writes booleans as 1/0 and points as "x,y"', () => {
    expect(formatValue(schema.vr, true)).toBe('1');
    expect(formatValue(schema.at, [1, -2])).toBe('1,-2');
  });
});

describe('normalizeValue', () => {
  it('keeps valid values and clamps or resets invalid ones', () => {
    expect(normalizeValue(schema.sigma, 1)).toBe(1);
    expect(normalizeValue(schema.sigma, 99)).toBe(5);
    expect(normalizeValue(schema.sigma, Number.NaN)).toBe(0.3);
    expect(normalizeValue(schema.steps, 2.4)).toBe(2);
    expect(normalizeValue(schema.density, 'ring8')).toBe('ring8');
    expect(normalizeValue(schema.density, 'x')).toBe('gmm2');
    expect(normalizeValue(schema.at, null)).toBeNull();
    expect(normalizeValue(schema.origin, null)).toEqual([0, 0]);
    expect(normalizeValue(schema.at, [11, 0])).toEqual([10, 0]);
  });
});

describe('parseValue', () => {
  it('never throws, whatever the input', () => {
    const inputs = ['', ' ', ',', '1,', ',1', '--1', '1e999', '-1e999', '\u0000', '%', 'true', '[1,2]', '{}'];
    for (const spec of Object.values(schema)) for (const s of inputs) expect(() => parseValue(spec, s)).not.toThrow();
    expect(parseValue(schema.sigma, '1e999').value).toBe(0.3); // overflows to Infinity: not a finite number
  });
});

describe('unknownKeys', () => {
  it('lists each undeclared key once', () => {
    const n = unknownKeys([schema, { tab: p.enum(['a'], 'a') }], new URLSearchParams('tab=a&foo=1&foo=2&sigma=1&bar='));
    expect(n.map((x) => x.key)).toEqual(['foo', 'bar']);
    expect(n[0].message).toMatch(/ignored/);
  });
});

describe('ParamValues types', () => {
  it('gives a nullable point only when the default is null', () => {
    const s = { a: p.point({ default: null }), b: p.point({ default: [1, 2] }), e: p.enum(['x', 'y'] as const, 'x') } satisfies ParamSchema;
    const v: ParamValues<typeof s> = defaultValues(s);
    const a: Point | null = v.a;
    // @ts-expect-error b is never null
    const b: null = v.b;
    const e: 'x' | 'y' = v.e;
    expect([a, b, e]).toEqual([null, [1, 2], 'x']);
  });
});
