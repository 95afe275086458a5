/**
 * The score model an engine session holds, for the jobs that evaluate it (samplers, posterior): a Scores-lab
 * training run (`TrainSession.model`, the model it shows) or a model stored directly.
 */
import type { ScoreModel } from '../../models/scoreModel.ts';
import { InputError } from '../job.ts';
import type { SessionStore } from '../sessions.ts';

/** Something the Scores lab may keep in the engine's sessions: a model, or an object holding one. */
interface ModelHolder {
  model?: ScoreModel;
  s1?: unknown;
  dispose(): void;
}

/** The model held under `key`; throws an InputError saying what to do when there is none. */
export function heldScoreModel(sessions: SessionStore, key: string): ScoreModel {
  const held = sessions.get<ModelHolder>(key);
  if (!held) throw new InputError(sessions.lostReason(key) ?? `no trained model "${key}" in the engine: train one in the Scores lab first`);
  const model = held.model ?? (typeof held.s1 === 'function' ? (held as unknown as ScoreModel) : undefined);
  if (!model) throw new InputError(`engine session "${key}" holds no score model`);
  return model;
}
