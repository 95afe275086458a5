/**
 * End-to-end test of the Digit inverse lab (issue 15) in headless Chromium against the production build: the tab opens
 * by URL on the gallery 9 with its top hidden; dragging on the observation hides another box (written to the URL);
 * a quick reconstruction (4 levels, 1 corrector step, from the URL) shows 8 samples and the std map; blind estimation
 * on the coarse grid draws both heat-maps; a long run can be cancelled. No panel may show a failure and the page no
 * error. The shipped energy weights may be untrained placeholders: the test checks the machinery, not the quality.
 */
import { describe, expect, it } from 'vitest';
import { openApp, panelViews, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

describe('digit inverse lab', () => {
  it('hides a dragged box of a gallery digit, reconstructs 8 samples with their std, maps both blind surfaces, cancels a run', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=inverse-digits&levels=4&steps=1&blindGrid=coarse');
    const lab = page.getByTestId('inverse-digits-lab');
    await lab.waitFor({ timeout: 60_000 });

    // The default: the gallery 9 with a 20 × 12 box over its top.
    const obs = page.getByTestId('idl-observation');
    await expect.poll(() => obs.getAttribute('data-hidden'), { timeout: 60_000 }).toBe('240');

    // Drag from pixel (6, 4) to pixel (21, 13): a 16 × 10 box at (6, 4).
    await obs.scrollIntoViewIfNeeded();
    const r = (await obs.boundingBox())!;
    const at = (col: number, row: number): [number, number] => [r.x + ((col + 0.5) / 28) * r.width, r.y + ((row + 0.5) / 28) * r.height];
    await page.mouse.move(...at(6, 4));
    await page.mouse.down();
    for (let t = 0.25; t <= 1; t += 0.25) await page.mouse.move(...at(6 + 15 * t, 4 + 9 * t));
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('bw')).toBe('16');
    const url = new URL(page.url()).searchParams;
    expect([url.get('bx'), url.get('by'), url.get('bh')]).toEqual(['6', '4', '10']);
    await expect.poll(() => obs.getAttribute('data-hidden')).toBe('160');

    // Reconstruct: 8 samples, the mean and the std map.
    const run = page.getByTestId('idl-run');
    await expect.poll(() => run.isEnabled(), { timeout: 90_000 }).toBe(true);
    await run.click();
    await expect.poll(() => lab.getAttribute('data-status'), { timeout: 150_000, interval: 500 }).toBe('done');
    await expect.poll(() => page.getByTestId('idl-samples').locator('canvas').count()).toBe(8);
    for (let j = 0; j < 8; j++) expect(await page.getByTestId(`idl-sample-${j}`).getAttribute('data-nonblank'), `sample ${j}`).toBe('true');
    expect(await page.getByTestId('idl-std').getAttribute('data-nonblank')).toBe('true');
    expect(await page.getByTestId('idl-mean').getAttribute('data-nonblank')).toBe('true');
    expect(await page.getByTestId('idl-numbers').textContent()).toMatch(/MSE of the mean [0-9.e-]+ \(PSNR/);
    expect(await page.getByTestId('idl-error').count()).toBe(0);

    // Blind estimation on the coarse grid: both heat-maps, each with the truth and the argmax.
    await page.getByTestId('idl-blind-run').click();
    await expect.poll(() => lab.getAttribute('data-blind'), { timeout: 150_000, interval: 500 }).toBe('done');
    for (const model of ['acsm', 'dsm']) {
      const panel = page.getByTestId(`idl-blind-${model}`);
      await panel.locator('.main-svg').first().waitFor({ timeout: 60_000 });
      const traces = () => panel.evaluate((el) => ((el.querySelector('.js-plotly-plot') as (HTMLElement & { data?: { type?: string; name?: string }[] }) | null)?.data ?? []).map((t) => `${t.type}:${t.name ?? ''}`));
      await expect.poll(traces, { timeout: 30_000 }).toEqual(['heatmap:', 'scatter:truth', 'scatter:argmax']);
    }
    expect(await page.getByTestId('idl-blind-sentence').textContent()).toMatch(/^Truth: W = 12, σ1 = 0\.05\. A-DSM \+ A-CSM estimates W = \d+, σ1 = [0-9.]+; A-DSM only estimates W = \d+/);
    await page.getByTestId('idl-blind').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/inverse-digits.png`, fullPage: true });

    // A long run shows its progress and stops on Cancel.
    const levels = page.getByTestId('idl-levels');
    await levels.focus();
    await page.keyboard.press('End');
    await expect.poll(() => new URL(page.url()).searchParams.get('levels')).toBe('100');
    await run.click();
    await page.getByTestId('idl-progress').waitFor({ timeout: 30_000 });
    await page.getByTestId('idl-cancel').click();
    await expect.poll(() => lab.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    // The finished run's samples stay, marked as made with other settings.
    expect(await page.getByTestId('idl-posterior').getAttribute('data-stale')).toBe('1');

    const failed = (await panelViews(page)).filter((v) => v.error !== null);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
