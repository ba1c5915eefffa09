/** Small dense linear algebra for the linear models (column-major m × d matrices). */

/**
 * In-place Cholesky factorisation of a symmetric positive definite d × d matrix (row-major; the
 * lower triangle receives L). Returns false when the matrix is not numerically positive definite.
 */
export function cholesky(A: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let diag = A[j * d + j];
    for (let k = 0; k < j; k++) diag -= A[j * d + k] * A[j * d + k];
    if (!(diag > 0) || !Number.isFinite(diag)) return false;
    const ljj = Math.sqrt(diag);
    A[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = A[i * d + j];
      for (let k = 0; k < j; k++) s -= A[i * d + k] * A[j * d + k];
      A[i * d + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b with the factor from cholesky(). */
export function choleskySolve(L: Float64Array, d: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= L[i * d + k] * x[k];
    x[i] = s / L[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < d; k++) s -= L[k * d + i] * x[k];
    x[i] = s / L[i * d + i];
  }
  return x;
}

/**
 * One-sided Jacobi SVD (Hestenes) of the r × d column-major matrix B, in place: afterwards the
 * columns of B are U·Σ (mutually orthogonal) and V (d × d, column-major) holds the right singular
 * vectors, so B_original = (B) Vᵀ.
 */
function jacobiSvd(B: Float64Array, r: number, d: number): Float64Array {
  const V = new Float64Array(d * d);
  for (let j = 0; j < d; j++) V[j * d + j] = 1;
  const eps = Number.EPSILON;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const po = p * r;
        const qo = q * r;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < r; i++) {
          const bp = B[po + i];
          const bq = B[qo + i];
          alpha += bp * bp;
          beta += bq * bq;
          gamma += bp * bq;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < r; i++) {
          const bp = B[po + i];
          const bq = B[qo + i];
          B[po + i] = c * bp - s * bq;
          B[qo + i] = s * bp + c * bq;
        }
        const pv = p * d;
        const qv = q * d;
        for (let i = 0; i < d; i++) {
          const vp = V[pv + i];
          const vq = V[qv + i];
          V[pv + i] = c * vp - s * vq;
          V[qv + i] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  return V;
}

/**
 * Minimum-norm least-squares solution of A x ≈ b (A: m × d column-major, not modified), like
 * LAPACK's gelsd used by scipy.linalg.lstsq: Householder QR when m ≥ d, then an SVD of R; singular
 * values below max(m, d) · eps · σ_max are treated as zero, so collinear columns are handled.
 */
export function lstsq(A: Float64Array, m: number, d: number, b: Float64Array): Float64Array {
  let B: Float64Array;
  let rhs: Float64Array;
  let r: number;
  if (m >= d) {
    const Q = Float64Array.from(A);
    const y = Float64Array.from(b);
    for (let j = 0; j < d; j++) {
      const jo = j * m;
      let norm = 0;
      for (let i = j; i < m; i++) norm += Q[jo + i] * Q[jo + i];
      norm = Math.sqrt(norm);
      if (norm === 0) continue;
      const alpha = Q[jo + j] > 0 ? -norm : norm;
      // v = x - alpha e1, stored in place of column j (rows j..m-1).
      Q[jo + j] -= alpha;
      let vv = 0;
      for (let i = j; i < m; i++) vv += Q[jo + i] * Q[jo + i];
      if (vv === 0) continue;
      const apply = (col: Float64Array, off: number): void => {
        let s = 0;
        for (let i = j; i < m; i++) s += Q[jo + i] * col[off + i];
        const f = (2 * s) / vv;
        for (let i = j; i < m; i++) col[off + i] -= f * Q[jo + i];
      };
      for (let k = j + 1; k < d; k++) apply(Q, k * m);
      apply(y, 0);
      Q[jo + j] = alpha; // R[j][j]; the rest of the column below is no longer needed
      for (let i = j + 1; i < m; i++) Q[jo + i] = 0;
    }
    r = d;
    B = new Float64Array(d * d);
    for (let j = 0; j < d; j++) for (let i = 0; i <= j; i++) B[j * d + i] = Q[j * m + i];
    rhs = y.slice(0, d);
  } else {
    r = m;
    B = Float64Array.from(A);
    rhs = Float64Array.from(b);
  }
  const V = jacobiSvd(B, r, d);
  const sigma2 = new Float64Array(d);
  let maxSigma = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += B[j * r + i] * B[j * r + i];
    sigma2[j] = s;
    maxSigma = Math.max(maxSigma, Math.sqrt(s));
  }
  const cutoff = Math.max(m, d) * Number.EPSILON * maxSigma;
  const x = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    if (!(Math.sqrt(sigma2[j]) > cutoff)) continue;
    let proj = 0;
    for (let i = 0; i < r; i++) proj += B[j * r + i] * rhs[i];
    const coef = proj / sigma2[j];
    for (let i = 0; i < d; i++) x[i] += coef * V[j * d + i];
  }
  return x;
}
