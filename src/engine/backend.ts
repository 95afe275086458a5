/**
 * The one owner of the tfjs backend. Order when nothing is requested (DESIGN.md, measured facts):
 * WebGPU on a real adapter, unless a start-up measurement (`startupChoice.ts`) finds WASM faster; WASM when the
 * only WebGPU adapter is a software fallback (SwiftShader is ~20x slower than WASM on a CPU) or there is none;
 * then WebGL; then CPU. When the WebGPU device is lost, the engine moves to the next backend that starts and
 * says why (`deviceLost`); listeners (`onBackendChange`) hear of it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { BACKEND_NAMES, type BackendInfo, type BackendName } from './protocol.ts';
import { chooseByTiming, type StartupTimings } from './startupChoice.ts';
import { STARTUP_WORK, timeStartupWork } from './startupTiming.ts';

let current: BackendInfo | null = null;
const listeners = new Set<(info: BackendInfo) => void>();
/** The move off a lost WebGPU device, once it began (the engine leaves WebGPU for good). */
let leaving: Promise<BackendInfo> | null = null;
/** The WebGPU device of the backend chosen last, whose `lost` promise is watched. */
let watchedDevice: GPUDevice | null = null;

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
 * Times `work` on `name` (switching tfjs to it); null when the backend cannot start or the work fails, Infinity when it
 * takes over `capMs` (it is then abandoned: a training run stops at its next step once the backend has changed).
 */
async function timeOn(name: BackendName, work: () => Promise<number>, capMs: number): Promise<number | null> {
  if (await trySet(name)) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(Infinity), capMs);
  });
  try {
    return await Promise.race([work().catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Longest a start-up measurement may take on one backend, warm-up (kernel compilation) included. */
export const MEASURE_CAP_MS = 2000;

export interface SelectOptions {
  /** The start-up measurement on the active backend, in ms per step (default `timeStartupWork`). */
  measure?: () => Promise<number>;
  /** What the platform's adapter is (default `probeWebGpu`). */
  probe?: () => Promise<WebGpuProbe>;
  /** Longest one backend's measurement may take (default `MEASURE_CAP_MS`). */
  measureCapMs?: number;
}

/**
 * Chooses and initialises the backend. With `requested`, that backend is tried first; if it cannot start,
 * the automatic order is used and `notice` says why. Without it, on a real adapter where WASM also runs, the
 * start-up measurement picks the faster of the two (`measured` carries the timings; `notice` says why when WASM won).
 */
export async function selectBackend(requested?: BackendName, opts: SelectOptions = {}): Promise<BackendInfo> {
  const gpu = await (opts.probe ?? probeWebGpu)();
  const plan = planBackends(gpu, registeredBackends(), requested);
  const notices = plan.notices;
  let order = plan.order;
  let measured: string | undefined;
  if (!requested && order[0] === 'webgpu' && order.includes('wasm')) {
    const work = opts.measure ?? (() => timeStartupWork());
    const cap = opts.measureCapMs ?? MEASURE_CAP_MS;
    const timings: StartupTimings = { webgpuMs: await timeOn('webgpu', work, cap), wasmMs: await timeOn('wasm', work, cap) };
    const choice = chooseByTiming(timings, STARTUP_WORK);
    measured = choice.measured;
    if (choice.notice) notices.push(choice.notice);
    order = [choice.backend, ...order.filter((b) => b !== choice.backend)];
  }
  for (const name of order) {
    const failure = await trySet(name);
    if (!failure) {
      current = {
        name,
        adapter: describe(name, gpu),
        ...threadsOf(name),
        ...(notices.length ? { notice: notices.join('; ') } : {}),
        ...(measured ? { measured } : {}),
      };
      leaving = null;
      if (name === 'webgpu') watchDeviceLoss();
      return current;
    }
    notices.push(`${name} could not start (${failure})`);
  }
  throw new Error(`No tfjs backend could start (${notices.join('; ')}).`);
}

/** Calls `fn` with the new backend info each time the engine's backend changes after it was chosen (a lost device). */
export function onBackendChange(fn: (info: BackendInfo) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Watches the active WebGPU backend's device: its loss moves the engine off it (`leaveLostDevice`). */
function watchDeviceLoss(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device || device === watchedDevice) return;
  watchedDevice = device;
  void device.lost.then((info) => {
    if (watchedDevice === device && current?.name === 'webgpu') void leaveLostDevice(info.message || info.reason || 'no reason given').catch(() => {});
  });
}

/** "WebGPU device lost (reason): continuing on WASM". */
export function deviceLostNotice(reason: string, now: BackendName): string {
  return `WebGPU device lost (${reason}): continuing on ${now.toUpperCase()}`;
}

/**
 * Moves the engine off its lost WebGPU device, once: the next backend of the automatic order that starts (WASM first)
 * becomes the engine's, with `deviceLost` and a notice saying why, and the listeners hear of it. Tensors left on the
 * lost device cannot be read: what must survive is rebuilt from CPU copies by their owners (sessions, the trainer).
 */
export function leaveLostDevice(reason: string): Promise<BackendInfo> {
  leaving ??= (async () => {
    const failures: string[] = [];
    for (const name of BACKEND_NAMES.filter((b) => b !== 'webgpu' && registeredBackends().includes(b))) {
      const failure = await trySet(name);
      if (failure) {
        failures.push(`${name} could not start (${failure})`);
        continue;
      }
      const notice = [deviceLostNotice(reason, name), ...failures].join('; ');
      current = { name, adapter: describe(name, { available: false, fallback: false, description: '' }), ...threadsOf(name), notice, deviceLost: reason };
      for (const l of listeners) l(current);
      return current;
    }
    throw new Error(`The WebGPU device was lost (${reason}) and no other tfjs backend could start (${failures.join('; ')}).`);
  })();
  return leaving;
}

/**
 * After a failure while the engine ran on WebGPU: whether the device was lost. Waits up to `graceMs` for the device
 * to report its loss (a failed read can come first), then resolves to the backend the engine moved to; null when
 * the device is fine (the failure was something else) or the engine was not on WebGPU.
 */
export async function movedOffLostDevice(graceMs = 250): Promise<BackendInfo | null> {
  if (leaving) return leaving;
  const device = watchedDevice;
  if (!device || current?.name !== 'webgpu') return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const lost = await Promise.race([
    device.lost.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  return lost && leaving ? leaving : null;
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
