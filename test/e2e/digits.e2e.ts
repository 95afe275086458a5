/**
 * End-to-end test of the Digits lab (issue 6) in headless Chromium against the production build: the pretrained
 * models load from public/models over HTTP; a mouse stroke on the pad produces non-blank mean, std and eigenvector
 * panels (each eigenvector between its labelled walk ends); the timing button reports an autodiff/direct ratio > 1 (a few Jacobian rows, extrapolated, to keep the
 * test short on a CPU); a gallery digit goes through the same panels.
 */
import { describe, expect, it } from 'vitest';
import { openApp, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

describe('digits lab', () => {
  it('a mouse stroke gives non-blank mean / std / eigenvector panels; the timing ratio is > 1', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=digits&digit=-1&rows=14&k=3&samples=4');
    const lab = page.getByTestId('digits-lab');
    await lab.waitFor({ timeout: 60_000 });
    const pad = page.getByTestId('d-pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    // a "7": a horizontal bar and a diagonal down to the left
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.25 * box.height);
    await page.mouse.down();
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + (0.3 + 0.4 * t) * box.width, box.y + 0.25 * box.height);
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + (0.7 - 0.25 * t) * box.width, box.y + (0.25 + 0.55 * t) * box.height);
    await page.mouse.up();
    await expect.poll(() => lab.getAttribute('data-strokes')).toBe('1');
    await expect.poll(() => page.getByTestId('d-input').getAttribute('data-nonblank')).toBe('true');
    for (const id of ['d-mean', 'd-std', 'd-eig-0']) {
      await expect.poll(() => page.getByTestId(id).getAttribute('data-nonblank'), { timeout: 120_000 }).toBe('true');
    }
    // each of the k eigenvectors is drawn between its two walk ends, each labelled by the classifier
    await expect.poll(() => page.getByTestId('d-eigs').locator('[data-testid^="d-walk-"]').count()).toBe(3);
    await expect.poll(() => page.getByTestId('d-eigs').locator('canvas').count()).toBe(9);
    expect(await page.getByTestId('d-walk-0').getAttribute('data-classes')).toMatch(/^\d,\d$/);
    await page.screenshot({ path: `${RESULTS}/digits-stroke.png`, fullPage: true });

    await page.getByTestId('d-timing-run').click();
    const timing = page.getByTestId('d-timing');
    await timing.waitFor({ timeout: 170_000 });
    const ratio = Number(await timing.getAttribute('data-ratio'));
    expect(ratio).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a gallery digit goes through the same panels, and undo/clear work', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=digits&digit=4&samples=2');
    const lab = page.getByTestId('digits-lab');
    await lab.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('d-mean').getAttribute('data-nonblank'), { timeout: 120_000 }).toBe('true');
    await expect.poll(() => page.getByTestId('d-labels').textContent()).toMatch(/input 4/);
    await page.getByTestId('d-clear').click();
    await expect.poll(() => page.getByTestId('d-input').getAttribute('data-nonblank')).toBe('false');
    expect(errors).toEqual([]);
    await context.close();
  });
});
