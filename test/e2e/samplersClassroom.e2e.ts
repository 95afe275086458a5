/**
 * Classroom checks of the Samplers lab (issue 14) in headless Chromium against the production build:
 *
 * - the "One thing to try" holds at its scenario (corr-gauss): Langevin at ε = 0.07 keeps every chain, past 0.08 every
 *   chain diverges (tolerance: at least 95% of them), and Ozaki (full 2×2) at ε = 2 samples with a covariance error
 *   under 5% and no divergence; the space bar plays and pauses (also with a slider focused);
 * - diverged chains show as crosses on the chain panel, named in its legend;
 * - after a sweep the best steps restart the chains: no divergence of the old step is left on the panel;
 * - every legend sits above its plot area, inside its figure (it covers no curve and is not clipped), and the sweep's
 *   legend uses the samplers' names and keys the diverged crosses;
 * - chains, metrics and the sweep download as CSV / JSON named by lab, setting and seed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, panelViews, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

const attr = async (page: Page, testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? '';
const iteration = async (page: Page, panel: number): Promise<number> => Number(await attr(page, `panel-${panel}`, 'data-t'));
const runningStep = async (page: Page, panel: number): Promise<number> => Number(await attr(page, `panel-${panel}`, 'data-step'));
const playing = (page: Page) => attr(page, 'samplers-lab', 'data-playing');

/** A row of a panel's metrics strip, e.g. "cov error" or "diverged". */
async function metric(page: Page, panel: number, row: string): Promise<string> {
  return page.getByTestId(`metrics-${panel}`).locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${row}$`) }) }).locator('td').innerText();
}

/** Chains drawn as diverged crosses on a chain panel's canvas. */
async function divergedCrosses(page: Page, panel: number): Promise<number> {
  const views = await panelViews(page, `[data-testid="panel-${panel}"]`);
  const layer = views[0]?.layers.find((l) => l.startsWith('diverged'));
  return Number(layer?.split('|')[2] ?? 0);
}

/** Moves focus off any control (the space bar then belongs to the lab). */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

/**
 * Legends that overlap their plot area or stick out of their figure: "label: why" for each. The plot area is
 * Plotly's drag layer rectangle; the legend its `g.legend` box.
 */
async function misplacedLegends(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    for (const panel of document.querySelectorAll('[data-testid="samplers-lab"] .plot-panel')) {
      const legend = panel.querySelector('g.legend');
      const area = panel.querySelector('.draglayer .nsewdrag');
      const svg = panel.querySelector('svg.main-svg');
      if (!legend || !area || !svg) continue;
      const l = legend.getBoundingClientRect();
      const a = area.getBoundingClientRect();
      const s = svg.getBoundingClientRect();
      const label = panel.getAttribute('aria-label') ?? '?';
      if (l.width === 0) continue;
      if (l.bottom > a.top + 1) bad.push(`${label}: legend "${legend.textContent}" (${Math.round(l.height)} px tall) reaches ${Math.round(l.bottom - a.top)} px into the plot area`);
      if (l.left < s.left - 1 || l.right > s.right + 1 || l.top < s.top - 1) bad.push(`${label}: legend clipped by the figure`);
    }
    return bad;
  });
}

describe('samplers lab in class', () => {
  it('"One thing to try": Langevin diverges past ε = 0.08 on corr-gauss, Ozaki (full) samples it at ε = 2; space plays and pauses', async () => {
    const { page, errors, context } = await openApp(
      chromium.browser,
      chromium.baseUrl,
      '?tab=samplers&density=corr-gauss&score=exact&samplerA=langevin&stepA=0.07&samplerB=ozaki-full&stepB=2&chains=300&burn=50',
    );
    await expect.poll(() => page.getByTestId('play').isEnabled(), { timeout: 90_000 }).toBe(true);
    await blur(page);
    await page.keyboard.press('Space');
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => iteration(page, 0), { timeout: 90_000 }).toBeGreaterThan(150);
    // Below the limit 4/50 = 0.08, no chain diverges.
    expect(await metric(page, 0, 'diverged')).toBe('0 / 300');

    // Past the limit (the slider moved with the keyboard while running): restart, and every chain diverges.
    const slider = page.getByTestId('step-slider-0');
    await slider.focus();
    for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => runningStep(page, 0), { timeout: 30_000 }).toBeGreaterThan(0.08);
    // Space with a slider focused pauses and plays too.
    await page.keyboard.press('Space');
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('0');
    await page.getByTestId('reset').click();
    await expect.poll(() => iteration(page, 0), { timeout: 30_000 }).toBe(0);
    await blur(page);
    await page.keyboard.press('Space');
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => iteration(page, 0), { timeout: 90_000 }).toBeGreaterThan(200);
    await expect
      .poll(async () => Number((await metric(page, 0, 'diverged')).split('/')[0]), { timeout: 60_000, message: 'Langevin chains diverged past ε = 0.08' })
      .toBeGreaterThanOrEqual(285);
    await expect.poll(() => metric(page, 1, 'cov error'), { timeout: 90_000 }).toMatch(/^\d/);
    await page.keyboard.press('Space');
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('0');

    // Ozaki (full 2×2) at ε = 2: exact sampling (covariance error under 5%), no chain lost.
    expect(Number(await metric(page, 1, 'cov error'))).toBeLessThan(0.05);
    expect(await metric(page, 1, 'diverged')).toBe('0 / 300');
    // The diverged chains are drawn (as crosses) and named in the panel's legend.
    await expect.poll(() => divergedCrosses(page, 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(285);
    expect((await page.locator('[data-testid="panel-0"] g.legend').textContent()) ?? '').toMatch(/diverged/);
    await page.screenshot({ path: `${RESULTS}/samplers-try-this.png`, fullPage: true });
    // Plotly pushes its margins for a legend that wraps in a second, asynchronous pass: poll past it.
    await expect.poll(() => misplacedLegends(page), { timeout: 15_000 }).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a sweep after a divergence restarts the chains at the best steps; legends name the samplers; chains, metrics and sweep download', async () => {
    const { page, errors, context } = await openApp(
      chromium.browser,
      chromium.baseUrl,
      '?tab=samplers&density=corr-gauss&samplerA=langevin&stepA=0.2&samplerB=ozaki&stepB=0.05&chains=100&burn=20&sweepLo=0.01&sweepHi=0.06&sweepN=3',
    );
    await expect.poll(() => page.getByTestId('play').isEnabled(), { timeout: 90_000 }).toBe(true);
    await page.getByTestId('play').click();
    await expect.poll(() => attr(page, 'panel-0', 'data-t').then(Number), { timeout: 90_000 }).toBeGreaterThan(60);
    await expect.poll(async () => (await page.getByTestId('panel-0-diverged').count()) > 0, { timeout: 60_000 }).toBe(true);
    await page.getByTestId('play').click();
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('0');

    // Export the chains: the file is named by lab, what, setting and seed, and lists every chain of both panels.
    const [chains] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-chains-csv').click()]);
    expect(chains.suggestedFilename()).toBe('tweedie-samplers-chains-corr-gauss-langevin-eps0.2-ozaki-eps0.05-seed1.csv');
    const rows = readFileSync(await chains.path(), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('panel,sampler,epsilon,iteration,chain,x1,x2,diverged');
    expect(rows).toHaveLength(201);
    expect(rows.filter((r) => r.startsWith('0,') && r.endsWith(',1')).length).toBeGreaterThan(0);

    // The sweep: its best steps are applied, and the chains restart there (no divergence of ε = 0.2 left).
    await page.getByTestId('sweep').click();
    await expect.poll(() => attr(page, 'sweep-status', 'data-status'), { timeout: 180_000 }).toBe('done');
    const status = (await page.getByTestId('sweep-status').textContent()) ?? '';
    const best = Number(/Langevin: best ε = ([0-9.e-]+)/.exec(status)?.[1]);
    expect(best).toBeLessThan(0.08);
    await expect.poll(async () => Math.abs((await runningStep(page, 0)) / best - 1), { timeout: 30_000 }).toBeLessThan(0.01);
    await expect.poll(() => iteration(page, 0), { timeout: 60_000 }).toBeGreaterThan(20);
    expect(await page.getByTestId('panel-0-diverged').count()).toBe(0);
    expect(await divergedCrosses(page, 0)).toBe(0);
    expect((await panelViews(page, '[data-testid="panel-0"]'))[0].layers.find((l) => l.startsWith('chains|'))).toBe('chains|points|100|');
    await expect.poll(() => metric(page, 0, 'min ESS'), { timeout: 90_000 }).toMatch(/^\d/);
    await page.getByTestId('play').click();
    await expect.poll(() => playing(page), { timeout: 10_000 }).toBe('0');

    // The sweep's legend: the samplers' names, and a key for the diverged crosses.
    const sweepLegend = (await page.locator('.slab-sweep g.legend').textContent()) ?? '';
    expect(sweepLegend).toMatch(/Langevin/);
    expect(sweepLegend).toMatch(/Ozaki \(diagonal\)/);
    expect(sweepLegend).not.toMatch(/\bozaki\b|\blangevin\b/);
    expect(sweepLegend).toMatch(/chains diverged/);
    await page.locator('.slab-sweep').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/samplers-after-sweep.png`, fullPage: true });
    // Plotly pushes its margins for a legend that wraps in a second, asynchronous pass: poll past it.
    await expect.poll(() => misplacedLegends(page), { timeout: 15_000 }).toEqual([]);

    // Metrics and the sweep table.
    const stepName = String(Number(best.toPrecision(4)));
    const [metrics] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-metrics-json').click()]);
    expect(metrics.suggestedFilename()).toMatch(new RegExp(`^tweedie-samplers-metrics-corr-gauss-langevin-eps${stepName.replace('.', '\\.')}-ozaki-eps[0-9.e-]+-seed1\\.json$`));
    const m = JSON.parse(readFileSync(await metrics.path(), 'utf8')) as { panels: { metrics: { essMin: number } | null }[]; sweep: { sampler: string; points: unknown[] }[] };
    expect(m.panels[0].metrics?.essMin).toBeGreaterThan(0);
    expect(m.sweep.map((c) => c.sampler)).toEqual(['langevin', 'ozaki']);
    const [sweepFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-sweep-csv').click()]);
    expect(sweepFile.suggestedFilename()).toBe('tweedie-samplers-sweep-corr-gauss-langevin-ozaki-seed1.csv');
    expect(readFileSync(await sweepFile.path(), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(errors).toEqual([]);
    await context.close();
  });
});
