/**
 * The start-up choice between WebGPU and WASM on a real adapter (issue 16): the same small piece of work (training
 * steps of the default 2-D score model, `startupTiming.ts`) is timed on both, and the faster wins. This module is the
 * pure decision; a requested backend never reaches it.
 */

/** Milliseconds per step of the same work on each backend; null when that measurement failed, Infinity when it ran out of time. */
export interface StartupTimings {
  webgpuMs: number | null;
  wasmMs: number | null;
}

export interface StartupChoice {
  backend: 'webgpu' | 'wasm';
  /** The timings, for the backend info (e.g. "WebGPU 0.80 ms/step, WASM 4.1 ms/step (default model's training step)"). */
  measured: string;
  /** Why the engine is not on WebGPU, when WASM won. */
  notice?: string;
}

function ms(v: number | null): string {
  if (v === Infinity) return 'timed out';
  if (v === null || !Number.isFinite(v)) return 'failed';
  return `${v >= 10 ? v.toFixed(1) : v.toPrecision(2)} ms/step`;
}

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

/**
 * WASM when its time per step is below WebGPU's (or WebGPU's measurement failed or timed out and WASM's did not);
 * WebGPU otherwise, ties and double failures included (the adapter is real: WebGPU is the default there).
 */
export function chooseByTiming(t: StartupTimings, work: string): StartupChoice {
  const measured = `WebGPU ${ms(t.webgpuMs)}, WASM ${ms(t.wasmMs)} (${work})`;
  const wasmWins = usable(t.wasmMs) && (!usable(t.webgpuMs) || t.wasmMs < t.webgpuMs);
  if (!wasmWins) return { backend: 'webgpu', measured };
  return { backend: 'wasm', measured, notice: `WASM was faster than this WebGPU adapter at start-up: ${measured}` };
}
