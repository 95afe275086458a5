/**
 * The one owner of the tfjs backend. Order when nothing is requested (DESIGN.md, measured facts):
 * WebGPU on a real adapter; WASM when the only WebGPU adapter is a software fallback (SwiftShader is
 * ~20x slower than WASM on a CPU) or there is none; then WebGL; then CPU.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { BACKEND_NAMES, type BackendInfo, type BackendName } from './protocol.ts';

let current: BackendInfo | null = null;

/** Where the WASM backend finds its .wasm files: a URL prefix, a directory, or one URL per file. */
export function setWasmLocation(location: string | Record<string, string>): void {
  setWasmPaths(location);
}

export interface WebGpuProbe {
  available: boolean;
  fallback: boolean;
  description: string;
}

/** Asks the platform for a WebGPU adapter and says whether it is a software fallback. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { available: false, fallback: false, description: 'no navigator.gpu' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { available: false, fallback: false, description: 'no WebGPU adapter' };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  const description =
    [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0).join(' ') ||
    'WebGPU adapter';
  const fallback =
    info.isFallbackAdapter === true || legacy.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(description);
  return { available: true, fallback, description };
}

/** The backends tfjs has registered in this environment (webgpu only if navigator.gpu existed at import). */
export function registeredBackends(): BackendName[] {
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, unknown> }).registryFactory;
  return BACKEND_NAMES.filter((b) => b in registry);
}

export interface BackendPlan {
  /** The backends to try, in order; the first that starts wins. */
  order: BackendName[];
  /** Why the result may differ from what was asked for or preferred. */
  notices: string[];
}

/**
 * The pure part of the backend choice (DESIGN.md rule 8): WebGPU on a real adapter; WASM when the only
 * adapter is a software fallback or there is none; then WebGL; then CPU. Only registered backends are
 * tried. A requested backend goes first; when it is unavailable, `notices` says so and the automatic order
 * is used.
 */
export function planBackends(gpu: WebGpuProbe, registered: readonly BackendName[], requested?: BackendName): BackendPlan {
  const usable = (b: BackendName): boolean => registered.includes(b) && (b !== 'webgpu' || gpu.available);
  const auto = (gpu.available && !gpu.fallback ? BACKEND_NAMES : BACKEND_NAMES.filter((b) => b !== 'webgpu')).filter(usable);
  const notices: string[] = [];
  if (requested && usable(requested)) return { order: [requested, ...auto.filter((b) => b !== requested)], notices };
  if (requested) {
    const why =
      requested !== 'webgpu'
        ? 'not available in this environment'
        : !gpu.available
          ? gpu.description
          : 'the tfjs WebGPU backend did not register: navigator.gpu was missing when it loaded';
    notices.push(`${requested} was requested but is unavailable (${why})`);
  } else if (gpu.available && gpu.fallback && registered.includes('webgpu')) {
    notices.push(`WebGPU adapter "${gpu.description}" is a software fallback; WASM is faster here`);
  }
  return { order: auto, notices };
}

export interface WasmThreadPlan {
  /** Threads to ask the WASM backend for (tfjs's own default would be half the cores). */
  threads: number;
  /** Why one thread, when it is one. */
  why?: string;
}

/**
 * How many threads the WASM backend gets: every core when the page is cross-origin isolated (its threaded build
 * needs SharedArrayBuffer, which only isolated pages have: COOP/COEP headers, README "WASM threads"), else one.
 * `isolated` is `crossOriginIsolated` (undefined outside a browser), `cores` is `navigator.hardwareConcurrency`.
 */
export function planWasmThreads(isolated: boolean | undefined, cores: number | undefined): WasmThreadPlan {
  if (isolated === undefined) return { threads: 1, why: 'tfjs-wasm has no threads outside a browser page' };
  if (!isolated) return { threads: 1, why: 'the page is not cross-origin isolated' };
  const n = Math.floor(cores ?? 1);
  return n > 1 ? { threads: n } : { threads: 1, why: 'the browser reports one core' };
}

function wasmThreadPlanHere(): WasmThreadPlan {
  const scope = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return planWasmThreads(scope.crossOriginIsolated, scope.navigator?.hardwareConcurrency);
}

/** Threads the started WASM backend runs (1 for its single-threaded builds), with why it is one when it is. */
function wasmThreads(): { threads: number; why?: string } {
  const plan = wasmThreadPlanHere();
  const threads = getThreadsCount();
  if (threads > 1) return { threads };
  return { threads, why: plan.why ?? 'the threaded WASM build did not start' };
}

/**
 * Runs `start` (the WASM backend's first start) with `navigator.hardwareConcurrency` reporting `threads` × 2:
 * tfjs-wasm 4.22 caps its pool at hardwareConcurrency / 2 whatever `setThreadsCount` asks (it assumes two
 * hyper-threads per core; on a 2-core machine that is one thread), and reads the count only while it starts.
 */
async function withCoreCapRaised<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (threads <= 1 || !nav) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => 2 * threads });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency; // the prototype's getter again
  }
}

/** Switches tfjs to `name` and runs one op end to end; returns undefined on success, else why it failed. */
async function trySet(name: BackendName): Promise<string | undefined> {
  try {
    // The thread count is read once, when the WASM backend first starts: set it before.
    const threads = name === 'wasm' ? wasmThreadPlanHere().threads : 1;
    if (name === 'wasm') setThreadsCount(threads);
    if (!(await withCoreCapRaised(threads, () => tf.setBackend(name)))) return 'it failed to initialise';
    await tf.ready();
    // Run one op end to end, so a backend that registers but cannot compute is rejected here.
    const t = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const v = (await t.data())[0];
    t.dispose();
    return v === 3 ? undefined : `a test op returned ${v} instead of 3`;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

function describe(name: BackendName, gpu: WebGpuProbe): string {
  switch (name) {
    case 'webgpu':
      return gpu.description + (gpu.fallback ? ' (software fallback)' : '');
    case 'wasm': {
      const { threads, why } = wasmThreads();
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' (SIMD)' : '';
      return `WebAssembly${simd}, ${threads} thread${threads === 1 ? '' : 's'}${why ? ` (${why})` : ''}`;
    }
    case 'webgl':
      return 'WebGL';
    case 'cpu':
      return 'plain JavaScript';
  }
}

/** The `threads` field of a started backend's info (WASM only). */
function threadsOf(name: BackendName): { threads?: number } {
  return name === 'wasm' ? { threads: wasmThreads().threads } : {};
}

/**
 * Chooses and initialises the backend. With `requested`, that backend is tried first; if it cannot start,
 * the automatic order is used and `notice` says why.
 */
export async function selectBackend(requested?: BackendName): Promise<BackendInfo> {
  const gpu = await probeWebGpu();
  const { order, notices } = planBackends(gpu, registeredBackends(), requested);
  for (const name of order) {
    const failure = await trySet(name);
    if (!failure) {
      current = { name, adapter: describe(name, gpu), ...threadsOf(name), ...(notices.length ? { notice: notices.join('; ') } : {}) };
      return current;
    }
    notices.push(`${name} could not start (${failure})`);
  }
  throw new Error(`No tfjs backend could start (${notices.join('; ')}).`);
}

/**
 * Runs `fn` with tfjs switched to `name` (no fallback: returns `error` when that backend cannot start),
 * then switches back to the engine's backend. Used by the bench job to time every backend in one run.
 */
export async function withBackend<T>(
  name: BackendName,
  fn: (info: BackendInfo) => Promise<T>,
): Promise<{ info: BackendInfo; value: T; error?: undefined } | { info: BackendInfo; error: string }> {
  const previous = current;
  const gpu = await probeWebGpu();
  const failure = planBackends(gpu, registeredBackends(), name).order.includes(name) ? await trySet(name) : 'not available here';
  if (failure) {
    if (previous) await trySet(previous.name);
    return { info: { name, adapter: '' }, error: failure };
  }
  const info: BackendInfo = { name, adapter: describe(name, gpu), ...threadsOf(name) };
  try {
    return { info, value: await fn(info) };
  } finally {
    if (previous) await trySet(previous.name);
  }
}

/** Initialises the automatic backend if none was chosen yet. */
export async function ensureBackend(): Promise<BackendInfo> {
  return current ?? selectBackend();
}

/** The backend in use; throws if none was chosen yet. */
export function currentBackend(): BackendInfo {
  if (!current) throw new Error('The engine backend is not initialised: send an "init" request first.');
  return current;
}
