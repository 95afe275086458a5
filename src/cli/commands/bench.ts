/**
 * `tweedie bench`: ms per training step (2-128-128-2 softplus MLP, batch 512, Adam, DSM) and per Langevin
 * step (1k and 10k chains) on every available backend, in Node and, with --browser, in headless Chromium.
 * `npm run bench` = `tweedie bench --out bench/results.json --browser`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedFlag, strictNumber, UsageError } from '../args.ts';
import type { CliCommand } from '../command.ts';
import type { BenchParams, BenchProgress } from '../../engine/jobs/benchResult.ts';
import { BACKEND_NAMES, type BackendName } from '../../engine/protocol.ts';
import { machineInfo, markdownTable, type BenchReport } from '../bench/report.ts';
import { runBrowserBench } from '../bench/browser.ts';
import { findChromium } from '../chromium.mjs';
import { setDigitsFetcher } from '../../engine/jobs/digits.ts';
import { fileFetcher } from '../../models/digits/weightsNode.ts';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), '../../../public');

/** The digit a bench stroke posts: the Digits lab's opening digit, gallery entry 4 (an MNIST test 4). */
function benchDigit(): NonNullable<BenchParams['digits']> {
  const at = 4;
  const meta = JSON.parse(readFileSync(join(PUBLIC, 'mnist-gallery.json'), 'utf8')) as { file: string; labels: number[]; testIndices: number[] };
  const pixels = readFileSync(join(PUBLIC, meta.file)).subarray(at * 784, (at + 1) * 784);
  return { image: Array.from(pixels, (v) => v / 255), digit: `MNIST test #${meta.testIndices[at]} (a ${meta.labels[at]})` };
}

function progressLabel(where: string, p: BenchProgress): string {
  const what = p.task === 'digits-stroke' ? 'Digits stroke' : p.task.endsWith('train-step') ? 'train step' : 'Langevin step';
  return `${where} ${p.backend}: ${what} (${p.size})`;
}

/** Most chains of one timed Langevin step. */
const MAX_BENCH_CHAINS = 1_000_000;

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'time a training step and a Langevin step on every backend (Node, and headless Chromium with --browser)',
  flags: {
    backends: { type: 'list', help: `backends to time, in Node and Chromium (${BACKEND_NAMES.join(', ')}; default: all available; in Node, --backend alone narrows it to that one)` },
    chains: { type: 'list', help: `chain counts of the Langevin step (each in [1, ${MAX_BENCH_CHAINS}])`, default: '1000,10000' },
    batch: { type: 'int', help: 'training batch size', default: 512, min: 1, max: 65536 },
    budget: { type: 'number', help: 'time budget of one measurement, ms (more runs fit on fast backends)', default: 3000, min: 0, max: 600000 },
    runs: { type: 'int', help: 'at least this many timed runs per measurement', default: 3, min: 1, max: 1000 },
    seed: seedFlag('seed of weights, data and noise', 0),
    browser: { type: 'boolean', help: 'also run the bench in headless Chromium (builds the app, serves it on 127.0.0.1)' },
    'no-build': { type: 'boolean', help: 'with --browser: reuse the previous bench build (node_modules/.cache/tweedie-bench)' },
    'no-digits': { type: 'boolean', help: 'skip the Digits-stroke measurement (the Digits lab\'s posterior on a fixed MNIST digit)' },
    chromium: { type: 'string', help: 'Chromium executable (default: $CHROMIUM_PATH or /usr/bin/chromium)' },
    out: { type: 'string', help: 'write the full report (JSON) to this file, and its markdown table beside it (.md)' },
  },
  async run(flags, engine, out) {
    const listed = flags.backends as string[] | undefined;
    for (const b of listed ?? []) {
      if (!BACKEND_NAMES.includes(b as BackendName)) throw new UsageError(`--backends: unknown backend "${b}" (known: ${BACKEND_NAMES.join(', ')})`);
    }
    const rawChains = flags.chains;
    const chains = (Array.isArray(rawChains) ? rawChains : String(rawChains).split(',')).map((s) => strictNumber('--chains', String(s), { type: 'int', min: 1, max: MAX_BENCH_CHAINS }));
    const chromium = flags.browser ? ((flags.chromium as string | undefined) ?? findChromium()) : undefined;
    if (flags.browser && !chromium) throw new UsageError('--browser: no Chromium found; install it (Debian: apt-get install chromium) or pass --chromium PATH');

    const params: BenchParams = {
      batch: flags.batch as number,
      chains,
      budgetMs: flags.budget as number,
      minRuns: flags.runs as number,
      maxRuns: Math.max(15, flags.runs as number),
      seed: flags.seed as number,
      ...(flags['no-digits'] ? {} : { digits: benchDigit() }),
    };
    const nodeBackends = (listed as BackendName[] | undefined) ?? (flags.backend ? [flags.backend as BackendName] : undefined);
    const machine = machineInfo(); // before the bench loads the machine itself
    out.info(`bench: Node, backends ${nodeBackends?.join(', ') ?? 'all available'} (load average ${machine.loadAverage} on ${machine.cores} cores)`);
    // Node reads the Digits models from public/models; the browser run fetches them from the served app.
    setDigitsFetcher(fileFetcher(join(PUBLIC, 'models')));
    const node = await engine
      .run('bench', { ...params, ...(nodeBackends ? { backends: nodeBackends } : {}) }, { onProgress: (p) => out.progress(p.fraction, progressLabel('node', p)) })
      .finally(() => setDigitsFetcher(undefined));
    out.progress(1);
    const report: BenchReport = { date: new Date().toISOString(), machine, params: { ...params }, node };
    if (chromium) {
      try {
        report.browser = await runBrowserBench({
          params: { ...params, ...(listed ? { backends: listed as BackendName[] } : {}) },
          chromium,
          build: !flags['no-build'],
          onProgress: (p) => out.progress(p.fraction, progressLabel('chromium', p)),
          log: (line) => out.info(line),
        });
        out.progress(1);
      } catch (e) {
        const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
        out.info(`bench: the browser run failed: ${message}`);
        report.browser = { chromium: 'unknown', error: message };
      }
    }
    if (flags.out) {
      const file = flags.out as string;
      const md = file.replace(/(\.json)?$/i, '.md');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
      writeFileSync(md, markdownTable(report) + '\n');
      out.info(`bench: wrote ${file} and ${md}`);
    }
    out.result(report, () => markdownTable(report));
    if (report.browser?.error) throw new Error(`the browser run failed: ${report.browser.error}`);
  },
};
