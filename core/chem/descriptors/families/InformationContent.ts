/**
 * mordred InformationContent (IC, TIC, SIC, BIC, CIC, MIC, ZMIC; orders 0..5) on the explicit-H Kekulé graph.
 * Atoms are grouped by their order-m neighbourhood code: mordred's breadth-first tree, expanded m times, where
 * each leaf (in the tree's insertion order) gets as children its neighbours not yet expanded; the code is the
 * sorted list of root-to-leaf trails of (bond type, (Z, degree)).
 */
import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { averageAtomMass } from "../shared/elements.ts"
import type { Graph } from "../shared/graph.ts"

const ORDERS = [0, 1, 2, 3, 4, 5]
const KINDS = ["IC", "TIC", "SIC", "BIC", "CIC", "MIC", "ZMIC"] as const

/**
 * Codes of every atom for orders 1…maxOrder (index order−1), grown incrementally: the tree of order m+1 is the
 * tree of order m expanded once more, exactly as mordred rebuilds it. A trail is interned as an integer
 * (parent trail, bond order, Z, degree), so a code is the sorted list of its leaves' trail ids — equal codes
 * exactly when mordred's sorted trail strings are equal — and each distinct code gets an integer id.
 */
const atomCodes = (g: Graph, maxOrder: number): Int32Array[] => {
  const codes: Int32Array[] = Array.from({ length: maxOrder }, () => new Int32Array(g.n))
  // a code (sorted leaf trail ids) is interned: hash bucket, then exact comparison
  const known = new Map<number, { leaves: Int32Array; id: number }[]>()
  let nextCode = 0
  const codeOf = (l: Int32Array): number => {
    let h = l.length
    for (let i = 0; i < l.length; i++) h = Math.imul(h ^ l[i]!, 0x9e3779b1) ^ (h >>> 15)
    const bucket = known.get(h)
    if (bucket !== undefined)
      for (const c of bucket) {
        if (c.leaves.length !== l.length) continue
        let same = true
        for (let i = 0; same && i < l.length; i++) same = c.leaves[i] === l[i]
        if (same) return c.id
      }
    const entry = { leaves: l.slice(), id: nextCode++ }
    if (bucket === undefined) known.set(h, [entry])
    else bucket.push(entry)
    return entry.id
  }
  const intern = new Map<number, number>()
  const trailOf = (parent: number, bond: number, z: number, deg: number): number => {
    const key = (((parent + 1) * 8 + Math.round(2 * bond)) * 256 + z) * 64 + deg
    let id = intern.get(key)
    if (id === undefined) {
      id = intern.size
      intern.set(key, id)
    }
    return id
  }
  const deg = (a: number) => g.nbrStart[a + 1]! - g.nbrStart[a]!
  let cap = 64
  let atom = new Int32Array(cap)
  let trail = new Int32Array(cap)
  let childStart = new Int32Array(cap)
  let childCount = new Int32Array(cap) // −1: not expanded yet
  const visited = new Uint8Array(g.n)
  let size = 0
  const add = (a: number, t: number): void => {
    if (size === cap) {
      cap *= 2
      const grow = (x: Int32Array) => {
        const y = new Int32Array(cap)
        y.set(x)
        return y
      }
      atom = grow(atom)
      trail = grow(trail)
      childStart = grow(childStart)
      childCount = grow(childCount)
    }
    atom[size] = a
    trail[size] = t
    childCount[size] = -1
    size++
  }
  const expand = (node: number): void => {
    const a = atom[node]!
    visited[a] = 1
    if (childCount[node] === -1) {
      const first = size
      const t = trail[node]!
      for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) {
        const v = g.nbrAtom[x]!
        if (!visited[v]) add(v, trailOf(t, g.order[g.nbrBond[x]!]!, g.z[v]!, deg(v)))
      }
      childStart[node] = first
      childCount[node] = size - first
    } else {
      const c0 = childStart[node]!
      const c1 = c0 + childCount[node]!
      for (let c = c0; c < c1; c++) expand(c)
    }
  }
  let leaves = new Int32Array(64)
  for (let root = 0; root < g.n; root++) {
    size = 0
    visited.fill(0)
    visited[root] = 1
    add(root, trailOf(-1, 0, g.z[root]!, deg(root)))
    for (let m = 0; m < maxOrder; m++) {
      expand(0)
      if (leaves.length < size) leaves = new Int32Array(cap)
      let k = 0
      for (let x = 0; x < size; x++) if (childCount[x]! <= 0) leaves[k++] = trail[x]!
      const l = leaves.subarray(0, k)
      l.sort()
      codes[m]![root] = codeOf(l)
    }
  }
  return codes
}

/** groups of atoms with equal codes: [representative atom (the last one, as mordred's dict), size] */
const groups = (ctx: DescriptorContext, order: number): [number, number][] =>
  ctx.cached(`ic:groups:${order}`, () => {
    const g = ctx.graph(true, true)
    const codes = order === 0 ? null : ctx.cached("ic:codes", () => atomCodes(g, ORDERS[ORDERS.length - 1]!))
    const m = new Map<number, [number, number]>()
    for (let i = 0; i < g.n; i++) {
      const code = codes === null ? g.z[i]! : codes[order - 1]![i]!
      const e = m.get(code)
      if (e) {
        e[0] = i
        e[1]++
      } else m.set(code, [i, 1])
    }
    return [...m.values()]
  })

const entropy = (ags: readonly [number, number][], w: (rep: number, size: number) => number): number => {
  let N = 0
  for (const [, a] of ags) N += a
  let s = 0
  for (const [rep, a] of ags) {
    const p = a / N
    s += w(rep, a) * p * Math.log2(p)
  }
  return -s
}

export const InformationContent: Family = {
  name: "InformationContent",
  names: KINDS.flatMap((k) => ORDERS.map((o) => `${k}${o}`)),
  compute(ctx, out, o) {
    const g = ctx.graph(true, true)
    const A = g.n
    let B = 0
    for (let b = 0; b < g.nb; b++) B += g.order[b]!
    const log2A = Math.log2(A)
    const log2B = B > 0 ? Math.log2(B) : NaN
    const R = ORDERS.length
    for (const order of ORDERS) {
      const ags = groups(ctx, order)
      const ic = entropy(ags, () => 1)
      out[o + order] = ic
      out[o + R + order] = A * ic
      out[o + 2 * R + order] = log2A === 0 ? NaN : ic / log2A
      out[o + 3 * R + order] = log2B === 0 || Number.isNaN(log2B) ? NaN : ic / log2B
      out[o + 4 * R + order] = log2A - ic
      out[o + 5 * R + order] = entropy(ags, (rep) => averageAtomMass(g.z[rep]!, g.isotope[rep]!))
      out[o + 6 * R + order] = entropy(ags, (rep, a) => a * g.z[rep]!)
    }
  },
}
