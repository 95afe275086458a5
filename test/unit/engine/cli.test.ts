/**
 * The `tweedie` command line: end to end through `node src/cli/bin.mjs` (stdout carries only the JSON; a bad
 * flag exits non-zero with one line on stderr), and in-process through `main` for dispatch, help and errors.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../runCli.ts';
import type { CliCommand } from '../../../src/cli/command.ts';
import { findCommand, main, peekBackend, splitCommandWords } from '../../../src/cli/main.ts';
import { formatJson, progressBar, StreamOutput, type CliStreams } from '../../../src/cli/output.ts';

const BIN = fileURLToPath(new URL('../../../src/cli/bin.mjs', import.meta.url));

interface Spawned {
  status: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[]): Promise<Spawned> {
  // From another working directory, to prove the entry resolves its own paths.
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}


describe('tweedie (spawned)', () => {
  let json: Spawned;
  let badFlag: Spawned;
  beforeAll(async () => {
    [json, badFlag] = await Promise.all([spawnCli(['densities', '--json']), spawnCli(['densities', '--frobnicate'])]);
  });

  it('densities --json: valid JSON on stdout and nothing else, exit 0', () => {
    const r = json;
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; dim: number; closedForm: Record<string, boolean> }[];
    const names = list.map((d) => d.name);
    for (const n of ['gmm2', 'ring8', 'corr-gauss', 'scale-mix', 'banana', 'funnel', 'two-moons', 'gauss100']) expect(names).toContain(n);
    expect(list.find((d) => d.name === 'gauss100')?.dim).toBe(100);
    expect(list.find((d) => d.name === 'gmm2')?.closedForm.posterior).toBe(true);
    expect(list.find((d) => d.name === 'banana')?.closedForm.posterior).toBe(false);
    expect(r.stderr).not.toMatch(/TensorFlow\.js in Node/);
  });

  it('densities --frobnicate: non-zero exit, one line on stderr naming the flag, empty stdout', () => {
    const r = badFlag;
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tweedie: densities: unknown flag --frobnicate/);
  });
});

describe('tweedie main (in-process)', () => {
  it('--help lists the commands and the global flags on stdout', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['densities', 'bench', '--json', '--backend cpu|wasm|webgpu', '--help']) expect(r.stdout).toContain(s);
    const sub = await runCli(['bench', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/Usage: tweedie bench/);
    expect(sub.stdout).toMatch(/--browser/);
    expect(sub.stdout).toMatch(/--budget NUMBER .*default 3000/);
    expect((await runCli(['help', 'densities'])).stdout).toMatch(/Usage: tweedie densities/);
  });

  it('unknown commands, bad values and a missing command are usage errors (exit 2, one line)', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^tweedie: unknown command "frobnicate" \(commands: .*bench.*densities/],
      [['densities', '--backend', 'tpu'], /--backend must be one of cpu, wasm, webgpu; got "tpu"/],
      [['bench', '--budget', 'soon'], /--budget needs a number, got "soon"/],
      [['bench', '--chains', '10,x'], /--chains needs an integer, got "x"/],
      [['bench', '--backends', 'cpu,tpu'], /--backends: unknown backend "tpu"/],
      [['--json'], /no command given before --json/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: tweedie COMMAND/);
  });

  it('densities --file: a malformed mixture JSON gives a clear one-line reason; a valid one is described', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"type":"gmm","weights":[1],"means":[[0,0]],"covs":[[[1,0],[0,-1]]]}');
    const r = await runCli(['densities', '--file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.json: .*positive definite/);
    const missing = await runCli(['densities', '--file', join(dir, 'nope.json')]);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    const good = join(dir, 'mine.json');
    writeFileSync(good, '{"type":"gmm","weights":[1,3],"means":[[0,0,0],[1,1,1]],"covs":[[[1,0,0],[0,1,0],[0,0,1]],[[2,0,0],[0,2,0],[0,0,2]]]}');
    const ok = await runCli(['densities', '--file', good, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject([{ name: 'mine', dim: 3, truth: 'closed-form' }]);
  });

  it('global flags may come before the command; human output is a table', async () => {
    const r = await runCli(['--backend', 'cpu', 'densities']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^name\s+dim\s+truth/);
    expect(r.stdout).toMatch(/gauss100\s+100\s+closed-form/);
  });

  it('bench --json on the cpu backend: per-backend timings and ratios', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tweedie-bench-'));
    const file = join(dir, 'sub', 'results.json');
    // --no-digits: the Digits stroke (U-Nets on plain JavaScript here) is tested through the job in digits/jobs.test.ts.
    const r = await runCli(['bench', '--json', '--backend', 'cpu', '--budget', '0', '--runs', '1', '--chains', '20', '--batch', '8', '--no-digits', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(report);
    expect(readFileSync(join(dir, 'sub', 'results.md'), 'utf8')).toMatch(/^\| where \| backend \| device \| train step, batch 8 \| Langevin step, 20 chains \|/);
    expect(report.node.engineBackend.name).toBe('cpu');
    expect(report.node.results.map((b: { backend: string }) => b.backend)).toEqual(['cpu']);
    expect(Object.keys(report.node.ratios)).toEqual(['train-step@8', 'langevin-step@20']);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.browser).toBeUndefined();
    expect(report.node.digitsStroke).toBeUndefined();
  });
});

describe('CLI pieces', () => {
  const cmd = (name: string): CliCommand => ({ name, summary: '', flags: {}, run: async () => {} });
  const commands = [cmd('energy'), cmd('energy train'), cmd('train'), cmd('energy sample')];

  it('findCommand takes the longest multi-word match', () => {
    expect(findCommand(commands, ['energy', 'train', 'x'])).toEqual({ command: commands[1], used: 2 });
    expect(findCommand(commands, ['energy', 'foo'])).toEqual({ command: commands[0], used: 1 });
    expect(findCommand(commands, ['train'])?.command.name).toBe('train');
    expect(findCommand(commands, ['sample'])).toBeUndefined();
    expect(findCommand(commands, [])).toBeUndefined();
  });

  it('dispatches multi-word commands; a mistyped subcommand is refused with the candidates', async () => {
    const seen: string[] = [];
    const fake = (name: string): CliCommand => ({
      name,
      summary: `the ${name} command`,
      usesEngine: false,
      flags: { steps: { type: 'int', help: 'steps', default: 1 } },
      run: async (flags, _engine, out, positional) => {
        seen.push(`${name}:${String(flags.steps)}:${positional.join(',')}`);
        out.result({ name }, () => name);
      },
    });
    const registry = [fake('energy train'), fake('energy sample'), fake('train')];
    let stdout = '';
    let stderr = '';
    const io: CliStreams = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), progressBars: false };
    expect(await main(['energy', 'train', '--steps', '3', 'file.json', '--json'], io, registry)).toBe(0);
    expect(await main(['train'], io, registry)).toBe(0);
    expect(seen).toEqual(['energy train:3:file.json', 'train:1:']);
    expect(JSON.parse(stdout.split('\n}')[0] + '}')).toEqual({ name: 'energy train' });
    expect(await main(['energy', 'trian'], io, registry)).toBe(2);
    expect(await main(['energy'], io, registry)).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'tweedie: unknown command "energy trian" (did you mean energy train, energy sample?)',
      'tweedie: unknown command "energy" (did you mean energy train, energy sample?)',
    ]);
    stdout = '';
    expect(await main(['--help'], io, registry)).toBe(0);
    expect(stdout).toMatch(/energy sample +the energy sample command/);
  });

  it('splitCommandWords lets global flags precede the command words', () => {
    expect(splitCommandWords(['--json', '--backend', 'cpu', 'energy', 'train', '--steps', '3', 'file'])).toEqual({
      words: ['energy', 'train'],
      rest: ['--json', '--backend', 'cpu', '--steps', '3', 'file'],
    });
    expect(peekBackend(['x', '--backend=webgpu'])).toBe('webgpu');
    expect(peekBackend(['--backend', 'wasm'])).toBe('wasm');
    expect(peekBackend(['--json'])).toBeUndefined();
  });

  it('JSON output turns typed arrays into arrays; the progress bar is drawn on stderr only', () => {
    expect(JSON.parse(formatJson({ a: new Float32Array([1, 2]), b: [NaN] }))).toEqual({ a: [1, 2], b: [null] });
    expect(progressBar(0.5, 'x', 10)).toBe('[#####.....]  50% x');
    let stdout = '';
    let stderr = '';
    const out = new StreamOutput(true, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), progressBars: true });
    out.progress(0.3, 'working');
    out.info('note');
    out.result({ ok: true }, () => 'unused');
    expect(JSON.parse(stdout)).toEqual({ ok: true });
    expect(stderr).toContain('working');
    expect(stderr).toContain('note\n');
  });
});
