/**
 * Symmetric eigenproblems, as far as mordred's matrix attributes need them (`spectralSummary`): eigenvalues
 * and the leading eigenvector, never the full decomposition (the tests hold that, as their reference). Written for
 * this project from the textbook algorithms (Golub & Van Loan §8.3; Wilkinson–Reinsch tred2/tql2; LAPACK
 * dsytd2, dgttrf, dstein).
 */

// Householder tridiagonalization (LAPACK dsytd2, lower triangle, row-major so the inner loops run along rows),
// eigenvalues of the tridiagonal by implicit QL without vectors or Sturm bisection, the leading eigenvector by
// inverse iteration on the tridiagonal (LAPACK dstein's approach) and the stored reflectors: about (4/3)n³ flops,
// against ~9n³ for the full decomposition.

/** scratch buffers, grown on demand (one molecule at a time: never used re-entrantly) */
let work = new Float64Array(0)
let vecs = new Float64Array(0)
const scratch = (n: number): void => {
  if (work.length < n * n) work = new Float64Array(n * n)
  if (vecs.length < 8 * n) vecs = new Float64Array(8 * n)
}

/**
 * Reduces the symmetric matrix in `A` (row-major n×n, lower triangle read; destroyed) to tridiagonal form
 * T = Qᵀ A Q: diagonal in d, off-diagonal in e (e[i] = T[i][i+1], e[n−1] = 0). Q = H₀ H₁ … H_{n−3}, H_i = I − τ_i v vᵀ
 * with v[i+1] = 1 and v[k] = A[k][i] (k > i+1) left in column i.
 */
export const tridiagonalize = (A: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void => {
  scratch(n)
  const v = vecs.subarray(0, n)
  const p = vecs.subarray(n, 2 * n)
  const w = vecs.subarray(2 * n, 3 * n)
  for (let i = 0; i < n - 1; i++) {
    d[i] = A[i * n + i]!
    const alpha = A[(i + 1) * n + i]!
    let xn = 0
    for (let k = i + 2; k < n; k++) {
      const x = A[k * n + i]!
      xn += x * x
    }
    if (xn === 0) {
      e[i] = alpha
      tau[i] = 0
      continue
    }
    const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + xn) : Math.sqrt(alpha * alpha + xn)
    const t = (beta - alpha) / beta
    const sc = 1 / (alpha - beta)
    v[i + 1] = 1
    for (let k = i + 2; k < n; k++) {
      const x = A[k * n + i]! * sc
      v[k] = x
      A[k * n + i] = x
    }
    e[i] = beta
    tau[i] = t
    // p = τ A₂₂ v over rows/columns i+1…n−1 (lower triangle; four rows at a time)
    const s0 = i + 1
    for (let j = s0; j < n; j++) p[j] = 0
    let j = s0
    for (; j + 3 < n; j += 4) {
      const r0 = j * n
      const r1 = r0 + n
      const r2 = r1 + n
      const r3 = r2 + n
      const v0 = v[j]!
      const v1 = v[j + 1]!
      const v2 = v[j + 2]!
      const v3 = v[j + 3]!
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      for (let k = s0; k < j; k++) {
        const x0 = A[r0 + k]!
        const x1 = A[r1 + k]!
        const x2 = A[r2 + k]!
        const x3 = A[r3 + k]!
        const vk = v[k]!
        a0 += x0 * vk
        a1 += x1 * vk
        a2 += x2 * vk
        a3 += x3 * vk
        p[k] = p[k]! + x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3
      }
      // the 4×4 block on the diagonal (lower part)
      const b00 = A[r0 + j]!
      const b10 = A[r1 + j]!
      const b11 = A[r1 + j + 1]!
      const b20 = A[r2 + j]!
      const b21 = A[r2 + j + 1]!
      const b22 = A[r2 + j + 2]!
      const b30 = A[r3 + j]!
      const b31 = A[r3 + j + 1]!
      const b32 = A[r3 + j + 2]!
      const b33 = A[r3 + j + 3]!
      p[j] = p[j]! + a0 + b00 * v0 + b10 * v1 + b20 * v2 + b30 * v3
      p[j + 1] = p[j + 1]! + a1 + b10 * v0 + b11 * v1 + b21 * v2 + b31 * v3
      p[j + 2] = p[j + 2]! + a2 + b20 * v0 + b21 * v1 + b22 * v2 + b32 * v3
      p[j + 3] = p[j + 3]! + a3 + b30 * v0 + b31 * v1 + b32 * v2 + b33 * v3
    }
    for (; j < n; j++) {
      const r0 = j * n
      const v0 = v[j]!
      let a0 = A[r0 + j]! * v0
      for (let k = s0; k < j; k++) {
        const x0 = A[r0 + k]!
        a0 += x0 * v[k]!
        p[k] = p[k]! + x0 * v0
      }
      p[j] = p[j]! + a0
    }
    // w = p − (τ/2)(pᵀv) v;  A₂₂ −= v wᵀ + w vᵀ (four rows at a time)
    let pv = 0
    for (let k = s0; k < n; k++) {
      const x = p[k]! * t
      p[k] = x
      pv += x * v[k]!
    }
    const hh = 0.5 * t * pv
    for (let k = s0; k < n; k++) w[k] = p[k]! - hh * v[k]!
    j = s0
    for (; j + 3 < n; j += 4) {
      const r0 = j * n
      const r1 = r0 + n
      const r2 = r1 + n
      const r3 = r2 + n
      const v0 = v[j]!
      const w0 = w[j]!
      const v1 = v[j + 1]!
      const w1 = w[j + 1]!
      const v2 = v[j + 2]!
      const w2 = w[j + 2]!
      const v3 = v[j + 3]!
      const w3 = w[j + 3]!
      for (let k = s0; k <= j; k++) {
        const vk = v[k]!
        const wk = w[k]!
        A[r0 + k] = A[r0 + k]! - v0 * wk - w0 * vk
        A[r1 + k] = A[r1 + k]! - v1 * wk - w1 * vk
        A[r2 + k] = A[r2 + k]! - v2 * wk - w2 * vk
        A[r3 + k] = A[r3 + k]! - v3 * wk - w3 * vk
      }
      for (let k = j + 1; k <= j + 3; k++) {
        const vk = v[k]!
        const wk = w[k]!
        if (k <= j + 1) A[r1 + k] = A[r1 + k]! - v1 * wk - w1 * vk
        if (k <= j + 2) A[r2 + k] = A[r2 + k]! - v2 * wk - w2 * vk
        A[r3 + k] = A[r3 + k]! - v3 * wk - w3 * vk
      }
    }
    for (; j < n; j++) {
      const r0 = j * n
      const v0 = v[j]!
      const w0 = w[j]!
      for (let k = s0; k <= j; k++) A[r0 + k] = A[r0 + k]! - v0 * w[k]! - w0 * v[k]!
    }
  }
  if (n > 0) {
    d[n - 1] = A[(n - 1) * n + n - 1]!
    e[n - 1] = 0
    tau[n - 1] = 0
  }
}

/**
 * Eigenvalues (ascending, into `out`) of the symmetric tridiagonal matrix with diagonal d and off-diagonal e
 * (e[i] couples i and i+1): implicit QL with Wilkinson-type shifts (EISPACK tql1). d and e are left intact.
 */
export const tridiagonalEigenvalues = (d: Float64Array, e0: Float64Array, n: number, out: Float64Array): Float64Array => {
  scratch(n)
  const dd = out
  const e = vecs.subarray(3 * n, 4 * n)
  for (let i = 0; i < n; i++) {
    dd[i] = d[i]!
    e[i] = i < n - 1 ? e0[i]! : 0
  }
  let f = 0
  let tst1 = 0
  const eps = 2 ** -52
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(dd[l]!) + Math.abs(e[l]!))
    let m = l
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break
      m++
    }
    if (m > l) {
      do {
        let g = dd[l]!
        let p = (dd[l + 1]! - g) / (2 * e[l]!)
        let r = Math.sqrt(p * p + 1)
        if (p < 0) r = -r
        dd[l] = e[l]! / (p + r)
        dd[l + 1] = e[l]! * (p + r)
        const dl1 = dd[l + 1]!
        let h = g - dd[l]!
        for (let i = l + 2; i < n; i++) dd[i] = dd[i]! - h
        f += h
        p = dd[m]!
        let c = 1
        let c2 = 1
        let c3 = 1
        const el1 = e[l + 1]!
        let s = 0
        let s2 = 0
        for (let i = m - 1; i >= l; i--) {
          c3 = c2
          c2 = c
          s2 = s
          const ei = e[i]!
          g = c * ei
          h = c * p
          r = Math.sqrt(p * p + ei * ei)
          e[i + 1] = s * r
          const ir = 1 / r
          s = ei * ir
          c = p * ir
          p = c * dd[i]! - s * g
          dd[i + 1] = h + s * (c * g + s * dd[i]!)
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1
        e[l] = s * p
        dd[l] = c * p
      } while (Math.abs(e[l]!) > eps * tst1)
    }
    dd[l] = dd[l]! + f
    e[l] = 0
  }
  dd.subarray(0, n).sort()
  return dd
}

/**
 * Eigenvector of the tridiagonal (d, e) for the eigenvalue `lambda` (a computed eigenvalue, e.g. the largest):
 * inverse iteration with the LU factors of T − λI (partial pivoting, LAPACK dgttrf/dgtts2), three steps from a
 * fixed pseudo-random start. Unit 2-norm, into `y`.
 */
export const tridiagonalEigenvector = (d: Float64Array, e: Float64Array, n: number, lambda: number, y: Float64Array): void => {
  scratch(n)
  const dl = vecs.subarray(3 * n, 4 * n)
  const dg = vecs.subarray(4 * n, 5 * n)
  const du = vecs.subarray(5 * n, 6 * n)
  const du2 = vecs.subarray(6 * n, 7 * n)
  const piv = vecs.subarray(7 * n, 8 * n)
  let norm = 0
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0))
  const tiny = Math.max(2 ** -52 * norm, 2 ** -1022)
  for (let i = 0; i < n; i++) {
    dg[i] = d[i]! - lambda
    if (i < n - 1) {
      dl[i] = e[i]!
      du[i] = e[i]!
    }
  }
  for (let i = 0; i < n - 1; i++) {
    if (Math.abs(dg[i]!) >= Math.abs(dl[i]!)) {
      if (dg[i] !== 0) {
        const fact = dl[i]! / dg[i]!
        dl[i] = fact
        dg[i + 1] = dg[i + 1]! - fact * du[i]!
      }
      if (i < n - 2) du2[i] = 0
      piv[i] = 0
    } else {
      const fact = dg[i]! / dl[i]!
      dg[i] = dl[i]!
      dl[i] = fact
      const temp = du[i]!
      du[i] = dg[i + 1]!
      dg[i + 1] = temp - fact * dg[i + 1]!
      if (i < n - 2) {
        du2[i] = du[i + 1]!
        du[i + 1] = -fact * du[i + 1]!
      }
      piv[i] = 1
    }
  }
  for (let i = 0; i < n; i++) if (Math.abs(dg[i]!) < tiny) dg[i] = dg[i]! < 0 ? -tiny : tiny
  // start: a fixed pseudo-random vector (never orthogonal to the wanted eigenvector in practice)
  let s = 0x9e3779b9
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    y[i] = 0.5 + s / 2 ** 33
  }
  for (let it = 0; it < 3; it++) {
    for (let i = 0; i < n - 1; i++) {
      if (piv[i] === 0) y[i + 1] = y[i + 1]! - dl[i]! * y[i]!
      else {
        const temp = y[i]!
        y[i] = y[i + 1]!
        y[i + 1] = temp - dl[i]! * y[i]!
      }
    }
    y[n - 1] = y[n - 1]! / dg[n - 1]!
    if (n > 1) y[n - 2] = (y[n - 2]! - du[n - 2]! * y[n - 1]!) / dg[n - 2]!
    for (let i = n - 3; i >= 0; i--) y[i] = (y[i]! - du[i]! * y[i + 1]! - du2[i]! * y[i + 2]!) / dg[i]!
    let nrm = 0
    for (let i = 0; i < n; i++) nrm = Math.max(nrm, Math.abs(y[i]!))
    for (let i = 0; i < n; i++) y[i] = y[i]! / nrm
  }
  let s2 = 0
  for (let i = 0; i < n; i++) s2 += y[i]! * y[i]!
  const inv = 1 / Math.sqrt(s2)
  for (let i = 0; i < n; i++) y[i] = y[i]! * inv
}

/**
 * Number of eigenvalues of the tridiagonal (d, e) below x (Sturm sequence of the LDLᵀ pivots, with pivots too
 * close to zero replaced by −pivmin as in LAPACK dstebz). e2[i] = e[i]².
 */
const sturmCount = (d: Float64Array, e2: Float64Array, n: number, x: number, pivmin: number): number => {
  let q = d[0]! - x
  if (Math.abs(q) < pivmin) q = -pivmin
  let count = q < 0 ? 1 : 0
  for (let i = 1; i < n; i++) {
    q = d[i]! - x - e2[i - 1]! / q
    if (Math.abs(q) < pivmin) q = -pivmin
    if (q < 0) count++
  }
  return count
}

/**
 * The eigenvalue of index k (ascending, 0-based) of the tridiagonal in [lo, hi], by multisection: three
 * Sturm sequences per sweep, interleaved (a count is a chain of dependent divisions; three independent chains
 * cost about one), so the interval shrinks fourfold per sweep.
 */
const bisectEigenvalue = (d: Float64Array, e2: Float64Array, n: number, k: number, lo: number, hi: number, tol: number, pivmin: number): number => {
  while (hi - lo > tol) {
    const h = 0.25 * (hi - lo)
    const x1 = lo + h
    const x2 = lo + 2 * h
    const x3 = hi - h
    if (!(x1 > lo && x3 < hi)) break
    let q1 = d[0]! - x1
    let q2 = d[0]! - x2
    let q3 = d[0]! - x3
    if (Math.abs(q1) < pivmin) q1 = -pivmin
    if (Math.abs(q2) < pivmin) q2 = -pivmin
    if (Math.abs(q3) < pivmin) q3 = -pivmin
    let c1 = q1 < 0 ? 1 : 0
    let c2 = q2 < 0 ? 1 : 0
    let c3 = q3 < 0 ? 1 : 0
    for (let i = 1; i < n; i++) {
      const di = d[i]!
      const ei = e2[i - 1]!
      q1 = di - x1 - ei / q1
      q2 = di - x2 - ei / q2
      q3 = di - x3 - ei / q3
      if (Math.abs(q1) < pivmin) q1 = -pivmin
      if (Math.abs(q2) < pivmin) q2 = -pivmin
      if (Math.abs(q3) < pivmin) q3 = -pivmin
      if (q1 < 0) c1++
      if (q2 < 0) c2++
      if (q3 < 0) c3++
    }
    // count(x) > k ⇔ the eigenvalue lies below x
    if (c1 > k) hi = x1
    else if (c2 > k) {
      lo = x1
      hi = x2
    } else if (c3 > k) {
      lo = x2
      hi = x3
    } else lo = x3
  }
  return 0.5 * (lo + hi)
}

/** What mordred's matrix attributes read of a spectrum (numpy's eigh values, leading eigenvector). */
export interface SpectralSummary {
  readonly min: number
  readonly max: number
  /** Σ|λ| */
  readonly sumAbs: number
  /** Σ|λ − mean(λ)| */
  readonly sumAbsDev: number
  /** mordred LogEE: a + log(Σ exp(λ − a) + exp(−a)), a = max(λmax, 0) */
  readonly logEE: number
  /** unit eigenvector of the largest eigenvalue (sign arbitrary); null unless asked for */
  readonly leading: Float64Array | null
}

/**
 * The spectral quantities of mordred's matrix attributes for the symmetric n×n matrix M (row-major; not
 * modified). After the tridiagonal reduction, when the eigenvalues that matter are few — Σ|λ| = 2Σ_{λ>0} λ − tr,
 * Σ|λ − μ| = 2Σ_{λ>μ} (λ − μ), and LogEE only feels eigenvalues within 40 of the largest (each one further
 * below weighs less than e⁻⁴⁰) — those few and the smallest are found by Sturm bisection; otherwise (adjacency
 * matrices, small molecules) every eigenvalue by QL. Distance-like matrices (distance, detour, Barysz) have
 * one dominant eigenvalue and few positive ones, so their spectra cost O(n²) instead of QL's many sweeps.
 */
export const spectralSummary = (M: Float64Array, n: number, wantLeading: boolean): SpectralSummary => {
  if (n === 0) return { min: NaN, max: NaN, sumAbs: 0, sumAbsDev: 0, logEE: 0, leading: wantLeading ? new Float64Array(0) : null }
  scratch(n)
  const A = work
  A.set(M.subarray(0, n * n))
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  const tau = new Float64Array(n)
  tridiagonalize(A, n, d, e, tau)
  let trace = 0
  for (let i = 0; i < n; i++) trace += d[i]!
  const mean = trace / n
  // Gershgorin interval of T
  let glo = Infinity
  let ghi = -Infinity
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(e[i]!) : 0)
    glo = Math.min(glo, d[i]! - r)
    ghi = Math.max(ghi, d[i]! + r)
  }
  const norm = Math.max(Math.abs(glo), Math.abs(ghi))
  const tol = 4 * 2 ** -52 * norm + 2 ** -1022
  const e2 = new Float64Array(n)
  let maxE2 = 0
  for (let i = 0; i < n - 1; i++) {
    e2[i] = e[i]! * e[i]!
    maxE2 = Math.max(maxE2, e2[i]!)
  }
  const pivmin = 2 ** -1022 * Math.max(1, maxE2)
  let summary: Omit<SpectralSummary, "leading"> | null = null
  if (n > 8) {
    // λmax ≥ max d_i (a Rayleigh quotient), so t ≤ min(0, mean, a − 40): the eigenvalues ≥ t include all that
    // matter; few of them → bisection
    let dmax = -Infinity
    for (let i = 0; i < n; i++) dmax = Math.max(dmax, d[i]!)
    const t = Math.min(0, mean, Math.max(dmax, 0) - 40)
    const below = sturmCount(d, e2, n, t, pivmin)
    if (n - below <= Math.max(3, n >> 3)) {
      const max = bisectEigenvalue(d, e2, n, n - 1, glo - tol, ghi + tol, tol, pivmin)
      const a = Math.max(max, 0)
      const min = bisectEigenvalue(d, e2, n, 0, glo - tol, ghi + tol, tol, pivmin)
      let sumPos = 0
      let sumAboveMean = 0
      let sx = 0
      for (let j = n - 1; j >= below; j--) {
        const l = j === n - 1 ? max : bisectEigenvalue(d, e2, n, j, t - tol, max + tol, tol, pivmin)
        if (l > 0) sumPos += l
        if (l > mean) sumAboveMean += l - mean
        sx += Math.exp(l - a)
      }
      sx += Math.exp(-a)
      summary = { min, max, sumAbs: 2 * sumPos - trace, sumAbsDev: 2 * sumAboveMean, logEE: a + Math.log(sx) }
    }
  }
  if (summary === null) {
    const w = tridiagonalEigenvalues(d, e, n, new Float64Array(n))
    let abs = 0
    let mean2 = 0
    for (let i = 0; i < n; i++) {
      abs += Math.abs(w[i]!)
      mean2 += w[i]!
    }
    mean2 /= n
    let ad = 0
    for (let i = 0; i < n; i++) ad += Math.abs(w[i]! - mean2)
    const a = Math.max(w[n - 1]!, 0)
    let sx = 0
    for (let i = 0; i < n; i++) sx += Math.exp(w[i]! - a)
    sx += Math.exp(-a)
    summary = { min: w[0]!, max: w[n - 1]!, sumAbs: abs, sumAbsDev: ad, logEE: a + Math.log(sx) }
  }
  if (!wantLeading) return { ...summary, leading: null }
  const x = new Float64Array(n)
  if (n === 1) x[0] = 1
  else {
    tridiagonalEigenvector(d, e, n, summary.max, x)
    for (let i = n - 2; i >= 0; i--) {
      const t = tau[i]!
      if (t === 0) continue
      let s = x[i + 1]!
      for (let k = i + 2; k < n; k++) s += A[k * n + i]! * x[k]!
      s *= t
      x[i + 1] = x[i + 1]! - s
      for (let k = i + 2; k < n; k++) x[k] = x[k]! - s * A[k * n + i]!
    }
  }
  return { ...summary, leading: x }
}
