/**
 * The app's one engine: a Web Worker running the engine handler (the UI thread never runs tfjs), one
 * EngineClient over it, and the `init` job that chooses the backend. Changing the backend override starts
 * a fresh worker (the old one, and any engine-side sessions in it, are discarded; `epoch` counts restarts).
 */
import { useSyncExternalStore } from 'react';
import { EngineClient, EngineError, type EnginePort } from '../engine/client.ts';
import type { BackendInfo, BackendName, EngineResponse } from '../engine/protocol.ts';
import type { BackendChoice } from './state/url.ts';

export interface EngineSnapshot {
  status: 'starting' | 'ready' | 'error';
  /** The backend override this engine was started with. */
  requested: BackendChoice;
  /** What the engine runs on, once `init` answered. */
  info: BackendInfo | null;
  error: string | null;
  /** Increments each time the engine is restarted. Engine-side sessions do not survive a restart. */
  epoch: number;
}

/**
 * Requests are copied (structured clone), not transferred: UI code often keeps the arrays it sends (drawn
 * points, a digit) in its state, and a transfer would detach them. Responses are transferred by the worker.
 */
function workerPort(worker: Worker): EnginePort {
  return {
    post: (req, transfer) => worker.postMessage(req, transfer ?? []),
    listen: (fn) => worker.addEventListener('message', (e: MessageEvent<EngineResponse>) => fn(e.data)),
    close: () => worker.terminate(),
  };
}

class EngineManager {
  private client: EngineClient | null = null;
  private readyPromise: Promise<EngineClient> | null = null;
  private snapshot: EngineSnapshot = { status: 'starting', requested: 'auto', info: null, error: null, epoch: 0 };
  private readonly listeners = new Set<() => void>();

  getSnapshot = (): EngineSnapshot => this.snapshot;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private set(patch: Partial<EngineSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  /** Starts the engine with this backend override, unless it already runs with it. */
  ensure(requested: BackendChoice): void {
    if (this.client && this.snapshot.requested === requested) return;
    this.start(requested);
  }

  private start(requested: BackendChoice): void {
    // Jobs in flight on the old engine fail with "engine closed"; their sessions are gone with the worker.
    this.client?.close();
    const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module', name: 'tweedie-engine' });
    const client = new EngineClient(workerPort(worker));
    this.client = client;
    const epoch = this.snapshot.epoch + 1;
    this.set({ status: 'starting', requested, info: null, error: null, epoch });
    const fail = (message: string) => {
      if (this.client !== client) return;
      this.set({ status: 'error', error: message });
    };
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      fail(`The engine worker failed: ${e.message || 'it could not load'}.`);
      client.close();
    });
    const backend: BackendName | undefined = requested === 'auto' ? undefined : requested;
    this.readyPromise = client.run('init', backend ? { backend } : {}).then(
      (info) => {
        if (this.client === client) this.set({ status: 'ready', info });
        this.follow(client);
        return client;
      },
      (e: unknown) => {
        fail(`The engine could not start: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      },
    );
    // Callers that never await `ready()` must not see an unhandled rejection.
    this.readyPromise.catch(() => {});
  }

  /** Keeps `info` current while `client` is the engine: the backend changes when the WebGPU device is lost. */
  private follow(client: EngineClient): void {
    client.run('backend.watch', {}).then(
      (info) => {
        if (this.client !== client) return;
        this.set({ info });
        this.follow(client);
      },
      () => {}, // the engine was closed or restarted
    );
  }

  /**
   * The client, once `init` has chosen the backend (jobs must not race the backend choice). Waits for the
   * newest engine: if a restart happened while waiting, resolves to the new one.
   */
  async ready(): Promise<EngineClient> {
    for (;;) {
      const pending = this.readyPromise;
      if (!pending) throw new EngineError('The engine has not been started.', false);
      const client = await pending;
      if (pending === this.readyPromise) return client;
    }
  }
}

/** The app's engine (one per page). */
export const engine = new EngineManager();

/** The engine's state (backend, status, epoch) for React components. */
export function useEngine(): EngineSnapshot {
  return useSyncExternalStore(engine.subscribe, engine.getSnapshot, engine.getSnapshot);
}
