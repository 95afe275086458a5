/**
 * Which training configurations the WASM step (wasmTrainStep.ts) runs, and which step the trainer takes on which
 * backend. The WASM step trains every model and objective of MATH.md section 2 (s1 alone; the full, diag, lowrank and
 * PSD s2 heads on their own network or on the shared trunk; VR, γ, stop-gradient; every activation, width and depth)
 * where the runtime has WebAssembly SIMD and the batch's activations fit its memory bound.
 */
import * as tf from '@tensorflow/tfjs';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import type { TrainPath } from '../../gpu/train/trainPath.ts';
import { wasmSimdSupported } from '../instantiate.ts';
import { wasmParamLayout, wasmScratch } from './layout.ts';

/** Most linear memory one WASM step may use (weights, moments and the batch's activations). */
export const MAX_WASM_TRAIN_BYTES = 2 ** 30;

/** Why the WASM step cannot train this model with this batch and VR setting; null when it can. */
export function wasmTrainRefusal(spec: ScoreModelSpec, s: { batch: number; vr: boolean }): string | null {
  if (!wasmSimdSupported()) return 'this runtime has no WebAssembly SIMD, which the WASM step needs';
  const bytes = 4 * wasmScratch(wasmParamLayout(spec), s.batch, s.vr).end;
  if (bytes > MAX_WASM_TRAIN_BYTES) {
    return `the WASM step would need ${(bytes / 2 ** 20).toFixed(0)} MiB of memory for this batch, over its ${MAX_WASM_TRAIN_BYTES / 2 ** 20} MiB`;
  }
  return null;
}

/**
 * Why the steps run op by op when the fused WebGPU step does not run (`fusedReason`, from gpu/train/trainPath.ts);
 * null when the WASM step runs. `auto` takes it on the wasm backend where it trains the configuration; `wasm` forces
 * it on any backend (the kernels do not use tfjs) and throws where it cannot run.
 */
export function wasmOpByOpReason(path: TrainPath, spec: ScoreModelSpec, s: { batch: number; vr: boolean }, fusedReason: string): string | null {
  if (path === 'tfjs' || path === 'fused') return fusedReason;
  const why = path === 'auto' && tf.getBackend() !== 'wasm' ? fusedReason : wasmTrainRefusal(spec, s);
  if (why && path === 'wasm') throw new Error(`the WASM training step cannot run: ${why}`);
  return why;
}
