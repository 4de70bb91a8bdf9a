/**
 * Extreme eigenvalues of M = S + c·11ᵀ with S symmetric banded (half-bandwidth m after a bandwidth-reducing
 * ordering) — the form of the Burden matrix of BCUT (0.001 everywhere off the bonds: S holds the bonds and the
 * diagonal, c = 0.001). Written for this project.
 *
 * The tool is a positive-definiteness test of M − σI by Cholesky (LDLᵀ) in the natural order, which is backward
 * stable whenever the matrix is positive definite and fails (a pivot ≤ 0) otherwise. It runs in O(n·m²) without
 * forming the dense matrix: in the Schur complements every entry outside the band of a not-yet-reached row
 * pair stays `S_ij + γ` (one running scalar γ), and every entry of a row inside the elimination window that
 * lies beyond its band is one scalar ℓ_i (the updates there are all multiples of the all-ones vector).
 *
 * λmin is then bracketed: lower end where the test passes, upper end at Rayleigh quotients (λmin ≤ xᵀMx/xᵀx)
 * of inverse-iteration vectors computed with the factor at the lower end; each round tries a shift just below
 * the Rayleigh quotient minus its residual (or the midpoint), so it converges in a few factorizations and never
 * worse than bisection. A short Lanczos run supplies the first guesses of both extremes.
 * λmax(S + c11ᵀ) = −λmin(−S − c11ᵀ).
 */
import { tridiagonalEigenvalues, tridiagonalEigenvector } from "./eigen.ts"

/** Reverse Cuthill–McKee order of a graph given as CSR (bandwidth reduction); `order[k]` = original index. */
export const rcmOrder = (n: number, nbrStart: Int32Array, nbrAtom: Int32Array): Int32Array => {
  const order = new Int32Array(n)
  const seen = new Uint8Array(n)
  const deg = (i: number) => nbrStart[i + 1]! - nbrStart[i]!
  let filled = 0
  const bfsFarthest = (s: number): number => {
    // pseudo-peripheral start: the last vertex of a BFS (lowest degree among the farthest)
    const dist = new Int32Array(n).fill(-1)
    const q = [s]
    dist[s] = 0
    let best = s
    for (let h = 0; h < q.length; h++) {
      const u = q[h]!
      if (dist[u]! > dist[best]! || (dist[u] === dist[best] && deg(u) < deg(best))) best = u
      for (let k = nbrStart[u]!; k < nbrStart[u + 1]!; k++) {
        const v = nbrAtom[k]!
        if (dist[v] === -1) {
          dist[v] = dist[u]! + 1
          q.push(v)
        }
      }
    }
    return best
  }
  const nb: number[] = []
  for (let s0 = 0; s0 < n; s0++) {
    if (seen[s0]) continue
    const s = bfsFarthest(bfsFarthest(s0))
    let head = filled
    order[filled++] = s
    seen[s] = 1
    while (head < filled) {
      const u = order[head++]!
      nb.length = 0
      for (let k = nbrStart[u]!; k < nbrStart[u + 1]!; k++) if (!seen[nbrAtom[k]!]) nb.push(nbrAtom[k]!)
      nb.sort((a, b) => deg(a) - deg(b) || a - b)
      for (const v of nb) {
        if (seen[v]) continue
        seen[v] = 1
        order[filled++] = v
      }
    }
  }
  order.reverse()
  return order
}

/** Symmetric band matrix: `a[i*(m+1) + d]` = S[i][i+d], d = 0…m (entries past n−1 unused). */
export interface Band {
  readonly n: number
  readonly m: number
  readonly a: Float64Array
}

/** Workspace of one factorization (LDLᵀ of S − σI + c11ᵀ in the compressed form). */
interface Factor {
  /** row k at its elimination: the pivot (d = 0), then the multipliers X[k][k+d] / pivot */
  e: Float64Array
  /** ℓ_k / pivot: the multiplier of row k's entries beyond its band */
  l: Float64Array
}

const newFactor = (n: number, m: number): Factor => ({ e: new Float64Array(n * (m + 1)), l: new Float64Array(n) })

/** LDLᵀ of S − σI + c11ᵀ into f; false as soon as a pivot is not positive (not positive definite). */
const factorPD = (S: Band, c: number, sigma: number, f: Factor): boolean => {
  const { n, m, a } = S
  const w = m + 1
  const E = f.e
  const L = f.l
  let gamma = c
  const enter = (r: number) => {
    const base = r * w
    for (let d = 0; d <= m && r + d < n; d++) E[base + d] = a[base + d]! + gamma
    E[base] = E[base]! - sigma
    L[r] = gamma
  }
  for (let r = 0; r <= m && r < n; r++) enter(r)
  for (let k = 0; k < n; k++) {
    const kb = k * w
    const p = E[kb]!
    if (!(p > 0)) return false
    const lk = L[k]!
    const top = Math.min(k + m, n - 1)
    for (let i = k + 1; i <= top; i++) {
      const xi = E[kb + i - k]! / p
      const ib = i * w
      // explicit entries of row i: columns j = i … i+m
      const jEnd = Math.min(i + m, n - 1)
      const jNear = Math.min(jEnd, k + m)
      for (let j = i; j <= jNear; j++) E[ib + j - i] = E[ib + j - i]! - xi * E[kb + j - k]!
      for (let j = jNear + 1; j <= jEnd; j++) E[ib + j - i] = E[ib + j - i]! - xi * lk
      L[i] = L[i]! - xi * lk
    }
    gamma -= (lk * lk) / p
    // row k is final: keep its multipliers (entries / pivot) for the solves
    for (let d = 1; d <= m && k + d < n; d++) E[kb + d] = E[kb + d]! / p
    L[k] = lk / p
    if (k + m + 1 < n) enter(k + m + 1)
  }
  return true
}

/** Solves (S − σI + c11ᵀ) z = b in place with the factor (b ← z). */
const solve = (n: number, m: number, f: Factor, b: Float64Array): void => {
  const w = m + 1
  const E = f.e
  const L = f.l
  // forward: L y = b (unit lower; column k: multipliers E[k][i−k] near, ℓ_k far)
  let far = 0
  for (let i = 0; i < n; i++) {
    const k0 = i - m - 1
    if (k0 >= 0) far += L[k0]! * b[k0]!
    let s = b[i]! - far
    for (let k = Math.max(0, i - m); k < i; k++) s -= E[k * w + i - k]! * b[k]!
    b[i] = s
  }
  for (let i = 0; i < n; i++) b[i] = b[i]! / E[i * w]!
  // backward: Lᵀ z = y
  let tail = 0
  for (let k = n - 1; k >= 0; k--) {
    const i0 = k + m + 1
    if (i0 < n) tail += b[i0]!
    let s = b[k]! - L[k]! * tail
    const kb = k * w
    const top = Math.min(k + m, n - 1)
    for (let i = k + 1; i <= top; i++) s -= E[kb + i - k]! * b[i]!
    b[k] = s
  }
}

/** y = (S + c11ᵀ) x, x read from x[xo …] */
const matvec = (S: Band, c: number, x: Float64Array, y: Float64Array, xo = 0): void => {
  const { n, m, a } = S
  const w = m + 1
  let sum = 0
  for (let i = 0; i < n; i++) sum += x[xo + i]!
  for (let i = 0; i < n; i++) y[i] = a[i * w]! * x[xo + i]! + c * sum
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i]!
    let yi = y[i]!
    for (let d = 1; d <= m && i + d < n; d++) {
      const v = a[i * w + d]!
      yi += v * x[xo + i + d]!
      y[i + d] = y[i + d]! + v * xi
    }
    y[i] = yi
  }
}

/** A Ritz pair from Lanczos: value, unit vector, residual norm ‖Mx − θx‖ (an eigenvalue lies within it). */
export interface Ritz {
  readonly theta: number
  readonly x: Float64Array
  readonly residual: number
}

/** Gershgorin lower bound, upper bound of λmin (smallest diagonal entry) and scale of S + c11ᵀ */
const bounds = (S: Band, c: number): { lo: number; hi: number; scale: number } => {
  const { n, m, a } = S
  const w = m + 1
  const radius = new Float64Array(n)
  for (let i = 0; i < n; i++)
    for (let d = 1; d <= m && i + d < n; d++) {
      const v = Math.abs(a[i * w + d]! + c) - Math.abs(c)
      radius[i] = radius[i]! + v
      radius[i + d] = radius[i + d]! + v
    }
  let lo = Infinity
  let hi = Infinity
  let scale = 0
  for (let i = 0; i < n; i++) {
    const centre = a[i * w]! + c
    const r = radius[i]! + Math.abs(c) * (n - 1)
    lo = Math.min(lo, centre - r)
    hi = Math.min(hi, centre)
    scale = Math.max(scale, Math.abs(centre) + r)
  }
  return { lo, hi, scale }
}

/**
 * Smallest eigenvalue of S + c11ᵀ (S banded symmetric, c of either sign), to about 1e-12 of the matrix scale
 * (mordred's values are compared at 1e-6).
 * `guess`: a Ritz pair for it (from `extremesBandRankOne`), which usually leaves one or two factorizations.
 */
export const lambdaMinBandRankOne = (S: Band, c: number, guess?: Ritz): number => {
  const { n, m, a } = S
  if (n === 0) return NaN
  if (n === 1) return a[0]! + c
  let { lo, hi, scale } = bounds(S, c)
  const tol = 1e-12 * Math.max(scale, 1e-300)
  const f = newFactor(n, m)
  const x = new Float64Array(n)
  const y = new Float64Array(n)
  let factorAt = NaN
  if (guess !== undefined && guess.theta - Math.max(1.01 * guess.residual, 0.5 * tol) > lo) {
    // the Ritz value bounds λmin from above; if M − σI is positive definite just below it, λmin is bracketed
    hi = Math.min(hi, guess.theta)
    x.set(guess.x)
    const sigma = guess.theta - Math.max(1.01 * guess.residual, 0.5 * tol)
    if (factorPD(S, c, sigma, f)) {
      lo = sigma
      factorAt = sigma
    } else hi = sigma
  } else {
    let s = 0x2545f491
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      x[i] = 0.5 + s / 2 ** 33
    }
  }
  if (Number.isNaN(factorAt)) {
    let at = lo - tol
    for (let tries = 0; !factorPD(S, c, at, f); tries++) {
      // Gershgorin guarantees this; rounding could not make it fail by more than a few ulps of the scale
      if (tries > 60) return NaN
      at -= Math.max(tol, Math.abs(at) * 1e-15) * 2 ** tries
    }
    lo = at
    factorAt = lo
  }
  for (let iter = 0; iter < 200 && hi - lo > tol; iter++) {
    if (factorAt !== lo) {
      if (!factorPD(S, c, lo, f)) return NaN // passed before: cannot fail again
      factorAt = lo
    }
    // inverse iteration with the factor at lo (a few solves: they are cheap next to a factorization); the
    // Rayleigh quotient bounds λmin from above, and an eigenvalue lies within the residual of it
    let rq = 0
    let res = Infinity
    for (let inner = 0; inner < 2; inner++) {
      solve(n, m, f, x)
      let nrm = 0
      for (let i = 0; i < n; i++) nrm += x[i]! * x[i]!
      nrm = Math.sqrt(nrm)
      for (let i = 0; i < n; i++) x[i] = x[i]! / nrm
      matvec(S, c, x, y)
      rq = 0
      for (let i = 0; i < n; i++) rq += x[i]! * y[i]!
      let r2 = 0
      for (let i = 0; i < n; i++) r2 += (y[i]! - rq * x[i]!) ** 2
      const r = Math.sqrt(r2)
      const slow = r > 0.1 * res
      res = r
      if (slow || rq - lo <= tol) break
    }
    if (rq < hi) hi = Math.max(rq, lo)
    if (hi - lo <= tol) break
    let sigma = hi - Math.max(1.01 * res, 0.5 * tol)
    if (!(sigma > lo)) sigma = 0.5 * (lo + hi)
    if (factorPD(S, c, sigma, f)) {
      lo = sigma
      factorAt = sigma
      continue
    }
    factorAt = NaN
    hi = sigma
    const mid = 0.5 * (lo + hi)
    if (factorPD(S, c, mid, f)) {
      lo = mid
      factorAt = mid
    } else hi = mid
  }
  return 0.5 * (lo + hi)
}

const negated = (S: Band): Band => {
  const neg = new Float64Array(S.a.length)
  for (let i = 0; i < neg.length; i++) neg[i] = -S.a[i]!
  return { n: S.n, m: S.m, a: neg }
}

/** Largest eigenvalue of S + c11ᵀ. */
export const lambdaMaxBandRankOne = (S: Band, c: number, guess?: Ritz): number =>
  -lambdaMinBandRankOne(negated(S), -c, guess && { theta: -guess.theta, x: guess.x, residual: guess.residual })

/**
 * Ritz vectors of the smallest and largest eigenvalues after k Lanczos steps (full reorthogonalization) from a
 * fixed pseudo-random start, with their Rayleigh quotients and residuals computed afresh.
 */
const lanczosExtremes = (S: Band, c: number, k: number): [Ritz, Ritz] => {
  const n = S.n
  const Q = new Float64Array(k * n)
  const alpha = new Float64Array(k)
  const beta = new Float64Array(k)
  const w = new Float64Array(n)
  let s = 0x6a09e667
  let nrm = 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    Q[i] = s / 2 ** 32 - 0.5
    nrm += Q[i]! * Q[i]!
  }
  nrm = Math.sqrt(nrm)
  for (let i = 0; i < n; i++) Q[i] = Q[i]! / nrm
  let steps = k
  for (let j = 0; j < k; j++) {
    const jo = j * n
    matvec(S, c, Q, w, jo)
    let a = 0
    for (let i = 0; i < n; i++) a += Q[jo + i]! * w[i]!
    alpha[j] = a
    // full reorthogonalization (one pass: a few steps only, the values are guesses)
    for (let pass = 0; pass < 1; pass++)
      for (let l = 0; l <= j; l++) {
        const lo = l * n
        let d = 0
        for (let i = 0; i < n; i++) d += Q[lo + i]! * w[i]!
        for (let i = 0; i < n; i++) w[i] = w[i]! - d * Q[lo + i]!
      }
    let b = 0
    for (let i = 0; i < n; i++) b += w[i]! * w[i]!
    b = Math.sqrt(b)
    beta[j] = b
    if (j === k - 1) break
    if (!(b > 1e-14 * Math.abs(a) + 1e-300)) {
      steps = j + 1
      break
    }
    for (let i = 0; i < n; i++) Q[jo + n + i] = w[i]! / b
  }
  // T is tridiagonal (α, β): its extreme eigenpairs by QL and inverse iteration
  const values = tridiagonalEigenvalues(alpha, beta, steps, new Float64Array(steps))
  const y = new Float64Array(steps)
  // the Ritz vector's own Rayleigh quotient and residual: valid bounds even where rounding spoilt the
  // Lanczos basis (T's values are then no Rayleigh quotients of M)
  const ritz = (col: number): Ritz => {
    const x = new Float64Array(n)
    if (steps === 1) y[0] = 1
    else tridiagonalEigenvector(alpha, beta, steps, values[col]!, y)
    for (let j = 0; j < steps; j++) {
      const v = y[j]!
      for (let i = 0; i < n; i++) x[i] = x[i]! + v * Q[j * n + i]!
    }
    let nx = 0
    for (let i = 0; i < n; i++) nx += x[i]! * x[i]!
    nx = Math.sqrt(nx)
    for (let i = 0; i < n; i++) x[i] = x[i]! / nx
    matvec(S, c, x, w)
    let rq = 0
    for (let i = 0; i < n; i++) rq += x[i]! * w[i]!
    let r2 = 0
    for (let i = 0; i < n; i++) r2 += (w[i]! - rq * x[i]!) ** 2
    return { theta: rq, x, residual: Math.sqrt(r2) }
  }
  return [ritz(0), ritz(steps - 1)]
}

/**
 * [λmin, λmax] of S + c11ᵀ: one Lanczos run gives both Ritz pairs, each then confirmed (or corrected) by
 * positive-definiteness tests as in `lambdaMinBandRankOne`. The Lanczos values are only guesses: the result
 * does not depend on their quality, only the number of factorizations does.
 */
export const extremesBandRankOne = (S: Band, c: number): [number, number] => {
  if (S.n <= 1) return [lambdaMinBandRankOne(S, c), lambdaMaxBandRankOne(S, c)]
  const [lo, hi] = lanczosExtremes(S, c, Math.min(S.n, 8))
  return [lambdaMinBandRankOne(S, c, lo), lambdaMaxBandRankOne(S, c, hi)]
}
