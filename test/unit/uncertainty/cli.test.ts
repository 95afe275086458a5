/**
 * `tweedie posterior` end to end through the CLI's `main` (in-process engine, cpu backend): the JSON contract
 * `{x, mean, cov, exactMean, exactCov, w2}` per point, --exact (Tweedie on exact scores = exact moments), --model
 * with a saved model file, and the usage errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';
import { createRng } from '../../../src/core/rng.ts';
import { ScoreModel } from '../../../src/models/scoreModel.ts';
import { serializeModel } from '../../../src/models/serialize.ts';

const run = (argv: string[]) => runCli([...argv, '--backend', 'cpu']);

describe('tweedie posterior', () => {
  it('--exact --json: one object per point with the contract fields; W2 ≈ 0', async () => {
    const r = await run(['posterior', '--exact', '--density', 'gmm2', '--sigma', '0.5', '--at', '0,0.2', '--at', '-1.5,0.8', '--json']);
    expect(r.code).toBe(0);
    const pts = JSON.parse(r.stdout);
    expect(pts).toHaveLength(2);
    for (const p of pts) {
      for (const key of ['x', 'mean', 'cov', 'exactMean', 'exactCov', 'w2']) expect(p).toHaveProperty(key);
      expect(p.cov).toHaveLength(2);
      expect(p.w2).toBeLessThan(1e-6);
      expect(p.source).toBe('exact');
      expect(p.psd).toBe(true);
    }
    expect(pts[1].x).toEqual([-1.5, 0.8]);
  });

  it('--model run.json: learned and autodiff estimates, σ from the model, samples on request', async () => {
    const model = new ScoreModel(
      { dim: 2, sigma: 0.4, s2: 'full', rank: 1, width: 16, depth: 2, act: 'softplus', shareTrunk: false, inputShift: [0, 0], inputScale: [1, 1] },
      createRng(2),
    );
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-posterior-'));
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ ...(await serializeModel(model)), density: 'ring8' }));
    model.dispose();
    const r = await run(['posterior', '--model', file, '--at', '1,1', '--samples', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [p] = JSON.parse(r.stdout);
    expect(p.density).toBe('ring8'); // taken from the model file
    expect(p.sigma).toBe(0.4);
    expect(p.source).toBe('learned');
    expect(p.autodiff.cov).toHaveLength(2);
    expect(p.samples).toHaveLength(5);
    expect(typeof p.w2).toBe('number');
    const auto = await run(['posterior', '--model', file, '--at', '1,1', '--hessian', 'autodiff', '--json']);
    expect(JSON.parse(auto.stdout)[0].source).toBe('autodiff');
    const wrong = await run(['posterior', '--model', file, '--at', '1,1', '--sigma', '0.2']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/trained at σ = 0.4/);
  });

  it('usage errors exit 2 with a reason', async () => {
    expect((await run(['posterior', '--at', '0,0'])).stderr).toMatch(/exactly one of --model/);
    expect((await run(['posterior', '--exact'])).stderr).toMatch(/at least one noisy point/);
    const bad = await run(['posterior', '--exact', '--at', '0,x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--at "0,x" needs a number, got "x"/);
    expect((await run(['posterior', '--exact', '--at', '0,0', '--density', 'nope'])).stderr).toMatch(/unknown density/);
    expect((await run(['posterior', '--model', '/no/such.json', '--at', '0,0'])).stderr).toMatch(/no file/);
  });

  it('human output: one block per point', async () => {
    const r = await run(['posterior', '--exact', '--at', '0,0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gmm2, σ = 0.3, estimate: exact scores/);
    expect(r.stdout).toMatch(/W2 0\.0000/);
  });
});
