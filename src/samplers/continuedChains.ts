/**
 * Chains continued on another implementation after the device the first ones ran on was lost (issue 16): `inner` starts
 * from the last read-back positions, and this wrapper keeps the iteration count going on from `t0` and the divergence
 * record of before (a chain that had diverged stays counted as diverged, at its iteration, though `inner` moves it
 * again: the frozen position was not kept as such). `reset` goes back to iteration 0 with a clean record.
 */
import type { Chains, ChainsOptions, DivergenceInfo } from './chainsApi.ts';

export class ContinuedChains implements Chains {
  constructor(
    private readonly inner: Chains,
    private t0: number,
    private readonly before: Int32Array,
  ) {}

  get n(): number {
    return this.inner.n;
  }
  get d(): number {
    return this.inner.d;
  }
  get t(): number {
    return this.t0 + this.inner.t;
  }
  get opts(): ChainsOptions {
    return this.inner.opts;
  }
  get engine(): string {
    return this.inner.engine;
  }
  configure(patch: Partial<ChainsOptions>): void {
    this.inner.configure(patch);
  }
  advance(k: number): Promise<void> {
    return this.inner.advance(k);
  }
  run(k: number): Promise<Float32Array> {
    return this.inner.run(k);
  }
  resetCounters(): void {
    this.inner.resetCounters();
  }
  reset(x0: Float32Array): void {
    this.t0 = 0;
    this.before.fill(-1);
    this.inner.reset(x0);
  }
  async divergence(): Promise<DivergenceInfo> {
    const now = (await this.inner.divergence()).at;
    const at = Int32Array.from(this.before, (b, i) => (b >= 0 ? b : now[i] >= 0 ? now[i] + this.t0 : -1));
    return { count: at.reduce((c, a) => c + (a >= 0 ? 1 : 0), 0), at };
  }
  acceptance(): Promise<Float32Array> {
    return this.inner.acceptance();
  }
  dispose(): void {
    this.inner.dispose();
  }
}
