/**
 * Declarative URL-parameter schema: each control that changes what is shown declares one parameter here,
 * with its type, default and valid range. `parseParams` turns URL strings into typed values, clamping or
 * dropping what is invalid and saying why (DESIGN.md rule 7); `serializeParams` writes back only the values
 * that differ from their defaults, so links stay short. Pure functions: no DOM, no React.
 *
 * Example (a lab's `params.ts`):
 *
 *     export const scoresParams = {
 *       density: p.enum(['gmm2', 'ring8'] as const, 'gmm2', 'target density'),
 *       sigma: p.number({ default: 0.3, min: 0.01, max: 5, label: 'noise level σ' }),
 *       steps: p.int({ default: 1000, min: 1, max: 100_000 }),
 *       vr: p.bool(false),
 *       at: p.point({ default: null, min: -10, max: 10 }),
 *     } satisfies ParamSchema;
 *     type ScoresParams = ParamValues<typeof scoresParams>;
 */
import { parseDecimal } from '../../core/strictNumber.ts';


export interface NumberParam {
  kind: 'number';
  default: number;
  min?: number;
  max?: number;
  /** Human name used in notices; the key is used when absent. */
  label?: string;
}

export interface IntParam {
  kind: 'int';
  default: number;
  min?: number;
  max?: number;
  label?: string;
}

export interface EnumParam<V extends string = string> {
  kind: 'enum';
  values: readonly V[];
  default: V;
  label?: string;
}

export interface BoolParam {
  kind: 'boolean';
  default: boolean;
  label?: string;
}

/** A 2-D point "x,y"; `null` (absent from the URL) when the default is null. Each coordinate is clamped. */
export interface PointParam {
  kind: 'point';
  default: readonly [number, number] | null;
  min?: number;
  max?: number;
  label?: string;
}

export type ParamSpec = NumberParam | IntParam | EnumParam | BoolParam | PointParam;
export type ParamSchema = Record<string, ParamSpec>;

export type Point = readonly [number, number];

/** The value type a spec describes. */
export type ParamValue<S extends ParamSpec> = S extends EnumParam<infer V>
  ? V
  : S extends BoolParam
    ? boolean
    : S extends PointParam
      ? null extends S['default']
        ? Point | null
        : Point
      : number;

export type ParamValues<S extends ParamSchema> = { [K in keyof S]: ParamValue<S[K]> };

/** What `parseParams` changed, and why: shown to the user in the notice banner. */
export interface ParamNotice {
  key: string;
  /** The value found in the URL. */
  raw: string;
  /** One sentence: what was done and why, e.g. `sigma=-5 is below the minimum 0.01: using 0.01`. */
  message: string;
}

/** Constructors that keep literal types (`p.enum(['a', 'b'] as const, 'a')`). */
export const p = {
  number(o: Omit<NumberParam, 'kind'>): NumberParam {
    return { kind: 'number', ...o };
  },
  int(o: Omit<IntParam, 'kind'>): IntParam {
    return { kind: 'int', ...o };
  },
  enum<const V extends string>(values: readonly V[], def: NoInfer<V>, label?: string): EnumParam<V> {
    return { kind: 'enum', values, default: def, ...(label ? { label } : {}) };
  },
  bool(def: boolean, label?: string): BoolParam {
    return { kind: 'boolean', default: def, ...(label ? { label } : {}) };
  },
  /** A point param; with `default: null` its value is `Point | null` (absent from the URL until set). */
  point<const D extends Point | null>(o: { default: D; min?: number; max?: number; label?: string }): PointParam & { default: D } {
    return { kind: 'point', ...o };
  },
};

/** The defaults of a schema. */
export function defaultValues<S extends ParamSchema>(schema: S): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) out[k] = spec.default;
  return out as ParamValues<S>;
}

function clampNum(v: number, min?: number, max?: number): number {
  if (min !== undefined && v < min) return min;
  if (max !== undefined && v > max) return max;
  return v;
}


function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'a finite number';
}

/** Result of parsing one value: the value to use, and a message when it is not what the URL said. */
interface One<T> {
  value: T;
  message?: string;
}

/**
 * Brings a value into its spec's range (used for URL input and for values set by controls). Returns the
 * value unchanged when valid; otherwise the clamped value (numbers, ints, points) or the default.
 */
export function normalizeValue<S extends ParamSpec>(spec: S, value: unknown): ParamValue<S> {
  return checkValue(spec, value).value as ParamValue<S>;
}

function checkValue(spec: ParamSpec, value: unknown): One<unknown> {
  switch (spec.kind) {
    case 'number':
    case 'int': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { value: spec.default, message: 'not a finite number' };
      let v = spec.kind === 'int' ? Math.round(value) : value;
      const rounded = v !== value;
      const c = clampNum(v, spec.min, spec.max);
      if (c !== v) return { value: c, message: `${c > v ? 'below the minimum' : 'above the maximum'} ${c}` };
      v = c;
      return rounded ? { value: v, message: 'not a whole number' } : { value: v };
    }
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? { value }
        : { value: spec.default, message: `not one of ${spec.values.join(', ')}` };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { value: spec.default, message: 'not true or false' };
    case 'point': {
      if (value === null) return spec.default === null ? { value: null } : { value: spec.default, message: 'a point is required' };
      if (!Array.isArray(value) || value.length !== 2 || !value.every((x) => typeof x === 'number' && Number.isFinite(x)))
        return { value: spec.default, message: 'not a point "x,y"' };
      const c: Point = [clampNum(value[0], spec.min, spec.max), clampNum(value[1], spec.min, spec.max)];
      if (c[0] !== value[0] || c[1] !== value[1]) return { value: c, message: `outside the range ${rangeText(spec.min, spec.max)}` };
      return { value: [value[0], value[1]] as Point };
    }
  }
}

/** "-0" in a URL reads as 0 (a −0 would not survive the round trip through the written URL, which says "0"). */
function zeroSign(n: number | undefined): number | undefined {
  return n === 0 ? 0 : n;
}

/** Parses one URL string against a spec. */
export function parseValue(spec: ParamSpec, raw: string): One<unknown> {
  switch (spec.kind) {
    case 'number':
    case 'int': {
      const n = zeroSign(parseDecimal(raw));
      if (n === undefined) {
        const what = spec.kind === 'int' ? 'a whole number' : 'a number';
        return { value: spec.default, message: `is not ${what} (${rangeText(spec.min, spec.max)}): using the default ${spec.default}` };
      }
      const r = checkValue(spec, n);
      if (!r.message) return r;
      return { value: r.value, message: `is ${r.message}: using ${String(r.value)}` };
    }
    case 'enum': {
      const r = checkValue(spec, raw.trim());
      return r.message ? { value: r.value, message: `is ${r.message}: using the default ${spec.default}` } : r;
    }
    case 'boolean': {
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return { value: true };
      if (['0', 'false', 'no', 'off'].includes(s)) return { value: false };
      return { value: spec.default, message: `is not true/false (1/0): using the default ${spec.default ? 1 : 0}` };
    }
    case 'point': {
      const shown = (p: Point | null): string => (p === null ? 'none' : p.join(','));
      const parts = raw.split(',').map((x) => zeroSign(parseDecimal(x)));
      if (parts.length !== 2 || parts.some((x) => x === undefined)) return { value: spec.default, message: `is not a point "x,y": using ${shown(spec.default)}` };
      // A coordinate that overflows (1e400) is not a point either: the fallback may be "none".
      const r = checkValue(spec, parts as number[]);
      return r.message ? { value: r.value, message: `is ${r.message}: using ${shown(r.value as Point | null)}` } : r;
    }
  }
}

/** Writes one value as its URL string. Numbers use JavaScript's shortest round-trip form. */
export function formatValue(spec: ParamSpec, value: unknown): string {
  switch (spec.kind) {
    case 'boolean':
      return value ? '1' : '0';
    case 'point':
      return (value as Point).map((x) => String(x)).join(',');
    default:
      return String(value);
  }
}

function sameValue(spec: ParamSpec, a: unknown, b: unknown): boolean {
  if (spec.kind === 'point') {
    if (a === null || b === null) return a === b;
    const pa = a as Point;
    const pb = b as Point;
    return pa[0] === pb[0] && pa[1] === pb[1];
  }
  return a === b;
}

export interface ParseResult<S extends ParamSchema> {
  values: ParamValues<S>;
  notices: ParamNotice[];
}

/**
 * Reads the schema's keys from `entries` (e.g. `new URLSearchParams(location.search)`). Missing keys take
 * their defaults; invalid values are clamped or replaced by the default, each with a notice. Keys not in
 * the schema are ignored here (see `unknownKeys`). A key given twice uses its last value.
 */
export function parseParams<S extends ParamSchema>(schema: S, entries: Iterable<[string, string]>): ParseResult<S> {
  const raw = new Map<string, string>();
  for (const [k, v] of entries) raw.set(k, v);
  const values: Record<string, unknown> = {};
  const notices: ParamNotice[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    const s = raw.get(key);
    if (s === undefined) {
      values[key] = spec.default;
      continue;
    }
    const r = parseValue(spec, s);
    values[key] = r.value;
    if (r.message) notices.push({ key, raw: s, message: `${key}=${s} ${r.message}.` });
  }
  return { values: values as ParamValues<S>, notices };
}

/** Keys in `entries` that none of `schemas` declares, each with a notice saying it was dropped. */
export function unknownKeys(schemas: readonly ParamSchema[], entries: Iterable<[string, string]>): ParamNotice[] {
  const known = new Set(schemas.flatMap((s) => Object.keys(s)));
  const seen = new Set<string>();
  const out: ParamNotice[] = [];
  for (const [key, raw] of entries) {
    if (known.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ key, raw, message: `${key}=${raw} is not a setting of this view: ignored.` });
  }
  return out;
}

/** The URL entries for `values`, in schema order, leaving out values equal to their defaults. */
export function serializeParams<S extends ParamSchema>(schema: S, values: Partial<ParamValues<S>>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, spec] of Object.entries(schema)) {
    const v = (values as Record<string, unknown>)[key];
    if (v === undefined || v === null || sameValue(spec, v, spec.default)) continue;
    out.push([key, formatValue(spec, v)]);
  }
  return out;
}
