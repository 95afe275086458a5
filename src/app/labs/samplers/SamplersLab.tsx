/**
 * The Samplers lab (issue 5; MATH.md section 3; paper 1, Sec. 6 and App. E): two samplers side by side over the
 * target's contours, from the same initial points with the same noise; each panel's step size acts at once while
 * running; traces, autocorrelation, marginals and a metrics strip per sampler; a step-size sweep (min-ESS against
 * ε) whose best steps are applied; the same-step comparison (distance to the target against iteration).
 *
 * The chains live in the engine (session "samplers"); this component only sends advance / configure / reset
 * requests and draws what comes back, one animation frame per answer.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { blurredDensity, getDensity } from '../../../core/densities/index.ts';
import type { PanelDiagnostics, PanelFrame, PanelPatch, SamplerStartResult, ScoreSource, SweepCurve } from '../../../engine/jobs/samplers.ts';
import type { RunFile } from '../../../engine/jobs/train.ts';
import { BoolControl, EnumControl, NumberControl } from '../../components/controls.tsx';
import { engine, useEngine } from '../../engine.ts';
import { frames as frameScheduler } from '../../plot/frameScheduler.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import { useJob } from '../../useJob.ts';
import type { LabProps } from '../types.ts';
import { DEFAULT_MAX_WHITENED_ERROR } from '../../../samplers/metrics.ts';
import { downloadText } from '../../export/files.ts';
import { chainsCsv, chainsJson, metricsCsv, metricsJson, samplersFileName, sweepCsv, type SamplersExport } from './exports.ts';
import { samplersParams, SAMPLER_NAMES } from './params.ts';
import { acfSpec, chainPanelSpec, distanceSpec, histSpec, METRIC_HINTS, metricsRows, PANEL_COLORS, sweepSpec, targetContour, traceSpec } from './plots.ts';
import { useSpaceToggle } from '../../components/useSpaceToggle.ts';
import './samplers.css';

/** Where the engine runs the chains (`SamplerStartResult.engine`, samplers/createChains.ts), for the hint under the controls. */
const CHAINS_ENGINE_TEXT: Record<string, string> = {
  cpu: 'on typed arrays in the engine worker (exact scores on WASM: no tfjs op per step)',
  'cpu-simd': 'in a WebAssembly SIMD kernel in the engine worker (exact 2-D mixture scores: four chains per instruction, no tfjs op per step; long runs on every core)',
  tfjs: 'as tfjs ops on the engine\u2019s backend (the reference implementation)',
  'webgpu-fused': 'as fused WebGPU kernels (one dispatch per step)',
};

const KEY = 'samplers';
const TRAIL_CHAINS = 40;
const TRAIL_LENGTH = 16;
/**
 * Diagnostics (ESS, histograms, autocorrelation) are refreshed at most this often while running, and at most a fifth
 * of the time: they share the worker with the chains (over a full window they take a few hundred ms on a 2-core
 * machine), and every ms they take is a ms the animation waits.
 */
const DIAG_MS = 800;
const DIAG_SHARE = 0.2;
/** Bias gate of the sweep's best step (whitened covariance error), the CLI's default. */
const MAX_WHITENED_ERROR = DEFAULT_MAX_WHITENED_ERROR;
/**
 * The worker time one advance may take (round trip), so the chains keep up with 30+ frames a second: the steps per
 * advance are the "steps per frame" setting, or fewer when the measured time per step says they would not fit.
 */
const ADVANCE_BUDGET_MS = 20;
/** The secondary charts (trace plots) redraw at most this often while the chains run. */
const SECONDARY_MS = 120;
/** Sweep runs: chains, kept iterations and burn-in (small, so a sweep takes seconds). */
const SWEEP_RUN = { chains: 100, steps: 600, burn: 150 };

/**
 * The run of a sweep curve with the smallest whitened covariance error among those without divergence: what the lab
 * applies, and says it applies, when no step passes the bias gate (the CLI reports no best step then).
 */
function leastBiased(c: SweepCurve): SweepCurve['points'][number] | null {
  let out: SweepCurve['points'][number] | null = null;
  for (const p of c.points) if (p.diverged === 0 && Number.isFinite(p.covErrorWhitened) && (!out || p.covErrorWhitened < out.covErrorWhitened)) out = p;
  return out;
}

const LABELS: Record<(typeof SAMPLER_NAMES)[number], string> = {
  langevin: 'Langevin',
  ozaki: 'Ozaki (diagonal)',
  'ozaki-full': 'Ozaki (full 2×2)',
  mala: 'MALA',
};

type Params = LabProps<typeof samplersParams>['params'];

export default function SamplersLab({ params, setParams, seed }: LabProps<typeof samplersParams>) {
  const { status: engineStatus, epoch } = useEngine();
  const density = useMemo(() => getDensity(params.density), [params.density]);
  const [start, setStart] = useState<SamplerStartResult | null>(null);
  /** Learned scores describe q_σ (the σ the model was trained at): the contours are of what the chains sample. */
  const sampledSigma = start?.sigma ?? 0;
  const contour = useMemo(() => targetContour(blurredDensity(density, sampledSigma)), [density, sampledSigma]);
  const bounds = useMemo(
    (): [[number, number], [number, number]] =>
      density.bounds ?? [
        [-4, 4],
        [-4, 4],
      ],
    [density],
  );
  const [frames, setFrames] = useState<PanelFrame[] | null>(null);
  const session = useRef<SamplerStartResult | null>(null);
  useEffect(() => {
    session.current = start;
  }, [start]);
  const [diag, setDiag] = useState<PanelDiagnostics[] | null>(null);
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const sweep = useJob('sweep');
  /** Slider changes not yet sent: applied by the next advance (running) or sent at once (paused). */
  const pending = useRef<PanelPatch[]>([]);
  const live = useRef({ perFrame: params.perFrame, playing });
  useEffect(() => {
    live.current = { perFrame: params.perFrame, playing };
  }, [params.perFrame, playing]);
  /** Steps per advance now: the "steps per frame" setting, lowered while an advance would not fit the frame budget. */
  const [adapted, setAdapted] = useState(params.perFrame);
  const perFrameNow = Math.min(adapted, params.perFrame);
  const adaptive = useRef(params.perFrame);
  useEffect(() => {
    adaptive.current = params.perFrame;
  }, [params.perFrame]);

  const kinds = [params.samplerA, params.samplerB] as const;
  const steps = [params.stepA, params.stepB] as const;
  const chain = Math.min(params.chain, params.chains - 1);

  /**
   * Exact scores, or the model the Scores lab holds in this engine. A model trained on another built-in density
   * switches the lab to that density (its scores mean nothing for this one) and returns null: the lab restarts.
   */
  const scoreSource = useCallback(async (): Promise<ScoreSource | null> => {
    if (params.score === 'exact') return { kind: 'exact' };
    const client = await engine.ready();
    let file: RunFile;
    try {
      file = await client.run('train.export', {});
    } catch {
      throw new Error('No trained model in this engine: train one in the Scores lab first (same page), or choose exact scores.');
    }
    const trained = samplersParams.density.values.find((name) => name === file.density);
    if (!trained) {
      const d = file.density;
      const name = typeof d === 'string' ? d : (d.name ?? 'a custom density');
      throw new Error(
        `The Scores lab model was trained on ${name}, not on a built-in density, and this lab runs the built-in 2-D densities: train on one of them in the Scores lab, or choose exact scores. (A model of a mixture file runs from the command line: tweedie sample --density file.json --score run.json.)`,
      );
    }
    if (trained !== params.density) {
      setNote(`The Scores lab model was trained on ${trained}: switched the target to ${trained}.`);
      setParams({ density: trained });
      return null;
    }
    return { kind: 'model', model: file, hessian: params.hessian };
  }, [params.score, params.hessian, params.density, setParams]);

  // (Re)start the engine session when anything but the live settings (steps, clamp, speed) changes.
  useEffect(() => {
    if (engineStatus !== 'ready') return;
    let alive = true;
    (async () => {
      setPlaying(false);
      setError(null);
      const client = await engine.ready();
      const score = await scoreSource();
      if (!score || !alive) return;
      pending.current = [];
      const r = await client.run('samplerStart', {
        key: KEY,
        density: params.density,
        score,
        chains: params.chains,
        seed,
        burn: params.burn,
        init: params.init,
        pathChain: chain,
        trailChains: TRAIL_CHAINS,
        trailLength: TRAIL_LENGTH,
        panels: kinds.map((kind, i) => ({ kind, step: steps[i], clamp: params.clamp })),
      });
      if (!alive) return;
      setStart(r);
      setFrames(r.frames);
      setDiag(null);
    })().catch((e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
    // Steps and clamp are applied live (below), not by a restart.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engineStatus, epoch, params.density, params.score, params.hessian, params.samplerA, params.samplerB, params.chains, params.burn, params.init, chain, seed, scoreSource]);

  useEffect(
    () => () => {
      void engine.ready().then((c) => c.run('samplerStop', { key: KEY })).catch(() => {});
    },
    [],
  );

  // A slider moved (or the clamp toggled): queue the change; while paused, send it at once.
  useEffect(() => {
    if (!start) return;
    const patches: PanelPatch[] = [0, 1]
      .map((i) => ({ panel: i, step: steps[i], clamp: params.clamp }))
      .filter((p) => frames?.[p.panel] && (frames[p.panel].step !== p.step || frames[p.panel].clamp !== p.clamp));
    if (patches.length === 0) return;
    pending.current.push(...patches);
    if (live.current.playing) return;
    void (async () => {
      const client = await engine.ready();
      const todo = pending.current.splice(0);
      let r: { frames: PanelFrame[] } | undefined;
      for (const p of todo) r = await client.run('samplerConfigure', { key: KEY, ...p });
      if (r) setFrames(r.frames);
    })().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    // frames is read, not a trigger: only a changed setting sends a patch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.stepA, params.stepB, params.clamp, start]);

  const refreshDiagnostics = useCallback(async () => {
    const client = await engine.ready();
    const d = await client.run('samplerDiagnostics', { key: KEY, maxLag: 60, bins: 40 });
    setDiag(d.panels);
  }, []);

  /** One advance of both panels (applying queued slider changes); returns the frames without drawing them. */
  const advanceOnly = useCallback(async (steps: number) => {
    const client = await engine.ready();
    const configure = pending.current.splice(0);
    return (await client.run('samplerAdvance', { key: KEY, steps, configure })).frames;
  }, []);

  const advance = useCallback(async () => setFrames(await advanceOnly(live.current.perFrame)), [advanceOnly]);

  /**
   * The animation loop. The worker computes the next advance while the UI draws this one (one frame in flight);
   * frames reach React through the frame scheduler (at most one per animation frame, the newest wins), and the next
   * advance is asked for only once the last frame was drawn, so a slow UI slows the chains' reporting, not itself.
   * Steps per advance adapt to keep each advance within ADVANCE_BUDGET_MS. Diagnostics every DIAG_MS, or less
   * often when they would take more than DIAG_SHARE of the time.
   */
  useEffect(() => {
    if (!playing || !start) return;
    let stop = false;
    /** Milliseconds per step, smoothed over the last advances (diagnostics sharing the worker show as spikes). */
    let msPerStep = 0;
    const timedAdvance = async () => {
      const steps = adaptive.current;
      const t0 = performance.now();
      const r = await advanceOnly(steps);
      const dt = (performance.now() - t0) / steps;
      msPerStep = msPerStep === 0 ? dt : 0.8 * msPerStep + 0.2 * dt;
      const next = Math.min(live.current.perFrame, Math.max(1, Math.floor(ADVANCE_BUDGET_MS / msPerStep)));
      if (next !== adaptive.current) {
        adaptive.current = next;
        setAdapted(next);
      }
      return r;
    };
    (async () => {
      let nextDiag = performance.now() + DIAG_MS;
      let inFlight = timedAdvance();
      while (!stop) {
        const r = await inFlight;
        // Paused: show where the chains are (the advance in flight ran); restarted: the new session's frames win.
        if (stop) {
          if (session.current === start) setFrames(r);
          break;
        }
        const drawn = frameScheduler.schedule(KEY, () => setFrames(r));
        if (performance.now() >= nextDiag) {
          const t0 = performance.now();
          await refreshDiagnostics();
          const took = performance.now() - t0;
          nextDiag = performance.now() + Math.max(DIAG_MS, took / DIAG_SHARE - took);
        }
        inFlight = timedAdvance();
        await drawn;
      }
    })().catch((e: unknown) => {
      if (!stop) {
        setError(e instanceof Error ? e.message : String(e));
        setPlaying(false);
      }
    });
    return () => {
      stop = true;
    };
  }, [playing, start, advanceOnly, refreshDiagnostics]);

  // Space bar: play / pause, unless the focused element takes the space itself (a text field, a button).
  useSpaceToggle(() => setPlaying((p) => !p), Boolean(start));

  const stepOnce = async () => {
    try {
      await advance();
      await refreshDiagnostics();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const reset = async () => {
    const client = await engine.ready();
    const r = await client.run('samplerReset', { key: KEY });
    setFrames(r.frames);
    setDiag(null);
  };

  /** Both panels at the left panel's step, from the start (paper Fig. 6). */
  const sameStep = async () => {
    setParams({ stepB: params.stepA });
    pending.current.push({ panel: 1, step: params.stepA });
    const client = await engine.ready();
    for (const p of pending.current.splice(0)) await client.run('samplerConfigure', { key: KEY, ...p });
    await reset();
    setPlaying(true);
  };

  const runSweep = async () => {
    setPlaying(false);
    let score: ScoreSource | null;
    try {
      score = await scoreSource();
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    if (!score) return;
    const samplers = [...new Set(kinds)].map((kind) => ({ kind, clamp: params.clamp && kind.startsWith('ozaki') }));
    const r = await sweep.run({
      density: params.density,
      score,
      samplers,
      grid: { lo: Math.min(params.sweepLo, params.sweepHi), hi: Math.max(params.sweepLo, params.sweepHi), n: params.sweepN },
      ...SWEEP_RUN,
      seed,
      init: params.init,
      maxWhitenedError: MAX_WHITENED_ERROR,
      criterion: params.sweepBy,
    });
    if (!r) return;
    const bestOf = (kind: string) => {
      const c = r.curves.find((k) => k.sampler === kind);
      return c ? (c.best ?? leastBiased(c))?.step : undefined;
    };
    const best = [bestOf(params.samplerA) ?? params.stepA, bestOf(params.samplerB) ?? params.stepB];
    if (best[0] === params.stepA && best[1] === params.stepB) return;
    setParams({ stepA: best[0], stepB: best[1] });
    // The chains restart at the new steps: what the panels show (divergence, metrics) belongs to them alone.
    try {
      const client = await engine.ready();
      pending.current = [];
      for (const panel of [0, 1]) await client.run('samplerConfigure', { key: KEY, panel, step: best[panel] });
      await reset();
      setPlaying(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const trailChains = Math.min(TRAIL_CHAINS, params.chains);
  /** Live panels: the contours are drawn once per density (and σ), the chains on the canvas every frame. */
  const chainSpecs = useMemo(
    () => [0, 1].map((i) => chainPanelSpec({ contour, frame: frames?.[i] ?? null, trailChains, trailLength: TRAIL_LENGTH, bounds, color: PANEL_COLORS[i] })),
    [contour, frames, trailChains, bounds],
  );
  const names = kinds.map((k, i) => `${LABELS[k]}${i === 1 && kinds[0] === kinds[1] ? ' (right)' : ''}`);
  const series = [0, 1].map((i) => ({ name: names[i], color: PANEL_COLORS[i] }));
  const sweepCurves = sweep.result?.curves.map((c) => ({ ...c, label: LABELS[c.sampler], color: PANEL_COLORS[Math.max(0, kinds.indexOf(c.sampler as (typeof kinds)[number]))] }));

  /** What the export buttons save: the chains and metrics shown now, and the last sweep. */
  const exported = (): SamplersExport | null =>
    frames && {
      density: params.density,
      seed,
      panels: frames.map((f, i) => ({
        sampler: kinds[i],
        step: f.step,
        clamp: f.clamp,
        iteration: f.t,
        positions: f.positions,
        alive: f.alive,
        diverged: f.diverged,
        firstDivergence: f.firstDivergence,
        metrics: diag?.[i]?.metrics ?? null,
      })),
      sweep: sweep.result?.curves ?? null,
    };
  const save = (what: 'chains' | 'metrics' | 'sweep', ext: 'csv' | 'json') => {
    const e = exported();
    if (!e) return;
    const text = what === 'chains' ? (ext === 'csv' ? chainsCsv(e) : chainsJson(e)) : what === 'metrics' ? (ext === 'csv' ? metricsCsv(e) : metricsJson(e)) : sweepCsv(e);
    downloadText(text, samplersFileName(e, what, ext));
  };

  return (
    <div className="samplers-lab lab-page" data-testid="samplers-lab" data-playing={playing ? '1' : '0'}>
      <aside className="lab-side" aria-label="Samplers lab settings">
        <div className="lab-controls">
          <EnumControl label="density" spec={samplersParams.density} value={params.density} onChange={(density) => setParams({ density })} testId="density" />
          <EnumControl
            label="scores"
            spec={samplersParams.score}
            value={params.score}
            onChange={(score) => setParams({ score })}
            labels={{ exact: 'exact', learned: 'learned (Scores lab model)' }}
            testId="score-source"
          />
          {params.score === 'learned' && (
            <EnumControl label="learned Hessian" spec={samplersParams.hessian} value={params.hessian} onChange={(hessian) => setParams({ hessian })} labels={{ direct: 's2 head', autodiff: 'autodiff of s1' }} />
          )}
          <NumberControl label="chains" spec={samplersParams.chains} value={params.chains} onChange={(chains) => setParams({ chains })} log />
          <NumberControl label="steps per frame" spec={samplersParams.perFrame} value={params.perFrame} onChange={(perFrame) => setParams({ perFrame })} log />
          <NumberControl label="burn-in" spec={samplersParams.burn} value={params.burn} onChange={(burn) => setParams({ burn })} />
          <EnumControl label="start" spec={samplersParams.init} value={params.init} onChange={(init) => setParams({ init })} labels={{ spread: 'spread over the window', target: 'exact draws' }} />
          <NumberControl label="chosen chain" spec={{ ...samplersParams.chain, max: params.chains - 1 }} value={chain} onChange={(c) => setParams({ chain: c })} />
          <BoolControl label="Ozaki curvature clamp h ← min(h, 0)" value={params.clamp} onChange={(clamp) => setParams({ clamp })} testId="clamp" />
        </div>

        <div className="slab-transport">
          <button type="button" data-testid="play" disabled={!start} onClick={() => setPlaying(!playing)}>
            {playing ? 'Pause' : 'Play'}
          </button>
          <button type="button" data-testid="step" disabled={!start || playing} onClick={() => void stepOnce()}>
            Step
          </button>
          <button type="button" data-testid="reset" disabled={!start} onClick={() => void reset()}>
            Reset
          </button>
          <button type="button" data-testid="same-step" disabled={!start} onClick={() => void sameStep()} title="Both panels at the left step size, from the start: compare the distance to the target against iteration">
            Same step for both
          </button>
          <span className="slab-export" role="group" aria-label="export">
            export
            <button type="button" data-testid="export-chains-csv" disabled={!frames} onClick={() => save('chains', 'csv')} title="The chains' current positions (both panels) as CSV">
              chains CSV
            </button>
            <button type="button" data-testid="export-chains-json" disabled={!frames} onClick={() => save('chains', 'json')}>
              chains JSON
            </button>
            <button type="button" data-testid="export-metrics-csv" disabled={!frames} onClick={() => save('metrics', 'csv')} title="ESS, acceptance, errors and divergences of both panels">
              metrics CSV
            </button>
            <button type="button" data-testid="export-metrics-json" disabled={!frames} onClick={() => save('metrics', 'json')} title="Both panels' metrics and the last sweep's table">
              metrics JSON
            </button>
            {sweep.result && (
              <button type="button" data-testid="export-sweep-csv" onClick={() => save('sweep', 'csv')} title="The step-size sweep: min-ESS, covariance error and divergences per sampler and ε">
                sweep CSV
              </button>
            )}
          </span>
          {error && <span className="error-text" data-testid="samplers-error">{error}</span>}
        </div>
        {start && (
          <p className="hint" data-testid="samplers-engine" data-engine={start.engine}>
            Chains run {CHAINS_ENGINE_TEXT[start.engine] ?? `on the "${start.engine}" engine`}.
          </p>
        )}
        {((note && params.score === 'learned') || sampledSigma > 0) && (
          <p className="hint" data-testid="samplers-note" data-sigma={sampledSigma}>
            {note && params.score === 'learned' && `${note} `}
            {sampledSigma > 0 &&
              `Learned scores are those of q_σ = p * N(0, σ² I) at the model's σ = ${sampledSigma}: the chains sample q_σ, and the contours, marginals and metrics are of q_σ.`}
          </p>
        )}
      </aside>

      <div className="lab-main">
        <div className="slab-panels">
          {[0, 1].map((i) => {
            const f = frames?.[i] ?? null;
            const d = diag?.[i];
            const kindKey = i === 0 ? 'samplerA' : 'samplerB';
            const stepKey = i === 0 ? 'stepA' : 'stepB';
            return (
              <section key={i} className="slab-panel" data-testid={`panel-${i}`} data-t={f?.t ?? 0} data-step={f?.step ?? ''}>
                <div className="slab-panel-head">
                  <EnumControl
                    label={i === 0 ? 'left sampler' : 'right sampler'}
                    spec={samplersParams[kindKey]}
                    value={params[kindKey]}
                    onChange={(v) => setParams({ [kindKey]: v } as Partial<Params>)}
                    labels={LABELS}
                    testId={`sampler-${i}`}
                  />
                  <NumberControl
                    label="step size ε"
                    spec={samplersParams[stepKey]}
                    value={params[stepKey]}
                    onChange={(v) => setParams({ [stepKey]: v } as Partial<Params>)}
                    log
                    steps={400}
                    testId={`step-slider-${i}`}
                  />
                  <div className="slab-status">
                    <span>
                      iteration <b data-testid={`panel-${i}-t`}>{f?.t ?? 0}</b>
                    </span>
                    <span>
                      running at ε = <b data-testid={`panel-${i}-step`}>{f ? Number(f.step.toPrecision(4)) : '–'}</b>
                    </span>
                    {playing && perFrameNow < params.perFrame && (
                      <span className="hint" data-testid={`panel-${i}-adapted`} title="The engine could not do the set steps per frame within the frame budget">
                        {perFrameNow} steps/frame (of {params.perFrame})
                      </span>
                    )}
                    {f && f.diverged > 0 && (
                      <span className="slab-diverged" data-testid={`panel-${i}-diverged`}>
                        {f.diverged} diverged (first at {f.firstDivergence})
                      </span>
                    )}
                  </div>
                </div>
                <PlotlyPanel
                  spec={chainSpecs[i]}
                  live
                  uirevision={params.density}
                  height={340}
                  label={`${names[i]} chains`}
                />
                <table className="slab-metrics" data-testid={`metrics-${i}`}>
                  <tbody>
                    {metricsRows(d?.metrics ?? null, f?.diverged ?? 0, f?.firstDivergence ?? null, params.chains).map(([k, v]) => (
                      <tr key={k}>
                        <th title={METRIC_HINTS[k]}>{k}</th>
                        <td>{v}</td>
                      </tr>
                    ))}
                    <tr>
                      <th>window</th>
                      <td>{d ? `${d.kept} kept iterations (from ${d.keepFrom})${d.metrics ? '' : `; metrics from ${d.minWindow}`}` : '–'}</td>
                    </tr>
                  </tbody>
                </table>
              </section>
            );
          })}
        </div>

        <div className="slab-grid">
          {[0, 1].map((j) => (
            <PlotlyPanel
              key={`trace${j}`}
              live
              spec={traceSpec([0, 1].map((i) => ({ ...series[i], path: frames?.[i]?.path ?? [], pathStart: frames?.[i]?.pathStart ?? 1 })), j)}
              minIntervalMs={playing ? SECONDARY_MS : 0}
              height={220}
              label={`trace of x${j + 1}`}
            />
          ))}
          <PlotlyPanel live spec={acfSpec([0, 1].map((i) => ({ ...series[i], autocorr: diag?.[i]?.autocorr ?? [] })))} height={220} label="autocorrelation" />
          {[0, 1].map((j) => (
            <PlotlyPanel
              key={`hist${j}`}
              live
              spec={histSpec(diag ? [0, 1].filter((i) => diag[i]?.kept > 0 && (frames?.[i]?.diverged ?? 0) < params.chains).map((i) => ({ ...series[i], hist: diag[i].hist })) : [], start?.marginals ?? null, j)}
              height={220}
              label={`marginal of x${j + 1}`}
            />
          ))}
          <PlotlyPanel live spec={distanceSpec([0, 1].map((i) => ({ ...series[i], ...(diag?.[i]?.distanceCurve ?? { t: [], distance: [] }) })))} height={220} label="distance to the target against iteration" />
        </div>

        <section className="slab-sweep">
          <div className="lab-controls">
            <NumberControl label="sweep from ε" spec={samplersParams.sweepLo} value={params.sweepLo} onChange={(sweepLo) => setParams({ sweepLo })} log />
            <NumberControl label="to ε" spec={samplersParams.sweepHi} value={params.sweepHi} onChange={(sweepHi) => setParams({ sweepHi })} log />
            <NumberControl label="points" spec={samplersParams.sweepN} value={params.sweepN} onChange={(sweepN) => setParams({ sweepN })} testId="sweep-n" />
            <EnumControl
              label="maximise"
              spec={samplersParams.sweepBy}
              value={params.sweepBy}
              onChange={(sweepBy) => setParams({ sweepBy })}
              labels={{ ess: 'min ESS (all chains)', 'ess-within': 'within-chain min ESS' }}
            />
            <button type="button" data-testid="sweep" disabled={!start || sweep.status === 'running'} onClick={() => void runSweep()}>
              Sweep step sizes
            </button>
            {sweep.status === 'running' && (
              <>
                <progress data-testid="sweep-progress" max={1} value={sweep.progress ? sweep.progress.done / sweep.progress.total : 0} />
                <button type="button" onClick={() => sweep.cancel()}>
                  Cancel
                </button>
              </>
            )}
            <span data-testid="sweep-status" data-status={sweep.status}>
              {sweep.status === 'done' && sweep.result
                ? sweep.result.curves
                    .map((c) => {
                      const what = c.criterion === 'ess-within' ? 'within-chain min ESS' : 'min ESS';
                      const val = (p: { essMin: number; essWithinMin: number }) => (c.criterion === 'ess-within' ? p.essWithinMin : p.essMin).toFixed(0);
                      if (c.best) return `${LABELS[c.sampler]}: best ε = ${c.best.step.toPrecision(3)} (${what} ${val(c.best)}${c.bestAtGridEdge ? ", at the grid's edge" : ''})`;
                      const lb = leastBiased(c);
                      if (!lb) return `${LABELS[c.sampler]}: best ε = none (every run diverged)`;
                      const off = Math.round(lb.covErrorWhitened * 100);
                      return `${LABELS[c.sampler]}: best ε = ${lb.step.toPrecision(3)}, the least biased: no step within ${MAX_WHITENED_ERROR * 100}% (a variance off by ${off}%; ${what} ${val(lb)})`;
                    })
                    .join(' · ')
                : sweep.status === 'error'
                  ? sweep.error
                  : ''}
            </span>
          </div>
          <p className="hint">
            {SWEEP_RUN.chains} chains × {SWEEP_RUN.steps} kept iterations per step size (after {SWEEP_RUN.burn} burn-in), same start points and noise for
            every run. The best step is the largest criterion among runs where no chain diverged and the variance along every direction is within{' '}
            {MAX_WHITENED_ERROR * 100}% of the truth (whitened covariance error; hollow circles are fast but biased runs); it is applied to the panels. A best
            step at the grid's edge is marked: the optimum may lie beyond it. When no step passes, the least biased one is applied and the status says so. On a mixture the all-chains ESS counts mode switches (about one per chain
            when chains stay in their mode); the within-chain ESS shows mixing inside the modes.
          </p>
          {sweepCurves && <PlotlyPanel spec={sweepSpec(sweepCurves, MAX_WHITENED_ERROR)} height={300} label="min ESS against step size" />}
        </section>
      </div>
    </div>
  );
}
