/**
 * The browser half of the bench: builds the app (vite build), serves dist/ with vite preview on a free
 * loopback port, launches headless Chromium (playwright-core, the system Chromium) and runs the same `bench`
 * job inside the app's engine Web Worker (the built `worker-*.js`, the very worker the app starts), speaking
 * the engine protocol directly, so the measurement does not depend on the UI.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchParams, BenchProgress, BenchResult } from '../../engine/jobs/benchResult.ts';
import type { BenchReport } from './report.ts';

/** The flags Chromium runs with (WebGPU on, no background traffic, works as root). */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs in the page (plain JavaScript source, so the TypeScript loader's helpers never reach the browser):
 * describes the WebGPU adapter, starts the engine worker, sends `init` then `bench` with the engine protocol,
 * forwards progress to the Node side, resolves with the result.
 */
const IN_PAGE = `async ({ workerUrl, params }) => {
  const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
  const info = adapter && adapter.info;
  const webgpuAdapter = info
    ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') + (info.isFallbackAdapter ? ' (fallback adapter)' : '')
    : undefined;
  const worker = new Worker(workerUrl, { type: 'module' });
  const pending = new Map();
  let nextId = 0;
  worker.addEventListener('error', (e) => { for (const p of pending.values()) p.reject(new Error('engine worker failed: ' + (e.message || 'could not load ' + workerUrl))); });
  worker.addEventListener('message', (e) => {
    const m = e.data, p = pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') { window.__benchProgress(m.progress); return; }
    pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.result); else p.reject(new Error(m.message));
  });
  const call = (job, p) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    worker.postMessage({ type: 'request', id, job, params: p });
  });
  await call('init', {});
  const result = await call('bench', params);
  worker.terminate();
  return { result, webgpuAdapter };
}`;

/** The engine worker's file in a build (vite names it after src/engine/worker.ts). */
export function findWorkerAsset(distDir: string): string {
  const assets = join(distDir, 'assets');
  const found = existsSync(assets) ? readdirSync(assets).filter((f) => /^worker-[\w-]+\.js$/.test(f)) : [];
  if (found.length !== 1) {
    throw new Error(`expected one engine worker (assets/worker-*.js) in ${distDir}, found ${found.length}: run a fresh \`npm run build\``);
  }
  return `assets/${found[0]}`;
}

export interface BrowserBenchOptions {
  params: BenchParams;
  chromium: string;
  /** Build the app first (default true); false reuses dist/. */
  build: boolean;
  onProgress(p: BenchProgress): void;
  log(line: string): void;
}

/** Runs the bench job in headless Chromium; returns the report's `browser` part. */
export async function runBrowserBench(opts: BrowserBenchOptions): Promise<NonNullable<BenchReport['browser']>> {
  // Loaded by name at run time: dev dependencies, and kept out of the esbuild bundle for the GPU machine.
  const load = (name: string): Promise<unknown> => import(name);
  const [vite, { chromium }] = (await Promise.all([load('vite'), load('playwright-core')]).catch(() => {
    throw new Error('--browser needs the dev dependencies (vite, playwright-core): run npm install');
  })) as [typeof import('vite'), typeof import('playwright-core')];
  // A build of its own (not dist/), so the bench neither clobbers nor races a `npm run build`.
  const dist = join(ROOT, 'node_modules', '.cache', 'tweedie-bench', 'dist');
  if (opts.build || !existsSync(dist)) {
    opts.log(`bench: building the app (vite build into ${dist})...`);
    await vite.build({ root: ROOT, logLevel: 'error', clearScreen: false, build: { outDir: dist, emptyOutDir: true } });
  }
  const workerPath = findWorkerAsset(dist);
  const port = await freePort();
  const server = await vite.preview({
    root: ROOT,
    logLevel: 'error',
    clearScreen: false,
    build: { outDir: dist },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.exposeFunction('__benchProgress', (p: BenchProgress) => opts.onProgress(p));
    const base = `http://127.0.0.1:${port}/`;
    // Any same-origin document can start the worker; the worker file itself keeps the app's UI (and its own
    // engine worker) from competing for the CPU during the measurement.
    await page.goto(base + workerPath);
    opts.log(`bench: Chromium ${browser.version()}: running the bench job in the engine worker (${base}${workerPath})`);
    const params = opts.params.digits ? { ...opts.params, digits: { ...opts.params.digits, modelsUrl: `${base}models/` } } : opts.params;
    const arg = JSON.stringify({ workerUrl: base + workerPath, params });
    const out = (await page.evaluate(`(${IN_PAGE})(${arg})`)) as { result: BenchResult; webgpuAdapter?: string };
    if (errors.length) opts.log(`bench: page errors: ${errors.join('; ')}`);
    return {
      chromium: browser.version(),
      ...(out.webgpuAdapter ? { webgpuAdapter: out.webgpuAdapter } : {}),
      result: out.result as BenchResult,
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
