/**
 * WebAssembly kernel instances on other threads: a pool of worker threads (one per spare core, started on first use
 * and kept), each running `callWorker.js`, which instantiates kernels and runs lists of memory writes, export calls
 * and memory reads on them. A browser (the engine's own worker, or a page) starts them as module workers; Node
 * (the CLI, the tests) as worker threads, which never keep the process alive. Nothing is shared between threads:
 * every byte an instance needs is copied in and out with its ops, so no SharedArrayBuffer (no cross-origin
 * isolation) is needed.
 */

/** One step of a `RemoteInstance.run`. */
export type RemoteOp =
  /** Grows the instance's memory to at least this many bytes. */
  | { reserve: number }
  /** Copies the bytes to this byte offset. */
  | { write: [number, ArrayBuffer] }
  /** Calls an export with numeric arguments. */
  | { call: [string, number[]] }
  /** Copies this many bytes from this byte offset out (one result of `run`). */
  | { read: [number, number] };

interface Reply {
  seq?: number;
  reads?: ArrayBuffer[];
  error?: string;
  ready?: boolean;
}

/** The message side of a worker, browser or Node. */
interface Port {
  post(message: unknown, transfer: Transferable[]): void;
  /** Node: whether the thread keeps the process alive (while a request is pending: it must answer). */
  keepAlive(on: boolean): void;
}

type NodeWorkers = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');
/** Module names kept out of the browser bundle (imported only where there is no `Worker`, i.e. in Node). */
const NODE_WORKER_THREADS = 'node:worker_threads';
const NODE_OS = 'node:os';

/** Node's worker threads lack the web's `onmessage` and `postMessage`: this CommonJS prologue maps them, then loads the worker. */
const NODE_SHIM = `const { parentPort, workerData } = require('node:worker_threads');
globalThis.onmessage = null;
globalThis.postMessage = (m, t) => parentPort.postMessage(m, t);
parentPort.on('message', (data) => globalThis.onmessage && globalThis.onmessage({ data }));
import(workerData);`;

/** One worker thread and its pending requests. */
class WasmWorker {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: ArrayBuffer[]) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private port!: Port;

  private constructor() {}

  /** Starts a worker and resolves once it listens (rejects when it cannot start). */
  static async start(): Promise<WasmWorker> {
    const w = new WasmWorker();
    await new Promise<void>((ready, fail) => {
      const receive = (r: Reply): void => {
        if (r.ready) {
          w.port.keepAlive(false);
          ready();
        } else w.settle(r);
      };
      const die = (e: Error): void => {
        fail(e);
        w.fail(e);
      };
      if (typeof Worker !== 'undefined') {
        const worker = new Worker(new URL('./callWorker.js', import.meta.url), { type: 'module', name: 'tweedie-wasm' });
        worker.onmessage = (e: MessageEvent<Reply>) => receive(e.data);
        worker.onerror = (e) => die(new Error(`a WebAssembly worker thread failed: ${e.message || 'could not load'}`));
        w.port = { post: (m, t) => worker.postMessage(m, t), keepAlive: () => {} };
      } else {
        void (import(/* @vite-ignore */ NODE_WORKER_THREADS) as Promise<NodeWorkers>).then(({ Worker: NodeWorker }) => {
          const worker = new NodeWorker(NODE_SHIM, { eval: true, workerData: new URL('./callWorker.js', import.meta.url).href });
          worker.on('message', receive);
          worker.on('error', die);
          worker.on('exit', (code) => die(new Error(`a WebAssembly worker thread exited (code ${code})`)));
          w.port = { post: (m, t) => worker.postMessage(m, t as never), keepAlive: (on) => (on ? worker.ref() : worker.unref()) };
        }, die);
      }
    });
    return w;
  }

  private settle(r: Reply): void {
    const p = r.seq === undefined ? undefined : this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq!);
    if (this.pending.size === 0) this.port.keepAlive(false);
    if (r.error !== undefined) p.reject(new Error(`WebAssembly worker: ${r.error}`));
    else p.resolve(r.reads ?? []);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.port?.keepAlive(false);
  }

  get broken(): boolean {
    return this.failure !== undefined;
  }

  request(message: Record<string, unknown>, transfer: Transferable[] = []): Promise<ArrayBuffer[]> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.port.keepAlive(true);
      this.pending.set(seq, { resolve, reject });
      this.port.post({ ...message, seq }, transfer);
    });
  }

  post(message: Record<string, unknown>): void {
    if (!this.failure) this.port.post(message, []);
  }
}

let nextId = 0;

/** A kernel instance on a worker thread. */
export class RemoteInstance {
  private constructor(
    private readonly worker: WasmWorker,
    private readonly id: number,
  ) {}

  static async create(worker: WasmWorker, module: WebAssembly.Module): Promise<RemoteInstance> {
    const id = nextId++;
    await worker.request({ id, module });
    return new RemoteInstance(worker, id);
  }

  /** Runs the ops in order on the worker; resolves to the bytes of its `read` ops, in order. */
  run(ops: RemoteOp[]): Promise<ArrayBuffer[]> {
    const transfer = ops.flatMap((op) => ('write' in op ? [op.write[1]] : []));
    return this.worker.request({ id: this.id, ops }, transfer);
  }

  /** Frees the instance on its worker (the thread stays for other instances). */
  dispose(): void {
    this.worker.post({ id: this.id, drop: true });
  }
}

/** The CPU cores this runtime reports (1 where it does not say). */
async function cores(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  try {
    return ((await import(/* @vite-ignore */ NODE_OS)) as NodeOs).availableParallelism();
  } catch {
    return 1;
  }
}

/** The pool, grown on demand; a worker that failed is replaced at the next request. */
const pool: Promise<WasmWorker>[] = [];

/**
 * Instances of `module` on up to `count` worker threads, one per thread, never more threads than spare cores (the
 * cores less the calling thread's). Resolves to fewer (possibly none) where cores are few; rejects when a worker
 * cannot start.
 */
export async function remoteInstances(module: WebAssembly.Module, count: number): Promise<RemoteInstance[]> {
  const n = Math.max(0, Math.min(count, (await cores()) - 1));
  for (let i = 0; i < n; i++) {
    const w = i < pool.length ? await pool[i].catch(() => undefined) : undefined;
    if (!w || w.broken) pool[i] = WasmWorker.start();
  }
  const workers = await Promise.all(pool.slice(0, n));
  return Promise.all(workers.map((w) => RemoteInstance.create(w, module)));
}
