/**
 * The Digit inverse lab (issue 15; MATH.md section 5; paper 2 on MNIST). Pick an MNIST digit (or draw one), degrade
 * it (a hidden box dragged on the observation, K random seen pixels, or noise), and sample what it could have been
 * by annealing Σ under the pretrained energy model Uθ(y, Σ): samples with their classifier labels, the posterior
 * mean and per-pixel std, MSE/PSNR, MALA's acceptance. "Compare schedules" runs geometric and energy-guided Σ paths
 * with the same seed; blind estimation maps log p(y | W, σ1) of a centred-box observation for the A-DSM + A-CSM and
 * the A-DSM-only models.
 *
 * All model work runs in the engine's worker (jobs inverseSample, inverseBlind of engine/jobs/digitsInverse.ts).
 * The observation shown before a run is the engine's own: `degrade` is pure and seeded like the job.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PlotlyHTMLElement } from 'plotly.js';
import type { LabProps } from '../types.ts';
import type { InverseBlindResult, InverseSampleParams } from '../../../engine/jobs/digitsInverse.ts';
import { parseProblem } from '../../../models/inverse/problems.ts';
import { degrade, type Reconstruction } from '../../../models/inverse/reconstruct.ts';
import { preprocessDigit, type GreyImage } from '../../../models/digits/preprocess.ts';
import { EnumControl, NumberControl } from '../../components/controls.tsx';
import { useEngine } from '../../engine.ts';
import { useJob } from '../../useJob.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import { eventToData } from '../../plot/eventToData.ts';
import { downloadText } from '../../export/files.ts';
import { DrawingPad } from '../digits/DrawingPad.tsx';
import { Gallery, galleryDigit, loadGallery, type GalleryData } from '../digits/Gallery.tsx';
import { ImageView } from '../digits/ImageView.tsx';
import { ColorBar } from '../digits/ColorBar.tsx';
import { GREY_SCALE, imageAt, sharedScale } from '../digits/images.ts';
import { coarseBlindGrid, effectiveBox, inverseDigitsParams, problemSpec, SIDE, type Box } from './params.ts';
import { blindHeatmapSpec, blindSentence, MODEL_LABELS, SCHEDULE_LABELS, schedulePathSpec } from './plots.ts';
import { inverseDigitsFileName, metricsCsv, metricsJson, samplesCsv, type InverseDigitsExport, type RunMetrics } from './exports.ts';
import { ObservationView } from './ObservationView.tsx';
import '../digits/digits.css';
import './inverseDigits.css';
import { useElapsed } from '../../components/useElapsed.ts';

type Params = LabProps<typeof inverseDigitsParams>['params'];
type Schedule = 'geometric' | 'energy';
type SampleRequest = Omit<InverseSampleParams, 'image'> & { image: Float32Array };

const fmt = (v: number | null | undefined, p = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : String(Number(v.toPrecision(p))));
const pct = (v: number) => `${Math.round(100 * v)} %`;


/** The settings of a reconstruction that a result depends on, as one comparable string. */
function runKey(input: string, p: Params, seed: number, spec: string, schedule: string): string {
  return [input, spec, p.problem === 'noise' ? '' : p.sigma1, p.model, p.corrector, schedule, p.levels, p.steps, p.stepSize, p.samples, seed].join('|');
}

function metricsOf(what: string, r: Reconstruction, req: SampleRequest): RunMetrics {
  return {
    what,
    problem: req.problem,
    sigma1: req.sigma1,
    corrector: req.corrector,
    schedule: req.schedule,
    levels: req.levels,
    steps: req.steps,
    stepSize: req.stepSize,
    samples: req.samples,
    label: r.label,
    sampleLabels: r.sampleLabels,
    sampleAccuracy: r.sampleAccuracy,
    mseMean: r.mseMean,
    psnrMean: r.psnrMean,
    acceptRate: r.acceptRate,
    diverged: r.diverged,
    seconds: r.seconds,
  };
}

/** One line of a run's numbers. */
function RunNumbers({ r, corrector, testId }: { r: Reconstruction; corrector: string; testId?: string }) {
  const right = r.sampleLabels.filter((l) => l === r.label).length;
  return (
    <p className="idlab-numbers" data-testid={testId} data-mse={r.mseMean} data-accuracy={r.sampleAccuracy}>
      samples classified {r.label}: <b>{right}/{r.sampleLabels.length}</b> ({pct(r.sampleAccuracy)}) · MSE of the mean <b>{fmt(r.mseMean)}</b> (PSNR {fmt(r.psnrMean)} dB)
      {corrector === 'mala' ? (
        <>
          {' '}
          · MALA acceptance <b>{fmt(r.acceptRate, 2)}</b>
        </>
      ) : null}
      {r.diverged > 0 ? ` · ${r.diverged} non-finite updates refused` : ''} · {fmt(r.seconds, 2)} s
    </p>
  );
}

export default function InverseDigitsLab({ params, setParams, seed }: LabProps<typeof inverseDigitsParams>) {
  const modelsUrl = useMemo(() => new URL('models/', document.baseURI).href, []);
  const { status: engineStatus } = useEngine();

  // ----- the digit: a gallery digit, or one drawn on the pad (preprocessed like MNIST).
  const [gallery, setGallery] = useState<GalleryData | null>(null);
  const [galleryError, setGalleryError] = useState<string | null>(null);
  useEffect(() => {
    loadGallery().then(setGallery, (e: Error) => setGalleryError(e.message));
  }, []);
  const base = useMemo(() => (gallery && params.digit >= 0 && params.digit < gallery.count ? galleryDigit(gallery, params.digit) : null), [gallery, params.digit]);
  const [drawn, setDrawn] = useState<{ pixels: Float32Array; version: number } | null>(null);
  const drawVersion = useRef(0);
  const onInk = useCallback((img: GreyImage | null) => {
    if (!img) {
      setDrawn(null);
      return;
    }
    const p = preprocessDigit(img);
    setDrawn(p.hasInk ? { pixels: p.pixels, version: ++drawVersion.current } : null);
  }, []);
  const x = drawn?.pixels ?? base;
  const inputKey = drawn ? `drawn${drawn.version}` : `mnist${params.digit}`;
  const trueLabel = !drawn && gallery && params.digit >= 0 && params.digit < gallery.count ? gallery.labels[params.digit] : undefined;
  const digitForFiles = drawn ? -1 : params.digit;

  // ----- the degradation and its observation (the engine's, computed here too: pure and seeded alike).
  const spec = problemSpec(params);
  const box: (Box & { clipped: boolean }) | null = params.problem === 'box' ? effectiveBox({ x: params.bx, y: params.by, w: params.bw, h: params.bh }) : null;
  const observation = useMemo(() => {
    if (!x) return null;
    try {
      return { ...degrade(x, parseProblem(spec), params.sigma1, seed), error: null };
    } catch (e) {
      return { y: null, seen: null, variance: null, error: e instanceof Error ? e.message : String(e) };
    }
  }, [x, spec, params.sigma1, seed]);
  const setBox = useCallback((b: Box) => setParams({ problem: 'box', bx: b.x, by: b.y, bw: b.w, bh: b.h }), [setParams]);

  // ----- reconstruction: one run, and the two schedules with the same seed.
  const request = (schedule: Schedule): SampleRequest | null =>
    x
      ? {
          model: params.model,
          modelsUrl,
          image: x,
          problem: spec,
          sigma1: params.sigma1,
          corrector: params.corrector,
          schedule,
          levels: params.levels,
          steps: params.steps,
          stepSize: params.stepSize,
          samples: params.samples,
          seed,
          trueLabel,
        }
      : null;
  const key = (schedule: Schedule | '*') => runKey(inputKey, params, seed, spec, schedule);

  const rec = useJob('inverseSample');
  const cmpJob = useJob('inverseSample');
  const blind = useJob('inverseBlind');
  const [last, setLast] = useState<{ key: string; req: SampleRequest; result: Reconstruction } | null>(null);
  const [cmp, setCmp] = useState<{ key: string; req: SampleRequest; geometric?: Reconstruction; energy?: Reconstruction } | null>(null);
  const [cmpPhase, setCmpPhase] = useState<Schedule | null>(null);
  const cmpCancelled = useRef(false);
  const busy = rec.status === 'running' || cmpPhase !== null || blind.status === 'running';
  const ready = engineStatus === 'ready' && x !== null && observation?.error === null;

  const reconstruct = async () => {
    const req = request(params.schedule);
    if (!req) return;
    const k = key(params.schedule);
    const result = await rec.run(req);
    if (result) setLast({ key: k, req, result });
  };
  const compare = async () => {
    const req = request('geometric');
    if (!req) return;
    const k = key('*');
    cmpCancelled.current = false;
    setCmp({ key: k, req });
    setCmpPhase('geometric');
    try {
      for (const schedule of ['geometric', 'energy'] as const) {
        setCmpPhase(schedule);
        const r = await cmpJob.run({ ...req, schedule });
        if (!r || cmpCancelled.current) return;
        setCmp((c) => (c && c.key === k ? { ...c, [schedule]: r } : c));
      }
    } finally {
      setCmpPhase(null);
    }
  };
  const cancel = () => {
    rec.cancel();
    cmpCancelled.current = true;
    cmpJob.cancel();
  };
  const running = rec.status === 'running' ? 'run' : cmpPhase ? 'compare' : null;
  const progress = running === 'run' ? rec.progress : running === 'compare' ? cmpJob.progress : undefined;
  const elapsed = useElapsed(running !== null);
  const levelsTotal = progress?.levels ?? params.levels;
  const progressText = running
    ? `${running === 'compare' ? `${SCHEDULE_LABELS[cmpPhase ?? 'geometric']} (${cmpPhase === 'energy' ? 2 : 1} of 2): ` : ''}${progress ? `level ${progress.level} of ${progress.levels}` : 'loading the models…'}, ${elapsed} s`
    : null;

  const shown = last?.result ?? null;
  const stale = last !== null && last.key !== key(params.schedule);
  const cmpStale = cmp !== null && cmp.key !== key('*');
  const stdScale = useMemo(() => (shown ? sharedScale([shown.std], 'heat', 'posterior std over the samples (pixel intensity)') : null), [shown]);

  // ----- blind estimation.
  const [blindShown, setBlindShown] = useState<{ key: string; result: InverseBlindResult } | null>(null);
  const blindKey = `${inputKey}|${params.blindW}|${params.blindS1}|${params.blindGrid}|${seed}`;
  const runBlind = async () => {
    if (!x) return;
    const k = blindKey;
    const grid = params.blindGrid === 'coarse' ? coarseBlindGrid() : {};
    const r = await blind.run({ models: ['acsm', 'dsm'], modelsUrl, image: x, box: params.blindW, sigma1: params.blindS1, seed, ...grid });
    if (r) setBlindShown({ key: k, result: r });
  };
  const blindStale = blindShown !== null && blindShown.key !== blindKey;
  const setParamsRef = useRef(setParams);
  useEffect(() => {
    setParamsRef.current = setParams;
  }, [setParams]);
  const onBlindReady = useCallback((gd: PlotlyHTMLElement) => {
    gd.addEventListener('click', (e: MouseEvent) => {
      const p = eventToData(gd, e);
      if (p) setParamsRef.current({ blindW: Math.round(p[0]), blindS1: Number((10 ** p[1]).toPrecision(3)) });
    });
  }, []);
  const blindElapsed = useElapsed(blind.status === 'running');

  // ----- exports.
  const exported = (): InverseDigitsExport => ({
    seed,
    digit: digitForFiles,
    runs: [
      ...(last ? [metricsOf('run', last.result, last.req)] : []),
      ...(cmp?.geometric ? [metricsOf('compare-geometric', cmp.geometric, { ...cmp.req, schedule: 'geometric' })] : []),
      ...(cmp?.energy ? [metricsOf('compare-energy', cmp.energy, { ...cmp.req, schedule: 'energy' })] : []),
    ],
    blind: (blindShown?.result.surfaces ?? []).map((s) => ({
      model: s.model,
      truthBox: blindShown!.result.truth.box,
      truthSigma1: blindShown!.result.truth.sigma1,
      estimateBox: s.estimate.a,
      estimateSigma1: s.estimate.b,
    })),
  });
  const fileFor = (what: string, ext: 'csv' | 'json' | 'png' = 'png') => inverseDigitsFileName(what, digitForFiles, last?.req.problem ?? spec, seed, ext);

  const problemText =
    params.problem === 'box' && box
      ? `box ${box.w}×${box.h} at (${box.x}, ${box.y}) hidden, the rest seen with noise σ1 = ${fmt(params.sigma1)}`
      : params.problem === 'kpix'
        ? `${params.k} random pixels seen with noise σ1 = ${fmt(params.sigma1)}, the rest hidden`
        : `every pixel seen with noise σ = ${fmt(params.noise)}`;

  const scrollToGallery = () => document.getElementById('idlab-gallery')?.scrollIntoView({ behavior: 'smooth', block: 'start' });

  return (
    <div className="inverse-digits-lab lab-page" data-testid="inverse-digits-lab" data-status={rec.status} data-compare={cmpPhase ?? 'idle'} data-blind={blind.status}>
      <aside className="lab-side" aria-label="Digit inverse lab settings">
        <section className="lab-controls idlab-transport" aria-label="Run">
          <div className="idlab-buttons">
            <button type="button" data-testid="idl-run" disabled={!ready || busy} onClick={() => void reconstruct()} title="Sample p(x | y) by annealing Σ (the settings below)">
              Reconstruct
            </button>
            <button type="button" data-testid="idl-compare" disabled={!ready || busy} onClick={() => void compare()} title="Geometric and energy-guided schedules, same seed and budget">
              Compare schedules
            </button>
            {running && (
              <button type="button" data-testid="idl-cancel" onClick={cancel}>
                Cancel
              </button>
            )}
          </div>
          {running ? (
            <p className="job-progress idlab-progress" data-testid="idl-progress">
              <progress max={levelsTotal} value={progress?.level ?? 0} />
              <span>{progressText}</span>
            </p>
          ) : (
            <p className="hint idlab-hint">
              {engineStatus !== 'ready'
                ? 'starting the engine…'
                : !x
                  ? 'Draw a digit or pick one from the gallery.'
                  : (rec.error ?? cmpJob.error ?? (rec.status === 'cancelled' || cmpJob.status === 'cancelled' ? 'Cancelled.' : `${params.samples} samples × ${params.levels} levels × (1 + ${params.steps}) network evaluations (the default takes about 10 s on a 2-core CPU with WASM).`))}
            </p>
          )}
          {(rec.error || cmpJob.error) && !running && <p className="error-text" data-testid="idl-error">{rec.error ?? cmpJob.error}</p>}
        </section>
        <section className="lab-controls" aria-label="Degradation">
          <EnumControl
            label="degradation"
            spec={inverseDigitsParams.problem}
            value={params.problem}
            onChange={(problem) => setParams({ problem })}
            labels={{ box: 'hide a box (drag on y)', kpix: 'see K random pixels', noise: 'noise on every pixel' }}
            testId="idl-problem"
          />
          {params.problem === 'box' && (
            <>
              <NumberControl label="box X (left)" spec={inverseDigitsParams.bx} value={params.bx} onChange={(bx) => setParams({ bx })} />
              <NumberControl label="box Y (top)" spec={inverseDigitsParams.by} value={params.by} onChange={(by) => setParams({ by })} />
              <NumberControl label="box width W" spec={inverseDigitsParams.bw} value={params.bw} onChange={(bw) => setParams({ bw })} />
              <NumberControl label="box height H" spec={inverseDigitsParams.bh} value={params.bh} onChange={(bh) => setParams({ bh })} />
              {box?.clipped && <p className="hint">The box is cut to the image: {box.w}×{box.h} at ({box.x}, {box.y}).</p>}
            </>
          )}
          {params.problem === 'kpix' && <NumberControl label="seen pixels K" spec={inverseDigitsParams.k} value={params.k} onChange={(k) => setParams({ k })} log testId="idl-k" />}
          {params.problem === 'noise' ? (
            <NumberControl label="noise σ" spec={inverseDigitsParams.noise} value={params.noise} onChange={(noise) => setParams({ noise })} log />
          ) : (
            <NumberControl label="σ1 of the seen pixels" spec={inverseDigitsParams.sigma1} value={params.sigma1} onChange={(sigma1) => setParams({ sigma1 })} log />
          )}
        </section>
        <section className="lab-controls" aria-label="Annealed sampler">
          <EnumControl label="energy model" spec={inverseDigitsParams.model} value={params.model} onChange={(model) => setParams({ model })} labels={MODEL_LABELS} />
          <EnumControl label="corrector" spec={inverseDigitsParams.corrector} value={params.corrector} onChange={(corrector) => setParams({ corrector })} labels={{ mala: 'MALA', ula: 'ULA' }} />
          <EnumControl label="Σ schedule" spec={inverseDigitsParams.schedule} value={params.schedule} onChange={(schedule) => setParams({ schedule })} labels={SCHEDULE_LABELS} />
          <NumberControl label="annealing levels" spec={inverseDigitsParams.levels} value={params.levels} onChange={(levels) => setParams({ levels })} testId="idl-levels" />
          <NumberControl label="corrector steps per level" spec={inverseDigitsParams.steps} value={params.steps} onChange={(steps) => setParams({ steps })} />
          <NumberControl label="corrector step size ε" spec={inverseDigitsParams.stepSize} value={params.stepSize} onChange={(stepSize) => setParams({ stepSize })} log />
          <NumberControl label="samples" spec={inverseDigitsParams.samples} value={params.samples} onChange={(samples) => setParams({ samples })} />
          <NumberControl label="brush size" spec={inverseDigitsParams.brush} value={params.brush} onChange={(brush) => setParams({ brush })} />
        </section>
      </aside>

      <div className="lab-main">
        <div className="idlab-top">
          <section className="dlab-card idlab-obs-card" aria-label="Observation">
            <h3>Observation y</h3>
            {observation?.y ? (
              <ObservationView
                y={observation.y}
                seen={observation.seen}
                box={box}
                onBox={setBox}
                testId="idl-observation"
                fileName={fileFor('observation')}
                label={`The observation: ${problemText}. Drag to hide a box.`}
              />
            ) : (
              <ObservationView y={null} seen={null} box={null} testId="idl-observation" label="no digit yet" />
            )}
            <p className="hint">{observation?.error ?? problemText}. Drag on y to hide {params.problem === 'box' ? 'another' : 'a'} box.</p>
          </section>
          <section className="dlab-card idlab-digit-card" aria-label="Digit">
            <h3>Digit x {trueLabel !== undefined ? <span className="hint">(MNIST label {trueLabel})</span> : drawn ? <span className="hint">(drawn)</span> : null}</h3>
            <DrawingPad
              key={`g${params.digit}`}
              brush={params.brush}
              base={base}
              onInk={onInk}
              onClear={() => {
                setDrawn(null);
                if (params.digit >= 0) setParams({ digit: -1 });
              }}
            />
            <p className="hint">
              Draw on it, or{' '}
              <button type="button" className="idlab-link" onClick={scrollToGallery}>
                pick an MNIST digit
              </button>
              .
            </p>
          </section>
          <section className={`dlab-card idlab-post${stale ? ' stale' : ''}`} aria-label="Posterior" data-testid="idl-posterior" data-stale={stale ? '1' : '0'}>
            <h3>Posterior {shown ? <span className="hint">({shown.sampleLabels.length} samples)</span> : null}</h3>
            {shown && stdScale ? (
              <>
                <div className="dlab-row">
                  <ImageView values={shown.mean} caption="posterior mean" size={112} testId="idl-mean" fileName={fileFor('mean')} />
                  <ImageView values={shown.std} scale={stdScale} caption={`per-pixel std (max ${fmt(stdScale.range[1], 2)})`} size={112} testId="idl-std" fileName={fileFor('std')} />
                </div>
                <ColorBar scale={stdScale} testId="idl-std-bar" width={236} />
                <ColorBar scale={GREY_SCALE} width={236} />
                {stale && <p className="idlab-warning">Settings changed since this run: press Reconstruct.</p>}
              </>
            ) : (
              <p className="hint">{x ? 'Press Reconstruct: the posterior mean and per-pixel std of the samples appear here.' : ''}</p>
            )}
          </section>
        </div>

        <section className={`dlab-card${stale ? ' stale' : ''}`} aria-label="Samples">
          <h3>
            Samples of p(x | y) with the classifier&apos;s label{' '}
            {last && (
              <span className="hint">
                ({MODEL_LABELS[last.req.model]}, {last.req.corrector.toUpperCase()}, {SCHEDULE_LABELS[last.req.schedule]}, {last.req.levels} levels × {last.req.steps} steps, ε = {last.req.stepSize})
              </span>
            )}
          </h3>
          {shown ? (
            <>
              <div className="dlab-row" data-testid="idl-samples">
                {shown.sampleLabels.map((l, j) => (
                  <ImageView
                    key={j}
                    values={imageAt(shown.samples, j)}
                    caption={`${l}${l === shown.label ? ' ✓' : ''}`}
                    size={84}
                    testId={`idl-sample-${j}`}
                    fileName={fileFor(`sample${j + 1}`)}
                  />
                ))}
              </div>
              <RunNumbers r={shown} corrector={last!.req.corrector} testId="idl-numbers" />
              <span className="idlab-export" role="group" aria-label="export">
                export
                <button type="button" onClick={() => downloadText(metricsCsv(exported()), fileFor('metrics', 'csv'))}>
                  metrics CSV
                </button>
                <button type="button" onClick={() => downloadText(metricsJson(exported()), fileFor('metrics', 'json'))}>
                  metrics JSON
                </button>
                <button type="button" onClick={() => downloadText(samplesCsv(shown.samples, shown.sampleLabels), fileFor('samples', 'csv'))}>
                  samples CSV
                </button>
              </span>
            </>
          ) : (
            <p className="hint">
              {running === 'run' ? progressText : `Reconstruct draws ${params.samples} samples; ✓ marks a sample classified as the clean digit's label${trueLabel !== undefined ? ` (${trueLabel})` : ' (the classifier\u2019s label of your drawing)'}.`}
            </p>
          )}
        </section>

        <section className={`dlab-card${cmpStale ? ' stale' : ''}`} aria-label="Compare schedules" data-testid="idl-compare-card">
          <h3>Geometric vs energy-guided Σ schedule (same seed, same budget)</h3>
          {cmp ? (
            <div className="idlab-compare">
              {(['geometric', 'energy'] as const).map((s) => {
                const r = cmp[s];
                return (
                  <div key={s} className="idlab-compare-row" data-testid={`idl-compare-${s}`}>
                    <h4>{SCHEDULE_LABELS[s]}</h4>
                    {r ? (
                      <>
                        <div className="dlab-row tight">
                          <ImageView values={r.mean} caption="mean" size={64} fileName={fileFor(`${s}-mean`)} />
                          {r.sampleLabels.map((l, j) => (
                            <ImageView key={j} values={imageAt(r.samples, j)} caption={`${l}${l === r.label ? ' ✓' : ''}`} size={56} fileName={fileFor(`${s}-sample${j + 1}`)} />
                          ))}
                        </div>
                        <RunNumbers r={r} corrector={cmp.req.corrector} />
                      </>
                    ) : (
                      <p className="hint">{cmpPhase === s ? progressText : cmpPhase ? 'waiting…' : 'not run (cancelled).'}</p>
                    )}
                  </div>
                );
              })}
              {cmp.geometric && cmp.energy && (
                <PlotlyPanel
                  spec={schedulePathSpec([
                    { schedule: 'geometric', lambdas: cmp.geometric.lambdas, seen: cmp.geometric.seen },
                    { schedule: 'energy', lambdas: cmp.energy.lambdas, seen: cmp.energy.seen },
                  ])}
                  height={280}
                  label="Σ schedule per level"
                />
              )}
              {cmpStale && <p className="idlab-warning">Settings changed since this comparison: press Compare schedules again.</p>}
            </div>
          ) : (
            <p className="hint">Compare schedules runs the sampler twice with the current settings and seed, once per Σ schedule, and shows both rows with their sample accuracy and MSE, and the λ path of each.</p>
          )}
        </section>

        <section className={`dlab-card${blindStale ? ' stale' : ''}`} aria-label="Blind estimation" data-testid="idl-blind">
          <h3>Blind estimation: which box, which noise?</h3>
          <p className="hint">
            A centred W×W box of this digit is hidden and the rest seen with noise σ1; each model scores every (W, σ1) of the grid by log p(y | W, σ1) = −U(y, Σ(W, σ1)) + log Z. The argmax is
            the estimate. Energies at different Σ are comparable only if log Z is the same for every Σ. A-CSM trains that; both models start from the normalised Gaussian N(m, diag(d) + Σ), so the A-DSM-only model is off by what its correction adds. Click a heat-map to move the truth.
          </p>
          <div className="lab-controls inner">
            <NumberControl label="true box size W" spec={inverseDigitsParams.blindW} value={params.blindW} onChange={(blindW) => setParams({ blindW })} testId="idl-blind-w" />
            <NumberControl label="true σ1" spec={inverseDigitsParams.blindS1} value={params.blindS1} onChange={(blindS1) => setParams({ blindS1 })} log testId="idl-blind-s1" />
            <EnumControl label="grid" spec={inverseDigitsParams.blindGrid} value={params.blindGrid} onChange={(blindGrid) => setParams({ blindGrid })} labels={{ fine: 'fine (25 × 16)', coarse: 'coarse (13 × 8)' }} />
            <div className="idlab-buttons">
              <button type="button" data-testid="idl-blind-run" disabled={!ready || busy} onClick={() => void runBlind()}>
                Run blind estimation
              </button>
              {blind.status === 'running' && (
                <button type="button" data-testid="idl-blind-cancel" onClick={blind.cancel}>
                  Cancel
                </button>
              )}
            </div>
          </div>
          {blind.status === 'running' && (
            <p className="job-progress" data-testid="idl-blind-progress">
              <progress max={blind.progress?.total ?? 1} value={blind.progress?.done ?? 0} />{' '}
              {blind.progress ? `${MODEL_LABELS[blind.progress.model]}: ${blind.progress.done} of ${blind.progress.total} grid cells` : 'loading the models…'}, {blindElapsed} s
            </p>
          )}
          {blind.error && <p className="error-text">{blind.error}</p>}
          {blind.status === 'cancelled' && <p className="hint">Cancelled.</p>}
          {blindShown ? (
            <>
              <div className="idlab-blind-row">
                {blindShown.result.surfaces.map((s) => (
                  <div key={s.model} className="idlab-blind-panel" data-testid={`idl-blind-${s.model}`} data-estimate={`${s.estimate.a},${s.estimate.b}`}>
                    <PlotlyPanel
                      spec={blindHeatmapSpec(s, blindShown.result.truth, `${MODEL_LABELS[s.model]}: argmax W = ${s.estimate.a}, σ1 = ${fmt(s.estimate.b, 2)}`)}
                      height={340}
                      label={`log p(y | W, σ1), ${MODEL_LABELS[s.model]}`}
                      onReady={onBlindReady}
                    />
                  </div>
                ))}
                <div className="idlab-blind-y">
                  <h4>the observation scored</h4>
                  <ObservationView y={blindShown.result.y} seen={blindShown.result.seen} box={null} size={112} label="the observation blind estimation scores" fileName={fileFor('blind-observation')} />
                </div>
              </div>
              <p className="idlab-sentence" data-testid="idl-blind-sentence">
                {blindSentence(blindShown.result.surfaces, blindShown.result.truth)}
              </p>
              {blindStale && <p className="idlab-warning">Settings changed since this estimate: run it again.</p>}
            </>
          ) : (
            <p className="hint">Run blind estimation: two heat-maps of log p(y | W, σ1), “{MODEL_LABELS.acsm}” and “{MODEL_LABELS.dsm}”, with each argmax (×) and the truth (★).</p>
          )}
        </section>

        <section className="dlab-card dlab-gallery-card" aria-label="MNIST gallery" id="idlab-gallery">
          <h3>Start from an MNIST test digit</h3>
          {galleryError ? (
            <p className="error-text">{galleryError}</p>
          ) : (
            <Gallery
              data={gallery}
              selected={drawn ? -1 : params.digit}
              onPick={(digit) => {
                setDrawn(null);
                setParams({ digit });
              }}
            />
          )}
        </section>
        <p className="hint">Images: {SIDE}×{SIDE}, intensities in [0, 1]; click any image to enlarge it and save it as PNG; each plot has a download button in its corner.</p>
      </div>
    </div>
  );
}
