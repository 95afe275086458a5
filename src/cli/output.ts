/**
 * The CLI's output channel: the result on stdout (JSON with --json, human text otherwise) and nothing else
 * there; progress bars and information lines on stderr.
 *
 * Output contract (issue 18): a result never carries a non-finite number (JSON would print null where a number is
 * promised); `result` refuses one, naming the fields, before anything reaches stdout. A `null` a command sets on
 * purpose ("not applicable", e.g. the KL of a covariance that is not positive definite) is not a number and passes.
 */
import type { CliOutput } from './command.ts';

export interface CliStreams {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Draw progress bars (stderr is a terminal, or TWEEDIE_PROGRESS=1). */
  progressBars: boolean;
  /** Terminal width for the bar. */
  columns?: number;
}

/** JSON.stringify replacer: typed arrays become plain arrays (non-finite numbers would become null, as in JSON; `result` refuses them first). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/** Formats a result as the JSON the CLI prints (pretty, trailing newline). */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer, 2) + '\n';
}

/** Where a result holds NaN or ±Infinity: paths such as `metrics.s1Mse` or `[0].mean[1]`, with the value. */
export function nonFiniteFields(value: unknown, path = ''): { path: string; value: number }[] {
  const found: { path: string; value: number }[] = [];
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) found.push({ path: at || '(the result)', value: v });
    } else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      const a = v as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++) walk(a[i], `${at}[${i}]`);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    }
  };
  walk(value, path);
  return found;
}

/** A result that breaks the output contract: a non-finite number where a number is promised. */
export class NonFiniteResultError extends Error {
  constructor(readonly fields: { path: string; value: number }[]) {
    const shown = fields.slice(0, 3).map((f) => `${f.path} is ${f.value}`);
    const more = fields.length > 3 ? ` (and ${fields.length - 3} more)` : '';
    super(
      `result field ${shown.join(', ')}${more}: the computation overflowed or diverged, so there is no number to print; ` +
        'bring the inputs nearer the density and its scale (points, σ, step sizes) or run fewer steps',
    );
    this.name = 'NonFiniteResultError';
  }
}

/** A text progress bar, e.g. `[##########..........]  50% train`. */
export function progressBar(fraction: number, label = '', width = 24): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%${label ? ' ' + label : ''}`;
}

export class StreamOutput implements CliOutput {
  private barShown = false;
  private lastDraw = 0;

  constructor(
    readonly jsonMode: boolean,
    private readonly io: CliStreams,
  ) {}

  /** Prints the result, or throws `NonFiniteResultError` (nothing printed) when it holds a non-finite number. */
  result(value: unknown, text: () => string): void {
    const bad = nonFiniteFields(value);
    if (bad.length > 0) throw new NonFiniteResultError(bad);
    this.clearBar();
    if (this.jsonMode) this.io.stdout(formatJson(value));
    else {
      const t = text();
      this.io.stdout(t.endsWith('\n') ? t : t + '\n');
    }
  }

  progress(fraction: number, label?: string): void {
    if (!this.io.progressBars) return;
    const now = Date.now();
    if (fraction < 1 && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const line = progressBar(fraction, label).slice(0, Math.max(20, (this.io.columns || 80) - 1));
    this.io.stderr(`\r\x1b[2K${line}`);
    this.barShown = true;
    if (fraction >= 1) this.clearBar();
  }

  info(line: string): void {
    this.clearBar();
    this.io.stderr(line.endsWith('\n') ? line : line + '\n');
  }

  /** Removes the progress bar line (before any other output, and at the end). */
  clearBar(): void {
    if (!this.barShown) return;
    this.io.stderr('\r\x1b[2K');
    this.barShown = false;
  }
}
