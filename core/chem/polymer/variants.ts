/**
 * Knowledge-augmentation variants without RDKit, for the repeat units where that is exact: a cut
 * variant (augment.ts `augmentSpec`) is built from the parsed unit, ranked (core/chem/canon), written as
 * RDKit's canonical SMILES (molecule/smilesWrite.ts), and its `Molecule` — the one `parseMolecule`
 * would return for that SMILES — is assembled from the unit's atoms in the written order, with RDKit's
 * legacy CIP ranks and possible stereocentres (molecule/cip.ts) and the perceived conjugation and
 * hybridization.
 *
 * Exact where nothing RDKit re-perceives can change: units without stereo, hydrogen atoms, atom maps,
 * radicals, aromatic metals or unusual bonds, in one fragment; the wildcard bond single where it touches a
 * ring (an exocyclic double bond that moves can change a ring's aromaticity); at most
 * SMILES_WRITE_ATOM_LIMIT atoms. Anything else returns undefined and goes through RDKit as before. A
 * non-single cut bond on a ring atom is written here (upstream writes the edited molecule without
 * re-perceiving it, as this writer does; MinimalLib would re-perceive) and its molecule left to the parser.
 * Units with metals are written here (as RDKit 2022.09 writes them: no brackets on the metal's
 * organic-subset neighbours), not by MinimalLib, whose writer brackets them (smilesWrite.ts).
 *
 * The assembled molecule's `kekuleOrder` is the unit's Kekulé form and its `rings` list the unit's
 * rings: the same bonds and rings as RDKit's parse, possibly another Kekulé structure and ring order
 * (neither is read for prompt graphs).
 */
import { canonicalRanks } from "../canon/index.ts"
import { parsePattern } from "../graph/pattern.ts"
import { legacyStereo } from "../molecule/cip.ts"
import { assembleMolecule } from "../molecule/assemble.ts"
import { bondWriter, copiedAtoms } from "../molecule/edit.ts"
import { SMILES_WRITE_ATOM_LIMIT } from "../molecule/parse.ts"
import { canWriteSmiles, writeCanonicalSmiles } from "../molecule/smilesWrite.ts"
import { BondStereo, BondType, ChiralTag, Cip, type Molecule } from "../molecule/types.ts"
import { atomMapsOf, type RepeatUnit } from "./repeatUnit.ts"

/** A TypeScript shortcut's result, or undefined (take MinimalLib's way) should it throw: a bug there must not cost the unit. */
export const withoutRdkit = <T>(f: () => T | undefined): T | undefined => {
  try {
    return f()
  } catch {
    return undefined
  }
}

const unitOk = new WeakMap<RepeatUnit, boolean>()

/** Whether the unit's variants and oligomers can be written without RDKit (see the module note). */
export const unitSupported = (u: RepeatUnit): boolean => {
  let ok = unitOk.get(u)
  if (ok !== undefined) return ok
  const m = u.mol
  ok = canWriteSmiles(m) && atomMapsOf(u) === undefined
  for (let a = 0; a < m.numAtoms && ok; a++)
    if (m.chiralTag[a] !== ChiralTag.Unspecified || m.radicalElectrons[a] !== 0) ok = false
  for (let b = 0; b < m.numBonds && ok; b++) {
    const t = m.bondType[b]!
    const x = m.bondBegin[b]!
    const y = m.bondEnd[b]!
    if (m.bondStereo[b] !== BondStereo.None) ok = false
    // an aromatic bond outside a ring or between non-aromatic atoms, or a triple bond (or the Kekulé
    // form of one) on an aromatic atom: RDKit's re-perception may differ
    else if (t === BondType.Aromatic && (!m.bondInRing[b] || !m.aromatic[x] || !m.aromatic[y])) ok = false
    else if ((m.aromatic[x] || m.aromatic[y]) && t !== BondType.Single && t !== BondType.Double && t !== BondType.Aromatic) ok = false
    else if ((m.aromatic[x] || m.aromatic[y]) && m.kekuleOrder[b] !== 1 && m.kekuleOrder[b] !== 2) ok = false
  }
  const t = u.bondType
  if (t !== BondType.Single && t !== BondType.Double && t !== BondType.Triple) ok = false
  if (ok && t !== BondType.Single && (m.atomInRing[u.cnct[0]] || m.atomInRing[u.cnct[1]])) ok = false
  unitOk.set(u, ok)
  return ok
}

/**
 * Upstream's cut edit (periodicity_augment_traverse) as an index plan, shared by augmentSpec (for
 * RDKit) and variantMolecule: the new atoms in order — the unit's atoms but its two `*`, then the two
 * new `*` of the cut ends (source −1) — each unit atom's new index, which unit bonds stay (in order),
 * and the three bonds added after them: new `*`–begin and new `*`–end of the cut with the cut bond's
 * type, then the old connection atoms joined with the wildcard bond's type.
 */
export const cutEdit = (u: RepeatUnit, cut: number) => {
  const m = u.mol
  const N = m.numAtoms
  const [s0, s1] = u.stars
  const [c0, c1] = u.cnct
  const newIndex = new Int32Array(N).fill(-1)
  const source: number[] = []
  for (let a = 0; a < N; a++) {
    if (a === s0 || a === s1) continue
    newIndex[a] = source.length
    source.push(a)
  }
  const star0 = source.length
  const star1 = star0 + 1
  source.push(-1, -1)
  const kept = (b: number): boolean => {
    if (b === cut) return false
    const x = m.bondBegin[b]!
    const y = m.bondEnd[b]!
    return x !== s0 && x !== s1 && y !== s0 && y !== s1
  }
  const cutType = m.bondType[cut]!
  const cutOrder = m.kekuleOrder[cut]!
  const added: readonly (readonly [number, number, number, number])[] = [
    [star0, newIndex[m.bondBegin[cut]!]!, cutType, cutOrder],
    [star1, newIndex[m.bondEnd[cut]!]!, cutType, cutOrder],
    [newIndex[c0]!, newIndex[c1]!, u.bondType, u.bondOrder],
  ]
  return { source, newIndex, kept, added }
}

/** The cut variant's molecule in augmentSpec's atom and bond order (as RDKit builds it from the spec). */
export const variantMolecule = (u: RepeatUnit, cut: number): Molecule => {
  const m = u.mol
  const { source, newIndex, kept, added } = cutEdit(u, cut)
  const atoms = copiedAtoms(m, source)
  // − cut − two star bonds + two new star bonds + the joining bond
  const w = bondWriter(m, m.numBonds)
  for (let b = 0; b < m.numBonds; b++) if (kept(b)) w.copy(b, newIndex[m.bondBegin[b]!]!, newIndex[m.bondEnd[b]!]!)
  for (const [x, y, type, order] of added) w.add(x, y, type, order)
  const rings = m.rings.map((r) => r.map((a) => newIndex[a]!))
  return assembleMolecule(atoms, w.bonds, rings)
}

export interface Variant {
  readonly smiles: string
  /** what parseMolecule(smiles) returns (see the module note on kekuleOrder and rings); undefined: parse it */
  readonly mol?: Molecule
}

/**
 * The cut variant's canonical SMILES and molecule without RDKit, or undefined where that is not exact
 * (then RDKit builds it: augment.ts).
 */
export const variantWithoutRdkit = (u: RepeatUnit, cut: number): Variant | undefined => {
  if (!unitSupported(u)) return undefined
  const m = u.mol
  if (m.numAtoms > SMILES_WRITE_ATOM_LIMIT) return undefined
  const v = variantMolecule(u, cut)
  const { smiles, atomOrder } = writeCanonicalSmiles(v, canonicalRanks(v))
  // A non-single cut bond on a ring atom moves an exocyclic double (or triple) bond to a new `*`.
  // Upstream writes the edited molecule with the unit's aromaticity, as here, but reading that SMILES
  // back re-perceives the ring, which can differ (egc_02818): the molecule is left to the parser.
  if (m.bondType[cut] !== BondType.Single && (m.atomInRing[m.bondBegin[cut]!] || m.atomInRing[m.bondEnd[cut]!])) return { smiles }
  // the molecule RDKit reads back: atom i is v's atomOrder[i]; bonds in the parser's order
  const n = v.numAtoms
  const pat = parsePattern(smiles)
  if (pat.atoms.length !== n || pat.bonds.length !== v.numBonds) return undefined
  const inv = new Int32Array(n)
  for (let i = 0; i < n; i++) inv[atomOrder[i]!] = i
  const pick = <T extends Uint8Array | Int8Array | Uint16Array>(src: T, make: (n: number) => T): T => {
    const out = make(n)
    for (let i = 0; i < n; i++) out[i] = src[atomOrder[i]!]!
    return out
  }
  const atoms = {
    atomicNum: pick(v.atomicNum, (k) => new Uint8Array(k)),
    isotope: pick(v.isotope, (k) => new Uint16Array(k)),
    formalCharge: pick(v.formalCharge, (k) => new Int8Array(k)),
    totalHs: pick(v.totalHs, (k) => new Uint8Array(k)),
    aromatic: pick(v.aromatic, (k) => new Uint8Array(k)),
    atomInRing: pick(v.atomInRing, (k) => new Uint8Array(k)),
  }
  const nb = v.numBonds
  const bonds = {
    bondBegin: new Int32Array(nb),
    bondEnd: new Int32Array(nb),
    bondType: new Uint8Array(nb),
    kekuleOrder: new Uint8Array(nb),
    bondInRing: new Uint8Array(nb),
  }
  for (let e = 0; e < nb; e++) {
    const pb = pat.bonds[e]!
    const x = atomOrder[pb.a]!
    const y = atomOrder[pb.b]!
    let b = -1
    for (let k = v.adjStart[x]!; k < v.adjStart[x + 1]!; k++) if (v.adjAtom[k] === y) b = v.adjBond[k]!
    if (b < 0) return undefined
    bonds.bondBegin[e] = pb.a
    bonds.bondEnd[e] = pb.b
    bonds.bondType[e] = v.bondType[b]!
    bonds.kekuleOrder[e] = v.kekuleOrder[b]!
    bonds.bondInRing[e] = v.bondInRing[b]!
  }
  for (let i = 0; i < n; i++) if (pat.atoms[i]!.z !== atoms.atomicNum[i]) return undefined
  const rings = v.rings.map((r) => Int32Array.from(r, (a) => inv[a]!))
  const mol = assembleMolecule(atoms, bonds, rings) as Molecule & { cipRank: Int32Array; chiralityPossible: Uint8Array; cip: Uint8Array }
  const stereo = legacyStereo(mol)
  if (stereo === undefined) return undefined
  mol.cipRank.set(stereo.cipRank)
  for (let a = 0; a < n; a++) {
    if (!stereo.possible[a]) continue
    mol.chiralityPossible[a] = 1
    mol.cip[a] = Cip.Unassigned
  }
  return { smiles, mol }
}
