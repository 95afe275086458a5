/**
 * The Digits lab (issue 6): draw a digit (or pick an MNIST test digit), see it as the 28 × 28 the models see, and
 * the uncertainty of denoising it at σ from the pretrained low-rank second-order score: the noisy input, the
 * Tweedie mean, the per-pixel standard deviation, the top eigenvectors of the posterior covariance and Gaussian
 * posterior samples with the classifier's labels (MATH.md sections 1 and 4). Below: Langevin vs Ozaki chains from
 * the digit (paper 1, Fig. 8a) and the autodiff-vs-direct timing of the second-order score (Table 2).
 *
 * All model work runs in the engine's worker (jobs digitsPosterior, digitsChains, digitsTiming); the pad draws
 * on the UI thread and sends the preprocessed digit at the end of each stroke. Images compared side by side share
 * one colour scale with a colour bar; each image enlarges on click and downloads as PNG. The two long runs say
 * their expected time, default to a quick size (a "full" size keeps the paper's), show progress and stop.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LabProps } from '../types.ts';
import { digitsParams } from './params.ts';
import { BoolControl, EnumControl, NumberControl } from '../../components/controls.tsx';
import { useJob } from '../../useJob.ts';
import { useEngine } from '../../engine.ts';
import { PlotlyPanel } from '../../plot/PlotlyPanel.tsx';
import { preprocessDigit, type GreyImage } from '../../../models/digits/preprocess.ts';
import { DrawingPad } from './DrawingPad.tsx';
import { Gallery, galleryDigit, loadGallery, type GalleryData } from './Gallery.tsx';
import { ImageView } from './ImageView.tsx';
import { EigenWalk } from './EigenWalk.tsx';
import { classChangeSpec, digitFileName, GREY_SCALE, imageAt, PIXELS, sharedScale } from './images.ts';
import { ColorBar } from './ColorBar.tsx';
import { LongRun } from './LongRun.tsx';
import { calibrate, chainUnits, CHAINS_COST, TIMING_COST, timingUnits } from './estimate.ts';
import { CHAIN_SIZES, TIMING_SIZES } from './params.ts';
import './digits.css';

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

function sqrtMap(v: Float32Array): Float32Array {
  return Float32Array.from(v, (x) => (Number.isNaN(x) ? NaN : Math.sqrt(Math.max(0, x))));
}

const STD_LABEL = 'posterior std (pixel-intensity units)';

export default function DigitsLab({ params, setParams, seed }: LabProps<typeof digitsParams>) {
  const sigma = Number(params.sigma);
  const modelsUrl = useMemo(() => new URL('models/', document.baseURI).href, []);
  const { epoch, status: engineStatus } = useEngine();

  const [gallery, setGallery] = useState<GalleryData | null>(null);
  const [galleryError, setGalleryError] = useState<string | null>(null);
  useEffect(() => {
    loadGallery().then(setGallery, (e: Error) => setGalleryError(e.message));
  }, []);

  const base = useMemo(() => (gallery && params.digit >= 0 && params.digit < gallery.count ? galleryDigit(gallery, params.digit) : null), [gallery, params.digit]);
  const [drawn, setDrawn] = useState<Float32Array | null>(null);
  const [strokeCount, setStrokeCount] = useState(0);
  const input = drawn ?? base;

  const onInk = useCallback((img: GreyImage | null, strokes: number) => {
    setStrokeCount(strokes);
    if (!img) {
      setDrawn(null);
      return;
    }
    const p = preprocessDigit(img);
    setDrawn(p.hasInk ? p.pixels : null);
  }, []);

  const posterior = useJob('digitsPosterior');
  const runPosterior = posterior.run;
  useEffect(() => {
    if (!input || engineStatus !== 'ready') return;
    void runPosterior({ sigma, modelsUrl, image: input, noise: params.noise, seed, k: params.k, samples: params.samples, projectNoise: params.projectNoise });
  }, [input, sigma, modelsUrl, params.noise, seed, params.k, params.samples, params.projectNoise, engineStatus, epoch, runPosterior]);

  const chains = useJob('digitsChains');
  const timing = useJob('digitsTiming');
  const post = input ? posterior.result : undefined;
  const stale = posterior.status === 'running';
  const [chainsCost, setChainsCost] = useState(CHAINS_COST);
  const [timingCost, setTimingCost] = useState(TIMING_COST);
  const fileFor = (what: string) => digitFileName({ what, sigma, seed, digit: drawn ? -1 : params.digit });

  const runChains = async () => {
    if (!input) return;
    const t0 = performance.now();
    const units = chainUnits(params.steps, params.chains);
    const done = await chains.run({
      sigma,
      modelsUrl,
      image: input,
      steps: params.steps,
      chains: params.chains,
      epsLangevin: params.epsL * sigma * sigma,
      epsOzaki: params.epsO * sigma * sigma,
      every: Math.max(1, Math.round(params.steps / 10)),
      show: 4,
      seed,
    });
    if (done) setChainsCost(calibrate(CHAINS_COST, units, (performance.now() - t0) / 1000));
  };
  const runTiming = async () => {
    if (!post) return;
    const t0 = performance.now();
    const units = timingUnits(params.rows);
    const done = await timing.run({ sigma, modelsUrl, image: post.noisy, rows: params.rows });
    if (done) setTimingCost(calibrate(TIMING_COST, units, (performance.now() - t0) / 1000));
  };

  // one colour scale per group of images compared side by side
  const stdScale = post && sharedScale([post.std, post.stdDiag], 'heat', STD_LABEL);
  const eigScale = post && sharedScale([post.eigenvectors], 'diverging', 'eigenvector entry (unit-length v)');
  const timingMaps = useMemo(() => timing.result && { autodiff: sqrtMap(timing.result.varAutodiff), direct: sqrtMap(timing.result.varDirect) }, [timing.result]);
  const timingScale = timingMaps && sharedScale([timingMaps.autodiff, timingMaps.direct], 'heat', STD_LABEL);

  const curveSpec = useMemo(() => {
    const curve = chains.result?.curve ?? [];
    return classChangeSpec(curve, params.epsL * sigma * sigma, params.epsO * sigma * sigma);
  }, [chains.result, params.epsL, params.epsO, sigma]);

  return (
    <div className="digits-lab lab-page" data-testid="digits-lab" data-status={posterior.status} data-strokes={strokeCount}>
      <aside className="lab-side" aria-label="Digits lab settings">
        <section className="lab-controls" aria-label="Digits lab settings">
          <EnumControl label="noise level σ (pretrained)" spec={digitsParams.sigma} value={params.sigma} onChange={(s) => setParams({ sigma: s })} testId="d-sigma" />
          <BoolControl label="add seeded noise at σ" value={params.noise} onChange={(noise) => setParams({ noise })} testId="d-noise" />
          <NumberControl label="eigenvectors k" spec={digitsParams.k} value={params.k} onChange={(k) => setParams({ k })} />
          <BoolControl label="project out the noise direction" value={params.projectNoise} onChange={(projectNoise) => setParams({ projectNoise })} testId="d-project-noise" />
          <NumberControl label="posterior samples" spec={digitsParams.samples} value={params.samples} onChange={(samples) => setParams({ samples })} />
          <NumberControl label="brush size" spec={digitsParams.brush} value={params.brush} onChange={(brush) => setParams({ brush })} testId="d-brush" />
        </section>
      </aside>

      <div className="lab-main">
        <div className="dlab-top">
          <section className="dlab-card" aria-label="Draw">
            <h3>Draw a digit</h3>
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
            <p className="hint">Or pick an MNIST test digit (gallery below the posterior).</p>
          </section>
          <section className="dlab-card dlab-seen" aria-label="What the model sees">
            <h3>What the model sees</h3>
            <div className="dlab-row">
              <ImageView
                values={post?.noisy}
                caption={post ? (params.noise ? `x̃ = digit + noise at σ = ${sigma}` : 'x̃ = the digit (no noise added)') : input ? 'computing x̃…' : 'draw or pick a digit'}
                size={168}
                testId="d-seen"
                fileName={fileFor('noisy')}
              />
              <ImageView values={input} caption={input ? 'your digit, preprocessed' : ''} size={84} testId="d-input" fileName={fileFor('input')} />
            </div>
            {post && (
              <p className="dlab-labels" data-testid="d-labels">
                classifier: input <b>{post.inputLabel}</b> ({(100 * Math.max(...post.inputProbs)).toFixed(0)}%), Tweedie mean <b>{post.meanLabel}</b> (
                {(100 * Math.max(...post.meanProbs)).toFixed(0)}%)
              </p>
            )}
            <p className="hint">
              The networks get x̃: your digit (bounding box scaled to 20 × 20, centre of mass in the middle of 28 × 28, as MNIST){params.noise ? ' plus seeded Gaussian noise at σ' : ''}.
            </p>
          </section>
        </div>

        <section className={`dlab-card dlab-posterior${stale ? ' stale' : ''}`} aria-label="Posterior">
          <h3>
            Posterior at σ = {sigma} {post && <span className="hint">(networks {fmtMs(post.msNetworks)}, all {fmtMs(post.msTotal)})</span>}
          </h3>
          {posterior.error && (
            <p className="error-text" data-testid="d-error">
              {posterior.error}
            </p>
          )}
          {!input && <p className="hint">Draw a digit on the pad (or pick one from the gallery) to see its posterior.</p>}
          {post && stdScale && eigScale && (
            <>
              <div className="dlab-row">
                <ImageView values={post.noisy} caption={params.noise ? 'noisy input x̃' : 'input x̃'} testId="d-noisy" size={160} fileName={fileFor('noisy')} />
                <ImageView values={post.mean} caption="Tweedie mean x̃ + σ² s1" testId="d-mean" size={160} fileName={fileFor('mean')} />
                <ImageView values={post.std} scale={stdScale} caption={`std, low rank (max ${Math.max(...post.std).toFixed(3)})`} testId="d-std" size={160} fileName={fileFor('std')} />
                <ImageView
                  values={post.stdDiag}
                  scale={stdScale}
                  caption={`std, diagonal model (max ${Math.max(...post.stdDiag).toFixed(3)})`}
                  testId="d-std-diag"
                  size={160}
                  fileName={fileFor('std-diag')}
                />
                <div className="dlab-bars">
                  <ColorBar scale={GREY_SCALE} testId="d-grey-bar" width={180} />
                  <ColorBar scale={stdScale} testId="d-std-bar" width={180} />
                </div>
              </div>
              <p className="hint" data-testid="d-psd">
                {post.negativeVariance > 0 || post.minEigenvalue.value < 0 ? (
                  <>
                    <b>Not a valid covariance:</b> σ⁴ s2 + σ² I has smallest eigenvalue ≈ {post.minEigenvalue.value.toExponential(2)} and {post.negativeVariance} pixel
                    {post.negativeVariance === 1 ? '' : 's'} with negative variance (shown as 0; clamped for sampling: {post.clampedForSampling}). The learned s2 is not
                    constrained to keep s2 + I/σ² ⪰ 0.
                  </>
                ) : (
                  <>σ⁴ s2 + σ² I is positive semi-definite here (smallest eigenvalue ≥ {post.minEigenvalue.lower.toExponential(2)}).</>
                )}
              </p>
              <h4>
                Top eigenvectors v of {post.noiseProjected ? 'P Cov[x | x̃] P' : 'Cov[x | x̃]'}, with the Tweedie mean ∓ {post.walkStd}√λ v and their classes
              </h4>
              <div className="dlab-row" data-testid="d-eigs" data-projected={post.noiseProjected ? '1' : '0'}>
                {post.eigenvalues.map((_, j) => (
                  <EigenWalk key={j} post={post} j={j} scale={eigScale} fileFor={fileFor} />
                ))}
              </div>
              <ColorBar scale={eigScale} testId="d-eig-bar" width={180} />
              <p className="hint" data-testid="d-eig-note">
                {post.noiseProjected
                  ? 'P = I − n nᵀ projects out n, the direction of the estimated noise x̃ − mean. Along n the learned V Vᵀ absorbs a small shrinkage of s1 and gives a large, noise-like eigenvalue (see training/README.md); untick “project out the noise direction” to see it.'
                  : 'Eigenvectors of the learned covariance itself; “∥ noise” marks one within 60° of the estimated noise x̃ − mean, where the learned V Vᵀ absorbs a small shrinkage of s1.'}
              </p>
              {post.sampleLabels.length > 0 && (
                <>
                  <h4>Samples of the Gaussian posterior N(mean, Cov) with the classifier's label</h4>
                  <div className="dlab-row" data-testid="d-samples">
                    {post.sampleLabels.map((l, j) => (
                      <ImageView
                        key={j}
                        values={imageAt(post.samples, j)}
                        caption={`${l} (${(100 * post.sampleConfidence[j]).toFixed(0)}%)`}
                        size={96}
                        fileName={fileFor(`sample${j + 1}`)}
                      />
                    ))}
                  </div>
                </>
              )}
            </>
          )}
        </section>

        <section className="dlab-card dlab-gallery-card" aria-label="MNIST gallery">
          <h3>Start from an MNIST test digit</h3>
          {galleryError ? <p className="error-text">{galleryError}</p> : <Gallery data={gallery} selected={params.digit} onPick={(digit) => { setDrawn(null); setParams({ digit }); }} />}
        </section>

        <section className="dlab-card" aria-label="Chains">
          <h3>Langevin vs Ozaki chains from this digit (paper Fig. 8a)</h3>
          <div className="lab-controls inner">
            <NumberControl label="steps N" spec={digitsParams.steps} value={params.steps} onChange={(steps) => setParams({ steps })} />
            <NumberControl label="chains per sampler" spec={digitsParams.chains} value={params.chains} onChange={(c) => setParams({ chains: c })} />
            <NumberControl label="Langevin ε / σ²" spec={digitsParams.epsL} value={params.epsL} onChange={(epsL) => setParams({ epsL })} log />
            <NumberControl label="Ozaki ε / σ²" spec={digitsParams.epsO} value={params.epsO} onChange={(epsO) => setParams({ epsO })} log />
          </div>
          <LongRun
            testId="d-chains"
            label="run chains"
            units={chainUnits(params.steps, params.chains)}
            cost={chainsCost}
            sizes={(['quick', 'full'] as const).map((size) => ({
              label: size === 'quick' ? 'quick' : 'full (paper)',
              units: chainUnits(CHAIN_SIZES[size].steps, CHAIN_SIZES[size].chains),
              active: params.steps === CHAIN_SIZES[size].steps && params.chains === CHAIN_SIZES[size].chains,
              apply: () => setParams({ ...CHAIN_SIZES[size] }),
            }))}
            running={chains.status === 'running'}
            disabled={!input}
            progress={chains.progress && { done: chains.progress.step, total: chains.progress.steps, what: 'steps' }}
            onRun={() => void runChains()}
            onCancel={chains.cancel}
          />
          <p className="hint">
            Both samplers target q_σ from the digit: Langevin x ← x + (ε/2) s1 + √ε ξ; Ozaki x ← x + M s1 + √V ξ with the diagonal s2 (M = expm1(εh/2)/h, V = expm1(εh)/h).
            Every N/10 steps the chains are denoised (Tweedie) and classified; the curve is the fraction whose class differs from the start's.
          </p>
          {chains.status === 'running' && chains.progress && (
            <p className="hint">
              class changed so far: Langevin {(100 * chains.progress.langevin).toFixed(0)}%, Ozaki {(100 * chains.progress.ozaki).toFixed(0)}%
            </p>
          )}
          {chains.status === 'cancelled' && <p className="hint">Stopped{chains.result ? ': the figures below are from the previous run.' : '.'}</p>}
          {chains.error && <p className="error-text">{chains.error}</p>}
          {chains.result && (
            <div className="dlab-chains" data-testid="d-chains">
              <PlotlyPanel spec={curveSpec} uirevision="digits-chains" height={260} label="class-change fraction" />
              {(['langevin', 'ozaki'] as const).map((kind) => (
                <div key={kind} className="dlab-frames">
                  <h4>
                    {kind === 'langevin' ? 'Langevin' : 'Ozaki'} (ε = {((kind === 'langevin' ? params.epsL : params.epsO) * sigma * sigma).toPrecision(3)}): denoised frames of 4 chains, start
                    class {chains.result!.startLabel}
                  </h4>
                  {[0, 1, 2, 3].map((c) => (
                    <div className="dlab-row tight" key={c}>
                      {chains.result!.frames.map((f) => (
                        <ImageView
                          key={f.step}
                          values={f[kind].length >= (c + 1) * PIXELS ? imageAt(f[kind], c) : null}
                          caption={`${f.step}: ${(kind === 'langevin' ? f.labelsLangevin : f.labelsOzaki)[c] ?? ''}`}
                          size={56}
                          fileName={fileFor(`${kind}-chain${c + 1}-step${f.step}`)}
                        />
                      ))}
                    </div>
                  ))}
                </div>
              ))}
            </div>
          )}
        </section>

        <section className="dlab-card" aria-label="Timing">
          <h3>Why learn s2 directly: autodiff of s1 vs one s2 evaluation (paper Table 2)</h3>
          <div className="lab-controls inner">
            <NumberControl label="autodiff rows (784 = whole diagonal)" spec={digitsParams.rows} value={params.rows} onChange={(rows) => setParams({ rows })} />
          </div>
          <LongRun
            testId="d-timing"
            label="time it"
            units={timingUnits(params.rows)}
            cost={timingCost}
            sizes={(['quick', 'full'] as const).map((size) => ({
              label: size === 'quick' ? `quick (${TIMING_SIZES.quick.rows} rows)` : 'full (784 rows)',
              units: timingUnits(TIMING_SIZES[size].rows),
              active: params.rows === TIMING_SIZES[size].rows,
              apply: () => setParams({ ...TIMING_SIZES[size] }),
            }))}
            running={timing.status === 'running'}
            disabled={!post}
            progress={timing.progress && { done: timing.progress.done, total: timing.progress.rows, what: 'rows' }}
            onRun={() => void runTiming()}
            onCancel={timing.cancel}
          />
          {timing.status === 'cancelled' && <p className="hint">Stopped{timing.result ? ': the result below is from the previous run.' : '.'}</p>}
          {timing.error && <p className="error-text">{timing.error}</p>}
          {timing.result && timingMaps && timingScale && (
            <div data-testid="d-timing" data-ratio={timing.result.ratio}>
              <p>
                On <b>{timing.result.backend}</b>: one low-rank s2 evaluation {fmtMs(timing.result.msDirect)} (diagonal model {fmtMs(timing.result.msDirectDiag)}); the diagonal of the Hessian
                by autodiff of s1 {fmtMs(timing.result.msAutodiff)}
                {timing.result.rows < PIXELS ? ` (${timing.result.rows} rows in ${fmtMs(timing.result.msAutodiffRows)}, extrapolated to 784)` : ' (784 backward passes, batched by 28)'}:{' '}
                <b data-testid="d-timing-ratio">{timing.result.ratio.toFixed(0)}×</b> slower. Paper: ≈ 500× on a GPU U-Net; PyTorch on an H100 here: ≈ 1100–1450× (loop of 784 passes).
              </p>
              <div className="dlab-row">
                <ImageView values={timingMaps.autodiff} scale={timingScale} caption="posterior std from autodiff of s1 (grey: rows not computed)" size={160} testId="d-timing-autodiff" fileName={fileFor('std-autodiff')} />
                <ImageView values={timingMaps.direct} scale={timingScale} caption="posterior std from s2 (low rank)" size={160} testId="d-timing-direct" fileName={fileFor('std-direct')} />
                <ColorBar scale={timingScale} testId="d-timing-bar" width={180} />
              </div>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
