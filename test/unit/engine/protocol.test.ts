/**
 * The engine protocol in-process (cpu backend): request → progress → result, errors for unknown jobs and bad
 * params, cancel, independent ids, concurrent jobs. Driven both through the raw handler (message sequence)
 * and through the client (typed promises). The `bench` job with tiny settings serves as the long job.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineError, type EngineClient } from '../../../src/engine/client.ts';
import { createEngineHandler } from '../../../src/engine/handler.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import type { BenchParams } from '../../../src/engine/jobs/bench.ts';
import type { EngineRequest, EngineResponse } from '../../../src/engine/protocol.ts';

/** A bench small enough to finish in well under a second on the cpu backend. */
const TINY: BenchParams = { backends: ['cpu'], batch: 8, hidden: 4, chains: [16], budgetMs: 0, minRuns: 1, maxRuns: 1, runMs: 1 };
/** A bench that reports progress (a measurement done) about every 100 ms for minutes unless cancelled. */
const CHATTY: BenchParams = { backends: ['cpu'], batch: 8, hidden: 4, chains: Array.from({ length: 1000 }, (_, i) => 16 + i), budgetMs: 100, minRuns: 1, maxRuns: 1000, runMs: 5 };
/** A bench that would run for minutes unless cancelled. */
const LONG: BenchParams = { backends: ['cpu'], batch: 64, hidden: 16, chains: [100], budgetMs: 600_000, minRuns: 1000, maxRuns: 1000, runMs: 5 };

let engine: EngineClient;
beforeAll(async () => {
  engine = createInProcessEngine();
  const info = await engine.run('init', { backend: 'cpu' });
  expect(info.name).toBe('cpu');
});
afterAll(() => engine.close());

function collect(): { post(r: EngineResponse): void; messages: EngineResponse[]; until(pred: (r: EngineResponse) => boolean): Promise<void> } {
  const messages: EngineResponse[] = [];
  const waiters: { pred: (r: EngineResponse) => boolean; resolve(): void }[] = [];
  return {
    messages,
    post(r) {
      messages.push(structuredClone(r));
      for (const w of [...waiters]) if (w.pred(r)) w.resolve();
    },
    until(pred) {
      if (messages.some(pred)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

describe('engine handler: message sequence', () => {
  it('answers a request with progress messages, then exactly one result, all with the request id', async () => {
    const c = collect();
    const handler = createEngineHandler(c.post);
    handler.handle({ type: 'request', id: 7, job: 'bench', params: TINY } as EngineRequest);
    await c.until((r) => r.type !== 'progress');
    const types = c.messages.map((m) => m.type);
    expect(types.filter((t) => t === 'progress').length).toBeGreaterThan(0);
    expect(types.slice(-1)).toEqual(['result']);
    expect(types.slice(0, -1).every((t) => t === 'progress')).toBe(true);
    expect(c.messages.every((m) => m.id === 7)).toBe(true);
  });

  it('answers an unknown job with an error naming the known jobs', async () => {
    const c = collect();
    const handler = createEngineHandler(c.post);
    handler.handle({ type: 'request', id: 3, job: 'frobnicate', params: {} } as unknown as EngineRequest);
    await c.until((r) => r.type === 'error');
    const err = c.messages.find((m) => m.type === 'error');
    expect(err).toMatchObject({ id: 3, type: 'error' });
    expect((err as { message: string }).message).toMatch(/Unknown job "frobnicate".*bench/);
    expect((err as { cancelled?: boolean }).cancelled).toBeUndefined();
  });

  it('ignores a cancel for an id that is not running', () => {
    const c = collect();
    const handler = createEngineHandler(c.post);
    handler.handle({ type: 'cancel', id: 99 });
    expect(c.messages).toEqual([]);
  });
});
describe('engine handler: backpressure', () => {
  it('sends no progress until the last one is acknowledged, and the job keeps running meanwhile', async () => {
    const c = collect();
    const handler = createEngineHandler(c.post);
    handler.handle({ type: 'request', id: 11, job: 'bench', params: CHATTY } as EngineRequest);
    await c.until((r) => r.type === 'progress');
    // Nobody acknowledges: one progress message, however long the job runs.
    await new Promise((r) => setTimeout(r, 800));
    expect(c.messages.filter((m) => m.type === 'progress').length).toBe(1);
    // The acknowledgement releases the newest report made meanwhile, and only that one.
    handler.handle({ type: 'ack', id: 11 });
    await c.until((r) => r.type === 'progress' && c.messages.filter((m) => m.type === 'progress').length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.messages.filter((m) => m.type === 'progress').length).toBe(2);
    // The job was never blocked: it still answers a cancel with its final message.
    handler.handle({ type: 'cancel', id: 11 });
    await c.until((r) => r.type === 'error');
    expect(c.messages.at(-1)).toMatchObject({ type: 'error', id: 11, cancelled: true });
  });

  it('the client acknowledges when onProgress returns, or when the promise it returns settles', async () => {
    let release: () => void = () => {};
    let calls = 0;
    const ctrl = new AbortController();
    const run = engine.run('bench', CHATTY, {
      signal: ctrl.signal,
      onProgress: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
    });
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 800));
    expect(calls).toBe(1);
    release();
    await vi.waitFor(() => expect(calls).toBe(2), { timeout: 30_000 });
    ctrl.abort();
    await expect(run).rejects.toMatchObject({ cancelled: true });
  });
});


describe('engine client', () => {
  it('resolves with the typed result and streams progress', async () => {
    const fractions: number[] = [];
    const r = await engine.run('bench', TINY, { onProgress: (p) => fractions.push(p.fraction) });
    expect(r.results.map((b) => b.backend)).toEqual(['cpu']);
    expect(r.results[0].measurements.map((m) => `${m.task}@${m.size}`)).toEqual(['train-step@8', 'langevin-step@16']);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
  });

  it('rejects bad params with a message that says what is wrong', async () => {
    await expect(engine.run('bench', { ...TINY, batch: -3 })).rejects.toThrow(/batch must be an integer in \[1, 65536\], got -3/);
    await expect(engine.run('bench', { ...TINY, backends: ['tpu' as never] })).rejects.toThrow(/unknown backend "tpu"/);
    const e = await engine.run('bench', { ...TINY, minRuns: 5, maxRuns: 2 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).cancelled).toBe(false);
  });

  it('rejects an unknown job', async () => {
    await expect(engine.run('nope' as 'init', {})).rejects.toThrow(/Unknown job "nope"/);
  });

  it('cancel stops a running job: the promise rejects with cancelled = true, soon', async () => {
    const ac = new AbortController();
    let progressed = 0;
    const t0 = Date.now();
    const p = engine.run('bench', LONG, {
      signal: ac.signal,
      onProgress: () => {
        progressed++;
        ac.abort();
      },
    });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).cancelled).toBe(true);
    expect(progressed).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('an already aborted signal rejects at once with cancelled = true', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await engine.run('bench', TINY, { signal: ac.signal }).catch((x: unknown) => x);
    expect((e as EngineError).cancelled).toBe(true);
  });

  it('runs jobs concurrently with independent ids: cancelling one leaves the other to finish', async () => {
    const ac = new AbortController();
    const long = engine.run('bench', LONG, { signal: ac.signal }).catch((x: unknown) => x);
    const short = engine.run('bench', TINY);
    const init = engine.run('init', { backend: 'cpu' });
    const [r, info] = await Promise.all([short, init]);
    expect(r.results[0].measurements).toHaveLength(2);
    expect(info.name).toBe('cpu');
    ac.abort();
    expect(((await long) as EngineError).cancelled).toBe(true);
  });
});
