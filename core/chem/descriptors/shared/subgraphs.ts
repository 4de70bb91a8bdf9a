/**
 * Connected bond subgraphs (RDKit `FindAllSubgraphsOfLengthN`) and simple paths (`FindAllPathsOfLengthN`
 * filtered to atom-simple paths, as mordred's PathCount) of the heavy-atom graph. As RDKit's default
 * `useHs=False`, bonds to hydrogen atoms (explicit [H]/[2H] atoms kept by the SMILES parser) are ignored.
 *
 * Subgraphs with k bonds are the connected k-vertex sets of the line graph, enumerated once each with the
 * ESU algorithm (Wernicke 2006): grow from a root bond through bonds of larger index only, extending by the
 * exclusive neighbourhood of each added bond.
 */
import type { DescriptorContext } from "../context.ts"
import type { Graph } from "./graph.ts"

/** mordred's Chi subgraph classes */
export const enum SubgraphType {
  Chain = 0, // contains a cycle
  Path = 1, // all degrees ≤ 2, acyclic
  PathCluster = 2, // a degree ≥ 3 and a degree 2
  Cluster = 3, // degrees 1 and ≥ 3 only
}

export interface Subgraphs {
  /** per subgraph: its atoms, flattened; atomStart[s] .. atomStart[s+1] */
  readonly atoms: Int32Array
  readonly atomStart: Int32Array
  readonly type: Uint8Array
  readonly count: number
}

/** line-graph adjacency of the bonds (bonds sharing an atom), CSR */
const lineGraph = (g: Graph, usable: Uint8Array): { start: Int32Array; nbr: Int32Array } => {
  const lists: number[][] = Array.from({ length: g.nb }, () => [])
  for (let a = 0; a < g.n; a++) {
    const s = g.nbrStart[a]!
    const e = g.nbrStart[a + 1]!
    for (let x = s; x < e; x++) for (let y = x + 1; y < e; y++) {
      if (!usable[g.nbrBond[x]!] || !usable[g.nbrBond[y]!]) continue
      lists[g.nbrBond[x]!]!.push(g.nbrBond[y]!)
      lists[g.nbrBond[y]!]!.push(g.nbrBond[x]!)
    }
  }
  const start = new Int32Array(g.nb + 1)
  for (let b = 0; b < g.nb; b++) start[b + 1] = start[b]! + lists[b]!.length
  const nbr = new Int32Array(start[g.nb]!)
  for (let b = 0; b < g.nb; b++) nbr.set(lists[b]!, start[b]!)
  return { start, nbr }
}

/** growable per-size output */
class Out {
  atoms = new Int32Array(256)
  atomStart = new Int32Array(64)
  types = new Uint8Array(64)
  count = 0
  used = 0
  done(): Subgraphs {
    return {
      atoms: this.atoms.subarray(0, this.used),
      atomStart: this.atomStart.subarray(0, this.count + 1),
      type: this.types.subarray(0, this.count),
      count: this.count,
    }
  }
}

/**
 * Connected subgraphs with 1…K bonds, index k−1 for k bonds. One ESU run to depth K: every connected set of
 * k bonds is a state at depth k exactly once, visited in the order a run stopping at depth k visits it.
 */
const enumerateAll = (g: Graph, K: number): Subgraphs[] => {
  const outs = Array.from({ length: K }, () => new Out())
  const usable = new Uint8Array(g.nb)
  for (let b = 0; b < g.nb; b++) usable[b] = g.z[g.begin[b]!] !== 1 && g.z[g.end[b]!] !== 1 ? 1 : 0
  const L = lineGraph(g, usable)
  const inSub = new Uint8Array(g.nb)
  // count of subgraph bonds adjacent to each bond (a bond is in the neighbourhood when > 0)
  const nbrCount = new Int32Array(g.nb)
  const sub = new Int32Array(K)
  const deg = new Int32Array(g.n)
  const touched = new Int32Array(K + 1)

  const emit = (k: number) => {
    const o = outs[k - 1]!
    // atoms, degrees inside the subgraph, cycle check (edges ≥ atoms ⇒ cycle, since connected)
    let nt = 0
    for (let x = 0; x < k; x++) {
      const b = sub[x]!
      const a1 = g.begin[b]!
      const a2 = g.end[b]!
      if (deg[a1] === 0) touched[nt++] = a1
      deg[a1]!++
      if (deg[a2] === 0) touched[nt++] = a2
      deg[a2]!++
    }
    let t: SubgraphType
    if (k >= nt) t = SubgraphType.Chain
    else {
      let has2 = false
      let has3 = false
      for (let x = 0; x < nt; x++) {
        const dg = deg[touched[x]!]!
        if (dg === 2) has2 = true
        else if (dg >= 3) has3 = true
      }
      t = !has3 ? SubgraphType.Path : has2 ? SubgraphType.PathCluster : SubgraphType.Cluster
    }
    if (o.used + nt > o.atoms.length) {
      const bigger = new Int32Array(2 * o.atoms.length + nt)
      bigger.set(o.atoms)
      o.atoms = bigger
    }
    if (o.count + 2 > o.atomStart.length) {
      const s2 = new Int32Array(2 * o.atomStart.length)
      s2.set(o.atomStart)
      o.atomStart = s2
      const t2 = new Uint8Array(2 * o.types.length)
      t2.set(o.types)
      o.types = t2
    }
    for (let x = 0; x < nt; x++) {
      const a = touched[x]!
      o.atoms[o.used++] = a
      deg[a] = 0
    }
    o.types[o.count] = t
    o.atomStart[++o.count] = o.used
  }

  const addToSub = (b: number, depth: number) => {
    sub[depth] = b
    inSub[b] = 1
    for (let x = L.start[b]!; x < L.start[b + 1]!; x++) nbrCount[L.nbr[x]!]!++
  }
  const removeFromSub = (b: number) => {
    inSub[b] = 0
    for (let x = L.start[b]!; x < L.start[b + 1]!; x++) nbrCount[L.nbr[x]!]!--
  }

  // extension sets live on one stack, one segment per depth: [base, base + len)
  const stack = new Int32Array((K + 1) * (g.nb + 1) + L.nbr.length)
  const extend = (size: number, base: number, len: number, root: number) => {
    emit(size)
    if (size === K) return
    let left = len
    while (left > 0) {
      const w = stack[base + --left]!
      // next = the rest of the extension + exclusive neighbours of w (> root, not in sub, not adjacent to
      // sub before w joins it; those are never in the rest, which is all adjacent to sub)
      const nb = base + len
      let nl = 0
      for (let x = 0; x < left; x++) stack[nb + nl++] = stack[base + x]!
      for (let x = L.start[w]!; x < L.start[w + 1]!; x++) {
        const u = L.nbr[x]!
        if (u > root && !inSub[u] && nbrCount[u] === 0 && u !== w) stack[nb + nl++] = u
      }
      addToSub(w, size)
      extend(size + 1, nb, nl, root)
      removeFromSub(w)
    }
  }

  if (K >= 1)
    for (let r = 0; r < g.nb; r++) {
      if (!usable[r]) continue
      let len = 0
      for (let x = L.start[r]!; x < L.start[r + 1]!; x++) if (L.nbr[x]! > r) stack[len++] = L.nbr[x]!
      addToSub(r, 0)
      extend(1, 0, len, r)
      removeFromSub(r)
    }
  return outs.map((o) => o.done())
}

/** the largest subgraph size the families ask for (Chi orders up to 7) */
const MAX_ORDER = 7
const NONE: Subgraphs = { atoms: new Int32Array(0), atomStart: new Int32Array(1), type: new Uint8Array(0), count: 0 }

/** Connected subgraphs with exactly k bonds of the heavy-atom graph, cached per molecule (all k ≤ 7 at once). */
export const subgraphs = (ctx: DescriptorContext, k: number): Subgraphs => {
  if (k <= 0) return NONE
  if (k > MAX_ORDER) return ctx.cached(`subgraphs:${k}`, () => enumerateAll(ctx.graph(false), k)[k - 1]!)
  return ctx.cached("subgraphs:all", () => enumerateAll(ctx.graph(false), MAX_ORDER))[k - 1]!
}

/**
 * Atom-simple paths with 1..maxLen bonds of a graph: per length, the number of paths and the sum over paths
 * of the product of bond orders (`GetBondTypeAsDouble`). Each undirected path once.
 */
export const simplePaths = (g: Graph, maxLen: number): { count: Float64Array; pi: Float64Array } => {
  const count = new Float64Array(maxLen + 1)
  const pi = new Float64Array(maxLen + 1)
  const onPath = new Uint8Array(g.n)
  const walk = (u: number, len: number, w: number) => {
    for (let x = g.nbrStart[u]!; x < g.nbrStart[u + 1]!; x++) {
      const v = g.nbrAtom[x]!
      if (onPath[v] || g.z[v] === 1) continue
      const w2 = w * g.order[g.nbrBond[x]!]!
      count[len + 1]!++
      pi[len + 1] = pi[len + 1]! + w2
      if (len + 1 < maxLen) {
        onPath[v] = 1
        walk(v, len + 1, w2)
        onPath[v] = 0
      }
    }
  }
  for (let s = 0; s < g.n; s++) {
    if (g.z[s] === 1) continue
    onPath[s] = 1
    walk(s, 0, 1)
    onPath[s] = 0
  }
  for (let l = 1; l <= maxLen; l++) {
    count[l] = count[l]! / 2
    pi[l] = pi[l]! / 2
  }
  return { count, pi }
}
