/**
 * The caller's side of the protocol: `run(job, params)` returns a promise of the typed result, streams
 * typed progress to a callback, and can be cancelled through an AbortSignal. The same client drives the
 * engine in a Web Worker (browser) or in-process (CLI, tests).
 */
import type { EngineRequest, EngineResponse, JobName, JobParams, JobProgress, JobResult } from './protocol.ts';

/** A message channel to an engine handler. */
export interface EnginePort {
  post(req: EngineRequest, transfer?: Transferable[]): void;
  /** Registers the one listener for responses. */
  listen(onResponse: (res: EngineResponse) => void): void;
  close(): void;
}

export interface RunOptions<N extends JobName> {
  /**
   * Called with each progress message. The engine sends the next one only once this has returned, or, when it
   * returns a promise, once that settles (e.g. when the message has been drawn): a slow caller gets fewer reports.
   */
  onProgress?: (p: JobProgress<N>) => unknown;
  signal?: AbortSignal;
}

/** The error a job's promise rejects with; `cancelled` tells a cancel from a failure. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: (p: unknown) => unknown;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly port: EnginePort) {
    port.listen((res) => this.receive(res));
  }

  run<N extends JobName>(job: N, params: JobParams<N>, opts: RunOptions<N> = {}): Promise<JobResult<N>> {
    const id = this.nextId++;
    return new Promise<JobResult<N>>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new EngineError('cancelled', true));
        return;
      }
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress as Pending['onProgress'],
      });
      opts.signal?.addEventListener('abort', () => this.port.post({ type: 'cancel', id }), { once: true });
      this.port.post({ type: 'request', id, job, params } as EngineRequest);
    });
  }

  /** Rejects everything in flight and closes the port. */
  close(): void {
    for (const p of this.pending.values()) p.reject(new EngineError('engine closed', false));
    this.pending.clear();
    this.port.close();
  }

  private receive(res: EngineResponse): void {
    const p = this.pending.get(res.id);
    if (!p) return;
    if (res.type === 'progress') {
      const ack = () => this.port.post({ type: 'ack', id: res.id });
      let shown: unknown;
      try {
        shown = p.onProgress?.(res.progress);
      } catch (e) {
        ack();
        throw e;
      }
      if (shown instanceof Promise) shown.then(ack, ack);
      else ack();
      return;
    }
    this.pending.delete(res.id);
    if (res.type === 'result') p.resolve(res.result);
    else p.reject(new EngineError(res.message, res.cancelled === true));
  }
}
