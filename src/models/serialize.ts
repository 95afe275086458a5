/**
 * Score models as JSON (the `run.json` the CLI writes and the Scores lab downloads / stores in IndexedDB):
 *
 * ```json
 * { "format": "tweedie-lab/score-model", "version": 1,
 *   "spec": { dim, sigma, s2, rank, width, depth, act, shareTrunk, inputShift, inputScale },
 *   "weights": [ { "name": "s1.0.W", "shape": [2, 64], "data": "<base64 of little-endian float32>" }, ... ],
 *   ...anything else (training config, metrics) is kept by the caller }
 * ```
 * Weights round-trip bit-exactly (float32 bytes, not decimal text). Files are checked by `modelFile.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { bytesToBase64 } from '../core/base64.ts';
import { createRng } from '../core/rng.ts';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, parseScoreModelFile, type ParsedScoreModel } from './modelFile.ts';
import { ScoreModel, type ScoreModelSpec } from './scoreModel.ts';

export interface SerializedWeight {
  name: string;
  shape: number[];
  /** Base64 of the float32 values, little-endian, row-major. */
  data: string;
}

export interface SerializedScoreModel {
  format: typeof MODEL_FORMAT;
  version: number;
  spec: ScoreModelSpec;
  weights: SerializedWeight[];
}

function float32ToBase64(a: Float32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** The model's spec and weights as JSON-ready data (awaits the weights; never reads synchronously). */
export async function serializeModel(model: ScoreModel): Promise<SerializedScoreModel> {
  const weights: SerializedWeight[] = [];
  for (const [name, v] of model.namedVariables()) {
    const data = (await v.data()) as Float32Array;
    weights.push({ name, shape: [...v.shape], data: float32ToBase64(data) });
  }
  return { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, spec: { ...model.spec }, weights };
}

/** Builds a model holding exactly the weights of a checked file (`parseScoreModelFile`). */
export function modelFromParsed(file: ParsedScoreModel): ScoreModel {
  const model = new ScoreModel(file.spec, createRng(0));
  for (const [name, v] of model.namedVariables()) {
    const values = file.weights.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
  return model;
}

/** Rebuilds a model from its JSON form, with exactly the stored weights; a bad file throws before any allocation. */
export function deserializeModel(json: unknown): ScoreModel {
  return modelFromParsed(parseScoreModelFile(json));
}
