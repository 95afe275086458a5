/**
 * Which implementation runs a set of chains (the one place the choice is made):
 * - fused WebGPU kernels (`FusedChains`, engine "webgpu-fused", src/gpu/samplers) on the webgpu backend, for the
 *   sources they evaluate (exact Gaussian mixtures, grid-interpolated densities, learned MLP models): one dispatch
 *   per K steps;
 * - WebAssembly SIMD on the CPU (`SimdChains`, engine "cpu-simd", src/samplers/cpu/simdChains.ts) for exact 2-D
 *   Gaussian mixtures when tfjs runs on WASM or its CPU backend and the runtime has WebAssembly SIMD;
 * - typed arrays on the CPU (`CpuChains`, engine "cpu") for the other exact score fields there (and mixtures where
 *   SIMD is missing), where a tfjs op per step costs more than the whole step on typed arrays;
 * - tfjs op by op (`ChainSet`, engine "tfjs", the reference) otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { exactSourceOf } from '../models/exactField.ts';
import type { ScoreField } from '../models/scoreField.ts';
import type { Chains, ChainsOptions } from './chainsApi.ts';
import { ChainSet } from './chains.ts';
import { CpuChains } from './cpu/cpuChains.ts';
import { cpuField } from './cpu/field.ts';
import { SimdChains, simdChainsUnsupported } from './cpu/simdChains.ts';
import { createFusedChains } from '../gpu/samplers/fusedChains.ts';
import { fusedSourceOf, type FusedScoreSource } from '../gpu/samplers/source.ts';

export type ChainsEngine = 'tfjs' | 'cpu' | 'cpu-simd' | 'webgpu-fused';

/** `auto` (the rule of this module) or a forced engine (tests, the bench). */
export type EngineChoice = ChainsEngine | 'auto';

/** The tfjs backends on which exact fields run on typed arrays. */
const TYPED_ARRAY_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** What the fused kernels evaluate for `field`, or undefined when they cannot (`fusedSourceOf` says why). */
function fusedSource(field: ScoreField): FusedScoreSource | undefined {
  const s = fusedSourceOf(field);
  return typeof s === 'string' ? undefined : s;
}

/** The engine that runs chains of `field` when tfjs runs on `backend` (default: the current tfjs backend). */
export function chainsEngineFor(field: ScoreField, backend: string = tf.getBackend(), choice: EngineChoice = 'auto'): ChainsEngine {
  const source = exactSourceOf(field);
  if ((choice === 'cpu' || choice === 'cpu-simd') && !source) throw new Error(`the ${choice} chains engine runs exact score fields only (this one is learned)`);
  const simdWhy = source ? simdChainsUnsupported(source) : undefined;
  if (choice === 'cpu-simd' && simdWhy) throw new Error(simdWhy);
  if (choice === 'webgpu-fused') {
    const why = fusedSourceOf(field);
    if (typeof why === 'string') throw new Error(why);
    if (backend !== 'webgpu') throw new Error(`the fused WebGPU chains need the webgpu backend, not ${backend}`);
  }
  if (choice !== 'auto') return choice;
  if (backend === 'webgpu') return fusedSource(field) ? 'webgpu-fused' : 'tfjs';
  if (!source || !TYPED_ARRAY_BACKENDS.includes(backend)) return 'tfjs';
  return simdWhy ? 'cpu' : 'cpu-simd';
}

/**
 * A set of chains of `field` from the points x0 ([n·d], row-major), on the engine `chainsEngineFor` picks.
 * Async because an engine may need to compile kernels before its first step (the fused WebGPU one does).
 */
export async function createChains(field: ScoreField, x0: Float32Array, opts: ChainsOptions, choice: EngineChoice = 'auto', backend?: string): Promise<Chains> {
  if (x0.length === 0 || x0.length % field.dim !== 0) throw new Error(`initial points: expected n·${field.dim} numbers, got ${x0.length}`);
  const engine = chainsEngineFor(field, backend, choice);
  const source = exactSourceOf(field);
  if (engine === 'cpu' && source) return new CpuChains(cpuField(source), x0, opts);
  if (engine === 'cpu-simd' && source?.kind === 'gmm') return SimdChains.create(source, x0, opts);
  const fused = engine === 'webgpu-fused' ? fusedSource(field) : undefined;
  if (fused) return createFusedChains(fused, x0, opts);
  const t = tf.tensor2d(x0, [x0.length / field.dim, field.dim]);
  try {
    return new ChainSet(field, t, opts);
  } finally {
    t.dispose();
  }
}
