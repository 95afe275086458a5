/**
 * Plot spec of a benchmark result: median ms per step of each task, one series per backend, log axis.
 * Pure (unit-tested); drawn by `PlotlyPanel` in the backend panel.
 */
import type { BenchMeasurement, BenchResult } from '../../engine/jobs/benchResult.ts';
import type { PlotSpec } from './spec.ts';

const COLORS: Record<string, string> = { webgpu: '#2a4d8f', wasm: '#c0392b', webgl: '#27ae60', cpu: '#7f8c8d' };

/** Short axis label of a measurement, e.g. "train 512", "WASM train 512" or "Langevin 10k". */
export function benchLabel(m: Pick<BenchMeasurement, 'task' | 'size'>): string {
  const size = m.size >= 1000 && m.size % 1000 === 0 ? `${m.size / 1000}k` : String(m.size);
  const kernels = m.task.startsWith('fused-') ? 'fused ' : m.task.startsWith('wasm-') ? 'WASM ' : '';
  return `${kernels}${m.task.endsWith('train-step') ? 'train' : 'Langevin'} ${size}`;
}

export function benchSpec(result: BenchResult): PlotSpec {
  const data: PlotSpec['data'] = result.results
    .filter((r) => r.measurements.length > 0)
    .map((r) => ({
      type: 'scatter',
      mode: 'markers',
      name: r.backend,
      x: r.measurements.map(benchLabel),
      y: r.measurements.map((m) => m.msPerStep),
      marker: { size: 11, color: COLORS[r.backend] ?? '#333' },
      hovertemplate: `${r.backend}<br>%{x}: %{y:.3g} ms/step<extra></extra>`,
    }));
  return {
    data,
    layout: {
      showlegend: true,
      legend: { orientation: 'h', y: -0.25 },
      yaxis: { type: 'log', title: { text: 'ms per step' } },
      xaxis: { type: 'category' },
      margin: { l: 56, r: 12, t: 8, b: 56 },
    },
  };
}
