/** Runs the `tweedie` CLI's `main` in-process with captured output (shared by the CLI tests). */
import { main } from '../../src/cli/main.ts';
import type { CliStreams } from '../../src/cli/output.ts';

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliStreams = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), progressBars: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
