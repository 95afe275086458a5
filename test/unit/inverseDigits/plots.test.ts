/** Pure builders of the Digit inverse lab (src/app/labs/inverseDigits/plots.ts, params.ts, exports.ts), as plain objects. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blindHeatmapSpec, blindSentence, gapColor, meanLogVariance, schedulePathSpec, sigmaTicks, type BlindSurfaceView } from '../../../src/app/labs/inverseDigits/plots.ts';
import { boxFromDrag, coarseBlindGrid, DEFAULT_BOX, DEFAULT_DIGIT, effectiveBox, inverseDigitsParams, problemSpec } from '../../../src/app/labs/inverseDigits/params.ts';
import { inverseDigitsFileName, metricsCsv, samplesCsv } from '../../../src/app/labs/inverseDigits/exports.ts';
import { inverseDigitsScenarios } from '../../../src/app/labs/inverseDigits/scenarios.ts';
import { inverseDigitsExplainer } from '../../../src/app/labs/inverseDigits/explainer.ts';
import { parseProblem, seenMask } from '../../../src/models/inverse/problems.ts';
import { defaultValues, normalizeValue } from '../../../src/app/state/schema.ts';

/** A 3-width × 2-sigma surface peaking at (W = 12, σ1 = 0.05), one cell not finite. */
function surface(): BlindSurfaceView {
  return {
    grid: { a: [8, 12, 16], b: [0.02, 0.05] },
    surface: [
      [-1100, -1010, -2000],
      [-1001, -1000, NaN],
    ],
    estimate: { a: 12, b: 0.05 },
  };
}

describe('blindHeatmapSpec', () => {
  it('draws the gap to the maximum on a signed log scale, σ1 in log10, with the truth and the argmax marked', () => {
    const spec = blindHeatmapSpec(surface(), { box: 10, sigma1: 0.03 }, 'A-DSM + A-CSM');
    const [heat, truth, arg] = spec.data as Record<string, unknown>[];
    expect(heat.type).toBe('heatmap');
    expect(heat.x).toEqual([8, 12, 16]);
    expect((heat.y as number[]).map((v) => Number(v.toFixed(6)))).toEqual([Math.log10(0.02), Math.log10(0.05)].map((v) => Number(v.toFixed(6))));
    const z = heat.z as (number | null)[][];
    expect(z[1][1]).toBe(0); // the maximum
    expect(z[0][0]).toBeCloseTo(-Math.log10(101), 10);
    expect(z[1][0]).toBeCloseTo(-Math.log10(2), 10);
    expect(z[1][2]).toBeNull(); // not finite: no colour
    expect((heat.customdata as (number | null)[][])[0][2]).toBe(-1000);
    expect(heat.zmax).toBe(0);
    expect(heat.zmin).toBeCloseTo(gapColor(1000), 10);
    const bar = heat.colorbar as { tickvals: number[]; ticktext: string[] };
    expect(bar.ticktext).toEqual(['0', '−10', '−100', '−1e3', '−1e4']);
    expect(bar.tickvals[0]).toBe(0);
    expect(truth).toMatchObject({ name: 'truth', x: [10], marker: { symbol: 'star' } });
    expect((truth.y as number[])[0]).toBeCloseTo(Math.log10(0.03), 10);
    expect(arg).toMatchObject({ name: 'argmax', x: [12], marker: { symbol: 'x' } });
    expect(spec.layout?.title).toMatchObject({ text: 'A-DSM + A-CSM' });
    const y = spec.layout?.yaxis as { ticktext: string[] };
    expect(y.ticktext).toEqual(['0.02', '0.05']);
  });

  it('σ ticks are 1-2-5 steps inside the grid', () => {
    expect(sigmaTicks(0.01, 0.5).ticktext).toEqual(['0.01', '0.02', '0.05', '0.1', '0.2', '0.5']);
    expect(sigmaTicks(0.01, 0.5).tickvals[3]).toBeCloseTo(-1, 12);
  });

  it('the sentence names both estimates and the truth', () => {
    const s = blindSentence(
      [
        { model: 'acsm', estimate: { a: 12, b: 0.0512 } },
        { model: 'dsm', estimate: { a: 20, b: 0.3 } },
      ],
      { box: 12, sigma1: 0.05 },
    );
    expect(s).toBe('Truth: W = 12, σ1 = 0.05. A-DSM + A-CSM estimates W = 12, σ1 = 0.051; A-DSM only estimates W = 20, σ1 = 0.3.');
  });
});

describe('schedulePathSpec', () => {
  it('one solid (hidden) and one dotted (seen) line per schedule: the geometric-mean variance per level', () => {
    const seen = [1, 1, 0, 0];
    const geo = [Float32Array.from([1e-4, 1e-4, 100, 100]), Float32Array.from([1e-4, 1e-4, 1, 1]), Float32Array.from([1e-4, 1e-4, 1e-4, 1e-4])];
    const en = [Float32Array.from([1e-4, 1e-4, 100, 100]), Float32Array.from([1e-4, 1e-4, 10, 0.1]), Float32Array.from([1e-4, 1e-4, 1e-4, 1e-4])];
    const spec = schedulePathSpec([
      { schedule: 'geometric', lambdas: geo, seen },
      { schedule: 'energy', lambdas: en, seen },
    ]);
    const traces = spec.data as { name: string; x: number[]; y: number[]; line: { dash: string } }[];
    expect(traces.map((t) => t.name)).toEqual(['geometric: hidden pixels', 'geometric: seen pixels', 'energy-guided: hidden pixels', 'energy-guided: seen pixels']);
    expect(traces[0].x).toEqual([0, 1, 2]);
    expect(traces[0].y.map((v) => Number(v.toFixed(4)))).toEqual([2, 0, -4]);
    expect(traces[2].y[1]).toBeCloseTo(0, 6); // log10 of the geometric mean of 10 and 0.1
    expect(traces[1].y.map((v) => Number(v.toFixed(4)))).toEqual([-4, -4, -4]);
    expect(traces[1].line.dash).toBe('dot');
    expect(traces[0].line.dash).toBe('solid');
  });

  it('a problem with no hidden pixel (noise) has no hidden line', () => {
    const spec = schedulePathSpec([{ schedule: 'geometric', lambdas: [Float32Array.from([0.1, 0.1])], seen: [1, 1] }]);
    expect((spec.data as { name: string }[]).map((t) => t.name)).toEqual(['geometric: seen pixels']);
    expect(meanLogVariance([1, 1], [1, 1], 0)).toBeNaN();
  });
});

describe('params', () => {
  it('the lab opens on an MNIST 9 with the top of it hidden', () => {
    const meta = JSON.parse(readFileSync(new URL('../../../public/mnist-gallery.json', import.meta.url), 'utf8')) as { labels: number[] };
    expect(meta.labels[DEFAULT_DIGIT]).toBe(9);
    expect(meta.labels.indexOf(9)).toBe(DEFAULT_DIGIT);
    const d = defaultValues(inverseDigitsParams);
    expect(problemSpec(d)).toBe(`box:${DEFAULT_BOX.x},${DEFAULT_BOX.y},${DEFAULT_BOX.w},${DEFAULT_BOX.h}`);
    expect(d).toMatchObject({ levels: 20, steps: 4, stepSize: 0.1, samples: 8 });
  });

  it('every box the schema allows becomes a valid problem (cut to the image, never all of it)', () => {
    for (const [x, y, w, h] of [
      [0, 0, 28, 28],
      [27, 27, 28, 28],
      [20, 5, 15, 3],
      [0, 0, 1, 1],
    ]) {
      const b = effectiveBox({ x, y, w, h });
      const p = parseProblem(problemSpec({ problem: 'box', bx: x, by: y, bw: w, bh: h, k: 1, noise: 1 }));
      expect(p).toEqual({ kind: 'box', x: b.x, y: b.y, w: b.w, h: b.h });
      expect(b.x + b.w).toBeLessThanOrEqual(28);
      expect(b.w * b.h).toBeLessThan(784);
    }
    expect(effectiveBox({ x: 20, y: 5, w: 15, h: 3 })).toEqual({ x: 20, y: 5, w: 8, h: 3, clipped: true });
    expect(effectiveBox({ x: 4, y: 2, w: 20, h: 12 }).clipped).toBe(false);
  });

  it('the k-pixel and noise specs parse at the ends of their ranges', () => {
    const base = { problem: 'kpix' as const, bx: 0, by: 0, bw: 1, bh: 1, k: 1, noise: 1 };
    for (const k of [inverseDigitsParams.k.min!, inverseDigitsParams.k.max!]) expect(parseProblem(problemSpec({ ...base, k }))).toEqual({ kind: 'kpix', k });
    for (const noise of [inverseDigitsParams.noise.min!, inverseDigitsParams.noise.max!, 0.123456789]) {
      const p = parseProblem(problemSpec({ ...base, problem: 'noise', noise: normalizeValue(inverseDigitsParams.noise, noise) }));
      expect(p.kind).toBe('noise');
    }
  });

  it('a drag spans both end pixels, in any direction, clamped to the image', () => {
    expect(boxFromDrag([10.7, 3.2], [4.1, 8.9])).toEqual({ x: 4, y: 3, w: 7, h: 6 });
    expect(boxFromDrag([-3, 30], [2, 2])).toEqual({ x: 0, y: 2, w: 3, h: 26 });
    const hidden = seenMask(parseProblem(problemSpec({ problem: 'box', bx: 4, by: 3, bw: 7, bh: 6, k: 1, noise: 1 }))).filter((s) => s === 0).length;
    expect(hidden).toBe(42);
  });

  it('the coarse blind grid holds the default truth and stays in the engine\u2019s ranges', () => {
    const g = coarseBlindGrid();
    expect(g.widths).toContain(inverseDigitsParams.blindW.default);
    expect(g.widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 27)).toBe(true);
    expect(g.sigmas[0]).toBeCloseTo(0.01, 8);
    expect(g.sigmas.at(-1)).toBeCloseTo(0.5, 5);
    expect(g.sigmas.every((s) => s >= 0.01 && s <= 1)).toBe(true);
  });

  it('scenarios set only known keys, to values the schema keeps; the explainer points at one of them', () => {
    for (const s of inverseDigitsScenarios) {
      for (const [k, v] of Object.entries(s.params)) {
        const spec = (inverseDigitsParams as Record<string, Parameters<typeof normalizeValue>[0]>)[k];
        expect(spec, `${s.id}: ${k}`).toBeDefined();
        expect(normalizeValue(spec, v), `${s.id}: ${k}`).toEqual(v);
      }
    }
    expect(inverseDigitsScenarios.map((s) => s.id)).toContain(inverseDigitsExplainer.tryScenario);
  });
});

describe('exports', () => {
  it('metrics CSV holds a row per run and per blind estimate; samples CSV a row per sample', () => {
    const run = { what: 'run', problem: 'box:4,2,20,12', sigma1: 0.02, corrector: 'mala', schedule: 'geometric', levels: 20, steps: 4, stepSize: 0.1, samples: 2, label: 9, sampleLabels: [9, 4], sampleAccuracy: 0.5, mseMean: 0.01, psnrMean: 20, acceptRate: NaN, diverged: 0, seconds: 3 };
    const csv = metricsCsv({ seed: 1, digit: 9, runs: [run], blind: [{ model: 'acsm', truthBox: 12, truthSigma1: 0.05, estimateBox: 12, estimateSigma1: 0.05 }] });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('digit,seed,what,problem,sigma1,corrector,schedule,levels,steps,stepSize,samples,label,sampleLabels,sampleAccuracy,mseMean,psnrMean,acceptRate,diverged,seconds');
    expect(lines[1]).toBe('9,1,run,box:4,2,20,12,0.02,mala,geometric,20,4,0.1,2,9,9 4,0.5,0.01,20,,0,3'.replace('box:4,2,20,12', '"box:4,2,20,12"'));
    expect(lines[3]).toBe('digit,seed,model,truthBox,truthSigma1,estimateBox,estimateSigma1');
    const samples = samplesCsv(new Float32Array(2 * 784).fill(0.5), [9, 4]).trim().split('\n');
    expect(samples).toHaveLength(3);
    expect(samples[2].startsWith('1,4,0.5,')).toBe(true);
    expect(inverseDigitsFileName('std', 9, 'box:4,2,20,12', 3, 'png')).toBe('tweedie-inverse-digits-std-mnist9-box4-2-20-12-seed3.png');
    expect(inverseDigitsFileName('mean', -1, 'noise:0.3', 1, 'png')).toBe('tweedie-inverse-digits-mean-drawn-noise0.3-seed1.png');
  });
});
