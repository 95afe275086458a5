/**
 * End-to-end test of the Inverse problems lab (issue 7) in headless Chromium against the production build: train
 * both energy models a few hundred steps from the UI; the normalisation panel and the blind-estimation heat-maps
 * render with their traces; clicking a heat-map moves the true Σ in the URL.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

/** Trace types and names of the Plotly graph inside the element with this test id. */
async function traces(page: Page, testId: string): Promise<{ type?: string; name?: string }[]> {
  return page.evaluate((id) => {
    const gd = document.querySelector(`[data-testid="${id}"] .js-plotly-plot`) as (HTMLElement & { data?: { type?: string; name?: string }[] }) | null;
    return (gd?.data ?? []).map((t) => ({ type: t.type, name: t.name }));
  }, testId);
}

describe('inverse problems lab', () => {
  it('trains both models from the UI; the normalisation panel and the blind-estimation heat-maps render', async () => {
    const { page, errors } = await openApp(chromium.browser, chromium.baseUrl, '?tab=inverse&steps=150&points=100');
    const lab = page.getByTestId('inverse-lab');
    await lab.waitFor({ timeout: 60_000 });
    const train = page.getByTestId('i-train');
    await expect.poll(() => train.isEnabled(), { timeout: 90_000 }).toBe(true);
    await train.click();
    await expect.poll(() => lab.getAttribute('data-normalized'), { timeout: 170_000, interval: 1000 }).toBe('yes');
    expect(await lab.getAttribute('data-steps')).toBe('150');

    await page.locator('[data-testid="i-normalization"] .main-svg').first().waitFor({ timeout: 30_000 });
    const norm = await traces(page, 'i-normalization');
    expect(norm.map((t) => t.name)).toEqual(['A-DSM + A-CSM', 'A-DSM only', 'exact energy']);

    for (const which of ['acsm', 'dsm']) {
      await page.locator(`[data-testid="i-blind-${which}"] .main-svg`).first().waitFor({ timeout: 120_000 });
      const blind = await traces(page, `i-blind-${which}`);
      expect(blind[0].type).toBe('heatmap');
      expect(blind.map((t) => t.name)).toContain('exact argmax');
    }
    await page.getByTestId('i-blind').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/inverse-trained.png`, fullPage: true });

    // Clicking the heat-map moves the truth (log10 σ coordinates → σ in the URL).
    const box = await page.locator('[data-testid="i-blind-acsm"] .nsewdrag').first().boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.click(box!.x + box!.width * 0.25, box!.y + box!.height * 0.75);
    await expect.poll(() => new URL(page.url()).searchParams.get('trueS1'), { timeout: 10_000 }).not.toBeNull();
    expect(errors).toEqual([]);
  });

  it('loads the pretrained gmm2 pair: A-CSM normaliser near 1; posterior sampling draws samples with a distance', async () => {
    const { page, errors } = await openApp(chromium.browser, chromium.baseUrl, '?tab=inverse&chains=200&levels=10&points=50');
    const lab = page.getByTestId('inverse-lab');
    await lab.waitFor({ timeout: 60_000 });
    const load = page.getByTestId('i-pretrained');
    await expect.poll(() => load.isEnabled(), { timeout: 90_000 }).toBe(true);
    await load.click();
    await expect.poll(() => lab.getAttribute('data-normalized'), { timeout: 120_000, interval: 1000 }).toBe('yes');
    // Plotly draws asynchronously after the flag flips, so wait for the panel's traces.
    const drawnMasses = () =>
      page.evaluate(() => {
        const gd = document.querySelector('[data-testid="i-normalization"] .js-plotly-plot') as (HTMLElement & { data?: { y?: number[] }[] }) | null;
        return (gd?.data ?? []).map((t) => t.y ?? []);
      });
    await expect.poll(async () => (await drawnMasses()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const masses = await drawnMasses();
    // A-CSM: every mass within a factor 1.5 of 1; A-DSM only: some mass off by more than a factor 3.
    for (const m of masses[0]) expect(Math.abs(Math.log(m))).toBeLessThan(Math.log(1.5));
    expect(Math.max(...masses[1].map((m) => Math.abs(Math.log(m))))).toBeGreaterThan(Math.log(3));

    await page.getByTestId('i-sample').click();
    await page.locator('[data-testid="i-posterior"] .main-svg').first().waitFor({ timeout: 90_000 });
    await expect.poll(async () => (await page.getByTestId('i-posterior').textContent()) ?? '', { timeout: 10_000 }).toMatch(/sliced W1 to the exact posterior [0-9.]+/);
    expect(errors).toEqual([]);
  });
});
