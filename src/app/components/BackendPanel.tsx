/**
 * The backend badge in the top bar and the panel it opens: what the engine runs on (and why, when it is
 * not the preferred backend), the `?backend=` override, and a benchmark job with progress and cancel.
 */
import { useEffect, useMemo, useState } from 'react';
import { BACKEND_CHOICES, type BackendChoice } from '../state/url.ts';
import { useEngine, type EngineSnapshot } from '../engine.ts';
import type { BackendInfo } from '../../engine/protocol.ts';
import { useJob } from '../useJob.ts';
import { measurementKey } from '../../engine/jobs/benchResult.ts';
import { PlotlyPanel } from '../plot/PlotlyPanel.tsx';
import { benchSpec } from '../plot/benchSpec.ts';

function badgeText(e: EngineSnapshot): string {
  if (e.status === 'error') return 'engine error';
  if (!e.info) return 'starting…';
  return e.info.deviceLost ? `${e.info.name.toUpperCase()} — WebGPU device lost` : e.info.name.toUpperCase();
}

/** The badge's short device text: WASM shows its thread count (the title and the panel say why it is one). */
function badgeDevice(info: BackendInfo): string {
  if (info.name !== 'wasm' || info.threads === undefined) return info.adapter;
  return `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
}

export function BackendBadge({ open, onToggle }: { open: boolean; onToggle(): void }) {
  const e = useEngine();
  const info = e.info;
  const title = e.error ?? (info ? `${info.name}: ${info.adapter}${info.notice ? `\n${info.notice}` : ''}${info.measured ? `\nStart-up timing: ${info.measured}` : ''}` : 'The engine is starting');
  return (
    <button
      type="button"
      className={`backend-badge status-${e.status}${info?.notice ? ' has-notice' : ''}`}
      data-testid="backend-badge"
      data-status={e.status}
      data-backend={info?.name ?? ''}
      data-adapter={info?.adapter ?? ''}
      data-threads={info?.threads ?? ''}
      data-notice={info?.notice ?? ''}
      data-device-lost={info?.deviceLost ?? ''}
      data-backend-info={info ? JSON.stringify(info) : ''}
      aria-expanded={open}
      aria-haspopup="dialog"
      title={title}
      onClick={onToggle}
    >
      <span className="badge-name">{badgeText(e)}</span>
      {info && <span className="badge-adapter">{badgeDevice(info)}</span>}
      {info?.notice && (
        <span className="badge-notice" aria-label={info.notice}>
          i
        </span>
      )}
    </button>
  );
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function BackendPanel({
  backend,
  seed,
  onBackend,
  onClose,
}: {
  backend: BackendChoice;
  seed: number;
  onBackend(b: BackendChoice): void;
  onClose(): void;
}) {
  const e = useEngine();
  const bench = useJob('bench');
  const [all, setAll] = useState(false);
  const running = bench.status === 'running';
  const p = bench.progress;
  const result = bench.result;
  const spec = useMemo(() => (result ? benchSpec(result) : null), [result]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => ev.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="backend-panel" role="dialog" aria-label="Compute backend" data-testid="backend-panel">
      <div className="panel-head">
        <h2>Compute backend</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {e.info && (
        <p>
          Running on <strong>{e.info.name}</strong>: {e.info.adapter}.
        </p>
      )}
      {e.status === 'starting' && <p>The engine is starting…</p>}
      {e.info?.notice && (
        <p className="backend-notice" data-testid="backend-notice">
          {e.info.notice}.
        </p>
      )}
      {e.info?.measured && <p className="hint" data-testid="backend-measured">Start-up timing: {e.info.measured}.</p>}
      {e.error && <p className="error-text">{e.error}</p>}
      <label className="field">
        <span>Backend (part of the link)</span>
        <select value={backend} onChange={(ev) => onBackend(ev.target.value as BackendChoice)} data-testid="backend-select">
          {BACKEND_CHOICES.map((b) => (
            <option key={b} value={b}>
              {b === 'auto' ? 'automatic (best available)' : b}
            </option>
          ))}
        </select>
      </label>
      <p className="hint">Changing it restarts the engine: trained models in memory are discarded.</p>

      <h3>Benchmark</h3>
      <p className="hint">
        Times one Adam step of the 2-128-128-2 MLP (batch 512) and one Langevin step of 1k and 10k chains{all ? ' on every backend' : ' on this backend'}, tfjs op by op, and next to them the
        kernels the labs use instead (the WebAssembly training step on wasm; the fused training and Langevin steps on webgpu).
      </p>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(ev) => setAll(ev.target.checked)} disabled={running} /> all backends
      </label>
      <div className="row">
        <button
          type="button"
          data-testid="bench-run"
          disabled={running || e.status !== 'ready'}
          // The chains engines outside tfjs are left to `npm run bench`: timing them here would double the wait.
          onClick={() => void bench.run({ seed, budgetMs: 2000, cpuSamplers: false, ...(all || !e.info ? {} : { backends: [e.info.name] }) })}
        >
          Run benchmark
        </button>
        <button type="button" data-testid="bench-cancel" disabled={!running} onClick={bench.cancel}>
          Cancel
        </button>
      </div>
      {running && (
        <div className="job-progress" data-testid="bench-progress" data-fraction={p?.fraction ?? 0}>
          <progress max={1} value={p?.fraction ?? 0} />
          <span>{p ? `${p.backend}: ${p.task} (${p.size})` : 'starting…'}</span>
        </div>
      )}
      <p className="job-status" data-testid="bench-status" data-status={bench.status}>
        {bench.status === 'cancelled' && 'Benchmark cancelled.'}
        {bench.status === 'error' && `Benchmark failed: ${bench.error}`}
        {bench.status === 'done' && 'Benchmark done (median ms per step).'}
      </p>
      {spec && !running && <PlotlyPanel spec={spec} height={220} label="Benchmark: ms per step by backend" />}
      {bench.result && !running && (
        <table className="bench-table" data-testid="bench-result">
          <thead>
            <tr>
              <th>backend</th>
              <th>task</th>
              <th>ms / step</th>
              <th>× fastest</th>
            </tr>
          </thead>
          <tbody>
            {bench.result.results.flatMap((r) =>
              r.error
                ? [
                    <tr key={r.backend}>
                      <td>{r.backend}</td>
                      <td colSpan={3}>{r.error}</td>
                    </tr>,
                  ]
                : r.measurements.map((m) => (
                    <tr key={`${r.backend}-${measurementKey(m)}`}>
                      <td>{r.backend}</td>
                      <td>
                        {m.task} ({m.size})
                      </td>
                      <td>{fmtMs(m.msPerStep)}</td>
                      <td>
                        {m.speedupOverOpByOp !== undefined
                          ? `${m.speedupOverOpByOp.toFixed(1)}× faster than op by op`
                          : (bench.result?.ratios[measurementKey(m)]?.[r.backend]?.toFixed(2) ?? '')}
                      </td>
                    </tr>
                  )),
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
