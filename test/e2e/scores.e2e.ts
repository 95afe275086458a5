/**
 * End-to-end tests of the Scores lab (issue 3) in headless Chromium against the production build: train 200 steps on
 * WASM (the loss falls and every panel shows data, the metrics table fills), save/load through the browser; train on
 * uploaded CSV points (a NaN file is refused); then 10 steps with ?backend=webgpu on the software adapter (finite
 * loss, panels render).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, panelViews, RESULTS, trainScoresLab, useChromium } from './browser.ts';

const chromium = useChromium();

const attr = async (page: Page, testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? '';
const step = async (page: Page): Promise<number> => Number((await attr(page, 'scores-lab', 'data-step')) || NaN);

const PANELS = [
  'panel-data',
  'panel-loss',
  'panel-variance',
  'panel-s1',
  'panel-s1-true',
  'panel-s1-error',
  'panel-s2-direct',
  'panel-s2-autodiff',
  'panel-s2-true',
  'panel-s2-error-direct',
  'panel-s2-error-autodiff',
];

/** Every panel has a spec and shows it: traces with data in Plotly, or marks on its canvas layer; no failed draw. */
async function expectPanelsDrawn(page: Page): Promise<void> {
  for (const id of PANELS) {
    const panel = page.getByTestId(id);
    await expect.poll(() => panel.getAttribute('data-has-data'), { timeout: 60_000 }).toBe('1');
    await expect
      .poll(
        async () => {
          const [v] = await panelViews(page, `[data-testid="${id}"]`);
          return v && v.error === null && v.laidOut && (v.traces > 0 || v.marks > 0) ? 'drawn' : JSON.stringify(v);
        },
        { timeout: 60_000, message: id },
      )
      .toBe('drawn');
  }
}

describe('scores lab', () => {
  it('trains 200 steps on WASM: the loss falls, every panel shows data; save in the browser and load back', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=wasm&density=ring8&width=32');
    await page.getByTestId('scores-lab').waitFor();
    expect(await attr(page, 'scores-lab', 'data-backend')).toBe('wasm');
    await trainScoresLab(page, 200, 150_000);
    const first = Number(await attr(page, 'scores-lab', 'data-loss-first'));
    const last = Number(await attr(page, 'scores-lab', 'data-loss-last'));
    expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first);
    await expect.poll(async () => Number(await attr(page, 'scores-lab', 'data-fields-step')), { timeout: 60_000 }).toBeGreaterThanOrEqual(200);
    await expectPanelsDrawn(page);
    await expect.poll(() => page.getByTestId('panel-metrics').getAttribute('data-has-data'), { timeout: 60_000 }).toBe('1');
    await expect(page.getByTestId('panel-metrics').textContent()).resolves.toMatch(/MSE of s2/);
    await page.screenshot({ path: `${RESULTS}/scores-trained.png`, fullPage: true });

    // Save in IndexedDB, change σ (confirm the discard), then load the saved model back: its σ and steps return.
    const trained = await step(page);
    await page.getByTestId('save-browser').click();
    await expect.poll(() => page.getByTestId('saved-list').locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByTestId('density').selectOption('gmm2');
    await expect.poll(() => step(page), { timeout: 90_000 }).toBe(0);
    expect(asked).toMatch(/discarded/);
    expect(new URL(page.url()).searchParams.get('density')).toBe('gmm2');
    const saved = page.getByTestId('saved-list');
    await expect.poll(() => saved.locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    await saved.selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect.poll(() => step(page), { timeout: 60_000 }).toBe(trained);
    expect(new URL(page.url()).searchParams.get('density') ?? 'ring8').toBe('ring8');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('trains on uploaded CSV points; a CSV with NaN is refused with a message and the model is kept', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=wasm&density=gmm2&width=16&batch=64');
    await expect.poll(() => attr(page, 'scores-lab', 'data-density'), { timeout: 90_000 }).toBe('gmm2');
    const upload = page.getByTestId('points-file');
    await upload.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y\n1,2\n3,NaN\n') });
    await expect.poll(() => page.getByTestId('error').textContent()).toMatch(/bad\.csv: CSV line 3: "NaN" is not a number/);
    expect(await attr(page, 'scores-lab', 'data-density')).toBe('gmm2');
    await upload.setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(5e6, '1,2\n') });
    await expect.poll(() => page.getByTestId('error').textContent()).toMatch(/huge\.csv: 5\.0 MB is too large/);

    const rows = Array.from({ length: 60 }, (_, i) => `${(2 * Math.cos(i)).toFixed(3)},${Math.sin(3 * i).toFixed(3)}`);
    await upload.setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(['x,y', ...rows].join('\n')) });
    await expect.poll(() => attr(page, 'scores-lab', 'data-density'), { timeout: 60_000 }).toBe('mine.csv');
    await expect.poll(() => page.getByTestId('error').count()).toBe(0);
    expect(await page.locator('.scores-upload').textContent()).toContain('60 points from mine.csv');
    await trainScoresLab(page, 20, 90_000);
    await expect.poll(async () => Number(await attr(page, 'scores-lab', 'data-fields-step')), { timeout: 60_000 }).toBeGreaterThanOrEqual(20);
    await expectPanelsDrawn(page);

    // Back to the built-in density: asks before discarding the trained model.
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByTestId('save-browser').click();
    await expect.poll(() => page.getByTestId('saved-list').locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const trained = await step(page);
    await page.getByTestId('points-clear').click();
    await expect.poll(() => attr(page, 'scores-lab', 'data-density'), { timeout: 60_000 }).toBe('gmm2');
    expect(asked).toMatch(/discarded/);
    expect(await page.locator('.scores-upload').textContent()).toContain('upload points');

    // The saved model brings its points back with it.
    await page.getByTestId('saved-list').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect.poll(() => attr(page, 'scores-lab', 'data-density'), { timeout: 60_000 }).toBe('mine.csv');
    expect(await step(page)).toBe(trained);
    expect(await page.locator('.scores-upload').textContent()).toContain('60 points from mine.csv');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('trains 10 steps with ?backend=webgpu (software adapter): finite loss, panels render', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=webgpu&density=gmm2&width=16&batch=64');
    await page.getByTestId('scores-lab').waitFor();
    const backend = await attr(page, 'scores-lab', 'data-backend');
    expect(backend).toBe('webgpu');
    await trainScoresLab(page, 10, 150_000);
    const last = Number(await attr(page, 'scores-lab', 'data-loss-last'));
    expect(Number.isFinite(last)).toBe(true);
    await expect.poll(async () => Number(await attr(page, 'scores-lab', 'data-fields-step')), { timeout: 90_000 }).toBeGreaterThanOrEqual(10);
    await expectPanelsDrawn(page);
    await page.screenshot({ path: `${RESULTS}/scores-webgpu.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
