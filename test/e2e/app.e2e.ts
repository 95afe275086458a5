/**
 * End-to-end tests of the app shell in a real headless Chromium, against the production build.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, expectPanelsDrawn, openApp, TABLET, waitForEngine, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

/** What the page's own WebGPU reports, so the fallback expectation holds on machines with and without a GPU. */
async function probeAdapter(page: Page): Promise<{ available: boolean; fallback: boolean; description: string }> {
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
    if (!adapter) return { available: false, fallback: false, description: '' };
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    const fallback = info.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(description);
    return { available: true, fallback, description };
  });
}

/** Milliseconds for the UI thread to run two animation frames (a frozen UI would take seconds). */
async function frameLatency(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }),
  );
}

describe('app shell', () => {
  it('loads the default URL with no console errors, at desktop and tablet sizes', async () => {
    for (const [name, viewport] of [
      ['1280x800', DESKTOP],
      ['820x1180', TABLET],
    ] as const) {
      const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '', { viewport });
      await expect.poll(() => page.locator('.katex').count()).toBeGreaterThan(2);
      await expect.poll(() => page.getByRole('tab').count()).toBe(6);
      // At desktop width every tab fits in the top bar's row (no tab hidden behind its scroll).
      if (viewport === DESKTOP) expect(await page.locator('.tabs').evaluate((e) => e.scrollWidth - e.clientWidth), 'tabs overflow their row at 1280').toBeLessThanOrEqual(0);
      expect(await page.getByRole('tab', { selected: true }).textContent()).toBe('Scores');
      // Nothing spills sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow at ${name}`).toBeLessThanOrEqual(0);
      // Every control of the top bar is on screen.
      for (const id of ['seed-input', 'share-button', 'backend-badge']) {
        const box = await page.getByTestId(id).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.x + box!.width, `${id} at ${name}`).toBeLessThanOrEqual(viewport.width);
      }
      await page.screenshot({ path: `${RESULTS}/default-${name}.png` });
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it('every lab tab opens on its picture with a one-line explainer; opened, it shows its equations and stays open across tabs', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '');
    expect(await page.getByTestId('explainer').getAttribute('open')).toBeNull();
    expect(await page.getByTestId('explainer').locator('.explainer-teaser').textContent()).toMatch(/Add Gaussian noise/);
    await page.getByTestId('explainer').locator('summary').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('explain')).toBe('1');
    for (const [id, title] of [
      ['uncertainty', 'Uncertainty'],
      ['samplers', 'Samplers'],
      ['digits', 'Digits'],
      ['inverse', 'Inverse problems'],
      ['inverse-digits', 'Digit inverse'],
      ['scores', 'Scores'],
    ]) {
      await page.getByRole('tab', { name: title }).click();
      await expect.poll(() => page.locator('#lab-panel').getAttribute('data-lab')).toBe(id);
      expect(new URL(page.url()).searchParams.get('tab')).toBe(id);
      await expect.poll(() => page.getByTestId('explainer').locator('.katex').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('explainer').textContent()).toContain('One thing to try');
      // Every formula fits its column at desktop width (none hides behind a horizontal scrollbar).
      const clipped = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="explainer"] .equation')].filter((e) => (e.querySelector('.katex-display')?.scrollWidth ?? 0) > e.clientWidth + 1).length,
      );
      expect(clipped, `formulas wider than their column on the ${id} tab`).toBe(0);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('?backend=webgpu runs a tfjs op on WebGPU in the browser', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?backend=webgpu');
    const adapter = await probeAdapter(page);
    expect(adapter.available, 'this Chromium exposes no WebGPU adapter (is --enable-unsafe-webgpu set?)').toBe(true);
    const engine = await waitForEngine(page);
    // The engine reports webgpu only after `1 + 2` computed on it came back as 3 (engine/backend.ts).
    expect(engine).toMatchObject({ status: 'ready', backend: 'webgpu' });
    const info = JSON.parse((await page.getByTestId('backend-badge').getAttribute('data-backend-info')) ?? '{}');
    expect(info.name).toBe('webgpu');
    expect(info.adapter.length).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('backend')).toBe('webgpu');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('without ?backend the engine falls back correctly and the badge says why', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '');
    const adapter = await probeAdapter(page);
    const engine = await waitForEngine(page);
    expect(engine.status).toBe('ready');
    if (adapter.available && !adapter.fallback) {
      // A real GPU: WebGPU is the first choice.
      expect(engine.backend).toBe('webgpu');
    } else {
      // Only a software adapter (SwiftShader) or none: WASM is faster, and the notice explains the choice.
      expect(engine.backend).toBe('wasm');
      if (adapter.available) expect(engine.notice).toMatch(/software fallback/i);
      await page.getByTestId('backend-badge').click();
      if (adapter.available) await expect.poll(() => page.getByTestId('backend-notice').textContent()).toMatch(/WASM is faster/);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the backend override in the panel restarts the engine on that backend and goes into the link', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '');
    await page.getByTestId('backend-badge').click();
    await page.getByTestId('backend-select').selectOption('webgpu');
    await expect.poll(() => page.getByTestId('backend-badge').getAttribute('data-backend'), { timeout: 90_000 }).toBe('webgpu');
    await expect.poll(() => new URL(page.url()).searchParams.get('backend')).toBe('webgpu');
    await page.getByTestId('backend-select').selectOption('cpu');
    await expect.poll(() => page.getByTestId('backend-badge').getAttribute('data-backend'), { timeout: 90_000 }).toBe('cpu');
    await page.getByTestId('backend-select').selectOption('auto');
    await expect.poll(() => page.getByTestId('backend-badge').getAttribute('data-status'), { timeout: 90_000 }).toBe('ready');
    expect(new URL(page.url()).searchParams.get('backend')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a job started from the UI reports progress and can be cancelled, without freezing the UI', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '');
    await page.getByTestId('backend-badge').click();
    await page.getByTestId('bench-run').click();
    const progress = page.getByTestId('bench-progress');
    await progress.waitFor();
    // A progress message from the engine arrives (backend and task named), while the UI stays responsive.
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toMatch(/(wasm|webgpu|webgl|cpu): (train-step|langevin-step)/);
    expect(await frameLatency(page)).toBeLessThan(1000);
    expect(await page.getByTestId('bench-cancel').isEnabled()).toBe(true);
    await page.getByTestId('bench-cancel').click();
    await expect.poll(() => page.getByTestId('bench-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    await expect.poll(() => progress.count()).toBe(0);
    // The engine is still usable after a cancel.
    expect(await page.getByTestId('bench-run').isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a finished benchmark shows its table and a Plotly chart (custom bundle, no logo)', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '');
    await page.getByTestId('backend-badge').click();
    await page.getByTestId('bench-run').click();
    await expect.poll(() => page.getByTestId('bench-status').getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    // The engine's backend here is wasm: its train step, the WebAssembly SIMD train step (with its speed-up over the
    // tfjs step), and the Langevin step at 1k and 10k chains.
    const rows = page.getByTestId('bench-result').locator('tbody tr');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(1).textContent()).toMatch(/wasm-train-step \(512\).*× faster than op by op/);
    const panel = page.getByTestId('backend-panel');
    await panel.locator('.plot-panel .main-svg').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => panel.locator('.plot-panel .scatterlayer .point').count()).toBe(4);
    expect(await panel.locator('.modebar-btn--logo').count()).toBe(0);
    await page.screenshot({ path: `${RESULTS}/bench-panel.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a shared URL restores the same state', async () => {
    const first = await openApp(chromium.browser, chromium.baseUrl, '');
    const page = first.page;
    await page.getByTestId('seed-input').fill('12345');
    await page.getByRole('tab', { name: 'Samplers' }).click();
    await page.getByTestId('explainer').locator('summary').click();
    await expect.poll(() => page.getByTestId('explainer').getAttribute('open')).not.toBeNull();
    await page.getByTestId('share-button').click();
    const shared = await page.getByTestId('share-url').inputValue();
    const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
    if (clip !== null) expect(clip).toBe(shared);
    await expect.poll(() => page.url()).toBe(shared);
    const params = new URL(shared).searchParams;
    expect(Object.fromEntries(params)).toEqual({ tab: 'samplers', seed: '12345', explain: '1' });

    const second = await openApp(chromium.browser, shared, '');
    const again = second.page;
    expect(again.url()).toBe(shared);
    expect(await again.getByTestId('seed-input').inputValue()).toBe('12345');
    expect(await again.getByRole('tab', { selected: true }).textContent()).toBe('Samplers');
    expect(await again.getByTestId('explainer').getAttribute('open')).not.toBeNull();
    await expect(again.getByTestId('url-notice').count()).resolves.toBe(0);
    expect([...first.errors, ...second.errors]).toEqual([]);
    await first.context.close();
    await second.context.close();
  });

  it('bad URL params show a notice, are cleaned from the URL, and the app still works', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?seed=abc&sigma=-5&tab=nope');
    const notice = page.getByTestId('url-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    for (const key of ['seed=abc', 'sigma=-5', 'tab=nope']) expect(text).toContain(key);
    const url = new URL(page.url());
    expect(url.searchParams.get('seed')).toBeNull();
    expect(url.searchParams.get('tab')).toBe('scores');
    expect(url.searchParams.get('sigma') === null || Number(url.searchParams.get('sigma')) > 0).toBe(true);
    // Still works: the engine started, tabs switch, the seed can be set, the notice can be dismissed.
    expect((await waitForEngine(page)).status).toBe('ready');
    await page.getByRole('tab', { name: 'Digits' }).click();
    await page.getByTestId('seed-input').fill('7');
    await expect.poll(() => new URL(page.url()).searchParams.get('seed')).toBe('7');
    await notice.getByRole('button', { name: /dismiss/i }).click();
    await expect.poll(() => notice.count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a point coordinate that overflows (at=1e400,0) is dropped with a notice; the lab renders (was a blank page)', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&at=1e400,0');
    const notice = page.getByTestId('url-notice');
    await notice.waitFor();
    expect((await notice.textContent()) ?? '').toContain('at=1e400,0');
    await page.getByTestId('uncertainty-lab').waitFor();
    expect(new URL(page.url()).searchParams.get('at')).toBeNull();
    await expectPanelsDrawn(page, 4, 'the Uncertainty lab after a bad point');
    expect(errors).toEqual([]);
    await context.close();
  });
});
