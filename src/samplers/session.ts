/**
 * The live samplers lab on the engine: several panels (one sampler each) advancing side by side from the same
 * initial points with the same noise draws, step sizes changed while running, and what the panels draw:
 * positions, fading trails of a subset of chains, a chosen chain's path, and on request the diagnostics
 * (metrics, autocorrelation, marginal histograms, distance to the target against iteration).
 */
import type { ScoreField } from '../models/scoreField.ts';
import type { Chains } from './chainsApi.ts';
import { ContinuedChains } from './continuedChains.ts';
import { createChains, type EngineChoice } from './createChains.ts';
import { exactSourceOf } from '../models/exactField.ts';
import { startPointsData } from './run.ts';
import { missingFor, type SamplerKind } from './kernels.ts';
import { aliveChains, autocorrelation, crossSectionDistance, marginalHistogram, samplerMetrics, type Draws, type SamplerMetrics } from './metrics.ts';
import type { InitMode, SamplerTarget } from './target.ts';

export interface PanelSpec {
  kind: SamplerKind;
  step: number;
  clamp?: boolean;
}

export interface SessionSpec {
  chains: number;
  seed: number;
  /** Where chains start (default 'spread': over the plot window). */
  init?: InitMode;
  /** Iterations discarded after a start, reset or configuration change before draws count for the metrics. */
  burn: number;
  panels: PanelSpec[];
  /** Chains drawn with trails (the first ones; default min(chains, 50)). */
  trailChains?: number;
  /** Positions per trail (default 20). */
  trailLength?: number;
  /** The chain whose path and trace are shown (default 0). */
  pathChain?: number;
  /** Positions kept of that chain (default 500). */
  pathLength?: number;
  /** Kept iterations in the metrics window (default 1000, fewer for very many chains). */
  window?: number;
  /** Which implementation runs the chains (default 'auto': `createChains`'s rule). */
  engine?: EngineChoice;
}

/** What a panel draws after an advance. */
export interface PanelFrame {
  kind: SamplerKind;
  step: number;
  clamp: boolean;
  /** Iterations done since the last reset. */
  t: number;
  /** Current positions [chains][dim]; diverged chains stay at their last position inside the bound. */
  positions: Float32Array;
  /** 1 for chains alive, 0 for diverged ones. */
  alive: Uint8Array;
  /** The last `trailLength` positions of the first `trailChains` chains, [trailLength][trailChains][dim], oldest first; NaN where not reached yet. */
  trails: Float32Array;
  /** The chosen chain's recent path [len][dim], oldest first, starting at iteration `pathStart`. */
  path: Float32Array;
  pathStart: number;
  diverged: number;
  firstDivergence: number | null;
  /** MALA: acceptance over the metrics window; null for the others. */
  acceptRate: number | null;
}

export interface PanelDiagnostics {
  /** Metrics over the kept window (null until `minWindow` kept iterations). */
  metrics: SamplerMetrics | null;
  minWindow: number;
  /** Kept iterations in the window, and the iteration where keeping began. */
  kept: number;
  keepFrom: number;
  /** Autocorrelation per coordinate at lags 0..maxLag (mean over up to 64 chains). */
  autocorr: number[][];
  /** Marginal histograms per coordinate on `bins` bins over [lo_j, hi_j] (densities). */
  hist: { lo: number[]; hi: number[]; bins: number; density: number[][] };
  /** Distance of the chains' cross-section to exact samples against iteration, since the last reset. */
  distanceCurve: { t: number[]; distance: number[] };
}

/** Kept iterations a panel's window needs before its metrics are computed (ESS of a few draws is noise). */
export const MIN_WINDOW = 50;

/** Iterations at which the cross-section distance is measured: 1, 2, 3, …, roughly geometric, at most 20 apart. */
export function nextCheckpoint(t: number): number {
  return t + Math.max(1, Math.min(20, Math.floor(t * 0.15)));
}

class Panel {
  keepFrom: number;
  /** Ring of kept frames [window][n][d] and of the seconds each took. */
  readonly ring: Float32Array;
  readonly ringSec: Float64Array;
  ringHead = 0;
  ringCount = 0;
  readonly trail: Float32Array;
  trailHead = 0;
  readonly path: Float32Array;
  pathHead = 0;
  pathCount = 0;
  curveT: number[] = [];
  curveD: number[] = [];
  nextCheck = 1;
  positions: Float32Array;
  /** The iteration `positions` belong to (the chains may be further on when a read-back failed). */
  positionsAt = 0;
  divergedAt: Int32Array;

  constructor(
    public cs: Chains,
    readonly s: Required<Omit<SessionSpec, 'panels'>>,
    x0data: Float32Array,
  ) {
    const n = s.chains;
    const d = cs.d;
    this.keepFrom = s.burn;
    this.ring = new Float32Array(s.window * n * d);
    this.ringSec = new Float64Array(s.window);
    this.trail = new Float32Array(s.trailLength * s.trailChains * d).fill(NaN);
    this.path = new Float32Array(s.pathLength * d);
    this.positions = Float32Array.from(x0data);
    this.divergedAt = new Int32Array(n).fill(-1);
    this.clearAll();
  }

  clearWindow(): void {
    this.ringHead = 0;
    this.ringCount = 0;
    this.keepFrom = this.cs.t + this.s.burn;
    this.cs.resetCounters();
  }

  clearAll(): void {
    this.clearWindow();
    this.trail.fill(NaN);
    this.trailHead = 0;
    this.pathHead = 0;
    this.pathCount = 0;
    this.curveT = [];
    this.curveD = [];
    this.nextCheck = 1;
  }
}

export class SamplerSession {
  readonly dim: number;
  private readonly spec: Required<Omit<SessionSpec, 'panels'>>;
  private readonly panels: Panel[];
  private x0data: Float32Array;
  /** Bumped by every reset: an advance that was in flight across one discards its frames. */
  private epoch = 0;
  private disposed = false;

  private constructor(
    readonly field: ScoreField,
    readonly target: SamplerTarget,
    settings: Required<Omit<SessionSpec, 'panels'>>,
    chains: Chains[],
    x0data: Float32Array,
    private readonly ownsField: boolean,
  ) {
    this.dim = field.dim;
    this.spec = settings;
    this.x0data = x0data;
    this.panels = chains.map((cs) => new Panel(cs, settings, x0data));
  }

  /** The session's settings with their defaults. */
  private static settings(spec: SessionSpec, d: number): Required<Omit<SessionSpec, 'panels'>> {
    const n = spec.chains;
    const window = spec.window ?? Math.max(100, Math.min(1000, Math.floor(4e6 / (n * d))));
    return {
      chains: n,
      seed: spec.seed,
      init: spec.init ?? 'spread',
      burn: spec.burn,
      trailChains: Math.min(n, spec.trailChains ?? 50),
      trailLength: spec.trailLength ?? 20,
      pathChain: Math.min(n - 1, Math.max(0, spec.pathChain ?? 0)),
      pathLength: spec.pathLength ?? 500,
      window,
      engine: spec.engine ?? 'auto',
    };
  }

  /** Starts a session: draws the shared initial points and checks that the field supports every sampler. */
  static async create(field: ScoreField, target: SamplerTarget, spec: SessionSpec, ownsField: boolean): Promise<SamplerSession> {
    if (!(spec.chains >= 1)) throw new Error('a sampler session needs at least one chain');
    if (spec.panels.length === 0) throw new Error('a sampler session needs at least one panel');
    for (const p of spec.panels) {
      const missing = missingFor(field, p.kind);
      if (missing) throw new Error(`${p.kind} cannot run here: it needs ${missing}.`);
      if (!(p.step > 0)) throw new Error(`step sizes must be positive (got ${p.step})`);
    }
    const data = await startPointsData(target, spec.init, spec.chains, spec.seed);
    const settings = SamplerSession.settings(spec, field.dim);
    const chains: Chains[] = [];
    try {
      for (const p of spec.panels) {
        chains.push(await createChains(field, data, { kind: p.kind, step: p.step, clamp: p.clamp, seed: settings.seed, center: target.center, bound: target.bound }, settings.engine));
      }
    } catch (e) {
      for (const cs of chains) cs.dispose();
      throw e;
    }
    return new SamplerSession(field, target, settings, chains, data, ownsField);
  }

  get panelCount(): number {
    return this.panels.length;
  }

  /** The implementation that runs the panels' chains (`Chains.engine`; the same for every panel). */
  get engine(): string {
    return this.panels[0].cs.engine;
  }

  /** Changes a panel's sampler, step size or clamp at once (even while running); its metrics window restarts. */
  configure(index: number, patch: Partial<PanelSpec>): void {
    const p = this.panel(index);
    if (patch.step !== undefined && !(patch.step > 0)) throw new Error(`step sizes must be positive (got ${patch.step})`);
    if (patch.kind) {
      const missing = missingFor(this.field, patch.kind);
      if (missing) throw new Error(`${patch.kind} cannot run here: it needs ${missing}.`);
    }
    const o = p.cs.opts;
    const changed = (patch.step !== undefined && patch.step !== o.step) || (patch.kind !== undefined && patch.kind !== o.kind) || (patch.clamp !== undefined && patch.clamp !== !!o.clamp);
    p.cs.configure(patch);
    if (changed) p.clearWindow();
  }

  /** Back to the initial points (new ones when `seed` is given), iteration 0, every buffer cleared. */
  async reset(seed?: number): Promise<void> {
    this.epoch++;
    if (seed !== undefined && seed !== this.spec.seed) {
      this.spec.seed = seed;
      this.x0data = await startPointsData(this.target, this.spec.init, this.spec.chains, seed);
    }
    for (const p of this.panels) {
      p.cs.configure({ seed: this.spec.seed });
      p.cs.reset(this.x0data);
      p.positions = Float32Array.from(this.x0data);
      p.positionsAt = 0;
      p.divergedAt.fill(-1);
      p.clearAll();
    }
  }

  /** Advances the panels (all, or those listed) by k iterations each and returns what they draw. */
  async advance(k: number, only?: readonly number[]): Promise<PanelFrame[]> {
    const epoch = this.epoch;
    const which = only ?? this.panels.map((_, i) => i);
    for (const i of which) {
      const p = this.panel(i);
      const t0 = performance.now();
      const startT = p.cs.t;
      const data = await p.cs.run(k);
      if (this.disposed) return [];
      const div = await p.cs.divergence();
      if (this.disposed) return [];
      const secPerIter = (performance.now() - t0) / 1000 / k;
      if (epoch !== this.epoch) return this.frames();
      p.divergedAt = div.at;
      this.ingest(p, data, startT, k, secPerIter);
    }
    return this.frames();
  }

  /** The current frame of every panel (no stepping). */
  async frames(): Promise<PanelFrame[]> {
    const out: PanelFrame[] = [];
    for (const p of this.panels) {
      if (this.disposed) return [];
      const acc = p.cs.opts.kind === 'mala' ? await p.cs.acceptance() : undefined;
      out.push(this.frameOf(p, acc));
    }
    return out;
  }

  /** Diagnostics of every panel over its kept window. */
  async diagnostics(opts: { maxLag?: number; bins?: number } = {}): Promise<PanelDiagnostics[]> {
    const out: PanelDiagnostics[] = [];
    for (const p of this.panels) {
      if (this.disposed) return [];
      const acc = p.cs.opts.kind === 'mala' ? await p.cs.acceptance() : undefined;
      out.push(this.diagnosticsOf(p, acc, opts.maxLag ?? 50, opts.bins ?? 40));
    }
    return out;
  }

  private panel(i: number): Panel {
    const p = this.panels[i];
    if (!p) throw new Error(`no panel ${i} (this session has ${this.panels.length})`);
    return p;
  }

  private ingest(p: Panel, data: Float32Array, startT: number, k: number, secPerIter: number): void {
    const n = this.spec.chains;
    const d = this.dim;
    const frame = n * d;
    const { trailChains, trailLength, pathChain, pathLength, window } = this.spec;
    for (let f = 0; f < k; f++) {
      const t = startT + f + 1;
      const off = f * frame;
      // Trails: the first trailChains chains are contiguous at the start of each frame.
      p.trail.set(data.subarray(off, off + trailChains * d), p.trailHead * trailChains * d);
      p.trailHead = (p.trailHead + 1) % trailLength;
      p.path.set(data.subarray(off + pathChain * d, off + pathChain * d + d), p.pathHead * d);
      p.pathHead = (p.pathHead + 1) % pathLength;
      p.pathCount = Math.min(p.pathCount + 1, pathLength);
      if (t > p.keepFrom) {
        p.ring.set(data.subarray(off, off + frame), p.ringHead * frame);
        p.ringSec[p.ringHead] = secPerIter;
        p.ringHead = (p.ringHead + 1) % window;
        p.ringCount = Math.min(p.ringCount + 1, window);
      }
      if (t >= p.nextCheck) {
        const use = aliveChains(p.divergedAt.map((v) => (v >= 0 && v <= t ? v : -1)));
        p.curveT.push(t);
        p.curveD.push(crossSectionDistance(data.subarray(off, off + frame), use, this.target));
        p.nextCheck = nextCheckpoint(t);
      }
    }
    p.positions = data.slice((k - 1) * frame, k * frame);
    p.positionsAt = startT + k;
  }

  private frameOf(p: Panel, acceptance: Float32Array | undefined): PanelFrame {
    const n = this.spec.chains;
    const d = this.dim;
    const { trailChains, trailLength, pathLength } = this.spec;
    const trails = new Float32Array(trailLength * trailChains * d);
    const block = trailChains * d;
    for (let i = 0; i < trailLength; i++) {
      const src = (p.trailHead + i) % trailLength;
      trails.set(p.trail.subarray(src * block, (src + 1) * block), i * block);
    }
    const path = new Float32Array(p.pathCount * d);
    for (let i = 0; i < p.pathCount; i++) {
      const src = (p.pathHead - p.pathCount + i + pathLength) % pathLength;
      path.set(p.path.subarray(src * d, src * d + d), i * d);
    }
    const alive = new Uint8Array(n);
    let diverged = 0;
    let first: number | null = null;
    for (let c = 0; c < n; c++) {
      const at = p.divergedAt[c];
      alive[c] = at < 0 ? 1 : 0;
      if (at >= 0) {
        diverged++;
        if (first === null || at < first) first = at;
      }
    }
    return {
      kind: p.cs.opts.kind,
      step: p.cs.opts.step,
      clamp: !!p.cs.opts.clamp,
      t: p.cs.t,
      positions: Float32Array.from(p.positions),
      alive,
      trails,
      path,
      pathStart: p.cs.t - p.pathCount + 1,
      diverged,
      firstDivergence: first,
      acceptRate: acceptance ? meanOver(acceptance, aliveChains(p.divergedAt)) : null,
    };
  }

  /** The kept window in iteration order. */
  private window(p: Panel): { draws: Draws; seconds: number } {
    const frame = this.spec.chains * this.dim;
    const m = p.ringCount;
    const data = new Float32Array(m * frame);
    let seconds = 0;
    const start = (p.ringHead - m + this.spec.window) % this.spec.window;
    for (let i = 0; i < m; i++) {
      const src = (start + i) % this.spec.window;
      data.set(p.ring.subarray(src * frame, (src + 1) * frame), i * frame);
      seconds += p.ringSec[src];
    }
    return { draws: { data, iters: m, chains: this.spec.chains, dim: this.dim }, seconds };
  }

  private diagnosticsOf(p: Panel, acceptance: Float32Array | undefined, maxLag: number, bins: number): PanelDiagnostics {
    const { draws, seconds } = this.window(p);
    const use = aliveChains(p.divergedAt);
    const d = this.dim;
    const lo: number[] = [];
    const hi: number[] = [];
    for (let j = 0; j < d; j++) {
      const b = this.target.bounds?.[j];
      const sd = Math.sqrt(this.target.cov[j * d + j]);
      lo.push(b ? b[0] : this.target.mean[j] - 4 * sd);
      hi.push(b ? b[1] : this.target.mean[j] + 4 * sd);
    }
    const metrics = draws.iters >= MIN_WINDOW ? samplerMetrics(draws, this.target, { divergedAt: p.divergedAt, seconds, acceptance }) : null;
    return {
      metrics,
      minWindow: MIN_WINDOW,
      kept: draws.iters,
      keepFrom: p.keepFrom,
      autocorr: draws.iters >= 4 ? autocorrelation(draws, use.slice(0, 64), maxLag) : Array.from({ length: d }, () => []),
      hist: { lo, hi, bins, density: Array.from({ length: d }, (_, j) => marginalHistogram(draws, use, j, lo[j], hi[j], bins)) },
      distanceCurve: { t: [...p.curveT], distance: [...p.curveD] },
    };
  }

  /**
   * After the device the chains ran on was lost (the engine then runs on another backend): each panel continues on new
   * chains of the active backend (as `createChains` picks them) from its last read-back positions and their iteration,
   * with its divergence record and metrics window kept (`ContinuedChains`); the noise stream is reseeded at the
   * continuation, the same way for every panel (common random numbers hold). A learned field the session owns had its
   * weights on the lost device: then it returns null (the session cannot continue). Else what it kept.
   */
  async recoverFromDeviceLoss(): Promise<string | null> {
    if (this.ownsField && !exactSourceOf(this.field)) return null;
    for (const p of this.panels) {
      const old = p.cs;
      const inner = await createChains(this.field, p.positions, { ...old.opts, seed: old.opts.seed + p.positionsAt }, 'auto');
      p.cs = new ContinuedChains(inner, p.positionsAt, Int32Array.from(p.divergedAt));
      old.dispose();
    }
    return `chains continue from their last positions at iteration ${this.panels[0].cs.t} (${this.engine})`;
  }

  /** Frees the chains (and the field when owned). An advance in flight then returns no frames. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.panels) p.cs.dispose();
    if (this.ownsField) this.field.dispose();
  }
}

function meanOver(v: ArrayLike<number>, use: readonly number[]): number {
  if (use.length === 0) return NaN;
  let s = 0;
  for (const c of use) s += v[c];
  return s / use.length;
}
