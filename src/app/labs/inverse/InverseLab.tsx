/**
 * The Inverse problems lab (issue 7; MATH.md section 5; paper 2). Two energy models Uθ(y, Σ) of the same 2-D
 * mixture are trained in the browser side by side, one with A-DSM + A-CSM and one with A-DSM alone, and compared
 * with the exact energy −log p(y | Σ) everywhere: the normaliser across Σ, the landscapes, blind estimation of Σ,
 * posterior sampling for inpainting or y = Hx + σv (ULA vs MALA correctors), and the energy-guided Σ schedule.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PlotlyHTMLElement } from 'plotly.js';
import { getDensity } from '../../../core/densities/index.ts';
import { gmmNoisy } from '../../../core/gmm.ts';
import { evalGrid, makeGrid } from '../../../core/grid.ts';
import type { EnergyRef, NormalizeResult, ProblemSpec } from '../../../engine/jobs/energy.ts';
import type { SerializedEnergyModel } from '../../../models/energy/serialize.ts';
import { EnumControl, NumberControl } from '../../components/controls.tsx';
import { engine, useEngine } from '../../engine.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import { useJob } from '../../useJob.ts';
import type { LabProps } from '../types.ts';
import { downloadText } from '../../export/files.ts';
import { inverseFileName, metricsCsv, metricsJson, samplesCsv, samplesJson, type InverseExport, type ProblemSetting, type SamplerSetting, type ScheduleRun } from './exports.ts';
import { inverseParams, OPERATORS } from './params.ts';
import { SCHEDULE_SCENARIO } from './scenarios.ts';
import {
  blindSpec,
  COLORS,
  landscapeSpec,
  lossSpec,
  MODEL_LABELS,
  normalizationSpec,
  posteriorSpec,
  schedulePathSpec,
  sweepSpec,
  type LossPoint,
} from './plots.ts';
import './inverse.css';
import { eventToData } from '../../plot/eventToData.ts';

type Which = 'acsm' | 'dsm';
const SESSION: Record<Which, string> = { acsm: 'inverse-acsm', dsm: 'inverse-dsm' };
const BLIND_GRID = { min: 0.01, max: 10, n: 31 };

interface LabState {
  /** Which models (density, width, seed, worker) this state belongs to. */
  key: string;
  source: 'fresh' | 'pretrained';
  steps: Record<Which, number>;
  history: Record<Which, LossPoint[]>;
  norm: NormalizeResult | null;
}

const fmt = (v: number | null | undefined, p = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toPrecision(p));

/** The shipped pretrained pair for a density (only gmm2 ships one). */
function pretrainedUrl(density: string, which: Which): string {
  return `${import.meta.env.BASE_URL ?? './'}models/energy/${density}-${which}.json`;
}

export default function InverseLab({ params, setParams, seed }: LabProps<typeof inverseParams>) {
  const density = useMemo(() => getDensity(params.density), [params.density]);
  const bounds = density.bounds as [[number, number], [number, number]];
  const { epoch, status: engineStatus } = useEngine();

  // ----- the two models live in engine sessions; they are (re)created when the density, width, seed or worker change.
  const modelsKey = `${params.density}|${params.width}|${params.family}|${seed}|${epoch}`;
  const [lab, setLab] = useState<LabState | null>(null);
  const cur = lab?.key === modelsKey ? lab : null;
  const steps = cur?.steps ?? { acsm: 0, dsm: 0 };
  const history = cur?.history ?? { acsm: [], dsm: [] };
  const norm = cur?.norm ?? null;
  const [version, setVersion] = useState(0);
  const [busy, setBusy] = useState<{ label: string; frac: number } | null>(null);
  const [trainError, setTrainError] = useState<string | null>(null);
  /** What the last training or loading did that the user should know (e.g. pretrained models replaced). */
  const [notice, setNotice] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  /** Updates the state of the current models only (a late answer for older models is dropped). */
  const update = useCallback((key: string, patch: (l: LabState) => Partial<LabState>) => setLab((l) => (l && l.key === key ? { ...l, ...patch(l) } : l)), []);

  /** Two fresh untrained models (A-DSM + A-CSM, A-DSM only) in the engine's sessions, replacing what they held. */
  const createModels = useCallback(async () => {
    const client = await engine.ready();
    for (const which of ['acsm', 'dsm'] as const) {
      await client.run('energy.create', { session: SESSION[which], density: params.density, acsm: which === 'acsm', width: params.width, family: params.family, seed });
    }
  }, [params.density, params.width, params.family, seed]);

  useEffect(() => {
    if (engineStatus !== 'ready') return;
    let alive = true;
    void (async () => {
      await createModels();
      if (alive) {
        setLab({ key: modelsKey, source: 'fresh', steps: { acsm: 0, dsm: 0 }, history: { acsm: [], dsm: [] }, norm: null });
        setNotice(null);
      }
    })().catch((e: unknown) => alive && setTrainError(String(e instanceof Error ? e.message : e)));
    return () => {
      alive = false;
    };
  }, [modelsKey, engineStatus, createModels]);
  const curKey = cur?.key;
  const haveModels = cur !== null && (steps.acsm > 0 || cur.source === 'pretrained');

  const normalize = useCallback(
    async (key: string, signal?: AbortSignal) => {
      const client = await engine.ready();
      const res = await client.run('energy.normalize', { models: [{ session: SESSION.acsm }, { session: SESSION.dsm }] }, { signal });
      update(key, () => ({ norm: res }));
      setVersion((v) => v + 1);
    },
    [update],
  );

  const pretrained = cur?.source === 'pretrained';
  const train = useCallback(async () => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    const key = modelsKey;
    setTrainError(null);
    try {
      const client = await engine.ready();
      if (pretrained) {
        // Loaded models carry no optimiser state: training starts two fresh models (from step 0), which is what the
        // loss and normaliser panels then follow. Load pretrained brings the shipped pair back.
        setBusy({ label: 'creating fresh models', frac: 0 });
        await createModels();
        setLab({ key, source: 'fresh', steps: { acsm: 0, dsm: 0 }, history: { acsm: [], dsm: [] }, norm: null });
        setNotice('Training started two fresh models from step 0: the pretrained ones were replaced (Load pretrained brings them back).');
      } else {
        setNotice(null);
      }
      for (const which of ['acsm', 'dsm'] as const) {
        const res = await client.run(
          'energy.steps',
          { session: SESSION[which], steps: params.steps },
          { signal: ctrl.signal, onProgress: (p) => setBusy({ label: `training ${MODEL_LABELS[which]}: step ${p.step}`, frac: p.done / p.of }) },
        );
        update(key, (l) => ({ history: { ...l.history, [which]: res.history }, steps: { ...l.steps, [which]: res.step } }));
        if (ctrl.signal.aborted) return; // Stop: the models keep the steps done so far
        if (res.diverged) throw new Error(`${MODEL_LABELS[which]} diverged (non-finite loss)`);
      }
      setBusy({ label: 'normalising (log Z, grid masses)', frac: 1 });
      await normalize(key, ctrl.signal);
    } catch (e) {
      if (!ctrl.signal.aborted) setTrainError(e instanceof Error ? e.message : String(e));
    } finally {
      if (abort.current === ctrl) setBusy(null);
    }
  }, [params.steps, normalize, modelsKey, update, pretrained, createModels]);

  const loadPretrained = useCallback(async () => {
    setTrainError(null);
    setBusy({ label: 'loading the pretrained models', frac: 0.5 });
    try {
      const client = await engine.ready();
      const got: Record<Which, number> = { acsm: 0, dsm: 0 };
      for (const which of ['acsm', 'dsm'] as const) {
        const r = await fetch(pretrainedUrl(params.density, which));
        if (!r.ok) throw new Error(`no pretrained model for ${params.density} (${r.status})`);
        const file = (await r.json()) as SerializedEnergyModel;
        const info = await client.run('energy.import', { session: SESSION[which], file });
        got[which] = info.steps ?? 0;
      }
      setLab({ key: modelsKey, source: 'pretrained', steps: got, history: { acsm: [], dsm: [] }, norm: null });
      setNotice(null);
      await normalize(modelsKey);
    } catch (e) {
      setTrainError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }, [params.density, modelsKey, normalize]);

  const modelRef = useCallback((which: Which | 'exact'): EnergyRef => (which === 'exact' ? { exact: params.density } : { session: SESSION[which] }), [params.density]);
  const shownModel = haveModels || params.model === 'exact' ? params.model : 'exact';

  // ----- landscapes at the chosen Σ.
  const land = useJob('energy.landscape');
  const runLand = land.run;
  useEffect(() => {
    if (engineStatus !== 'ready' || !curKey) return;
    void runLand({ model: modelRef(shownModel), sigma: [params.landS1 ** 2, 0, params.landS2 ** 2], grid: 70 });
  }, [engineStatus, curKey, shownModel, params.landS1, params.landS2, version, runLand, modelRef]);

  // ----- blind estimation for both models.
  const blindA = useJob('energy.blind');
  const blindD = useJob('energy.blind');
  const runBlindA = blindA.run;
  const runBlindD = blindD.run;
  useEffect(() => {
    if (engineStatus !== 'ready' || !haveModels) return;
    const p = { truth: [params.trueS1, params.trueS2] as [number, number], points: params.points, seed, grid: BLIND_GRID };
    void runBlindA({ ...p, model: modelRef('acsm') }).then(() => runBlindD({ ...p, model: modelRef('dsm') }));
  }, [engineStatus, haveModels, params.trueS1, params.trueS2, params.points, seed, version, runBlindA, runBlindD, modelRef]);
  const setParamsRef = useRef(setParams);
  useEffect(() => {
    setParamsRef.current = setParams;
  }, [setParams]);
  const onBlindReady = useCallback((gd: PlotlyHTMLElement) => {
    gd.addEventListener('click', (e: MouseEvent) => {
      const p = eventToData(gd, e);
      if (p) setParamsRef.current({ trueS1: Number((10 ** p[0]).toPrecision(3)), trueS2: Number((10 ** p[1]).toPrecision(3)) });
    });
  }, []);

  // ----- posterior sampling.
  const problemOf = (q: ProblemSetting): ProblemSpec =>
    q.problem === 'inpaint' ? { kind: 'inpaint', axis: 0, value: q.obs1 } : { kind: 'linear', H: [...OPERATORS[q.operator as keyof typeof OPERATORS]], noise: q.noise, y: [q.obs1, q.obs2] };
  const setting: ProblemSetting = { problem: params.problem, obs1: params.obs1, obs2: params.obs2, operator: params.operator, noise: params.noise };
  const samplerSetting: SamplerSetting = {
    corrector: params.corrector,
    correctorSteps: params.correctorSteps,
    levels: params.levels,
    stepSize: params.stepSize,
    schedule: params.schedule,
    chains: params.chains,
  };
  /** The request of one posterior run (the sampler's settings, the problem and the model shown). */
  const posteriorRequest = (q: ProblemSetting, sm: SamplerSetting) => ({
    problem: problemOf(q),
    levels: sm.levels,
    stepSize: sm.stepSize,
    chains: sm.chains,
    seed,
    model: modelRef(shownModel),
    corrector: sm.corrector as 'mala' | 'ula',
    correctorSteps: sm.correctorSteps,
    schedule: sm.schedule as 'geometric' | 'energy',
  });
  const post = useJob('energy.posterior');
  /** The settings of the posterior run shown (they name its export). */
  const [postRun, setPostRun] = useState<{ setting: ProblemSetting; sampler: SamplerSetting; model: string } | null>(null);
  const samplePosterior = () => {
    setPostRun({ setting, sampler: samplerSetting, model: shownModel });
    void post.run(posteriorRequest(setting, samplerSetting));
  };
  const sweep = useJob('energy.correctorSweep');
  const [schedules, setSchedules] = useState<{ geometric: ScheduleRun; energy: ScheduleRun } | null>(null);
  const [scheduleError, setScheduleError] = useState<string | null>(null);
  const [scheduleBusy, setScheduleBusy] = useState(false);
  /** Both schedules on the same problem and budget (the current settings, or the scenario's when it is applied). */
  const compareSchedules = async (q: ProblemSetting = setting, sm: SamplerSetting = samplerSetting) => {
    setScheduleBusy(true);
    setScheduleError(null);
    try {
      const client = await engine.ready();
      const run = (schedule: 'geometric' | 'energy') => client.run('energy.posterior', { ...posteriorRequest(q, sm), schedule });
      const g = await run('geometric');
      const e = await run('energy');
      setSchedules({ geometric: { path: g.path, distance: g.distance }, energy: { path: e.path, distance: e.distance } });
    } catch (e) {
      setScheduleError(e instanceof Error ? e.message : String(e));
    } finally {
      setScheduleBusy(false);
    }
  };
  /** The one-click demonstration: the scenario where the schedules differ, applied and run. */
  const showScheduleDifference = () => {
    const v = { ...params, ...SCHEDULE_SCENARIO.params };
    setParams(SCHEDULE_SCENARIO.params);
    void compareSchedules(
      { problem: v.problem, obs1: v.obs1, obs2: v.obs2, operator: v.operator, noise: v.noise },
      { corrector: v.corrector, correctorSteps: v.correctorSteps, levels: v.levels, stepSize: v.stepSize, schedule: v.schedule, chains: v.chains },
    );
  };

  /** What the export buttons save. */
  const exported = (): InverseExport => ({
    density: params.density,
    seed,
    model: postRun?.model ?? shownModel,
    setting: postRun?.setting ?? setting,
    sampler: postRun?.sampler ?? samplerSetting,
    posterior: post.result ?? null,
    schedules,
    sweep: sweep.result ?? null,
    blind: (['acsm', 'dsm'] as const).flatMap((model) => {
      const r = (model === 'acsm' ? blindA : blindD).result;
      return r ? [{ model, truth: r.truth, estimate: r.estimate, exactEstimate: r.exactEstimate }] : [];
    }),
    normalization: norm,
  });
  const save = (what: 'samples' | 'metrics', ext: 'csv' | 'json') => {
    const e = exported();
    const text = what === 'samples' ? (e.posterior ? (ext === 'csv' ? samplesCsv(e.posterior) : samplesJson(e, e.posterior)) : null) : ext === 'csv' ? metricsCsv(e) : metricsJson(e);
    if (text) downloadText(text, inverseFileName(e, what, ext));
  };

  const prior = useMemo(() => {
    const g = makeGrid(bounds, 60);
    const q = gmmNoisy(density.gmm!, 1e-6);
    return { xs: g.xs, ys: g.ys, logp: evalGrid(g, (x) => q.logp(x)) };
  }, [density, bounds]);

  const landZmin = useMemo(() => {
    const r = land.result;
    if (!r) return 0;
    let m = Infinity;
    for (const v of r.exact) if (v < m) m = v;
    for (const v of r.learned) if (v < m) m = v;
    return m;
  }, [land.result]);

  const blindTitle = (which: Which, r: typeof blindA.result) =>
    r ? `${MODEL_LABELS[which]}: argmax σ = (${fmt(r.estimate[0])}, ${fmt(r.estimate[1])}), exact (${fmt(r.exactEstimate[0])}, ${fmt(r.exactEstimate[1])})` : MODEL_LABELS[which];

  return (
    <div className="inverse-lab lab-page" data-testid="inverse-lab" data-steps={steps.acsm} data-normalized={norm ? 'yes' : 'no'}>
      <aside className="lab-side" aria-label="Inverse-problems lab settings">
        <section className="lab-controls">
          <EnumControl label="density" spec={inverseParams.density} value={params.density} onChange={(density) => setParams({ density })} />
          <NumberControl label="training steps per run" spec={inverseParams.steps} value={params.steps} onChange={(steps) => setParams({ steps })} log testId="i-steps" />
          <NumberControl label="hidden units" spec={inverseParams.width} value={params.width} onChange={(width) => setParams({ width })} />
          <EnumControl label="covariance family" spec={inverseParams.family} value={params.family} onChange={(family) => setParams({ family })} labels={{ diag: 'diagonal Σ', full: 'full 2×2 Σ' }} />
          <div className="ilab-buttons">
            <button
              type="button"
              data-testid="i-train"
              disabled={!cur || busy !== null}
              onClick={() => void train()}
              title={cur?.source === 'pretrained' ? 'Replaces the pretrained models with two fresh ones and trains them from step 0' : undefined}
            >
              {cur?.source === 'pretrained' ? 'Train fresh models' : 'Train both models'}
            </button>
            {busy ? (
              <button type="button" onClick={() => abort.current?.abort()}>
                Stop
              </button>
            ) : null}
            <button type="button" data-testid="i-pretrained" disabled={!cur || busy !== null || params.density !== 'gmm2' || params.family !== 'diag'} onClick={() => void loadPretrained()} title="3000-step diagonal-Σ models of gmm2 shipped with the app">
              Load pretrained (gmm2)
            </button>
          </div>
          <p className="ilab-status" data-testid="i-status">
            {busy ? `${busy.label} (${Math.round(busy.frac * 100)} %)` : cur?.source === 'pretrained' ? `pretrained models loaded (${steps.acsm} steps each)` : `trained: ${steps.acsm} steps each`}
            {trainError ? <span className="ilab-error"> {trainError}</span> : null}
          </p>
          {notice ? (
            <p className="ilab-note" data-testid="i-notice">
              {notice}
            </p>
          ) : null}
        </section>
      </aside>

      <div className="lab-main">
        <section className="ilab-row">
          <div className="ilab-panel">
            {land.result ? (
              <PlotlyPanel spec={landscapeSpec(land.result.xs, land.result.ys, land.result.learned, `${MODEL_LABELS[shownModel]}: U + log Z`, landZmin)} height={320} label="learned energy landscape" />
            ) : (
              <p className="ilab-note">{land.error ?? 'computing…'}</p>
            )}
          </div>
          <div className="ilab-panel">
            {land.result ? <PlotlyPanel spec={landscapeSpec(land.result.xs, land.result.ys, land.result.exact, 'exact −log p(y | Σ)', landZmin)} height={320} label="exact energy landscape" /> : null}
          </div>
        </section>
        <section className="lab-controls">
          <EnumControl label="model" spec={inverseParams.model} value={params.model} onChange={(model) => setParams({ model })} labels={MODEL_LABELS} />
          <NumberControl label="landscape σ1" spec={inverseParams.landS1} value={params.landS1} onChange={(landS1) => setParams({ landS1 })} log />
          <NumberControl label="landscape σ2" spec={inverseParams.landS2} value={params.landS2} onChange={(landS2) => setParams({ landS2 })} log />
        </section>

        <section className="ilab-row">
          <div className="ilab-panel">
            <h3>Training losses</h3>
            {history.acsm.length > 0 || history.dsm.length > 0 ? (
              <PlotlyPanel live spec={lossSpec([{ name: 'acsm', history: history.acsm }, { name: 'dsm', history: history.dsm }])} height={280} label="training losses" />
            ) : (
              <p className="ilab-note">
                {cur?.source === 'pretrained' ? 'The pretrained models come without their training curves: train both models to watch the losses.' : 'The A-DSM and A-CSM losses of both models appear here while they train.'}
              </p>
            )}
          </div>
          <div className="ilab-panel" data-testid="i-normalization">
            <h3>Normaliser across Σ</h3>
            {norm ? (
              <>
                <PlotlyPanel
                  spec={normalizationSpec(
                    [
                      { name: 'acsm', rows: norm.models[0].rows },
                      { name: 'dsm', rows: norm.models[1].rows },
                    ],
                    norm.exact,
                  )}
                  height={280}
                  label="grid mass of exp(−U − log Z) per Σ"
                />
                <p className="ilab-note">
                  log Z (anchor Σ = 30 I): A-CSM {fmt(norm.models[0].logZ)}, A-DSM only {fmt(norm.models[1].logZ)}. A flat line at 1 means one constant normalises every p(y | Σ).
                </p>
              </>
            ) : (
              <p className="ilab-note">Train (or load) the models: the masses ∫ exp(−U − log Z) dy for a sweep of Σ appear here.</p>
            )}
          </div>
        </section>

        <section className="lab-controls">
          <NumberControl label="true σ1" spec={inverseParams.trueS1} value={params.trueS1} onChange={(trueS1) => setParams({ trueS1 })} log />
          <NumberControl label="true σ2" spec={inverseParams.trueS2} value={params.trueS2} onChange={(trueS2) => setParams({ trueS2 })} log />
          <NumberControl label="observations sharing Σ" spec={inverseParams.points} value={params.points} onChange={(points) => setParams({ points })} log testId="i-points" />
        </section>
        <section className="ilab-row" data-testid="i-blind">
          {(['acsm', 'dsm'] as const).map((which) => {
            const job = which === 'acsm' ? blindA : blindD;
            return (
              <div className="ilab-panel" key={which} data-testid={`i-blind-${which}`}>
                {job.result ? (
                  <PlotlyPanel spec={blindSpec(job.result, blindTitle(which, job.result))} height={360} label={`blind estimation, ${MODEL_LABELS[which]}`} onReady={onBlindReady} />
                ) : (
                  <p className="ilab-note">{job.error ?? (haveModels ? `computing Σ_n log p(y_n | Σ) over the (σ1, σ2) plane… ${job.progress ? Math.round((100 * job.progress.row) / job.progress.of) + ' %' : ''}` : 'Train (or load) the models for blind estimation.')}</p>
                )}
              </div>
            );
          })}
        </section>
        <p className="ilab-note">Click a heat-map to move the true Σ. One observation gives a nearly flat surface; a batch sharing Σ gives a peak.</p>

        <section className="lab-controls">
          <EnumControl label="inverse problem" spec={inverseParams.problem} value={params.problem} onChange={(problem) => setParams({ problem })} labels={{ inpaint: 'inpainting: x1 seen, x2 missing', linear: 'y = Hx + σv' }} />
          <NumberControl label={params.problem === 'inpaint' ? 'observed x1' : 'y1'} spec={inverseParams.obs1} value={params.obs1} onChange={(obs1) => setParams({ obs1 })} />
          {params.problem === 'linear' ? (
            <>
              <NumberControl label="y2" spec={inverseParams.obs2} value={params.obs2} onChange={(obs2) => setParams({ obs2 })} />
              <EnumControl label="operator H" spec={inverseParams.operator} value={params.operator} onChange={(operator) => setParams({ operator })} labels={{ scale: 'scale diag(1, 0.3)', blur: 'blur [[1, .6], [.6, 1]]', shear: 'shear [[1, .8], [0, 1]]' }} />
              <NumberControl label="noise σ" spec={inverseParams.noise} value={params.noise} onChange={(noise) => setParams({ noise })} log />
            </>
          ) : null}
          <EnumControl label="corrector" spec={inverseParams.corrector} value={params.corrector} onChange={(corrector) => setParams({ corrector })} labels={{ mala: 'MALA', ula: 'ULA' }} />
          <NumberControl label="corrector steps per level" spec={inverseParams.correctorSteps} value={params.correctorSteps} onChange={(correctorSteps) => setParams({ correctorSteps })} />
          <NumberControl label="annealing levels" spec={inverseParams.levels} value={params.levels} onChange={(levels) => setParams({ levels })} />
          <NumberControl label="corrector step ε" spec={inverseParams.stepSize} value={params.stepSize} onChange={(stepSize) => setParams({ stepSize })} log />
          <EnumControl label="Σ schedule" spec={inverseParams.schedule} value={params.schedule} onChange={(schedule) => setParams({ schedule })} labels={{ geometric: 'geometric', energy: 'energy-guided' }} />
          <NumberControl label="chains" spec={inverseParams.chains} value={params.chains} onChange={(chains) => setParams({ chains })} log />
          <div className="ilab-buttons">
            <button type="button" data-testid="i-sample" disabled={engineStatus !== 'ready'} onClick={samplePosterior}>
              Sample p(x | y)
            </button>
            <button
              type="button"
              disabled={engineStatus !== 'ready'}
              onClick={() => {
                const { problem: q, levels, stepSize, chains, seed: s, model, schedule } = posteriorRequest(setting, samplerSetting);
                void sweep.run({ problem: q, levels, stepSize, chains, seed: s, model, schedule, steps: [0, 1, 2, 4, 8] });
              }}
            >
              ULA vs MALA sweep
            </button>
            <button type="button" data-testid="i-schedules" disabled={engineStatus !== 'ready' || scheduleBusy} onClick={() => void compareSchedules()}>
              Geometric vs energy-guided
            </button>
            <button type="button" data-testid="i-schedule-scenario" disabled={engineStatus !== 'ready' || scheduleBusy} onClick={showScheduleDifference} title={SCHEDULE_SCENARIO.idea}>
              Show where the schedules differ
            </button>
          </div>
          <span className="ilab-export" role="group" aria-label="export">
            export
            <button type="button" data-testid="i-export-samples-csv" disabled={!post.result} onClick={() => save('samples', 'csv')} title="The posterior samples next to exact ones">
              samples CSV
            </button>
            <button type="button" data-testid="i-export-samples-json" disabled={!post.result} onClick={() => save('samples', 'json')}>
              samples JSON
            </button>
            <button type="button" data-testid="i-export-metrics-csv" onClick={() => save('metrics', 'csv')} title="W1, acceptance, the schedule comparison, the ULA vs MALA sweep, blind estimates and normaliser masses">
              metrics CSV
            </button>
            <button type="button" data-testid="i-export-metrics-json" onClick={() => save('metrics', 'json')}>
              metrics JSON
            </button>
          </span>
        </section>
        <p className="ilab-note">
          Sampling uses the {MODEL_LABELS[shownModel]} energy{shownModel === 'exact' && params.model !== 'exact' ? ' (no trained model yet)' : ''}. Σ anneals from the observation&apos;s Σ_y down to 10⁻⁴ per direction;
          MALA accepts with normalised energy differences at each Σ_t.
        </p>
        <section className="ilab-row">
          <div className="ilab-panel" data-testid="i-posterior">
            {post.result ? (
              <>
                <PlotlyPanel spec={posteriorSpec(post.result.samples, post.result.exactSamples, post.result.y, prior, bounds)} height={340} label="posterior samples" />
                <p className="ilab-note">
                  sliced W1 to the exact posterior {fmt(post.result.distance)} (exact samples of this size: {fmt(post.result.noiseFloor)}); MALA acceptance {fmt(post.result.acceptance)}
                  {post.result.diverged ? `; ${post.result.diverged} chains diverged` : ''}
                </p>
              </>
            ) : (
              <p className="ilab-note">{post.error ?? (post.status === 'running' ? `sampling… level ${post.progress?.level ?? 0} of ${post.progress?.of ?? params.levels}` : 'Press “Sample p(x | y)”.')}</p>
            )}
          </div>
          <div className="ilab-panel">
            {sweep.result ? (
              <PlotlyPanel spec={sweepSpec(sweep.result.rows, sweep.result.noiseFloor)} height={340} label="distance per corrector steps" />
            ) : (
              <p className="ilab-note">{sweep.error ?? (sweep.status === 'running' ? `running ULA and MALA… ${sweep.progress?.done ?? 0} of ${sweep.progress?.of ?? 10}` : 'The sweep runs the sampler with 0, 1, 2, 4, 8 corrector steps, ULA and MALA (equal budgets).')}</p>
            )}
          </div>
          <div className="ilab-panel" data-testid="i-schedule-panel" data-w1-geometric={schedules?.geometric.distance ?? ''} data-w1-energy={schedules?.energy.distance ?? ''}>
            {schedules ? (
              <PlotlyPanel
                spec={schedulePathSpec([
                  { name: 'geometric', ...schedules.geometric, color: COLORS.grey },
                  { name: 'energy-guided', ...schedules.energy, color: COLORS.acsm },
                ])}
                height={340}
                label="Σ paths of the schedules"
              />
            ) : (
              <p className="ilab-note">
                {scheduleError ??
                  (scheduleBusy
                    ? 'running both schedules…'
                    : 'Paths of Σ_t in the (σ1, σ2) plane and sample quality at the same budget. On inpainting only the missing direction anneals, so both schedules take the same path; on y = Hx + σv both anneal and the energy-guided one adapts its steps to the observation: “Show where the schedules differ”.')}
              </p>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}
