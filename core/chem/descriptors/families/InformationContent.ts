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

interface Node {
  atom: number
  children: Node[] | null // null = leaf not expanded yet
}

const atomCode = (g: Graph, root: number, order: number): string => {
  const tree: Node = { atom: root, children: null }
  const visited = new Uint8Array(g.n)
  visited[root] = 1
  const expand = (node: Node) => {
    visited[node.atom] = 1
    if (node.children === null) {
      const ch: Node[] = []
      for (let x = g.nbrStart[node.atom]!; x < g.nbrStart[node.atom + 1]!; x++) {
        const v = g.nbrAtom[x]!
        if (!visited[v]) ch.push({ atom: v, children: null })
      }
      node.children = ch
    } else for (const c of node.children) expand(c)
  }
  for (let k = 0; k < order; k++) expand(tree)
  const deg = (a: number) => g.nbrStart[a + 1]! - g.nbrStart[a]!
  const trails: string[] = []
  const walk = (node: Node, prev: number, trail: string) => {
    let t = trail
    if (prev >= 0) t += `-${bondOrder(g, prev, node.atom)}`
    t += `(${g.z[node.atom]},${deg(node.atom)})`
    if (node.children === null || node.children.length === 0) trails.push(t)
    else for (const c of node.children) walk(c, node.atom, t)
  }
  walk(tree, -1, "")
  trails.sort()
  return trails.join("|")
}

const bondOrder = (g: Graph, u: number, v: number): number => {
  for (let x = g.nbrStart[u]!; x < g.nbrStart[u + 1]!; x++) if (g.nbrAtom[x] === v) return g.order[g.nbrBond[x]!]!
  return 0
}

/** groups of atoms with equal codes: [representative atom (the last one, as mordred's dict), size] */
const groups = (ctx: DescriptorContext, order: number): [number, number][] =>
  ctx.cached(`ic:groups:${order}`, () => {
    const g = ctx.graph(true, true)
    const m = new Map<string, [number, number]>()
    for (let i = 0; i < g.n; i++) {
      const code = order === 0 ? String(g.z[i]) : atomCode(g, i, order)
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
