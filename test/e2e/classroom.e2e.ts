/**
 * Issue 14, the shell: every tab opens on its picture at projector sizes (1280×800 and 1024×768): the main figure, the
 * first of the lab's `.lab-main`, is drawn and wholly on screen without scrolling, the settings beside it; the
 * explainer is one line until opened, and the reader's choice is remembered. Screenshots go to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LABS } from '../../src/app/labs/index.ts';
import { openApp, useChromium } from './browser.ts';
import { ROOT } from './server.ts';

const chromium = useChromium();
const SHOTS = `${ROOT}docs/screenshots`;

describe('picture first', () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 1024, height: 768 },
  ]) {
    it(`at ${viewport.width}×${viewport.height} every tab shows its main figure on first load`, async () => {
      mkdirSync(SHOTS, { recursive: true });
      for (const lab of LABS) {
        const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, `?tab=${lab.id}`, { viewport });
        const main = page.locator('.lab-main > :first-child');
        await main.waitFor({ timeout: 60_000 });
        await expect.poll(() => main.locator('.main-svg, canvas, img').count(), { timeout: 60_000, message: lab.id }).toBeGreaterThan(0);
        const box = (await main.boundingBox())!;
        expect(box.y, `${lab.id}: main figure top`).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height, `${lab.id}: main figure bottom`).toBeLessThanOrEqual(viewport.height);
        expect(await page.evaluate(() => window.scrollY)).toBe(0);
        await page.waitForTimeout(1500);
        await page.screenshot({ path: `${SHOTS}/${lab.id}-${viewport.width}x${viewport.height}.png` });
        expect(errors, lab.id).toEqual([]);
        await context.close();
      }
    }, 300_000);
  }

  it('the explainer remembers the reader: opened once, it opens on the next visit unless the link says otherwise', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=samplers');
    expect(await page.getByTestId('explainer').getAttribute('open')).toBeNull();
    await page.getByTestId('explainer').locator('summary').click();
    await expect.poll(() => page.getByTestId('explainer').getAttribute('open')).not.toBeNull();
    const again = await context.newPage();
    await again.goto(new URL('?tab=scores', chromium.baseUrl).href);
    await expect.poll(() => again.getByTestId('explainer').getAttribute('open')).not.toBeNull();
    expect(new URL(again.url()).searchParams.get('explain')).toBe('1');
    await again.goto(new URL('?tab=scores&explain=0', chromium.baseUrl).href);
    await expect.poll(() => again.getByTestId('explainer').getAttribute('open')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});
