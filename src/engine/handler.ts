/**
 * The engine's request handler: a plain async function over messages, with no knowledge of where it runs.
 * The Web Worker shell (`worker.ts`) and the in-process port (`inProcess.ts`, used by the CLI and the
 * tests) both wrap this same handler.
 */
import { jobs } from './jobs/index.ts';
import { CancelledError, InputError, type JobContext } from './job.ts';
import { currentBackend, ensureBackend, movedOffLostDevice, onBackendChange } from './backend.ts';
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
  /** Set once the engine left a lost WebGPU device: sessions are moved to the new backend as they become idle. */
  let leftLostDevice = false;
  onBackendChange((info) => {
    if (!info.deviceLost) return;
    leftLostDevice = true;
    void sessions.afterDeviceLoss();
  });

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
      const onWebGpu = req.job !== 'init' && (await ensureBackend()).name === 'webgpu';
      // After a lost device, sessions are moved before any job uses them (a move may still be under way).
      if (leftLostDevice) await sessions.afterDeviceLoss();
      const result = await runSurvivingDeviceLoss(job, req.params, ctx, onWebGpu);
      post({ type: 'result', id, result });
    } catch (e) {
      const isCancel = e instanceof CancelledError;
      post({ type: 'error', id, message: isCancel ? 'cancelled' : errorMessage(e), ...(isCancel ? { cancelled: true } : {}) });
    } finally {
      if (leftLostDevice) await sessions.afterDeviceLoss();
      running.delete(id);
      cancelled.delete(id);
      unacked.delete(id);
      waiting.delete(id);
    }
  }

  /**
   * Runs the job; when it fails because the WebGPU device was lost, runs it once more on the backend the engine moved
   * to, after the idle sessions were moved there (a job that recovers itself, like training, does not fail).
   */
  async function runSurvivingDeviceLoss(job: { run(p: unknown, c: JobContext<unknown>): Promise<unknown> }, params: unknown, ctx: JobContext<unknown>, onWebGpu: boolean): Promise<unknown> {
    try {
      return await job.run(params, ctx);
    } catch (e) {
      if (!onWebGpu || e instanceof CancelledError || e instanceof InputError || !(await movedOffLostDevice())) throw e;
      await sessions.afterDeviceLoss();
      return job.run(params, ctx);
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
