/**
 * A density from the text of a mixture JSON file: `{"type":"gmm",...}` (src/core/gmm.ts parseGmmJson) or
 * `{"type":"logistic-mixture",...}` (src/core/logisticMixture.ts), dispatched on "type".
 */
import type { Density } from '../types.ts';
import { parseGmmJson } from '../gmm.ts';
import { checkMixtureTextSize } from '../budgets.ts';
import { parseLogisticMixtureObject } from '../logisticMixture.ts';
import { densityFromGmm } from './gaussian.ts';
import { densityFromLogisticMixture } from './logistic.ts';

/** The "type" of a mixture JSON text, or undefined when it is not a JSON object (parseGmmJson then says why). */
function mixtureType(text: string): { type: unknown; obj: Record<string, unknown> } | undefined {
  checkMixtureTextSize(text);
  try {
    const obj: unknown = JSON.parse(text);
    if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) return { type: (obj as Record<string, unknown>).type, obj: obj as Record<string, unknown> };
  } catch {
    // Not JSON: parseGmmJson reports it with the expected format.
  }
  return undefined;
}

/** The density a mixture JSON file describes (validated; budgets checked before anything is built). */
export function densityFromJson(text: string, name: string): Density {
  const t = mixtureType(text);
  if (t?.type === 'logistic-mixture') return densityFromLogisticMixture(name, parseLogisticMixtureObject(t.obj));
  if (t && t.type !== 'gmm') throw new Error(`density JSON: "type" must be "gmm" or "logistic-mixture", got ${JSON.stringify(t.type)}`);
  return densityFromGmm(name, parseGmmJson(text));
}
