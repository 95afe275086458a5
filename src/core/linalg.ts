/**
 * Small dense linear algebra on row-major Float64Arrays (an n×m matrix `A` has entry (i, j) at `A[i*m + j]`).
 * Sizes are passed explicitly; every function returns a new array and leaves its inputs untouched.
 * Used by the Gaussian-mixture closed forms (MATH.md section 6), the second-order metrics (section 1), the
 * uncertainty lab's ellipses and eigenvectors (section 4), the digits posterior and the energy lab (section 5).
 */

/** Thrown when a matrix that must be symmetric positive definite is not. */
export class NotSpdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotSpdError';
  }
}

/** The n×n identity. */
export function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** The n×n diagonal matrix diag(d). */
export function diag(d: ArrayLike<number>): Float64Array {
  const n = d.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) D[i * n + i] = d[i];
  return D;
}

/** The diagonal of an n×n matrix. */
export function diagonal(A: ArrayLike<number>, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = A[i * n + i];
  return d;
}

/** Trace of an n×n matrix. */
export function trace(A: ArrayLike<number>, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += A[i * n + i];
  return t;
}

/** Matrix product C = A B with A n×m and B m×p (C is n×p). */
export function matmul(A: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number, p: number): Float64Array {
  const C = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      const a = A[i * m + k];
      if (a === 0) continue;
      const bo = k * p;
      const co = i * p;
      for (let j = 0; j < p; j++) C[co + j] += a * B[bo + j];
    }
  }
  return C;
}

/** Matrix–vector product y = A x with A n×m. */
export function matvec(A: ArrayLike<number>, x: ArrayLike<number>, n: number, m: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * m;
    for (let j = 0; j < m; j++) s += A[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** Transpose of an n×m matrix (result m×n). */
export function transpose(A: ArrayLike<number>, n: number, m: number): Float64Array {
  const T = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) T[j * n + i] = A[i * m + j];
  return T;
}

/** Elementwise A + B. */
export function add(A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const C = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) C[i] = A[i] + B[i];
  return C;
}

/** Elementwise A − B. */
export function sub(A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const C = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) C[i] = A[i] - B[i];
  return C;
}

/** s · A. */
export function scale(A: ArrayLike<number>, s: number): Float64Array {
  const C = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) C[i] = s * A[i];
  return C;
}

/** Inner product ⟨a, b⟩. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Outer product a bᵀ (a.length × b.length). */
export function outer(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const n = a.length;
  const m = b.length;
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) C[i * m + j] = a[i] * b[j];
  return C;
}

/** Frobenius norm ‖A‖_F (also the Euclidean norm of a vector). */
export function frobenius(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * A[i];
  return Math.sqrt(s);
}

/** Largest |A_ij − B_ij|. */
export function maxAbsDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  if (A.length !== B.length) throw new Error(`maxAbsDiff: lengths ${A.length} and ${B.length} differ`);
  let m = 0;
  for (let i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i] - B[i]));
  return m;
}

/** (A + Aᵀ)/2, the symmetric part of an n×n matrix. */
export function symmetrize(A: ArrayLike<number>, n: number): Float64Array {
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
  return S;
}

/**
 * Cholesky factor L (lower triangular, L Lᵀ = A) of a symmetric positive definite n×n matrix, or null when A is
 * not numerically positive definite (a pivot ≤ 0 or not finite). Only the lower triangle of A is read.
 */
export function tryCholesky(A: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/** Cholesky factor L (L Lᵀ = A) of an SPD n×n matrix; throws NotSpdError (naming `what`) otherwise. */
export function cholesky(A: ArrayLike<number>, n: number, what = 'matrix'): Float64Array {
  const L = tryCholesky(A, n);
  if (!L) throw new NotSpdError(`${what} is not symmetric positive definite (Cholesky failed)`);
  return L;
}

/** Solves L y = b for lower-triangular L (n×n). */
export function solveLower(L: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  return y;
}

/** Solves Lᵀ x = y for lower-triangular L (n×n). */
export function solveUpperT(L: ArrayLike<number>, y: ArrayLike<number>, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** Solves A x = b given the Cholesky factor L of A. */
export function choleskySolve(L: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  return solveUpperT(L, solveLower(L, b, n), n);
}

/** A⁻¹ from the Cholesky factor L of A (symmetric result). */
export function choleskyInverse(L: ArrayLike<number>, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(L, e, n);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  return symmetrize(inv, n);
}

/** log det A = 2 Σ log L_ii from the Cholesky factor L of A. */
export function choleskyLogDet(L: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L[i * n + i]);
  return 2 * s;
}

/** Inverse of a symmetric positive definite n×n matrix (Cholesky); throws NotSpdError otherwise. */
export function inverseSpd(A: ArrayLike<number>, n: number, what = 'matrix'): Float64Array {
  return choleskyInverse(cholesky(A, n, what), n);
}

/** LU decomposition with partial pivoting: P A = L U packed in one matrix, the row permutation and its sign. */
export interface Lu {
  lu: Float64Array;
  perm: Int32Array;
  sign: number;
  /** True when a pivot is exactly zero (A singular to working precision). */
  singular: boolean;
}

/** LU decomposition with partial pivoting of a general n×n matrix. */
export function lu(A: ArrayLike<number>, n: number): Lu {
  const M = Float64Array.from(A as ArrayLike<number>);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let sign = 1;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(M[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(M[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = M[k * n + j];
        M[k * n + j] = M[p * n + j];
        M[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const piv = M[k * n + k];
    if (piv === 0) {
      singular = true;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (M[i * n + k] /= piv);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) M[i * n + j] -= f * M[k * n + j];
    }
  }
  return { lu: M, perm, sign, singular };
}

/** Solves A x = b for a general n×n A (LU with partial pivoting); throws when A is singular. */
export function solve(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const f = lu(A, n);
  if (f.singular) throw new Error('solve: matrix is singular');
  return luSolve(f, b, n);
}

function luSolve(f: Lu, b: ArrayLike<number>, n: number): Float64Array {
  const { lu: M, perm } = f;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[perm[i]];
    for (let k = 0; k < i; k++) s -= M[i * n + k] * x[k];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= M[i * n + k] * x[k];
    x[i] = s / M[i * n + i];
  }
  return x;
}

/** Inverse of a general n×n matrix (LU with partial pivoting); throws when A is singular. */
export function inverse(A: ArrayLike<number>, n: number): Float64Array {
  const f = lu(A, n);
  if (f.singular) throw new Error('inverse: matrix is singular');
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = luSolve(f, e, n);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  return inv;
}

/** Determinant of a general n×n matrix (LU). */
export function det(A: ArrayLike<number>, n: number): number {
  const f = lu(A, n);
  let d = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu[i * n + i];
  return d;
}

/** log |det A| and the sign of det A for a general n×n matrix (sign 0 when singular). */
export function logAbsDet(A: ArrayLike<number>, n: number): { logAbsDet: number; sign: number } {
  const f = lu(A, n);
  let s = 0;
  let sign = f.sign;
  for (let i = 0; i < n; i++) {
    const v = f.lu[i * n + i];
    if (v === 0) return { logAbsDet: -Infinity, sign: 0 };
    if (v < 0) sign = -sign;
    s += Math.log(Math.abs(v));
  }
  return { logAbsDet: s, sign };
}

/** Eigen-decomposition of a symmetric matrix: A = Q diag(values) Qᵀ, values ascending, Q's columns the vectors. */
export interface SymEig {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** n×n row-major, column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Closed-form eigen-decomposition of the symmetric 2×2 matrix [[a, b], [b, c]] (values ascending; the
 * eigenvector of the larger value is (cos θ, sin θ) with θ = ½ atan2(2b, a − c)). Stable for b → 0.
 */
export function eigSym2(a: number, b: number, c: number): SymEig {
  const m = 0.5 * (a + c);
  const r = Math.hypot(0.5 * (a - c), b);
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  const cs = Math.cos(theta);
  const sn = Math.sin(theta);
  // Largest value λ+ = m + r with vector (cs, sn); smallest λ- = m - r with vector (-sn, cs).
  return { values: Float64Array.of(m - r, m + r), vectors: Float64Array.of(-sn, cs, cs, sn) };
}

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations (exact closed form for n = 2).
 * Accurate to machine precision for the small matrices of this project (n ≲ 100). Only the symmetric part is used.
 */
export function symEig(A: ArrayLike<number>, n: number): SymEig {
  if (n === 1) return { values: Float64Array.of(A[0]), vectors: Float64Array.of(1) };
  if (n === 2) return eigSym2(A[0], 0.5 * (A[1] + A[2]), A[3]);
  const M = symmetrize(A, n);
  const V = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = M[i * n + j] * M[i * n + j];
        total += v;
        if (i !== j) off += v;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = M[p * n + q];
        if (apq === 0) continue;
        const app = M[p * n + p];
        const aqq = M[q * n + q];
        const tau = (aqq - app) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = M[k * n + p];
          const mkq = M[k * n + q];
          M[k * n + p] = c * mkp - s * mkq;
          M[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = M[p * n + k];
          const mqk = M[q * n + k];
          M[p * n + k] = c * mpk - s * mqk;
          M[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => M[i * n + i] - M[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = M[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors };
}

/** Q diag(d) Qᵀ for an n×n Q (columns = vectors) and a length-n d. */
export function fromEig(vectors: ArrayLike<number>, d: ArrayLike<number>, n: number): Float64Array {
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * d[k] * vectors[j * n + k];
      R[i * n + j] = s;
      R[j * n + i] = s;
    }
  }
  return R;
}

/**
 * Principal square root of a symmetric positive semi-definite n×n matrix (via its eigen-decomposition).
 * Throws when an eigenvalue is below −tol·max|λ| (not PSD); eigenvalues in [−tol·max|λ|, 0) are treated as 0.
 */
export function sqrtmSym(A: ArrayLike<number>, n: number, tol = 1e-12): Float64Array {
  const { values, vectors } = symEig(A, n);
  const scaleMax = Math.max(...Array.from(values, Math.abs));
  const min = values[0];
  if (min < -tol * scaleMax) throw new NotSpdError(`sqrtm: matrix is not positive semi-definite (smallest eigenvalue ${min})`);
  return fromEig(vectors, values.map((v) => Math.sqrt(Math.max(v, 0))), n);
}

/** Principal square root of a symmetric PSD 2×2 matrix [[a, b], [b, c]] (closed form, Higham's formula). */
export function sqrtm2(A: ArrayLike<number>): Float64Array {
  const a = A[0];
  const b = 0.5 * (A[1] + A[2]);
  const c = A[3];
  const detA = a * c - b * b;
  const tr = a + c;
  if (tr < 0 || detA < -1e-12 * tr * tr) throw new NotSpdError('sqrtm2: matrix is not positive semi-definite');
  const s = Math.sqrt(Math.max(detA, 0));
  const t = Math.sqrt(tr + 2 * s);
  if (t === 0) return new Float64Array(4);
  return Float64Array.of((a + s) / t, b / t, b / t, (c + s) / t);
}

/** Inverse of a 2×2 matrix (closed form); throws when singular. */
export function inv2(A: ArrayLike<number>): Float64Array {
  const d = A[0] * A[3] - A[1] * A[2];
  if (d === 0 || !Number.isFinite(d)) throw new Error('inv2: matrix is singular');
  return Float64Array.of(A[3] / d, -A[1] / d, -A[2] / d, A[0] / d);
}

/** Smallest eigenvalue of a symmetric n×n matrix (e.g. of σ⁴ s2 + σ² I, the PSD check of MATH.md section 1). */
export function minEigenvalue(A: ArrayLike<number>, n: number): number {
  return symEig(A, n).values[0];
}

/** The 2×2 rotation matrix by angle θ (radians). */
export function rotation2(theta: number): Float64Array {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return Float64Array.of(c, -s, s, c);
}

/** A B Aᵀ for A n×n and B n×n (e.g. a covariance transformed by a linear map). */
export function congruence(A: ArrayLike<number>, B: ArrayLike<number>, n: number): Float64Array {
  return symmetrize(matmul(matmul(A, B, n, n, n), transpose(A, n, n), n, n, n), n);
}
