/**
 * Issue 18 in the real app: a refused upload keeps the shipped model drawn in the Uncertainty lab and the trained
 * model in the Scores lab (step count, URL, no confirmation asked); and seeded hostile URLs, two per lab, load with a
 * notice and no page error or failed panel.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LABS } from '../../src/app/labs/index.ts';
import { parseAppUrl } from '../../src/app/state/url.ts';
import { hostileQueries } from '../fuzz/urls.ts';
import { openApp, panelViews, trainScoresLab, useChromium } from './browser.ts';

const chromium = useChromium();

const attr = async (page: Page, testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? '';

/** A minimal score-model file (s1 only, width 1) with the top-level fields of `patch` and the spec fields of `specPatch`. */
function modelFile(patch: Record<string, unknown>, specPatch: Record<string, unknown> = {}): Buffer {
  const spec = { dim: 2, sigma: 0.3, s2: 'none', rank: 0, width: 1, depth: 1, act: 'tanh', shareTrunk: false, inputShift: [0, 0], inputScale: [1, 1], ...specPatch };
  const f32 = (n: number, v = 0.1) => Buffer.from(new Float32Array(n).fill(v).buffer).toString('base64');
  const weights = [
    { name: 's1.0.W', shape: [2, 1], data: f32(2) },
    { name: 's1.0.b', shape: [1], data: f32(1) },
    { name: 's1.1.W', shape: [1, 2], data: f32(2) },
    { name: 's1.1.b', shape: [2], data: f32(2) },
  ];
  return Buffer.from(JSON.stringify({ format: 'tweedie-lab/score-model', version: 1, spec, weights, ...patch }));
}

describe('refusals lose nothing', () => {
  it('Uncertainty lab: bad uploads are refused with the field named; the shipped model stays loaded and drawn', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=uncertainty&density=gmm2&sigma=0.3&at=0.5,0.2');
    const lab = page.getByTestId('uncertainty-lab');
    await expect.poll(() => lab.getAttribute('data-model'), { timeout: 60_000 }).toMatch(/shipped/);
    // Exact, learned s2 and autodiff: three ellipses once the shipped model has answered.
    await expect.poll(() => lab.getAttribute('data-ellipses'), { timeout: 60_000 }).toBe('3');
    const model = await lab.getAttribute('data-model');
    const url = page.url();
    const nan = Buffer.from(new Float32Array(2).fill(NaN).buffer).toString('base64');
    const bad: [string, Buffer, RegExp][] = [
      ['null.json', Buffer.from('null'), /got null/],
      ['nan.json', modelFile({ weights: [{ name: 's1.0.W', shape: [2, 1], data: nan }] }), /s1\.0\.W" holds NaN/],
      ['sigma.json', modelFile({}, { sigma: -0.3 }), /spec\.sigma: Too small: expected number to be >0 \(got -0\.3\)/],
      ['version.json', modelFile({ version: 7 }), /version 7 is not one this app reads/],
      ['banana.json', modelFile({ density: 'nope' }), /trained on "nope", which this lab does not show/],
      ['text.json', Buffer.from('not json'), /not valid JSON/],
    ];
    for (const [name, buffer, why] of bad) {
      await page.getByTestId('u-model-file').setInputFiles({ name, mimeType: 'application/json', buffer });
      await expect.poll(() => page.getByTestId('u-upload-error').textContent(), { timeout: 10_000 }).toMatch(why);
      expect(await page.getByTestId('u-upload-error').textContent()).toContain('The model in use is unchanged.');
      expect(await lab.getAttribute('data-model')).toBe(model);
    }
    await expect.poll(() => lab.getAttribute('data-ellipses'), { timeout: 30_000 }).toBe('3');
    const views = await panelViews(page, '.uncertainty-lab');
    expect(views.every((v) => v.error === null)).toBe(true);
    expect(page.url()).toBe(url);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('Scores lab: a run file outside the lab (σ = 3) or with a broken record is refused before any question; the trained model stays', async () => {
    const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, '?tab=scores&backend=wasm&density=gmm2&width=16&batch=64');
    await trainScoresLab(page, 10, 90_000);
    const steps = await attr(page, 'scores-lab', 'data-step');
    const url = page.url();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const hostile: [string, Buffer, RegExp][] = [
      ['sigma3.json', modelFile({ density: 'gmm2' }, { sigma: 3 }), /the model's sigma = 3 is outside the lab's range \[0\.02, 2\]/],
      ['history.json', modelFile({ density: 'gmm2', training: { hyper: {}, steps: 5, history: [null] } }), /training\.history\[0\]/],
      ['steps.json', modelFile({ density: 'gmm2', training: { hyper: {}, steps: 'abc', history: [] } }), /training\.steps/],
      ['points.json', modelFile({ density: { points: { length: 1e8 }, dim: 2 } }), /density: must be a density name/],
      ['notamodel.json', Buffer.from('{"hello": 1}'), /not a score model file/],
    ];
    for (const [name, buffer, why] of hostile) {
      await page.getByTestId('load-file').setInputFiles({ name, mimeType: 'application/json', buffer });
      await expect.poll(() => page.getByTestId('error').textContent(), { timeout: 10_000 }).toMatch(why);
      expect(await attr(page, 'scores-lab', 'data-step')).toBe(steps);
      expect(page.url()).toBe(url);
    }
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('URL fuzz in the app', () => {
  it('two seeded hostile URLs per lab load with their notices, no page error and no failed panel', async () => {
    const queries = hostileQueries(18, 200);
    const chosen = LABS.flatMap((lab) => queries.filter((q) => new URLSearchParams(q).get('tab') === lab.id).slice(0, 2));
    expect(chosen.length).toBe(2 * LABS.length);
    for (const q of chosen) {
      const { page, errors, context } = await openApp(chromium.browser, chromium.baseUrl, `?${q}`);
      const { state, notices } = parseAppUrl(q, LABS);
      await page.locator(`[data-testid="${state.shell.tab}-lab"]`).waitFor({ timeout: 60_000 });
      if (notices.length) await expect.poll(() => page.getByTestId('url-notice').textContent(), { timeout: 10_000, message: q }).toContain(notices[0].message);
      await page.waitForTimeout(1500);
      const failed = (await panelViews(page)).filter((v) => v.error !== null);
      expect(failed, q).toEqual([]);
      expect(errors, q).toEqual([]);
      await context.close();
    }
  }, 300_000);
});
