/**
 * SMILES → Molecule through RDKit MinimalLib: one `get_mol`, one `get_json`, and — for a SMILES with
 * stereo marks — one `get_stereo_tags`, the WebAssembly object deleted before returning. Conjugation
 * and hybridization are perceived here (perception.ts) with RDKit's own rules, as are the possible
 * stereocentres of a stereo-free molecule (cip.ts).
 */
import { parsePattern } from "../graph/pattern.ts"
import { bondAdjacency } from "./adjacency.ts"
import type { RDKit } from "../../runtime/rdkit.ts"
import { ATOMIC_WEIGHT, ISOTOPE_MASS } from "./elements.ts"
import { legacyStereo } from "./cip.ts"
import { perceiveConjugation, perceiveHybridization } from "./perception.ts"
import { BondStereo, BondType, ChiralTag, Cip, type Molecule } from "./types.ts"

type RDMol = NonNullable<ReturnType<RDKit["get_mol"]>>

interface JsonAtom {
  z?: number
  impHs?: number
  chg?: number
  nRad?: number
  isotope?: number
  stereo?: string
}
interface JsonBond {
  bo?: number
  atoms: [number, number]
  stereo?: string
  stereoAtoms?: [number, number]
}
interface JsonExtension {
  name?: string
  aromaticAtoms?: number[]
  aromaticBonds?: number[]
  atomRings?: number[][]
  cipRanks?: number[]
  cipCodes?: [number, string][]
}
export interface RdkitJsonMolecule {
  atoms: JsonAtom[]
  bonds?: JsonBond[]
  extensions?: JsonExtension[]
}
interface RdkitJson {
  defaults?: { atom?: JsonAtom; bond?: Omit<JsonBond, "atoms"> }
  molecules: RdkitJsonMolecule[]
}

/**
 * RDKit 2022.09 (what upstream and the oracle run) perceives stereo with the legacy code: CIP codes,
 * `_CIPRank` and E/Z come from it. MinimalLib 2026 defaults to the new code. The mode is a global of
 * the module, so every call here sets the mode it needs.
 *
 * MinimalLib's legacy perception and its SMILES writer recurse once per atom along a chain and overflow
 * the WebAssembly stack (a trap that poisons the instance) somewhere above ~850 chained atoms; above
 * LEGACY_ATOM_LIMIT atoms the new perception is used (see `Molecule`-level note in the report).
 */
export const LEGACY_ATOM_LIMIT = 500
/** Largest molecule whose canonical SMILES MinimalLib can write without overflowing its stack. */
export const SMILES_WRITE_ATOM_LIMIT = 500

export const setStereoMode = (rdkit: RDKit, legacy: boolean): void => {
  rdkit.use_legacy_stereo_perception(legacy)
}

/** A hydrogen atom written in brackets (`[H]`, `[2H]`, `[H+]`; not `[Hg]`, `[CH3]`). */
const HYDROGEN_ATOM = /\[\d*H(?![a-z])/
/** Stereo marks or a CXSMILES extension (the molecule may carry stereo), or atom-map numbers (they enter the CIP invariants). */
const STEREO_TEXT = /[@/\\|]|:\d+\]/

/** A chiral bracket atom written with hydrogens (`[C@@H]`). */
const CHIRAL_WITH_H = /\[[^\]]*@[^\]]*H/

/**
 * Whether the reader dropped hydrogens a bracket atom was written with: RDKit ≥ 2023 drops the H of a
 * chiral atom that it would overfill (`C[C@@H](Cl)(C)F` reads as `CC(C)(F)Cl`), where RDKit 2022.09
 * refuses the SMILES (explicit valence 5 on carbon). Atoms in parse order (no hydrogen atoms).
 */
const dropsWrittenHydrogens = (smiles: string, m: Molecule): boolean => {
  const atoms = parsePattern(smiles).atoms
  if (atoms.length !== m.numAtoms) return false
  return atoms.some((a, i) => a.bracket && a.hCount > 0 && m.totalHs[i]! < a.hCount)
}

/**
 * An aromatic bond written between atoms that are not aromatic (`*C:C*`, outside any ring): RDKit
 * keeps it AROMATIC (Kekulé order 1), but its JSON, which this layer reads, says "zero-order bond".
 * The SMILES says which bonds those are; conjugation and hybridization are perceived again with them.
 */
const withChainAromaticBonds = (smiles: string, m: Molecule): Molecule => {
  if (!m.bondType.includes(BondType.Zero) || HYDROGEN_ATOM.test(smiles)) return m
  const bonds = parsePattern(smiles).bonds
  if (bonds.length !== m.numBonds) return m
  const bondType = Uint8Array.from(m.bondType)
  const kekuleOrder = Uint8Array.from(m.kekuleOrder)
  let changed = false
  for (let b = 0; b < m.numBonds; b++) {
    const p = bonds[b]!
    const same = (p.a === m.bondBegin[b] && p.b === m.bondEnd[b]) || (p.a === m.bondEnd[b] && p.b === m.bondBegin[b])
    if (bondType[b] !== BondType.Zero || !same || p.type !== BondType.Aromatic) continue
    bondType[b] = BondType.Aromatic
    kekuleOrder[b] = 1
    changed = true
  }
  if (!changed) return m
  const fixed = { ...m, bondType, kekuleOrder }
  const aromaticBond = new Uint8Array(m.numBonds)
  for (let b = 0; b < m.numBonds; b++) if (bondType[b] === BondType.Aromatic) aromaticBond[b] = 1
  const conjugated = perceiveConjugation(fixed, aromaticBond)
  return { ...fixed, conjugated, hybridization: perceiveHybridization(fixed, conjugated) }
}

/** MinimalLib's SMILES reader without its RemoveHs pass (nothing to remove without hydrogen atoms). */
const KEEP_HS = JSON.stringify({ removeHs: false })

/**
 * Parse with RDKit (sanitized). `undefined` when RDKit cannot parse or sanitize it.
 *
 * A SMILES without stereo marks skips `get_stereo_tags` (a second stereo perception and a CIP
 * labelling): its possible stereocentres come from RDKit's legacy rules in TypeScript (cip.ts), which
 * give the same flags; without hydrogen atoms either, it also skips MinimalLib's RemoveHs pass.
 */
export const parseMolecule = (rdkit: RDKit, smiles: string): Molecule | undefined => {
  let mol: RDMol | null = null
  try {
    // a SMILES has at most as many atoms as characters: short ones go straight to legacy perception
    let legacy = smiles.length <= LEGACY_ATOM_LIMIT
    // (with stereo marks RemoveHs matters even without hydrogen atoms: `[C@@H]` on a saturated carbon)
    const stereoFree = !STEREO_TEXT.test(smiles)
    const keepHs = stereoFree && !HYDROGEN_ATOM.test(smiles)
    setStereoMode(rdkit, legacy)
    mol = keepHs ? rdkit.get_mol(smiles, KEEP_HS) : rdkit.get_mol(smiles)
    if (mol === null || !mol.is_valid()) return undefined
    if (!legacy && mol.get_num_atoms() <= LEGACY_ATOM_LIMIT) {
      mol.delete()
      mol = null
      setStereoMode(rdkit, true)
      legacy = true
      mol = keepHs ? rdkit.get_mol(smiles, KEEP_HS) : rdkit.get_mol(smiles)
      if (mol === null || !mol.is_valid()) return undefined
    }
    const m = moleculeFromRdkitMol(mol, legacy && stereoFree)
    if (CHIRAL_WITH_H.test(smiles) && !HYDROGEN_ATOM.test(smiles) && dropsWrittenHydrogens(smiles, m)) return undefined
    return withChainAromaticBonds(smiles, m)
  } catch {
    return undefined
  } finally {
    mol?.delete()
    setStereoMode(rdkit, false)
  }
}

/**
 * Build a Molecule from a live MinimalLib molecule (which the caller owns and deletes). `stereoFree`:
 * the molecule has no chiral tags and no double-bond stereo and was perceived with the legacy code —
 * its possible stereocentres are then found in TypeScript instead of asking MinimalLib.
 */
export const moleculeFromRdkitMol = (mol: RDMol, stereoFree = false): Molecule => {
  const json = JSON.parse(mol.get_json()) as RdkitJson
  if (stereoFree) {
    const m = moleculeFromJson(json, {})
    let stereo: ReturnType<typeof legacyStereo>
    try {
      stereo = legacyStereo(m)
    } catch {
      stereo = undefined // MinimalLib's tags below
    }
    if (stereo !== undefined) {
      for (let a = 0; a < m.numAtoms; a++) {
        if (!stereo.possible[a]) continue
        ;(m.chiralityPossible as Uint8Array)[a] = 1
        ;(m.cip as Uint8Array)[a] = Cip.Unassigned
      }
      return m
    }
  }
  const tags = JSON.parse(mol.get_stereo_tags()) as { CIP_atoms?: [number, string][]; CIP_bonds?: [number, number, string][] }
  return moleculeFromJson(json, tags)
}

const chiralFromJson = (s: string | undefined): number =>
  s === undefined || s === "unspecified" ? ChiralTag.Unspecified : s === "cw" ? ChiralTag.CW : s === "ccw" ? ChiralTag.CCW : ChiralTag.Other

export const atomMass = (z: number, isotope: number): number => {
  if (isotope !== 0) {
    const t = ISOTOPE_MASS[z] ?? []
    for (let k = 0; k < t.length; k += 2) if (t[k] === isotope) return t[k + 1]!
    return z === 0 ? 0 : isotope
  }
  return ATOMIC_WEIGHT[z] ?? 0
}

/**
 * A live MinimalLib molecule (read from `smiles`) with RDKit 2022.09's perception (bond types,
 * conjugation, hybridization) and no stereo perception: what the descriptor engine reads (mordred's
 * descriptors are 2D).
 */
export const moleculeWithoutStereo = (mol: RDMol, smiles: string): Molecule =>
  withChainAromaticBonds(smiles, moleculeFromJson(JSON.parse(mol.get_json()) as RdkitJson, {}))

const moleculeFromJson = (
  json: RdkitJson,
  tags: { CIP_atoms?: [number, string][]; CIP_bonds?: [number, number, string][] },
): Molecule => {
  const src = json.molecules[0]
  if (src === undefined) throw new Error("RDKit JSON without a molecule")
  const da = json.defaults?.atom ?? {}
  const db = json.defaults?.bond ?? {}
  const ext: JsonExtension = src.extensions?.find((e) => e.name === "rdkitRepresentation") ?? {}
  const n = src.atoms.length
  const jb = src.bonds ?? []
  const nb = jb.length

  const atomicNum = new Uint8Array(n)
  const isotope = new Uint16Array(n)
  const formalCharge = new Int8Array(n)
  const radicalElectrons = new Uint8Array(n)
  const totalHs = new Uint8Array(n)
  const degree = new Uint8Array(n)
  const aromatic = new Uint8Array(n)
  const atomInRing = new Uint8Array(n)
  const chiralTag = new Uint8Array(n)
  const chiralityPossible = new Uint8Array(n)
  const cip = new Uint8Array(n)
  const cipRank = new Int32Array(n).fill(-1)
  const mass = new Float64Array(n)

  for (let i = 0; i < n; i++) {
    const a = src.atoms[i]!
    const z = a.z ?? da.z ?? 6
    atomicNum[i] = z
    isotope[i] = a.isotope ?? da.isotope ?? 0
    formalCharge[i] = a.chg ?? da.chg ?? 0
    radicalElectrons[i] = a.nRad ?? da.nRad ?? 0
    totalHs[i] = a.impHs ?? da.impHs ?? 0
    chiralTag[i] = chiralFromJson(a.stereo ?? da.stereo)
    mass[i] = atomMass(z, isotope[i]!)
  }
  for (const i of ext.aromaticAtoms ?? []) aromatic[i] = 1
  ext.cipRanks?.forEach((r, i) => (cipRank[i] = r))
  const legacy = ext.cipRanks !== undefined
  if (legacy) {
    for (const [i, c] of ext.cipCodes ?? []) cip[i] = c === "R" ? Cip.R : c === "S" ? Cip.S : Cip.None
  } else {
    for (const [i, c] of tags.CIP_atoms ?? []) cip[i] = c === "(R)" ? Cip.R : c === "(S)" ? Cip.S : Cip.None
  }
  // RDKit 2022.09 flags _ChiralityPossible on a stereocentre whose neighbours all rank differently:
  // an assigned one (it has a CIP code) or an unspecified one; a specified atom without a code
  // (ring cis/trans stereo, e.g. 1,4-cyclohexylene) is not flagged.
  for (const [i] of tags.CIP_atoms ?? []) {
    if (cip[i] !== Cip.None || chiralTag[i] === ChiralTag.Unspecified) chiralityPossible[i] = 1
    if (cip[i] === Cip.None) cip[i] = Cip.Unassigned
  }

  const bondBegin = new Int32Array(nb)
  const bondEnd = new Int32Array(nb)
  const bondType = new Uint8Array(nb)
  const kekuleOrder = new Uint8Array(nb)
  const bondInRing = new Uint8Array(nb)
  const bondStereo = new Uint8Array(nb)
  const bondStereoAtoms = new Int32Array(2 * nb).fill(-1)
  const aromaticBond = new Uint8Array(nb)
  for (const b of ext.aromaticBonds ?? []) aromaticBond[b] = 1
  for (let b = 0; b < nb; b++) {
    const x = jb[b]!
    bondBegin[b] = x.atoms[0]
    bondEnd[b] = x.atoms[1]
    degree[x.atoms[0]]!++
    degree[x.atoms[1]]!++
    const bo = x.bo ?? db.bo ?? 1
    kekuleOrder[b] = bo
    bondType[b] = aromaticBond[b]
      ? BondType.Aromatic
      : bo === 0
        ? BondType.Zero
        : bo === 1
          ? BondType.Single
          : bo === 2
            ? BondType.Double
            : bo === 3
              ? BondType.Triple
              : bo === 4
                ? BondType.Quadruple
                : BondType.Unspecified
  }

  // CSR adjacency in bond order (RDKit's per-atom bond order for a freshly parsed molecule)
  const { adjStart, adjAtom, adjBond } = bondAdjacency(n, bondBegin, bondEnd)

  // rings
  const rings = (ext.atomRings ?? []).map((r) => Int32Array.from(r))
  const ringPair = new Set<number>()
  for (const r of rings) {
    for (let k = 0; k < r.length; k++) {
      const u = r[k]!
      const v = r[(k + 1) % r.length]!
      atomInRing[u] = 1
      ringPair.add(u < v ? u * n + v : v * n + u)
    }
  }
  for (let b = 0; b < nb; b++) {
    const u = bondBegin[b]!
    const v = bondEnd[b]!
    if (ringPair.has(u < v ? u * n + v : v * n + u)) bondInRing[b] = 1
  }

  // double-bond stereo: JSON gives cis/trans relative to two reference atoms; RDKit 2022.09 (legacy)
  // stores E/Z relative to the highest-_CIPRank neighbour of each end.
  const best = (a: number, other: number): number => {
    let bi = -1
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
      const x = adjAtom[k]!
      if (x === other) continue
      if (bi < 0 || cipRank[x]! > cipRank[bi]!) bi = x
    }
    return bi
  }
  for (let b = 0; b < nb; b++) {
    const x = jb[b]!
    const s = x.stereo ?? db.stereo
    if (s === undefined || s === "unspecified" || s === "none") continue
    if (s === "either" || s === "any") {
      bondStereo[b] = BondStereo.Any
      continue
    }
    const [sa, sb] = x.stereoAtoms ?? [-1, -1]
    bondStereoAtoms[2 * b] = sa
    bondStereoAtoms[2 * b + 1] = sb
    if (!legacy) {
      const t = tags.CIP_bonds?.find(([u, v]) => (u === bondBegin[b] && v === bondEnd[b]) || (u === bondEnd[b] && v === bondBegin[b]))
      bondStereo[b] = t?.[2] === "(Z)" ? BondStereo.Z : t?.[2] === "(E)" ? BondStereo.E : s === "cis" ? BondStereo.Cis : BondStereo.Trans
      continue
    }
    let cis = s === "cis"
    if (best(bondBegin[b]!, bondEnd[b]!) !== sa) cis = !cis
    if (best(bondEnd[b]!, bondBegin[b]!) !== sb) cis = !cis
    bondStereo[b] = cis ? BondStereo.Z : BondStereo.E
  }

  const base = {
    numAtoms: n,
    numBonds: nb,
    atomicNum,
    formalCharge,
    radicalElectrons,
    totalHs,
    degree,
    chiralTag,
    bondBegin,
    bondEnd,
    bondType,
    kekuleOrder,
    adjStart,
    adjAtom,
    adjBond,
  }
  const conjugated = perceiveConjugation(base, aromaticBond)
  const hybridization = perceiveHybridization(base, conjugated)
  return {
    ...base,
    isotope,
    aromatic,
    hybridization,
    atomInRing,
    chiralityPossible,
    cip,
    cipRank,
    mass,
    conjugated,
    bondInRing,
    bondStereo,
    bondStereoAtoms,
    rings,
  }
}
