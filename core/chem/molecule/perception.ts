/**
 * Conjugation and hybridization as RDKit perceives them (MolOps::setConjugation / setHybridization;
 * MinimalLib exposes neither per atom). Plain functions over the typed arrays of a Molecule under
 * construction.
 */
import { BondType, ChiralTag, Hybridization } from "./types.ts"
import { DEFAULT_VALENCE, N_OUTER_ELECTRONS } from "./elements.ts"

export interface PerceptionInput {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: Uint8Array
  readonly formalCharge: Int8Array
  readonly radicalElectrons: Uint8Array
  readonly totalHs: Uint8Array
  readonly degree: Uint8Array
  readonly chiralTag: Uint8Array
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  readonly bondType: Uint8Array
  readonly kekuleOrder: Uint8Array
  readonly adjStart: Int32Array
  readonly adjAtom: Int32Array
  readonly adjBond: Int32Array
}

/** Bond valence contribution (RDKit Bond::getValenceContrib; aromatic 1.5). */
const valenceContrib = (t: number): number => {
  switch (t) {
    case BondType.Single:
      return 1
    case BondType.Double:
      return 2
    case BondType.Triple:
      return 3
    case BondType.Quadruple:
      return 4
    case BondType.Aromatic:
      return 1.5
    default:
      return 0
  }
}

/** Explicit valence as RDKit computes it: bond contributions (rounded like RDKit) plus explicit Hs. */
export const totalValence = (m: PerceptionInput, a: number): number => {
  let accum = 0
  for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) accum += valenceContrib(m.bondType[m.adjBond[k]!]!)
  // RDKit: accum += 0.1 then truncates — aromatic 1.5 + 1.5 + 1 = 4
  return Math.floor(accum + 0.1) + m.totalHs[a]!
}

/** MolOps::countAtomElec (electrons an atom can donate to a pi system); -1: none. */
const countAtomElec = (m: PerceptionInput, a: number): number => {
  const z = m.atomicNum[a]!
  const dv = DEFAULT_VALENCE[z] ?? -1
  if (dv <= 1) return -1
  const degree = m.degree[a]! + m.totalHs[a]!
  if (degree > 3) return -1
  let nlp = (N_OUTER_ELECTRONS[z] ?? 0) - dv
  nlp = Math.max(nlp - m.formalCharge[a]!, 0)
  let res = dv - degree + nlp - m.radicalElectrons[a]!
  if (res > 1) {
    const explicitValence = totalValence(m, a) - m.totalHs[a]!
    const nUnsaturations = explicitValence - m.degree[a]!
    if (nUnsaturations > 1) res = 1
  }
  return res
}

const isConjugCandidate = (m: PerceptionInput, a: number, totalDegree: number): boolean => {
  const z = m.atomicNum[a]!
  const nouter = N_OUTER_ELECTRONS[z] ?? 0
  return (z <= 10 || (nouter !== 5 && nouter !== 6) || (nouter === 6 && totalDegree < 2)) && countAtomElec(m, a) > 0
}

/** MolOps::setConjugation. */
export const perceiveConjugation = (m: PerceptionInput, aromaticBond: Uint8Array): Uint8Array => {
  const conj = new Uint8Array(m.numBonds)
  for (let b = 0; b < m.numBonds; b++) conj[b] = aromaticBond[b]!
  for (let a = 0; a < m.numAtoms; a++) {
    const td = m.degree[a]! + m.totalHs[a]!
    if (!isConjugCandidate(m, a, td)) continue
    if (td < 2 || td > 3) continue
    const s = m.adjStart[a]!
    const e = m.adjStart[a + 1]!
    for (let i = s; i < e; i++) {
      const b1 = m.adjBond[i]!
      if (valenceContrib(m.bondType[b1]!) < 1.5) continue
      for (let j = s; j < e; j++) {
        if (j === i) continue
        const b2 = m.adjBond[j]!
        const a2 = m.adjAtom[j]!
        const td2 = m.degree[a2]! + m.totalHs[a2]!
        if (td2 > 3) continue
        if (isConjugCandidate(m, a2, td2)) {
          conj[b1] = 1
          conj[b2] = 1
        }
      }
    }
  }
  return conj
}

const numBondsPlusLonePairs = (m: PerceptionInput, a: number): number => {
  let deg = m.degree[a]! + m.totalHs[a]!
  for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) if (m.bondType[m.adjBond[k]!] === BondType.Zero) deg--
  const z = m.atomicNum[a]!
  if (z <= 1) return deg
  const nouter = N_OUTER_ELECTRONS[z] ?? 0
  const tv = totalValence(m, a)
  const chg = m.formalCharge[a]!
  const free = nouter - (tv + chg)
  if (tv + nouter - chg < 8) {
    const rad = m.radicalElectrons[a]!
    return deg + Math.trunc((free - rad) / 2) + rad
  }
  return deg + Math.trunc(free / 2)
}

/** MolOps::setHybridization (needs conjugation first). */
export const perceiveHybridization = (m: PerceptionInput, conjugated: Uint8Array): Uint8Array => {
  const h = new Uint8Array(m.numAtoms)
  for (let a = 0; a < m.numAtoms; a++) {
    const z = m.atomicNum[a]!
    if (z === 0) {
      h[a] = Hybridization.Unspecified
      continue
    }
    const td = m.degree[a]! + m.totalHs[a]!
    const tag = m.chiralTag[a]!
    if ((tag === ChiralTag.CW || tag === ChiralTag.CCW) && td === 4) {
      h[a] = Hybridization.SP3
      continue
    }
    const norbs = z < 89 ? numBondsPlusLonePairs(m, a) : td
    switch (norbs) {
      case 0:
      case 1:
        h[a] = Hybridization.S
        break
      case 2:
        h[a] = Hybridization.SP
        break
      case 3:
        h[a] = Hybridization.SP2
        break
      case 4: {
        let hasConj = false
        for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) if (conjugated[m.adjBond[k]!]) hasConj = true
        h[a] = td > 3 || !hasConj ? Hybridization.SP3 : Hybridization.SP2
        break
      }
      case 5:
        h[a] = Hybridization.SP3D
        break
      case 6:
        h[a] = Hybridization.SP3D2
        break
      default:
        h[a] = Hybridization.Unspecified
    }
  }
  return h
}
