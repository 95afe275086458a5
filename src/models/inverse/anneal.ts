/**
 * Annealed posterior sampling for a digit inverse problem with a pixel-diagonal Σ_y = diag(λ_y) (MATH.md
 * section 5): the image form of `../energy/posterior.ts`, whose module comment derives every step. In short,
 * with z_0 = y and a path λ_0 = λ_y ≥ λ_1 ≥ … ≥ λ_L (per pixel, never above λ_y),
 *
 *   p_t(z | y) ∝ exp(−U(z, λ_t)) N(y; z, λ_y − λ_t),
 *
 * - predictor λ_t → λ_{t+1} (Δ = λ_t − λ_{t+1}): z ← z − Δ ∇_z U(z, λ_t) + Δ^{1/2} ξ;
 * - K corrector moves at λ_{t+1} (ULA, or MALA whose acceptance uses energy differences at one λ), with the
 *   diagonal preconditioner P_i = 1 / (1/(c_i + λ_i) + Λ_i), Λ_i = 1/(λ_y,i − λ_i), c_i the data variance
 *   (zero on "pinned" pixels, λ_i = λ_y,i, which keep their observed value): z' = z + (ε/2) P g + √(ε P) ξ,
 *   g = −∇U − Λ (z − y);
 * - after level L, z ← z − λ_L ∇U(z, λ_L) + λ_L^{1/2} ξ gives samples of x.
 *
 * Schedules: geometric (λ_t,i = min(λ_y,i, g_t), g_t geometric from max λ_y to the final variance) or
 * energy-guided (δΣ ∝ −Σ ∇_Σ U Σ: the log-variance of pixel i drops by an amount ∝ max(a_i, 0.02),
 * a_i = λ_i ∂U/∂λ_i averaged over the chains and over a (2r+1)² box of pixels (`guideRadius`, default 3); each
 * level spends (remaining log gap)/(levels left), so both schedules reach λ_L in L levels and only the path
 * differs). The box average matters: per pixel, a_i = ½(1 − E[(y_i − x_i)²]/λ_i) is dominated by the noise of
 * one coordinate, so the schedule makes salt-and-pepper Σ maps that no training family contains, and the network's
 * energy is meaningless there (MSE worse than the data mean; docs/digits-energy.md). Averaged over 7×7 boxes the
 * maps stay smooth, like the training family of smooth log-variance fields.
 *
 * Several observations can be annealed as one batch (`annealImages`: G observations × m chains each, every
 * observation with its own λ_y and schedule), so experiments over many digits fill the energy's batch.
 * A chain whose update is not finite keeps its last state (counted in `diverged`). Pure arrays; the energy is
 * the only asynchronous part.
 */
import { createRng } from '../../core/rng.ts';
import type { Rng } from '../../core/types.ts';
import type { EnergyEval, ImageEnergy } from './imageEnergy.ts';

export type Corrector = 'ula' | 'mala';
export const CORRECTORS: readonly Corrector[] = ['ula', 'mala'];
export type ScheduleKind = 'geometric' | 'energy';
export const SCHEDULES: readonly ScheduleKind[] = ['geometric', 'energy'];

export interface ImageAnnealOptions {
  /** Levels L (predictor steps). Default 20. */
  levels?: number;
  /** Corrector steps per level. Default 4. */
  correctorSteps?: number;
  corrector?: Corrector;
  /** Corrector step size ε (dimensionless: the proposal covariance is ε P). Default 0.1. */
  stepSize?: number;
  /** Independent samples (chains), all evaluated as one batch. Default 8. */
  samples?: number;
  seed?: number;
  schedule?: ScheduleKind;
  /** Final variance per pixel (default 1e-4, the bottom of the training range). */
  finalVar?: number;
  /** Energy-guided schedule: the half-width r of the (2r+1)² box over which λ ∂U/∂λ is averaged (0: per pixel). Default 3. */
  guideRadius?: number;
  /** Awaited after each level (progress; throw to cancel). */
  onLevel?: (level: number, levels: number) => Promise<void> | void;
}

export interface ImageAnnealResult {
  /** Samples of x, [samples·d]. */
  samples: Float32Array;
  /** MALA's acceptance rate over all corrector moves (NaN for ULA or without correctors). */
  acceptance: number;
  /** λ per pixel at every level, λ_0 = λ_y … λ_L ([G·d] each for G observations). */
  lambdas: Float32Array[];
  /** Chain updates refused because they were not finite. */
  diverged: number;
  /** Energy evaluations (batches of all chains). */
  evaluations: number;
}

export const DEFAULT_ANNEAL = { levels: 20, correctorSteps: 4, corrector: 'mala' as Corrector, stepSize: 0.1, samples: 8, schedule: 'geometric' as ScheduleKind, finalVar: 1e-4, guideRadius: 3 };

/** Problems with annealing options, as sentences (empty when valid). */
export function annealOptionErrors(o: ImageAnnealOptions): string[] {
  const e: string[] = [];
  const int = (v: number | undefined, lo: number, hi: number, what: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) e.push(`${what} must be an integer in ${lo}..${hi}, got ${v}`);
  };
  int(o.levels, 1, 1000, 'levels');
  int(o.correctorSteps, 0, 100, 'corrector steps');
  int(o.samples, 1, 10000, 'samples');
  int(o.guideRadius, 0, 27, 'the guide radius');
  if (o.stepSize !== undefined && !(o.stepSize > 0 && o.stepSize <= 10)) e.push(`the corrector step size must be in (0, 10], got ${o.stepSize}`);
  if (o.corrector !== undefined && !CORRECTORS.includes(o.corrector)) e.push(`the corrector must be ula or mala, got "${o.corrector}"`);
  if (o.schedule !== undefined && !SCHEDULES.includes(o.schedule)) e.push(`the schedule must be geometric or energy, got "${o.schedule}"`);
  return e;
}

/** The geometric schedule's λ per level: min(λ_y, g_t), g_t geometric from max λ_y to finalVar (λ_L = min(λ_y, finalVar)). */
export function geometricLambdas(lambdaY: Float32Array, levels: number, finalVar: number): Float32Array[] {
  let g0 = finalVar;
  for (const v of lambdaY) g0 = Math.max(g0, v);
  const out: Float32Array[] = [];
  for (let t = 0; t <= levels; t++) {
    const g = t === levels ? finalVar : g0 * Math.pow(finalVar / g0, t / levels);
    out.push(Float32Array.from(lambdaY, (v) => Math.min(v, g)));
  }
  return out;
}

/**
 * The next λ of the energy-guided schedule: spends Σ_i gap_i / levelsLeft of log-variance, gap_i = log(λ_i/λ_end,i),
 * split in proportion to max(a_i, floor); a pixel that would pass its end stops there and its share goes to the
 * others (water-filling).
 */
export function energyGuidedNext(lambda: Float32Array, lambdaEnd: Float32Array, a: ArrayLike<number>, levelsLeft: number, floor = 0.02): Float32Array {
  if (levelsLeft <= 1) return Float32Array.from(lambdaEnd);
  const d = lambda.length;
  const gap = Float64Array.from({ length: d }, (_, i) => Math.max(0, Math.log(lambda[i] / lambdaEnd[i])));
  let budget = gap.reduce((s, g) => s + g, 0) / levelsLeft;
  const w = Float64Array.from({ length: d }, (_, i) => (gap[i] > 1e-12 ? Math.max(Number.isFinite(a[i]) ? a[i] : 0, floor) : 0));
  const step = new Float64Array(d);
  const active = new Uint8Array(d).map((_, i) => (w[i] > 0 ? 1 : 0));
  for (let round = 0; round < d && budget > 1e-15; round++) {
    let wsum = 0;
    for (let i = 0; i < d; i++) if (active[i]) wsum += w[i];
    if (!(wsum > 0)) break;
    let clamped = false;
    let spent = 0;
    for (let i = 0; i < d; i++) {
      if (!active[i]) continue;
      const s = (budget * w[i]) / wsum;
      if (step[i] + s >= gap[i]) {
        spent += gap[i] - step[i];
        step[i] = gap[i];
        active[i] = 0;
        clamped = true;
      }
    }
    if (!clamped) {
      for (let i = 0; i < d; i++) if (active[i]) step[i] += (budget * w[i]) / wsum;
      break;
    }
    budget -= spent;
  }
  return Float32Array.from(lambda, (l, i) => l * Math.exp(-step[i]));
}

/**
 * `a` averaged over a (2r+1)² box of the square image, among the pixels still above their end variance only
 * (normalised convolution; pixels at their end keep their value).
 */
export function smoothOverFree(a: ArrayLike<number>, lambda: Float32Array, lambdaEnd: Float32Array, r: number): Float64Array {
  const d = lambda.length;
  const side = Math.round(Math.sqrt(d));
  if (side * side !== d) throw new Error(`smoothOverFree: ${d} pixels do not form a square image`);
  const free = (i: number) => lambda[i] > lambdaEnd[i] * (1 + 1e-6);
  const out = Float64Array.from(a);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      if (!free(i)) continue;
      let s = 0;
      let c = 0;
      for (let v = Math.max(0, y - r); v <= Math.min(side - 1, y + r); v++) {
        for (let u = Math.max(0, x - r); u <= Math.min(side - 1, x + r); u++) {
          const k = v * side + u;
          if (free(k) && Number.isFinite(a[k])) {
            s += a[k];
            c++;
          }
        }
      }
      out[i] = s / c;
    }
  }
  return out;
}

/** Repeats each of the G rows (length d) of `v` m times: [G·d] → [G·m·d]. */
function repeatRows(v: Float32Array, d: number, m: number): Float32Array {
  const G = v.length / d;
  const out = new Float32Array(G * m * d);
  for (let g = 0; g < G; g++) for (let k = 0; k < m; k++) out.set(v.subarray(g * d, (g + 1) * d), (g * m + k) * d);
  return out;
}

function rowFinite(a: Float32Array, j: number, d: number): boolean {
  for (let i = j * d; i < (j + 1) * d; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** log p_t(z | y) up to a constant per chain, and its gradient g = −∇U − Λ (z − y); y and Λ per chain. */
function levelTarget(ev: EnergyEval, z: Float32Array, y: Float32Array, Lam: Float64Array, n: number, d: number): { ell: Float64Array; g: Float32Array } {
  const ell = new Float64Array(n);
  const g = new Float32Array(n * d);
  for (let j = 0; j < n; j++) {
    let q = 0;
    for (let k = j * d; k < (j + 1) * d; k++) {
      const r = z[k] - y[k];
      q += Lam[k] * r * r;
      g[k] = -ev.gy[k] - Lam[k] * r;
    }
    ell[j] = -ev.u[j] - 0.5 * q;
  }
  return { ell, g };
}

interface Chains {
  z: Float32Array;
  /** The energy at (z, λ) for the current level. */
  ev: EnergyEval;
}

/** The annealed predictor-corrector sampler of the module comment, for one observation y with variances λ_y. */
export async function annealImage(energy: ImageEnergy, y: Float32Array, lambdaY: Float32Array, options: ImageAnnealOptions = {}): Promise<ImageAnnealResult> {
  const r = await annealImages(energy, y, lambdaY, 1, options);
  return { ...r, lambdas: r.lambdas.map((l) => l.subarray(0, energy.d)) };
}

/**
 * G observations at once (`ys`, `lambdaYs`: [G·d]), `options.samples` chains each (chains g·m … g·m + m − 1 belong
 * to observation g). `lambdas` holds every observation's λ per level ([G·d] each).
 */
export async function annealImages(energy: ImageEnergy, ys: Float32Array, lambdaYs: Float32Array, groups: number, options: ImageAnnealOptions = {}): Promise<ImageAnnealResult> {
  const errs = annealOptionErrors(options);
  if (errs.length) throw new Error(errs.join('; '));
  const o = { ...DEFAULT_ANNEAL, ...options };
  const d = energy.d;
  if (ys.length !== groups * d || lambdaYs.length !== groups * d) throw new Error(`annealImages: ${groups} observations need ${groups * d} pixels each of y and λ_y, got ${ys.length} and ${lambdaYs.length}`);
  const m = o.samples;
  const n = groups * m;
  const L = o.levels;
  const rng = createRng(o.seed ?? 1);
  const sigmaGrad = o.schedule === 'energy';
  const lamEnd = Float32Array.from(lambdaYs, (v) => Math.min(v, o.finalVar));
  const geo: Float32Array[][] = [];
  if (o.schedule === 'geometric') {
    for (let g = 0; g < groups; g++) geo.push(geometricLambdas(lambdaYs.subarray(g * d, (g + 1) * d), L, o.finalVar));
  }
  const yChains = repeatRows(ys, d, m);
  const lamYChains = repeatRows(lambdaYs, d, m);
  let lambda: Float32Array = Float32Array.from(lambdaYs);
  const lambdas = [Float32Array.from(lambda)];
  let evaluations = 0;
  const evaluate = async (z: Float32Array, lam: Float32Array) => {
    evaluations++;
    return energy.evaluate(z, repeatRows(lam.map(Math.log), d, m), n, { sigmaGrad });
  };
  let chains: Chains = { z: Float32Array.from(yChains), ev: await evaluate(yChains, lambda) };
  let accepted = 0;
  let proposed = 0;
  let diverged = 0;

  for (let t = 0; t < L; t++) {
    const next = new Float32Array(groups * d);
    for (let g = 0; g < groups; g++) {
      const span = [g * d, (g + 1) * d] as const;
      if (o.schedule === 'energy') {
        const a = new Float64Array(d);
        for (let j = g * m; j < (g + 1) * m; j++) for (let i = 0; i < d; i++) a[i] += chains.ev.glv![j * d + i] / m;
        if (o.guideRadius > 0) a.set(smoothOverFree(a, lambda.subarray(...span), lamEnd.subarray(...span), o.guideRadius));
        const lamY = lambdaYs.subarray(...span);
        next.set(energyGuidedNext(lambda.subarray(...span), lamEnd.subarray(...span), a, L - t).map((v, i) => Math.min(v, lamY[i])), g * d);
      } else {
        next.set(geo[g][t + 1], g * d);
      }
    }
    const z = predictor(chains, repeatRows(lambda, d, m), repeatRows(next, d, m), rng, n, d);
    diverged += z.refused;
    lambda = next;
    lambdas.push(Float32Array.from(lambda));
    chains = { z: z.z, ev: await evaluate(z.z, lambda) };
    const lamChains = repeatRows(lambda, d, m);
    const moved = await correct(chains, yChains, lamYChains, lamChains, energy.dataVar, o, rng, n, (zz) => evaluate(zz, lambda));
    chains = moved.chains;
    accepted += moved.accepted;
    proposed += moved.proposed;
    diverged += moved.refused;
    if (o.onLevel) await o.onLevel(t + 1, L);
  }
  const last = predictor(chains, repeatRows(lambda, d, m), new Float32Array(n * d), rng, n, d);
  diverged += last.refused;
  return { samples: last.z, acceptance: proposed > 0 && o.corrector === 'mala' ? accepted / proposed : Number.NaN, lambdas, diverged, evaluations };
}

/** z − Δ ∇U(z, λ) + Δ^{1/2} ξ with Δ = λ − next (per chain and pixel); a chain whose result is not finite stays. */
function predictor(c: Chains, lambda: Float32Array, next: Float32Array, rng: Rng, n: number, d: number): { z: Float32Array; refused: number } {
  const z = new Float32Array(n * d);
  let refused = 0;
  for (let j = 0; j < n; j++) {
    for (let k = j * d; k < (j + 1) * d; k++) {
      const delta = Math.max(0, lambda[k] - next[k]);
      z[k] = c.z[k] - delta * c.ev.gy[k] + Math.sqrt(delta) * rng.normal();
    }
    if (!rowFinite(z, j, d)) {
      z.set(c.z.subarray(j * d, (j + 1) * d), j * d);
      refused++;
    }
  }
  return { z, refused };
}

/** K corrector moves (ULA or MALA) at λ (per chain and pixel, like y, λ_y); see the module comment. */
async function correct(
  start: Chains,
  y: Float32Array,
  lambdaY: Float32Array,
  lambda: Float32Array,
  dataVar: Float32Array,
  o: typeof DEFAULT_ANNEAL,
  rng: Rng,
  n: number,
  evaluate: (z: Float32Array) => Promise<EnergyEval>,
): Promise<{ chains: Chains; accepted: number; proposed: number; refused: number }> {
  const d = dataVar.length;
  const eps = o.stepSize;
  const P = new Float64Array(n * d);
  const Lam = new Float64Array(n * d);
  let free = 0;
  for (let k = 0; k < n * d; k++) {
    if (lambdaY[k] - lambda[k] > 1e-9 * lambdaY[k]) {
      Lam[k] = 1 / (lambdaY[k] - lambda[k]);
      P[k] = 1 / (1 / (dataVar[k % d] + lambda[k]) + Lam[k]);
      free++;
    }
  }
  let chains = start;
  let accepted = 0;
  let proposed = 0;
  let refused = 0;
  if (o.correctorSteps === 0 || free === 0) return { chains, accepted, proposed, refused };
  let cur = levelTarget(chains.ev, chains.z, y, Lam, n, d);
  for (let step = 0; step < o.correctorSteps; step++) {
    const prop = new Float32Array(n * d);
    for (let k = 0; k < n * d; k++) {
      prop[k] = P[k] > 0 ? chains.z[k] + 0.5 * eps * P[k] * cur.g[k] + Math.sqrt(eps * P[k]) * rng.normal() : chains.z[k];
    }
    const ev = await evaluate(prop);
    const nxt = levelTarget(ev, prop, y, Lam, n, d);
    const z = Float32Array.from(chains.z);
    const u = Float32Array.from(chains.ev.u);
    const gy = Float32Array.from(chains.ev.gy);
    const glv = chains.ev.glv ? Float32Array.from(chains.ev.glv) : undefined;
    const ell = Float64Array.from(cur.ell);
    const g = Float32Array.from(cur.g);
    for (let j = 0; j < n; j++) {
      let take = Number.isFinite(nxt.ell[j]) && rowFinite(prop, j, d) && rowFinite(ev.gy, j, d);
      if (take && o.corrector === 'mala') {
        // log α = ℓ(z') − ℓ(z) + log q(z | z') − log q(z' | z), q Gaussian with covariance ε P.
        let back = 0;
        let fwd = 0;
        for (let k = j * d; k < (j + 1) * d; k++) {
          if (!(P[k] > 0)) continue;
          const mb = prop[k] + 0.5 * eps * P[k] * nxt.g[k];
          const mf = chains.z[k] + 0.5 * eps * P[k] * cur.g[k];
          back += (chains.z[k] - mb) ** 2 / P[k];
          fwd += (prop[k] - mf) ** 2 / P[k];
        }
        const logAlpha = nxt.ell[j] - cur.ell[j] - (back - fwd) / (2 * eps);
        take = Math.log(rng.uniform()) < logAlpha;
        proposed++;
        if (take) accepted++;
      } else if (!take) {
        refused++;
      }
      if (!take) continue;
      const s = j * d;
      z.set(prop.subarray(s, s + d), s);
      gy.set(ev.gy.subarray(s, s + d), s);
      if (glv && ev.glv) glv.set(ev.glv.subarray(s, s + d), s);
      g.set(nxt.g.subarray(s, s + d), s);
      u[j] = ev.u[j];
      ell[j] = nxt.ell[j];
    }
    chains = { z, ev: { u, gy, glv } };
    cur = { ell, g };
  }
  return { chains, accepted, proposed, refused };
}

/**
 * K corrector moves at one level for n chains (z, y, λ_y, λ all [n·d]): the corrector of `annealImages` on its
 * own, whose stationary law is p_t(z | y) for MALA (tests check it).
 */
export async function correctorMoves(
  energy: ImageEnergy,
  z: Float32Array,
  y: Float32Array,
  lambdaY: Float32Array,
  lambda: Float32Array,
  opts: { steps: number; corrector: Corrector; stepSize: number },
  rng: Rng,
): Promise<{ z: Float32Array; accepted: number; proposed: number; refused: number }> {
  const d = energy.d;
  const n = z.length / d;
  const evaluate = (zz: Float32Array) => energy.evaluate(zz, lambda.map(Math.log), n);
  const o = { ...DEFAULT_ANNEAL, correctorSteps: opts.steps, corrector: opts.corrector, stepSize: opts.stepSize };
  const r = await correct({ z, ev: await evaluate(z) }, y, lambdaY, lambda, energy.dataVar, o, rng, n, evaluate);
  return { z: r.chains.z, accepted: r.accepted, proposed: r.proposed, refused: r.refused };
}
