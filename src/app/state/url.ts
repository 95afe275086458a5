/**
 * The whole app state as a URL query, and back. The shell's own settings (tab, seed, backend, explainer
 * open) are always read; the active lab's settings are read against that lab's schema; anything else is
 * dropped with a notice. Pure functions over plain data (unit-tested in Node).
 */
import {
  defaultValues,
  p,
  parseParams,
  serializeParams,
  unknownKeys,
  type ParamNotice,
  type ParamSchema,
  type ParamValues,
} from './schema.ts';
import { MAX_SEED } from '../../core/strictNumber.ts';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The shell's own parameters. `tab` is built from the lab ids. */
export function shellSchema(labIds: readonly string[]) {
  return {
    tab: p.enum(labIds, labIds[0] ?? '', 'tab'),
    seed: p.int({ default: 1, min: 0, max: MAX_SEED, label: 'seed' }),
    backend: p.enum(BACKEND_CHOICES, 'auto', 'backend'),
    // Closed by default, so every lab opens on its picture (issue 14); the app remembers a reader's choice.
    explain: p.bool(false, 'explainer open'),
  } satisfies ParamSchema;
}

export type ShellSchema = ReturnType<typeof shellSchema>;
export type ShellValues = ParamValues<ShellSchema>;

/** The minimal view of a lab this module needs. */
export interface LabParamsEntry {
  id: string;
  params: ParamSchema;
}

/** One lab's settings, untyped (each lab sees them typed by its own schema). */
export type LabValues = ParamValues<ParamSchema>;

export interface AppState {
  shell: ShellValues;
  /** Every lab's settings, by lab id (the inactive labs keep theirs in memory; only the active one is in the URL). */
  labs: Record<string, LabValues>;
}

export interface ParsedUrl {
  state: AppState;
  notices: ParamNotice[];
}

const RESERVED = ['tab', 'seed', 'backend', 'explain'];

/** Throws when a lab declares a key the shell owns, or two labs share an id (a programming error). */
export function checkLabs(labs: readonly LabParamsEntry[]): void {
  const ids = new Set<string>();
  for (const lab of labs) {
    if (ids.has(lab.id)) throw new Error(`Two labs have the id "${lab.id}".`);
    ids.add(lab.id);
    for (const key of Object.keys(lab.params)) {
      if (RESERVED.includes(key)) throw new Error(`Lab "${lab.id}" declares the URL parameter "${key}", which the shell owns.`);
    }
  }
}

/** Default state of every lab. */
export function defaultState(labs: readonly LabParamsEntry[]): AppState {
  const shell = defaultValues(shellSchema(labs.map((l) => l.id)));
  return { shell, labs: Object.fromEntries(labs.map((l) => [l.id, defaultValues(l.params)])) };
}

/**
 * Reads a query string (`?a=1&b=2` or `a=1&b=2`). `previous` supplies the inactive labs' in-memory settings
 * (defaults when absent).
 */
export function parseAppUrl(search: string, labs: readonly LabParamsEntry[], previous?: AppState): ParsedUrl {
  const entries = [...new URLSearchParams(search)];
  const schema = shellSchema(labs.map((l) => l.id));
  const shell = parseParams(schema, entries);
  const base = previous ?? defaultState(labs);
  const active = labs.find((l) => l.id === shell.values.tab);
  const notices = [...shell.notices];
  const labValues = { ...base.labs };
  if (active) {
    const parsed = parseParams(active.params, entries);
    labValues[active.id] = parsed.values;
    notices.push(...parsed.notices);
  }
  notices.push(...unknownKeys([schema, active?.params ?? {}], entries));
  return { state: { shell: shell.values, labs: labValues }, notices };
}

/** The query string (without "?") for a state: the shell's and the active lab's non-default settings. */
export function serializeAppUrl(state: AppState, labs: readonly LabParamsEntry[]): string {
  const schema = shellSchema(labs.map((l) => l.id));
  const entries = serializeParams(schema, state.shell);
  // The tab is always written, so a link names its lab even when it is the first one.
  if (!entries.some(([k]) => k === 'tab')) entries.unshift(['tab', state.shell.tab]);
  const active = labs.find((l) => l.id === state.shell.tab);
  if (active) entries.push(...serializeParams(active.params, state.labs[active.id] ?? {}));
  return new URLSearchParams(entries).toString();
}
