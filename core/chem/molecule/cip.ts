/**
 * RDKit's legacy stereo perception for molecules without any stereo specified (no chiral tags, no
 * double-bond stereo): the legacy CIP ranks (`assignAtomCIPRanks`: Chirality.cpp buildCIPInvariants +
 * iterateCIPRanks) and the possible stereocentres it flags (`_ChiralityPossible`: a legal tetrahedral
 * centre whose neighbours all rank differently, isAtomPotentialChiralCenter in the MinimalLib build).
 *
 * `legacyStereo` returns undefined where RDKit's answer hangs on a case not reproduced here
 * (three-coordinate P, As, S or Se; isotopes; hydrogen atoms; bonds other than single, double, triple
 * and aromatic) — callers ask RDKit then. Atom-map numbers (which enter the invariants) are the
 * caller's to exclude.
 */
import { BondType, Hybridization } from "./types.ts"

export interface CipInput {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: ArrayLike<number>
  readonly isotope: ArrayLike<number>
  readonly totalHs: ArrayLike<number>
  readonly formalCharge: ArrayLike<number>
  readonly hybridization: ArrayLike<number>
  readonly conjugated: ArrayLike<number>
  readonly bondType: ArrayLike<number>
  readonly bondBegin: ArrayLike<number>
  readonly bondEnd: ArrayLike<number>
  readonly adjStart: ArrayLike<number>
  readonly adjAtom: ArrayLike<number>
  readonly adjBond: ArrayLike<number>
  /** RDKit's ring list as atom cycles */
  readonly rings: readonly ArrayLike<number>[]
}

const twiceBondType = (t: number): number =>
  t === BondType.Single ? 2 : t === BondType.Double ? 4 : t === BondType.Triple ? 6 : t === BondType.Quadruple ? 8 : t === BondType.Aromatic ? 3 : 0

/**
 * Legacy CIP ranks (RDKit `_CIPRank`; no isotopes or atom maps: the first invariant is the atomic
 * number). Each round, an atom's entry is its current rank followed by its neighbours' ranks + 1, each
 * repeated twice the bond order (aromatic 3 times; a double bond to a 3/4-coordinate P once), highest
 * first, then a 0 per hydrogen; the new ranks are the dense ranks of those entries. At most
 * numAtoms/2 + 1 rounds, stopping when the number of classes stops growing or every atom is alone.
 * (RDKit's entries carry the atomic number and the rank history in front; the current rank refines
 * them all, so comparing it alone orders the atoms the same way.)
 */
export const legacyCipRanks = (m: CipInput): Int32Array => {
  const n = m.numAtoms
  let ranks = new Int32Array(n)
  const byZ = Array.from({ length: n }, (_, i) => i).sort((x, y) => m.atomicNum[x]! - m.atomicNum[y]!)
  let numRanks = 0
  for (let i = 0; i < n; i++) {
    if (i > 0 && m.atomicNum[byZ[i]!] !== m.atomicNum[byZ[i - 1]!]) numRanks++
    ranks[byZ[i]!] = numRanks
  }
  numRanks = n === 0 ? 0 : numRanks + 1
  // neighbour weights
  const weight = new Int32Array(2 * m.numBonds)
  for (let a = 0; a < n; a++) {
    for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) {
      const b = m.adjBond[k]!
      const o = m.adjAtom[k]!
      const t = m.bondType[b]!
      let deg = 0
      if (t === BondType.Double && m.atomicNum[o] === 15) deg = m.adjStart[o + 1]! - m.adjStart[o]!
      weight[k] = deg === 3 || deg === 4 ? 1 : twiceBondType(t)
    }
  }
  const maxIts = Math.floor(n / 2) + 1
  let lastNumRanks = -1
  let numIts = 0
  const entries: number[][] = Array.from({ length: n }, () => [])
  const order = Array.from({ length: n }, (_, i) => i)
  const nbr: number[] = []
  const cmp = (x: number, y: number): number => {
    const d = ranks[x]! - ranks[y]!
    if (d !== 0) return d
    const a = entries[x]!
    const b = entries[y]!
    const l = Math.min(a.length, b.length)
    for (let k = 0; k < l; k++) if (a[k] !== b[k]) return a[k]! - b[k]!
    return a.length - b.length
  }
  while (numRanks < n && numIts < maxIts && (lastNumRanks < 0 || lastNumRanks < numRanks)) {
    for (let a = 0; a < n; a++) {
      nbr.length = 0
      for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) nbr.push(k)
      nbr.sort((x, y) => ranks[m.adjAtom[y]!]! - ranks[m.adjAtom[x]!]!)
      const row = entries[a]!
      row.length = 0
      for (const k of nbr) {
        const v = ranks[m.adjAtom[k]!]! + 1
        for (let c = 0; c < weight[k]!; c++) row.push(v)
      }
      for (let h = 0; h < m.totalHs[a]!; h++) row.push(0)
    }
    order.sort(cmp)
    const next = new Int32Array(n)
    let r = 0
    for (let i = 0; i < n; i++) {
      if (i > 0 && cmp(order[i - 1]!, order[i]!) !== 0) r++
      next[order[i]!] = r
    }
    lastNumRanks = numRanks
    numRanks = r + 1
    ranks = next
    numIts++
  }
  return ranks
}

/** RDKit's queryIsAtomBridgehead. */
const isBridgehead = (m: CipInput, a: number, ringBonds: readonly Set<number>[]): boolean => {
  if (m.adjStart[a + 1]! - m.adjStart[a]! < 3) return false
  const atomRingBonds = new Set<number>()
  for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) {
    const b = m.adjBond[k]!
    if (ringBonds.some((r) => r.has(b))) atomRingBonds.add(b)
  }
  if (atomRingBonds.size < 3) return false
  const involved = (r: Set<number>) => [...r].some((b) => atomRingBonds.has(b))
  const covered = new Set<number>()
  for (let i = 0; i < ringBonds.length; i++) {
    const ri = ringBonds[i]!
    if (!involved(ri)) continue
    for (let j = i + 1; j < ringBonds.length; j++) {
      const rj = ringBonds[j]!
      if (!involved(rj)) continue
      let overlap = 0
      for (const b of rj) if (ri.has(b)) overlap++
      if (overlap > 1) {
        for (const b of ri) if (atomRingBonds.has(b)) covered.add(b)
        for (const b of rj) if (atomRingBonds.has(b)) covered.add(b)
      }
    }
  }
  return covered.size === atomRingBonds.size
}

/** The legacy perception's output for a stereo-free molecule. */
export interface LegacyStereo {
  /** `_CIPRank`, or −1 everywhere when RDKit does not rank (no legal centre, no potential stereo double bond) */
  readonly cipRank: Int32Array
  /** `_ChiralityPossible` */
  readonly possible: Uint8Array
}

/** Smallest ring through each bond (0: none), from the ring list. */
const minBondRingSizes = (m: CipInput): Int32Array => {
  const out = new Int32Array(m.numBonds)
  for (const r of m.rings) {
    for (let k = 0; k < r.length; k++) {
      const x = r[k]!
      const y = r[(k + 1) % r.length]!
      for (let q = m.adjStart[x]!; q < m.adjStart[x + 1]!; q++) {
        if (m.adjAtom[q] !== y) continue
        const b = m.adjBond[q]!
        if (out[b] === 0 || r.length < out[b]!) out[b] = r.length
      }
    }
  }
  return out
}

/**
 * RDKit's legacy stereo perception (`assignStereochemistry`, flagging possible centres) of a molecule
 * without stereo: the CIP ranks are computed when some atom is a legal tetrahedral centre or some
 * double bond could carry stereo (not in a ring smaller than 8), and a legal centre whose neighbours all
 * rank differently is flagged. Undefined where a case this does not reproduce decides it.
 */
export const legacyStereo = (m: CipInput): LegacyStereo | undefined => {
  const n = m.numAtoms
  // isotopes enter the CIP invariants, hydrogen atoms and unusual bonds the centre rules: not here
  for (let a = 0; a < n; a++) if (m.isotope[a] !== 0 || m.atomicNum[a] === 1) return undefined
  for (let b = 0; b < m.numBonds; b++) {
    const t = m.bondType[b]!
    if (t !== BondType.Single && t !== BondType.Double && t !== BondType.Triple && t !== BondType.Aromatic) return undefined
  }
  const legal = new Uint8Array(n)
  let anyLegal = false
  let ringBonds: Set<number>[] | undefined
  for (let a = 0; a < n; a++) {
    const z = m.atomicNum[a]!
    const deg = m.adjStart[a + 1]! - m.adjStart[a]!
    const hs = m.totalHs[a]!
    const tnz = deg + hs
    if (tnz > 4 || tnz < 3) continue
    if (deg < 3) {
      if (z === 15 || z === 33) return undefined
      continue
    }
    if (deg === 3 && hs !== 1) {
      if (z === 15 || z === 33 || z === 16 || z === 34) return undefined
      if (z !== 7) continue
      // three-coordinate N: sp3, no conjugated bond, in a 3-ring or a bridgehead
      if (m.hybridization[a] !== Hybridization.SP3) continue
      let conj = false
      for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) if (m.conjugated[m.adjBond[k]!]) conj = true
      if (conj) continue
      const in3 = m.rings.some((r) => r.length === 3 && Array.prototype.includes.call(r, a))
      if (!in3) {
        ringBonds ??= m.rings.map((r) => {
          const set = new Set<number>()
          for (let k = 0; k < r.length; k++) {
            const x = r[k]!
            const y = r[(k + 1) % r.length]!
            for (let q = m.adjStart[x]!; q < m.adjStart[x + 1]!; q++) if (m.adjAtom[q] === y) set.add(m.adjBond[q]!)
          }
          return set
        })
        if (!isBridgehead(m, a, ringBonds)) continue
      }
    }
    legal[a] = 1
    anyLegal = true
  }
  let potentialBond = false
  if (!anyLegal) {
    const minRing = minBondRingSizes(m)
    for (let b = 0; b < m.numBonds && !potentialBond; b++)
      if (m.bondType[b] === BondType.Double && (minRing[b] === 0 || minRing[b]! >= 8)) potentialBond = true
  }
  const possible = new Uint8Array(n)
  if (!anyLegal && !potentialBond) return { cipRank: new Int32Array(n).fill(-1), possible }
  const ranks = legacyCipRanks(m)
  for (let a = 0; a < n; a++) {
    if (!legal[a]) continue
    // neighbours must all rank differently
    let dupes = false
    for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]! && !dupes; k++)
      for (let q = m.adjStart[a]!; q < k; q++) if (ranks[m.adjAtom[q]!] === ranks[m.adjAtom[k]!]) dupes = true
    if (!dupes) possible[a] = 1
  }
  return { cipRank: ranks, possible }
}
