/**
 * The Uncertainty lab (issue 4; MATH.md sections 1 and 4; paper 1, Sec. 5 and Fig. 2). Click or drag a noisy point
 * x̃ on the density: the engine answers, per drag frame, with the Tweedie mean and covariance from the learned s2,
 * from autodiff of the learned s1 and from the exact posterior, plus exact posterior samples; below, the field of
 * ellipses coloured by their error, and the point estimate next to mean + uncertainty.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PlotlyHTMLElement } from 'plotly.js';
import { getDensity } from '../../../core/densities/index.ts';
import { createRng } from '../../../core/rng.ts';
import type { PosteriorModelSource } from '../../../engine/jobs/posterior.ts';
import { BoolControl, EnumControl, NumberControl } from '../../components/controls.tsx';
import { useEngine } from '../../engine.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import { useJob } from '../../useJob.ts';
import type { LabProps } from '../types.ts';
import {
  densityGrid,
  fieldSpec,
  fmt,
  fmtPoint,
  interactiveSpec,
  LABELS,
  noisyDraws,
  pointVsUncertaintySpecs,
  type Bounds,
  type EstimateName,
  type EstimateView,
} from './plots.ts';
import { ellipseAxes } from '../../../core/ellipse.ts';
import { ensureLoaded, modelFromFile, modelMatches, scoresLabModel, shippedModels, type ModelEntry } from './models.ts';
import { uncertaintyParams } from './params.ts';
import './uncertainty.css';
import { eventToData } from '../../plot/eventToData.ts';

type Point = readonly [number, number];

/** Noisy points of the Fig. 2 panels. */
const FIG2_POINTS = 10;

export default function UncertaintyLab({ params, setParams, seed }: LabProps<typeof uncertaintyParams>) {
  const density = useMemo(() => getDensity(params.density), [params.density]);
  const bounds = density.bounds as Bounds;
  const grid = useMemo(() => densityGrid(density, bounds), [density, bounds]);
  const { epoch, status: engineStatus } = useEngine();

  // ----- models: shipped ones and files the user loads; the one matching (density, σ) is used.
  const [catalog, setCatalog] = useState<ModelEntry[]>([]);
  const [uploads, setUploads] = useState<ModelEntry[]>([]);
  const [scoresModel, setScoresModel] = useState<ModelEntry | null>(null);
  const [modelError, setModelError] = useState<string | null>(null);
  /** Why the last uploaded file was refused (the model in use stays); cleared by the next good upload. */
  const [uploadError, setUploadError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    void shippedModels().then((m) => alive && setCatalog(m));
    return () => {
      alive = false;
    };
  }, []);
  const checkScoresLab = useCallback(() => {
    void scoresLabModel().then(setScoresModel);
  }, []);
  useEffect(() => {
    if (engineStatus === 'ready') checkScoresLab();
  }, [engineStatus, epoch, checkScoresLab]);
  const models = useMemo(() => [...(scoresModel ? [scoresModel] : []), ...uploads, ...catalog], [scoresModel, uploads, catalog]);
  const match = useMemo(() => models.find((m) => modelMatches(m, params.density, params.sigma)) ?? null, [models, params.density, params.sigma]);
  const sigmasForDensity = useMemo(
    () => [...new Set(models.filter((m) => m.density === null || m.density === params.density).map((m) => m.sigma))].sort((a, b) => a - b),
    [models, params.density],
  );
  const [loaded, setLoaded] = useState<{ id: string; epoch: number; key: string } | null>(null);
  useEffect(() => {
    if (!match || engineStatus !== 'ready') return;
    let alive = true;
    ensureLoaded(match, epoch).then(
      (key) => {
        if (alive) {
          setLoaded({ id: match.id, epoch, key });
          setModelError(null);
        }
      },
      (e: unknown) => {
        if (!alive) return;
        const msg = `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
        if (match.source !== 'file') setModelError(msg);
        else {
          // A refused upload leaves the list, so the model in use before it is matched again.
          setUploadError(msg);
          setUploads((u) => u.filter((m) => m.id !== match.id));
        }
      },
    );
    return () => {
      alive = false;
    };
  }, [match, epoch, engineStatus]);
  const modelKey = match && loaded && loaded.id === match.id && loaded.epoch === epoch ? loaded.key : null;
  const waitingForModel = match !== null && modelKey === null && !modelError;
  const model: PosteriorModelSource | undefined = modelKey ? { kind: 'session', key: modelKey } : undefined;

  // ----- the interactive point: local while dragging (one request per animation frame), in the URL on release.
  const [dragPoint, setDragPoint] = useState<Point | null>(null);
  const x: Point | null = dragPoint ?? params.at;
  const point = useJob('posterior');
  const runPoint = point.run;
  const [latency, setLatency] = useState<number | null>(null);
  useEffect(() => {
    if (!x || engineStatus !== 'ready' || waitingForModel) return;
    const t0 = performance.now();
    void runPoint({ density: params.density, sigma: params.sigma, points: [x[0], x[1]], samples: params.samples, seed, ...(model ? { model } : {}) }).then(
      (r) => r && setLatency(performance.now() - t0),
    );
    // model is derived from modelKey; x from its coordinates.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [x?.[0], x?.[1], params.density, params.sigma, params.samples, seed, modelKey, engineStatus, waitingForModel, runPoint]);

  const gdRef = useRef<PlotlyHTMLElement | null>(null);
  const dragging = useRef(false);
  const pending = useRef<Point | null>(null);
  const frame = useRef(0);
  const setParamsRef = useRef(setParams);
  useEffect(() => {
    setParamsRef.current = setParams;
  }, [setParams]);
  const onReady = useCallback((gd: PlotlyHTMLElement) => {
    gdRef.current = gd;
    const move = (e: PointerEvent) => {
      if (!dragging.current) return;
      const p = eventToData(gd, e, 4);
      if (!p) return;
      pending.current = p;
      if (!frame.current) {
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          setDragPoint(pending.current);
        });
      }
    };
    const up = () => {
      if (!dragging.current) return;
      dragging.current = false;
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      const p = pending.current;
      if (p) setParamsRef.current({ at: p });
      setDragPoint(null);
    };
    gd.addEventListener(
      'pointerdown',
      (e: PointerEvent) => {
        if (e.button !== 0) return;
        const p = eventToData(gd, e, 4);
        if (!p) return;
        // Not on the legend or the mode bar: those are outside the plot area, so eventToData returned null above.
        e.preventDefault();
        dragging.current = true;
        pending.current = p;
        setDragPoint(p);
        window.addEventListener('pointermove', move);
        window.addEventListener('pointerup', up);
      },
      { capture: true },
    );
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // ----- the field of ellipses and the Fig. 2 points (not re-run while dragging).
  const field = useJob('posterior');
  const runField = field.run;
  useEffect(() => {
    if (engineStatus !== 'ready' || waitingForModel) return;
    void runField({ density: params.density, sigma: params.sigma, grid: { nx: params.grid }, autodiff: true, ...(model ? { model } : {}) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.density, params.sigma, params.grid, modelKey, engineStatus, waitingForModel, runField]);

  const fig2Points = useMemo(() => Array.from(noisyDraws(density, params.sigma, FIG2_POINTS, createRng(seed + 7))), [density, params.sigma, seed]);
  const fig2 = useJob('posterior');
  const runFig2 = fig2.run;
  useEffect(() => {
    if (engineStatus !== 'ready' || waitingForModel) return;
    void runFig2({ density: params.density, sigma: params.sigma, points: fig2Points, autodiff: false, ...(model ? { model } : {}) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fig2Points, params.density, params.sigma, modelKey, engineStatus, waitingForModel, runFig2]);

  // ----- what the panels draw: only results computed for the density and σ now shown.
  const forShown = <T extends { density: string; sigma: number }>(res: T | null | undefined): T | null =>
    res && res.density === params.density && Math.abs(res.sigma - params.sigma) < 1e-12 ? res : null;
  const current = x ? forShown(point.result) : null;
  const estimates: EstimateView[] = [];
  if (current) {
    const pick = (name: EstimateName): EstimateView | null => {
      const b = name === 'learned' ? current.learned : current.autodiff;
      if (!b) return null;
      return { name, mean: b.mean.subarray(0, 2), cov: b.cov.subarray(0, 4), w2: b.w2[0], kl: b.kl[0] };
    };
    if (params.showExact) estimates.push({ name: 'exact', mean: current.exact.mean.subarray(0, 2), cov: current.exact.cov.subarray(0, 4) });
    const learned = params.showLearned ? pick('learned') : null;
    const auto = params.showAutodiff ? pick('autodiff') : null;
    if (learned) estimates.push(learned);
    if (auto) estimates.push(auto);
  }
  const inter = useMemo(
    () => interactiveSpec({ grid, bounds, x: current ? x : null, estimates, samples: current?.samples ?? null, sigma: params.sigma }),
    // estimates derive from `current` and the show toggles.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [grid, bounds, current, params.showExact, params.showLearned, params.showAutodiff, params.sigma],
  );

  const fieldCurrent = forShown(field.result);
  const fieldSource: EstimateName = fieldCurrent && (params.field === 'learned' ? fieldCurrent.learned : fieldCurrent.autodiff) ? params.field : 'exact';
  const fieldView = useMemo(() => {
    if (!fieldCurrent) return null;
    const b = fieldSource === 'exact' ? null : fieldSource === 'learned' ? fieldCurrent.learned : fieldCurrent.autodiff;
    return fieldSpec({
      grid,
      bounds,
      points: fieldCurrent.points,
      mean: b ? b.mean : fieldCurrent.exact.mean,
      cov: b ? b.cov : fieldCurrent.exact.cov,
      error: b ? (params.metric === 'w2' ? b.w2 : b.kl) : null,
      metric: params.metric,
      name: fieldSource,
    });
  }, [fieldCurrent, fieldSource, grid, bounds, params.metric]);

  const fig2Current = forShown(fig2.result);
  const fig2Source: EstimateName = fig2Current?.learned ? 'learned' : 'exact';
  const fig2Specs = useMemo(() => {
    if (!fig2Current) return null;
    const b = fig2Current.learned;
    return pointVsUncertaintySpecs({
      grid,
      bounds,
      points: fig2Current.points,
      mean: b ? b.mean : fig2Current.exact.mean,
      cov: b ? b.cov : fig2Current.exact.cov,
      name: b ? 'learned' : 'exact',
    });
  }, [fig2Current, grid, bounds]);

  // ----- σ: snap to a trained model's σ when the slider lands within 4 % of it.
  // ----- σ: snap to a trained model's σ when the slider lands within 4 % of it, moving towards it (so arrow keys can
  // also step away from a trained σ: snapping on the way out undid every step).
  const setSigma = (s: number) => {
    const near = sigmasForDensity.find((m) => Math.abs(m - s) <= 0.04 * m && Math.abs(m - s) < Math.abs(m - params.sigma));
    setParams({ sigma: near ?? s });
  };

  // ----- the noisy point from the keyboard: arrows move it by 2 % of the window (Shift: 10 %), Enter places it.
  const onPlotKey = (e: React.KeyboardEvent) => {
    const [[x0, x1], [y0, y1]] = bounds;
    const here: Point = x ?? [(x0 + x1) / 2, (y0 + y1) / 2];
    const f = e.shiftKey ? 0.1 : 0.02;
    const moves: Record<string, Point> = {
      ArrowLeft: [here[0] - f * (x1 - x0), here[1]],
      ArrowRight: [here[0] + f * (x1 - x0), here[1]],
      ArrowDown: [here[0], here[1] - f * (y1 - y0)],
      ArrowUp: [here[0], here[1] + f * (y1 - y0)],
      Enter: here,
    };
    const next = moves[e.key];
    if (!next) return;
    e.preventDefault();
    setParams({ at: [Number(next[0].toFixed(4)), Number(next[1].toFixed(4))] });
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const m = await modelFromFile(file, params.density, uploads.length + 1, { densities: uncertaintyParams.density.values, sigma: { min: uncertaintyParams.sigma.min!, max: uncertaintyParams.sigma.max! } });
      setUploads((u) => [m, ...u]);
      setUploadError(null);
      setParams({ sigma: m.sigma, density: m.density as typeof params.density });
    } catch (e) {
      setUploadError(e instanceof Error ? e.message : String(e));
    }
  };

  const nonPsdHere = inter.nonPsd;
  const learnedHere = current?.learned ?? null;
  const autoHere = current?.autodiff ?? null;

  return (
    <div
      className="uncertainty-lab lab-page"
      data-testid="uncertainty-lab"
      data-at={x ? `${x[0]},${x[1]}` : ''}
      data-ellipses={current ? estimates.length : 0}
      data-model={modelKey ?? ''}
    >
      <aside className="lab-side" aria-label="Uncertainty lab settings">
        <section className="lab-controls" aria-label="Uncertainty lab settings">
          <EnumControl label="density" spec={uncertaintyParams.density} value={params.density} onChange={(density) => setParams({ density, at: null })} testId="u-density" />
          <NumberControl label="noise level σ" spec={uncertaintyParams.sigma} value={params.sigma} onChange={setSigma} log testId="u-sigma" />
          <div className="ulab-models">
            {sigmasForDensity.length > 0 && (
              <div className="ulab-sigmas" role="group" aria-label="σ of trained models">
                <span className="hint">trained at σ =</span>
                {sigmasForDensity.map((s) => (
                  <button key={s} type="button" className={Math.abs(s - params.sigma) < 1e-9 ? 'active' : ''} onClick={() => setParams({ sigma: s })}>
                    {s}
                  </button>
                ))}
              </div>
            )}
            <label className="ulab-file">
              <span>load a model file…</span>
              <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="u-model-file" />
            </label>
            <button type="button" className="ulab-link-button" onClick={checkScoresLab} title="Use the model the Scores lab is training (same density and σ)">
              use the Scores lab's model
            </button>
          </div>
          <NumberControl label="posterior samples" spec={uncertaintyParams.samples} value={params.samples} onChange={(samples) => setParams({ samples })} steps={100} />
          <div className="ulab-toggles">
            <BoolControl label={LABELS.learned} value={params.showLearned} onChange={(showLearned) => setParams({ showLearned })} />
            <BoolControl label={LABELS.autodiff} value={params.showAutodiff} onChange={(showAutodiff) => setParams({ showAutodiff })} />
            <BoolControl label={LABELS.exact} value={params.showExact} onChange={(showExact) => setParams({ showExact })} />
          </div>
        </section>

        {uploadError && (
          <p className="error-text ulab-upload-error" role="alert" data-testid="u-upload-error">
            {uploadError} The model in use is unchanged.
          </p>
        )}
        <p className={`ulab-model-status ${match ? 'has-model' : 'no-model'}`} data-testid="u-model-status">
          {modelError ? (
            <span className="error-text">{modelError}</span>
          ) : match ? (
            <>
              Learned side: <strong>{match.label}</strong>
              {waitingForModel ? ' (loading…)' : ''}.
            </>
          ) : (
            <>
              No trained model for <strong>{params.density}</strong> at σ = {params.sigma}: showing the <strong>exact</strong> posterior only. Train one in
              the <a href="?tab=scores">Scores lab</a> with the same density and σ: it is used here as soon as you come back (or load a saved model
              file){sigmasForDensity.length ? <>; or pick a σ a trained model exists for (buttons above)</> : null}.
            </>
          )}
        </p>
      </aside>

      <div className="lab-main">
        <div className="ulab-main">
          <div
            className="ulab-plot"
            tabIndex={0}
            data-keys="own"
            data-testid="u-plot"
            aria-label="Noisy point x̃: arrow keys move it (Shift for larger steps), Enter places it"
            onKeyDown={onPlotKey}
          >
            <PlotlyPanel spec={inter.spec} live uirevision={`${params.density}`} height={520} label="Noisy point, posterior ellipses and samples" onReady={onReady} className="ulab-interactive" />
            {!x && <p className="ulab-overlay-hint">Click anywhere on the density to place a noisy point x̃; drag to move it (or focus the plot and use the arrow keys).</p>}
          </div>
          <aside className="ulab-readout" aria-live="polite">
            <h3>At x̃ {x ? `= (${fmt(x[0])}, ${fmt(x[1])})` : ''}</h3>
            {current ? (
              <table className="ulab-table">
                <thead>
                  <tr>
                    <th />
                    <th>mean</th>
                    <th>λ_min(C)</th>
                    <th>W2</th>
                    <th>KL</th>
                  </tr>
                </thead>
                <tbody>
                  {(['exact', 'learned', 'autodiff'] as const).map((name) => {
                    const b = name === 'learned' ? learnedHere : name === 'autodiff' ? autoHere : null;
                    const mean = name === 'exact' ? current.exact.mean : b?.mean;
                    if (!mean) return null;
                    const lmin = b ? b.minEigenvalue[0] : undefined;
                    return (
                      <tr key={name} className={b && !b.psd[0] ? 'not-psd' : ''} data-testid={`u-row-${name}`}>
                        <th>{LABELS[name]}</th>
                        <td>{fmtPoint(mean)}</td>
                        <td>{b ? fmt(lmin) : '≥ 0'}</td>
                        <td>{b ? fmt(b.w2[0]) : '0'}</td>
                        <td>{b ? fmt(b.kl[0]) : '0'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            ) : (
              <p className="hint">{x ? 'Computing…' : 'No point yet.'}</p>
            )}
            {current && <PosteriorSpread cov={current.exact.cov} />}
            {nonPsdHere.length > 0 && (
              <p className="ulab-warning" data-testid="u-nonpsd">
                {nonPsdHere.map((n) => LABELS[n]).join(' and ')}: covariance σ⁴s2 + σ²I is <strong>not positive semi-definite</strong> here (dashed). The
                dotted ellipse is the clipped version (negative eigenvalues set to 0) used for sampling.
              </p>
            )}
            <p className="hint">
              Solid: 1σ (thick) and 2σ ellipses of N(mean, C). Green dots: exact posterior samples. {latency !== null && current ? `Updated in ${latency.toFixed(0)} ms (engine ${current.ms.toFixed(1)} ms).` : ''}
            </p>
            {point.error && <p className="error-text">{point.error}</p>}
          </aside>
        </div>

        <section className="ulab-field">
          <div className="ulab-section-head">
            <h3>Field of ellipses</h3>
            <div className="ulab-field-controls">
              <EnumControl
                label="estimate"
                spec={uncertaintyParams.field}
                value={params.field}
                onChange={(f) => setParams({ field: f })}
                labels={{ learned: LABELS.learned, autodiff: LABELS.autodiff }}
                disabled={!modelKey}
              />
              <EnumControl label="colour by" spec={uncertaintyParams.metric} value={params.metric} onChange={(metric) => setParams({ metric })} labels={{ w2: 'Wasserstein-2', kl: 'KL(exact ‖ approx.)' }} />
              <NumberControl label="grid" spec={uncertaintyParams.grid} value={params.grid} onChange={(g) => setParams({ grid: g })} />
            </div>
          </div>
          <p className="hint" data-testid="u-field-caption">
            {fieldView
              ? fieldSource === 'exact'
                ? `Exact posterior covariance (1σ ellipse, drawn centred at each of ${fieldView.summary.n} noisy points x̃), σ = ${params.sigma}. With a trained model at this σ they are coloured by how far the model's ellipse is from these.`
                : `${LABELS[fieldSource]} posterior covariance (1σ ellipse drawn centred at each of ${fieldView.summary.n} noisy points x̃), coloured by ${params.metric === 'w2' ? 'W2' : 'KL'} to the exact posterior: median ${fmt(fieldView.summary.median)}, max ${fmt(fieldView.summary.max)}. ` +
                  `${fieldView.summary.nonPsd} of ${fieldView.summary.n} covariances are not PSD (dashed).`
              : field.error ?? 'Computing…'}
          </p>
          {fieldView && <PlotlyPanel spec={fieldView.spec} uirevision={`field-${params.density}`} height={460} label="Field of posterior ellipses coloured by error" />}
        </section>

        <section className="ulab-fig2">
          <h3>Point estimate vs uncertainty</h3>
          {fig2Specs ? (
            <div className="ulab-pair">
              <PlotlyPanel spec={fig2Specs.point} uirevision={`f2a-${params.density}`} height={340} label="Tweedie mean alone" />
              <PlotlyPanel spec={fig2Specs.uncertainty} uirevision={`f2b-${params.density}`} height={340} label="Tweedie mean with covariance ellipses" />
            </div>
          ) : (
            <p className="hint">{fig2.error ?? 'Computing…'}</p>
          )}
          <p className="ulab-caption">
            Each red cross is a noisy observation x̃ = x + σz of a clean point x we do not see. Left: first-order Tweedie gives one best guess for x (the
            dot), the average of every clean point that could have produced x̃. Right: second-order Tweedie adds how unsure that guess is. The ellipse
            covers the clean points that remain plausible (about 39 % of the posterior mass inside 1σ, 86 % inside 2σ for a Gaussian). It is long where
            the density leaves several explanations, e.g. between two modes or along a ridge, and small where only one is left.{' '}
            {fig2Source === 'exact' ? '(Exact scores here: no trained model at this σ.)' : '(Learned s1 and s2.)'}
          </p>
        </section>
      </div>
    </div>
  );
}

/** The exact posterior's longest axis at x̃: its 1σ half-length √λ_max and direction (the ellipse in words). */
function PosteriorSpread({ cov }: { cov: ArrayLike<number> }) {
  const axes = ellipseAxes(cov);
  const radius = axes.radii[0];
  const degrees = (axes.angle * 180) / Math.PI;
  return (
    <p className="hint" data-testid="u-spread" data-radius={radius} data-angle={degrees}>
      Exact posterior: longest axis ±{fmt(radius)} (1σ) at {fmt(degrees)}°, shortest ±{fmt(axes.radii[1])}.
    </p>
  );
}
