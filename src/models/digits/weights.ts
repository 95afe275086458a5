/**
 * Loading the pretrained MNIST models of `public/models/<name>/` (written by `training/export.py`): a
 * `model.json` in the tfjs weights-manifest format plus `weights.bin`. Everything read is validated, and a
 * missing, truncated or corrupt file throws a `ModelLoadError` whose message names the file, what is wrong and
 * how to fix it (`python3 training/train_all.py --out public/models` regenerates them).
 *
 * The bytes come through a `ModelFetcher`, so the same code runs in the browser (`httpFetcher`, fetch) and in
 * Node (`fileFetcher` in `weightsNode.ts`, fs).
 */
import * as tf from '@tensorflow/tfjs';

export const DIGITS_FORMAT = 'tweedie-lab-digits/1';
export const REGENERATE = 'bash training/regenerate.sh` (the energy models: `bash training/regenerate-energy.sh';

export type DigitsModelKind = 's1' | 's2lowrank' | 's2diag' | 'classifier' | 'energy';

export interface UNetArchitecture {
  type: 'unet';
  c0: number;
  c1: number;
  groups: number;
  eps: number;
  activation: 'silu';
  inChannels: number;
  outChannels: number;
  params: number;
}

export interface ClassifierArchitecture {
  type: 'cnn';
  params: number;
}

/** The energy U-Net of `training/energy_model.py` (paper 2 on digits): gain-modulated by an embedding of log Σ. */
export interface EnergyArchitecture {
  type: 'energy-unet';
  c0: number;
  c1: number;
  /** Channels of the log-variance embedding. */
  emb: number;
  groups: number;
  eps: number;
  /** The variance range of training; log v is rescaled to [−1, 1] over it. */
  varMin: number;
  varMax: number;
  params: number;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'float16';
}

export interface DigitsManifest {
  format: string;
  name: string;
  kind: DigitsModelKind;
  sigma?: number;
  rank?: number | null;
  architecture: UNetArchitecture | ClassifierArchitecture | EnergyArchitecture;
  /** Energy models: the training objective ("A-DSM + A-CSM" or "A-DSM only"). */
  objective?: string;
  outputTransform?: string;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  files: Record<string, { bytes: number; crc32: string }>;
}

export interface LoadedWeights {
  manifest: DigitsManifest;
  /** Weight tensors by name (tfjs layout: conv [kh, kw, in, out], dense [in, out]). Owned by the caller. */
  weights: Record<string, tf.Tensor>;
}

/** Thrown for anything wrong with a model's files; the message says what and how to fix it. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** Reads one file of a model folder: `path` is relative to the models root, e.g. `digits-s1-sigma0.5/model.json`. */
export type ModelFetcher = (path: string) => Promise<ArrayBuffer>;

/** Fetches model files over HTTP from `baseUrl` (e.g. `./models/`). */
export function httpFetcher(baseUrl: string): ModelFetcher {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  return async (path) => {
    let res: Response;
    try {
      res = await fetch(base + path);
    } catch (e) {
      throw new ModelLoadError(`Could not fetch ${base + path}: ${(e as Error).message}.`);
    }
    if (!res.ok) {
      throw new ModelLoadError(
        `Model file ${base + path} is missing (HTTP ${res.status}). The pretrained MNIST models ship in public/models; ` +
          `regenerate them with \`${REGENERATE}\`.`,
      );
    }
    return res.arrayBuffer();
  };
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zlib.crc32) of the bytes, as 8 lowercase hex digits. */
export function crc32(bytes: Uint8Array): string {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** IEEE half-precision bits to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const KINDS: readonly DigitsModelKind[] = ['s1', 's2lowrank', 's2diag', 'classifier', 'energy'];

/** Checks a parsed model.json; returns it typed or throws a ModelLoadError naming the problem. */
export function validateManifest(json: unknown, where: string): DigitsManifest {
  const fail = (what: string): never => {
    throw new ModelLoadError(`${where} is not a valid Digits model manifest: ${what}. Regenerate it with \`${REGENERATE}\`.`);
  };
  if (typeof json !== 'object' || json === null) return fail('not a JSON object');
  const m = json as Partial<DigitsManifest>;
  if (m.format !== DIGITS_FORMAT) fail(`format is ${JSON.stringify(m.format)}, expected "${DIGITS_FORMAT}"`);
  if (!m.kind || !KINDS.includes(m.kind)) fail(`kind ${JSON.stringify(m.kind)} is not one of ${KINDS.join(', ')}`);
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.length === 0) fail('weightsManifest is missing');
  if (!m.files || typeof m.files !== 'object') fail('files (sizes and checksums) are missing');
  for (const group of m.weightsManifest!) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) fail('a weightsManifest entry lacks paths or weights');
    for (const p of group.paths) if (!m.files![p]) fail(`no size/checksum for ${p}`);
    for (const w of group.weights) {
      if (typeof w.name !== 'string' || !Array.isArray(w.shape) || (w.dtype !== 'float32' && w.dtype !== 'float16')) {
        fail(`weight entry ${JSON.stringify(w).slice(0, 80)} is malformed`);
      }
    }
  }
  if (m.kind !== 'classifier' && m.kind !== 'energy' && !(typeof m.sigma === 'number' && m.sigma > 0)) fail('sigma is missing');
  if (m.kind === 'energy') {
    const a = m.architecture as Partial<EnergyArchitecture> | undefined;
    const ok = a?.type === 'energy-unet' && [a.c0, a.c1, a.emb, a.groups].every((v) => Number.isInteger(v) && (v as number) > 0) && (a.varMin as number) > 0 && (a.varMax as number) > (a.varMin as number);
    if (!ok) fail('the energy architecture (type energy-unet, c0, c1, emb, groups, varMin < varMax) is missing or malformed');
  }
  return m as DigitsManifest;
}

/** Decodes one weight group's concatenated bytes into named tensors, checking sizes and finiteness. */
function decodeGroup(bytes: Uint8Array, specs: WeightSpec[], where: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  let offset = 0;
  try {
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const width = spec.dtype === 'float16' ? 2 : 4;
      if (offset + n * width > bytes.length) {
        throw new ModelLoadError(`${where} is truncated: weight ${spec.name} needs bytes ${offset}..${offset + n * width}, the file has ${bytes.length}.`);
      }
      const values = new Float32Array(n);
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * width);
      for (let i = 0; i < n; i++) values[i] = width === 4 ? view.getFloat32(4 * i, true) : halfToFloat(view.getUint16(2 * i, true));
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(values[i])) throw new ModelLoadError(`${where} is corrupt: weight ${spec.name} holds a non-finite value.`);
      }
      out[spec.name] = tf.tensor(values, spec.shape, 'float32');
      offset += n * width;
    }
    if (offset !== bytes.length) {
      throw new ModelLoadError(`${where} has ${bytes.length} bytes, but its manifest describes ${offset}.`);
    }
  } catch (e) {
    Object.values(out).forEach((t) => t.dispose());
    throw e;
  }
  return out;
}

/** Loads and validates `<name>/model.json`. */
export async function loadManifest(fetcher: ModelFetcher, name: string): Promise<DigitsManifest> {
  const where = `${name}/model.json`;
  const buf = await fetcher(where);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(buf));
  } catch (e) {
    throw new ModelLoadError(`${where} is not valid JSON (${(e as Error).message}). Regenerate it with \`${REGENERATE}\`.`);
  }
  const m = validateManifest(json, where);
  if (m.name !== name) throw new ModelLoadError(`${where} describes model "${m.name}", expected "${name}".`);
  return m;
}

/** Loads a model's manifest and weights (sizes and CRC-32 checked). */
export async function loadWeights(fetcher: ModelFetcher, name: string): Promise<LoadedWeights> {
  const manifest = await loadManifest(fetcher, name);
  const weights: Record<string, tf.Tensor> = {};
  try {
    for (const group of manifest.weightsManifest) {
      const parts: Uint8Array[] = [];
      for (const p of group.paths) {
        const where = `${name}/${p}`;
        const bytes = new Uint8Array(await fetcher(where));
        const expect = manifest.files[p];
        if (bytes.length !== expect.bytes) {
          throw new ModelLoadError(
            `${where} has ${bytes.length} bytes, expected ${expect.bytes} (truncated or replaced). Regenerate it with \`${REGENERATE}\`.`,
          );
        }
        const sum = crc32(bytes);
        if (sum !== expect.crc32) {
          throw new ModelLoadError(`${where} is corrupt: CRC-32 ${sum}, expected ${expect.crc32}. Regenerate it with \`${REGENERATE}\`.`);
        }
        parts.push(bytes);
      }
      const total = parts.reduce((a, b) => a + b.length, 0);
      const all = new Uint8Array(total);
      let o = 0;
      for (const b of parts) {
        all.set(b, o);
        o += b.length;
      }
      Object.assign(weights, decodeGroup(all, group.weights, `${name}/${group.paths.join('+')}`));
    }
  } catch (e) {
    Object.values(weights).forEach((t) => t.dispose());
    throw e;
  }
  return { manifest, weights };
}
