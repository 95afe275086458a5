/**
 * End-to-end tests of the Uncertainty lab (issue 4) in headless Chromium against the production build: clicking the
 * plot produces ellipses; dragging updates them at an interactive rate; the URL restores the clicked point; the
 * field of ellipses and the Fig. 2 pair render.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, panelViews, TABLET, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

/** Page pixel position of data point (x, y) on the interactive panel (Plotly's axis internals). */
async function dataToPage(page: Page, x: number, y: number): Promise<{ px: number; py: number }> {
  return page.evaluate(
    ([x, y]) => {
      const gd = document.querySelector('.ulab-interactive .js-plotly-plot') as HTMLElement & {
        _fullLayout: { xaxis: { _offset: number; l2p(v: number): number }; yaxis: { _offset: number; l2p(v: number): number } };
      };
      const r = gd.getBoundingClientRect();
      const fl = gd._fullLayout;
      return { px: r.left + fl.xaxis._offset + fl.xaxis.l2p(x), py: r.top + fl.yaxis._offset + fl.yaxis.l2p(y) };
    },
    [x, y] as const,
  );
}

/** The first Tweedie mean shown in the readout (the exact row). */
async function exactMeanText(page: Page): Promise<string> {
  return (await page.getByTestId('u-row-exact').locator('td').first().textContent()) ?? '';
}

/** Ellipses drawn on the interactive panel's canvas layer (lines named "… (1σ)" / "(2σ)", "NOT PSD" or "clipped", with points). */
async function ellipseTraceCount(page: Page): Promise<number> {
  const main = (await panelViews(page, '.uncertainty-lab')).find((v) => /Noisy point/.test(v.label));
  return (main?.layers ?? []).filter((l) => /\((1|2)σ\)|NOT PSD|clipped/.test(l) && /\|lines\|[1-9]/.test(l)).length;
}

describe('uncertainty lab', () => {
  it('clicking the plot produces ellipses; dragging updates them; the URL keeps the point', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty');
    const lab = page.getByTestId('uncertainty-lab');
    await lab.waitFor();
    await page.locator('.ulab-interactive .main-svg').first().waitFor({ timeout: 60_000 });
    expect(await lab.getAttribute('data-ellipses')).toBe('0');
    await page.locator('.ulab-interactive').scrollIntoViewIfNeeded();

    // Click between the two modes of gmm2.
    const a = await dataToPage(page, 0, 0.5);
    await page.mouse.click(a.px, a.py);
    await expect.poll(() => lab.getAttribute('data-ellipses'), { timeout: 30_000 }).not.toBe('0');
    await expect.poll(() => ellipseTraceCount(page)).toBeGreaterThanOrEqual(2);
    await expect.poll(() => new URL(page.url()).searchParams.get('at')).not.toBeNull();
    const at = new URL(page.url()).searchParams.get('at')!.split(',').map(Number);
    expect(Math.abs(at[0] - 0)).toBeLessThan(0.1);
    expect(Math.abs(at[1] - 0.5)).toBeLessThan(0.1);
    const before = await exactMeanText(page);
    // gmm2 at σ = 0.3 has a shipped model: the learned and autodiff estimates are there with their error numbers.
    await expect.poll(() => lab.getAttribute('data-model'), { timeout: 30_000 }).not.toBe('');
    await expect.poll(() => page.getByTestId('u-row-learned').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('u-row-learned').locator('td').nth(2).textContent()).toMatch(/^[0-9.e-]+$/);
    await page.screenshot({ path: `${RESULTS}/uncertainty-click.png` });

    // Drag to the right mode: the readout follows while the button is held (before release), then the URL.
    const b = await dataToPage(page, 1.5, -0.6);
    await page.mouse.move(a.px, a.py);
    await page.mouse.down();
    const t0 = Date.now();
    const steps = 12;
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(a.px + ((b.px - a.px) * i) / steps, a.py + ((b.py - a.py) * i) / steps);
      await page.waitForTimeout(30);
    }
    await expect.poll(() => exactMeanText(page), { timeout: 10_000 }).not.toBe(before);
    const midDrag = await lab.getAttribute('data-at');
    expect(midDrag).not.toBe(`${at[0]},${at[1]}`);
    const dragMs = Date.now() - t0;
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('at')).not.toBe(`${at[0]},${at[1]}`);
    const moved = new URL(page.url()).searchParams.get('at')!.split(',').map(Number);
    expect(Math.abs(moved[0] - 1.5)).toBeLessThan(0.1);
    expect(Math.abs(moved[1] + 0.6)).toBeLessThan(0.1);
    await expect.poll(() => ellipseTraceCount(page)).toBeGreaterThanOrEqual(2);
    expect(dragMs).toBeLessThan(10_000);
    await page.screenshot({ path: `${RESULTS}/uncertainty-drag.png` });

    // The field of ellipses and the Fig. 2 pair render.
    await page.locator('.ulab-field .main-svg').first().waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('.ulab-fig2 .plot-panel').count()).toBe(2);
    await expect.poll(() => page.getByTestId('u-field-caption').textContent()).toMatch(/noisy points/);

    // The URL restores the point and its ellipses.
    const shared = page.url();
    const second = await openApp(chromium.browser, shared, '');
    const lab2 = second.page.getByTestId('uncertainty-lab');
    await expect.poll(() => lab2.getAttribute('data-at'), { timeout: 30_000 }).toBe(`${moved[0]},${moved[1]}`);
    await expect.poll(() => lab2.getAttribute('data-ellipses'), { timeout: 30_000 }).not.toBe('0');
    await expect.poll(() => ellipseTraceCount(second.page)).toBeGreaterThanOrEqual(2);
    expect([...errors, ...second.errors]).toEqual([]);
    await second.context.close();
    await context.close();
  });

  it('a non-PSD learned covariance is flagged, drawn dashed and its clipped version labelled', async () => {
    // Far from the data (upper left of gmm2) the shipped model's σ⁴ s2 + σ² I has a negative eigenvalue.
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&at=-3.5,2.5');
    await expect.poll(() => page.getByTestId('u-nonpsd').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('u-nonpsd').textContent()).toMatch(/not positive semi-definite.*clipped/);
    expect(await page.getByTestId('u-row-learned').getAttribute('class')).toBe('not-psd');
    // The panel draws asynchronously after the notice appears, so poll what its canvas layer shows
    // ("name|kind|points|dash"), and the legend (Plotly's) names both.
    const layers = async () => (await panelViews(page, '.uncertainty-lab')).find((v) => /Noisy point/.test(v.label))?.layers ?? [];
    await expect.poll(async () => (await layers()).some((l) => /NOT PSD.*\|lines\|[1-9][0-9]*\|dash$/.test(l)), { timeout: 30_000 }).toBe(true);
    expect((await layers()).some((l) => /clipped \(used for sampling\)\|lines\|[1-9]/.test(l))).toBe(true);
    // The legend is Plotly's static layer, drawn in its own frame: poll it too.
    const legend = () => page.locator('.ulab-interactive .legend .legendtext').allTextContents();
    await expect.poll(async () => (await legend()).some((t) => /NOT PSD/.test(t)), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('u-field-caption').textContent(), { timeout: 60_000 }).toMatch(/[1-9][0-9]* of [0-9]+ covariances are not PSD/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits a tablet screen without sideways scrolling', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&at=0,0.5', { viewport: TABLET });
    await page.locator('.ulab-fig2 .main-svg').first().waitFor({ timeout: 90_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${RESULTS}/uncertainty-820x1180.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says how to get a learned model when none matches, and shows the exact field', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&density=banana&sigma=0.77&at=0,-1');
    const status = page.getByTestId('u-model-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/No trained model for banana at σ = 0.77.*Scores lab/);
    await expect.poll(() => page.getByTestId('uncertainty-lab').getAttribute('data-ellipses'), { timeout: 30_000 }).toBe('1');
    await page.locator('.ulab-field .main-svg').first().waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('u-field-caption').textContent()).toMatch(/Exact posterior covariance/);
    await page.screenshot({ path: `${RESULTS}/uncertainty-banana.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
