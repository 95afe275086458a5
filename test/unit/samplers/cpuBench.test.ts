/**
 * The CPU chains in the engine: the bench job's "cpu-simd" and "cpu" engine rows (and the report's table), and the
 * sampler jobs naming the engine that ran them (cpu backend: exact 2-D mixtures on WebAssembly SIMD, other exact
 * scores on typed arrays, learned on tfjs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { EngineClient } from '../../../src/engine/client.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { markdownTable } from '../../../src/cli/bench/report.ts';
import { median } from '../../../src/engine/jobs/bench.ts';

let engine: EngineClient;
beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'cpu' });
});
afterAll(() => engine.close());

describe('bench: the CPU engine rows', () => {
  it('times every sampler kind at every chain count, without tensors, and the table prints them beside the backends', async () => {
    const before = tf.memory().numTensors;
    const r = await engine.run('bench', { batch: 16, hidden: 8, chains: [10, 50], budgetMs: 0, minRuns: 2, maxRuns: 2, runMs: 2, backends: ['cpu'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.engines?.map((e) => e.engine)).toEqual(['cpu-simd', 'cpu']);
    for (const { measurements: rows } of r.engines!) {
      expect(rows.map((m) => `${m.task}@${m.size}`)).toEqual([
        'langevin-step@10', 'langevin-step@50', 'ozaki-step@10', 'ozaki-step@50', 'ozaki-full-step@10', 'ozaki-full-step@50', 'mala-step@10', 'mala-step@50',
      ]);
      for (const m of rows) {
        expect(m.runs).toHaveLength(2);
        expect(m.msPerStep).toBe(median(m.runs));
        expect(m.msPerStep).toBeGreaterThan(0);
      }
    }
    const machine = { os: 'Linux', cpu: 'test cpu', cores: 2, memoryGiB: 8, node: 'v20', loadAverage: 1 };
    const table = markdownTable({ date: '2026-01-01T00:00:00Z', machine, params: {}, node: r });
    expect(table).toMatch(/\| Langevin step, 10 chains \|.*\| MALA step, 50 chains \|/);
    expect(table).toMatch(/\| Node \| cpu-simd engine \| WebAssembly SIMD \(f32x4, float32\), one thread \| – \| [0-9.]+ ms \|/);
    expect(table).toMatch(/\| Node \| cpu engine \| typed arrays \(float64\), one thread \| – \| [0-9.]+ ms \|/);
    const off = await engine.run('bench', { batch: 16, hidden: 8, chains: [10], budgetMs: 0, minRuns: 1, maxRuns: 1, runMs: 1, backends: ['cpu'], cpuSamplers: false });
    expect(off.engines).toBeUndefined();
  });
});

describe('sampler jobs name their engine', () => {
  it('exact scores run on the CPU engines on the cpu backend: sample, sweep and a live session say which', async () => {
    const s = await engine.run('sample', { density: 'gmm2', score: { kind: 'exact' }, sampler: 'mala', step: 0.05, chains: 20, steps: 40, burn: 10, seed: 1 });
    expect(s.engine).toBe('cpu-simd');
    expect(s.acceptRate).toBeGreaterThan(0.3);
    const w = await engine.run('sweep', { density: 'banana', score: { kind: 'exact' }, samplers: ['ozaki-full'], grid: [0.05], chains: 8, steps: 20, burn: 0, seed: 0 });
    expect(w.engine).toBe('cpu');
    expect(w.curves[0].engine).toBe('cpu');
    const start = await engine.run('samplerStart', { key: 'e', density: 'gmm2', score: { kind: 'exact', sigma: 0.2 }, chains: 16, seed: 2, burn: 0, panels: [{ kind: 'ozaki', step: 0.1, clamp: true }] });
    expect(start.engine).toBe('cpu-simd');
    const r = await engine.run('samplerAdvance', { key: 'e', steps: 5 });
    expect(r.frames[0].t).toBe(5);
    await engine.run('samplerStop', { key: 'e' });
  });
});
