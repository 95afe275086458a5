/**
 * Gaussian-mixture mathematics in any dimension (MATH.md sections 4 and 6): the noisy density
 * `q = Σ_k w_k N(μ_k, C_k + S)` for any noise covariance S (σ² I or a full Σ), its log density (log-sum-exp),
 * responsibilities, first- and second-order scores s1, s2, the exact posterior p(x | x̃) (itself a mixture),
 * sampling, a JSON format and a CSV reader for uploaded points.
 */
import type { GaussianComponent, Gmm, NoisyDensity, Noise, Rng } from './types.ts';
import { categoricalSampler } from './rng.ts';
import { checkBudget, checkMixtureTextSize } from './budgets.ts';
import { parseDecimal, startsLikeNumber } from './strictNumber.ts';
import {
  cholesky,
  choleskyInverse,
  choleskyLogDet,
  matvec,
  NotSpdError,
  symEig,
  symmetrize,
  tryCholesky,
} from './linalg.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** log Σ_i exp(v_i), stable (−∞ for an empty or all −∞ input). */
export function logSumExp(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity || Number.isNaN(m)) return m;
  if (m === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/**
 * The noise covariance S of MATH.md sections 0 and 5: σ² I for a number σ, the matrix Σ itself otherwise
 * (d*d row-major; checked for shape and symmetric positive definiteness).
 */
export function noiseCovariance(noise: Noise, d: number): Float64Array {
  if (typeof noise === 'number') {
    if (!(noise > 0) || !Number.isFinite(noise)) throw new Error(`noise level σ must be a positive finite number, got ${noise}`);
    if (!(noise * noise > 0) || !Number.isFinite(noise * noise)) throw new Error(`noise level σ = ${noise} is out of range: σ² ${noise < 1 ? 'underflows to 0' : 'overflows'}`);
    const S = new Float64Array(d * d);
    for (let i = 0; i < d; i++) S[i * d + i] = noise * noise;
    return S;
  }
  if (noise.length !== d * d) throw new Error(`noise covariance must be ${d}x${d} (${d * d} numbers), got ${noise.length}`);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const a = noise[i * d + j];
      const b = noise[j * d + i];
      if (Math.abs(a - b) > 1e-9 * (Math.abs(a) + Math.abs(b) + 1e-300)) throw new Error('noise covariance must be symmetric');
    }
  }
  cholesky(noise, d, 'noise covariance');
  return Float64Array.from(noise);
}

/** Checks a mixture: positive weights summing to 1, finite means, symmetric PSD covariances of the right size. */
export function validateGmm(g: Gmm, opts: { allowSingular?: boolean } = {}): void {
  const d = g.dim;
  if (!Number.isInteger(d) || d < 1) throw new Error(`GMM dimension must be a positive integer, got ${d}`);
  if (g.components.length === 0) throw new Error('GMM has no components');
  let total = 0;
  g.components.forEach((c, k) => {
    if (!(c.weight > 0) || !Number.isFinite(c.weight)) throw new Error(`GMM component ${k}: weight must be positive, got ${c.weight}`);
    total += c.weight;
    if (c.mean.length !== d) throw new Error(`GMM component ${k}: mean has ${c.mean.length} entries, expected ${d}`);
    if (c.cov.length !== d * d) throw new Error(`GMM component ${k}: covariance has ${c.cov.length} entries, expected ${d * d} (${d}x${d})`);
    for (const v of c.mean) if (!Number.isFinite(v)) throw new Error(`GMM component ${k}: mean contains ${v}`);
    for (const v of c.cov) if (!Number.isFinite(v)) throw new Error(`GMM component ${k}: covariance contains ${v}`);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const a = c.cov[i * d + j];
        const b = c.cov[j * d + i];
        if (Math.abs(a - b) > 1e-9 * (Math.abs(a) + Math.abs(b)) + 1e-300) {
          throw new Error(`GMM component ${k}: covariance is not symmetric (entry [${i}][${j}] = ${a} but [${j}][${i}] = ${b})`);
        }
      }
    }
    if (opts.allowSingular) {
      const min = symEig(c.cov, d).values[0];
      const maxDiag = Math.max(...Array.from({ length: d }, (_, i) => Math.abs(c.cov[i * d + i])));
      if (min < -1e-10 * maxDiag) throw new NotSpdError(`GMM component ${k}: covariance is not positive semi-definite (smallest eigenvalue ${min})`);
    } else if (!tryCholesky(c.cov, d)) {
      const min = symEig(c.cov, d).values[0];
      throw new NotSpdError(`GMM component ${k}: covariance is not positive definite (smallest eigenvalue ${min})`);
    }
  });
  if (Math.abs(total - 1) > 1e-9) throw new Error(`GMM weights sum to ${total}, expected 1`);
}

/**
 * Builds a mixture from plain arrays: weights (positive, normalised here to sum to 1), means (K × d) and
 * covariances (K × d × d, symmetric positive definite). Throws a message naming the offending component.
 */
export function makeGmm(weights: ArrayLike<number>, means: ArrayLike<number>[], covs: ArrayLike<number>[] | ArrayLike<number>[][]): Gmm {
  const K = weights.length;
  if (K === 0) throw new Error('GMM needs at least one component');
  if (means.length !== K) throw new Error(`GMM has ${K} weights but ${means.length} means`);
  if (covs.length !== K) throw new Error(`GMM has ${K} weights but ${covs.length} covariances`);
  const d = means[0].length;
  let max = 0;
  for (let k = 0; k < K; k++) {
    if (!(weights[k] > 0) || !Number.isFinite(weights[k])) throw new Error(`GMM component ${k}: weight must be positive and finite, got ${weights[k]}`);
    max = Math.max(max, weights[k]);
  }
  // Normalised by the largest first, so that weights near the top of the float range (1e308) do not overflow the sum.
  let total = 0;
  for (let k = 0; k < K; k++) total += weights[k] / max;
  for (let k = 0; k < K; k++) {
    if (!(weights[k] / max / total > 0)) throw new Error(`GMM component ${k}: weight ${weights[k]} is so much smaller than the largest (${max}) that it rounds to 0; drop the component or rescale the weights`);
  }
  const components: GaussianComponent[] = [];
  for (let k = 0; k < K; k++) {
    const c = covs[k];
    let cov: Float64Array;
    if (c.length > 0 && typeof (c as ArrayLike<unknown>)[0] !== 'number') {
      const rows = c as ArrayLike<number>[];
      if (rows.length !== d) throw new Error(`GMM component ${k}: covariance has ${rows.length} rows, expected ${d}`);
      cov = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        if (rows[i].length !== d) throw new Error(`GMM component ${k}: covariance row ${i} has ${rows[i].length} entries, expected ${d}`);
        for (let j = 0; j < d; j++) cov[i * d + j] = rows[i][j];
      }
    } else {
      cov = Float64Array.from(c as ArrayLike<number>);
    }
    components.push({ weight: weights[k] / max / total, mean: Float64Array.from(means[k]), cov });
  }
  const g: Gmm = { dim: d, components };
  validateGmm(g);
  return g;
}

/** The noisy mixture q = p * N(0, S): every covariance becomes C_k + S (MATH.md section 6). */
export function convolveGmm(g: Gmm, noise: Noise): Gmm {
  const d = g.dim;
  const S = noiseCovariance(noise, d);
  return {
    dim: d,
    components: g.components.map((c) => ({
      weight: c.weight,
      mean: Float64Array.from(c.mean),
      cov: c.cov.map((v, i) => v + S[i]),
    })),
  };
}

/**
 * A mixture prepared for fast evaluation: per component the precision P_k = (C_k + S)⁻¹ and the constant
 * log w_k − ½ log det(C_k + S) − (d/2) log 2π. `noise` omitted means the clean density (S = 0).
 */
export interface PreparedGmm {
  dim: number;
  K: number;
  means: Float64Array[];
  precisions: Float64Array[];
  logConst: Float64Array;
}

/** Precomputes precisions and normalising constants of p (noise omitted) or of q = p * N(0, S) (MATH.md 6). */
export function prepareGmm(g: Gmm, noise?: Noise): PreparedGmm {
  const d = g.dim;
  const S = noise === undefined ? null : noiseCovariance(noise, d);
  const precisions: Float64Array[] = [];
  const logConst = new Float64Array(g.components.length);
  g.components.forEach((c, k) => {
    const A = S ? c.cov.map((v, i) => v + S[i]) : c.cov;
    const L = cholesky(A, d, `GMM component ${k} covariance${S ? ' + noise' : ''}`);
    precisions.push(choleskyInverse(L, d));
    logConst[k] = Math.log(c.weight) - 0.5 * choleskyLogDet(L, d) - 0.5 * d * LOG_2PI;
  });
  return { dim: d, K: g.components.length, means: g.components.map((c) => c.mean), precisions, logConst };
}

/** log density, responsibilities and scores of a prepared mixture at one point (MATH.md section 6). */
export interface GmmEval {
  /** log q(x). */
  logp: number;
  /** Responsibilities r_k(x) (sum to 1). */
  resp: Float64Array;
  /** s1 = Σ_k r_k a_k with a_k = −P_k (x − μ_k) (order ≥ 1). */
  s1?: Float64Array;
  /** s2 = Σ_k r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ (order 2). */
  s2?: Float64Array;
}

/**
 * Evaluates a prepared mixture at x (MATH.md section 6): log q by log-sum-exp, the responsibilities r_k,
 * and up to `order` derivatives: s1 = Σ_k r_k a_k, s2 = Σ_k r_k (a_k a_kᵀ − P_k) − s1 s1ᵀ, a_k = −P_k (x − μ_k).
 * `range` = [lo, hi] restricts the sum to components lo..hi (inclusive; `resp` then has hi − lo + 1 entries):
 * used by the lattice ground truth, which sums only the lattice points that matter at x.
 */
export function evalPrepared(p: PreparedGmm, x: ArrayLike<number>, order: 0 | 1 | 2 = 2, range?: [number, number]): GmmEval {
  const d = p.dim;
  if (x.length !== d) throw new Error(`point has ${x.length} coordinates, expected ${d}`);
  if (d === 2) return evalPrepared2(p, x, order, range);
  const lo = range ? range[0] : 0;
  const K = range ? range[1] - range[0] + 1 : p.K;
  const l = new Float64Array(K);
  const a = new Float64Array(K * d);
  const diff = new Float64Array(d);
  let m = -Infinity;
  for (let k = 0; k < K; k++) {
    const mu = p.means[lo + k];
    const P = p.precisions[lo + k];
    for (let i = 0; i < d; i++) diff[i] = x[i] - mu[i];
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      const o = i * d;
      for (let j = 0; j < d; j++) s += P[o + j] * diff[j];
      a[k * d + i] = -s;
      q += diff[i] * s;
    }
    l[k] = p.logConst[lo + k] - 0.5 * q;
    if (l[k] > m) m = l[k];
  }
  let sum = 0;
  const resp = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    resp[k] = Math.exp(l[k] - m);
    sum += resp[k];
  }
  for (let k = 0; k < K; k++) resp[k] /= sum;
  const out: GmmEval = { logp: m + Math.log(sum), resp };
  if (order === 0) return out;
  const s1 = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    const r = resp[k];
    if (r === 0) continue;
    for (let i = 0; i < d; i++) s1[i] += r * a[k * d + i];
  }
  out.s1 = s1;
  if (order === 1) return out;
  const s2 = new Float64Array(d * d);
  for (let k = 0; k < K; k++) {
    const r = resp[k];
    if (r === 0) continue;
    const P = p.precisions[lo + k];
    const ao = k * d;
    for (let i = 0; i < d; i++) {
      const ai = r * a[ao + i];
      for (let j = 0; j <= i; j++) s2[i * d + j] += ai * a[ao + j] - r * P[i * d + j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = s2[i * d + j] - s1[i] * s1[j];
      s2[i * d + j] = v;
      s2[j * d + i] = v;
    }
  }
  out.s2 = s2;
  return out;
}

/** The same computation as `evalPrepared`, unrolled for d = 2 (the app's hot path: fields of many points). */
function evalPrepared2(p: PreparedGmm, x: ArrayLike<number>, order: 0 | 1 | 2, range?: [number, number]): GmmEval {
  const lo = range ? range[0] : 0;
  const K = range ? range[1] - range[0] + 1 : p.K;
  const x0 = x[0];
  const x1 = x[1];
  const l = new Float64Array(K);
  const a0 = new Float64Array(K);
  const a1 = new Float64Array(K);
  let m = -Infinity;
  for (let k = 0; k < K; k++) {
    const mu = p.means[lo + k];
    const P = p.precisions[lo + k];
    const d0 = x0 - mu[0];
    const d1 = x1 - mu[1];
    const s0 = P[0] * d0 + P[1] * d1;
    const s1 = P[2] * d0 + P[3] * d1;
    a0[k] = -s0;
    a1[k] = -s1;
    const v = p.logConst[lo + k] - 0.5 * (d0 * s0 + d1 * s1);
    l[k] = v;
    if (v > m) m = v;
  }
  let sum = 0;
  const resp = l; // reuse: l is not needed after this loop
  for (let k = 0; k < K; k++) {
    // Terms below e^-40 of the largest change the sum by less than K·4e-18 relative: skip their exp.
    const t = l[k] - m;
    const e = t > -40 ? Math.exp(t) : 0;
    resp[k] = e;
    sum += e;
  }
  const logp = m + Math.log(sum);
  const inv = 1 / sum;
  let g0 = 0;
  let g1 = 0;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let k = 0; k < K; k++) {
    const r = resp[k] * inv;
    resp[k] = r;
    if (order === 0 || r === 0) continue;
    g0 += r * a0[k];
    g1 += r * a1[k];
    if (order === 2) {
      const P = p.precisions[lo + k];
      h00 += r * (a0[k] * a0[k] - P[0]);
      h01 += r * (a0[k] * a1[k] - P[1]);
      h11 += r * (a1[k] * a1[k] - P[3]);
    }
  }
  const out: GmmEval = { logp, resp };
  if (order >= 1) out.s1 = Float64Array.of(g0, g1);
  if (order === 2) {
    const c01 = h01 - g0 * g1;
    out.s2 = Float64Array.of(h00 - g0 * g0, c01, c01, h11 - g1 * g1);
  }
  return out;
}

/** log p(x) of a mixture (clean; MATH.md section 6 with S = 0). Prepare once with `prepareGmm` for many points. */
export function gmmLogpdf(g: Gmm, x: ArrayLike<number>): number {
  return evalPrepared(prepareGmm(g), x, 0).logp;
}

/** ∇ log p(x) of a mixture (clean). */
export function gmmScore(g: Gmm, x: ArrayLike<number>): Float64Array {
  return evalPrepared(prepareGmm(g), x, 1).s1!;
}

/** ∇² log p(x) of a mixture (clean), d*d row-major. */
export function gmmHessian(g: Gmm, x: ArrayLike<number>): Float64Array {
  return evalPrepared(prepareGmm(g), x, 2).s2!;
}

/** Responsibilities r_k(x̃) ∝ w_k N(x̃; μ_k, C_k + S) (S = 0 when noise is omitted). MATH.md section 6. */
export function gmmResponsibilities(g: Gmm, x: ArrayLike<number>, noise?: Noise): Float64Array {
  return evalPrepared(prepareGmm(g, noise), x, 0).resp;
}

/**
 * The exact posterior p(x | x̃) of a mixture prior under noise S (MATH.md section 4): a mixture with weights
 * r_k(x̃), means μ_k + C_k (C_k + S)⁻¹ (x̃ − μ_k) and covariances C_k − C_k (C_k + S)⁻¹ C_k.
 * Component covariances may be singular (PSD); the posterior covariances then are too. `prepared` (from
 * `prepareGmm(g, noise)`) avoids recomputing the precisions; `range` restricts to components lo..hi.
 */
export function gmmPosterior(g: Gmm, noise: Noise, x: ArrayLike<number>, prepared?: PreparedGmm, range?: [number, number]): Gmm {
  const p = prepared ?? prepareGmm(g, noise);
  const d = g.dim;
  const resp = evalPrepared(p, x, 0, range).resp;
  const lo = range ? range[0] : 0;
  const components: GaussianComponent[] = [];
  resp.forEach((r, i) => {
    const k = lo + i;
    const c = g.components[k];
    if (r === 0) return;
    const P = p.precisions[k];
    // G = C_k P_k (d×d); mean = μ + G (x − μ); cov = C − G C.
    const G = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += c.cov[i * d + t] * P[t * d + j];
      G[i * d + j] = s;
    }
    const diff = new Float64Array(d);
    for (let i = 0; i < d; i++) diff[i] = x[i] - c.mean[i];
    const shift = matvec(G, diff, d, d);
    const mean = c.mean.map((v, i) => v + shift[i]);
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += G[i * d + t] * c.cov[t * d + j];
      cov[i * d + j] = c.cov[i * d + j] - s;
    }
    components.push({ weight: r, mean, cov: symmetrize(cov, d) });
  });
  return { dim: d, components };
}

/**
 * A square-root factor F with F Fᵀ = C for a symmetric PSD covariance: Cholesky when it succeeds, otherwise
 * Q Λ^{1/2} from the eigen-decomposition (eigenvalues down to −1e-10·max are treated as 0; below that: error).
 */
export function covarianceFactor(C: ArrayLike<number>, d: number): Float64Array {
  const L = tryCholesky(C, d);
  if (L) return L;
  const { values, vectors } = symEig(C, d);
  const max = Math.max(...Array.from(values, Math.abs));
  if (values[0] < -1e-10 * max) throw new NotSpdError(`covariance is not positive semi-definite (smallest eigenvalue ${values[0]})`);
  const F = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(Math.max(values[j], 0));
    for (let i = 0; i < d; i++) F[i * d + j] = vectors[i * d + j] * s;
  }
  return F;
}

/** n samples of N(mean, cov) (PSD cov allowed), row-major n*d. */
export function sampleGaussian(mean: ArrayLike<number>, cov: ArrayLike<number>, rng: Rng, n: number): Float64Array {
  const d = mean.length;
  const F = covarianceFactor(cov, d);
  const out = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let s = 0; s < n; s++) drawAffineNormal(mean, F, rng, z, out, s * d);
  return out;
}

/** Writes mean + F z with z ~ N(0, I) (d fresh normals from `rng`, `z` is scratch) into `out` at `offset`. */
function drawAffineNormal(mean: ArrayLike<number>, F: Float64Array, rng: Rng, z: Float64Array, out: Float64Array, offset: number): void {
  const d = z.length;
  for (let i = 0; i < d; i++) z[i] = rng.normal();
  for (let i = 0; i < d; i++) {
    let v = mean[i];
    for (let j = 0; j < d; j++) v += F[i * d + j] * z[j];
    out[offset + i] = v;
  }
}

/** n samples of a mixture (PSD component covariances allowed), row-major n*d. */
export function sampleGmm(g: Gmm, rng: Rng, n: number): Float64Array {
  const d = g.dim;
  const factors = g.components.map((c) => covarianceFactor(c.cov, d));
  const pick = categoricalSampler(g.components.map((c) => c.weight));
  const out = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    const k = pick(rng);
    drawAffineNormal(g.components[k].mean, factors[k], rng, z, out, s * d);
  }
  return out;
}

/**
 * The noisy density of a mixture at noise σ or Σ (MATH.md sections 4 and 6): log q, s1, s2 and the exact
 * posterior p(x | x̃), all closed form.
 */
export function gmmNoisy(g: Gmm, noise: Noise): NoisyDensity {
  const p = prepareGmm(g, noise);
  return {
    logp: (x) => evalPrepared(p, x, 0).logp,
    s1: (x) => evalPrepared(p, x, 1).s1!,
    s2: (x) => evalPrepared(p, x, 2).s2!,
    posterior: (x) => gmmPosterior(g, noise, x, p),
    samplePosterior: (x, n, rng) => sampleGmm(gmmPosterior(g, noise, x, p), rng, n),
    posteriorMoments: (x) => gmmMoments(gmmPosterior(g, noise, x, p)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON and CSV boundaries (DESIGN.md rule 7: say what is wrong and how to fix it).


const GMM_JSON_HINT = 'expected {"type":"gmm","weights":[w1,...],"means":[[...],...],"covs":[[[...],...],...]}';

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/**
 * Parses a Gaussian mixture from JSON `{"type":"gmm","weights":[...],"means":[[...]],"covs":[[[...]]]}` in any
 * dimension. Weights must be positive (they are normalised to sum to 1); covariances symmetric positive definite.
 * Errors name the field and component at fault.
 */
export function parseGmmJson(text: string): Gmm {
  checkMixtureTextSize(text);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`density JSON is not valid JSON (${(e as Error).message}); ${GMM_JSON_HINT}`, { cause: e });
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`density JSON must be an object; ${GMM_JSON_HINT}`);
  const o = obj as Record<string, unknown>;
  if (o.type !== 'gmm') throw new Error(`density JSON: "type" must be "gmm", got ${JSON.stringify(o.type)}; ${GMM_JSON_HINT}`);
  const { weights, means, covs } = o;
  if (!isNumberArray(weights) || weights.length === 0) throw new Error(`density JSON: "weights" must be a non-empty array of numbers; ${GMM_JSON_HINT}`);
  const K = weights.length;
  if (!Array.isArray(means) || !Array.isArray(means[0])) throw new Error(`density JSON: "means" must be an array of number arrays (K × d); ${GMM_JSON_HINT}`);
  // The size first: nothing below is worth doing for a mixture over budget.
  const d = (means[0] as unknown[]).length;
  checkBudget('dimension', d, 'use a mixture of fewer dimensions');
  checkBudget('mixtureNumbers', K * (1 + d + d * d), 'use fewer components or dimensions');
  if (!means.every(isNumberArray)) throw new Error(`density JSON: "means" must be an array of number arrays (K × d); ${GMM_JSON_HINT}`);
  if (means.length !== K) throw new Error(`density JSON: ${K} weights but ${means.length} means`);
  if (d === 0) throw new Error('density JSON: means must have at least one coordinate');
  means.forEach((m, k) => {
    if (m.length !== d) throw new Error(`density JSON: mean ${k} has ${m.length} coordinates but mean 0 has ${d}`);
  });
  if (!Array.isArray(covs)) throw new Error(`density JSON: "covs" must be an array of d × d matrices; ${GMM_JSON_HINT}`);
  if (covs.length !== K) throw new Error(`density JSON: ${K} weights but ${covs.length} covariances`);
  covs.forEach((c, k) => {
    if (!Array.isArray(c) || !c.every(isNumberArray)) throw new Error(`density JSON: covariance ${k} must be a ${d} × ${d} array of numbers`);
    if (c.length !== d || c.some((row) => row.length !== d)) throw new Error(`density JSON: covariance ${k} must be ${d} × ${d} to match the means' dimension`);
  });
  weights.forEach((w, k) => {
    if (!Number.isFinite(w) || !(w > 0)) throw new Error(`density JSON: weight ${k} is ${w}; weights must be positive numbers`);
  });
  return makeGmm(weights, means, covs as number[][][]);
}

/** Points read from CSV: n rows of d columns, row-major. */
export interface CsvPoints {
  points: Float64Array;
  n: number;
  dim: number;
}

/**
 * Parses points from CSV text: one point per line, columns separated by commas, semicolons, tabs or spaces; an
 * optional non-numeric header line; blank lines and lines starting with '#' are skipped. Every row must have the
 * same number of finite numbers. `expectedDim`, when given, is enforced.
 */
export function parseCsvPoints(text: string, expectedDim?: number): CsvPoints {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  let dim = -1;
  let sawHeader = false;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\t ]+/).filter((c) => c !== '');
    const nums = cells.map(parseDecimal);
    const bad = cells.findIndex((_c, i) => nums[i] === undefined);
    if (bad >= 0) {
      if (rows.length === 0 && !sawHeader && !cells.some(startsLikeNumber)) {
        sawHeader = true; // a header such as "x,y"
        continue;
      }
      throw new Error(`CSV line ${li + 1}: "${cells[bad]}" is not a number (each line must hold the coordinates of one point, as plain decimals such as 0.5 or -1e-3)`);
    }
    if (dim < 0) {
      dim = nums.length;
      checkBudget('dimension', dim, 'use points of fewer coordinates');
    } else if (nums.length !== dim) throw new Error(`CSV line ${li + 1}: ${nums.length} columns, but earlier lines have ${dim}`);
    rows.push(nums as number[]);
  }
  checkBudget('points', rows.length, 'use fewer points (a random subset keeps the shape of the density)');
  if (rows.length === 0) throw new Error('CSV holds no points (expected one point per line, e.g. "0.5,1.2")');
  if (expectedDim !== undefined && dim !== expectedDim) throw new Error(`CSV points have ${dim} columns, expected ${expectedDim}`);
  const points = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => points.set(r, i * dim));
  return { points, n: rows.length, dim };
}

/**
 * Mean and covariance of a mixture (the moments of its Gaussian approximation):
 * mean = Σ_k w_k μ_k, cov = Σ_k w_k (C_k + μ_k μ_kᵀ) − mean meanᵀ. Applied to the posterior mixture of
 * MATH.md section 4 this gives the exact posterior moments that Tweedie's formulas (section 1) reproduce.
 */
export function gmmMoments(g: Gmm): { mean: Float64Array; cov: Float64Array } {
  const d = g.dim;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  let total = 0;
  for (const c of g.components) total += c.weight;
  for (const c of g.components) {
    const w = c.weight / total;
    for (let i = 0; i < d; i++) mean[i] += w * c.mean[i];
  }
  for (const c of g.components) {
    const w = c.weight / total;
    for (let i = 0; i < d; i++) {
      const di = c.mean[i] - mean[i];
      for (let j = 0; j < d; j++) cov[i * d + j] += w * (c.cov[i * d + j] + di * (c.mean[j] - mean[j]));
    }
  }
  return { mean, cov: symmetrize(cov, d) };
}
