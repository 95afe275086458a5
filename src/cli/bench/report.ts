/**
 * The bench report: machine description, the combined Node + browser results (bench/results.json), and the
 * markdown table for the README.
 */
import os from 'node:os';
import { measurementKey, type BenchMeasurement, type BenchResult } from '../../engine/jobs/benchResult.ts';

export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1-minute load average when the bench started: other work on the machine skews the timings. */
  loadAverage: number;
}

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  /** Parameters the bench job ran with. */
  params: Record<string, unknown>;
  node: BenchResult;
  browser?: {
    chromium: string;
    /** The WebGPU adapter Chromium exposed (vendor, architecture, description; fallback flag). */
    webgpuAdapter?: string;
    result?: BenchResult;
    error?: string;
  };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** One markdown row per backend and environment: ms per step (and ×, the ratio to the fastest backend of that run). */
export function markdownTable(report: BenchReport): string {
  const runs: [string, BenchResult][] = [['Node', report.node]];
  if (report.browser?.result) runs.push([`Chromium ${report.browser.chromium.split('.')[0]}`, report.browser.result]);
  const keys = [...new Set(runs.flatMap(([, r]) => [...r.results, ...(r.engines ?? [])].flatMap((b) => b.measurements.map(measurementKey))))];
  const samplerName: Record<string, string> = { 'langevin-step': 'Langevin', 'ozaki-step': 'Ozaki', 'ozaki-full-step': 'full Ozaki', 'mala-step': 'MALA', 'fused-langevin-step': 'fused Langevin' };
  const title = (key: string): string => {
    const [task, size] = key.split('@');
    const n = Number(size);
    if (task === 'train-step' || task === 'fused-train-step' || task === 'wasm-train-step') return `${{ 'train-step': '', 'fused-train-step': 'fused ', 'wasm-train-step': 'WASM-kernel ' }[task]}train step, batch ${n}`;
    return `${samplerName[task] ?? task} step, ${n >= 1000 ? `${n / 1000}k` : n} chains`;
  };
  /** Dispatches per step and the fused or WASM kernels' speed-up over the op-by-op step of the same run, when measured. */
  const extras = (m: BenchMeasurement): string =>
    [m.speedupOverOpByOp !== undefined ? `${m.speedupOverOpByOp.toFixed(1)}× op by op` : '', m.dispatchesPerStep !== undefined ? `${m.dispatchesPerStep >= 10 ? Math.round(m.dispatchesPerStep) : +m.dispatchesPerStep.toPrecision(2)} dispatches` : '']
      .filter(Boolean)
      .join(', ');
  const lines = [
    `| where | backend | device | ${keys.map(title).join(' | ')} |`,
    `|---|---|---|${keys.map(() => '---:').join('|')}|`,
  ];
  for (const [where, r] of runs) {
    for (const b of r.results) {
      const cells = keys.map((key) => {
        const m = b.measurements.find((x) => measurementKey(x) === key);
        const ratio = r.ratios[key]?.[b.backend];
        if (!m) return '–';
        const notes = [ratio !== undefined && !m.task.startsWith('fused-') && !m.task.startsWith('wasm-') ? `${ratio.toFixed(1)}×` : '', extras(m)].filter(Boolean).join('; ');
        return `${fmtMs(m.msPerStep)} ms${notes ? ` (${notes})` : ''}`;
      });
      lines.push(`| ${where} | ${b.backend} | ${b.adapter || 'not available'} | ${cells.join(' | ')} |`);
    }
    // Chains engines outside tfjs (typed arrays): no ratio, they are not tfjs backends.
    for (const e of r.engines ?? []) {
      const cells = keys.map((key) => {
        const m = e.measurements.find((x) => measurementKey(x) === key);
        return m ? `${fmtMs(m.msPerStep)} ms` : '–';
      });
      lines.push(`| ${where} | ${e.engine} engine | ${e.device} | ${cells.join(' | ')} |`);
    }
  }
  const strokes = runs.flatMap(([where, r]) => {
    const d = r.digitsStroke;
    if (d) {
      const on = `${d.backend}${d.threads !== undefined ? `, ${d.threads} thread${d.threads === 1 ? '' : 's'}` : ''}`;
      return [`${where} (${on}): ${fmtMs(d.msPerStroke)} ms (networks ${fmtMs(d.msNetworks)}, eigen-solver ${fmtMs(d.msEigen)}, classifier ${fmtMs(d.msClassifier)}; ${d.runs.length} stroke${d.runs.length === 1 ? '' : 's'})`];
    }
    return r.digitsError ? [`${where}: failed (${r.digitsError})`] : [];
  });
  const stroke = runs.map(([, r]) => r.digitsStroke).find(Boolean);
  if (strokes.length) {
    const what = stroke ? `${stroke.digit}, σ = ${stroke.sigma}, k = ${stroke.k}, ${stroke.samples} samples` : 'not measured';
    lines.push('', `Digits posterior per stroke, median (the Digits lab's defaults: ${what}): ${strokes.join('; ')}.`);
  }
  const m = report.machine;
  lines.push(
    '',
    `Median ms per step (× = ratio to the fastest backend in the same run). Machine: ${m.cpu}, ${m.cores} cores, ` +
      `${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, load average ${m.loadAverage}` +
      (report.browser ? `, Chromium ${report.browser.chromium}` : '') +
      `, tfjs ${report.node.tfjsVersion}; ${report.date.slice(0, 10)}.`,
  );
  return lines.join('\n');
}
