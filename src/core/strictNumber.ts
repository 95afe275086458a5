/**
 * Strict number syntax for every text boundary (URL, CLI flags, CSV): a plain decimal with an optional exponent.
 * No hex (`0x10`), no trailing garbage (`5abc`), no `Infinity`, no empty string: `Number()` accepts several of
 * these, which let `--at 0x10,1` read 16.
 */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a decimal literal, or undefined when `raw` is not one or overflows to ±Infinity. */
export function parseDecimal(raw: string): number | undefined {
  const s = raw.trim();
  if (!DECIMAL.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** Whether `raw` looks like the start of a number (CSV header detection). */
export function startsLikeNumber(raw: string): boolean {
  return /^[+-]?(\d|\.\d)/.test(raw.trim());
}

/** Largest seed: seeds are 31-bit integers (what `Rng.seed()` and tf.random* take), in the URL and the CLI alike. */
export const MAX_SEED = 2 ** 31 - 1;
