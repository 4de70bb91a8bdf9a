/**
 * The fast spectral solvers of the descriptor engine against the full reference decomposition
 * (eigenReference.ts `symmetricEigen`, Householder + QL with vectors, as numpy.linalg.eigh) and known spectra.
 */
import { describe, expect, test } from "bun:test"
import { extremesBandRankOne, lambdaMaxBandRankOne, lambdaMinBandRankOne, rcmOrder } from "../../core/chem/descriptors/shared/bandRankOne.ts"
import { spectralSummary } from "../../core/chem/descriptors/shared/eigen.ts"
import { symmetricEigen } from "./eigenReference.ts"

const rng = (seed: number) => {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
}

/** path graph P_n: eigenvalues 2cos(kπ/(n+1)), Perron vector ∝ sin(kπ/(n+1)) */
const pathAdjacency = (n: number): Float64Array => {
  const A = new Float64Array(n * n)
  for (let i = 0; i + 1 < n; i++) A[i * n + i + 1] = A[(i + 1) * n + i] = 1
  return A
}

describe("spectralSummary: extreme eigenvalues and the leading eigenvector", () => {
  test("path graph: exact extremes and Perron vector", () => {
    for (const n of [1, 2, 3, 10, 57, 300]) {
      const { min, max, leading } = spectralSummary(pathAdjacency(n), n, true)
      expect(Math.abs(max - 2 * Math.cos(Math.PI / (n + 1)))).toBeLessThan(1e-12)
      expect(Math.abs(min + 2 * Math.cos(Math.PI / (n + 1)))).toBeLessThan(1e-12)
      let norm = 0
      for (let i = 0; i < n; i++) norm += Math.sin(((i + 1) * Math.PI) / (n + 1)) ** 2
      const sign = Math.sign(leading![0]!)
      for (let i = 0; i < n; i++)
        expect(Math.abs(sign * leading![i]! - Math.sin(((i + 1) * Math.PI) / (n + 1)) / Math.sqrt(norm))).toBeLessThan(1e-10)
    }
  })

  test("random symmetric and distance-like matrices: extremes and Perron vector equal to the full decomposition", () => {
    const r = rng(11)
    for (let t = 0; t < 60; t++) {
      const n = 1 + Math.floor(r() * 120)
      const M = new Float64Array(n * n)
      const distanceLike = t % 2 === 0
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          const x = distanceLike ? (i === j ? r() - 0.5 : Math.abs(i - j) * (0.5 + r())) : r() * 10 - 5
          M[i * n + j] = M[j * n + i] = x
        }
      const ref = symmetricEigen(M, n)
      const fast = spectralSummary(M, n, distanceLike)
      let scale = 0
      for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(ref.values[i]!))
      expect(Math.abs(fast.min - ref.values[0]!)).toBeLessThan(1e-12 * Math.max(scale, 1))
      expect(Math.abs(fast.max - ref.values[n - 1]!)).toBeLessThan(1e-12 * Math.max(scale, 1))
      if (distanceLike) {
        // Perron vector: positive up to sign; equal to the reference column of the largest eigenvalue
        const s = Math.sign(fast.leading![0]!) * Math.sign(ref.vectors[n - 1]!)
        for (let i = 0; i < n; i++) expect(Math.abs(s * fast.leading![i]! - ref.vectors[i * n + n - 1]!)).toBeLessThan(1e-10)
      }
    }
  })

  test("the input matrix is not modified", () => {
    const n = 5
    const M = pathAdjacency(n)
    const copy = Float64Array.from(M)
    spectralSummary(M, n, true)
    expect(M).toEqual(copy)
  })
})

describe("spectralSummary (what mordred's matrix attributes read)", () => {
  test("equal to sums over the full spectrum, on both paths (few eigenvalues by bisection, all by QL)", () => {
    const r = rng(5)
    for (let t = 0; t < 80; t++) {
      const n = 1 + Math.floor(r() * 150)
      const M = new Float64Array(n * n)
      // distance-like (one dominant eigenvalue: the bisection path) or adjacency-like (all by QL)
      const distanceLike = t % 2 === 0
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          const x = distanceLike ? (i === j ? r() - 0.3 : Math.abs(i - j) * (0.5 + r())) : i !== j && r() < 3 / n ? 1 : 0
          M[i * n + j] = M[j * n + i] = x
        }
      const w = symmetricEigen(M, n).values
      let abs = 0
      let mean = 0
      for (let i = 0; i < n; i++) {
        abs += Math.abs(w[i]!)
        mean += w[i]!
      }
      mean /= n
      let ad = 0
      for (let i = 0; i < n; i++) ad += Math.abs(w[i]! - mean)
      const a = Math.max(w[n - 1]!, 0)
      let sx = Math.exp(-a)
      for (let i = 0; i < n; i++) sx += Math.exp(w[i]! - a)
      const sp = spectralSummary(M, n, true)
      const close = (x: number, y: number, scale: number) => expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-11 * Math.max(scale, 1))
      close(sp.min, w[0]!, Math.abs(w[0]!))
      close(sp.max, w[n - 1]!, Math.abs(w[n - 1]!))
      close(sp.sumAbs, abs, abs)
      close(sp.sumAbsDev, ad, ad)
      close(sp.logEE, a + Math.log(sx), a + Math.log(sx))
      expect(sp.leading!.length).toBe(n)
    }
  })
})

describe("extreme eigenvalues of banded + c·11ᵀ (BCUT's Burden matrix)", () => {
  test("equal to the dense spectrum on random banded matrices, both signs of c, clustered diagonals", () => {
    const r = rng(7)
    for (let t = 0; t < 800; t++) {
      const n = 1 + Math.floor(r() * 60)
      const m = Math.min(n - 1, Math.floor(r() * 5))
      const c = (r() - 0.5) * (t % 3 === 0 ? 0.002 : 2)
      const kind = t % 4
      const a = new Float64Array(n * (m + 1))
      for (let i = 0; i < n; i++) {
        // equal diagonals (degenerate spectra), few distinct values, or random
        a[i * (m + 1)] = kind === 0 ? 12 : kind === 1 ? Math.floor(r() * 3) * 4 : r() * 10 - 5
        for (let d = 1; d <= m && i + d < n; d++) a[i * (m + 1) + d] = r() < 0.5 ? 0 : kind === 1 ? 0.15 : r() - 0.5
      }
      const M = new Float64Array(n * n)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const d = Math.abs(i - j)
          M[i * n + j] = c + (d <= m ? a[Math.min(i, j) * (m + 1) + d]! : 0)
        }
      const ev = symmetricEigen(M, n).values
      // the solver's accuracy is relative to the matrix scale (largest Gershgorin row bound)
      let scale = 0
      for (let i = 0; i < n; i++) {
        let row = 0
        for (let j = 0; j < n; j++) row += Math.abs(M[i * n + j]!)
        scale = Math.max(scale, row)
      }
      const [lo, hi] = extremesBandRankOne({ n, m, a }, c)
      expect(Math.abs(lambdaMinBandRankOne({ n, m, a }, c) - ev[0]!)).toBeLessThan(2e-12 * Math.max(scale, 1e-3))
      expect(Math.abs(lambdaMaxBandRankOne({ n, m, a }, c) - ev[n - 1]!)).toBeLessThan(2e-12 * Math.max(scale, 1e-3))
      expect(Math.abs(lo - ev[0]!)).toBeLessThan(2e-12 * Math.max(scale, 1e-3))
      expect(Math.abs(hi - ev[n - 1]!)).toBeLessThan(2e-12 * Math.max(scale, 1e-3))
    }
  })

  test("reverse Cuthill–McKee: a permutation; a path comes out with bandwidth 1", () => {
    const n = 40
    // path 0-1-…-39 with its vertices shuffled
    const r = rng(3)
    const label = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5)
    const edges: [number, number][] = []
    for (let i = 0; i + 1 < n; i++) edges.push([label[i]!, label[i + 1]!])
    const deg = new Int32Array(n)
    for (const [u, v] of edges) deg[u]!++, deg[v]!++
    const start = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) start[i + 1] = start[i]! + deg[i]!
    const fill = start.slice(0, n)
    const nbr = new Int32Array(2 * edges.length)
    for (const [u, v] of edges) {
      nbr[fill[u]!++] = v
      nbr[fill[v]!++] = u
    }
    const order = rcmOrder(n, start, nbr)
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
    const pos = new Int32Array(n)
    order.forEach((v, k) => (pos[v] = k))
    expect(Math.max(...edges.map(([u, v]) => Math.abs(pos[u]! - pos[v]!)))).toBe(1)
  })
})
