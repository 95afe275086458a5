/**
 * Launches the system Chromium for playwright-core (`npx playwright install` cannot work here) with WebGPU
 * enabled, opens the app while collecting console errors, and drives steps several tests share.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { CHROMIUM_ARGS } from '../../src/cli/bench/browser.ts';
import { findChromium } from '../../src/cli/chromium.mjs';
import { ROOT } from './server.ts';

/** Where e2e tests leave screenshots. */
export const RESULTS = `${ROOT}test-results/e2e`;

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? findChromium() ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Launches one Chromium for the calling test file (beforeAll / afterAll) and gives it with the URL of the
 * served build. Read the fields inside tests, not at module level: they exist once beforeAll has run.
 */
export function useChromium(): { readonly browser: Browser; readonly baseUrl: string } {
  let browser: Browser | undefined;
  let baseUrl = '';
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    baseUrl = inject('baseUrl');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('Chromium is not launched yet: use useChromium().browser inside a test');
      return browser;
    },
    get baseUrl() {
      return baseUrl;
    },
  };
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and worker errors seen so far. */
  errors: string[];
}

export const DESKTOP = { width: 1280, height: 800 };
export const TABLET = { width: 820, height: 1180 };

/** Opens `baseUrl + query` in a fresh context (own clipboard, storage) and waits for the engine to answer. */
export async function openApp(
  browser: Browser,
  baseUrl: string,
  query = '',
  opts: { viewport?: { width: number; height: number }; waitForEngine?: boolean } = {},
): Promise<AppPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console: ${m.text()}`)));
  await page.goto(new URL(query, baseUrl).href);
  if (opts.waitForEngine !== false) await waitForEngine(page);
  return { context, page, errors };
}

/** Waits until the backend badge reports a started engine (or an engine error) and returns its data. */
export async function waitForEngine(page: Page, timeout = 90_000): Promise<{ status: string; backend: string; adapter: string; notice: string }> {
  const badge = page.getByTestId('backend-badge');
  await badge.and(page.locator('[data-status="ready"], [data-status="error"]')).waitFor({ timeout });
  return {
    status: (await badge.getAttribute('data-status')) ?? '',
    backend: (await badge.getAttribute('data-backend')) ?? '',
    adapter: (await badge.getAttribute('data-adapter')) ?? '',
    notice: (await badge.getAttribute('data-notice')) ?? '',
  };
}

/** In the Scores lab: Start, wait until the model has trained at least `steps` steps, then Pause. */
export async function trainScoresLab(page: Page, steps: number, timeout: number): Promise<void> {
  const step = async () => Number((await page.getByTestId('scores-lab').getAttribute('data-step')) || NaN);
  await expect.poll(() => page.getByTestId('start').isEnabled(), { timeout: 90_000 }).toBe(true);
  await page.getByTestId('start').click();
  await expect.poll(step, { timeout }).toBeGreaterThanOrEqual(steps);
  await page.getByTestId('pause').click();
  await expect.poll(() => page.getByTestId('scores-lab').getAttribute('data-running'), { timeout: 30_000 }).toBe('0');
}

/** What one Plotly panel shows: its label, a failed draw's message, traces with data, and the canvas layer's marks. */
export interface PanelView {
  label: string;
  error: string | null;
  /** Plotly has laid the panel out (axes drawn). */
  laidOut: boolean;
  /** Static traces holding at least one data value. */
  traces: number;
  /** Points and segment ends on the panel's canvas layer, by layer ("name|kind|marks|dash"). */
  layers: string[];
  marks: number;
}

/** Every `.plot-panel` of the page (or under `within`), as a `PanelView`. */
export async function panelViews(page: Page, within = 'body'): Promise<PanelView[]> {
  return page.evaluate((root) => {
    const hasData = (v: unknown): boolean => (Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>).some((e) => (Array.isArray(e) ? hasData(e) : e !== null && e !== undefined)) : false);
    return [...document.querySelectorAll(`${root} .plot-panel`)].map((panel) => {
      const gd = panel.querySelector('.js-plotly-plot') as (HTMLElement & { data?: Record<string, unknown>[]; _fullLayout?: unknown }) | null;
      const layers = JSON.parse((panel.querySelector('canvas.plot-overlay') as HTMLCanvasElement | null)?.dataset.layers ?? '[]') as string[];
      return {
        label: panel.getAttribute('aria-label') ?? '',
        error: panel.querySelector('.plot-error')?.textContent ?? null,
        laidOut: Boolean(gd?._fullLayout) && Boolean(panel.querySelector('.main-svg')),
        traces: (gd?.data ?? []).filter((t) => hasData(t.x) || hasData(t.y) || hasData(t.z)).length,
        layers,
        marks: layers.reduce((n, l) => n + Number(l.split('|')[2] ?? 0), 0),
      };
    });
  }, within);
}

/**
 * Waits until every panel of the page is laid out and shows data (static traces or canvas marks), and none shows
 * "Plot failed"; `minPanels` guards against a page whose panels never mounted. Returns the views.
 */
export async function expectPanelsDrawn(page: Page, minPanels: number, what: string, timeout = 90_000): Promise<PanelView[]> {
  const summary = (views: PanelView[]) => views.map((v) => `${v.label}: ${v.error ?? (v.laidOut ? `${v.traces} traces, ${v.marks} marks` : 'not drawn')}`).join('; ');
  await expect
    .poll(
      async () => {
        const views = await panelViews(page);
        const ok = views.length >= minPanels && views.every((v) => v.error === null && v.laidOut && (v.traces > 0 || v.marks > 0));
        return ok ? 'all drawn' : summary(views);
      },
      { timeout, message: `panels of ${what}` },
    )
    .toBe('all drawn');
  return panelViews(page);
}
