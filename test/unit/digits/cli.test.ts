/** `tweedie digits` on the in-process engine (wasm): the JSON fields of issue 6, and clear errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import type { EngineClient } from '../../../src/engine/client.ts';
import { setWasmLocation } from '../../../src/engine/backend.ts';
import { digitsCommand } from '../../../src/cli/commands/digits.ts';
import type { CliOutput } from '../../../src/cli/command.ts';

let engine: EngineClient;

beforeAll(async () => {
  setWasmLocation(join(__dirname, '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  engine = createInProcessEngine();
  await engine.run('init', { backend: 'wasm' });
});
afterAll(() => engine.close());

function output(): CliOutput & { value: unknown } {
  const o = {
    value: undefined as unknown,
    jsonMode: true,
    result(v: unknown) {
      o.value = v;
    },
    progress() {},
    info() {},
  };
  return o;
}

describe('tweedie digits', () => {
  it('--mnist-test prints label, predictions, MSEs, std, eigenvalues and the timing', async () => {
    const out = output();
    await digitsCommand.run({ 'mnist-test': 0, sigma: '0.5', seed: 1, k: 3, rows: 4 }, engine, out, []);
    const r = out.value as Record<string, unknown>;
    expect(r.label).toBe(7);
    expect(r.predicted).toBe(7);
    expect(r.mseMean as number).toBeLessThan((r.mseNoisy as number) / 5);
    expect(r.topEigenvalues).toHaveLength(3);
    expect(r.stdMean as number).toBeGreaterThan(0);
    for (const k of ['msDirect', 'msAutodiff', 'ratio']) expect(r[k] as number).toBeGreaterThan(0);
  });

  it('--project-noise: the eigenpairs avoid the noise direction, and on an ambiguous 4 (test #571) the first one morphs 4 ↔ 9', async () => {
    const out = output();
    await digitsCommand.run({ 'mnist-test': 571, sigma: '0.5', seed: 1, k: 2, rows: 1, 'project-noise': true }, engine, out, []);
    const r = out.value as { label: number; noiseProjected: boolean; noiseAlignment: number[]; eigenWalks: [number, number][] };
    expect(r.label).toBe(4);
    expect(r.noiseProjected).toBe(true);
    for (const c of r.noiseAlignment) expect(c).toBeLessThan(1e-4);
    expect([...r.eigenWalks[0]].sort()).toEqual([4, 9]);
  });

  it('needs exactly one input, and says when the models are missing', async () => {
    await expect(digitsCommand.run({ sigma: '0.5', seed: 1, k: 3, rows: 4 }, engine, output(), [])).rejects.toThrow(/exactly one of --mnist-test/);
    const empty = mkdtempSync(join(tmpdir(), 'no-models-'));
    await expect(digitsCommand.run({ 'mnist-test': 0, sigma: '0.3', seed: 1, k: 3, rows: 4, models: empty }, engine, output(), [])).rejects.toThrow(
      /is missing.*regenerate/,
    );
  });
});
