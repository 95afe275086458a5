/**
 * The Scores lab (issue 3; MATH.md sections 1-2, 6; paper 1, Sec. 3-4): train s1θ and s2θ on a 2-D density in the
 * engine's worker, watch the learned fields approach the truth, and compare the direct s2θ with autodiff ∇s1θ
 * (accuracy: Table 1; cost per evaluation: Table 2).
 *
 * The run lives in the engine (session "scores", shared with the Samplers and Uncertainty labs); this component
 * sends create / steps / configure / fields / metrics / export / import requests and draws what comes back.
 * The density is a built-in one or 2-D points the user uploads as CSV (their kernel density is the truth).
 * Model-defining settings (density, σ, architecture) start a new model after a confirmation; objective and
 * optimiser settings (VR, γ, stop-gradient, batch, learning rate) and display options apply live.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import type { TrainDensityRef, TrainFieldsResult, TrainInfo, TrainMetricsResult, TrainProgress } from '../../../engine/jobs/train.ts';
import { parseCsvPoints } from '../../../core/gmm.ts';
import { hyperOfModel, LIVE_SETTINGS, type TrainHyper } from '../../../models/hyper.ts';
import { parseRunFile, type RunDensityRef } from '../../../models/modelFile.ts';
import { EngineError } from '../../../engine/client.ts';
import { BoolControl, EnumControl, NumberControl } from '../../components/controls.tsx';
import { useSpaceToggle } from '../../components/useSpaceToggle.ts';
import { downloadText, exportFileName, nameNumber, toCsv, toJson } from '../../export/files.ts';
import { engine, useEngine } from '../../engine.ts';
import { frames } from '../../plot/frameScheduler.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import type { PlotSpec } from '../../plot/spec.ts';
import type { LabProps } from '../types.ts';
import { MODEL_KEYS, SCORES_DENSITIES, scoresParams } from './params.ts';
import {
  COLORS,
  dataSpec,
  glyphScale,
  glyphSpec,
  heatmapSpec,
  lossSpec,
  metricsRows,
  mseWinner,
  pushHistory,
  quantile,
  s1Error,
  s1Scale,
  s2Error,
  varianceSpec,
  vectorFieldSpec,
  type LossPoint,
} from './plots.ts';
import { deleteModel, listModels, loadModel, saveModel, type SavedModel } from './storage.ts';
import './scores.css';

const KEY = 'scores';
/** Grid of the field panels (points per axis). */
const GRID = 25;
/** While training: fields refreshed at most this often, metrics (with timing) less often. */
const FIELDS_MS = 1000;
const METRICS_MS = 5000;
const METRIC_POINTS = 500;
/** Larger CSV files are refused before they are read on the UI thread (20000 points take well under 1 MB). */
const MAX_POINTS_FILE_BYTES = 4e6;

type Params = LabProps<typeof scoresParams>['params'];
type ModelPatch = Partial<Pick<Params, (typeof MODEL_KEYS)[number]>>;

/** 2-D points the user uploaded (CSV): the lab trains on their kernel density instead of `params.density`. */
interface UploadedPoints {
  /** The file name: never a registry name, so other labs cannot mistake the model for one trained on a built-in density. */
  name: string;
  points: Float64Array;
  n: number;
}

/**
 * The uploaded points in use, kept at module level (not in the URL, too large): they outlive the lab's unmounting
 * when another tab is opened, as the model trained on them does in the engine.
 */
let heldPoints: UploadedPoints | null = null;

/** The step at which leaving the tab paused a training run (said on return), or null. */
let pausedOnLeave: number | null = null;

const modelKeyOf = (p: Params, points: UploadedPoints | null): string =>
  JSON.stringify([...MODEL_KEYS.map((k) => p[k]), points ? `${points.name}:${points.n}` : null]);

const densityRefOf = (p: Params, points: UploadedPoints | null): TrainDensityRef => (points ? { points: points.points, dim: 2, name: points.name } : p.density);

/** Uploaded points from a run file's density, when it holds 2-D points; null for a registry density. */
function pointsOfRef(d: RunDensityRef | undefined): UploadedPoints | null {
  if (typeof d !== 'object' || !('points' in d)) return null;
  if (d.dim !== 2) throw new Error(`this model was trained on ${d.dim}-D points; the lab trains in 2-D — use the CLI for others`);
  const flat = Float64Array.from(d.points);
  return { name: d.name ?? 'points', points: flat, n: flat.length / 2 };
}

/** The lab settings that reproduce a model's hyper-parameters (the inverse of `hyperOf`, seed aside). */
function paramsOfHyper(h: TrainHyper, density: Params['density']) {
  return {
    density,
    sigma: h.sigma,
    s2: h.s2,
    rank: Math.max(1, h.rank),
    shareTrunk: h.shareTrunk,
    width: h.width,
    depth: h.depth,
    act: h.act,
    vr: h.vr,
    gamma: h.gamma,
    stopGrad: h.stopGrad,
    batch: h.batch,
    lr: h.lr,
  } satisfies Partial<Params>;
}

const historyOf = (r: TrainInfo): LossPoint[] => r.history.map((p) => ({ step: p.step, loss: p.lossAdjusted, variance: p.lossVariance, vr: r.hyper.vr }));

function hyperOf(p: Params, seed: number): Partial<TrainHyper> {
  return {
    sigma: p.sigma,
    s2: p.s2,
    rank: p.rank,
    shareTrunk: p.shareTrunk,
    width: p.width,
    depth: p.depth,
    act: p.act,
    vr: p.vr,
    gamma: p.gamma,
    stopGrad: p.stopGrad,
    batch: p.batch,
    lr: p.lr,
    seed,
  };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const isCancel = (e: unknown): boolean => e instanceof EngineError && e.cancelled;

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(digits)));
}

/**
 * One figure of the lab, live: what changes while the model trains (points, arrows, glyphs, loss curves, error maps)
 * is drawn on the panel's canvas layer, the contours, axes, legends and colour bars by Plotly, once (PlotlyPanel).
 */
function Panel({ title, testId, spec, uirevision, children }: { title: string; testId: string; spec?: PlotSpec | null; uirevision: string; children?: React.ReactNode }) {
  return (
    <figure className="scores-panel" data-testid={testId} data-has-data={spec ? '1' : '0'}>
      <figcaption>{title}</figcaption>
      {spec ? <PlotlyPanel spec={spec} live uirevision={uirevision} height={300} label={title} /> : <div className="scores-empty">{children ?? 'Waiting for the model…'}</div>}
    </figure>
  );
}

export default function ScoresLab({ params, setParams, seed }: LabProps<typeof scoresParams>) {
  const { status: engineStatus, epoch, info: backendInfo } = useEngine();
  const [info, setInfo] = useState<TrainInfo | null>(null);
  const [running, setRunning] = useState(false);
  /** Model-defining changes being applied (the model looked up or made anew): Start waits for them. */
  const [replacing, setReplacing] = useState(0);
  /** The latest `start` (defined further down; the model effect resumes training through it). */
  const startRef = useRef<() => Promise<void>>(async () => {});
  const [progress, setProgress] = useState<TrainProgress | null>(null);
  const [history, setHistory] = useState<LossPoint[]>([]);
  const [fields, setFields] = useState<TrainFieldsResult | null>(null);
  const [metrics, setMetrics] = useState<TrainMetricsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saved, setSaved] = useState<Omit<SavedModel, 'file'>[]>([]);
  const [chosenSave, setChosenSave] = useState('');
  const [points, setPointsState] = useState<UploadedPoints | null>(heldPoints);
  const setPoints = useCallback((p: UploadedPoints | null) => {
    heldPoints = p;
    setPointsState(p);
  }, []);

  /** `${epoch}:${modelKey}` of the model the engine holds. */
  const created = useRef<string | null>(null);
  const run = useRef<{ ctrl: AbortController; done: Promise<void> } | null>(null);
  const inFlight = useRef({ fields: false, metrics: false });
  const live = useRef(params);
  useEffect(() => {
    live.current = params;
  }, [params]);

  const modelKey = modelKeyOf(params, points);
  /** What the model is trained on, for labels and file names. */
  const densityLabel = points ? points.name : params.density;
  /** Steps the engine's model has been trained for (progress is newer than the create/import answer). */
  const trainedSteps = info ? (progress?.step ?? info.step) : 0;
  /** A download's name: the lab, what, the model's density, σ, head and VR, and the seed. */
  const fileOf = (what: string, ext: 'csv' | 'json') =>
    exportFileName('scores', what, [points ? points.name : params.density, `sigma${nameNumber(params.sigma)}`, `s2-${params.s2}`, params.vr ? 'vr' : 'no-vr'], seed, ext);
  const stepRef = useRef(trainedSteps);
  useEffect(() => {
    stepRef.current = trainedSteps;
  }, [trainedSteps]);
  const uirevision = densityLabel;

  const refreshFields = useCallback(async () => {
    if (inFlight.current.fields) return;
    inFlight.current.fields = true;
    try {
      const client = await engine.ready();
      setFields(await client.run('train.fields', { key: KEY, nx: GRID, ny: GRID, samples: 400 }));
    } catch (e) {
      if (!isCancel(e)) setError(message(e));
    } finally {
      inFlight.current.fields = false;
    }
  }, []);

  const refreshMetrics = useCallback(async () => {
    if (inFlight.current.metrics) return;
    inFlight.current.metrics = true;
    try {
      const client = await engine.ready();
      setMetrics(await client.run('train.metrics', { key: KEY, n: METRIC_POINTS, timingReps: 3 }));
    } catch (e) {
      if (!isCancel(e)) setError(message(e));
    } finally {
      inFlight.current.metrics = false;
    }
  }, []);

  /** Stops a running training (the engine keeps every step done) and waits until it has stopped. */
  const pause = useCallback(async () => {
    const r = run.current;
    if (!r) return;
    r.ctrl.abort();
    await r.done;
  }, []);

  const adopt = useCallback((r: TrainInfo, hist: LossPoint[]) => {
    setInfo(r);
    setHistory(hist);
    setProgress(null);
    setMetrics(null);
    setNotice(r.warnings.length ? r.warnings.join(' ') : null);
  }, []);

  /**
   * A fresh model from the current settings and seed (also what Reset does). Resolves whether a training run was in
   * progress (and was stopped) when it began.
   */
  const recreate = useCallback(async (): Promise<boolean> => {
    const wasRunning = run.current !== null;
    await pause();
    setError(null);
    const client = await engine.ready();
    const p = live.current;
    const r = await client.run('train.create', { key: KEY, density: densityRefOf(p, heldPoints), hyper: hyperOf(p, seed) });
    created.current = `${epoch}:${modelKeyOf(p, heldPoints)}`;
    adopt(r, []);
    await refreshFields();
    void refreshMetrics();
    return wasRunning;
  }, [pause, seed, epoch, adopt, refreshFields, refreshMetrics]);

  /**
   * Takes over the model the engine already holds when it has the current settings (the lab was left for another
   * tab and opened again: the trained model and its loss curve are still there). False when there is none.
   */
  const adoptHeld = useCallback(async (): Promise<boolean> => {
    const client = await engine.ready();
    let r: TrainInfo;
    try {
      r = await client.run('train.info', { key: KEY });
    } catch {
      return false;
    }
    const p = live.current;
    const held = heldPoints ? (r.density === heldPoints.name ? p.density : undefined) : scoresParams.density.values.find((name) => name === r.density);
    const key = modelKeyOf(p, heldPoints);
    if (!held || modelKeyOf({ ...p, ...paramsOfHyper(r.hyper, held) }, heldPoints) !== key) return false;
    created.current = `${epoch}:${key}`;
    adopt(r, historyOf(r));
    await refreshFields();
    void refreshMetrics();
    return true;
  }, [epoch, adopt, refreshFields, refreshMetrics]);

  // A new model when the engine (re)starts or a model-defining setting changed (unless the engine holds it already).
  useEffect(() => {
    if (engineStatus !== 'ready' || created.current === `${epoch}:${modelKey}`) return;
    setReplacing((n) => n + 1);
    adoptHeld()
      .then((adopted) => {
        if (!adopted)
          // A run in progress goes on with the new model, also one started just before this change reached here.
          return recreate().then((wasRunning) => {
            if (wasRunning) void startRef.current();
          });
        if (pausedOnLeave !== null) setNotice(`Training paused at step ${pausedOnLeave} when you left this tab: press Start to go on.`);
        pausedOnLeave = null;
      })
      .catch((e: unknown) => {
        // Points the engine refuses (too few, too many, all identical) are dropped; the model held before stays.
        if (heldPoints) {
          setError(`Could not train on ${heldPoints.name}: ${message(e)}`);
          setPoints(null);
        } else setError(message(e));
      })
      .finally(() => setReplacing((n) => n - 1));
    // recreate reads the current settings itself; only the model key and the engine decide when.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engineStatus, epoch, modelKey]);

  // Objective and optimiser settings apply live (also while training).
  useEffect(() => {
    if (!info) return;
    const patch = Object.fromEntries(LIVE_SETTINGS.map((k) => [k, params[k]]));
    if (LIVE_SETTINGS.every((k) => info.hyper[k] === params[k])) return;
    void engine
      .ready()
      .then((c) => c.run('train.configure', { key: KEY, ...patch }))
      .then(setInfo, (e: unknown) => setError(message(e)));
  }, [info, params]);

  const start = useCallback(async () => {
    if (run.current || !info) return;
    setError(null);
    const client = await engine.ready();
    const ctrl = new AbortController();
    const speed = live.current.speed;
    const pacing = speed === 'max' ? {} : { chunk: Number(speed), delayMs: 16 };
    setRunning(true);
    const done = client
      .run('train.steps', { key: KEY, steps: 1e9, reportMs: 200, ...pacing }, {
        signal: ctrl.signal,
        // Every report joins the loss history; React sees the newest at most once a frame, and the engine's next
        // report waits until this one is drawn (frame scheduler).
        onProgress: (pr) => {
          const point = { step: pr.step, loss: pr.lossAdjusted, variance: pr.lossVariance, vr: live.current.vr };
          return frames.schedule(KEY, () => {
            setProgress(pr);
            setHistory((h) => pushHistory(h, point));
            if (pr.warning) setNotice(`Warning: ${pr.warning}.`);
            else if (pr.notice) setNotice(`${pr.notice}.`);
          });
        },
      })
      .then(
        (r) => {
          if (r.diverged) setNotice(`Training stopped: ${r.diverged}.`);
          else if (r.warning) setNotice(`Warning: ${r.warning}.`);
          else if (r.notice) setNotice(`${r.notice}.`);
        },
        (e: unknown) => {
          if (!isCancel(e)) setError(message(e));
        },
      )
      .finally(() => {
        run.current = null;
        setRunning(false);
        void refreshFields();
        void refreshMetrics();
      });
    run.current = { ctrl, done };
  }, [info, refreshFields, refreshMetrics]);
  useEffect(() => {
    startRef.current = start;
  }, [start]);
  useSpaceToggle(() => void (running ? pause() : start()), info !== null);

  // While training: refresh the fields and the metrics now and then (the worker interleaves them between steps).
  useEffect(() => {
    if (!running) return;
    const a = setInterval(() => void refreshFields(), FIELDS_MS);
    const b = setInterval(() => void refreshMetrics(), METRICS_MS);
    return () => {
      clearInterval(a);
      clearInterval(b);
    };
  }, [running, refreshFields, refreshMetrics]);

  // A speed change while training restarts the request with the new pacing.
  const lastSpeed = useRef(params.speed);
  useEffect(() => {
    if (lastSpeed.current === params.speed) return;
    lastSpeed.current = params.speed;
    if (run.current) void pause().then(start);
  }, [params.speed, pause, start]);

  // Leaving the lab pauses training (the model stays in the engine for the other labs).
  // Leaving the tab pauses training (the page stops drawing it); the lab says so when the reader comes back.
  useEffect(
    () => () => {
      if (!run.current) return;
      pausedOnLeave = stepRef.current;
      run.current.ctrl.abort();
    },
    [],
  );

  const step = useCallback(async () => {
    if (run.current) return;
    try {
      const client = await engine.ready();
      const r = await client.run('train.steps', { key: KEY, steps: 1, reportMs: 0 }, { onProgress: setProgress });
      if (r.last) setHistory((h) => pushHistory(h, { step: r.last!.step, loss: r.last!.lossAdjusted, variance: r.last!.lossVariance, vr: live.current.vr }));
      if (r.diverged) setNotice(`Training stopped: ${r.diverged}.`);
      else if (r.warning) setNotice(`Warning: ${r.warning}.`);
      await refreshFields();
      void refreshMetrics();
    } catch (e) {
      setError(message(e));
    }
  }, [refreshFields, refreshMetrics]);

  /** Changes a model-defining setting; asks first when that discards a trained model. */
  const changeModel = useCallback(
    (patch: ModelPatch, what: string) => {
      if (trainedSteps > 0 && !window.confirm(`Changing ${what} starts a new model: the trained one (${trainedSteps} steps) will be discarded. Save it first to keep it. Continue?`)) {
        return;
      }
      if (patch.density !== undefined) setPoints(null);
      // A run in progress goes on with the new model (the model effect).
      setParams(patch);
    },
    [trainedSteps, setParams, setPoints],
  );

  /** Trains on the 2-D points of a CSV file (their kernel density is the truth); a bad file changes nothing. */
  const onPointsFile = useCallback(
    async (e: ChangeEvent<HTMLInputElement>) => {
      const file = e.target.files?.[0];
      e.target.value = '';
      if (!file) return;
      if (file.size > MAX_POINTS_FILE_BYTES) {
        setError(`Could not use ${file.name}: ${(file.size / 1e6).toFixed(1)} MB is too large; the engine takes at most 20000 points (a few hundred kB of CSV).`);
        return;
      }
      let parsed: { points: Float64Array; n: number };
      try {
        parsed = parseCsvPoints(await file.text(), 2);
      } catch (err) {
        setError(`Could not use ${file.name}: ${message(err)}`);
        return;
      }
      if (trainedSteps > 0 && !window.confirm(`Training on ${file.name} starts a new model: the trained one (${trainedSteps} steps) will be discarded. Continue?`)) return;
      setError(null);
      setPoints({ name: file.name, points: parsed.points, n: parsed.n });
    },
    [trainedSteps, setPoints],
  );

  // ------------------------------------------------------------ save / load

  const refreshSaved = useCallback(() => {
    listModels().then(setSaved, () => setSaved([]));
  }, []);
  useEffect(refreshSaved, [refreshSaved]);

  const exportRun = useCallback(async () => (await engine.ready()).run('train.export', { key: KEY }), []);

  const download = useCallback(async () => {
    try {
      const file = await exportRun();
      const blob = new Blob([JSON.stringify(file)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `scores-${densityLabel.replace(/\.[a-z]+$/i, '')}-sigma${params.sigma}-${params.s2}-step${file.training.steps}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setError(message(e));
    }
  }, [exportRun, densityLabel, params.sigma, params.s2]);

  const saveInBrowser = useCallback(async () => {
    try {
      const file = await exportRun();
      const label = `${densityLabel}, σ = ${params.sigma}, s2 ${params.s2}, ${file.training.steps} steps`;
      const name = `${label} (${new Date().toLocaleString()})`;
      await saveModel({ name, label, savedAt: Date.now(), file });
      setChosenSave(name);
      refreshSaved();
      setError(null);
      setNotice(`Saved in this browser as “${name}”.`);
    } catch (e) {
      setError(message(e));
    }
  }, [exportRun, densityLabel, params.sigma, params.s2, refreshSaved]);

  /**
   * Loads a run file into the engine and the settings to match it. The file is checked in full first (format, spec,
   * weights, training record, the lab's ranges): a refused file asks nothing and changes nothing.
   */
  const importRun = useCallback(
    async (raw: unknown) => {
      const file = parseRunFile(raw);
      const filePoints = pointsOfRef(file.density);
      const d = filePoints || file.density === undefined ? live.current.density : file.density;
      if (typeof d !== 'string' || !(SCORES_DENSITIES as readonly string[]).includes(d)) {
        const named = typeof d === 'string' ? `"${d.slice(0, 40)}"` : 'a mixture file';
        throw new Error(`this model was trained on ${named}; the lab trains on its built-in 2-D densities (${SCORES_DENSITIES.join(', ')}) or uploaded 2-D points — use the CLI for others`);
      }
      if (file.spec.dim !== 2) throw new Error(`this is a ${file.spec.dim}-D model; the lab trains in 2-D — use the CLI for others`);
      const patch = paramsOfHyper(hyperOfModel(file.training?.hyper, file.spec), d as Params['density']);
      for (const [k, v] of Object.entries(patch)) {
        const spec = (scoresParams as Record<string, { kind: string; min?: number; max?: number }>)[k];
        if (typeof v === 'number' && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) {
          throw new Error(`the model's ${k} = ${v} is outside the lab's range [${spec.min}, ${spec.max}]; use it from the CLI`);
        }
      }
      if (trainedSteps > 0 && !window.confirm(`Loading a model discards the trained one (${trainedSteps} steps). Continue?`)) return;
      await pause();
      const client = await engine.ready();
      const r = await client.run('train.import', { key: KEY, file: raw, ...(file.density === undefined ? { density: d } : {}) });
      created.current = `${epoch}:${modelKeyOf({ ...live.current, ...patch }, filePoints)}`;
      setPoints(filePoints);
      setParams(patch);
      adopt(r, historyOf(r));
      const on = filePoints ? `${filePoints.n} points from ${filePoints.name}` : file.density === undefined ? `${d} (the file names no density: the lab's current one)` : d;
      setNotice(`Loaded a model trained for ${r.step} steps on ${on} at σ = ${r.hyper.sigma}.`);
      await refreshFields();
      void refreshMetrics();
    },
    [trainedSteps, pause, epoch, setParams, setPoints, adopt, refreshFields, refreshMetrics],
  );

  const onFile = useCallback(
    async (e: ChangeEvent<HTMLInputElement>) => {
      const file = e.target.files?.[0];
      e.target.value = '';
      if (!file) return;
      try {
        let json: unknown;
        try {
          json = JSON.parse(await file.text());
        } catch {
          throw new Error(`${file.name} is not valid JSON`);
        }
        await importRun(json);
      } catch (err) {
        setError(`Could not load ${file.name}: ${message(err)}`);
      }
    },
    [importRun],
  );

  const loadSaved = useCallback(async () => {
    try {
      const entry = await loadModel(chosenSave);
      if (!entry) throw new Error('no such saved model');
      await importRun(entry.file);
    } catch (e) {
      setError(`Could not load the saved model: ${message(e)}`);
    }
  }, [chosenSave, importRun]);

  const removeSaved = useCallback(async () => {
    await deleteModel(chosenSave).catch((e: unknown) => setError(message(e)));
    setChosenSave('');
    refreshSaved();
  }, [chosenSave, refreshSaved]);

  // ------------------------------------------------------------ plots

  const f = fields;
  const specs = useMemo(() => {
    if (!f) return null;
    const scale = s1Scale(f);
    const e1 = s1Error(f);
    const gs = glyphScale(f, params.glyph);
    const errDirect = f.s2Direct ? s2Error(f, f.s2Direct, params.comp) : null;
    const errAuto = f.s2Autodiff ? s2Error(f, f.s2Autodiff, params.comp) : null;
    const zmax = quantile([errDirect, errAuto].filter((v): v is Float64Array => v !== null), 0.98);
    const compLabel = params.comp === 'fro' ? '‖Δs2‖' : `|Δs2_${params.comp}|`;
    return {
      data: dataSpec(f, params.noisy),
      s1Learned: vectorFieldSpec(f, f.s1, COLORS.learned, scale),
      s1True: vectorFieldSpec(f, f.truth.s1, COLORS.truth, scale),
      s1Err: heatmapSpec(f, e1, '‖Δs1‖'),
      glyphDirect: f.s2Direct ? glyphSpec(f, f.s2Direct, params.glyph, gs) : null,
      glyphAuto: f.s2Autodiff ? glyphSpec(f, f.s2Autodiff, params.glyph, gs) : null,
      glyphTrue: glyphSpec(f, f.truth.s2, params.glyph, gs),
      errDirect: errDirect ? heatmapSpec(f, errDirect, compLabel, zmax) : null,
      errAuto: errAuto ? heatmapSpec(f, errAuto, compLabel, zmax) : null,
    };
  }, [f, params.noisy, params.glyph, params.comp]);
  const loss = useMemo(() => (history.length ? lossSpec(history) : null), [history]);
  const variance = useMemo(() => (history.length ? varianceSpec(history) : null), [history]);

  const lossFirst = history.length ? history[0].loss : NaN;
  const lossLast = history.length ? history[history.length - 1].loss : NaN;
  const winner = metrics ? mseWinner(metrics) : null;
  const disabled = engineStatus !== 'ready' || !info;

  return (
    <div
      className="scores-lab lab-page"
      data-testid="scores-lab"
      data-step={info ? trainedSteps : ''}
      data-density={info?.density ?? ''}
      data-sigma={info?.hyper.sigma ?? ''}
      data-running={running ? '1' : '0'}
      data-loss-first={fmt(lossFirst, 8)}
      data-loss-last={fmt(lossLast, 8)}
      data-fields-step={fields?.step ?? ''}
      data-backend={backendInfo?.name ?? ''}
    >
      <aside className="lab-side" aria-label="Scores lab settings">
        <section className="scores-transport" aria-label="Training">
          <button type="button" data-testid="start" disabled={disabled || running || replacing > 0} onClick={() => void start()}>
            Start
          </button>
          <button type="button" data-testid="pause" disabled={!running} onClick={() => void pause()}>
            Pause
          </button>
          <button type="button" data-testid="step" disabled={disabled || running} onClick={() => void step()}>
            Step
          </button>
          <button
            type="button"
            data-testid="reset"
            disabled={disabled}
            onClick={() => {
              if (trainedSteps > 0 && !window.confirm('Reset discards the trained model. Continue?')) return;
              recreate().catch((e: unknown) => setError(message(e)));
            }}
          >
            Reset
          </button>
          <span className="scores-readout" data-testid="readout" aria-live="polite">
            step <b>{info ? trainedSteps : '–'}</b> · {fmt(progress?.stepsPerSec, 3)} steps/s · loss <b>{fmt(progress?.lossAdjusted)}</b> · per-sample variance{' '}
            <b data-testid="variance">{fmt(progress?.lossVariance, 3)}</b> {params.vr ? '(VR on)' : '(VR off)'} · {backendInfo?.name ?? '…'}
            {info && <span className="hint"> · {info.parameterCount.toLocaleString()} parameters</span>}
          </span>
        </section>
        {notice && (
          <p className="scores-notice" data-testid="notice">
            {notice}
          </p>
        )}
        {error && (
          <p className="error-text" data-testid="error">
            {error}
          </p>
        )}

        <section className="lab-controls" aria-label="Model and data">
          <EnumControl label={points ? 'density (uploaded points in use)' : 'density'} spec={scoresParams.density} value={params.density} onChange={(density) => changeModel({ density }, 'the density')} testId="density" />
          <label className="scores-file scores-upload" title="One 2-D point per line, e.g. 0.5,1.2 (an optional header line such as x,y is skipped)">
            {points ? `${points.n} points from ${points.name}` : 'or upload points (CSV)'}
            <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void onPointsFile(e)} data-testid="points-file" />
          </label>
          {points && (
            <button type="button" onClick={() => changeModel({ density: params.density }, 'the density')} data-testid="points-clear">
              back to {params.density}
            </button>
          )}
          <NumberControl label="noise level σ" spec={scoresParams.sigma} value={params.sigma} log onChange={(sigma) => changeModel({ sigma }, 'σ')} testId="sigma" />
          <EnumControl
            label="s2 head"
            spec={scoresParams.s2}
            value={params.s2}
            labels={{ full: 'full symmetric', diag: 'diagonal', lowrank: 'low rank diag + UUᵀ', psd: 'PSD by construction', none: 'none (autodiff only)' }}
            onChange={(s2) => changeModel({ s2 }, 'the s2 head')}
            testId="s2"
          />
          {(params.s2 === 'lowrank' || params.s2 === 'psd') && (
            <NumberControl label="rank r" spec={scoresParams.rank} value={params.rank} onChange={(rank) => changeModel({ rank }, 'the rank')} />
          )}
          <NumberControl label="width" spec={scoresParams.width} value={params.width} log onChange={(width) => changeModel({ width }, 'the width')} />
          <NumberControl label="hidden layers" spec={scoresParams.depth} value={params.depth} onChange={(depth) => changeModel({ depth }, 'the depth')} />
          <EnumControl label="activation" spec={scoresParams.act} value={params.act} onChange={(act) => changeModel({ act }, 'the activation')} testId="act" />
          <BoolControl label="s1 and s2 share the trunk" value={params.shareTrunk} onChange={(shareTrunk) => changeModel({ shareTrunk }, 'the trunk sharing')} />
        </section>
        <section className="lab-controls" aria-label="Objective and optimiser (live)">
          <BoolControl label="variance reduction (VR)" value={params.vr} onChange={(vr) => setParams({ vr })} testId="vr" />
          <NumberControl label="γ (weight of DSM)" spec={scoresParams.gamma} value={params.gamma} onChange={(gamma) => setParams({ gamma })} />
          <BoolControl label="stop-gradient into s1" value={params.stopGrad} onChange={(stopGrad) => setParams({ stopGrad })} />
          <NumberControl label="batch" spec={scoresParams.batch} value={params.batch} log onChange={(batch) => setParams({ batch })} />
          <NumberControl label="learning rate" spec={scoresParams.lr} value={params.lr} log onChange={(lr) => setParams({ lr })} />
          <EnumControl label="speed (steps per frame)" spec={scoresParams.speed} value={params.speed} onChange={(speed) => setParams({ speed })} />
        </section>

        <section className="scores-files" aria-label="Save and load">
          <button type="button" disabled={disabled} onClick={() => void download()} data-testid="download">
            Download JSON
          </button>
          <label className="scores-file">
            Load JSON
            <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e)} data-testid="load-file" />
          </label>
          <button type="button" disabled={disabled} onClick={() => void saveInBrowser()} data-testid="save-browser">
            Save in browser
          </button>
          <select value={chosenSave} onChange={(e) => setChosenSave(e.target.value)} aria-label="Models saved in this browser" data-testid="saved-list">
            <option value="">{saved.length ? 'saved models…' : 'no saved models'}</option>
            {saved.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
          <button type="button" disabled={!chosenSave} onClick={() => void loadSaved()}>
            Load
          </button>
          <button type="button" disabled={!chosenSave} onClick={() => void removeSaved()}>
            Delete
          </button>
        </section>
      </aside>

      <div className="lab-main">
        <div className="scores-grid">
          <Panel title="Data (blue) and noisy samples x + σz over log p" testId="panel-data" spec={specs?.data} uirevision={uirevision} />
          <Panel title="Loss (VR losses + their offset, one axis)" testId="panel-loss" spec={loss} uirevision="loss">
            Press Start to train.
          </Panel>
          <Panel title="Per-sample loss variance (log)" testId="panel-variance" spec={variance} uirevision="variance">
            Toggle VR while training and watch it drop.
          </Panel>
          <Panel title="Learned s1θ over log q_σ" testId="panel-s1" spec={specs?.s1Learned} uirevision={uirevision} />
          <Panel title="True s1 = ∇ log q_σ" testId="panel-s1-true" spec={specs?.s1True} uirevision={uirevision} />
          <Panel title="Error ‖s1θ − s1‖" testId="panel-s1-error" spec={specs?.s1Err} uirevision={uirevision} />
          <Panel title={`Direct s2θ (${params.glyph === 'cross' ? 'principal curvatures' : 'Tweedie covariance ellipses'})`} testId="panel-s2-direct" spec={specs?.glyphDirect} uirevision={uirevision}>
            {params.s2 === 'none' ? 'No s2 head (s2 = none): only autodiff.' : undefined}
          </Panel>
          <Panel title="Autodiff ∇s1θ" testId="panel-s2-autodiff" spec={specs?.glyphAuto} uirevision={uirevision} />
          <Panel title="True s2 = ∇² log q_σ" testId="panel-s2-true" spec={specs?.glyphTrue} uirevision={uirevision} />
          <Panel title="Error of direct s2θ" testId="panel-s2-error-direct" spec={specs?.errDirect} uirevision={uirevision}>
            {params.s2 === 'none' ? 'No s2 head.' : undefined}
          </Panel>
          <Panel title="Error of autodiff ∇s1θ" testId="panel-s2-error-autodiff" spec={specs?.errAuto} uirevision={uirevision} />
          <figure className="scores-panel scores-metrics" data-testid="panel-metrics" data-has-data={metrics ? '1' : '0'}>
            <figcaption>Metrics on {metrics?.n ?? METRIC_POINTS} fresh noisy points (step {metrics?.step ?? '–'})</figcaption>
            <div className="scores-display">
              <EnumControl label="glyph" spec={scoresParams.glyph} value={params.glyph} labels={{ cross: 'curvature crosses', ellipse: 'covariance ellipses' }} onChange={(glyph) => setParams({ glyph })} />
              <EnumControl label="error map" spec={scoresParams.comp} value={params.comp} labels={{ fro: '‖Δ‖ (Frobenius)', '11': 'component 11', '12': 'component 12', '22': 'component 22' }} onChange={(comp) => setParams({ comp })} />
              <BoolControl label="noisy samples" value={params.noisy} onChange={(noisy) => setParams({ noisy })} />
            </div>
            {metrics ? (
              <table className="scores-table">
                <thead>
                  <tr>
                    <th />
                    <th>direct s2θ</th>
                    <th>autodiff ∇s1θ</th>
                  </tr>
                </thead>
                <tbody>
                  {metricsRows(metrics).map(([name, a, b]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td className={winner === 'direct' && name.startsWith('MSE of s2') ? 'better' : ''}>{a}</td>
                      <td className={winner === 'autodiff' && name.startsWith('MSE of s2') ? 'better' : ''}>{b}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="hint">Measuring…</p>
            )}
            <div className="scores-export">
              <span className="hint">Download</span>
              <button type="button" disabled={!metrics} onClick={() => metrics && downloadText(toJson({ lab: 'scores', settings: params, seed, backend: backendInfo?.name, metrics }), fileOf('metrics', 'json'))} data-testid="metrics-json">
                metrics JSON
              </button>
              <button type="button" disabled={history.length === 0} onClick={() => downloadText(toCsv(['step', 'loss', 'variance', 'vr'], history.map((h) => [h.step, h.loss, h.variance, h.vr])), fileOf('loss-history', 'csv'))} data-testid="history-csv">
                loss history CSV
              </button>
            </div>
            <p className="hint">
              MSE per entry against the exact s2 of q_σ ({params.s2 === 'diag' ? 'diagonal entries' : 'all entries'}); time per evaluation on a batch of 256 points on{' '}
              {backendInfo?.name ?? 'this backend'}.
            </p>
          </figure>
        </div>
      </div>
    </div>
  );
}
