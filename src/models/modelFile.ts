/**
 * The one gate every score-model file passes before it touches the engine (issue 18): the Scores lab's uploads and
 * saved runs, the Uncertainty lab's uploads, `tweedie` run files. Schema first (zod): types, finiteness, ranges and
 * sizes are checked, then the spec's parameter budget, then every weight's name, shape, byte length and values, all
 * before anything is allocated. Pure (no tfjs), so the UI thread can refuse a file before it asks anything of the
 * user or the engine. A refusal names the field, the value and what is allowed.
 */
import * as z from 'zod';
import { base64ToBytes } from '../core/base64.ts';
import { BUDGETS } from '../core/budgets.ts';
import { MAX_SEED } from '../core/strictNumber.ts';
import { ACTIVATIONS, S2_KINDS, type TrainHyper } from './hyper.ts';
import { checkSpecBudget, MAX_DEPTH, MAX_WIDTH, specProblems, weightLayout, type ScoreModelSpec } from './scoreModelSpec.ts';

export const MODEL_FORMAT = 'tweedie-lab/score-model';
export const MODEL_FORMAT_VERSION = 1;

/** Largest model or run file read (bytes of text): the parameter budget as base64, plus a training record. */
export const MAX_MODEL_FILE_BYTES = Math.ceil(BUDGETS.parameters.limit * 4 * (4 / 3)) + 4_000_000;
/** Loss history points a run file may carry (the trainer keeps at most this many). */
export const MAX_HISTORY = 4000;
/** Training steps a run file may claim. */
export const MAX_RECORDED_STEPS = 1e9;

const dimLimit = BUDGETS.dimension.limit;

const specSchema = z.object({
  dim: z.int().min(1).max(dimLimit),
  sigma: z.number().positive(),
  s2: z.enum(S2_KINDS as [string, ...string[]]),
  rank: z.int().min(0).max(dimLimit),
  width: z.int().min(1).max(MAX_WIDTH),
  depth: z.int().min(1).max(MAX_DEPTH),
  act: z.enum(ACTIVATIONS as [string, ...string[]]),
  shareTrunk: z.boolean(),
  inputShift: z.array(z.number()).max(dimLimit),
  inputScale: z.array(z.number().positive()).max(dimLimit),
  s2Scale: z.number().positive().optional(),
});

const weightSchema = z.object({
  name: z.string().max(64),
  shape: z.array(z.int().min(1)).min(1).max(2),
  data: z.string().max(MAX_MODEL_FILE_BYTES),
});

const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_FORMAT_VERSION),
  spec: specSchema,
  weights: z.array(weightSchema).max(4 * (MAX_DEPTH + 2)),
});

const hyperSchema = z.object({
  sigma: z.number().positive(),
  s2: z.enum(S2_KINDS as [string, ...string[]]),
  rank: z.int().min(0).max(dimLimit),
  vr: z.boolean(),
  gamma: z.number().min(0),
  stopGrad: z.boolean(),
  width: z.int().min(1).max(MAX_WIDTH),
  depth: z.int().min(1).max(MAX_DEPTH),
  act: z.enum(ACTIVATIONS as [string, ...string[]]),
  shareTrunk: z.boolean(),
  batch: z.int().min(2).max(65536),
  lr: z.number().positive().max(10),
  seed: z.int().min(0).max(MAX_SEED),
  s2Scale: z.union([z.number().positive(), z.literal('auto')]).optional(),
});

const historySchema = z.object({ step: z.int().min(0).max(MAX_RECORDED_STEPS), loss: z.number(), lossAdjusted: z.number(), lossVariance: z.number() });

const densityRefSchema = z.union(
  [
    z.string().min(1).max(200),
    z.object({ points: z.array(z.number()).max(BUDGETS.points.limit * dimLimit), dim: z.int().min(1).max(dimLimit), name: z.string().max(200).optional() }),
    z.object({ json: z.string().max(MAX_MODEL_FILE_BYTES), name: z.string().max(200).optional() }),
  ],
  { error: 'must be a density name, {points, dim} (uploaded points) or {json} (a mixture file)' },
);

const runSchema = modelSchema.extend({
  training: z.object({ hyper: hyperSchema.partial(), steps: z.int().min(0).max(MAX_RECORDED_STEPS), history: z.array(historySchema).max(MAX_HISTORY) }).optional(),
  density: densityRefSchema.optional(),
});

/** A density a run file names: a registry name, uploaded points, or a mixture file's text. */
export type RunDensityRef = z.infer<typeof densityRefSchema>;

/** A model file that passed every check: its spec and each weight's decoded values, keyed by name. */
export interface ParsedScoreModel {
  spec: ScoreModelSpec;
  weights: Map<string, Float32Array>;
}

/** A run file that passed every check (`tweedie train --out`, the Scores lab's download and saved runs). */
export interface ParsedRunFile extends ParsedScoreModel {
  training?: { hyper: Partial<TrainHyper>; steps: number; history: { step: number; loss: number; lossAdjusted: number; lossVariance: number }[] };
  density?: RunDensityRef;
}

/** A value as it reads in a message: short, and never the whole of a large one. */
function preview(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

/** One line per problem, `field: what is wrong (got value)`, from a failed parse. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => {
      const path = i.path.length ? i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') : 'the file';
      const got = i.input !== undefined ? ` (got ${preview(i.input)})` : '';
      return `${path}: ${i.message}${got}`;
    })
    .join('; ');
}

function bytesOfBase64(b64: string, name: string): Uint8Array {
  try {
    return base64ToBytes(b64);
  } catch {
    throw new Error(`model file: weights "${name}": data is not base64 (it holds the float32 values, little-endian)`);
  }
}

/** Checks the decoded weights against the spec's layout: names, shapes, counts and finite values. */
function decodeWeights(spec: ScoreModelSpec, weights: z.infer<typeof weightSchema>[]): Map<string, Float32Array> {
  const given = new Map(weights.map((w) => [w.name, w]));
  const out = new Map<string, Float32Array>();
  for (const { name, shape } of weightLayout(spec)) {
    const w = given.get(name);
    if (!w) throw new Error(`model file: weight "${name}" is missing (a ${spec.dim}-D model of width ${spec.width} and depth ${spec.depth} has ${shape.join(' × ')} values there)`);
    if (w.shape.length !== shape.length || w.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`model file: weight "${name}" has shape [${w.shape.join(', ')}] but the spec needs [${shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    // Base64 of size float32 values is 4·⌈4·size/3⌉ characters: compare before decoding anything.
    const chars = 4 * Math.ceil((4 * size) / 3);
    if (w.data.length !== chars) throw new Error(`model file: weight "${name}" holds ${w.data.length} base64 characters, expected ${chars} (${size} float32 values)`);
    const bytes = bytesOfBase64(w.data, name);
    if (bytes.length !== 4 * size) throw new Error(`model file: weight "${name}" decodes to ${bytes.length} bytes, expected ${4 * size}`);
    const values = new Float32Array(bytes.buffer, 0, size);
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(values[i])) throw new Error(`model file: weight "${name}" holds ${values[i]} at index ${i}: every weight must be a finite number`);
    }
    out.set(name, values);
    given.delete(name);
  }
  if (given.size) throw new Error(`model file: unexpected weights ${[...given.keys()].slice(0, 5).join(', ')} (not part of a model with this spec)`);
  return out;
}

function parseWith<S extends typeof modelSchema | typeof runSchema>(schema: S, json: unknown): z.infer<S> & { decoded: Map<string, Float32Array> } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`model file: expected a JSON object with format "${MODEL_FORMAT}", got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}: save one from the Scores lab or with tweedie train --out`);
  }
  const { format, version } = json as { format?: unknown; version?: unknown };
  if (format !== MODEL_FORMAT) {
    throw new Error(`model file: "format" is ${preview(format)}, not "${MODEL_FORMAT}": this is not a score model file (save one from the Scores lab or with tweedie train --out)`);
  }
  if (version !== MODEL_FORMAT_VERSION) throw new Error(`model file: version ${preview(version)} is not one this app reads (${MODEL_FORMAT_VERSION})`);
  const r = schema.safeParse(json, { reportInput: true });
  if (!r.success) throw new Error(`model file: ${describe(r.error)}`);
  const spec = r.data.spec as ScoreModelSpec;
  const problems = specProblems(spec);
  if (problems.length) throw new Error(`model file: invalid spec: ${problems.join('; ')}`);
  checkSpecBudget(spec);
  return { ...(r.data as z.infer<S>), decoded: decodeWeights(spec, r.data.weights) };
}

/** Parses and checks a score-model file; throws a message naming the first problems. Allocates nothing. */
export function parseScoreModelFile(json: unknown): ParsedScoreModel {
  const f = parseWith(modelSchema, json);
  return { spec: f.spec as ScoreModelSpec, weights: f.decoded };
}

/** Parses and checks a run file: the model as `parseScoreModelFile`, plus its training record and density. */
export function parseRunFile(json: unknown): ParsedRunFile {
  const f = parseWith(runSchema, json);
  return {
    spec: f.spec as ScoreModelSpec,
    weights: f.decoded,
    ...(f.training ? { training: f.training as ParsedRunFile['training'] } : {}),
    ...(f.density !== undefined ? { density: f.density } : {}),
  };
}
