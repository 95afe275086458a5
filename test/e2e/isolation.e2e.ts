/**
 * Cross-origin isolation and WASM threads in the production build: `vite preview` sends COOP/COEP, so the page
 * and the engine worker are `crossOriginIsolated`; the engine starts tfjs-wasm's threaded build with every core
 * the browser reports (the minified build's pthread workers start: see vite.config.ts) and says how many threads
 * it runs on; a training run and a Digits posterior (models from public/, fetched under require-corp) still work.
 */
import { describe, expect, it } from 'vitest';
import { openApp, trainScoresLab, useChromium } from './browser.ts';

const chromium = useChromium();

describe('cross-origin isolated page and WASM threads', () => {
  it('the page is cross-origin isolated, the WASM engine reports its threads, and a run still works', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=wasm&density=gmm2&width=16&batch=64');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const badge = page.getByTestId('backend-badge');
    expect(await badge.getAttribute('data-backend')).toBe('wasm');
    const threads = Number(await badge.getAttribute('data-threads'));
    // every core the browser reports (tfjs's own default would be half of them)
    expect(threads).toBe(cores);
    // "N threads", or on a one-core browser "1 thread (the browser reports one core)"
    expect(await badge.getAttribute('data-adapter')).toMatch(cores > 1 ? new RegExp(`^WebAssembly \\(SIMD\\), ${threads} threads$`) : /^WebAssembly \(SIMD\), 1 thread \(the browser reports one core\)$/);
    // the badge itself reads "WASM  N threads"
    expect(await badge.locator('.badge-adapter').textContent()).toBe(`${threads} thread${threads === 1 ? '' : 's'}`);
    if (cores > 1) {
      // the threaded build's pthread workers (blob: URLs) are running
      expect(page.workers().filter((w) => w.url().startsWith('blob:')).length).toBeGreaterThan(0);
    }
    await trainScoresLab(page, 20, 120_000);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a Digits posterior runs on the threaded engine (models and workers load under require-corp)', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=digits&backend=wasm&digit=4&samples=2');
    await expect.poll(() => page.getByTestId('d-mean').getAttribute('data-nonblank'), { timeout: 120_000 }).toBe('true');
    expect(await page.getByTestId('backend-badge').getAttribute('data-threads')).toBe(String(await page.evaluate(() => navigator.hardwareConcurrency)));
    expect(errors).toEqual([]);
    await context.close();
  });
});
