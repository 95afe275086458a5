/** The CLI flag parser: every malformed command line is refused with a one-line reason. */
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError, type FlagSpecs } from '../../../src/cli/args.ts';

const SPECS: FlagSpecs = {
  json: { type: 'boolean', help: 'JSON' },
  sigma: { type: 'number', help: 'noise', default: 0.5, min: 0, max: 10 },
  steps: { type: 'int', help: 'steps', default: 100, min: 1 },
  sampler: { type: 'string', help: 'sampler', choices: ['langevin', 'ozaki'] },
  at: { type: 'string', help: 'point', repeat: true },
  sizes: { type: 'int', help: 'sizes', repeat: true },
  backends: { type: 'list', help: 'list' },
};

function reason(argv: string[]): string {
  try {
    parseFlags(argv, SPECS);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseFlags', () => {
  it('fills defaults and reads --name value, --name=value and bare booleans', () => {
    expect(parseFlags([], SPECS).flags).toEqual({ sigma: 0.5, steps: 100 });
    const { flags, positional } = parseFlags(['file.json', '--sigma', '0.25', '--steps=7', '--json', '--sampler', 'ozaki'], SPECS);
    expect(flags).toEqual({ sigma: 0.25, steps: 7, json: true, sampler: 'ozaki' });
    expect(positional).toEqual(['file.json']);
    expect(parseFlags(['--json=false'], SPECS).flags.json).toBe(false);
  });

  it('refuses an unknown flag, naming the known ones', () => {
    expect(reason(['--frobnicate'])).toMatch(/^unknown flag --frobnicate \(known: --json, --sigma/);
  });

  it('refuses a bad number, a non-integer, out-of-range values and a missing value', () => {
    expect(reason(['--sigma', 'abc'])).toBe('--sigma needs a number, got "abc" (a plain decimal such as 0.5 or 1e-3; no hex, letters or Infinity)');
    expect(reason(['--sigma', ''])).toBe('--sigma needs a number, got "" (a plain decimal such as 0.5 or 1e-3; no hex, letters or Infinity)');
    expect(reason(['--steps', '2.5'])).toBe('--steps needs an integer, got "2.5"');
    expect(reason(['--sigma', '-1'])).toBe('--sigma must be >= 0, got -1');
    expect(reason(['--sigma=11'])).toBe('--sigma must be <= 10, got 11');
    expect(reason(['--steps', '0'])).toBe('--steps must be >= 1, got 0');
    expect(reason(['--sigma'])).toBe('--sigma needs a value');
    expect(reason(['--json=maybe'])).toMatch(/--json takes no value/);
  });

  it('refuses a value outside the choices, listing them', () => {
    expect(reason(['--sampler', 'mala'])).toBe('--sampler must be one of langevin, ozaki; got "mala"');
  });

  it('collects repeatable flags in order and refuses a non-repeatable flag given twice', () => {
    expect(parseFlags(['--at', '0,1', '--at', '2,3'], SPECS).flags.at).toEqual(['0,1', '2,3']);
    expect(parseFlags(['--sizes', '3', '--sizes=5'], SPECS).flags.sizes).toEqual([3, 5]);
    expect(reason(['--sizes', 'x'])).toBe('--sizes needs an integer, got "x" (a plain decimal such as 12; no hex, letters or Infinity)');
    expect(reason(['--steps', '1', '--steps', '2'])).toBe('--steps given twice');
  });

  it('splits lists on commas, trimming blanks, and refuses an empty list', () => {
    expect(parseFlags(['--backends', 'wasm, cpu,,'], SPECS).flags.backends).toEqual(['wasm', 'cpu']);
    expect(reason(['--backends', ' , '])).toMatch(/--backends needs a comma-separated list/);
  });
});
