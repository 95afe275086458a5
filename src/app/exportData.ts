/**
 * Export of a lab's numbers (issue 14): rows as CSV or any value as JSON, saved under the name `exportFileName`
 * gives (lab, settings, seed, what).
 */
import { exportFileName, saveAs } from './plot/exportPanel.ts';

/** RFC 4180 CSV of rows of plain values (the keys of the first row are the header). */
export function csvOf(rows: readonly Record<string, string | number | boolean | null>[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  const cell = (v: string | number | boolean | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k] ?? null)).join(','))].join('\n') + '\n';
}

/** Saves rows as `<name>.csv`. */
export function downloadCsv(rows: readonly Record<string, string | number | boolean | null>[], what: string): void {
  saveAs(new Blob([csvOf(rows)], { type: 'text/csv' }), exportFileName(window.location.search, what, 'csv'));
}

/** Saves a value as `<name>.json` (typed arrays as arrays). */
export function downloadJson(value: unknown, what: string): void {
  const text = JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2);
  saveAs(new Blob([text + '\n'], { type: 'application/json' }), exportFileName(window.location.search, what, 'json'));
}
