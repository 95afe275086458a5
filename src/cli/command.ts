/**
 * What a `tweedie` subcommand declares. `run` gets parsed flags and an output channel; it prints JSON with
 * `out.json(value)` when `--json` is set and human text otherwise, and reports progress on stderr.
 */
import type { EngineClient } from '../engine/client.ts';
import type { FlagSpecs, ParsedFlags } from './args.ts';

export interface CliOutput {
  /** True when the user asked for JSON on stdout. */
  readonly jsonMode: boolean;
  /**
   * Prints the command's result: JSON (jsonMode) or the human text returned by `text`. Throws, printing nothing,
   * when `value` holds a non-finite number (the output contract: no null where a number is promised).
   */
  result(value: unknown, text: () => string): void;
  /** A progress bar on stderr (no-op when stderr is not a terminal and not forced). */
  progress(fraction: number, label?: string): void;
  /** A line of information on stderr. */
  info(line: string): void;
}

export interface CliCommand {
  /** e.g. "train" or "energy train" (space-separated subcommands). */
  name: string;
  summary: string;
  flags: FlagSpecs;
  /** false: the command never uses the engine, so the CLI does not start tfjs for it (faster). Default true. */
  usesEngine?: boolean;
  /** Runs the command against the in-process engine (already initialised on the chosen backend). */
  run(flags: ParsedFlags, engine: EngineClient, out: CliOutput, positional: string[]): Promise<void>;
}
