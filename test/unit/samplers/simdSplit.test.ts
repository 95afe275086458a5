/**
 * The WebAssembly SIMD chains split over threads (src/samplers/cpu/simdSplit.ts, workers in src/wasm/workers.ts):
 * the same chains as on one thread, bit for bit (positions, frames, divergence, MALA acceptance), for every sampler,
 * a chain count that is not a multiple of 4 and frames written in several chunks; a worker that fails leaves the
 * chains right and the set on one thread; the cut into ranges. cpu backend, fixed seeds.
 */
import { availableParallelism } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDensity } from '../../../src/core/densities/index.ts';
import type { GmmFieldSource } from '../../../src/models/exactField.ts';
import type { ChainsOptions } from '../../../src/samplers/chainsApi.ts';
import { SimdChains, SPLIT_MIN_WORK, type ChainThreads } from '../../../src/samplers/cpu/simdChains.ts';
import { FRAME_BYTES } from '../../../src/samplers/cpu/simdKernel.ts';
import { SimdSplit, splitRanges } from '../../../src/samplers/cpu/simdSplit.ts';
import type { SamplerKind } from '../../../src/samplers/kernels.ts';
import { gmmSource, points2, useCpu } from './helpers.ts';

beforeAll(useCpu);

const gmm2 = (): GmmFieldSource => gmmSource(getDensity('gmm2').gmm!);

/** This machine runs a second thread (the CI machine has 2 cores). */
const multicore = availableParallelism() >= 2;

const make = (kind: SamplerKind, n: number, threads: ChainThreads, bound = 100): Promise<SimdChains> => {
  const opts: ChainsOptions = { kind, step: kind === 'mala' ? 0.2 : 0.05, clamp: true, seed: 7, center: [0, 0], bound };
  return SimdChains.create(gmm2(), points2(n, 2, 3), opts, threads);
};

function expectSame(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++;
  expect(differ, `${what}: values that differ`).toBe(0);
}

describe('chains split over threads = the same chains on one thread', () => {
  it.each(['langevin', 'ozaki', 'ozaki-full', 'mala'] as SamplerKind[])('%s: frames in several chunks, positions after a long advance, divergence and acceptance bit for bit', async (kind) => {
    // 3001 chains (padded to 3004), a bound some chains cross (divergence in every range), frames over 3 chunks.
    const n = 3001;
    const k = Math.ceil((2.5 * FRAME_BYTES) / (3004 * 8));
    expect(n * k).toBeGreaterThanOrEqual(SPLIT_MIN_WORK);
    const one = await make(kind, n, 1, 3);
    const many = await make(kind, n, 'auto', 3);
    expectSame(await many.run(k), await one.run(k), `${kind}: frames`);
    expect(many.threadsUsed).toBe(multicore ? 2 : 1);
    const long = Math.ceil(SPLIT_MIN_WORK / n);
    await one.advance(long);
    await many.advance(long);
    expectSame(await many.run(1), await one.run(1), `${kind}: positions after ${long} more iterations`);
    const dOne = await one.divergence();
    const dMany = await many.divergence();
    expect(dOne.count, `${kind}: some chains diverge`).toBeGreaterThan(10);
    expect(dOne.at.subarray(n / 2).some((t) => t >= 0), `${kind}: divergence in the second half`).toBe(true);
    expectSame(dMany.at, dOne.at, `${kind}: death iterations`);
    expectSame(await many.acceptance(), await one.acceptance(), `${kind}: acceptance`);
    one.dispose();
    many.dispose();
  });
});

describe('a failing worker', () => {
  it.runIf(multicore)('leaves the chains as one thread computes them (its range runs here) and says so, so the caller stops splitting', async () => {
    const n = 2000;
    const one = await make('langevin', n, 1);
    const kernelHolder = await make('langevin', n, 1);
    const split = await SimdSplit.create(kernelHolder.kernel, gmm2(), 2, 256);
    expect(split?.threads).toBe(2);
    // Dropping the worker's instance makes its next call fail in the worker.
    split!.dispose();
    expect(await split!.run('langevin', 0, 40)).toBe(false);
    const ref = await one.run(40);
    expectSame(kernelHolder.kernel.f32(kernelHolder.kernel.layout.x, n * 2), ref.subarray(39 * n * 2), 'positions after the failed split call');
    one.dispose();
  });
});

describe('splitRanges', () => {
  it('cuts whole lane groups, in order, covering every chain once, each range at least minChains', () => {
    expect(splitRanges(10004, 2, 512)).toEqual([
      { first: 0, count: 5000 },
      { first: 5000, count: 5004 },
    ]);
    expect(splitRanges(1024, 4, 512)).toEqual([
      { first: 0, count: 512 },
      { first: 512, count: 512 },
    ]);
    expect(splitRanges(1000, 2, 512)).toEqual([{ first: 0, count: 1000 }]);
    for (const [n4, parts] of [
      [4, 3],
      [400, 3],
      [10000, 7],
    ]) {
      const r = splitRanges(n4, parts, 4);
      expect(r.reduce((s, x) => s + x.count, 0)).toBe(n4);
      r.forEach((x, i) => {
        expect(x.count % 4).toBe(0);
        expect(x.first).toBe(i === 0 ? 0 : r[i - 1].first + r[i - 1].count);
      });
    }
  });
});
