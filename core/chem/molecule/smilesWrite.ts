/**
 * RDKit's canonical SMILES writer (`MolToSmiles`, Code/GraphMol/SmilesParse/SmilesWrite.cpp and
 * Code/GraphMol/Canon.cpp as in the MinimalLib build) for the molecules the featurizer writes without
 * RDKit: one fragment, no stereo (no chiral tags, no double-bond stereo, no bond directions), no
 * explicit hydrogen atoms, no atom maps, no aromatic metals. Given the canonical ranks of `rankMolAtoms`
 * (core/chem/canon), it replays the traversal: start at the lowest rank; `dfsFindCycles` (neighbours by
 * rank, ring-closure neighbours first, then non-ring, then ring neighbours by bond type) to find the
 * ring-closure bonds; `dfsBuildStack` (ring closures first, lowest free ring index; branches in rank
 * order, the last one unbranched); then the atom and bond symbols of GetAtomSmiles / GetBondSmiles and
 * the ring-closure digits of FragmentSmilesConstruct.
 *
 * Metal atoms (RDKit's "M" query: anything but `*`, H and the non-metals below) are written as RDKit
 * 2022.09 (the oracle) writes them: in brackets with their H count, their organic-subset neighbours
 * without brackets. RDKit 2025.03 (rdkit/rdkit#8318, in our MinimalLib) brackets every organic-subset
 * atom bonded to a metal (`[CH3][Ge]…`), which is why molecules with metals are written here and not
 * by MinimalLib. An aromatic metal is left to RDKit (2022.09 lower-cases any aromatic symbol).
 *
 * `canWriteSmiles` says whether a molecule is in that subset; callers fall back to RDKit otherwise.
 */
import { DEFAULT_VALENCE, SYMBOL } from "./elements.ts"
import { BondType } from "./types.ts"

/** What the writer reads (a `Molecule` is one; adjacency in RDKit's per-atom bond order). */
export interface SmilesWriteInput {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: ArrayLike<number>
  readonly isotope: ArrayLike<number>
  readonly formalCharge: ArrayLike<number>
  readonly radicalElectrons: ArrayLike<number>
  readonly totalHs: ArrayLike<number>
  readonly aromatic: ArrayLike<number>
  readonly bondBegin: ArrayLike<number>
  readonly bondEnd: ArrayLike<number>
  readonly bondType: ArrayLike<number>
  readonly bondInRing: ArrayLike<number>
  readonly adjStart: ArrayLike<number>
  readonly adjAtom: ArrayLike<number>
  readonly adjBond: ArrayLike<number>
}

export interface WrittenSmiles {
  readonly smiles: string
  /** atom i of the SMILES is atom atomOrder[i] of the molecule (RDKit's _smilesAtomOutputOrder) */
  readonly atomOrder: Int32Array
}

const MAX_NATOMS = 5000
const MAX_BONDTYPE = 32

/** RDKit's organic subset (written without brackets when nothing else asks for them), `*` included. */
const ORGANIC = new Set([0, 5, 6, 7, 8, 9, 15, 16, 17, 35, 53])
/** elements whose aromatic form is written in lower case */
const AROMATIC_LOWER = new Set([5, 6, 7, 8, 14, 15, 16, 33, 34, 52])
/** non-metals: RDKit's "M" query matches every other element (see the module note on metals) */
export const NON_METALS: ReadonlySet<number> = new Set([0, 1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54, 85, 86])

/** Bond valence contribution ×2 (aromatic 3). */
const twiceValence = (t: number): number =>
  t === BondType.Single ? 2 : t === BondType.Double ? 4 : t === BondType.Triple ? 6 : t === BondType.Aromatic ? 3 : t === BondType.Quadruple ? 8 : 0

/** Whether the writer reproduces RDKit for this molecule (see the module note); stereo is the caller's to exclude. */
export const canWriteSmiles = (m: SmilesWriteInput): boolean => {
  if (m.numAtoms === 0) return false
  for (let a = 0; a < m.numAtoms; a++) {
    const z = m.atomicNum[a]!
    if (z === 1 || (!NON_METALS.has(z) && m.aromatic[a])) return false
  }
  for (let b = 0; b < m.numBonds; b++) {
    const t = m.bondType[b]!
    if (t !== BondType.Single && t !== BondType.Double && t !== BondType.Triple && t !== BondType.Aromatic) return false
  }
  // one fragment
  const seen = new Uint8Array(m.numAtoms)
  const stack = [0]
  seen[0] = 1
  let count = 1
  while (stack.length) {
    const x = stack.pop()!
    for (let k = m.adjStart[x]!; k < m.adjStart[x + 1]!; k++) {
      const y = m.adjAtom[k]!
      if (!seen[y]) {
        seen[y] = 1
        count++
        stack.push(y)
      }
    }
  }
  return count === m.numAtoms
}

const atomSymbol = (m: SmilesWriteInput, a: number): string => {
  const z = m.atomicNum[a]!
  const chg = m.formalCharge[a]!
  const iso = m.isotope[a]!
  const hs = m.totalHs[a]!
  const arom = m.aromatic[a] === 1
  let bracket = !ORGANIC.has(z) || chg !== 0 || iso !== 0
  if (!bracket) {
    if (m.radicalElectrons[a]) bracket = true
    else if ((z === 7 || z === 15) && arom && hs > 0) bracket = true
    else if (hs > 0) {
      let twice = 0
      for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) twice += twiceValence(m.bondType[m.adjBond[k]!]!)
      // RDKit rounds the explicit valence (aromatic halves) as accum + 0.1, truncated
      const valence = Math.floor(twice / 2 + 0.1) + hs
      if (valence !== DEFAULT_VALENCE[z]) bracket = true
    }
  }
  let sym = SYMBOL[z]!
  if (arom && AROMATIC_LOWER.has(z)) sym = sym[0]!.toLowerCase() + sym.slice(1)
  if (!bracket) return sym
  let s = "[" + (iso ? String(iso) : "") + sym
  if (hs > 0) s += hs > 1 ? `H${hs}` : "H"
  if (chg > 0) s += chg > 1 ? `+${chg}` : "+"
  else if (chg < 0) s += chg < -1 ? String(chg) : "-"
  return s + "]"
}

const bondSymbol = (m: SmilesWriteInput, b: number): string => {
  const t = m.bondType[b]!
  const x = m.bondBegin[b]!
  const y = m.bondEnd[b]!
  const aromaticEnds = m.aromatic[x] === 1 && m.aromatic[y] === 1 && (m.atomicNum[x] !== 0 || m.atomicNum[y] !== 0)
  switch (t) {
    case BondType.Single:
      return aromaticEnds ? "-" : ""
    case BondType.Double:
      return "="
    case BondType.Triple:
      return "#"
    case BondType.Aromatic:
      return aromaticEnds ? "" : ":"
    default:
      return "~"
  }
}

const enum Color {
  White = 0,
  Grey = 1,
  Black = 2,
}

/** Canonical SMILES of a molecule in the writer's subset, given RDKit's canonical ranks. */
export const writeCanonicalSmiles = (m: SmilesWriteInput, ranks: ArrayLike<number>): WrittenSmiles => {
  const n = m.numAtoms
  let start = 0
  for (let a = 1; a < n; a++) if (ranks[a]! < ranks[start]!) start = a
  const other = (b: number, a: number): number => (m.bondBegin[b] === a ? m.bondEnd[b]! : m.bondBegin[b]!)

  // ---- dfsFindCycles
  const colors = new Uint8Array(n)
  const ringClosures: number[][] = Array.from({ length: n }, () => [])
  const findCycles = (a: number, inBond: number): void => {
    colors[a] = Color.Grey
    const possibles: [number, number, number][] = []
    for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) {
      const b = m.adjBond[k]!
      if (b === inBond) continue
      const o = m.adjAtom[k]!
      let rank = ranks[o]!
      if (colors[o] === Color.Grey) {
        rank -= (MAX_BONDTYPE + 1) * MAX_NATOMS * MAX_NATOMS
        rank += (MAX_BONDTYPE - m.bondType[b]!) * MAX_NATOMS
      } else if (m.bondInRing[b]) rank += (MAX_BONDTYPE - m.bondType[b]!) * MAX_NATOMS * MAX_NATOMS
      possibles.push([rank, o, b])
    }
    possibles.sort((p, q) => p[0] - q[0])
    for (const [, o, b] of possibles) {
      if (colors[o] === Color.White) findCycles(o, b)
      else if (colors[o] === Color.Grey) {
        ringClosures[o]!.push(b)
        ringClosures[a]!.push(b)
      }
    }
    colors[a] = Color.Black
  }
  findCycles(start, -1)

  // ---- dfsBuildStack, emitting as FragmentSmilesConstruct does
  colors.fill(Color.White)
  const atomOrder: number[] = []
  let out = ""
  /** ring index (1-based) of each open ring-closure bond, by bond */
  const traversalRing = new Int32Array(m.numBonds)
  const cyclesAvailable: boolean[] = []
  const lowestFree = (): number => {
    let i = 0
    while (cyclesAvailable[i] === false) i++
    return i
  }
  // FragmentSmilesConstruct's digit bookkeeping: ring index -> digit, released at the next atom
  const ringDigit = new Map<number, number>()
  let toErase: number[] = []
  const emitRing = (ringIdx: number) => {
    let digit: number
    const open = ringDigit.get(ringIdx)
    if (open !== undefined) {
      digit = open
      toErase.push(ringIdx)
    } else {
      digit = 1
      const used = new Set(ringDigit.values())
      while (used.has(digit)) digit++
      ringDigit.set(ringIdx, digit)
    }
    out += digit < 10 ? String(digit) : digit < 100 ? `%${digit}` : `%(${digit})`
  }
  const emitAtom = (a: number) => {
    for (const r of toErase) ringDigit.delete(r)
    toErase = []
    out += atomSymbol(m, a)
    atomOrder.push(a)
  }
  const build = (a: number, inBond: number): void => {
    const seenFromHere = new Set<number>([a])
    emitAtom(a)
    colors[a] = Color.Grey
    const closures = ringClosures[a]!
    if (closures.length > 0) {
      const closed: number[] = []
      for (const b of closures) {
        seenFromHere.add(other(b, a))
        const ringIdx = traversalRing[b]!
        if (ringIdx > 0) {
          // closing: the bond, then its ring index
          out += bondSymbol(m, b)
          emitRing(ringIdx)
          closed.push(ringIdx - 1)
        } else {
          const lowest = lowestFree()
          cyclesAvailable[lowest] = false
          traversalRing[b] = lowest + 1
          emitRing(lowest + 1)
        }
      }
      for (const r of closed) cyclesAvailable[r] = true
    }
    const possibles: [number, number, number][] = []
    for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) {
      const b = m.adjBond[k]!
      if (b === inBond) continue
      const o = m.adjAtom[k]!
      if (colors[o] !== Color.White || seenFromHere.has(o)) continue
      let rank = ranks[o]!
      if (m.bondInRing[b]) rank += (MAX_BONDTYPE - m.bondType[b]!) * MAX_NATOMS * MAX_NATOMS
      possibles.push([rank, o, b])
    }
    possibles.sort((p, q) => p[0] - q[0])
    for (let i = 0; i < possibles.length; i++) {
      const [, o, b] = possibles[i]!
      if (colors[o] !== Color.White) continue
      const branch = i + 1 < possibles.length
      if (branch) out += "("
      out += bondSymbol(m, b)
      build(o, b)
      if (branch) out += ")"
    }
    colors[a] = Color.Black
  }
  build(start, -1)
  return { smiles: out, atomOrder: Int32Array.from(atomOrder) }
}
