/**
 * Where the Uncertainty lab's trained models come from, and getting them into the engine once:
 *
 * - shipped models: `public/models/uncertainty/index.json` lists score models (s1 + full s2) trained on 2-D densities
 *   at a few σ; each is fetched on first use;
 * - model files the user loads (`run.json` of `tweedie train`, or a model saved by the Scores lab);
 * - the model the Scores lab is training in the same engine (session "scores"), used in place;
 *
 * Each is loaded into the engine's sessions by the `posteriorLoadModel` job under a key, and the `posterior`
 * requests of a drag then name that key. Engine-side sessions die with the engine (a backend change restarts it),
 * so a loaded key is remembered per engine epoch.
 */
import { engine } from '../../engine.ts';
import { MAX_MODEL_FILE_BYTES, parseRunFile, type ParsedRunFile } from '../../../models/modelFile.ts';

/** One entry of the shipped models' index. */
export interface ShippedModel {
  density: string;
  sigma: number;
  /** File name beside the index. */
  file: string;
  s2: string;
  steps?: number;
  /** How it was made (command line), for the model card. */
  note?: string;
}

/** A model the lab can use. */
export interface ModelEntry {
  id: string;
  label: string;
  /** The density it was trained on (null: unknown, trusted for the density it was loaded with). */
  density: string | null;
  sigma: number;
  s2: string;
  source: 'shipped' | 'file' | 'scores';
  /** Fetches the model JSON (shipped and file models). */
  fetch?(): Promise<unknown>;
  /** The engine session that already holds the model (the Scores lab's training run). */
  sessionKey?: string;
}

/** The Scores lab's training session key (engine/jobs/train.ts). */
export const SCORES_SESSION = 'scores';

/**
 * The model the Scores lab is training in this engine, if any (its `train.info`): usable by key, no loading.
 * Null when the Scores lab has not created a run, or it is not 2-D.
 */
export async function scoresLabModel(): Promise<ModelEntry | null> {
  try {
    const client = await engine.ready();
    const info = await client.run('train.info', { key: SCORES_SESSION });
    if (info.dim !== 2) return null;
    return {
      id: `scores:${info.density}:${info.hyper.sigma}:${info.step}`,
      label: `the Scores lab's model (${info.density}, σ = ${info.hyper.sigma}, s2 ${info.hyper.s2}, ${info.step} steps)`,
      density: info.density,
      sigma: info.hyper.sigma,
      s2: info.hyper.s2,
      source: 'scores',
      sessionKey: SCORES_SESSION,
    };
  } catch {
    return null;
  }
}

const SHIPPED_DIR = 'models/uncertainty/';

/** The URL of a shipped file, relative to the app's base path. */
function shippedUrl(file: string): string {
  return `${import.meta.env.BASE_URL ?? './'}${SHIPPED_DIR}${file}`;
}

/** Validates the shipped index (a list of {density, sigma, file, s2}). */
export function parseShippedIndex(json: unknown): ShippedModel[] {
  if (!Array.isArray(json)) throw new Error('models index: expected a JSON array');
  return json.map((e, i) => {
    const o = e as Partial<ShippedModel>;
    if (typeof o.density !== 'string' || typeof o.file !== 'string' || typeof o.sigma !== 'number' || !(o.sigma > 0)) {
      throw new Error(`models index: entry ${i} needs density (string), sigma (> 0) and file (string)`);
    }
    return { density: o.density, sigma: o.sigma, file: o.file, s2: typeof o.s2 === 'string' ? o.s2 : 'full', steps: o.steps, note: o.note };
  });
}

let shippedPromise: Promise<ModelEntry[]> | null = null;

/** The shipped models (empty when the index is missing: the lab then works with exact scores and uploads). */
export function shippedModels(): Promise<ModelEntry[]> {
  shippedPromise ??= fetch(shippedUrl('index.json'))
    .then((r) => (r.ok ? r.json() : []))
    .then((json: unknown) =>
      parseShippedIndex(json).map(
        (m): ModelEntry => ({
          id: `shipped:${m.file}`,
          label: `${m.density}, σ = ${m.sigma} (shipped, s2 ${m.s2}${m.steps ? `, ${m.steps} steps` : ''})`,
          density: m.density,
          sigma: m.sigma,
          s2: m.s2,
          source: 'shipped',
          fetch: () =>
            fetch(shippedUrl(m.file)).then((r) => {
              if (!r.ok) throw new Error(`could not fetch the shipped model ${m.file} (HTTP ${r.status})`);
              return r.json();
            }),
        }),
      ),
    )
    .catch(() => []);
  return shippedPromise;
}

/**
 * Reads a model file the user picked and checks all of it (format, spec, every weight: `parseRunFile`, and that its
 * density and σ are the lab's) before the lab lists it, so a bad file never displaces the model in use.
 * Says what is wrong otherwise.
 */
export async function modelFromFile(file: File, currentDensity: string, n: number, lab: { densities: readonly string[]; sigma: { min: number; max: number } }): Promise<ModelEntry> {
  const { densities } = lab;
  if (file.size > MAX_MODEL_FILE_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; a score model file is at most ${(MAX_MODEL_FILE_BYTES / 1e6).toFixed(0)} MB`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (e) {
    throw new Error(`${file.name} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  let spec: ParsedRunFile['spec'];
  let fileDensity: ParsedRunFile['density'];
  try {
    ({ spec, density: fileDensity } = parseRunFile(json));
  } catch (e) {
    throw new Error(`${file.name}: ${(e as Error).message}`, { cause: e });
  }
  if (spec.dim !== 2) throw new Error(`${file.name} is a ${spec.dim}-D model; this lab shows 2-D densities`);
  if (typeof fileDensity === 'string' && !densities.includes(fileDensity)) {
    throw new Error(`${file.name} was trained on "${fileDensity.slice(0, 40)}", which this lab does not show (its densities: ${densities.join(', ')})`);
  }
  if (spec.sigma < lab.sigma.min || spec.sigma > lab.sigma.max) {
    throw new Error(`${file.name} was trained at σ = ${spec.sigma}, outside the lab's range [${lab.sigma.min}, ${lab.sigma.max}]: use it from the CLI (tweedie posterior --model)`);
  }
  const density = typeof fileDensity === 'string' ? fileDensity : currentDensity;
  return {
    id: `file:${n}:${file.name}`,
    label: `${file.name} (${density}, σ = ${spec.sigma})`,
    density,
    sigma: spec.sigma,
    s2: spec.s2,
    source: 'file',
    fetch: async () => json,
  };
}

/** Whether a model applies to this density and σ (σ equal up to rounding). */
export function modelMatches(m: ModelEntry, density: string, sigma: number): boolean {
  return (m.density === null || m.density === density) && Math.abs(m.sigma - sigma) <= 1e-6 * Math.max(1, sigma);
}

const loaded = new Map<string, Promise<string>>();

/**
 * The engine session key of a model, loading it on first use in this engine epoch (the `posteriorLoadModel` job).
 */
export function ensureLoaded(m: ModelEntry, epoch: number): Promise<string> {
  const id = `${epoch}|${m.id}`;
  if (m.sessionKey) return Promise.resolve(m.sessionKey);
  let p = loaded.get(id);
  if (!p) {
    if (!m.fetch) return Promise.reject(new Error(`model ${m.id} has neither a file nor an engine session`));
    const fetchModel = m.fetch;
    const key = `uncertainty:${m.id}`;
    p = (async () => {
      const json = await fetchModel();
      const client = await engine.ready();
      await client.run('posteriorLoadModel', { key, model: json });
      return key;
    })();
    p.catch(() => loaded.delete(id));
    loaded.set(id, p);
  }
  return p;
}
