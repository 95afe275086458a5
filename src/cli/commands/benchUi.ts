/**
 * `tweedie bench-ui` (`npm run bench:ui`): the UI benchmark of `src/cli/bench/ui.ts` on the production build, idle and
 * with busy background processes; with `--baseline REF`, the same scenarios on a build of that git commit in the
 * same run, and the ratios (baseline / this build for latencies, this build / baseline for rates).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { machineInfo } from '../bench/report.ts';
import { busyProcesses, launchBenchChromium, renderPaths, UI_SCENARIOS, type RenderPathResult, type UiLab, type UiScenarioResult } from '../bench/ui.ts';
import { findChromium } from '../chromium.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'tweedie-bench-ui');

/** Builds the working tree (or, with `ref`, that commit in a git worktree sharing node_modules) into its own folder. */
async function buildAt(ref: string | null, log: (l: string) => void): Promise<string> {
  const vite = (await import('vite')) as typeof import('vite');
  let root = ROOT;
  const outDir = join(CACHE, ref ? `baseline-${ref.replace(/[^\w.-]/g, '_')}` : 'current');
  if (ref) {
    root = join(CACHE, 'worktree');
    rmSync(root, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'prune'], { cwd: ROOT });
    try {
      execFileSync('git', ['worktree', 'add', '--detach', '--force', root, ref], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      throw new UsageError(`--baseline: "${ref}" is not a commit of this repository (try a hash from git log, or HEAD~3)`);
    }
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  }
  log(`bench-ui: building ${ref ?? 'the working tree'} into ${outDir}`);
  try {
    await vite.build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', clearScreen: false, build: { outDir, emptyOutDir: true } });
  } finally {
    if (ref) execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: ROOT });
  }
  return outDir;
}

async function serve(outDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const vite = (await import('vite')) as typeof import('vite');
  const server = await vite.preview({ root: ROOT, logLevel: 'error', clearScreen: false, build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const addr = server.httpServer.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.httpServer.close(() => r())) };
}

const fmt = (v: number | undefined): string => (v === undefined ? '–' : String(v));

/** before / after of a latency (how many times faster) or after / before of a rate. */
function ratio(before: number | undefined, after: number | undefined, higherIsBetter: boolean): string {
  if (before === undefined || after === undefined || before === 0 || after === 0) return '';
  return ` (×${(higherIsBetter ? after / before : before / after).toFixed(1)})`;
}

function markdown(rows: { build: string; r: UiScenarioResult }[], baseline: string | null): string {
  const head = '| lab | load | build | fps | steps/s | click p50 / p95 ms | drag p50 / p95 ms | longest task ms | long-task share | plot errors |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(({ build, r }) => {
    const before = baseline && build === 'this build' ? rows.find((x) => x.build === 'baseline' && x.r.lab === r.lab && x.r.load === r.load)?.r : undefined;
    return `| ${r.lab} | ${r.load} | ${build} | ${fmt(r.fps)}${ratio(before?.fps, r.fps, true)} | ${fmt(r.stepsPerSec)}${ratio(before?.stepsPerSec, r.stepsPerSec, true)} | ${fmt(r.clickP50)} / ${fmt(r.clickP95)}${ratio(before?.clickP95, r.clickP95, false)} | ${fmt(r.dragP50)} / ${fmt(r.dragP95)}${ratio(before?.dragP95, r.dragP95, false)} | ${fmt(r.longestTaskMs)}${ratio(before?.longestTaskMs, r.longestTaskMs, false)} | ${r.longTaskShare} | ${r.plotErrors.length} |`;
  });
  return [head, ...lines].join('\n');
}

export const benchUiCommand: CliCommand = {
  name: 'bench-ui',
  summary: 'UI benchmark in headless Chromium: live-view fps, click-to-paint, longest task, drag latency; idle and loaded',
  usesEngine: false,
  flags: {
    labs: { type: 'list', help: `labs to measure (${Object.keys(UI_SCENARIOS).join(', ')})`, default: Object.keys(UI_SCENARIOS).join(',') },
    load: { type: 'int', help: 'busy background processes in the loaded runs (0: idle runs only)', default: 2, min: 0, max: 64 },
    seconds: { type: 'number', help: 'measured seconds per scenario', default: 8, min: 1, max: 600 },
    baseline: { type: 'string', help: 'also measure a build of this git commit (e.g. a commit before a change), in the same run' },
    chromium: { type: 'string', help: 'Chromium executable (default: $CHROMIUM_PATH or /usr/bin/chromium)' },
    out: { type: 'string', help: 'write the report (JSON) to this file, and its markdown table beside it (.md)' },
  },
  async run(flags, _engine, out) {
    const rawLabs = flags.labs as string[] | string;
    const labs = (Array.isArray(rawLabs) ? rawLabs : rawLabs.split(',')).map((l) => {
      if (!(l in UI_SCENARIOS)) throw new UsageError(`--labs: unknown lab "${l}" (known: ${Object.keys(UI_SCENARIOS).join(', ')})`);
      return l as UiLab;
    });
    const chromium = (flags.chromium as string | undefined) ?? findChromium();
    if (!chromium) throw new UsageError('no Chromium found; install it (Debian: apt-get install chromium) or pass --chromium PATH');
    const machine = machineInfo();
    const baselineRef = (flags.baseline as string | undefined) ?? null;
    const builds: { name: string; dir: string }[] = [];
    if (baselineRef) builds.push({ name: 'baseline', dir: await buildAt(baselineRef, (l) => out.info(l)) });
    builds.push({ name: 'this build', dir: await buildAt(null, (l) => out.info(l)) });
    const servers = await Promise.all(builds.map((b) => serve(b.dir)));
    const browser = await launchBenchChromium(chromium);
    const rows: { build: string; r: UiScenarioResult }[] = [];
    let paths: RenderPathResult | undefined;
    const loads = (flags.load as number) > 0 ? [0, flags.load as number] : [0];
    try {
      out.info('bench-ui: render paths of one chain panel (idle)');
      paths = await renderPaths(browser, servers[servers.length - 1].url);
      out.info(`  ${JSON.stringify(paths)}`);
      for (const load of loads) {
        const busy = busyProcesses(load);
        try {
          for (const lab of labs) {
            for (let b = 0; b < builds.length; b++) {
              out.info(`bench-ui: ${lab}, load ${load}, ${builds[b].name}`);
              const r = await UI_SCENARIOS[lab]({ browser, baseUrl: servers[b].url, load, seconds: flags.seconds as number });
              out.info(`  ${JSON.stringify(r)}`);
              rows.push({ build: builds[b].name, r });
            }
          }
        } finally {
          busy.stop();
        }
      }
    } finally {
      await browser.close();
      await Promise.all(servers.map((s) => s.close()));
    }
    const report = { date: new Date().toISOString(), machine, chromium: browser.version(), baseline: baselineRef, seconds: flags.seconds, renderPaths: paths, rows };
    const table =
      markdown(rows, baselineRef) +
      (paths ? `\n\nOne chain panel update (median ms, paint excluded): Plotly.react ${paths.react}, Plotly.restyle ${paths.restyle}, canvas layer ${paths.canvas}.` : '');
    if (flags.out) {
      const file = flags.out as string;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
      writeFileSync(file.replace(/\.json$/, '') + '.md', table + '\n');
    }
    out.result(report, () => table);
  },
};
