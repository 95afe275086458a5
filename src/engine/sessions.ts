/**
 * Engine-side objects that outlive one request (a model being trained, a running set of chains).
 * Each holds tfjs resources and must release them in `dispose`.
 *
 * When the WebGPU device is lost (`backend.ts`), the tensors on it can be released but not read: `afterDeviceLoss`
 * rebuilds what it can on the engine's new backend and releases the rest, whose next use says so (`lostReason`).
 */
import * as tf from '@tensorflow/tfjs';

export interface Disposable {
  dispose(): void;
}

/** A session that continues on the engine's new backend after the device was lost, from CPU copies it keeps. */
export interface Recoverable extends Disposable {
  /** Set while a job uses the session: that job recovers it (the store leaves it alone until it is idle). */
  readonly busy?: boolean;
  /** Rebuilds the session on the active backend; says what was kept, or null when it cannot (it is released). */
  recoverFromDeviceLoss(): string | null | Promise<string | null>;
}

/** A held model (a ScoreModel): its weights are copied to the CPU when stored on webgpu, and restored from the copy. */
interface HeldWeights extends Disposable {
  variables(): tf.Variable[];
}

const isRecoverable = (v: Disposable): v is Recoverable => typeof (v as Partial<Recoverable>).recoverFromDeviceLoss === 'function';
const hasWeights = (v: Disposable): v is HeldWeights => typeof (v as Partial<HeldWeights>).variables === 'function';

export class SessionStore {
  private readonly items = new Map<string, Disposable>();
  /** CPU copies of held models' weights, read when they were stored on webgpu. */
  private readonly copies = new WeakMap<Disposable, Float32Array[]>();
  /** Sessions stored while the engine ran on webgpu and not yet moved off the lost device. */
  private readonly onWebGpu = new WeakSet<Disposable>();
  /** Keys released because the lost device took their state, with what to do. */
  private readonly lost = new Map<string, string>();
  /** The pass in progress: passes run one after the other. */
  private pass: Promise<string[]> = Promise.resolve([]);

  /** Stores `value` under `key`, disposing whatever was there before. */
  set<T extends Disposable>(key: string, value: T): T {
    const old = this.items.get(key);
    if (old && old !== value) old.dispose();
    this.items.set(key, value);
    this.lost.delete(key);
    if (tf.getBackend() !== 'webgpu') return value;
    this.onWebGpu.add(value);
    if (hasWeights(value) && !isRecoverable(value)) {
      void Promise.all(value.variables().map(async (v) => ((await v.data()) as Float32Array).slice(0, v.size))).then(
        (w) => this.copies.set(value, w),
        () => {}, // the device was lost before the copy: the model is released with the device
      );
    }
    return value;
  }

  get<T extends Disposable>(key: string): T | undefined {
    return this.items.get(key) as T | undefined;
  }

  /** Like `get`, but throws a clear error when nothing is stored under `key`. */
  require<T extends Disposable>(key: string, what: string): T {
    const v = this.get<T>(key);
    if (!v) throw new Error(this.lostReason(key) ?? `No ${what} "${key}" in the engine: create it first.`);
    return v;
  }

  /** Why nothing is stored under `key` when the lost WebGPU device took it; undefined otherwise. */
  lostReason(key: string): string | undefined {
    return this.lost.get(key);
  }

  /**
   * After the engine left a lost WebGPU device: each idle session is rebuilt on the new backend (a `Recoverable` from
   * its own CPU copy, a held model from the copy taken when it was stored) or released, once. Sessions stored since
   * are left alone; call again once busy sessions are idle. Resolves, after the passes before it, to one line per
   * session kept or released.
   */
  afterDeviceLoss(): Promise<string[]> {
    this.pass = this.pass.catch(() => []).then(() => this.moveOffLostDevice());
    return this.pass;
  }

  private async moveOffLostDevice(): Promise<string[]> {
    const notes: string[] = [];
    for (const [key, item] of [...this.items]) {
      if (!this.onWebGpu.has(item) || (isRecoverable(item) && item.busy)) continue;
      this.onWebGpu.delete(item);
      if (isRecoverable(item)) {
        // A session whose recovery fails is released like one that cannot recover.
        const kept = await Promise.resolve()
          .then(() => item.recoverFromDeviceLoss())
          .catch(() => null);
        if (kept !== null) {
          notes.push(`${key}: ${kept}`);
          continue;
        }
      } else if (hasWeights(item) && this.copies.has(item)) {
        const copy = this.copies.get(item)!;
        item.variables().forEach((v, i) => {
          const value = tf.tensor(copy[i], v.shape);
          v.assign(value);
          value.dispose();
        });
        notes.push(`${key}: weights kept`);
        continue;
      }
      item.dispose();
      if (this.items.get(key) !== item) continue; // replaced while an earlier session recovered
      this.items.delete(key);
      this.lost.set(key, `"${key}" was on the WebGPU device, which was lost: start or load it again`);
      notes.push(`${key}: released (its state was on the lost device)`);
    }
    return notes;
  }

  delete(key: string): void {
    this.items.get(key)?.dispose();
    this.items.delete(key);
  }

  clear(): void {
    for (const v of this.items.values()) v.dispose();
    this.items.clear();
  }

  get size(): number {
    return this.items.size;
  }
}
