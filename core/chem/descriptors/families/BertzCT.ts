import type { Family } from "../family.ts"
import type { Graph } from "../shared/graph.ts"

/** RDKit's "Balaban" distance matrix: shortest paths with bond weight 1 / bond order (aromatic 1.5) */
const boDistance = (g: Graph): Float64Array => {
  const n = g.n
  const D = new Float64Array(n * n).fill(1e8)
  for (let i = 0; i < n; i++) D[i * n + i] = 0
  for (let b = 0; b < g.nb; b++) {
    const w = 1 / g.order[b]!
    D[g.begin[b]! * n + g.end[b]!] = w
    D[g.end[b]! * n + g.begin[b]!] = w
  }
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) {
      const dik = D[i * n + k]!
      if (dik >= 1e8) continue
      for (let j = 0; j < n; j++) {
        const t = dik + D[k * n + j]!
        if (t < D[i * n + j]!) D[i * n + j] = t
      }
    }
  return D
}

/**
 * The same distances in sixths: bond weights 1/order are 6/6, 4/6, 3/6, 2/6 (orders 1, 1.5, 2, 3), so every
 * path length is k/6 and the classes only need the integers k (Dijkstra with a bucket queue per atom, O(n·m)
 * in all instead of Floyd–Warshall's O(n³)). Distinct k give distinct '%.4f' strings (steps of 1/6), and the
 * floating sums of those weights are far (≥ 1e-5) from any rounding boundary of '%.4f', so the classes are
 * those of the floating matrix. `NOT_CONNECTED` stands for RDKit's 1e8. null when an order is not one of the four.
 */
const NOT_CONNECTED = 0x7fffffff
const sixthsDistance = (g: Graph): Int32Array | null => {
  const n = g.n
  const w = new Int32Array(g.nb)
  for (let b = 0; b < g.nb; b++) {
    const o = g.order[b]!
    const x = o === 1 ? 6 : o === 1.5 ? 4 : o === 2 ? 3 : o === 3 ? 2 : 0
    if (x === 0) return null
    w[b] = x
  }
  const D = new Int32Array(n * n).fill(NOT_CONNECTED)
  // buckets modulo 7 (weights ≤ 6): a circular array of stacks
  const bucketHead = new Int32Array(7)
  const next = new Int32Array(2 * g.nb + 8) // one entry per successful relaxation at most, plus the source
  const item = new Int32Array(2 * g.nb + 8)
  for (let s = 0; s < n; s++) {
    const row = s * n
    bucketHead.fill(-1)
    let free = 0
    const push = (v: number, d: number) => {
      const k = d % 7
      item[free] = v
      next[free] = bucketHead[k]!
      bucketHead[k] = free++
    }
    D[row + s] = 0
    push(s, 0)
    let pending = 1
    for (let d = 0; pending > 0; d++) {
      const k = d % 7
      let x = bucketHead[k]!
      bucketHead[k] = -1
      while (x !== -1) {
        const u = item[x]!
        x = next[x]!
        pending--
        if (D[row + u] !== d) continue // stale entry
        for (let e = g.nbrStart[u]!; e < g.nbrStart[u + 1]!; e++) {
          const v = g.nbrAtom[e]!
          const nd = d + w[g.nbrBond[e]!]!
          if (nd < D[row + v]!) {
            D[row + v] = nd
            push(v, nd)
            pending++
          }
        }
      }
    }
  }
  return D
}

/** symmetry classes (1-based, in order of first appearance): atoms with equal sorted distance rows (first 100) */
const symmetryClasses = (g: Graph): Int32Array => {
  const n = g.n
  const classes = new Int32Array(n)
  const D6 = sixthsDistance(g)
  if (D6 === null) {
    const bd = boDistance(g)
    const seen = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const key = Array.from(bd.subarray(i * n, i * n + n)).sort((a, b) => a - b).slice(0, 100).map((x) => x.toFixed(4)).join(",")
      let id = seen.get(key)
      if (id === undefined) {
        id = seen.size + 1
        seen.set(key, id)
      }
      classes[i] = id
    }
    return classes
  }
  // rows interned: hash bucket, then exact comparison
  const len = Math.min(n, 100)
  const known = new Map<number, { row: Int32Array; id: number }[]>()
  let next = 0
  const row = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    row.set(D6.subarray(i * n, i * n + n))
    row.sort()
    let h = len
    for (let x = 0; x < len; x++) h = Math.imul(h ^ row[x]!, 0x9e3779b1) ^ (h >>> 15)
    const bucket = known.get(h)
    let id = -1
    if (bucket !== undefined)
      for (const c of bucket) {
        let same = true
        for (let x = 0; same && x < len; x++) same = c.row[x] === row[x]
        if (same) {
          id = c.id
          break
        }
      }
    if (id < 0) {
      id = ++next
      const entry = { row: row.slice(0, len), id }
      if (bucket === undefined) known.set(h, [entry])
      else bucket.push(entry)
    }
    classes[i] = id
  }
  return classes
}

const infoEntropy = (xs: readonly number[]): number => {
  let tot = 0
  for (const x of xs) tot += x
  if (tot === 0) return 0
  let s = 0
  for (const x of xs) {
    const p = x / tot
    if (p > 0) s += p * Math.log(p)
  }
  return -s / Math.LN2
}

export const BertzCT: Family = {
  name: "BertzCT",
  names: ["BertzCT"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const n = g.n
    if (n < 2) {
      out[o] = 0
      return
    }
    const classes = symmetryClasses(g)
    const nbrs: number[][] = Array.from({ length: n }, () => [])
    const order = new Map<number, number>()
    for (let b = 0; b < g.nb; b++) {
      const a1 = Math.min(g.begin[b]!, g.end[b]!)
      const a2 = Math.max(g.begin[b]!, g.end[b]!)
      if (!nbrs[a1]!.includes(a2)) nbrs[a1]!.push(a2)
      if (!nbrs[a2]!.includes(a1)) nbrs[a2]!.push(a1)
      order.set(a1 * n + a2, g.bondAromatic[b] ? 1.5 : g.order[b]!)
    }
    for (const l of nbrs) l.sort((a, b) => a - b)
    const bo = (a: number, b: number) => order.get(Math.min(a, b) * n + Math.max(a, b))!
    const atomTypes = new Map<number, number>()
    // keys: −(pair) − 1 for bonded class pairs, (triple) for neighbour pairs around a class (insertion order kept)
    const N1 = n + 1
    const conn = new Map<number, number>()
    for (let a = 0; a < n; a++) {
      atomTypes.set(g.z[a]!, (atomTypes.get(g.z[a]!) ?? 0) + 1)
      const hc = classes[a]!
      const nl = nbrs[a]!
      for (let i = 0; i < nl.length; i++) {
        const ni = nl[i]!
        const ci = classes[ni]!
        const boi = bo(a, ni)
        if (boi > 1 && ni > a) {
          const key = -(Math.min(hc, ci) * N1 + Math.max(hc, ci)) - 1
          conn.set(key, (conn.get(key) ?? 0) + (boi * (boi - 1)) / 2)
        }
        for (let j = i + 1; j < nl.length; j++) {
          const nj = nl[j]!
          const cj = classes[nj]!
          const key = (Math.min(ci, cj) * N1 + hc) * N1 + Math.max(ci, cj)
          conn.set(key, (conn.get(key) ?? 0) + boi * bo(a, nj))
        }
      }
    }
    const connections = conn.size ? [...conn.values()] : [1]
    let tot = 0
    for (const c of connections) tot += c
    const connectionIE = tot * (infoEntropy(connections) + Math.log(tot) / Math.LN2)
    const atomTypeIE = n * infoEntropy([...atomTypes.values()])
    out[o] = atomTypeIE + connectionIE
  },
}
