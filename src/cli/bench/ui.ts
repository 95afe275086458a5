/**
 * The UI benchmark (`npm run bench:ui`): the production build in headless Chromium, one lab at a time, measuring
 * what a user feels rather than what the engine computes:
 *
 * - **fps**: how many times a second the live view shows new data (Samplers: the iteration counter above the
 *   chains, read at every animation frame; Scores: the trained-steps counter), over the first half of the
 *   measurement, untouched;
 * - **click-to-paint**: from a click's input timestamp to the first task after the next animation frame (the click's
 *   React update painted), over clicks on the lab's explainer toggle while the live view runs (second half);
 * - **longest task**: the longest UI-thread task (Long Tasks API) during the measurement;
 * - **drag update** (Uncertainty): from each pointer move over the plot to the next repaint of that panel (Plotly's
 *   `plotly_afterplot` or a canvas overlay draw counted in `data-draws`).
 *
 * Each scenario runs idle and with `load` busy processes spinning on the same machine. With a baseline build (an
 * earlier commit, built into its own folder), both builds are measured in one run, scenario by scenario, so their
 * ratios share the machine's state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.ts';

export interface UiScenarioResult {
  lab: 'samplers' | 'scores' | 'uncertainty';
  load: number;
  /** Live-view updates per second (Samplers, Scores). */
  fps?: number;
  /** Scores: trained steps per second while the UI was measured. */
  stepsPerSec?: number;
  clickP50?: number;
  clickP95?: number;
  clicks?: number;
  /** Uncertainty: pointer move to repaint, ms. */
  dragP50?: number;
  dragP95?: number;
  drags?: number;
  longestTaskMs: number;
  /** The share of the measured time spent in long tasks (> 50 ms). */
  longTaskShare: number;
  /** What the panels showed when the measurement ended ("Plot failed" messages, if any). */
  plotErrors: string[];
}

/** Installed before the app loads: collects long tasks and click latencies while `__ui.measuring` is set. */
const PROBE = `(() => {
  const ui = (window.__ui = { measuring: false, t0: 0, longtasks: [], clicks: [], drags: [], moves: [] });
  new PerformanceObserver((list) => {
    if (!ui.measuring) return;
    for (const e of list.getEntries()) ui.longtasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  const afterPaint = (cb) => requestAnimationFrame(() => setTimeout(cb, 0));
  addEventListener('click', (e) => {
    if (!ui.measuring) return;
    const t0 = e.timeStamp;
    afterPaint(() => ui.clicks.push(performance.now() - t0));
  }, true);
  addEventListener('pointermove', (e) => {
    if (ui.measuring && e.buttons === 1) ui.moves.push(e.timeStamp);
  }, true);
  ui.repainted = () => {
    const moves = ui.moves.splice(0);
    if (moves.length) afterPaint(() => { const t = performance.now(); for (const m of moves) ui.drags.push(t - m); });
  };
})()`;

/** Starts measuring (clears what was collected). */
const START = `(() => { const ui = window.__ui; ui.longtasks = []; ui.clicks = []; ui.drags = []; ui.moves = []; ui.t0 = performance.now(); ui.measuring = true; })()`;
/** Stops measuring and returns what was collected. */
const STOP = `(() => { const ui = window.__ui; ui.measuring = false; return { elapsed: performance.now() - ui.t0, longtasks: ui.longtasks, clicks: ui.clicks, drags: ui.drags }; })()`;
/** Counts changes of an element's text (or attribute), read at every animation frame, until stopped. */
const COUNT_CHANGES = `(([selector, attr]) => {
  const ui = window.__ui;
  ui.changes = 0;
  let last = null;
  const tick = () => {
    if (!ui.counting) return;
    const el = document.querySelector(selector);
    const v = el ? (attr ? el.getAttribute(attr) : el.textContent) : null;
    if (v !== last) { if (last !== null) ui.changes++; last = v; }
    requestAnimationFrame(tick);
  };
  ui.counting = true;
  requestAnimationFrame(tick);
})`;
const STOP_COUNT = `(() => { window.__ui.counting = false; return window.__ui.changes; })()`;
/** Panels that show a failed draw. */
const PLOT_ERRORS = `[...document.querySelectorAll('.plot-error')].map((e) => e.textContent)`;
/** Marks every repaint of the Uncertainty lab's interactive panel for the drag measurement. */
const WATCH_INTERACTIVE = `(() => {
  const panel = document.querySelector('.ulab-interactive');
  const gd = panel.querySelector('.js-plotly-plot');
  if (gd && gd.on) gd.on('plotly_afterplot', () => window.__ui.repainted());
  new MutationObserver(() => window.__ui.repainted()).observe(panel, { attributes: true, attributeFilter: ['data-draws'] });
})()`;

interface Collected {
  elapsed: number;
  longtasks: number[];
  clicks: number[];
  drags: number[];
}

function quantile(xs: number[], q: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

const round = (v: number | undefined, digits = 1): number | undefined => (v === undefined ? undefined : Number(v.toFixed(digits)));

function summarise(c: Collected): Pick<UiScenarioResult, 'clickP50' | 'clickP95' | 'clicks' | 'dragP50' | 'dragP95' | 'drags' | 'longestTaskMs' | 'longTaskShare'> {
  return {
    ...(c.clicks.length ? { clickP50: round(quantile(c.clicks, 0.5)), clickP95: round(quantile(c.clicks, 0.95)), clicks: c.clicks.length } : {}),
    ...(c.drags.length ? { dragP50: round(quantile(c.drags, 0.5)), dragP95: round(quantile(c.drags, 0.95)), drags: c.drags.length } : {}),
    longestTaskMs: round(Math.max(0, ...c.longtasks)) ?? 0,
    longTaskShare: Number((c.longtasks.reduce((a, b) => a + b, 0) / c.elapsed).toFixed(3)),
  };
}

/**
 * The two halves of a live measurement: first the live view untouched (updates of `selector`'s text or `attr`,
 * counted at every animation frame), then clicks on the explainer toggle. Returns the count and its seconds.
 */
async function liveThenClicks(page: Page, selector: string, attr: string | null, seconds: number): Promise<{ changes: number; seconds: number }> {
  await page.evaluate(`${COUNT_CHANGES}(${JSON.stringify([selector, attr])})`);
  const t0 = Date.now();
  await page.waitForTimeout((seconds * 1000) / 2);
  const changes = (await page.evaluate(STOP_COUNT)) as number;
  const counted = (Date.now() - t0) / 1000;
  await clickAround(page, 10, (seconds * 1000) / 2 / 10);
  return { changes, seconds: counted };
}

/** Clicks the lab's explainer toggle `n` times, `gapMs` apart (each click re-renders the lab and moves the page). */
async function clickAround(page: Page, n: number, gapMs: number): Promise<void> {
  const toggle = page.locator('[data-testid="explainer"] > summary');
  for (let i = 0; i < n; i++) {
    await toggle.click({ timeout: 60_000 });
    await page.waitForTimeout(gapMs);
  }
}

export interface UiBenchOptions {
  browser: Browser;
  baseUrl: string;
  load: number;
  seconds: number;
  log(line: string): void;
}

async function openLab(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(PROBE);
  await page.goto(url);
  await page.getByTestId('backend-badge').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 });
  return page;
}

/** Samplers: both panels, 300 chains with trails, playing. */
async function samplers(o: UiBenchOptions): Promise<UiScenarioResult> {
  const page = await openLab(o.browser, `${o.baseUrl}?tab=samplers&chains=300`);
  try {
    await page.getByTestId('play').and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
    await page.getByTestId('play').click();
    await page.waitForTimeout(1500);
    await page.evaluate(START);
    const { changes, seconds } = await liveThenClicks(page, '[data-testid="panel-0-t"]', null, o.seconds);
    const c = (await page.evaluate(STOP)) as Collected;
    return { lab: 'samplers', load: o.load, fps: round(changes / seconds), ...summarise(c), plotErrors: (await page.evaluate(PLOT_ERRORS)) as string[] };
  } finally {
    await page.close();
  }
}

/** Scores: training at full speed (the default ring8 model). */
async function scores(o: UiBenchOptions): Promise<UiScenarioResult> {
  const page = await openLab(o.browser, `${o.baseUrl}?tab=scores`);
  try {
    const lab = page.getByTestId('scores-lab');
    await page.locator('[data-testid="scores-lab"][data-fields-step]:not([data-fields-step=""])').waitFor({ timeout: 120_000 });
    await page.getByTestId('start').click();
    await page.waitForTimeout(2000);
    const step0 = Number(await lab.getAttribute('data-step'));
    await page.evaluate(START);
    const { changes, seconds } = await liveThenClicks(page, '[data-testid="scores-lab"]', 'data-step', o.seconds);
    const c = (await page.evaluate(STOP)) as Collected;
    const step1 = Number(await lab.getAttribute('data-step'));
    return {
      lab: 'scores',
      load: o.load,
      fps: round(changes / seconds),
      stepsPerSec: round((step1 - step0) / (c.elapsed / 1000)),
      ...summarise(c),
      plotErrors: (await page.evaluate(PLOT_ERRORS)) as string[],
    };
  } finally {
    await page.close();
  }
}

/** Uncertainty: a point dragged across the interactive panel (pointer moves every 40 ms). */
async function uncertainty(o: UiBenchOptions): Promise<UiScenarioResult> {
  const page = await openLab(o.browser, `${o.baseUrl}?tab=uncertainty&at=0.5,0.5`);
  try {
    const panel = page.locator('.ulab-interactive');
    await panel.locator('.js-plotly-plot').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="uncertainty-lab"][data-ellipses]:not([data-ellipses="0"])').waitFor({ timeout: 120_000 });
    await panel.scrollIntoViewIfNeeded();
    await page.evaluate(WATCH_INTERACTIVE);
    const box = (await panel.locator('.nsewdrag').first().boundingBox()) ?? (await panel.boundingBox());
    if (!box) throw new Error('the interactive panel is not on screen');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.evaluate(START);
    const moves = Math.round((o.seconds * 1000) / 40);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < moves; i++) {
      const a = (2 * Math.PI * i) / 60;
      await page.mouse.move(cx + box.width * 0.25 * Math.cos(a), cy + box.height * 0.25 * Math.sin(a));
      await page.waitForTimeout(40);
    }
    await page.mouse.up();
    await page.waitForTimeout(500);
    const c = (await page.evaluate(STOP)) as Collected;
    return { lab: 'uncertainty', load: o.load, ...summarise(c), plotErrors: (await page.evaluate(PLOT_ERRORS)) as string[] };
  } finally {
    await page.close();
  }
}

export const UI_SCENARIOS = { samplers, scores, uncertainty } as const;
export type UiLab = keyof typeof UI_SCENARIOS;

/** `n` processes spinning a core each (a busy machine), until `stop`. */
export function busyProcesses(n: number): { stop(): void } {
  const procs: ChildProcess[] = [];
  for (let i = 0; i < n; i++) procs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return { stop: () => procs.forEach((p) => p.kill('SIGKILL')) };
}

export async function launchBenchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = (await import('playwright-core')) as typeof import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
