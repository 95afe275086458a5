/**
 * Issue 18, the CLI boundary: each reproduction of the issue as a named regression test. Every refusal exits
 * non-zero with one line naming the flag (or field), the value and the limit, prints nothing on stdout and no stack
 * trace, and comes before the work it refuses (the commands below would otherwise run for minutes or exhaust memory).
 *
 * Exit status: 2 for a malformed command line (syntax, range), 1 for a refused request (a cost budget) or a result
 * that breaks the output contract.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';
import { main } from '../../../src/cli/main.ts';
import type { CliCommand } from '../../../src/cli/command.ts';
import { commands } from '../../../src/cli/commands/index.ts';
import { budgetsLifted } from '../../../src/core/budgets.ts';
import { createInProcessEngine } from '../../../src/engine/inProcess.ts';
import { makeGmm } from '../../../src/core/gmm.ts';
import { MAX_SEED } from '../../../src/core/strictNumber.ts';

const run = (argv: string[]) => runCli([...argv, '--backend', 'cpu']);

/** A refusal: the exit code, one line on stderr matching every pattern, nothing on stdout, no stack trace. */
async function refused(argv: string[], code: 1 | 2, ...patterns: RegExp[]): Promise<string> {
  const r = await run(argv);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  for (const p of patterns) expect(r.stderr).toMatch(p);
  return r.stderr;
}

let dir: string;
let energyModel: string;

/** A PNG whose IHDR declares width × height, with one zlib stream of empty rows (a small file, a huge image). */
function hugePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(width + 1);
  const idat = deflateSync(Buffer.concat(Array.from({ length: 64 }, () => row)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tweedie-reliability-'));
  energyModel = join(dir, 'energy.json');
  const t = await run(['energy', 'train', '--steps', '1', '--width', '4', '--depth', '1', '--batch', '8', '--grid', '20', '--out', energyModel]);
  expect(t.code, t.stderr).toBe(0);
  writeFileSync(join(dir, 'd10000.json'), JSON.stringify({ type: 'gmm', weights: [1], means: [new Array(10000).fill(0)], covs: [[[1]]] }));
  writeFileSync(join(dir, 'w1e308.json'), JSON.stringify({ type: 'gmm', weights: [1e308, 1e308], means: [[0, 0], [2, 0]], covs: [[[1, 0], [0, 1]], [[1, 0], [0, 1]]] }));
  writeFileSync(join(dir, 'big.png'), hugePng(12000, 12000));
});

describe('strict numbers', () => {
  it('posterior --at 0x10,1 is refused (hex), not read as 16', async () => {
    await refused(['posterior', '--exact', '--at', '0x10,1'], 2, /--at "0x10,1" needs a number, got "0x10"/, /no hex/);
  });

  it('train --steps 5abc is refused (trailing garbage)', async () => {
    await refused(['train', '--steps', '5abc'], 2, /--steps needs an integer, got "5abc"/);
  });

  it('posterior --sigma Infinity is refused', async () => {
    await refused(['posterior', '--exact', '--at', '0,0', '--sigma', 'Infinity'], 2, /--sigma needs a number, got "Infinity"/, /no hex, letters or Infinity/);
  });

  it('lists and compound values are strict too: --H, --observe, --true-sigma, --steps-grid, --chains, --s2-scale', async () => {
    await refused(['energy', 'posterior', '--model', energyModel, '--observe', 'y=1,2', '--H', '1,0,0,0x1'], 2, /--H "1,0,0,0x1" needs a number, got "0x1"/);
    await refused(['energy', 'posterior', '--model', energyModel, '--observe', 'x1=1e'], 2, /--observe x1= needs a number, got "1e"/);
    await refused(['energy', 'blind', '--model', energyModel, '--true-sigma', '0.5,Infinity'], 2, /--true-sigma "0.5,Infinity" needs a number/);
    await refused(['sweep', '--steps-grid', '0.1:1:12x'], 2, /--steps-grid N needs an integer, got "12x"/);
    await refused(['bench', '--chains', '10,1e3e'], 2, /--chains needs an integer, got "1e3e"/);
    await refused(['train', '--s2-scale', '0x2'], 2, /--s2-scale must be "auto" or a positive number/);
  });
});

describe('seeds alike everywhere', () => {
  const seeded = commands.filter((c) => c.flags.seed);

  it('every command with --seed takes an integer in [0, MAX_SEED]', () => {
    expect(seeded.map((c) => c.name).sort()).toEqual(['bench', 'digits', 'energy blind', 'energy posterior', 'energy train', 'inverse blind', 'inverse blind-study', 'inverse sample', 'inverse schedules', 'posterior', 'sample', 'sweep', 'train']);
    for (const c of seeded) expect(c.flags.seed, c.name).toMatchObject({ type: 'int', min: 0, max: MAX_SEED });
  });

  it('train --seed 1e300 and --seed -5 are refused, as in every other command', async () => {
    await refused(['train', '--seed', '1e300'], 2, /--seed must be <= 2147483647, got 1e300/);
    await refused(['train', '--seed', '-5'], 2, /--seed must be >= 0, got -5/);
    for (const c of seeded) await refused([...c.name.split(' '), '--seed', '-5'], 2, /--seed must be >= 0/);
  });
});

describe('--samplers', () => {
  it('langevin:clamp:x is refused: an entry is KIND or KIND:clamp', async () => {
    await refused(['sweep', '--samplers', 'langevin:clamp:x'], 2, /"langevin:clamp:x": an entry is KIND or KIND:clamp/);
  });

  it('langevin:clamp is refused: only the Ozaki samplers clamp a curvature', async () => {
    await refused(['sweep', '--samplers', 'ozaki,langevin:clamp'], 2, /only the Ozaki samplers \(ozaki, ozaki-full\) have a curvature to clamp/);
    await refused(['sample', '--sampler', 'mala', '--clamp'], 2, /--clamp applies to the Ozaki samplers/);
  });
});

describe('output contract', () => {
  it('posterior --exact --at 1e300,1e300 --json is refused up front with the range, not printed as nulls', async () => {
    await refused(['posterior', '--exact', '--at', '1e300,1e300', '--json'], 2, /--at "1e300,1e300": each coordinate must be within ±4000/, /scale/);
  });

  it('posterior --sigma 1e-300 is refused with σ\'s range instead of printing kl: null', async () => {
    await refused(['posterior', '--exact', '--at', '0,0', '--sigma', '1e-300', '--json'], 2, /--sigma must be >= 0.001, got 1e-300/);
  });

  it('a result with a non-finite number exits 1 naming the field; an explicit null passes', async () => {
    const command = (value: unknown): CliCommand => ({
      name: 'emit',
      summary: 'prints a fixed result',
      flags: {},
      usesEngine: false,
      run: async (_f, _e, out) => out.result(value, () => 'text'),
    });
    for (const json of [true, false]) {
      let stdout = '';
      let stderr = '';
      const io = { stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s), progressBars: false };
      const code = await main(['emit', ...(json ? ['--json'] : [])], io, [command({ steps: 3, metrics: { s1Mse: NaN, s2Mse: Infinity }, kl: null })]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^tweedie: emit: error: result field metrics\.s1Mse is NaN, metrics\.s2Mse is Infinity: the computation overflowed or diverged/);
    }
    let stdout = '';
    const io = { stdout: (s: string) => void (stdout += s), stderr: () => {}, progressBars: false };
    expect(await main(['emit', '--json'], io, [command({ w2: 0.5, kl: null, x: Float64Array.of(1, 2) })])).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ w2: 0.5, kl: null, x: [1, 2] });
  });

  it('a sample whose every chain diverged exits 1 and says to lower the step size (not the learning rate)', async () => {
    await refused(['sample', '--step', '50', '--chains', '8', '--steps', '8', '--burn', '0', '--json'], 1, /all 8 chains diverged/, /try a smaller --step/);
  });
});

describe('budgets before work', () => {
  it('train --steps 1e12 is over the training-steps budget', async () => {
    await refused(['train', '--steps', '1e12'], 1, /1\.00e12 training steps is over the budget of 1,000,000: use fewer --steps/, /--lift-budgets/);
  });

  it('sweep --steps-grid 0.1:1:1e6 is refused (N at most 100), and a sweep over its chain-steps budget too', async () => {
    await refused(['sweep', '--steps-grid', '0.1:1:1e6'], 2, /--steps-grid N must be <= 100, got 1e6/);
    await refused(['sweep', '--steps-grid', '0.1:1:100', '--chains', '100000'], 1, /chain steps .* is over the budget of 200,000,000: use fewer --chains, --steps, --burn, samplers or step sizes/);
    await refused(['sample', '--chains', '100000', '--steps', '1000000'], 1, /chain steps .* is over the budget/);
  });

  it('a 10,000-d mixture in densities --file and in train is refused before it is built', async () => {
    const file = join(dir, 'd10000.json');
    await refused(['densities', '--file', file], 1, /--file .*d10000\.json: 10,000 dimensions of a density is over the budget of 256/);
    await refused(['train', '--density', file, '--steps', '1'], 1, /10,000 dimensions of a density is over the budget of 256/);
  });

  it('energy posterior --chains 20000 --levels 500 --steps 100 is over the annealed-sampling budget', async () => {
    await refused(['energy', 'posterior', '--model', energyModel, '--observe', 'x1=0', '--chains', '20000', '--levels', '500', '--steps', '100'], 1, /1,010,000,000 network evaluations .* over the budget of 20,000,000: use fewer --chains, --levels or --steps/);
  });

  it('energy train --batch 8192 --width 512 --depth 6 --grid 400 is refused (step work), not run out of memory', async () => {
    await refused(['energy', 'train', '--batch', '8192', '--width', '512', '--depth', '6', '--grid', '400'], 1, /multiply-adds per training step \(batch × parameters\) is over the budget/, /--batch, --width or --depth/);
    await refused(['energy', 'train', '--width', '512', '--depth', '6', '--grid', '400'], 1, /multiply-adds of one normalisation integral .* over the budget/, /--grid/);
  });

  it('energy train --steps 1e12 names the flag, not the internal field decaySteps', async () => {
    const line = await refused(['energy', 'train', '--steps', '1e12'], 1, /training steps is over the budget of 1,000,000: use fewer --steps/);
    expect(line).not.toMatch(/decaySteps/);
  });

  it('digits --image of a PNG declaring 12000 × 12000 is refused from its header, before decoding', async () => {
    await refused(['digits', '--image', join(dir, 'big.png')], 1, /144,000,000 pixels of an image is over the budget of 4,194,304: the image is 12000 × 12000/);
  });

  it('a CSV of more points than the budget, and a folder as --density, are refused before training', async () => {
    const csv = join(dir, 'many.csv');
    writeFileSync(csv, Array.from({ length: 20001 }, (_, i) => `${i % 7},${i % 5}`).join('\n'));
    await refused(['train', '--density', csv], 1, /--density .*many\.csv: 20,001 points is over the budget of 20,000/);
    await refused(['sample', '--density', dir], 2, /--density: ".*" is a folder, not a file/);
  });

  it('the engine checks the same budgets for the app (energy step work, annealed evaluations, chain steps)', async () => {
    const engine = createInProcessEngine();
    try {
      await engine.run('init', { backend: 'cpu' });
      await expect(engine.run('energy.create', { session: 's', density: 'gmm2', width: 512, depth: 6, batch: 8192 })).rejects.toThrow(/multiply-adds per training step .* use a smaller batch, width or depth/);
      await expect(engine.run('energy.steps', { session: 's', steps: 2_000_000 })).rejects.toThrow(/2,000,000 training steps is over the budget/);
      const model = JSON.parse(readFileSync(energyModel, 'utf8'));
      const problem = { kind: 'inpaint' as const, axis: 0 as const, value: 0 };
      await expect(engine.run('energy.posterior', { model: { file: model }, problem, chains: 20000, levels: 500, correctorSteps: 100 })).rejects.toThrow(/network evaluations .* over the budget/);
      await expect(engine.run('energy.posterior', { model: { file: model }, problem: { ...problem, value: 1e300 }, chains: 8, levels: 1 })).rejects.toThrow(/y1 = 1e\+300 is outside/);
      const sweep = { density: 'gmm2', score: { kind: 'exact' as const }, samplers: ['langevin' as const], grid: { lo: 0.1, hi: 1, n: 100 }, chains: 100000, steps: 1000, burn: 0, seed: 0 };
      await expect(engine.run('sweep', sweep)).rejects.toThrow(/chain steps .* over the budget/);
    } finally {
      engine.close();
    }
  });

  it('--lift-budgets lifts every budget for one command only, and --help documents it', async () => {
    // Lifted, the 10,000-d file gets past the budget to the next check (its covariance is not 10,000 × 10,000).
    await refused(['densities', '--file', join(dir, 'd10000.json'), '--lift-budgets'], 2, /covariance 0 must be 10000 × 10000/);
    expect(budgetsLifted()).toBe(false);
    await refused(['densities', '--file', join(dir, 'd10000.json')], 1, /over the budget/);
    expect((await run(['--help'])).stdout).toMatch(/--lift-budgets\s+lift the cost budgets/);
  });
});

describe('misleading messages', () => {
  it('mixture weights [1e308, 1e308] are normalised (not "weight must be positive, got 0")', async () => {
    const r = await run(['densities', '--file', join(dir, 'w1e308.json'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0].dim).toBe(2);
    expect(makeGmm([1e308, 1e308], [[0], [1]], [[1], [1]]).components.map((c) => c.weight)).toEqual([0.5, 0.5]);
  });

  it('σ = 1e300 is refused with σ\'s range wherever a σ is read (not "Cholesky failed")', async () => {
    for (const argv of [
      ['posterior', '--exact', '--at', '0,0', '--sigma', '1e300'],
      ['train', '--sigma', '1e300'],
      ['sample', '--sigma', '1e300'],
      ['energy', 'posterior', '--model', energyModel, '--observe', 'y=0,0', '--noise', '1e300'],
    ]) {
      const line = await refused(argv, 2, /--(sigma|noise) must be <= 1000, got 1e300/);
      expect(line).not.toMatch(/Cholesky/);
    }
  });

  it('energy posterior --observe x1=1e300 is refused naming --observe and the range (not "weight 0 is NaN")', async () => {
    const line = await refused(['energy', 'posterior', '--model', energyModel, '--observe', 'x1=1e300'], 2, /--observe x1=1e300: y1 = 1e\+300 is outside \[/, /standard deviations/);
    expect(line).not.toMatch(/NaN/);
  });
});
