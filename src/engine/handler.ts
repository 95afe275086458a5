/**
 * The engine's request handler: a plain async function over messages, with no knowledge of where it runs.
 * The Web Worker shell (`worker.ts`) and the in-process port (`inProcess.ts`, used by the CLI and the
 * tests) both wrap this same handler.
 */
import { jobs } from './jobs/index.ts';
import { CancelledError, InputError, type JobContext } from './job.ts';
import { currentBackend, ensureBackend } from './backend.ts';
import { SessionStore } from './sessions.ts';
import type { EngineRequest, EngineResponse } from './protocol.ts';

const PROGRESS_INTERVAL_MS = 33;

export interface EngineHandler {
  handle(req: EngineRequest): void;
  readonly sessions: SessionStore;
}

/** Creates a handler that answers every request through `post`. */
export function createEngineHandler(post: (res: EngineResponse) => void): EngineHandler {
  const sessions = new SessionStore();
  const cancelled = new Set<number>();
  const running = new Set<number>();
  /** Jobs whose last progress message the caller has not acknowledged yet: their progress waits. */
  const unacked = new Set<number>();
  /** The newest progress a job reported while unacknowledged: sent when the acknowledgement comes. */
  const waiting = new Map<number, unknown>();

  async function runJob(req: Extract<EngineRequest, { type: 'request' }>): Promise<void> {
    const { id } = req;
    running.add(id);
    let lastProgress = 0;
    const ctx: JobContext<unknown> = {
      progress(p, force = false) {
        const now = Date.now();
        if (unacked.has(id)) {
          waiting.set(id, p);
          return;
        }
        if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        unacked.add(id);
        post({ type: 'progress', id, progress: p });
      },
      async checkpoint() {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (cancelled.has(id)) throw new CancelledError();
      },
      get cancelled() {
        return cancelled.has(id);
      },
      get backend() {
        return currentBackend();
      },
      sessions,
    };
    try {
      const job = jobs[req.job] as { run(p: unknown, c: JobContext<unknown>): Promise<unknown> } | undefined;
      if (!job) throw new InputError(`Unknown job "${String(req.job)}". Known jobs: ${Object.keys(jobs).join(', ')}.`);
      if (req.job !== 'init') await ensureBackend();
      const result = await job.run(req.params, ctx);
      post({ type: 'result', id, result });
    } catch (e) {
      const isCancel = e instanceof CancelledError;
      post({ type: 'error', id, message: isCancel ? 'cancelled' : errorMessage(e), ...(isCancel ? { cancelled: true } : {}) });
    } finally {
      running.delete(id);
      cancelled.delete(id);
      unacked.delete(id);
      waiting.delete(id);
    }
  }

  return {
    sessions,
    handle(req) {
      if (req.type === 'cancel') {
        if (running.has(req.id)) cancelled.add(req.id);
        return;
      }
      if (req.type === 'ack') {
        unacked.delete(req.id);
        if (waiting.has(req.id) && running.has(req.id)) {
          const p = waiting.get(req.id);
          waiting.delete(req.id);
          unacked.add(req.id);
          post({ type: 'progress', id: req.id, progress: p });
        }
        return;
      }
      void runJob(req);
    },
  };
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
