/**
 * Which implementation trains a score model: the fused WebGPU step (this folder), the WASM step (src/wasm/train/) or
 * tfjs op by op (the reference). `auto` takes the fused step on the webgpu backend and the WASM step on the wasm
 * backend when they support the configuration; `fused`, `wasm` and `tfjs` force one (bench, tests); forcing a step
 * where it cannot run is an error.
 */
import * as tf from '@tensorflow/tfjs';
import type { ScoreModelSpec } from '../../models/scoreModelSpec.ts';
import { tfjsDevice } from '../device.ts';
import { fusedTrainRefusal } from './support.ts';

export type TrainPath = 'auto' | 'fused' | 'wasm' | 'tfjs';
export const TRAIN_PATHS: readonly TrainPath[] = ['auto', 'fused', 'wasm', 'tfjs'];

/** Why the op-by-op path trains this configuration; null when the fused step does. Throws for an impossible `fused`. */
export function opByOpReason(path: TrainPath, spec: ScoreModelSpec, s: { batch: number; vr: boolean }): string | null {
  if (!TRAIN_PATHS.includes(path)) throw new Error(`training path must be one of ${TRAIN_PATHS.join(', ')}, got "${path}"`);
  if (path === 'tfjs') return 'the op-by-op path was asked for';
  if (path === 'wasm') return 'the WASM step was asked for';
  const why = tf.getBackend() !== 'webgpu' ? `the backend is ${tf.getBackend()}, not webgpu` : fusedTrainRefusal(spec, s, tfjsDevice());
  if (why && path === 'fused') throw new Error(`the fused WebGPU training step cannot run: ${why}`);
  return why;
}
