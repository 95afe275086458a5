/**
 * The one place the UI decides when to draw. Every live panel and every streamed engine result goes through a
 * `FrameScheduler`:
 *
 * - at most one render per key per animation frame: `schedule(key, render)` before the frame replaces the
 *   render queued for that key (the newest result wins; nothing queues up behind a slow frame);
 * - a frame budget: renders run in queue order until `budgetMs` is spent, the rest wait for the next frame (each
 *   still coalesced), so several heavy panels never make one long task;
 * - backpressure: the promise `schedule` returns settles once the render has run and its frame is over (the
 *   browser had the chance to paint it). The engine client acknowledges a progress message only then, and the
 *   engine sends no new progress before the acknowledgement: when the UI falls behind, the jobs report less
 *   often, they do not slow down.
 *
 * The clock is injectable so the tests drive frames by hand.
 */

export interface FrameClock {
  /** Calls `cb` at the next frame (requestAnimationFrame in the browser). */
  request(cb: () => void): void;
  /** Calls `cb` once the current frame is over (a task after the frame's rendering: setTimeout 0 in the browser). */
  afterFrame(cb: () => void): void;
  /** Milliseconds, monotonic (performance.now). */
  now(): number;
}

interface Queued {
  render: () => void;
  settle: Array<(error?: unknown) => void>;
}

export class FrameScheduler {
  private readonly queue = new Map<unknown, Queued>();
  private frameRequested = false;
  /** Renders that have run, and the number of frames that ran at least one (for the tests). */
  renders = 0;
  frames = 0;

  constructor(
    private readonly clock: FrameClock,
    private readonly budgetMs = 10,
  ) {}

  /**
   * Queues `render` under `key` for the next frame, replacing a render queued there and not yet run (its promise then
   * settles with the replacement's). Resolves after the render ran and its frame ended; rejects if it threw.
   */
  schedule(key: unknown, render: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      const queued = this.queue.get(key);
      if (queued) {
        queued.render = render;
        queued.settle.push(settle);
      } else {
        this.queue.set(key, { render, settle: [settle] });
      }
      this.requestFrame();
    });
  }

  /** Drops the render queued under `key` (a panel that unmounts); its promises resolve. */
  drop(key: unknown): void {
    const queued = this.queue.get(key);
    if (!queued) return;
    this.queue.delete(key);
    for (const s of queued.settle) s();
  }

  /** Renders waiting for a frame. */
  get pending(): number {
    return this.queue.size;
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.clock.request(() => this.runFrame());
  }

  private runFrame(): void {
    this.frameRequested = false;
    const t0 = this.clock.now();
    const done: Array<{ settle: Queued['settle']; error?: unknown }> = [];
    for (const [key, queued] of [...this.queue]) {
      if (done.length > 0 && this.clock.now() - t0 >= this.budgetMs) break;
      this.queue.delete(key);
      let error: unknown;
      try {
        queued.render();
      } catch (e) {
        error = e ?? new Error('render failed');
      }
      this.renders++;
      done.push({ settle: queued.settle, error });
    }
    if (done.length > 0) this.frames++;
    // Settle after the frame: by then the browser has painted what these renders drew.
    this.clock.afterFrame(() => {
      for (const d of done) for (const s of d.settle) s(d.error);
    });
    if (this.queue.size > 0) this.requestFrame();
  }
}

const browserClock: FrameClock = {
  request: (cb) => {
    requestAnimationFrame(() => cb());
  },
  afterFrame: (cb) => {
    setTimeout(cb, 0);
  },
  now: () => performance.now(),
};

/** Outside a browser (Node tests of modules that import this one): frames every 16 ms. */
const timerClock: FrameClock = { request: (cb) => void setTimeout(cb, 16), afterFrame: (cb) => void setTimeout(cb, 0), now: () => Date.now() };

/** The app's scheduler (one per page). */
export const frames = new FrameScheduler(typeof requestAnimationFrame === 'function' ? browserClock : timerClock);
