/**
 * Seeded hostile query strings for the app (issue 18's URL fuzz), shared by the unit fuzz of the URL parser and the
 * e2e fuzz that loads some of them in the real app. Each URL names a lab and sets a few of its parameters (and the
 * shell's) to a mix of valid, clamped, malformed and overflowing values, sometimes repeated or unknown keys.
 */
import { createRng } from '../../src/core/rng.ts';
import type { Rng } from '../../src/core/types.ts';
import type { ParamSpec } from '../../src/app/state/schema.ts';
import { LABS } from '../../src/app/labs/index.ts';

const JUNK = ['', ' ', 'abc', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e309', '0x10', '5abc', '1,2,3', ',', '%00', '<script>alert(1)</script>', '__proto__', 'constructor', '9'.repeat(400), '-0', '1e-400', 'null', 'undefined', '💥', '1.5.2', '+', '.'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** A value for a parameter: often valid, often out of range, often junk. */
function valueFor(spec: ParamSpec, rng: Rng): string {
  const r = rng.uniform();
  if (r < 0.35) return pick(rng, JUNK);
  switch (spec.kind) {
    case 'number':
    case 'int': {
      const lo = spec.min ?? -10;
      const hi = spec.max ?? 10;
      const span = hi - lo;
      const v = r < 0.65 ? lo + rng.uniform() * span : pick(rng, [lo - span, hi + span, -1e300, 1e300, lo, hi, (lo + hi) / 2 + 0.5]);
      return String(spec.kind === 'int' && r < 0.5 ? Math.round(v) : v);
    }
    case 'enum':
      return r < 0.7 ? pick(rng, spec.values) : pick(rng, [spec.values[0].toUpperCase(), `${spec.values[0]} `, 'nope']);
    case 'boolean':
      return pick(rng, ['1', '0', 'true', 'false', 'yes', 'maybe', '2']);
    case 'point': {
      const c = () => String(r < 0.7 ? (rng.uniform() - 0.5) * 8 : pick(rng, ['1e400', '-1e309', '1e300', '1e6']));
      return r < 0.8 ? `${c()},${c()}` : pick(rng, ['1', '1,', ',1', '1;2', '1,2,3']);
    }
  }
}

/** `n` query strings (without "?"), the same for a seed. */
export function hostileQueries(seed: number, n: number): string[] {
  const rng = createRng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const lab = pick(rng, LABS);
    const entries: [string, string][] = [['tab', rng.uniform() < 0.9 ? lab.id : pick(rng, ['nope', '', lab.id.toUpperCase()])]];
    const keys = Object.keys(lab.params);
    const count = 1 + rng.int(4);
    for (let k = 0; k < count; k++) {
      const key = pick(rng, keys);
      entries.push([key, valueFor(lab.params[key], rng)]);
    }
    if (rng.uniform() < 0.2) entries.push(['seed', pick(rng, ['-5', '1e300', '0x10', '42', '2147483648'])]);
    if (rng.uniform() < 0.1) entries.push([pick(rng, ['foo', 'TAB', '__proto__']), 'x']);
    out.push(new URLSearchParams(entries).toString());
  }
  return out;
}
