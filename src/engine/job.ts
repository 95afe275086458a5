/**
 * What a job sees while it runs, and how a job is declared.
 */
import type { BackendInfo } from './protocol.ts';
import type { SessionStore } from './sessions.ts';

/** Thrown (by `checkpoint`) when the job's request was cancelled; the handler answers `cancelled: true`. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Thrown for bad input at the engine boundary: the message says what is wrong and how to fix it. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface JobContext<Progress> {
  /**
   * Send a progress message. While the caller has not acknowledged the previous one, the newest message waits (it
   * replaces an older waiting one) and goes out with the acknowledgement. Throttled to at most ~30 per second unless
   * `force` is set (a job's milestones; the acknowledgement still applies).
   */
  progress(p: Progress, force?: boolean): void;
  /** Yield to the event loop (so a cancel can arrive) and throw `CancelledError` if cancelled. */
  checkpoint(): Promise<void>;
  readonly cancelled: boolean;
  /** The backend the engine runs on (the `init` job chooses it; other jobs read it). */
  readonly backend: BackendInfo;
  /** Long-lived engine-side objects (trained models, running samplers) addressed by string keys. */
  readonly sessions: SessionStore;
}

export interface Job<Params, Result, Progress = never> {
  run(params: Params, ctx: JobContext<Progress>): Promise<Result>;
}

/** Declares a job; the generic parameters flow into the protocol's types. */
export function defineJob<Params, Result, Progress = never>(
  run: (params: Params, ctx: JobContext<Progress>) => Promise<Result>,
): Job<Params, Result, Progress> {
  return { run };
}
