/**
 * The first substructure match RDKit 2022.09 finds (`GetSubstructMatch`, no chirality): its VF2
 * (Code/GraphMol/Substruct/vf2.hpp, "VF2 Plus" neighbour iteration, nodes not sorted) replayed step by
 * step, so that among several matches the same one comes out. Plain functions over typed arrays.
 *
 * Query node choice: while both terminal sets are larger than the core, the lowest unmatched query
 * node in the terminal set, and target candidates are the neighbours (in adjacency order) of the
 * target atom matched to that node's first matched neighbour; otherwise the lowest unmatched query
 * node and every unmatched target node in index order.
 */
import { bondAdjacency } from "../molecule/adjacency.ts"

/** A graph as CSR adjacency: neighbours of v are nbr[start[v] .. start[v+1]), edge ids alongside. */
export interface MatchGraph {
  readonly n: number
  readonly start: Int32Array
  readonly nbr: Int32Array
  readonly edge: Int32Array
}

export const graphFromBonds = (n: number, begin: ArrayLike<number>, end: ArrayLike<number>): MatchGraph => {
  const { adjStart, adjAtom, adjBond } = bondAdjacency(n, begin, end)
  return { n, start: adjStart, nbr: adjAtom, edge: adjBond }
}

export interface MatchOptions {
  /** query node i compatible with target node j */
  readonly atomCompat: (i: number, j: number) => boolean
  /** query edge e compatible with target edge f */
  readonly bondCompat: (e: number, f: number) => boolean
  /** give up after this many candidate pairs (upstream gives up after 3 s); default 20 000 000 */
  readonly maxSteps?: number
}

export type MatchResult = { readonly kind: "match"; readonly map: Int32Array } | { readonly kind: "none" } | { readonly kind: "gave_up" }

const NULL = -1

/** First match of query g1 in target g2: map[i] = target node of query node i. */
export const firstSubstructMatch = (g1: MatchGraph, g2: MatchGraph, o: MatchOptions): MatchResult => {
  const n1 = g1.n
  const n2 = g2.n
  if (n1 === 0 || n2 === 0) return { kind: "none" }
  const core1 = new Int32Array(n1).fill(NULL)
  const core2 = new Int32Array(n2).fill(NULL)
  const term1 = new Int32Array(n1)
  const term2 = new Int32Array(n2)
  let coreLen = 0
  let t1Len = 0
  let t2Len = 0
  const maxSteps = o.maxSteps ?? 20_000_000
  let steps = 0

  const edgeBetween = (g: MatchGraph, u: number, v: number): number => {
    for (let k = g.start[u]!; k < g.start[u + 1]!; k++) if (g.nbr[k] === v) return g.edge[k]!
    return -1
  }
  const feasible = (a: number, b: number): boolean => {
    if (g1.start[a + 1]! - g1.start[a]! > g2.start[b + 1]! - g2.start[b]!) return false
    if (!o.atomCompat(a, b)) return false
    for (let k = g1.start[a]!; k < g1.start[a + 1]!; k++) {
      const other1 = g1.nbr[k]!
      const other2 = core1[other1]!
      if (other2 === NULL) continue
      const f = edgeBetween(g2, b, other2)
      if (f < 0 || !o.bondCompat(g1.edge[k]!, f)) return false
    }
    return true
  }
  const addPair = (a: number, b: number) => {
    coreLen++
    if (!term1[a]) {
      term1[a] = coreLen
      t1Len++
    }
    if (!term2[b]) {
      term2[b] = coreLen
      t2Len++
    }
    core1[a] = b
    core2[b] = a
    for (let k = g1.start[a]!; k < g1.start[a + 1]!; k++) {
      const x = g1.nbr[k]!
      if (!term1[x]) {
        term1[x] = coreLen
        t1Len++
      }
    }
    for (let k = g2.start[b]!; k < g2.start[b + 1]!; k++) {
      const x = g2.nbr[k]!
      if (!term2[x]) {
        term2[x] = coreLen
        t2Len++
      }
    }
  }
  const backTrack = (a: number, b: number) => {
    if (term1[a] === coreLen) {
      term1[a] = 0
      t1Len--
    }
    for (let k = g1.start[a]!; k < g1.start[a + 1]!; k++) {
      const x = g1.nbr[k]!
      if (term1[x] === coreLen) {
        term1[x] = 0
        t1Len--
      }
    }
    if (term2[b] === coreLen) {
      term2[b] = 0
      t2Len--
    }
    for (let k = g2.start[b]!; k < g2.start[b + 1]!; k++) {
      const x = g2.nbr[k]!
      if (term2[x] === coreLen) {
        term2[x] = 0
        t2Len--
      }
    }
    core1[a] = NULL
    core2[b] = NULL
    coreLen--
  }

  // explicit stack of search frames: (query node, candidate cursor, iterator mode)
  const frN1 = new Int32Array(n1 + 1)
  const frN2 = new Int32Array(n1 + 1) // current candidate (target node) or cursor
  const frIt = new Int32Array(n1 + 1) // VF2-plus iterator position into g2.nbr, or -1
  const frEnd = new Int32Array(n1 + 1)
  const frMode = new Uint8Array(n1 + 1) // 0 all nodes, 1 terminal nodes, 2 neighbour iterator
  let depth = 0
  let gaveUp = false

  /** Sets up frame `d` for the current state; returns false when the state is dead. */
  const openFrame = (d: number): boolean => {
    if (n1 > n2 || t1Len > t2Len) return false
    let a = 0
    if (t1Len > coreLen && t2Len > coreLen) {
      while (a < n1 && (core1[a] !== NULL || term1[a] === 0)) a++
      let k = g1.start[a]!
      while (k < g1.start[a + 1]! && core1[g1.nbr[k]!] === NULL) k++
      const anchor = core1[g1.nbr[k]!]!
      frMode[d] = 2
      frIt[d] = g2.start[anchor]!
      frEnd[d] = g2.start[anchor + 1]!
    } else {
      while (a < n1 && core1[a] !== NULL) a++
      frMode[d] = 0
      frN2[d] = -1
    }
    frN1[d] = a
    return a < n1
  }
  /** Next candidate target node for frame d, or −1. */
  const nextCandidate = (d: number): number => {
    if (frMode[d] === 2) {
      let it = frIt[d]!
      const end = frEnd[d]!
      while (it < end && core2[g2.nbr[it]!] !== NULL) it++
      if (it < end) {
        frIt[d] = it + 1
        return g2.nbr[it]!
      }
      frIt[d] = end
      return -1
    }
    let b = frN2[d]! + 1
    while (b < n2 && core2[b] !== NULL) b++
    frN2[d] = b
    return b < n2 ? b : -1
  }

  if (!openFrame(0)) return { kind: "none" }
  const pairB = new Int32Array(n1 + 1).fill(-1)
  for (;;) {
    if (coreLen === n1) {
      const map = new Int32Array(n1)
      for (let i = 0; i < n1; i++) map[i] = core1[i]!
      return { kind: "match", map }
    }
    // try the next candidate at this depth
    const a = frN1[depth]!
    let b = nextCandidate(depth)
    let advanced = false
    while (b >= 0) {
      if (++steps > maxSteps) {
        gaveUp = true
        break
      }
      if (feasible(a, b)) {
        addPair(a, b)
        pairB[depth] = b
        if (coreLen === n1) {
          advanced = true
          break
        }
        if (openFrame(depth + 1)) {
          depth++
          advanced = true
          break
        }
        backTrack(a, b)
      }
      b = nextCandidate(depth)
    }
    if (gaveUp) return { kind: "gave_up" }
    if (advanced) continue
    // exhausted this depth: undo the pair of the frame below and continue there
    if (depth === 0) return { kind: "none" }
    depth--
    backTrack(frN1[depth]!, pairB[depth]!)
  }
}
