/**
 * Classroom checks of the Inverse-problems lab (issue 14) in headless Chromium against the production build:
 *
 * - "Load pretrained" then "Train fresh models" trains two fresh models with a notice saying so (no engine message);
 * - the "One thing to try": at the schedule scenario (y = Hx + σv, H = diag(1, 0.3), σ = 0.3, y = (1, 0.5), 5 levels,
 *   1 MALA step) the energy-guided Σ schedule takes another path and its sliced W1 to the exact posterior is at
 *   most 0.75 × the geometric one (measured 0.4× with the pretrained A-CSM model at seed 1), one click away;
 * - the posterior samples and the metrics download as CSV / JSON named by density, problem, sampler, model and seed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, RESULTS, useChromium } from './browser.ts';

const chromium = useChromium();

async function loadPretrained(page: Page): Promise<void> {
  const lab = page.getByTestId('inverse-lab');
  const load = page.getByTestId('i-pretrained');
  await expect.poll(() => load.isEnabled(), { timeout: 90_000 }).toBe(true);
  await load.click();
  await expect.poll(() => lab.getAttribute('data-normalized'), { timeout: 120_000, interval: 1000 }).toBe('yes');
}

describe('inverse problems lab in class', () => {
  it('trains fresh models after loading the pretrained ones, and says so', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=inverse&steps=20&points=20');
    const lab = page.getByTestId('inverse-lab');
    await loadPretrained(page);
    const train = page.getByTestId('i-train');
    await expect(train.textContent()).resolves.toBe('Train fresh models');
    await train.click();
    await expect.poll(() => page.getByTestId('i-notice').textContent(), { timeout: 30_000 }).toMatch(/fresh models from step 0/);
    await expect.poll(() => lab.getAttribute('data-steps'), { timeout: 150_000, interval: 1000 }).toBe('20');
    await expect.poll(() => lab.getAttribute('data-normalized'), { timeout: 150_000, interval: 1000 }).toBe('yes');
    const status = (await page.getByTestId('i-status').textContent()) ?? '';
    expect(status).toMatch(/trained: 20 steps each/);
    expect(status).not.toMatch(/session|trainer/);
    expect(await train.textContent()).toBe('Train both models');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('"Show where the schedules differ": the energy-guided schedule adapts its path and halves W1; samples and metrics download', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=inverse&points=20');
    await loadPretrained(page);
    await page.getByTestId('i-schedule-scenario').click();
    const panel = page.getByTestId('i-schedule-panel');
    await expect.poll(async () => Number((await panel.getAttribute('data-w1-energy')) || NaN), { timeout: 120_000 }).toBeGreaterThan(0);
    const url = new URL(page.url()).searchParams;
    // The scenario's settings are in the URL (operator and noise at their defaults, scale and 0.3, are left out).
    expect([url.get('problem'), url.get('operator') ?? 'scale', url.get('noise') ?? '0.3', url.get('obs1'), url.get('obs2'), url.get('levels'), url.get('correctorSteps')]).toEqual(['linear', 'scale', '0.3', '1', '0.5', '5', '1']);
    const geometric = Number(await panel.getAttribute('data-w1-geometric'));
    const energy = Number(await panel.getAttribute('data-w1-energy'));
    expect(energy).toBeLessThanOrEqual(0.75 * geometric);
    // Two different paths in the (σ1, σ2) plane.
    const paths = await page.evaluate(() => {
      const gd = document.querySelector('[data-testid="i-schedule-panel"] .js-plotly-plot') as (HTMLElement & { data?: { name?: string; x?: number[] }[] }) | null;
      return (gd?.data ?? []).map((t) => ({ name: t.name ?? '', x: t.x ?? [] }));
    });
    expect(paths.map((p) => p.name.split(' ')[0])).toEqual(['geometric', 'energy-guided']);
    expect(Math.abs(paths[0].x[1] - paths[1].x[1])).toBeGreaterThan(0.3); // log10 σ1 after the first level
    await page.getByTestId('i-schedule-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/inverse-schedules.png` });

    // Sample, then export the samples and the metrics.
    await page.getByTestId('i-sample').click();
    await expect.poll(async () => (await page.getByTestId('i-posterior').textContent()) ?? '', { timeout: 90_000 }).toMatch(/sliced W1 to the exact posterior [0-9.]+/);
    const [samples] = await Promise.all([page.waitForEvent('download'), page.getByTestId('i-export-samples-csv').click()]);
    expect(samples.suggestedFilename()).toBe('tweedie-inverse-samples-gmm2-linear-scale-noise0.3-y1-0.5-mala-L5-K1-eps0.5-geometric-acsm-seed1.csv');
    const rows = readFileSync(await samples.path(), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('chain,x1,x2,exact_x1,exact_x2');
    expect(rows).toHaveLength(501);
    const [metrics] = await Promise.all([page.waitForEvent('download'), page.getByTestId('i-export-metrics-json').click()]);
    expect(metrics.suggestedFilename()).toBe('tweedie-inverse-metrics-gmm2-linear-scale-noise0.3-y1-0.5-mala-L5-K1-eps0.5-geometric-acsm-seed1.json');
    const m = JSON.parse(readFileSync(await metrics.path(), 'utf8')) as { posterior: { distance: number }; schedules: { geometric: { distance: number }; energy: { distance: number } }; normalization: { acsm: { logZ: number } } };
    expect(m.posterior.distance).toBeGreaterThan(0);
    expect(m.schedules.energy.distance).toBeCloseTo(energy, 9);
    expect(Number.isFinite(m.normalization.acsm.logZ)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
