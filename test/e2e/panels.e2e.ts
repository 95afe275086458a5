/**
 * Every lab draws every panel however it is reached (issue 13): loaded directly by URL, reached by a tab click, and
 * after a reload; no panel shows "Plot failed". Also the Samplers share link round trip (it used to fail in
 * Plotly's contour code on every direct load), the Uncertainty σ button pressed before any point, and a panel
 * whose draw fails once recovering on the next data.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectPanelsDrawn, openApp, panelViews, RESULTS, useChromium, waitForEngine } from './browser.ts';

const chromium = useChromium();

interface LabCase {
  tab: string;
  title: string;
  /** Brings the lab to the state where all its panels have data (e.g. one Samplers step for the diagnostics). */
  prepare(page: Page): Promise<void>;
  /** Panels the lab shows once prepared. */
  panels: number;
}

/** Waits for the lab's root element (labs whose panels need no action first). */
const mounted =
  (testId: string) =>
  async (page: Page): Promise<void> => {
    await page.getByTestId(testId).waitFor({ timeout: 60_000 });
  };

const LABS: LabCase[] = [
  {
    tab: 'scores',
    title: 'Scores',
    prepare: async (page) => {
      await page.locator('[data-testid="scores-lab"]:not([data-fields-step=""])').waitFor({ timeout: 90_000 });
    },
    panels: 9,
  },
  {
    tab: 'uncertainty',
    title: 'Uncertainty',
    prepare: mounted('uncertainty-lab'),
    panels: 4,
  },
  {
    tab: 'samplers',
    title: 'Samplers',
    prepare: async (page) => {
      // Run past the burn-in so the diagnostics (autocorrelation, marginals, distance) have data, then pause.
      const play = page.getByTestId('play');
      await expect.poll(() => play.isEnabled(), { timeout: 90_000 }).toBe(true);
      await play.click();
      await expect.poll(async () => Number(await page.getByTestId('panel-0').getAttribute('data-t')), { timeout: 90_000 }).toBeGreaterThan(400);
      await play.click();
      await expect.poll(() => page.getByTestId('samplers-lab').getAttribute('data-playing')).toBe('0');
    },
    panels: 8,
  },
  {
    tab: 'digits',
    title: 'Digits',
    // Its one Plotly chart (class changes) appears after a chain run; the images are canvases of their own.
    prepare: mounted('digits-lab'),
    panels: 0,
  },
  {
    tab: 'inverse',
    title: 'Inverse problems',
    // Before any model: the exact energy landscape, twice.
    prepare: mounted('inverse-lab'),
    panels: 2,
  },
];

describe('every panel of every lab draws', () => {
  for (const lab of LABS) {
    it(`${lab.tab}: loaded by URL, reached by a tab click, and after a reload`, async () => {
      // Directly by URL.
      const direct = await openApp(chromium.browser, chromium.baseUrl, `?tab=${lab.tab}`);
      await lab.prepare(direct.page);
      const views = await expectPanelsDrawn(direct.page, lab.panels, `${lab.tab} loaded by URL`);
      await direct.page.screenshot({ path: `${RESULTS}/panels-${lab.tab}-url.png`, fullPage: true });
      // After a reload.
      await direct.page.reload();
      await waitForEngine(direct.page);
      await lab.prepare(direct.page);
      await expectPanelsDrawn(direct.page, views.length, `${lab.tab} after a reload`);
      await direct.page.screenshot({ path: `${RESULTS}/panels-${lab.tab}-reload.png`, fullPage: true });
      expect(direct.errors).toEqual([]);
      await direct.context.close();
      // By a tab click from another lab.
      const start = lab.tab === 'scores' ? 'uncertainty' : 'scores';
      const clicked = await openApp(chromium.browser, chromium.baseUrl, `?tab=${start}`);
      await clicked.page.getByRole('tab', { name: lab.title }).click();
      await expect.poll(() => clicked.page.locator('#lab-panel').getAttribute('data-lab')).toBe(lab.tab);
      await lab.prepare(clicked.page);
      await expectPanelsDrawn(clicked.page, views.length, `${lab.tab} reached by a click`);
      expect(clicked.errors).toEqual([]);
      await clicked.context.close();
    });
  }
});

describe('live panels', () => {
  it('a Samplers share link opens with both chain panels drawn, and they animate', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=samplers&density=gmm2&chains=200&stepB=0.3&samplerB=ozaki');
    await expect.poll(() => page.getByTestId('play').isEnabled(), { timeout: 90_000 }).toBe(true);
    await page.getByTestId('share-button').click();
    const shared = await page.getByTestId('share-url').inputValue();
    expect(new URL(shared).searchParams.get('tab')).toBe('samplers');
    expect(errors).toEqual([]);
    await context.close();

    const second = await openApp(chromium.browser, shared, '');
    const p = second.page;
    await expect.poll(() => p.getByTestId('play').isEnabled(), { timeout: 90_000 }).toBe(true);
    // Both chain panels: the contours (static layer) and 200 chains on the canvas layer.
    const chains = async () => (await panelViews(p, '.slab-panels')).map((v) => (v.error ? v.error : `${v.traces}:${v.layers.find((l) => l.startsWith('chains|'))?.split('|')[2] ?? 0}`));
    await expect.poll(chains, { timeout: 60_000 }).toEqual(['1:200', '1:200']);
    await p.getByTestId('play').click();
    const t = async () => Number(await p.getByTestId('panel-1').getAttribute('data-t'));
    await expect.poll(t, { timeout: 60_000 }).toBeGreaterThan(40);
    // The canvas follows the chains: the chosen chain's path grows while the static layer is not redrawn.
    const pathLength = async () => Number((await panelViews(p, '.slab-panels'))[1].layers.find((l) => l.startsWith('chosen chain|'))?.split('|')[2] ?? 0);
    await expect.poll(pathLength, { timeout: 60_000 }).toBeGreaterThan(20);
    await p.getByTestId('play').click();
    await p.screenshot({ path: `${RESULTS}/samplers-shared-link.png`, fullPage: true });
    expect(second.errors).toEqual([]);
    await second.context.close();
  });

  it('Uncertainty: a σ button pressed before any point is placed leaves every panel drawn', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty');
    await expectPanelsDrawn(page, 4, 'the Uncertainty lab');
    const buttons = page.locator('.ulab-sigmas button');
    await expect.poll(() => buttons.count(), { timeout: 60_000 }).toBeGreaterThan(1);
    for (const i of [0, 1]) {
      await buttons.nth(i).click();
      await expectPanelsDrawn(page, 4, `the Uncertainty lab after σ button ${i}`);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a panel whose draw fails reports it on the console, redraws on a clean graph, and keeps working', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&at=0,0.5');
    const lab = page.getByTestId('uncertainty-lab');
    await expect.poll(() => lab.getAttribute('data-ellipses'), { timeout: 60_000 }).not.toBe('0');
    await expectPanelsDrawn(page, 4, 'the Uncertainty lab');
    // Wait for the panel to settle (no draw in flight would repair what follows) ...
    const draws = () => page.locator('.ulab-interactive').getAttribute('data-draws');
    let last: string | null = null;
    await expect.poll(async () => {
      const now = await draws();
      const settled = now === last;
      last = now;
      return settled;
    }, { timeout: 60_000, interval: 1000 }).toBe(true);
    // ... break Plotly's state of the main panel, then change what its static layer shows (the density's contours):
    // that draw throws inside Plotly.
    await page.evaluate(() => {
      const gd = document.querySelector('.ulab-interactive .js-plotly-plot') as HTMLElement & { _fullData: unknown };
      gd._fullData = [null, null];
    });
    await page.getByTestId('u-density').selectOption('ring8');
    await expect.poll(() => errors.filter((e) => e.includes('Plot failed')).length, { timeout: 60_000 }).toBeGreaterThan(0);
    // Redrawn from scratch: the new contours, no error shown.
    const main = async () => (await panelViews(page, '.uncertainty-lab')).find((v) => /Noisy point/.test(v.label));
    await expect.poll(async () => {
      const v = await main();
      return v && v.error === null && v.laidOut && v.traces > 0 ? 'redrawn' : JSON.stringify(v);
    }, { timeout: 60_000 }).toBe('redrawn');
    // And it still works: a click places a point, whose ellipses are drawn on the canvas.
    await page.locator('.ulab-interactive').scrollIntoViewIfNeeded();
    const a = await page.locator('.ulab-interactive .nsewdrag').first().boundingBox();
    await page.mouse.click(a!.x + a!.width * 0.5, a!.y + a!.height * 0.3);
    await expect.poll(async () => {
      const v = await main();
      return v && v.error === null && v.traces > 0 && v.layers.some((l) => /\(1σ\)\|lines\|[1-9]/.test(l)) ? 'redrawn' : JSON.stringify(v);
    }, { timeout: 60_000 }).toBe('redrawn');
    expect(errors.filter((e) => !e.includes('Plot failed'))).toEqual([]);
    await context.close();
  });
});
