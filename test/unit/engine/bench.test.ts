/**
 * The bench job on the cpu backend: result shape, medians and ratios, the restored engine backend, no leaked
 * tensors; and the report's markdown table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { median, ratiosOf, type BenchParams, type BenchResult } from '../../../src/engine/jobs/bench.ts';
import { markdownTable, type BenchReport } from '../../../src/cli/bench/report.ts';

const TINY: BenchParams = { batch: 16, hidden: 8, chains: [10, 50], budgetMs: 0, minRuns: 2, maxRuns: 2, runMs: 2 };

let engine: EngineClient;
beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'cpu' });
});
afterAll(() => engine.close());

describe('bench job', () => {
  it('times every requested backend, reports unavailable ones, leaks no tensors and restores the backend', async () => {
    const before = tf.memory().numTensors;
    const r = await engine.run('bench', { ...TINY, backends: ['cpu', 'webgl'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('cpu');
    expect(r.environment).toBe('node');
    expect(r.engineBackend.name).toBe('cpu');
    const [cpu, webgl] = r.results;
    expect(cpu.backend).toBe('cpu');
    expect(cpu.measurements.map((m) => [m.task, m.size])).toEqual([
      ['train-step', 16],
      ['langevin-step', 10],
      ['langevin-step', 50],
    ]);
    for (const m of cpu.measurements) {
      expect(m.runs).toHaveLength(2);
      expect(m.msPerStep).toBe(median(m.runs));
      expect(m.msPerStep).toBeGreaterThan(0);
      expect(m.stepsPerRun).toBeGreaterThanOrEqual(1);
    }
    expect(webgl).toMatchObject({ backend: 'webgl', measurements: [] });
    expect(webgl.error).toMatch(/not available/);
    expect(r.ratios['train-step@16']).toEqual({ cpu: 1 });
  });
});

describe('bench helpers', () => {
  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  const result = (rows: [string, number][]): BenchResult => ({
    environment: 'node',
    tfjsVersion: '4.22.0',
    engineBackend: { name: 'wasm', adapter: 'WebAssembly' },
    results: rows.map(([backend, ms]) => ({
      backend: backend as 'cpu',
      adapter: `${backend} device`,
      measurements: [{ task: 'train-step', size: 512, msPerStep: ms, runs: [ms], stepsPerRun: 1 }],
    })),
    ratios: {},
  });

  /** A bench report on a test machine (load average 0.5) with the Node run and, optionally, a browser run. */
  const reportOf = (day: string, node: BenchResult, browser?: BenchReport['browser']): BenchReport => ({
    date: `${day}T00:00:00.000Z`,
    machine: { os: 'Linux', cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20', loadAverage: 0.5 },
    params: {},
    node,
    ...(browser ? { browser } : {}),
  });

  it('ratios are relative to the fastest backend of the same run', () => {
    const r = result([
      ['wasm', 30],
      ['cpu', 120],
    ]);
    expect(ratiosOf(r.results)).toEqual({ 'train-step@512': { wasm: 1, cpu: 4 } });
  });

  it('the markdown table has a row per backend and environment, with ratios and the machine', () => {
    const node = result([
      ['wasm', 30],
      ['cpu', 120],
    ]);
    node.ratios = ratiosOf(node.results);
    const browser = result([['webgpu', 10]]);
    browser.ratios = ratiosOf(browser.results);
    const report = reportOf('2026-11-23', node, { chromium: '150.0.1', result: browser });
    const md = markdownTable(report).split('\n');
    expect(md[0]).toBe('| where | backend | device | train step, batch 512 |');
    expect(md).toContain('| Node | wasm | wasm device | 30.0 ms (1.0×) |');
    expect(md).toContain('| Node | cpu | cpu device | 120 ms (4.0×) |');
    expect(md).toContain('| Chromium 150 | webgpu | webgpu device | 10.0 ms (1.0×) |');
    expect(md[md.length - 1]).toMatch(/Machine: Test CPU, 2 cores, 8 GiB, Linux, Node v20, load average 0.5, Chromium 150\.0\.1, tfjs 4\.22\.0; 2026-11-23\./);
  });

  it('fused rows show their speed-up over the op-by-op step and their dispatches per step', () => {
    const node = result([['webgpu', 500]]);
    node.results[0].measurements[0].dispatchesPerStep = 113;
    node.results[0].measurements.push({ task: 'fused-train-step', size: 512, msPerStep: 25, runs: [25], stepsPerRun: 8, dispatchesPerStep: 2, speedupOverOpByOp: 20 });
    node.ratios = ratiosOf(node.results);
    const report = reportOf('2026-12-05', node);
    const md = markdownTable(report).split('\n');
    expect(md[0]).toBe('| where | backend | device | train step, batch 512 | fused train step, batch 512 |');
    expect(md).toContain('| Node | webgpu | webgpu device | 500 ms (1.0×; 113 dispatches) | 25.0 ms (20.0× op by op, 2 dispatches) |');
  });

  it('the WASM-kernel train row shows its speed-up over the op-by-op step and no backend ratio', () => {
    const node = result([['wasm', 7]]);
    node.results[0].measurements.push({ task: 'wasm-train-step', size: 512, msPerStep: 2.5, runs: [2.5], stepsPerRun: 100, speedupOverOpByOp: 2.8 });
    node.ratios = ratiosOf(node.results);
    const md = markdownTable(reportOf('2026-12-05', node)).split('\n');
    expect(md[0]).toBe('| where | backend | device | train step, batch 512 | WASM-kernel train step, batch 512 |');
    expect(md).toContain('| Node | wasm | wasm device | 7.00 ms (1.0×) | 2.50 ms (2.8× op by op) |');
  });

  it('the Digits stroke is a line under the table: each run, its backend and threads, the parts; a failure says why', () => {
    const stroke = { backend: 'wasm' as const, threads: 2, digit: 'MNIST test #4 (a 4)', sigma: 0.5, noise: true, k: 4, samples: 8, projectNoise: true, msPerStroke: 96.4, runs: [96.4], msNetworks: 40.2, msEigen: 30.05, msClassifier: 21 };
    const node = { ...result([['wasm', 7]]), digitsStroke: { ...stroke, threads: 1, msPerStroke: 120 } };
    const browser = { ...result([['wasm', 6]]), digitsStroke: stroke };
    const md = markdownTable(reportOf('2026-12-05', node, { chromium: '150.0.1', result: browser }));
    expect(md).toContain(
      "Digits posterior per stroke, median (the Digits lab's defaults: MNIST test #4 (a 4), σ = 0.5, k = 4, 8 samples): " +
        'Node (wasm, 1 thread): 120 ms (networks 40.2, eigen-solver 30.1, classifier 21.0; 1 stroke); ' +
        'Chromium 150 (wasm, 2 threads): 96.4 ms (networks 40.2, eigen-solver 30.1, classifier 21.0; 1 stroke).',
    );
    const failed = markdownTable(reportOf('2026-12-05', { ...result([['wasm', 7]]), digitsError: 'Model file x is missing.' }));
    expect(failed).toContain("Digits posterior per stroke, median (the Digits lab's defaults: not measured): Node: failed (Model file x is missing.).");
    expect(markdownTable(reportOf('2026-12-05', result([['wasm', 7]])))).not.toContain('Digits');
  });
});
