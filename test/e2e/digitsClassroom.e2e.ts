/**
 * The Digits lab in class (issue 14), in headless Chromium against the production build: a finger draws on the
 * pad (touch events through the browser's input pipeline, so `touch-action: none` matters) and the posterior
 * follows, with "What the model sees" showing the noisy x̃; the gallery and the pad take the keyboard focus with
 * a visible ring, and arrow keys + Enter pick a digit; std maps compared side by side share one colour scale with a
 * colour bar; Delete on the focused pad clears it; an image enlarges and downloads as a PNG named by lab, image, setting and seed; the long runs say
 * their expected time, default to the quick size, show progress and stop; the class-change plot shows its legend
 * above the curves and an unclipped y title.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, RESULTS, useChromium, waitForEngine } from './browser.ts';
import { ROOT } from './server.ts';

const chromium = useChromium();
const labels = (JSON.parse(readFileSync(`${ROOT}public/mnist-gallery.json`, 'utf8')) as { labels: number[] }).labels;

/** A fresh 1280 × 800 page with a touch screen, collecting errors. */
async function openTouch(query: string) {
  const context = await chromium.browser.newContext({ viewport: DESKTOP, hasTouch: true, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(new URL(query, chromium.baseUrl).href);
  await waitForEngine(page);
  await page.getByTestId('digits-lab').waitFor({ timeout: 60_000 });
  return { context, page, errors };
}

/** The RGBA bytes a canvas (by test id) shows. */
function canvasPixels(page: Page, testId: string): Promise<number[]> {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, testId);
}

/** The focused element's test id and its outline (what a visible focus ring is drawn with). */
function focusRing(page: Page): Promise<{ id: string | null; outline: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    return { id: el.getAttribute('data-testid'), outline: `${s.outlineStyle} ${s.outlineWidth}` };
  });
}

describe('digits lab in class', () => {
  it('a finger draws a 7 on the pad; the posterior follows and "What the model sees" is the noisy x̃', async () => {
    const { page, errors, context } = await openTouch('?tab=digits&digit=-1&k=2&samples=2');
    const pad = page.getByTestId('d-pad');
    await pad.scrollIntoViewIfNeeded();
    expect(await pad.evaluate((el) => getComputedStyle(el).touchAction)).toBe('none');
    const box = (await pad.boundingBox())!;
    const at = (fx: number, fy: number) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', p?: { x: number; y: number }) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: p ? [{ ...p, id: 1, radiusX: 4, radiusY: 4, force: 1 }] : [] });
    await touch('touchStart', at(0.3, 0.25));
    for (let t = 0.1; t <= 1; t += 0.1) await touch('touchMove', at(0.3 + 0.4 * t, 0.25));
    for (let t = 0.1; t <= 1; t += 0.1) await touch('touchMove', at(0.7 - 0.25 * t, 0.25 + 0.55 * t));
    await touch('touchEnd');
    const lab = page.getByTestId('digits-lab');
    await expect.poll(() => lab.getAttribute('data-strokes'), { timeout: 30_000 }).toBe('1');
    // the stroke reached its end: had the browser taken the gesture as a scroll (no touch-action: none), it would
    // have cancelled the pointer after the first few points
    const end = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="d-pad"]') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(Math.round(0.45 * c.width) - 3, Math.round(0.8 * c.height) - 3, 7, 7).data;
      return Math.max(...Array.from(d).filter((_, i) => i % 4 === 0));
    });
    expect(end).toBeGreaterThan(128);
    await expect.poll(() => page.getByTestId('d-input').getAttribute('data-nonblank'), { timeout: 30_000 }).toBe('true');
    for (const id of ['d-seen', 'd-mean', 'd-std']) {
      await expect.poll(() => page.getByTestId(id).getAttribute('data-nonblank'), { timeout: 120_000 }).toBe('true');
    }
    await expect.poll(() => page.getByTestId('d-labels').textContent(), { timeout: 60_000 }).toMatch(/input \d/);
    // the model sees x̃ = digit + noise: the background of x̃ is not black, that of the clean digit is
    const seen = await canvasPixels(page, 'd-seen');
    const clean = await canvasPixels(page, 'd-input');
    const corner = (px: number[]) => [0, 1, 2, 28, 29, 30].map((i) => px[4 * i]);
    expect(corner(clean)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(corner(seen).some((v) => v > 0)).toBe(true);
    expect(seen).toEqual(await canvasPixels(page, 'd-noisy'));
    await page.getByTestId('d-seen').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/digits-touch.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the gallery and the pad take the focus with a visible ring; arrow keys and Enter pick a digit', async () => {
    const { page, errors, context } = await openTouch('?tab=digits&digit=-1&k=1&samples=0');
    const gallery = page.getByTestId('d-gallery');
    await gallery.scrollIntoViewIfNeeded();
    expect(await gallery.getAttribute('tabindex')).toBe('0');
    expect(await page.getByTestId('d-pad').getAttribute('tabindex')).toBe('0');
    await page.getByTestId('d-pad').focus();
    expect((await focusRing(page)).outline).toMatch(/^solid [1-9]/);
    await gallery.focus();
    expect(await focusRing(page)).toMatchObject({ id: 'd-gallery', outline: expect.stringMatching(/^solid [1-9]/) });
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown']) await page.keyboard.press(key);
    await expect.poll(() => gallery.getAttribute('data-cursor')).toBe('33');
    await expect.poll(() => page.getByTestId('d-gallery-hint').textContent()).toContain(`label ${labels[33]}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('digit')).toBe('33');
    await expect.poll(() => page.getByTestId('d-labels').textContent(), { timeout: 120_000 }).toContain(`input ${labels[33]}`);
    // larger thumbnails: 10 per row, so ArrowDown moves by 10
    await page.getByTestId('d-gallery-zoom').click();
    await gallery.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => gallery.getAttribute('data-cursor')).toBe('43');
    const cell = await gallery.evaluate((c) => c.getBoundingClientRect().width / 10);
    expect(cell).toBeGreaterThanOrEqual(40);
    await page.screenshot({ path: `${RESULTS}/digits-gallery-keyboard.png` });
    // Delete on the focused pad clears it (Backspace undoes a stroke)
    await page.getByTestId('d-pad').focus();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('d-input').getAttribute('data-nonblank')).toBe('false');
    await expect.poll(() => new URL(page.url()).searchParams.get('digit')).toBe('-1');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('std maps share a colour scale with a bar; an image enlarges and downloads as PNG; long runs say their time, stop, and the class-change plot shows its legend', async () => {
    const { page, errors, context } = await openTouch('?tab=digits&digit=4&k=2&samples=2');
    await expect.poll(() => page.getByTestId('d-std').getAttribute('data-nonblank'), { timeout: 120_000 }).toBe('true');
    const range = await page.getByTestId('d-std').getAttribute('data-range');
    expect(range).toMatch(/^0,0\.\d+/);
    expect(await page.getByTestId('d-std-diag').getAttribute('data-range')).toBe(range);
    expect(await page.getByTestId('d-std-bar').getAttribute('data-range')).toBe(range);
    await expect(page.getByTestId('d-std-bar').textContent()).resolves.toContain('posterior std');
    expect((await page.getByTestId('d-std').boundingBox())!.width).toBeGreaterThanOrEqual(160);

    // enlarge and download
    await page.getByTestId('d-std').click();
    const dialog = page.getByTestId('d-zoom');
    await dialog.waitFor();
    expect((await dialog.locator('canvas.dlab-zoom-image').boundingBox())!.width).toBeGreaterThanOrEqual(400);
    await page.screenshot({ path: `${RESULTS}/digits-zoom.png` });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('d-download').click()]);
    expect(download.suggestedFilename()).toBe('tweedie-digits-std-mnist4-sigma0.5-seed1.png');
    const png = readFileSync((await download.path())!);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(336); // IHDR width: 28 px × 12
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);

    // chains: the quick default says ≤ 10 s before it starts; the full size is stoppable mid-run
    const controls = page.getByTestId('d-chains-controls');
    await controls.scrollIntoViewIfNeeded();
    expect(Number(await controls.getAttribute('data-expected-s'))).toBeLessThanOrEqual(10);
    await expect(page.getByTestId('d-chains-run').textContent()).resolves.toMatch(/run chains \(≈ \d+ s\)/);
    await page.getByTestId('d-chains-size-full').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('chains')).toBe('32');
    expect(Number(await controls.getAttribute('data-expected-s'))).toBeGreaterThan(30);
    await page.getByTestId('d-chains-run').click();
    await expect.poll(() => page.getByTestId('d-chains-progress').textContent(), { timeout: 60_000 }).toMatch(/[1-9]\d*\/60 steps/);
    await page.screenshot({ path: `${RESULTS}/digits-chains-progress.png` });
    await page.getByTestId('d-chains-stop').click();
    await expect.poll(() => controls.getAttribute('data-running'), { timeout: 60_000 }).toBe('0');
    await expect(page.getByTestId('digits-lab').textContent()).resolves.toContain('Stopped.');

    // the quick size runs to the end; the class-change plot has its legend above the curves and its whole y title
    await page.getByTestId('d-chains-size-quick').click();
    await page.getByTestId('d-chains-run').click();
    await page.getByTestId('d-chains').waitFor({ timeout: 120_000 });
    const plot = page.locator('.plot-panel[aria-label="class-change fraction"]');
    await expect.poll(() => plot.locator('.legend .traces').count(), { timeout: 30_000 }).toBe(2);
    const geometry = await plot.evaluate((panel) => {
      const box = (sel: string) => panel.querySelector(sel)!.getBoundingClientRect();
      const r = (b: DOMRect) => ({ left: b.left, right: b.right, top: b.top, bottom: b.bottom });
      return { legend: r(box('.legend')), area: r(box('.nsewdrag')), ytitle: r(box('.ytitle')), svg: r(box('.main-svg')) };
    });
    expect(geometry.legend.bottom).toBeLessThanOrEqual(geometry.area.top + 1);
    expect(geometry.ytitle.top).toBeGreaterThanOrEqual(geometry.svg.top);
    expect(geometry.ytitle.bottom).toBeLessThanOrEqual(geometry.svg.bottom);
    expect(geometry.ytitle.left).toBeGreaterThanOrEqual(geometry.svg.left);
    await plot.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/digits-chains.png` });

    // timing: the quick size by default; autodiff and direct maps share one scale
    const timingControls = page.getByTestId('d-timing-controls');
    expect(Number(await timingControls.getAttribute('data-expected-s'))).toBeLessThanOrEqual(10);
    await page.getByTestId('d-timing-run').click();
    await page.getByTestId('d-timing').waitFor({ timeout: 120_000 });
    const timingRange = await page.getByTestId('d-timing-direct').getAttribute('data-range');
    expect(await page.getByTestId('d-timing-autodiff').getAttribute('data-range')).toBe(timingRange);
    expect(await page.getByTestId('d-timing-bar').getAttribute('data-range')).toBe(timingRange);
    await page.getByTestId('d-timing').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/digits-timing.png` });
    expect(errors).toEqual([]);
    await context.close();
  });
});
