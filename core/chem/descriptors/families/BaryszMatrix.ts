import type { Family } from "../family.ts"
import { atomicProperty, BASIC_PROPS, propOf } from "../shared/atomic.ts"
import type { Graph } from "../shared/graph.ts"
import { ATTRS_SM1, matrixAttributes } from "../shared/matrixAttributes.ts"

/**
 * Barysz matrix of property P: weighted shortest-path lengths with bond weights C²/(P_i P_j π_ij)
 * (C = P of carbon, π = bond order as double), diagonal 1 − C/P_i. null when a weight divides by zero.
 * mordred runs networkx's Floyd–Warshall; Dijkstra from every atom gives the same lengths in O(n·m log n).
 */
let buffer = new Float64Array(0)
const barysz = (g: Graph, P: Float64Array, C: number): Float64Array | null => {
  const n = g.n
  const w = new Float64Array(g.nb)
  for (let b = 0; b < g.nb; b++) {
    const den = P[g.begin[b]!]! * P[g.end[b]!]! * g.order[b]!
    if (den === 0) return null
    w[b] = (C * C) / den
  }
  // one buffer for all properties (each matrix is consumed before the next is built)
  if (buffer.length < n * n) buffer = new Float64Array(n * n)
  const M = buffer.subarray(0, n * n).fill(Infinity)
  // Dijkstra from every atom: binary heap of atoms keyed by tentative distance, with decrease-key.
  // where[v]: slot in the heap, valid while stamp[v] = s + 1 (reached from s) and not settled (-1)
  const heap = new Int32Array(n)
  const where = new Int32Array(n)
  const stamp = new Int32Array(n)
  const { nbrStart, nbrAtom, nbrBond } = g
  for (let s = 0; s < n; s++) {
    const row = s * n
    const mark = s + 1
    let size = 0
    M[row + s] = 0
    heap[size] = s
    where[s] = size++
    stamp[s] = mark
    while (size > 0) {
      const u = heap[0]!
      where[u] = -1
      const last = heap[--size]!
      if (size > 0) {
        // sift `last` down from the root
        const dl = M[row + last]!
        let i = 0
        for (;;) {
          let c = 2 * i + 1
          if (c >= size) break
          if (c + 1 < size && M[row + heap[c + 1]!]! < M[row + heap[c]!]!) c++
          if (M[row + heap[c]!]! >= dl) break
          heap[i] = heap[c]!
          where[heap[i]!] = i
          i = c
        }
        heap[i] = last
        where[last] = i
      }
      const du = M[row + u]!
      for (let x = nbrStart[u]!; x < nbrStart[u + 1]!; x++) {
        const v = nbrAtom[x]!
        const reached = stamp[v] === mark
        if (reached && where[v] === -1) continue // settled
        const nd = du + w[nbrBond[x]!]!
        if (nd >= M[row + v]!) continue
        M[row + v] = nd
        // insert or decrease-key: sift up
        let i = reached ? where[v]! : size++
        stamp[v] = mark
        while (i > 0) {
          const p = (i - 1) >> 1
          if (M[row + heap[p]!]! <= nd) break
          heap[i] = heap[p]!
          where[heap[i]!] = i
          i = p
        }
        heap[i] = v
        where[v] = i
      }
    }
    M[row + s] = 1 - C / P[s]!
  }
  return M
}

export const BaryszMatrix: Family = {
  name: "BaryszMatrix",
  names: BASIC_PROPS.flatMap((p) => ATTRS_SM1.map((a) => `${a}_Dz${p}`)),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    // the matrix depends on P only through r_i = C/P_i (weights r_i r_j/π, diagonal 1 − r_i): properties with the
    // same r (all of them for a hydrocarbon) share one matrix and its values
    const done: { r: Float64Array; at: number }[] = []
    BASIC_PROPS.forEach((p, k) => {
      const at = o + k * 13
      const P = atomicProperty(g, p)
      const C = propOf(p, 6)
      if (P !== null && ctx.nFrags === 1) {
        const r = new Float64Array(g.n)
        for (let i = 0; i < g.n; i++) r[i] = C / P[i]!
        const same = done.find((d) => d.r.every((x, i) => Object.is(x, r[i])))
        if (same !== undefined) {
          out.copyWithin(at, same.at, same.at + 13)
          return
        }
        done.push({ r, at })
      }
      const M = P === null || ctx.nFrags !== 1 ? null : barysz(g, P, C)
      matrixAttributes(ctx, g, M, out, at, true)
    })
  },
}
