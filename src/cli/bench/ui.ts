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
    // The drag's pointer-up ends in a click event: not a click-to-paint sample.
    return { lab: 'uncertainty', load: o.load, ...summarise({ ...c, clicks: [] }), plotErrors: (await page.evaluate(PLOT_ERRORS)) as string[] };
  } finally {
    await page.close();
  }
}

export const UI_SCENARIOS = { samplers, scores, uncertainty } as const;

/** Median ms per update of one chain panel (70×70 contour, 300 chains, 40 trails × 16 points) by each render path. */
export interface RenderPathResult {
  /** `Plotly.react` of the whole figure (what every panel did before). */
  react: number;
  /** `Plotly.restyle` of the moving traces only (the cheapest Plotly path for SVG scatter traces). */
  restyle: number;
  /** Clearing and redrawing a canvas over the plot area (the path the live panels take). */
  canvas: number;
}

/**
 * Times the three ways a live panel can show a new frame, on the app's own Plotly bundle (the lazily loaded chunk,
 * found in the page's resources), in a bare 600 × 400 figure; paint is not included in any of them.
 */
const RENDER_PATHS = `async (updates) => {
  const url = performance.getEntriesByType('resource').map((e) => e.name).find((n) => /plotly-[^/]*[.]js$/.test(n));
  const mod = await import(url);
  const Plotly = Object.values(mod).find((v) => v && typeof v.react === 'function');
  const gd = document.createElement('div');
  gd.style.cssText = 'position:fixed;left:0;top:0;width:600px;height:400px;background:#fff;z-index:99';
  document.body.appendChild(gd);
  const n = 70, xs = [], z = [];
  for (let i = 0; i < n; i++) xs.push(-4 + (8 * i) / (n - 1));
  for (let j = 0; j < n; j++) z.push(xs.map((x) => -0.5 * ((x - 1) ** 2 + (xs[j] + 0.5) ** 2)));
  const contour = { type: 'contour', x: xs, y: xs, z, autocontour: false, contours: { coloring: 'fill', start: -12, end: 0, size: 1 }, showscale: false };
  const frame = () => {
    const px = [], py = [], tx = [], ty = [];
    for (let i = 0; i < 300; i++) { px.push(8 * Math.random() - 4); py.push(8 * Math.random() - 4); }
    for (let c = 0; c < 40; c++) { for (let t = 0; t < 16; t++) { tx.push(8 * Math.random() - 4); ty.push(8 * Math.random() - 4); } tx.push(null); ty.push(null); }
    return { px, py, tx, ty };
  };
  const layout = { width: 600, height: 400, showlegend: false, xaxis: { range: [-4, 4] }, yaxis: { range: [-4, 4] } };
  const traces = (f) => [contour, { type: 'scatter', mode: 'lines', x: f.tx, y: f.ty, line: { width: 1 } }, { type: 'scatter', mode: 'markers', x: f.px, y: f.py, marker: { size: 4 } }];
  const median = (a) => a.sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const time = async (update) => { const ms = []; for (let i = 0; i < updates; i++) { const f = frame(); const t0 = performance.now(); await update(f); ms.push(performance.now() - t0); await new Promise((r) => requestAnimationFrame(r)); } return median(ms); };
  await Plotly.newPlot(gd, traces(frame()), layout, { staticPlot: true });
  const react = await time((f) => Plotly.react(gd, traces(f), layout));
  const restyle = await time((f) => Plotly.restyle(gd, { x: [f.tx, f.px], y: [f.ty, f.py] }, [1, 2]));
  const canvas = document.createElement('canvas');
  canvas.width = 600; canvas.height = 400;
  canvas.style.cssText = 'position:fixed;left:0;top:0;z-index:100;pointer-events:none';
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  const X = (x) => 80 + ((x + 4) / 8) * 440, Y = (y) => 40 + ((4 - y) / 8) * 320;
  const draw = (f) => {
    ctx.clearRect(0, 0, 600, 400);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < f.tx.length; i++) { if (f.tx[i] === null) { pen = false; continue; } if (pen) ctx.lineTo(X(f.tx[i]), Y(f.ty[i])); else ctx.moveTo(X(f.tx[i]), Y(f.ty[i])); pen = true; }
    ctx.stroke();
    ctx.beginPath();
    for (let i = 0; i < f.px.length; i++) { ctx.moveTo(X(f.px[i]) + 2, Y(f.py[i])); ctx.arc(X(f.px[i]), Y(f.py[i]), 2, 0, 2 * Math.PI); }
    ctx.fill();
  };
  const canvasMs = await time(draw);
  Plotly.purge(gd); gd.remove(); canvas.remove();
  return { react, restyle, canvas: canvasMs };
}`;

/** Runs the render-path comparison in a page of the app (after its Plotly chunk has loaded). */
export async function renderPaths(browser: Browser, baseUrl: string, updates = 30): Promise<RenderPathResult> {
  const page = await openLab(browser, `${baseUrl}?tab=samplers`);
  try {
    await page.locator('.js-plotly-plot').first().waitFor({ timeout: 120_000 });
    const r = (await page.evaluate(`(${RENDER_PATHS})(${updates})`)) as RenderPathResult;
    return { react: Number(r.react.toFixed(2)), restyle: Number(r.restyle.toFixed(2)), canvas: Number(r.canvas.toFixed(3)) };
  } finally {
    await page.close();
  }
}
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
