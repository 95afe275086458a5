/**
 * Flag parsing for the `tweedie` CLI: each command declares its flags; anything unknown or malformed is
 * refused with a one-line reason (the CLI exits non-zero with it). Numbers are read strictly (`parseDecimal`:
 * no hex, no trailing garbage, no Infinity), in single flags and in lists alike; seeds share one spec.
 */
import { MAX_SEED, parseDecimal } from '../core/strictNumber.ts';

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  /** One line for `--help`. */
  help: string;
  default?: string | number | boolean;
  /** For numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** For strings: the allowed values. */
  choices?: readonly string[];
  /** May be given several times (values collected in order). */
  repeat?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValue = string | number | boolean | string[] | number[];
export type ParsedFlags = Record<string, FlagValue | undefined>;

/** A bad command line: the message is the one-line reason shown to the user. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function convert(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(`--${name} takes no value (or true/false), got "${raw}"`);
    case 'number':
    case 'int':
      return strictNumber(`--${name}`, raw, spec);
    default:
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got "${raw}"`);
      }
      return raw;
  }
}

/**
 * `raw` as a number (or, with `type: 'int'`, an exact integer) within the spec's bounds, read strictly: a plain
 * decimal such as 12, -0.5 or 1e-3. `what` names the value in the message (e.g. "--steps", `--at "0x10,1"`).
 */
export function strictNumber(what: string, raw: string, spec: Pick<FlagSpec, 'type' | 'min' | 'max'>): number {
  const int = spec.type === 'int';
  const v = parseDecimal(raw);
  if (v === undefined) {
    throw new UsageError(`${what} needs ${int ? 'an integer' : 'a number'}, got "${raw}" (a plain decimal such as ${int ? '12' : '0.5 or 1e-3'}; no hex, letters or Infinity)`);
  }
  if (int && !Number.isInteger(v)) throw new UsageError(`${what} needs an integer, got "${raw}"`);
  if (spec.min !== undefined && v < spec.min) throw new UsageError(`${what} must be >= ${spec.min}, got ${raw}`);
  if (spec.max !== undefined && v > spec.max) throw new UsageError(`${what} must be <= ${spec.max}, got ${raw}`);
  if (int && !Number.isSafeInteger(v)) throw new UsageError(`${what} needs an integer of at most 15 digits, got ${raw}`);
  return v;
}

/**
 * A comma-separated list of strict numbers (`--at 0.5,-1`, `--H 1,0,0,1`), `count` of them when given, each within
 * `bounds`. `what` names the flag in the message.
 */
export function numberList(what: string, raw: string, count?: number, bounds: Pick<FlagSpec, 'min' | 'max'> = {}): number[] {
  const parts = raw.split(',');
  if (count !== undefined && parts.length !== count) throw new UsageError(`${what} needs ${count} comma-separated numbers, got ${parts.length} in "${raw}"`);
  return parts.map((p) => strictNumber(`${what} "${raw}"`, p, { type: 'number', ...bounds }));
}

/** The one spec of every `--seed` flag: an integer in [0, MAX_SEED] (31 bits, what the app's URL takes too). */
export function seedFlag(help: string, defaultSeed: number): FlagSpec {
  return { type: 'int', help, default: defaultSeed, min: 0, max: MAX_SEED };
}

/**
 * Noise levels (σ, standard deviations) every command accepts: far outside, σ² underflows or overflows and the
 * numbers lose their meaning (a KL of null at σ = 1e-300, "Cholesky failed" at σ = 1e300).
 */
export const SIGMA_RANGE = { min: 1e-3, max: 1e3 } as const;

/** A σ flag: a number in SIGMA_RANGE. */
export function sigmaFlag(help: string, defaultSigma?: number): FlagSpec {
  return { type: 'number', help, ...(defaultSigma !== undefined ? { default: defaultSigma } : {}), ...SIGMA_RANGE };
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags against `specs`. Returns the flags
 * (defaults filled in) and the positional arguments.
 */
export function parseFlags(argv: readonly string[], specs: FlagSpecs): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown flag --${name}${known ? ` (known: ${known})` : ''}`);
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.type === 'boolean') raw = 'true';
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      raw = argv[++i];
    }
    if (spec.type === 'list') {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length === 0) throw new UsageError(`--${name} needs a comma-separated list, got "${raw}"`);
      flags[name] = items;
      continue;
    }
    const value = convert(name, spec, raw);
    if (spec.repeat) {
      const prev = (flags[name] as (string | number)[] | undefined) ?? [];
      flags[name] = [...prev, value as string | number] as string[] | number[];
    } else {
      if (flags[name] !== undefined) throw new UsageError(`--${name} given twice`);
      flags[name] = value;
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (flags[name] === undefined && spec.default !== undefined) flags[name] = spec.default;
  }
  return { flags, positional };
}
