import type { Family } from "../family.ts"
import { atomicProperty, BASIC_PROPS, propOf } from "../shared/atomic.ts"
import type { Graph } from "../shared/graph.ts"
import { ATTRS_SM1, matrixAttributes } from "../shared/matrixAttributes.ts"

/**
 * Barysz matrix of property P: weighted shortest-path lengths with bond weights C²/(P_i P_j π_ij)
 * (C = P of carbon, π = bond order as double), diagonal 1 − C/P_i. null when a weight divides by zero.
 */
const barysz = (g: Graph, P: Float64Array, C: number): Float64Array | null => {
  const n = g.n
  const w = new Float64Array(g.nb)
  for (let b = 0; b < g.nb; b++) {
    const den = P[g.begin[b]!]! * P[g.end[b]!]! * g.order[b]!
    if (den === 0) return null
    w[b] = (C * C) / den
  }
  const M = new Float64Array(n * n).fill(Infinity)
  // Dijkstra from every atom (binary heap)
  const dist = new Float64Array(n)
  const done = new Uint8Array(n)
  const heap: number[] = []
  const hd: number[] = []
  const push = (v: number, d: number) => {
    heap.push(v)
    hd.push(d)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (hd[p]! <= hd[i]!) break
      ;[heap[p], heap[i]] = [heap[i]!, heap[p]!]
      ;[hd[p], hd[i]] = [hd[i]!, hd[p]!]
      i = p
    }
  }
  const pop = (): number => {
    const top = heap[0]!
    const lv = heap.pop()!
    const ld = hd.pop()!
    if (heap.length) {
      heap[0] = lv
      hd[0] = ld
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && hd[l]! < hd[m]!) m = l
        if (r < heap.length && hd[r]! < hd[m]!) m = r
        if (m === i) break
        ;[heap[m], heap[i]] = [heap[i]!, heap[m]!]
        ;[hd[m], hd[i]] = [hd[i]!, hd[m]!]
        i = m
      }
    }
    return top
  }
  for (let s = 0; s < n; s++) {
    dist.fill(Infinity)
    done.fill(0)
    dist[s] = 0
    push(s, 0)
    while (heap.length) {
      const u = pop()
      if (done[u]) continue
      done[u] = 1
      for (let x = g.nbrStart[u]!; x < g.nbrStart[u + 1]!; x++) {
        const v = g.nbrAtom[x]!
        const nd = dist[u]! + w[g.nbrBond[x]!]!
        if (nd < dist[v]!) {
          dist[v] = nd
          push(v, nd)
        }
      }
    }
    for (let j = 0; j < n; j++) M[s * n + j] = dist[j]!
    M[s * n + s] = 1 - C / P[s]!
  }
  return M
}

export const BaryszMatrix: Family = {
  name: "BaryszMatrix",
  names: BASIC_PROPS.flatMap((p) => ATTRS_SM1.map((a) => `${a}_Dz${p}`)),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    BASIC_PROPS.forEach((p, k) => {
      const P = atomicProperty(g, p)
      const M = P === null ? null : barysz(g, P, propOf(p, 6))
      matrixAttributes(ctx, g, M, out, o + k * 13, true)
    })
  },
}
