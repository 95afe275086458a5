/**
 * Energy models as JSON (the `energy.json` of `tweedie energy train --out`, the lab's download and the shipped
 * pretrained models):
 *
 * ```json
 * { "format": "tweedie-lab/energy-model", "version": 1,
 *   "spec": { family, width, depth, activation, offset, center, dataCov, varRange },
 *   "logZ": 2.47,
 *   "training": { "density": "gmm2", "acsm": true, "steps": 3000, "seed": 1, ... },
 *   "weights": [ { "name": "0.W", "shape": [4, 32], "data": "<base64 of little-endian float32>" }, ... ] }
 * ```
 * Weights round-trip bit-exactly (float32 bytes, through the score models' base64 helpers).
 */
import * as tf from '@tensorflow/tfjs';
import { base64ToBytes, bytesToBase64 } from '../../core/base64.ts';
import type { SerializedWeight } from '../serialize.ts';
import { EnergyModel, energySpecProblems, type EnergyModelSpec } from './model.ts';
import { createMlp, mlpSizes } from '../mlp.ts';
import { createRng } from '../../core/rng.ts';

export const ENERGY_FORMAT = 'tweedie-lab/energy-model';
export const ENERGY_FORMAT_VERSION = 1;

/** How a model was trained (free-form beyond these fields; kept for the model card and the CLI). */
export interface EnergyTrainingInfo {
  /** The density learned: a registry name, or mixture JSON (the engine's DensityRef). */
  density?: string | { json: string; name?: string };
  acsm?: boolean;
  steps?: number;
  seed?: number;
  [key: string]: unknown;
}

export interface SerializedEnergyModel {
  format: typeof ENERGY_FORMAT;
  version: number;
  spec: EnergyModelSpec;
  /** log Z from the large-Σ anchor (null when not normalised). */
  logZ: number | null;
  training?: EnergyTrainingInfo;
  weights: SerializedWeight[];
}

function f32ToBase64(a: Float32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function base64ToF32(b64: string): Float32Array {
  const bytes = base64ToBytes(b64);
  if (bytes.length % 4 !== 0) throw new Error('weight data length is not a multiple of 4 bytes');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function weightNames(model: EnergyModel): string[] {
  return model.mlp.layers.flatMap((_, l) => [`${l}.W`, `${l}.b`]);
}

/** The model as JSON-ready data (awaits the weights). */
export async function serializeEnergyModel(model: EnergyModel, training?: EnergyTrainingInfo): Promise<SerializedEnergyModel> {
  const names = weightNames(model);
  const weights: SerializedWeight[] = [];
  const vars = model.variables;
  for (let i = 0; i < vars.length; i++) {
    weights.push({ name: names[i], shape: [...vars[i].shape], data: f32ToBase64((await vars[i].data()) as Float32Array) });
  }
  return {
    format: ENERGY_FORMAT,
    version: ENERGY_FORMAT_VERSION,
    spec: structuredClone(model.spec),
    logZ: Number.isFinite(model.logZ) ? model.logZ : null,
    ...(training ? { training } : {}),
    weights,
  };
}

/** Checks the shape of an energy model file; throws a message naming what is wrong. */
export function validateEnergyFile(json: unknown): SerializedEnergyModel {
  if (typeof json !== 'object' || json === null) throw new Error('energy model file: expected a JSON object');
  const o = json as Partial<SerializedEnergyModel>;
  if (o.format !== ENERGY_FORMAT) {
    throw new Error(`energy model file: "format" must be "${ENERGY_FORMAT}", got ${JSON.stringify(o.format)} (train one with \`tweedie energy train --out energy.json\`)`);
  }
  if (o.version !== ENERGY_FORMAT_VERSION) throw new Error(`energy model file: unsupported version ${JSON.stringify(o.version)} (this app reads ${ENERGY_FORMAT_VERSION})`);
  if (typeof o.spec !== 'object' || o.spec === null) throw new Error('energy model file: "spec" is missing');
  const problems = energySpecProblems(o.spec);
  if (problems.length) throw new Error(`energy model file: invalid spec: ${problems.join('; ')}`);
  if (o.logZ !== null && o.logZ !== undefined && !Number.isFinite(o.logZ)) throw new Error('energy model file: "logZ" must be a number or null');
  if (!Array.isArray(o.weights)) throw new Error('energy model file: "weights" must be an array');
  return o as SerializedEnergyModel;
}

/** Rebuilds a model (weights and log Z) from its JSON form. */
export function deserializeEnergyModel(json: unknown): { model: EnergyModel; training?: EnergyTrainingInfo } {
  const file = validateEnergyFile(json);
  const inputs = file.spec.family === 'full' ? 5 : 4;
  const mlp = createMlp(mlpSizes(inputs, file.spec.width, file.spec.depth, file.spec.offset ? 3 : 2), file.spec.activation, createRng(0));
  const model = new EnergyModel(file.spec, mlp);
  try {
    const byName = new Map(file.weights.map((w) => [w.name, w]));
    const names = weightNames(model);
    model.variables.forEach((v, i) => {
      const w = byName.get(names[i]);
      if (!w) throw new Error(`energy model file: weight "${names[i]}" is missing`);
      if (!Array.isArray(w.shape) || w.shape.length !== v.shape.length || w.shape.some((s, k) => s !== v.shape[k])) {
        throw new Error(`energy model file: weight "${names[i]}" has shape [${w.shape}] but the spec needs [${v.shape}]`);
      }
      const data = base64ToF32(w.data);
      if (data.length !== v.size) throw new Error(`energy model file: weight "${names[i]}" has ${data.length} values, expected ${v.size}`);
      if (!data.every(Number.isFinite)) throw new Error(`energy model file: weight "${names[i]}" contains NaN or infinity`);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      byName.delete(names[i]);
    });
    if (byName.size) throw new Error(`energy model file: unexpected weights ${[...byName.keys()].join(', ')}`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.logZ = file.logZ ?? Number.NaN;
  return { model, ...(file.training ? { training: file.training } : {}) };
}
