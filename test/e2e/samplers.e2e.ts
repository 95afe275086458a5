/**
 * End-to-end tests of the Samplers lab (issue 5) in headless Chromium against the production build: both samplers
 * run side by side; moving one panel's step slider while running changes that panel's running step at once (and
 * not the other's); a step-size sweep runs in the engine with progress and its best steps are applied; the same
 * comparison runs on the scores a model trained in the Scores lab learned, on the same page.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, RESULTS, trainScoresLab, useChromium } from './browser.ts';

const chromium = useChromium();

const attr = async (page: Page, testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? '';
const iteration = async (page: Page, panel: number): Promise<number> => Number(await attr(page, `panel-${panel}`, 'data-t'));
const runningStep = async (page: Page, panel: number): Promise<number> => Number(await attr(page, `panel-${panel}`, 'data-step'));

describe('samplers lab', () => {
  it('runs both samplers; a slider moved while running changes that panel at once; a sweep applies its best steps', async () => {
    const { page, errors, context } = await openApp(
      chromium.browser,
      chromium.baseUrl,
      '?tab=samplers&density=corr-gauss&chains=100&perFrame=4&burn=20&stepA=0.02&stepB=0.02&sweepLo=0.01&sweepHi=0.06&sweepN=3',
    );
    await page.getByTestId('samplers-lab').waitFor({ timeout: 60_000 });
    const play = page.getByTestId('play');
    await expect.poll(() => play.isEnabled(), { timeout: 60_000 }).toBe(true);
    await play.click();
    await expect.poll(() => iteration(page, 0), { timeout: 60_000 }).toBeGreaterThan(10);
    await expect.poll(() => iteration(page, 1), { timeout: 60_000 }).toBeGreaterThan(10);
    expect(await runningStep(page, 1)).toBeCloseTo(0.02, 6);

    // Move the right panel's slider with the keyboard (a real input event), while the chains keep running.
    const slider = page.getByTestId('step-slider-1');
    await slider.focus();
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    const tAtMove = await iteration(page, 1);
    await expect.poll(() => runningStep(page, 1), { timeout: 30_000 }).toBeGreaterThan(0.05);
    expect(await runningStep(page, 0)).toBeCloseTo(0.02, 6);
    await expect.poll(() => iteration(page, 1), { timeout: 30_000 }).toBeGreaterThan(tAtMove);
    expect(await attr(page, 'samplers-lab', 'data-playing')).toBe('1');
    // The metrics strip fills in.
    await expect.poll(async () => (await page.getByTestId('metrics-0').textContent()) ?? '', { timeout: 90_000 }).toMatch(/min ESS\s*\d/);
    await page.screenshot({ path: `${RESULTS}/samplers-running.png`, fullPage: true });

    // A sweep: progress, then each sampler's best step applied to its panel.
    await page.getByTestId('sweep').click();
    await expect.poll(() => attr(page, 'sweep-status', 'data-status'), { timeout: 180_000 }).toBe('done');
    const status = (await page.getByTestId('sweep-status').textContent()) ?? '';
    const bests = [...status.matchAll(/best ε = ([0-9.e-]+)/g)].map((m) => Number(m[1]));
    expect(bests.length).toBe(2);
    const url = new URL(page.url());
    expect(Number(url.searchParams.get('stepA'))).toBeCloseTo(bests[0], 2);
    // The panel runs at the applied step (after the next frame or configure).
    await expect.poll(async () => Math.abs((await runningStep(page, 0)) / bests[0] - 1), { timeout: 30_000 }).toBeLessThan(0.01);
    await page.screenshot({ path: `${RESULTS}/samplers-sweep.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('runs the comparison on the Scores lab model without leaving the page, and the trained model is still there after', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=wasm&density=gmm2&width=32&sigma=0.3');
    await page.getByTestId('scores-lab').waitFor();
    await trainScoresLab(page, 300, 150_000);
    const trained = Number(await attr(page, 'scores-lab', 'data-step'));

    await page.getByRole('tab', { name: 'Samplers' }).click();
    await page.getByTestId('samplers-lab').waitFor();
    await page.getByTestId('score-source').selectOption('learned');
    // The model was trained on gmm2: the lab switches its target there, and samples q_σ at the model's σ.
    await expect.poll(() => new URL(page.url()).searchParams.get('density'), { timeout: 30_000 }).toBe('gmm2');
    await expect.poll(() => attr(page, 'samplers-note', 'data-sigma'), { timeout: 60_000 }).toBe('0.3');
    const play = page.getByTestId('play');
    await expect.poll(() => play.isEnabled(), { timeout: 60_000 }).toBe(true);
    await play.click();
    await expect.poll(() => iteration(page, 0), { timeout: 60_000 }).toBeGreaterThan(10);
    await expect.poll(() => iteration(page, 1), { timeout: 60_000 }).toBeGreaterThan(10);
    await expect.poll(async () => (await page.getByTestId('metrics-1').textContent()) ?? '', { timeout: 90_000 }).toMatch(/min ESS\s*\d/);
    await play.click();

    // A two-point sweep on the learned scores.
    const points = page.getByTestId('sweep-n');
    await points.focus();
    await page.keyboard.press('Home');
    await page.getByTestId('sweep').click();
    await expect.poll(() => attr(page, 'sweep-status', 'data-status'), { timeout: 180_000 }).toBe('done');
    expect((await page.getByTestId('sweep-status').textContent()) ?? '').toMatch(/Langevin: best ε = .*Ozaki \(diagonal\): best ε = /);
    await page.screenshot({ path: `${RESULTS}/samplers-learned.png`, fullPage: true });

    // Back in the Scores lab, the trained model (and its step count) is the one the engine still holds.
    await page.getByRole('tab', { name: 'Scores' }).click();
    await page.getByTestId('scores-lab').waitFor();
    await expect.poll(async () => Number(await attr(page, 'scores-lab', 'data-step')), { timeout: 60_000 }).toBe(trained);
    expect(errors).toEqual([]);
    await context.close();
  });
});
