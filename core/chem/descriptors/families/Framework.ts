import type { Family } from "../family.ts"

/**
 * mordred Framework (fMF): ring atoms plus the atoms on one shortest path between every pair of "ring nodes"
 * (each atom of a ring is contracted to the node of the *last* ring listing it, as mordred's dict does).
 */
export const Framework: Family = {
  name: "Framework",
  names: ["fMF"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    const rings = ctx.input.atomRings
    const n = g.n
    // node id: ring nodes 0..R-1 by ring index, atom nodes R + atom
    const R = rings.length
    const node = new Int32Array(n)
    for (let i = 0; i < n; i++) node[i] = R + i
    rings.forEach((r, ri) => {
      for (const a of r) node[a] = ri
    })
    const ringNodes = [...new Set(Array.from(node).filter((x) => x < R))]
    const N = R + n
    // adjacency in bond order (networkx insertion order)
    const adj: number[][] = Array.from({ length: N }, () => [])
    const present = new Uint8Array(N)
    for (let b = 0; b < g.nb; b++) {
      const u = node[g.begin[b]!]!
      const v = node[g.end[b]!]!
      present[u] = present[v] = 1
      if (u !== v) {
        if (!adj[u]!.includes(v)) adj[u]!.push(v)
        if (!adj[v]!.includes(u)) adj[v]!.push(u)
      }
    }
    const linkers = new Set<number>()
    const prev = new Int32Array(N)
    for (let x = 0; x < ringNodes.length; x++) {
      const s = ringNodes[x]!
      if (!present[s]) continue
      prev.fill(-2)
      prev[s] = -1
      const q = [s]
      for (let h = 0; h < q.length; h++) for (const v of adj[q[h]!]!) if (prev[v] === -2) {
        prev[v] = q[h]!
        q.push(v)
      }
      for (let y = x + 1; y < ringNodes.length; y++) {
        const t = ringNodes[y]!
        if (prev[t] === -2) continue
        for (let v = prev[t]!; v !== -1 && v !== s; v = prev[v]!) if (v >= R) linkers.add(v)
      }
    }
    const ringAtoms = new Set<number>()
    for (const r of rings) for (const a of r) ringAtoms.add(a)
    out[o] = (linkers.size + ringAtoms.size) / n
  },
}
