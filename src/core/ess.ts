/**
 * Effective sample size and autocorrelation (MATH.md section 3), as Stan / ArviZ compute them (Vehtari, Gelman,
 * Simpson, Carpenter, Bürkner 2021, "Rank-normalization, folding, and localization: an improved R-hat for
 * assessing convergence of MCMC", Sec. 3.2 and 4.3; ArviZ `_ess`, `_ess_mean`, `_ess_bulk`, `_ess_tail`).
 *
 * `essChains` is the ESS of the mean, ArviZ's `ess(method="mean")`: the estimator below on the split chains as
 * they are, with no rank normalisation. It is *not* the "bulk" ESS; that one (`essBulk`) applies the same estimator
 * to rank-normalised draws, and the tail ESS (`essTail`) to the indicators of the 5% and 95% quantiles.
 *
 * 1. split every chain into halves (the middle draw of an odd-length chain is dropped), giving M chains of N;
 * 2. per chain, biased autocovariances acov_m[t] = (1/N) Σ_i (x_i − x̄)(x_{i+t} − x̄) (by FFT);
 * 3. W = mean_m acov_m[0]·N/(N−1) (within-chain variance), var⁺ = W (N−1)/N + B/N with B/N the variance of the
 *    chain means (denominator M − 1; zero when M = 1);
 * 4. ρ_t = 1 − (W − mean_m acov_m[t]) / var⁺;
 * 5. Geyer's initial positive sequence: sum pairs P_k = ρ_{2k} + ρ_{2k+1} while positive, then made monotone
 *    (each pair no larger than the previous one);
 * 6. τ = −1 + 2 Σ_{t ≤ T} ρ_t + ρ_{T+1} (the last, partial pair), floored at 1/log10(M N); ESS = M N / τ.
 */

/** In-place iterative radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k + len / 2] = re[i + k] - ar;
        im[i + k + len / 2] = im[i + k] - ai;
        re[i + k] += ar;
        im[i + k] += ai;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

/**
 * Biased autocovariance of one series, lags 0..N−1: acov[t] = (1/N) Σ_{i<N−t} (x_i − x̄)(x_{i+t} − x̄)
 * (MATH.md section 3, step 2), by zero-padded FFT (O(N log N)).
 */
export function autocovariance(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n === 0) return new Float64Array(0);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i] - mean;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = re[t] / n;
  return out;
}

/**
 * Autocorrelation function ρ_t = acov[t] / acov[0] of one chain for lags 0..maxLag (default min(N−1, 100)),
 * for the samplers' autocorrelation plots. A constant chain gives ρ_0 = 1 and NaN beyond.
 */
export function autocorrelation(x: ArrayLike<number>, maxLag = Math.min(x.length - 1, 100)): Float64Array {
  const acov = autocovariance(x);
  const L = Math.min(maxLag, x.length - 1);
  const out = new Float64Array(L + 1);
  for (let t = 0; t <= L; t++) out[t] = t === 0 ? 1 : acov[t] / acov[0];
  return out;
}

/** Splits each chain into two halves of floor(N/2) draws (first half, last half: an odd middle draw is dropped). */
export function splitChains(chains: ArrayLike<number>[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const c of chains) {
    const half = Math.floor(c.length / 2);
    out.push(Float64Array.from({ length: half }, (_, i) => c[i]));
    out.push(Float64Array.from({ length: half }, (_, i) => c[c.length - half + i]));
  }
  return out;
}

/**
 * ESS of the mean of one scalar quantity from M chains of equal length (MATH.md section 3, the Stan/ArviZ
 * estimator of the module comment; ArviZ `ess(method="mean")`). `split` (default true) splits chains in halves
 * first. Returns NaN when there are fewer than 4 draws per (split) chain or the draws are constant.
 */
export function essChains(chains: ArrayLike<number>[], split = true): number {
  if (chains.length === 0) throw new Error('ess: no chains');
  const n0 = chains[0].length;
  for (const c of chains) if (c.length !== n0) throw new Error('ess: chains must have equal lengths');
  const cs = split ? splitChains(chains) : chains.map((c) => Float64Array.from(c));
  const M = cs.length;
  const N = cs[0].length;
  if (N < 4) return NaN;
  for (const c of cs) for (let i = 0; i < N; i++) if (!Number.isFinite(c[i])) return NaN;
  const acov = cs.map(autocovariance);
  const means = cs.map((c) => c.reduce((a, v) => a + v, 0) / N);
  let W = 0;
  for (let m = 0; m < M; m++) W += (acov[m][0] * N) / (N - 1);
  W /= M;
  let varPlus = (W * (N - 1)) / N;
  if (M > 1) {
    const mm = means.reduce((a, v) => a + v, 0) / M;
    let b = 0;
    for (const v of means) b += (v - mm) ** 2;
    varPlus += b / (M - 1);
  }
  if (!(varPlus > 0)) return NaN;
  const meanAcov = (t: number) => {
    let s = 0;
    for (let m = 0; m < M; m++) s += acov[m][t];
    return s / M;
  };
  const rho = new Float64Array(N);
  rho[0] = 1;
  let rhoEven = 1;
  let rhoOdd = 1 - (W - meanAcov(1)) / varPlus;
  rho[1] = rhoOdd;
  // Initial positive sequence: pairs (ρ_{t+1}, ρ_{t+2}) are kept while their sum is positive.
  let t = 1;
  while (t < N - 3 && rhoEven + rhoOdd > 0) {
    rhoEven = 1 - (W - meanAcov(t + 1)) / varPlus;
    rhoOdd = 1 - (W - meanAcov(t + 2)) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t + 1] = rhoEven;
      rho[t + 2] = rhoOdd;
    }
    t += 2;
  }
  const maxT = t - 2;
  // The last even term, if positive, improves the estimate (Stan's "+ last term").
  if (rhoEven > 0) rho[maxT + 1] = rhoEven;
  // Initial monotone sequence.
  for (let k = 1; k <= maxT - 2; k += 2) {
    if (rho[k + 1] + rho[k + 2] > rho[k - 1] + rho[k]) {
      rho[k + 1] = (rho[k - 1] + rho[k]) / 2;
      rho[k + 2] = rho[k + 1];
    }
  }
  let sum = 0;
  for (let k = 0; k <= maxT; k++) sum += rho[k];
  let tau = -1 + 2 * sum + (maxT + 1 < N ? rho[maxT + 1] : 0);
  tau = Math.max(tau, 1 / Math.log10(M * N));
  return (M * N) / tau;
}

/** ESS of the mean per dimension and its minimum over dimensions (the paper's Table 3 number). */
export interface EssResult {
  perDim: Float64Array;
  min: number;
}

/**
 * ESS of the mean (`essChains`) of every coordinate of draws laid out row-major [iters][chains][dim] (the layout of
 * stacked sampler frames), each coordinate over all chains with splitting (MATH.md section 3), and the minimum
 * over coordinates.
 */
export function ess(draws: ArrayLike<number>, iters: number, chains: number, dim: number): EssResult {
  if (draws.length !== iters * chains * dim) throw new Error(`ess: ${draws.length} values, expected iters*chains*dim = ${iters * chains * dim}`);
  const perDim = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    const cs: Float64Array[] = [];
    for (let c = 0; c < chains; c++) {
      const s = new Float64Array(iters);
      for (let t = 0; t < iters; t++) s[t] = draws[(t * chains + c) * dim + j];
      cs.push(s);
    }
    perDim[j] = essChains(cs);
  }
  let min = Infinity;
  for (const v of perDim) min = Math.min(min, v);
  return { perDim, min };
}

/**
 * Standard normal quantile Φ⁻¹(p) for p in (0, 1): Wichura's AS241 (PPND16, relative error about 1e-16), the
 * algorithm of Python's `statistics.NormalDist().inv_cdf`. ±Infinity at 0 and 1, NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241[0], r)) / horner(AS241[1], r);
  }
  let r = Math.sqrt(-Math.log(q <= 0 ? p : 1 - p));
  const far = r > 5;
  r -= far ? 5 : 1.6;
  const x = horner(AS241[far ? 4 : 2], r) / horner(AS241[far ? 5 : 3], r);
  return q < 0 ? -x : x;
}

/** Σ c_k r^(n−1−k) for coefficients c listed from the highest degree down (Horner). */
function horner(c: readonly number[], r: number): number {
  let v = 0;
  for (const ck of c) v = v * r + ck;
  return v;
}

/**
 * Coefficients of AS241's three rational approximations (numerator, denominator for |p − ½| ≤ 0.425, then for
 * r = √(−log min(p, 1 − p)) ≤ 5 and beyond), highest degree first, as in CPython's `statistics` module.
 */
const AS241: readonly (readonly number[])[] = [
  [2509.0809287301227, 33430.57558358813, 67265.7709270087, 45921.95393154987, 13731.69376550946, 1971.5909503065513, 133.14166789178438, 3.3871328727963665],
  [5226.495278852854, 28729.085735721943, 39307.89580009271, 21213.794301586597, 5394.196021424751, 687.1870074920579, 42.31333070160091, 1],
  [0.0007745450142783414, 0.022723844989269184, 0.2417807251774506, 1.2704582524523684, 3.6478483247632045, 5.769497221460691, 4.630337846156546, 1.4234371107496835],
  [1.0507500716444169e-09, 0.0005475938084995345, 0.015198666563616457, 0.14810397642748008, 0.6897673349851, 1.6763848301838038, 2.053191626637759, 1],
  [2.0103343992922881e-07, 2.7115555687434876e-05, 0.0012426609473880784, 0.026532189526576124, 0.29656057182850487, 1.7848265399172913, 5.463784911164114, 6.657904643501103],
  [2.0442631033899397e-15, 1.421511758316446e-07, 1.8463183175100548e-05, 0.0007868691311456133, 0.014875361290850615, 0.1369298809227358, 0.599832206555888, 1],
];

/**
 * Rank normalisation of draws pooled over all chains (Vehtari et al. 2021, Eq. 14; ArviZ `_z_scale`):
 * z = Φ⁻¹((r − 3/8) / (S + 1/4)) with r the rank of each draw among all S draws (ties get their average rank).
 * Returns chains of the same shapes.
 */
export function rankNormalize(chains: ArrayLike<number>[]): Float64Array[] {
  const S = chains.reduce((a, c) => a + c.length, 0);
  const flat = new Float64Array(S);
  let k = 0;
  for (const c of chains) for (let i = 0; i < c.length; i++) flat[k++] = c[i];
  const order = Array.from({ length: S }, (_, i) => i).sort((a, b) => flat[a] - flat[b]);
  const z = new Float64Array(S);
  for (let i = 0; i < S; ) {
    let j = i + 1;
    while (j < S && flat[order[j]] === flat[order[i]]) j++;
    // Ranks i+1 .. j share their average (i + 1 + j) / 2.
    const v = normalQuantile(((i + 1 + j) / 2 - 3 / 8) / (S + 1 / 4));
    for (let t = i; t < j; t++) z[order[t]] = v;
    i = j;
  }
  const out: Float64Array[] = [];
  k = 0;
  for (const c of chains) {
    out.push(z.slice(k, k + c.length));
    k += c.length;
  }
  return out;
}

/**
 * Bulk ESS (Vehtari et al. 2021, Sec. 4.3; ArviZ `ess(method="bulk")`): the ESS (`essChains`, without a second
 * split) of the split chains after rank normalisation over all of their draws (`rankNormalize`). NaN when any
 * draw is not finite or a split chain has fewer than 4 draws.
 */
export function essBulk(chains: ArrayLike<number>[]): number {
  if (chains.length === 0) throw new Error('ess: no chains');
  const split = splitChains(chains);
  if (split[0].length < 4) return NaN;
  for (const c of split) for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i])) return NaN;
  return essChains(rankNormalize(split), false);
}

/** Quantile of all draws at level u (linear interpolation between order statistics: R type 7, numpy's default). */
function pooledQuantile(chains: ArrayLike<number>[], u: number): number {
  const v = Float64Array.from(chains.flatMap((c) => Array.from(c))).sort();
  const pos = u * (v.length - 1);
  const i = Math.floor(pos);
  return i + 1 < v.length ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

/**
 * Tail ESS (Vehtari et al. 2021, Sec. 4.3; ArviZ `ess(method="tail")`): min over u ∈ {0.05, 0.95} of the ESS
 * (`essChains`, split chains) of the indicator I(x ≤ q_u), q_u the type-7 quantile of all draws. NaN when any
 * draw is not finite, a split chain has fewer than 4 draws, or an indicator is constant.
 */
export function essTail(chains: ArrayLike<number>[]): number {
  if (chains.length === 0) throw new Error('ess: no chains');
  for (const c of chains) for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i])) return NaN;
  let min = Infinity;
  for (const u of [0.05, 0.95]) {
    const q = pooledQuantile(chains, u);
    min = Math.min(min, essChains(chains.map((c) => Float64Array.from(c, (x) => (x <= q ? 1 : 0)))));
  }
  return min;
}
