/**
 * Bond ids (`bid`) of a prompt graph's nodes, as upstream finds them (data/smiles2g_light.py
 * `_build_bond_mapping` + `_build_graph_with_bid`):
 *
 * - the target is a 5-mer of the repeat unit: five copies (atoms and bonds in order), every `*` kept,
 *   and the connection atoms of neighbouring copies joined with the wildcard bond's type (bonds
 *   appended after all copies' bonds). Bond f of copy i is the unit's bond f − i·nb; its id is that
 *   bond's index, except that bonds touching a `*` and the four joining bonds share id 5·nb.
 *   (Upstream then calls RemoveHs, which sanitizes; where sanitization succeeds the joined connection
 *   atoms lose implicit hydrogens, where it fails — an aromatic or bracket connection atom — the
 *   unsanitized copies are matched. Only H-count queries can see the difference.)
 * - the pattern is the graph's SMILES read as SMARTS, renumbered like the graph's molecule; for every
 *   graph but the base one, each `*` is replaced by a plain atom of the element next to the other `*`
 *   (`_modify`). RDKit's first VF2 match of it in the 5-mer gives each atom a 5-mer atom, and each bond
 *   of the graph the id of the 5-mer bond between its atoms' images.
 * - no match: upstream's IndexError, and the graph is dropped.
 */
import { BondType, type Molecule } from "../molecule/types.ts"
import { AtomQueryKind, BondQueryKind, parsePattern, type Pattern } from "../graph/pattern.ts"
import { firstSubstructMatch, graphFromBonds, type MatchGraph } from "../graph/substruct.ts"
import type { RepeatUnit } from "./repeatUnit.ts"

export const N_MAPPING_UNITS = 5

export interface FiveMer {
  /** bonds of the unit */
  readonly nb: number
  /** the shared id of bonds to `*` and joining bonds (5 · nb) */
  readonly linkId: number
  readonly graph: MatchGraph
  readonly atomicNum: Uint8Array
  readonly aromatic: Uint8Array
  readonly totalHs: Uint8Array
  readonly formalCharge: Int8Array
  readonly isotope: Uint16Array
  readonly bondType: Uint8Array
  /** bond id (upstream's query_dict) of each 5-mer bond */
  readonly bondId: Int32Array
}

/** The 5-mer target of `_build_bond_mapping` (bracketAtoms: atoms written in brackets, from the pattern). */
export const buildFiveMer = (u: RepeatUnit, bracketAtoms?: ArrayLike<boolean>): FiveMer => {
  const m = u.mol
  const N = m.numAtoms
  const nb = m.numBonds
  const K = N_MAPPING_UNITS
  const nAtoms = K * N
  const nBonds = K * nb + (K - 1)
  const begin = new Int32Array(nBonds)
  const end = new Int32Array(nBonds)
  const bondType = new Uint8Array(nBonds)
  const bondId = new Int32Array(nBonds)
  const linkId = K * nb
  const starBond = new Uint8Array(nb)
  for (let b = 0; b < nb; b++) if (m.atomicNum[m.bondBegin[b]!] === 0 || m.atomicNum[m.bondEnd[b]!] === 0) starBond[b] = 1
  for (let i = 0; i < K; i++) {
    for (let b = 0; b < nb; b++) {
      const f = i * nb + b
      begin[f] = i * N + m.bondBegin[b]!
      end[f] = i * N + m.bondEnd[b]!
      bondType[f] = m.bondType[b]!
      bondId[f] = starBond[b] ? linkId : b
    }
  }
  const [c0, c1] = u.cnct
  for (let i = 0; i < K - 1; i++) {
    const f = K * nb + i
    begin[f] = i * N + c1
    end[f] = (i + 1) * N + c0
    bondType[f] = u.bondType
    bondId[f] = linkId
  }
  const atomicNum = new Uint8Array(nAtoms)
  const aromatic = new Uint8Array(nAtoms)
  const totalHs = new Uint8Array(nAtoms)
  const formalCharge = new Int8Array(nAtoms)
  const isotope = new Uint16Array(nAtoms)
  for (let i = 0; i < K; i++) {
    atomicNum.set(m.atomicNum, i * N)
    aromatic.set(m.aromatic, i * N)
    totalHs.set(m.totalHs, i * N)
    formalCharge.set(m.formalCharge, i * N)
    isotope.set(m.isotope, i * N)
  }
  // RemoveHs sanitizes: joined connection atoms whose H count is implicit give hydrogens up
  const order = Math.max(1, u.bondOrder)
  const adjustable = (a: number) => !m.aromatic[a] && !(bracketAtoms?.[a] ?? false)
  const links = new Int32Array(N)
  links[c0]! += 1
  links[c1]! += 1
  const sanitizes = [c0, c1].every((a) => adjustable(a) && m.totalHs[a]! >= order * links[a]!)
  if (sanitizes) {
    for (let i = 0; i < K - 1; i++) {
      totalHs[i * N + c1]! -= order
      totalHs[(i + 1) * N + c0]! -= order
    }
  }
  return { nb, linkId, graph: graphFromBonds(nAtoms, begin, end), atomicNum, aromatic, totalHs, formalCharge, isotope, bondType, bondId }
}

export type BondIdResult =
  | { readonly kind: "ok"; readonly bondIds: Int32Array }
  /** no match (upstream: IndexError, the graph is dropped), or the search gave up (upstream: 3 s timeout) */
  | { readonly kind: "no_match" | "gave_up" }
  /** upstream raises something other than IndexError: the whole prompt path fails */
  | { readonly kind: "error"; readonly reason: string }

/**
 * Bond ids of `mol` (the graph's molecule, parsed from `smiles`) renumbered by `order`, against the
 * 5-mer. `isBase`: the pattern keeps its `*` (match anything); otherwise `_modify` replaces them.
 */
export const graphBondIds = (
  fiveMer: FiveMer,
  smiles: string,
  mol: Molecule,
  order: ArrayLike<number>,
  isBase: boolean,
  options: { readonly maxSteps?: number; readonly pattern?: Pattern } = {},
): BondIdResult => {
  let pattern: Pattern
  try {
    pattern = options.pattern ?? parsePattern(smiles)
  } catch (e) {
    return { kind: "error", reason: `pattern: ${(e as Error).message}` }
  }
  const n = mol.numAtoms
  if (pattern.atoms.length !== n) return { kind: "error", reason: `pattern has ${pattern.atoms.length} atoms, molecule ${n} (RenumberAtoms raises)` }
  const inv = new Int32Array(n)
  for (let i = 0; i < n; i++) inv[order[i]!] = i
  // renumbered pattern: node i = pattern atom order[i]; bonds in their order
  const pb = pattern.bonds
  const qBegin = new Int32Array(pb.length)
  const qEnd = new Int32Array(pb.length)
  for (let e = 0; e < pb.length; e++) {
    qBegin[e] = inv[pb[e]!.a]!
    qEnd[e] = inv[pb[e]!.b]!
  }
  const q = graphFromBonds(n, qBegin, qEnd)
  // `_modify`: the two `*` (atomic number 0) become plain atoms of the other `*`'s neighbour's element
  const stars: number[] = []
  for (let i = 0; i < n; i++) if (pattern.atoms[order[i]!]!.z === 0 && pattern.atoms[order[i]!]!.kind === AtomQueryKind.Any) stars.push(i)
  if (stars.length !== 2) return { kind: "error", reason: `pattern has ${stars.length} '*' atoms (_modify raises)` }
  const plainZ = new Int32Array(n).fill(-1)
  if (!isBase) {
    for (let k = 0; k < 2; k++) {
      const other = stars[1 - k]!
      if (q.start[other + 1]! - q.start[other]! < 1) continue
      const nbr = q.nbr[q.start[other]!]!
      plainZ[stars[k]!] = pattern.atoms[order[nbr]!]!.z
    }
  }
  const t = fiveMer
  const atomCompat = (i: number, j: number): boolean => {
    const pz = plainZ[i]!
    if (pz >= 0) return t.atomicNum[j] === pz
    const a = pattern.atoms[order[i]!]!
    if (a.kind === AtomQueryKind.Type) {
      if (t.atomicNum[j] !== a.z || (t.aromatic[j] === 1) !== a.aromatic) return false
    } else if (a.kind === AtomQueryKind.Number) {
      if (t.atomicNum[j] !== a.z) return false
    }
    if (a.hCount >= 0 && t.totalHs[j] !== a.hCount) return false
    if (a.charge !== null && t.formalCharge[j] !== a.charge) return false
    if (a.isotope !== 0 && t.isotope[j] !== a.isotope) return false
    return true
  }
  const bondCompat = (e: number, f: number): boolean => {
    const b = pb[e]!
    const tt = t.bondType[f]!
    if (b.kind === BondQueryKind.SingleOrAromatic) return tt === BondType.Single || tt === BondType.Aromatic
    if (b.kind === BondQueryKind.Order) return tt === b.type
    return true
  }
  const res = firstSubstructMatch(q, t.graph, { atomCompat, bondCompat, ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }) })
  if (res.kind !== "match") return { kind: res.kind === "none" ? "no_match" : "gave_up" }
  const bondIds = new Int32Array(mol.numBonds)
  const g = t.graph
  for (let b = 0; b < mol.numBonds; b++) {
    const x = res.map[inv[mol.bondBegin[b]!]!]!
    const y = res.map[inv[mol.bondEnd[b]!]!]!
    let f = -1
    for (let k = g.start[x]!; k < g.start[x + 1]!; k++) if (g.nbr[k] === y) f = g.edge[k]!
    if (f < 0) return { kind: "error", reason: `no 5-mer bond between matched atoms of bond ${b}` }
    bondIds[b] = t.bondId[f]!
  }
  return { kind: "ok", bondIds }
}
