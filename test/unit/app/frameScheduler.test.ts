/**
 * The frame scheduler (src/app/plot/frameScheduler.ts) on a hand-driven clock: at most one render per key per frame,
 * the newest render wins, a frame budget spreads work over frames, and promises settle only after the frame
 * (the engine's progress acknowledgements wait on them: backpressure).
 */
import { describe, expect, it } from 'vitest';
import { FrameScheduler, type FrameClock } from '../../../src/app/plot/frameScheduler.ts';

/** A clock whose frames run when the test says; `cost` advances time inside renders. */
function manualClock() {
  let frameQueue: (() => void)[] = [];
  let afterQueue: (() => void)[] = [];
  let t = 0;
  const clock: FrameClock = {
    request: (cb) => void frameQueue.push(cb),
    afterFrame: (cb) => void afterQueue.push(cb),
    now: () => t,
  };
  return {
    clock,
    spend: (ms: number) => void (t += ms),
    /** Runs one frame, then the tasks after it. */
    async frame() {
      const f = frameQueue;
      frameQueue = [];
      f.forEach((cb) => cb());
      const a = afterQueue;
      afterQueue = [];
      a.forEach((cb) => cb());
      await Promise.resolve();
      await Promise.resolve();
    },
    get requested() {
      return frameQueue.length;
    },
  };
}

describe('frame scheduler', () => {
  it('renders a key at most once per frame, and the newest render wins', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    const drawn: number[] = [];
    for (let i = 0; i < 5; i++) void s.schedule('panel', () => drawn.push(i));
    expect(drawn).toEqual([]);
    await c.frame();
    expect(drawn).toEqual([4]);
    expect(s.renders).toBe(1);
    await c.frame();
    expect(drawn).toEqual([4]);
  });

  it('renders different keys in the same frame while the budget lasts, the rest in the next frame', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock, 10);
    const drawn: string[] = [];
    for (const k of ['a', 'b', 'c']) {
      void s.schedule(k, () => {
        drawn.push(k);
        c.spend(6);
      });
    }
    await c.frame();
    // a (6 ms) then b (12 ms): the budget is spent, c waits.
    expect(drawn).toEqual(['a', 'b']);
    expect(s.pending).toBe(1);
    await c.frame();
    expect(drawn).toEqual(['a', 'b', 'c']);
    expect(s.frames).toBe(2);
  });

  it('always renders at least one key per frame, however long it takes', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock, 1);
    let n = 0;
    void s.schedule('slow', () => {
      n++;
      c.spend(500);
    });
    await c.frame();
    expect(n).toBe(1);
  });

  it('settles promises after the frame of the render (backpressure), also those of replaced renders', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    const settled: string[] = [];
    void s.schedule('k', () => {}).then(() => settled.push('first'));
    void s.schedule('k', () => {}).then(() => settled.push('second'));
    expect(settled).toEqual([]);
    await c.frame();
    expect(settled.sort()).toEqual(['first', 'second']);
  });

  it('does not settle before a frame has run: a UI without frames stops acknowledging', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    let done = false;
    void s.schedule('k', () => {}).then(() => (done = true));
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    await c.frame();
    expect(done).toBe(true);
  });

  it('rejects the promise of a render that threw, and keeps rendering other keys', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    const bad = s.schedule('bad', () => {
      throw new Error('boom');
    });
    let ok = false;
    void s.schedule('ok', () => (ok = true));
    await c.frame();
    await expect(bad).rejects.toThrow('boom');
    expect(ok).toBe(true);
  });

  it('drop() forgets a queued render and resolves its promise', async () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    let ran = false;
    const p = s.schedule('gone', () => (ran = true));
    s.drop('gone');
    await expect(p).resolves.toBeUndefined();
    await c.frame();
    expect(ran).toBe(false);
  });

  it('asks for one frame however many renders are queued', () => {
    const c = manualClock();
    const s = new FrameScheduler(c.clock);
    for (const k of ['a', 'b', 'c', 'a']) void s.schedule(k, () => {});
    expect(c.requested).toBe(1);
  });
});
