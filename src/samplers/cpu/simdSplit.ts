/**
 * The chains of a `SimdKernel` on several threads at once. The chains are cut into ranges of whole lane groups; this
 * thread's kernel runs the first, and an instance of the same kernel on a worker thread (src/wasm/workers.ts) runs
 * each other. A worker's instance holds the mixture and its range's layout; its chains' state (positions, death
 * iterations, acceptance counts, MALA's cache) travels with each call and back, with the frames, so the state
 * always lives in this thread's kernel. Each range draws its chains' own noise (the kernel's `bindChains` takes
 * the range's first chain), so split and unsplit calls give the same chains, bit for bit.
 */
import type { GmmFieldSource } from '../../models/exactField.ts';
import { RemoteInstance, remoteInstances, type RemoteOp } from '../../wasm/workers.ts';
import type { SamplerKind } from '../kernels.ts';
import { bindChainsArgs, componentBlock, FRAME_BYTES, framesPerCall, KERNEL_MOVE, kernelLayout, scatterFrames, type KernelLayout, type SimdKernel } from './simdKernel.ts';

/** A range of chains [first, first + count) run by an instance on a worker thread. */
interface RemotePart {
  first: number;
  count: number;
  layout: KernelLayout;
  instance: RemoteInstance;
}

/** The per-chain arrays that travel (bytes per chain), MALA's cache only for MALA. */
const STATE: { key: 'x' | 'dead' | 'acc' | 'g0' | 'g1' | 'logp'; bytes: number; mala?: true }[] = [
  { key: 'x', bytes: 8 },
  { key: 'dead', bytes: 4 },
  { key: 'acc', bytes: 4 },
  { key: 'g0', bytes: 4, mala: true },
  { key: 'g1', bytes: 4, mala: true },
  { key: 'logp', bytes: 4, mala: true },
];

/** n4 chains cut into at most `parts` ranges of whole lane groups, each of at least `minChains` (n4 a multiple of 4). */
export function splitRanges(n4: number, parts: number, minChains: number): { first: number; count: number }[] {
  const groups = n4 / 4;
  const p = Math.max(1, Math.min(parts, Math.floor(n4 / Math.max(4, minChains))));
  const ranges: { first: number; count: number }[] = [];
  for (let i = 0, first = 0; i < p; i++) {
    const count = 4 * (Math.floor((groups * (i + 1)) / p) - Math.floor((groups * i) / p));
    ranges.push({ first, count });
    first += count;
  }
  return ranges;
}

export class SimdSplit {
  private constructor(
    private readonly kernel: SimdKernel,
    /** Chains 0 … local − 1 run on this thread. */
    private readonly local: number,
    private readonly parts: RemotePart[],
  ) {}

  /** Threads in all (this one included). */
  get threads(): number {
    return 1 + this.parts.length;
  }

  /**
   * The chains of `kernel` (of the mixture `source`) over up to `threads` threads, ranges of at least `minChains`;
   * undefined where no worker thread is to be had (one core, or n4 too small to cut). Rejects when a worker cannot start.
   */
  static async create(kernel: SimdKernel, source: GmmFieldSource, threads: number, minChains: number): Promise<SimdSplit | undefined> {
    if (splitRanges(kernel.n4, threads, minChains).length < 2) return undefined;
    const instances = await remoteInstances(kernel.module, threads - 1);
    const ranges = splitRanges(kernel.n4, instances.length + 1, minChains);
    for (const extra of instances.splice(ranges.length - 1)) extra.dispose();
    if (instances.length === 0) return undefined;
    const block = componentBlock(source);
    const parts = await Promise.all(
      instances.map(async (instance, i) => {
        const { first, count } = ranges[i + 1];
        const layout = kernelLayout(kernel.heapBase, source.K, count);
        await instance.run([
          { reserve: layout.frames },
          { write: [layout.comp, block.slice().buffer] },
          { call: ['bindMixture', [layout.comp, source.K, layout.scratch]] },
          { call: ['bindChains', bindChainsArgs(layout, count, first)] },
        ]);
        return { first, count, layout, instance };
      }),
    );
    return new SimdSplit(kernel, ranges[0].count, parts);
  }

  /**
   * Iterations t0 + 1 … t0 + k of `kind` for every chain, as `SimdKernel.run` (MALA's cache must be current). A range
   * whose worker fails is run on this thread instead (the same chains). Resolves true when every worker did its
   * range, false when one failed (the caller should stop splitting).
   */
  async run(kind: SamplerKind, t0: number, k: number, out?: Float32Array): Promise<boolean> {
    const state = STATE.filter((s) => kind === 'mala' || !s.mala);
    const calls = this.parts.map((p) => p.instance.run(this.partOps(p, state, kind, t0, k, out !== undefined)));
    this.kernel.run(kind, t0, k, out, { count: this.local });
    const results = await Promise.allSettled(calls);
    let allRan = true;
    results.forEach((r, i) => {
      const p = this.parts[i];
      if (r.status === 'rejected') {
        allRan = false;
        this.kernel.run(kind, t0, k, out, { first: p.first, count: p.count });
        return;
      }
      const reads = r.value;
      let at = 0;
      if (out) {
        const chunk = framesPerCall(k, p.count * 8, FRAME_BYTES);
        for (let done = 0; done < k; done += chunk) scatterFrames(new Float32Array(reads[at++]), p.count, p.first, this.kernel.n, out, done);
      }
      for (const s of state) this.kernel.bytes(this.kernel.layout[s.key] + p.first * s.bytes, p.count * s.bytes).set(new Uint8Array(reads[at++]));
    });
    return allRan;
  }

  /** The ops of one call for a worker's range: its state in, the configuration, the iterations (and frames), its state out. */
  private partOps(p: RemotePart, state: typeof STATE, kind: SamplerKind, t0: number, k: number, frames: boolean): RemoteOp[] {
    const ops: RemoteOp[] = state.map((s) => ({ write: [p.layout[s.key], this.kernel.bytes(this.kernel.layout[s.key] + p.first * s.bytes, p.count * s.bytes).slice().buffer] }));
    ops.push({ call: ['configure', this.kernel.configured] });
    const move = KERNEL_MOVE[kind];
    if (!frames) ops.push({ call: [move, [t0, k, 0, 0]] });
    else {
      const stride = p.count * 8;
      const chunk = framesPerCall(k, stride, FRAME_BYTES);
      ops.push({ reserve: p.layout.frames + chunk * stride });
      for (let done = 0; done < k; done += chunk) {
        const m = Math.min(chunk, k - done);
        ops.push({ call: [move, [t0 + done, m, p.layout.frames, stride]] }, { read: [p.layout.frames, m * stride] });
      }
    }
    for (const s of state) ops.push({ read: [p.layout[s.key], p.count * s.bytes] });
    return ops;
  }

  dispose(): void {
    for (const p of this.parts) p.instance.dispose();
  }
}
