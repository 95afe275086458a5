/** WGSL literals from JS numbers. */

/** A WGSL f32 expression equal to Math.fround(x) (the value tfjs uses when a JS scalar meets a float32 tensor). */
export function f32Lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`internal: non-finite WGSL constant ${x}`);
  const s = String(Math.fround(x));
  const body = /[.e]/.test(s) ? s : `${s}.0`;
  return `f32(${body})`;
}
