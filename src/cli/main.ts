/**
 * The `tweedie` command line: finds the subcommand (multi-word names such as "energy train" too), parses its
 * flags and the global ones, starts the engine in-process on the chosen tfjs backend, runs the command.
 *
 * Exit status: 0 on success; 2 for a malformed command line (an unknown flag, a value that is not of its flag's
 * type or range, a missing file); 1 when the command is refused or fails: a request over a cost budget
 * (`BudgetError`, liftable with --lift-budgets), input the engine refuses, a run that diverged, or a result with
 * a non-finite number where the contract promises one. Every refusal is one line on stderr saying why (no stack
 * trace unless TWEEDIE_DEBUG is set). stdout carries the result only (JSON with --json); everything else goes
 * to stderr.
 *
 * Nothing here imports tfjs statically: `--backend webgpu` must install Node's WebGPU before the engine
 * (and with it the tfjs WebGPU backend) is loaded.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseFlags, UsageError, type FlagSpec, type FlagSpecs, type ParsedFlags } from './args.ts';
import type { CliCommand, CliOutput } from './command.ts';
import { EngineClient } from '../engine/client.ts';
import { StreamOutput, type CliStreams } from './output.ts';
import { liftBudgets } from '../core/budgets.ts';

export const CLI_BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagSpecs = {
  json: { type: 'boolean', help: 'print the result as JSON on stdout (and nothing else there)' },
  backend: {
    type: 'string',
    choices: CLI_BACKENDS,
    help: 'tfjs backend (default: webgpu on a real GPU adapter, else wasm, else cpu)',
  },
  help: { type: 'boolean', help: 'show help (for one command: tweedie COMMAND --help)' },
  'lift-budgets': {
    type: 'boolean',
    help: 'lift the cost budgets (model parameters, training steps, chain steps, dimensions, image pixels...) for this command: it may then run out of memory or time',
  },
};

/** The command named by the leading words of `words` (longest match), and how many words it used. */
export function findCommand(commands: readonly CliCommand[], words: readonly string[]): { command: CliCommand; used: number } | undefined {
  let best: { command: CliCommand; used: number } | undefined;
  for (const command of commands) {
    const parts = command.name.split(/\s+/);
    if (parts.length > words.length || (best && parts.length <= best.used)) continue;
    if (parts.every((p, i) => p === words[i])) best = { command, used: parts.length };
  }
  return best;
}

/**
 * Splits argv into the leading command words and the rest. Global flags may come before the command
 * (`tweedie --json densities`); the command's own flags come after it.
 */
export function splitCommandWords(argv: readonly string[]): { words: string[]; rest: string[] } {
  const rest: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('--'); i++) {
    rest.push(argv[i]);
    if (argv[i] === '--backend' && i + 1 < argv.length) rest.push(argv[++i]);
  }
  const words: string[] = [];
  for (; i < argv.length && !argv[i].startsWith('-'); i++) words.push(argv[i]);
  return { words, rest: [...rest, ...argv.slice(i)] };
}

/** The value of --backend, looked up before the full parse (which needs the command registry). */
export function peekBackend(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backend') return argv[i + 1];
    if (argv[i].startsWith('--backend=')) return argv[i].slice('--backend='.length);
  }
  return undefined;
}

function flagLine(name: string, spec: FlagSpec): string {
  const value =
    spec.type === 'boolean' ? '' : spec.choices ? ` ${spec.choices.join('|')}` : spec.type === 'list' ? ' A,B,...' : ` ${spec.type.toUpperCase()}`;
  const extras = [
    spec.default !== undefined && spec.type !== 'boolean' ? `default ${String(spec.default)}` : '',
    spec.min !== undefined || spec.max !== undefined ? `range [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]` : '',
    spec.repeat ? 'repeatable' : '',
  ].filter(Boolean);
  return `  --${name}${value}`.padEnd(30) + ' ' + spec.help + (extras.length ? ` (${extras.join('; ')})` : '');
}

/** `tweedie --help`: every command with its summary, and the global flags. */
export function globalHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(12, ...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: tweedie COMMAND [flags]',
    '',
    'Score models, samplers and energy models on tfjs, headless: the same engine as the Tweedie Lab app.',
    '',
    'Commands:',
    ...[...commands].sort((a, b) => a.name.localeCompare(b.name)).map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global flags:',
    ...Object.entries(GLOBAL_FLAGS).map(([n, s]) => flagLine(n, s)),
    '',
    'Run `tweedie COMMAND --help` for the flags of one command.',
  ].join('\n');
}

/** `tweedie COMMAND --help`. */
export function commandHelp(command: CliCommand): string {
  const own = Object.entries(command.flags);
  return [
    `Usage: tweedie ${command.name} [flags]`,
    '',
    command.summary,
    '',
    ...(own.length ? ['Flags:', ...own.map(([n, s]) => flagLine(n, s)), ''] : []),
    'Global flags:',
    ...Object.entries(GLOBAL_FLAGS).map(([n, s]) => flagLine(n, s)),
  ].join('\n');
}

/** Where the WASM backend's .wasm files are in Node: TWEEDIE_WASM_DIR, the installed package, or ./wasm beside the entry. */
export function nodeWasmDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.TWEEDIE_WASM_DIR) candidates.push(process.env.TWEEDIE_WASM_DIR);
  try {
    candidates.push(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    // not installed as a package (e.g. a bundled build): try beside the entry script
  }
  if (process.argv[1]) candidates.push(join(dirname(process.argv[1]), 'wasm'));
  const dir = candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
  return dir && (dir.endsWith('/') ? dir : dir + '/');
}

type CliBackend = (typeof CLI_BACKENDS)[number];

/** Starts the engine in-process on the chosen backend and prints why it is not the one asked for, if so. */
async function startEngine(backend: CliBackend | undefined, gpuNote: string | undefined, out: CliOutput): Promise<EngineClient> {
  const tf = await import('@tensorflow/tfjs');
  if (!process.env.TWEEDIE_DEBUG) tf.enableProdMode(); // silences tfjs's console banners ("Hi, looks like you are running TensorFlow.js in Node.js")
  const { setWasmLocation } = await import('../engine/backend.ts');
  const { createInProcessEngine } = await import('../engine/inProcess.ts');
  const wasmDir = nodeWasmDir();
  if (wasmDir) setWasmLocation(wasmDir);
  const client = createInProcessEngine();
  try {
    const info = await client.run('init', backend ? { backend } : {});
    const hint = backend === 'webgpu' && info.name !== 'webgpu' ? gpuNote : undefined;
    const notice = [info.notice, hint].filter(Boolean).join('; ');
    if (notice) out.info(`notice: ${notice}`);
  } catch (e) {
    client.close();
    throw e;
  }
  return client;
}

/** The engine handed to commands declared `usesEngine: false`: any job is a programming error. */
function idleEngine(command: string): EngineClient {
  const refuse = (): never => {
    throw new Error(`command "${command}" is declared usesEngine: false but sent an engine job`);
  };
  return new EngineClient({ post: refuse, listen: () => {}, close: () => {} });
}

function processIo(): CliStreams {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    progressBars: process.stderr.isTTY === true || process.env.TWEEDIE_PROGRESS === '1',
    columns: process.stderr.columns,
  };
}

/** Runs one command line; returns the exit status. `registry` replaces the command list (tests). */
export async function main(argv: readonly string[], io: CliStreams = processIo(), registry?: readonly CliCommand[]): Promise<number> {
  const err = (line: string): void => io.stderr(`tweedie: ${line}\n`);
  let engine: EngineClient | undefined;
  const jsonAnywhere = argv.includes('--json');
  const restoreConsole = jsonAnywhere ? routeConsoleToStderr(io) : () => {};
  let label = '';
  try {
    const backendArg = peekBackend(argv);
    let gpuNote: string | undefined;
    // `bench` times every backend that starts, WebGPU in Node (Dawn) included when an adapter comes up.
    if (backendArg === 'webgpu' || splitCommandWords(argv).words[0] === 'bench') {
      const { installNodeWebGpu, NODE_WEBGPU_HINT } = await import('./nodeWebGpu.ts');
      gpuNote = (await installNodeWebGpu()) ?? NODE_WEBGPU_HINT;
    }
    const commands = registry ?? (await import('./commands/index.ts')).commands;
    const { words, rest } = splitCommandWords(argv);
    if (words[0] === 'help') {
      const found = findCommand(commands, words.slice(1));
      io.stdout((found ? commandHelp(found.command) : globalHelp(commands)) + '\n');
      return 0;
    }
    const found = findCommand(commands, words);
    if (!found) {
      if (words.length === 0) {
        if (rest.some((a) => a === '--help')) {
          io.stdout(globalHelp(commands) + '\n');
          return 0;
        }
        if (rest.length === 0) {
          io.stderr(globalHelp(commands) + '\n');
          return 2;
        }
        throw new UsageError(`no command given before ${rest[0]}; see tweedie --help`);
      }
      const group = commands.filter((c) => c.name.startsWith(words[0] + ' ')).map((c) => c.name);
      if (group.length > 0) throw new UsageError(`unknown command "${words.join(' ')}" (did you mean ${group.join(', ')}?)`);
      const known = commands.map((c) => c.name).sort().join(', ');
      throw new UsageError(`unknown command "${words.join(' ')}" (commands: ${known}); see tweedie --help`);
    }
    const { command } = found;
    const subcommands = commands.filter((c) => c.name.startsWith(command.name + ' ')).map((c) => c.name);
    if (found.used < words.length && subcommands.length > 0) {
      throw new UsageError(`unknown command "${words.join(' ')}" (did you mean ${subcommands.join(', ')}?)`);
    }
    label = command.name;
    for (const name of Object.keys(command.flags)) {
      if (name in GLOBAL_FLAGS) throw new Error(`command "${command.name}" redefines the global flag --${name}`);
    }
    const positionalWords = words.slice(found.used);
    const { flags, positional } = parseFlags(rest, { ...GLOBAL_FLAGS, ...command.flags });
    if (flags.help) {
      io.stdout(commandHelp(command) + '\n');
      return 0;
    }
    const out = new StreamOutput(flags.json === true, io);
    liftBudgets(flags['lift-budgets'] === true);

    const client = command.usesEngine === false ? idleEngine(command.name) : await startEngine(flags.backend as CliBackend | undefined, gpuNote, out);
    engine = client;
    await command.run(flags as ParsedFlags, client, out, [...positionalWords, ...positional]);
    out.clearBar();
    return 0;
  } catch (e) {
    const where = label ? `${label}: ` : '';
    if (e instanceof UsageError) {
      err(`${where}${e.message}`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    err(`${where}${(e as { cancelled?: boolean }).cancelled ? 'cancelled' : 'error: ' + message.split('\n')[0]}`);
    if (process.env.TWEEDIE_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return 1;
  } finally {
    liftBudgets(false);
    engine?.close();
    restoreConsole();
  }
}

/** Sends console.log/info/debug to stderr, so that only the JSON result reaches stdout. */
function routeConsoleToStderr(io: CliStreams): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toErr = (...args: unknown[]): void => io.stderr(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ') + '\n');
  console.log = toErr;
  console.info = toErr;
  console.debug = toErr;
  return () => Object.assign(console, saved);
}

/** The process entry (bin.mjs, gpu.ts): runs, flushes stdout, exits with the status. */
export async function runCli(argv: readonly string[]): Promise<void> {
  const code = await main(argv);
  // Dawn and the WASM runtime can keep the event loop alive: exit explicitly once stdout is flushed.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
