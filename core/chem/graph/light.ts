/**
 * The LiGhT line graph of a molecule, as upstream builds it (data/smiles2g_light.py,
 * `_build_graph_with_bid` / `_build_without_prompt`), node and edge order included:
 *
 * - atoms are first renumbered: atom i of the renumbered molecule is atom `order[i]` of the parsed one
 *   (upstream passes `CanonicalRankAtoms` as the new order to `RenumberAtoms`); bonds keep their order;
 * - nodes: one per bond (its two atoms' features, lower renumbered index first, and its features), one
 *   per isolated atom (features + placeholder), then two virtual nodes (placeholders);
 * - edges, in this order: line-graph pairs (for each atom, every ordered pair of its bonds, bonds listed
 *   by neighbour index); molecule paths of 3–5 bonds (networkx `all_pairs_shortest_path` on the
 *   renumbered adjacency matrix: BFS from each atom, neighbours ascending, first discovery wins, targets
 *   in discovery order); the first virtual node ↔ every earlier node; the second ↔ every non-virtual
 *   node; a self loop on every node;
 * - each edge's path: 5 node ids, padded with PATH_PLACEHOLDER in the middle.
 *
 * Plain typed arrays; the result satisfies the network's `LightGraphInput`.
 */
import type { Molecule } from "../molecule/types.ts"
import { D_ATOM, D_BOND, FEATURE_PLACEHOLDER, atomFeatures, writeBondFeatures } from "./features.ts"

export const PATH_LENGTH = 5
/** upstream's VIRTUAL_PATH_INDICATOR (data/constants.py INF) */
export const PATH_PLACEHOLDER = -1000000
export const N_VIRTUAL_NODES = 2
/** vavn of an isolated-atom node (upstream's VIRTUAL_ATOM_INDICATOR) */
export const ISOLATED_ATOM_INDICATOR = -1

export interface LightGraph {
  readonly nNodes: number
  readonly nEdges: number
  /** [nNodes, 2, 138] */
  readonly beginEnd: Float32Array
  /** [nNodes, 14] */
  readonly edge: Float32Array
  /** [nNodes]: 0 bond, −1 isolated atom, 1 / 2 virtual nodes */
  readonly vavn: Int32Array
  readonly edgeSrc: Int32Array
  readonly edgeDst: Int32Array
  /** [nEdges, 5], raw (PATH_PLACEHOLDER = padding) */
  readonly edgePath: Int32Array
  readonly edgeLgp: Uint8Array
  readonly edgeMgp: Uint8Array
  /** upstream stores vp in a BoolTensor: 1 for both virtual nodes' edges */
  readonly edgeVp: Uint8Array
  readonly edgeSl: Uint8Array
  /** [nNodes] bond ids (prompt graphs only) */
  readonly bid?: Int32Array
  /** for each non-virtual node: its renumbered atoms [a, b] (b = −1 for an isolated atom) */
  readonly nodeAtoms: Int32Array
}

/** Checks that `order` is a permutation of 0..n-1. */
const checkOrder = (order: ArrayLike<number>, n: number): Int32Array => {
  if (order.length !== n) throw new RangeError(`atom order has ${order.length} entries for ${n} atoms`)
  const inv = new Int32Array(n).fill(-1)
  for (let i = 0; i < n; i++) {
    const o = order[i]!
    if (!(o >= 0 && o < n) || inv[o] !== -1) throw new RangeError(`atom order is not a permutation (entry ${i} = ${o})`)
    inv[o] = i
  }
  return inv
}

/**
 * Builds the graph. `order[i]` = the parsed atom that becomes atom i (upstream: the canonical ranks).
 * `bondIds`, when given, are the nodes' bond ids per bond of `mol` (upstream's `bid`); the virtual
 * nodes get −1 and −2. A graph with bond ids and an isolated atom is refused (upstream's DGL raises
 * there: the isolated atom gets no bond id).
 */
export const buildLightGraph = (mol: Molecule, order: ArrayLike<number>, bondIds?: ArrayLike<number>): LightGraph => {
  const n = mol.numAtoms
  const nb = mol.numBonds
  const inv = checkOrder(order, n)
  // bonds in their order, atoms renumbered and sorted
  const lo = new Int32Array(nb)
  const hi = new Int32Array(nb)
  const deg = new Int32Array(n)
  for (let b = 0; b < nb; b++) {
    const u = inv[mol.bondBegin[b]!]!
    const v = inv[mol.bondEnd[b]!]!
    lo[b] = Math.min(u, v)
    hi[b] = Math.max(u, v)
    deg[u]!++
    deg[v]!++
  }
  // renumbered adjacency, neighbours ascending (row of the adjacency matrix / atomIDPair_to_tripletId)
  const start = new Int32Array(n + 1)
  for (let a = 0; a < n; a++) start[a + 1] = start[a]! + deg[a]!
  const nbrAtom = new Int32Array(2 * nb)
  const nbrBond = new Int32Array(2 * nb)
  {
    const fill = start.slice(0, n)
    for (let b = 0; b < nb; b++) {
      nbrAtom[fill[lo[b]!]!] = hi[b]!
      nbrBond[fill[lo[b]!]!++] = b
      nbrAtom[fill[hi[b]!]!] = lo[b]!
      nbrBond[fill[hi[b]!]!++] = b
    }
    for (let a = 0; a < n; a++) {
      // insertion sort by neighbour index (degrees are small)
      for (let i = start[a]! + 1; i < start[a + 1]!; i++) {
        const x = nbrAtom[i]!
        const y = nbrBond[i]!
        let j = i - 1
        while (j >= start[a]! && nbrAtom[j]! > x) {
          nbrAtom[j + 1] = nbrAtom[j]!
          nbrBond[j + 1] = nbrBond[j]!
          j--
        }
        nbrAtom[j + 1] = x
        nbrBond[j + 1] = y
      }
    }
  }

  // ---- nodes
  const isolated: number[] = []
  for (let a = 0; a < n; a++) if (deg[a] === 0) isolated.push(a)
  if (bondIds !== undefined && isolated.length > 0)
    throw new RangeError("an isolated atom gets no bond id (upstream's DGL refuses this graph)")
  if (bondIds !== undefined && bondIds.length !== nb) throw new RangeError(`${bondIds.length} bond ids for ${nb} bonds`)
  const nReal = nb + isolated.length
  const nNodes = nReal + N_VIRTUAL_NODES
  const feats = atomFeatures(mol)
  const beginEnd = new Float32Array(nNodes * 2 * D_ATOM)
  const edge = new Float32Array(nNodes * D_BOND)
  const vavn = new Int32Array(nNodes)
  const nodeAtoms = new Int32Array(2 * nReal)
  for (let b = 0; b < nb; b++) {
    beginEnd.set(feats.subarray(order[lo[b]!]! * D_ATOM, (order[lo[b]!]! + 1) * D_ATOM), b * 2 * D_ATOM)
    beginEnd.set(feats.subarray(order[hi[b]!]! * D_ATOM, (order[hi[b]!]! + 1) * D_ATOM), (b * 2 + 1) * D_ATOM)
    writeBondFeatures(mol, b, edge, b * D_BOND)
    nodeAtoms[2 * b] = lo[b]!
    nodeAtoms[2 * b + 1] = hi[b]!
  }
  isolated.forEach((a, k) => {
    const node = nb + k
    beginEnd.set(feats.subarray(order[a]! * D_ATOM, (order[a]! + 1) * D_ATOM), node * 2 * D_ATOM)
    beginEnd.fill(FEATURE_PLACEHOLDER, (node * 2 + 1) * D_ATOM, (node * 2 + 2) * D_ATOM)
    edge.fill(FEATURE_PLACEHOLDER, node * D_BOND, (node + 1) * D_BOND)
    vavn[node] = ISOLATED_ATOM_INDICATOR
    nodeAtoms[2 * node] = a
    nodeAtoms[2 * node + 1] = -1
  })
  for (let v = 0; v < N_VIRTUAL_NODES; v++) {
    const node = nReal + v
    beginEnd.fill(FEATURE_PLACEHOLDER, node * 2 * D_ATOM, (node + 1) * 2 * D_ATOM)
    edge.fill(FEATURE_PLACEHOLDER, node * D_BOND, (node + 1) * D_BOND)
    vavn[node] = v + 1
  }

  // ---- edges
  // edges are appended to growable typed arrays, one capacity check per edge
  let cap = 8 * nb + 4 * nReal + nNodes + 16
  let srcA = new Int32Array(cap)
  let dstA = new Int32Array(cap)
  let kindA = new Uint8Array(cap) // 0 lgp, 1 mgp, 2 vp, 3 sl
  let pathA = new Int32Array(cap * PATH_LENGTH)
  let nE = 0
  const grow = () => {
    cap *= 2
    const s2 = new Int32Array(cap)
    s2.set(srcA)
    srcA = s2
    const d2 = new Int32Array(cap)
    d2.set(dstA)
    dstA = d2
    const k2 = new Uint8Array(cap)
    k2.set(kindA)
    kindA = k2
    const p2 = new Int32Array(cap * PATH_LENGTH)
    p2.set(pathA)
    pathA = p2
  }
  const P = PATH_PLACEHOLDER
  const add = (s: number, t: number, k: number, p0: number, p1: number, p2: number, p3: number, p4: number) => {
    if (nE === cap) grow()
    srcA[nE] = s
    dstA[nE] = t
    kindA[nE] = k
    const o = nE * PATH_LENGTH
    pathA[o] = p0
    pathA[o + 1] = p1
    pathA[o + 2] = p2
    pathA[o + 3] = p3
    pathA[o + 4] = p4
    nE++
  }
  // line-graph pairs: itertools.permutations(bonds of atom a, 2)
  for (let a = 0; a < n; a++) {
    const s = start[a]!
    const e = start[a + 1]!
    if (e - s < 2) continue
    for (let i = s; i < e; i++) {
      for (let j = s; j < e; j++) {
        if (i === j) continue
        add(nbrBond[i]!, nbrBond[j]!, 0, nbrBond[i]!, P, P, P, nbrBond[j]!)
      }
    }
  }
  // molecule paths of 3..5 bonds: BFS per source (levels up to 5), discovery order
  {
    const dist = new Int32Array(n).fill(-1)
    const predBond = new Int32Array(n)
    const pred = new Int32Array(n)
    const queue = new Int32Array(n)
    const MAX = PATH_LENGTH
    const inner = new Int32Array(MAX)
    for (let s = 0; s < n; s++) {
      let head = 0
      let tail = 0
      queue[tail++] = s
      dist[s] = 0
      while (head < tail) {
        const v = queue[head++]!
        const dv = dist[v]!
        if (dv >= 3) {
          // emit v's path: bonds from s to v
          let x = v
          for (let k = dv - 1; k >= 0; k--) {
            inner[k] = predBond[x]!
            x = pred[x]!
          }
          const b0 = inner[0]!
          const bl = inner[dv - 1]!
          add(b0, bl, 1, b0, inner[1]!, dv >= 4 ? inner[2]! : P, dv >= 5 ? inner[3]! : P, bl)
        }
        if (dv === MAX) continue
        for (let k = start[v]!; k < start[v + 1]!; k++) {
          const w = nbrAtom[k]!
          if (dist[w] !== -1) continue
          dist[w] = dv + 1
          pred[w] = v
          predBond[w] = nbrBond[k]!
          queue[tail++] = w
        }
      }
      for (let i = 0; i < tail; i++) dist[queue[i]!] = -1
    }
  }
  // virtual nodes: the first ↔ every earlier node, the second ↔ every non-virtual node
  for (let v = 0; v < N_VIRTUAL_NODES; v++) {
    const node = nReal + v
    for (let i = 0; i < nReal; i++) {
      add(node, i, 2, node, P, P, P, i)
      add(i, node, 2, i, P, P, P, node)
    }
  }
  for (let i = 0; i < nNodes; i++) add(i, i, 3, i, P, P, P, i)

  const nEdges = nE
  const k = kindA
  const edgeLgp = new Uint8Array(nEdges)
  const edgeMgp = new Uint8Array(nEdges)
  const edgeVp = new Uint8Array(nEdges)
  const edgeSl = new Uint8Array(nEdges)
  for (let e = 0; e < nEdges; e++) {
    const t = k[e]!
    if (t === 0) edgeLgp[e] = 1
    else if (t === 1) edgeMgp[e] = 1
    else if (t === 2) edgeVp[e] = 1
    else edgeSl[e] = 1
  }
  let bid: Int32Array | undefined
  if (bondIds !== undefined) {
    bid = new Int32Array(nNodes)
    for (let b = 0; b < nb; b++) bid[b] = bondIds[b]!
    for (let v = 0; v < N_VIRTUAL_NODES; v++) bid[nReal + v] = -(v + 1)
  }
  return {
    nNodes,
    nEdges,
    beginEnd,
    edge,
    vavn,
    edgeSrc: srcA.slice(0, nEdges),
    edgeDst: dstA.slice(0, nEdges),
    edgePath: pathA.slice(0, nEdges * PATH_LENGTH),
    edgeLgp,
    edgeMgp,
    edgeVp,
    edgeSl,
    ...(bid === undefined ? {} : { bid }),
    nodeAtoms,
  }
}
