/**
 * Mixtures of logistics in any dimension (paper 1, Table 1's "mixture of logistics"; MATH.md section 6):
 * p(x) = Σ_k w_k Π_j ℓ(x_j; μ_kj, s_kj), each component a product of independent logistic distributions with
 * density ℓ(y; μ, s) = e^{−u} / (s (1 + e^{−u})²), u = (y − μ)/s.
 *
 * Clean density, closed form: per coordinate log ℓ, its derivative g1 = −tanh(u/2)/s and second derivative
 * g2 = −sech²(u/2)/(2s²); the mixture's s1 = Σ_k r_k s1_k and s2 = Σ_k r_k (H_k + s1_k s1_kᵀ) − s1 s1ᵀ with H_k
 * = diag(g2) and r_k the responsibilities (log-sum-exp). Sampling by the inverse CDF y = μ + s log(u / (1 − u)).
 *
 * Noisy density q = p * N(0, diag(σ_j²)): no closed form, but the product structure survives a diagonal noise,
 * so q is the same mixture of products of 1-D densities f_kj = ℓ_kj * N(0, σ_j²), each a 1-D integral
 * E_z[ℓ(y − σ_j z)] computed by the trapezoid rule in z (`NoisyQuadrature`), with its derivatives
 * E_z[ℓ'] and E_z[ℓ''] from the same nodes, in log space.
 */
import type { Noise, NoisyDensity, Rng } from './types.ts';
import { categoricalSampler } from './rng.ts';
import { checkBudget } from './budgets.ts';

/** A mixture of products of logistics: K components in dimension d; weights normalised; locs, scales K×d row-major. */
export interface LogisticMixture {
  dim: number;
  weights: Float64Array;
  locs: Float64Array;
  scales: Float64Array;
}

/** log ℓ(y; μ, s), its first and second derivatives in y, written into `out` (length 3). */
export type CoordinateTerms = (k: number, j: number, y: number, out: Float64Array) => void;

const LOGISTIC_JSON_HINT = 'expected {"type":"logistic-mixture","weights":[w1,...],"locs":[[...],...],"scales":[[...],...]}';

/**
 * The log-logistic density and its derivatives at u = (y − μ)/s:
 * log ℓ = −|u| − 2 log(1 + e^{−|u|}) − log s, ∂ log ℓ = −tanh(u/2)/s, ∂² log ℓ = −(1 − tanh²(u/2))/(2s²).
 */
export function logisticTerms(y: number, mu: number, s: number, out: Float64Array): void {
  const u = (y - mu) / s;
  const a = Math.abs(u);
  const t = Math.tanh(u / 2);
  out[0] = -a - 2 * Math.log1p(Math.exp(-a)) - Math.log(s);
  out[1] = -t / s;
  out[2] = -(1 - t * t) / (2 * s * s);
}

/** The clean density's per-coordinate terms (`logisticTerms` with component k's location and scale). */
export function cleanTerms(m: LogisticMixture): CoordinateTerms {
  const d = m.dim;
  return (k, j, y, out) => logisticTerms(y, m.locs[k * d + j], m.scales[k * d + j], out);
}

/** log p, s1 and s2 (d×d) of a mixture of products at x; `order` 0 skips s1 and s2, 1 skips s2. */
export interface ProductMixtureValue {
  logp: number;
  s1?: Float64Array;
  s2?: Float64Array;
}

/**
 * Evaluates a mixture of products of 1-D densities at x from per-coordinate terms (log f, (log f)', (log f)''):
 * log p = logsumexp_k (log w_k + Σ_j log f_kj), r_k the softmax, s1 = Σ_k r_k s1_k,
 * s2 = Σ_k r_k (diag(h_k) + s1_k s1_kᵀ) − s1 s1ᵀ (MATH.md section 6, mixtures).
 */
export function evalProductMixture(weights: Float64Array, d: number, terms: CoordinateTerms, x: ArrayLike<number>, order: 0 | 1 | 2): ProductMixtureValue {
  const K = weights.length;
  const logc = new Float64Array(K);
  const g1 = order >= 1 ? new Float64Array(K * d) : null;
  const g2 = order >= 2 ? new Float64Array(K * d) : null;
  const t = new Float64Array(3);
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let l = Math.log(weights[k]);
    for (let j = 0; j < d; j++) {
      terms(k, j, x[j], t);
      l += t[0];
      if (g1) g1[k * d + j] = t[1];
      if (g2) g2[k * d + j] = t[2];
    }
    logc[k] = l;
    if (l > max) max = l;
  }
  let z = 0;
  for (let k = 0; k < K; k++) z += Math.exp(logc[k] - max);
  const logp = max + Math.log(z);
  if (!g1) return { logp };
  const s1 = new Float64Array(d);
  const s2 = g2 ? new Float64Array(d * d) : undefined;
  for (let k = 0; k < K; k++) {
    const r = Math.exp(logc[k] - logp);
    if (r === 0) continue;
    const o = k * d;
    for (let i = 0; i < d; i++) s1[i] += r * g1[o + i];
    if (s2 && g2) {
      for (let i = 0; i < d; i++) {
        const ri = r * g1[o + i];
        s2[i * d + i] += r * g2[o + i];
        for (let j = 0; j < d; j++) s2[i * d + j] += ri * g1[o + j];
      }
    }
  }
  if (s2) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s2[i * d + j] -= s1[i] * s1[j];
  return s2 ? { logp, s1, s2 } : { logp, s1 };
}

/**
 * Draws n points: a component by weight, then each coordinate by the inverse CDF μ + s log(u / (1 − u)).
 */
export function sampleLogisticMixture(m: LogisticMixture, rng: Rng, n: number): Float64Array {
  const d = m.dim;
  const pick = categoricalSampler(m.weights);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const k = pick(rng);
    for (let j = 0; j < d; j++) {
      let u = rng.uniform();
      while (u === 0) u = rng.uniform();
      out[i * d + j] = m.locs[k * d + j] + m.scales[k * d + j] * Math.log(u / (1 - u));
    }
  }
  return out;
}

/**
 * Mean and covariance (d×d) of the mixture: mean = Σ_k w_k μ_k,
 * cov = Σ_k w_k (diag(π² s_k² / 3) + μ_k μ_kᵀ) − mean meanᵀ (a logistic's variance is π² s² / 3).
 */
export function logisticMixtureMoments(m: LogisticMixture): { mean: Float64Array; cov: Float64Array } {
  const d = m.dim;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  m.weights.forEach((w, k) => {
    for (let i = 0; i < d; i++) {
      const mi = m.locs[k * d + i];
      mean[i] += w * mi;
      cov[i * d + i] += (w * Math.PI * Math.PI * m.scales[k * d + i] ** 2) / 3;
      for (let j = 0; j < d; j++) cov[i * d + j] += w * mi * m.locs[k * d + j];
    }
  });
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] -= mean[i] * mean[j];
  return { mean, cov };
}

/** Half-width of the quadrature in z (a standard normal beyond 10 carries e^{−50} of mass). */
const Z_MAX = 10;

/**
 * Trapezoid nodes for E_z[g(y − σ z)], z ~ N(0, 1), on [−Z_MAX, Z_MAX]. ℓ(y − σ z) is analytic in z within
 * |Im z| < π s/σ (its poles), where the trapezoid rule's error decays like e^{−2π (π s/σ)/h}: the step
 * h = min(0.5, π s/(4σ)) keeps it below e^{−24} at any σ/s (more nodes as σ/s grows).
 */
export function quadratureNodes(sigma: number, sMin: number): { z: Float64Array; logw: Float64Array } {
  const h = Math.min(0.5, (Math.PI * sMin) / (4 * sigma));
  const half = Math.ceil(Z_MAX / h);
  const z = new Float64Array(2 * half + 1);
  const logw = new Float64Array(2 * half + 1);
  for (let i = 0; i < z.length; i++) {
    z[i] = (i - half) * h;
    logw[i] = -0.5 * z[i] * z[i] + Math.log(h / Math.sqrt(2 * Math.PI));
  }
  return { z, logw };
}

/** The per-coordinate noise levels σ_j of a noise: σ for a number, the diagonal of a diagonal Σ; a full Σ throws. */
export function diagonalNoise(noise: Noise, d: number): Float64Array {
  if (typeof noise === 'number') {
    if (!(noise > 0) || !Number.isFinite(noise)) throw new Error(`noise level σ must be a positive finite number, got ${noise}`);
    return new Float64Array(d).fill(noise);
  }
  if (noise.length !== d * d) throw new Error(`noise covariance must be ${d}x${d} (${d * d} numbers), got ${noise.length}`);
  const s = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (i !== j && noise[i * d + j] !== 0) throw new Error('a mixture of logistics has a noisy density only for isotropic or diagonal noise (the product structure needs independent noise coordinates)');
    }
    s[i] = Math.sqrt(noise[i * d + i]);
    if (!(s[i] > 0) || !Number.isFinite(s[i])) throw new Error(`noise variance ${i} must be a positive finite number, got ${noise[i * d + i]}`);
  }
  return s;
}

/**
 * The noisy density's per-coordinate terms: log f, (log f)' = E[ℓ']/E[ℓ], (log f)'' = E[ℓ'']/E[ℓ] − ((log f)')²
 * with f = E_z[ℓ(y − σ_j z)] on the nodes of `quadratureNodes` (log-sum-exp over nodes; ℓ'/ℓ = g1,
 * ℓ''/ℓ = g1² + g2).
 */
export function noisyTerms(m: LogisticMixture, sigmas: Float64Array): CoordinateTerms {
  const d = m.dim;
  const nodes = Array.from(sigmas, (sj, j) => {
    let sMin = Infinity;
    for (let k = 0; k < m.weights.length; k++) sMin = Math.min(sMin, m.scales[k * d + j]);
    return quadratureNodes(sj, sMin);
  });
  const t = new Float64Array(3);
  let buf = new Float64Array(0);
  return (k, j, y, out) => {
    const { z, logw } = nodes[j];
    const mu = m.locs[k * d + j];
    const s = m.scales[k * d + j];
    if (buf.length < 3 * z.length) buf = new Float64Array(3 * z.length);
    let max = -Infinity;
    for (let i = 0; i < z.length; i++) {
      logisticTerms(y - sigmas[j] * z[i], mu, s, t);
      const l = logw[i] + t[0];
      buf[3 * i] = l;
      buf[3 * i + 1] = t[1];
      buf[3 * i + 2] = t[1] * t[1] + t[2];
      if (l > max) max = l;
    }
    let f = 0;
    let f1 = 0;
    let f2 = 0;
    for (let i = 0; i < z.length; i++) {
      const e = Math.exp(buf[3 * i] - max);
      f += e;
      f1 += e * buf[3 * i + 1];
      f2 += e * buf[3 * i + 2];
    }
    const g = f1 / f;
    out[0] = max + Math.log(f);
    out[1] = g;
    out[2] = f2 / f - g * g;
  };
}

/** The noisy density q = p * N(0, diag(σ²)) of a mixture of logistics (no posterior: it is not closed form). */
export function logisticMixtureNoisy(m: LogisticMixture, noise: Noise): NoisyDensity {
  const terms = noisyTerms(m, diagonalNoise(noise, m.dim));
  return {
    logp: (x) => evalProductMixture(m.weights, m.dim, terms, x, 0).logp,
    s1: (x) => evalProductMixture(m.weights, m.dim, terms, x, 1).s1!,
    s2: (x) => evalProductMixture(m.weights, m.dim, terms, x, 2).s2!,
  };
}

/**
 * A mixture of logistics from weights (positive, normalised here), locations and scales (K rows of d numbers;
 * scales positive). Throws naming the field and component at fault.
 */
export function makeLogisticMixture(weights: ArrayLike<number>, locs: ArrayLike<number>[], scales: ArrayLike<number>[]): LogisticMixture {
  const K = weights.length;
  if (K === 0) throw new Error('a mixture of logistics needs at least one component');
  if (locs.length !== K) throw new Error(`${K} weights but ${locs.length} location rows`);
  if (scales.length !== K) throw new Error(`${K} weights but ${scales.length} scale rows`);
  const d = locs[0].length;
  if (d === 0) throw new Error('locations must have at least one coordinate');
  const w = Float64Array.from(weights);
  const sum = w.reduce((a, v) => a + v, 0);
  w.forEach((v, k) => {
    if (!Number.isFinite(v) || !(v > 0)) throw new Error(`weight ${k} is ${v}; weights must be positive finite numbers`);
  });
  const L = new Float64Array(K * d);
  const S = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    if (locs[k].length !== d) throw new Error(`location row ${k} has ${locs[k].length} coordinates but row 0 has ${d}`);
    if (scales[k].length !== d) throw new Error(`scale row ${k} has ${scales[k].length} numbers but the locations have ${d} coordinates`);
    for (let j = 0; j < d; j++) {
      const mu = locs[k][j];
      const s = scales[k][j];
      if (!Number.isFinite(mu)) throw new Error(`location [${k}][${j}] is ${mu}; locations must be finite numbers`);
      if (!Number.isFinite(s) || !(s > 0)) throw new Error(`scale [${k}][${j}] is ${s}; scales must be positive finite numbers`);
      L[k * d + j] = mu;
      S[k * d + j] = s;
    }
  }
  return { dim: d, weights: w.map((v) => v / sum), locs: L, scales: S };
}


function isNumberMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
}

/**
 * Parses `{"type":"logistic-mixture","weights":[...],"locs":[[...]],"scales":[[...]]}` (K weights, K × d
 * locations and scales) from its JSON object; the budgets (dimension, numbers in a mixture file) are checked
 * before anything is built. Errors name the field and component at fault.
 */
export function parseLogisticMixtureObject(o: Record<string, unknown>): LogisticMixture {
  if (o.type !== 'logistic-mixture') throw new Error(`density JSON: "type" must be "logistic-mixture", got ${JSON.stringify(o.type)}; ${LOGISTIC_JSON_HINT}`);
  const { weights, locs, scales } = o;
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every((v) => typeof v === 'number')) {
    throw new Error(`density JSON: "weights" must be a non-empty array of numbers; ${LOGISTIC_JSON_HINT}`);
  }
  if (!Array.isArray(locs) || !Array.isArray(locs[0])) throw new Error(`density JSON: "locs" must be an array of number arrays (K × d); ${LOGISTIC_JSON_HINT}`);
  const d = (locs[0] as unknown[]).length;
  checkBudget('dimension', d, 'use a mixture of fewer dimensions');
  checkBudget('mixtureNumbers', weights.length * (1 + 2 * d), 'use fewer components or dimensions');
  if (!isNumberMatrix(locs)) throw new Error(`density JSON: "locs" must be an array of number arrays (K × d); ${LOGISTIC_JSON_HINT}`);
  if (!isNumberMatrix(scales)) throw new Error(`density JSON: "scales" must be an array of number arrays (K × d); ${LOGISTIC_JSON_HINT}`);
  try {
    return makeLogisticMixture(weights, locs, scales);
  } catch (e) {
    throw new Error(`density JSON: ${(e as Error).message}`, { cause: e });
  }
}

