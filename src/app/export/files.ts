/**
 * Files the labs offer for download (issue 14: chains, metrics, samples as CSV or JSON; panels and digit images as
 * PNG or SVG): CSV and JSON text, one file-name scheme that says the lab, what, the setting and the seed, and the
 * browser download itself. Pure except `downloadText` and `saveUrl`.
 */

/** A CSV field: numbers as JavaScript prints them (NaN and ±Infinity as empty), text quoted when it needs to be. */
function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text (RFC 4180, `\n` line ends) of a header and rows. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** A number as it appears in a file name: at most 4 significant digits, no trailing zeros (0.05, 2, 0.00123). */
export function nameNumber(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/**
 * A download's file name: `tweedie-<lab>-<what>-<setting parts>-seed<seed>.<ext>`, each part reduced to letters,
 * digits, dots and dashes (e.g. `tweedie-samplers-chains-corr-gauss-langevin-eps0.05-ozaki-eps0.5-seed1.csv`).
 */
export function exportFileName(lab: string, what: string, setting: readonly string[], seed: number, ext: 'csv' | 'json' | 'png' | 'svg'): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${['tweedie', lab, what, ...setting, `seed${seed}`].map(clean).filter((s) => s.length > 0).join('-')}.${ext}`;
}

/** JSON text of a value (typed arrays as plain arrays, NaN and ±Infinity as null), indented for reading. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v), 1)}\n`;
}

/** Saves `text` as a file named `fileName` (the browser's download). */
export function downloadText(text: string, fileName: string): void {
  const type = fileName.endsWith('.json') ? 'application/json' : 'text/csv';
  const url = URL.createObjectURL(new Blob([text], { type }));
  saveUrl(url, fileName);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Saves what a URL holds (an object URL or a data URL) as `fileName`. */
export function saveUrl(url: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
