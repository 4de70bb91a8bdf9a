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
    const bd = boDistance(g)
    const classes = new Int32Array(n)
    const seen = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const row = Array.from(bd.subarray(i * n, i * n + n)).sort((a, b) => a - b).slice(0, 100)
      const key = row.map((x) => x.toFixed(4)).join(",")
      let id = seen.get(key)
      if (id === undefined) {
        id = seen.size + 1
        seen.set(key, id)
      }
      classes[i] = id
    }
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
    const conn = new Map<string, number>()
    for (let a = 0; a < n; a++) {
      atomTypes.set(g.z[a]!, (atomTypes.get(g.z[a]!) ?? 0) + 1)
      const hc = classes[a]!
      const nl = nbrs[a]!
      for (let i = 0; i < nl.length; i++) {
        const ni = nl[i]!
        const ci = classes[ni]!
        const boi = bo(a, ni)
        if (boi > 1 && ni > a) {
          const key = `${Math.min(hc, ci)},${Math.max(hc, ci)}`
          conn.set(key, (conn.get(key) ?? 0) + (boi * (boi - 1)) / 2)
        }
        for (let j = i + 1; j < nl.length; j++) {
          const nj = nl[j]!
          const cj = classes[nj]!
          const key = `${Math.min(ci, cj)},${hc},${Math.max(ci, cj)}`
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
