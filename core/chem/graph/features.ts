/**
 * The atom (138) and bond (14) features upstream's LiGhT builders compute with dgllife 0.2.9
 * (`ConcatFeaturizer` in data/smiles2g_light.py), from a Molecule. Values are float32 as the network
 * receives them (torch.FloatTensor of the Python floats).
 *
 * Atom layout: 0–101 atomic number 0..100 + unknown · 102–113 degree 0..10 + unknown · 114 formal
 * charge · 115–120 radical electrons 0..4 + unknown · 121–126 hybridization SP, SP2, SP3, SP3D, SP3D2 +
 * unknown · 127 aromatic · 128–133 total H 0..4 + unknown · 134 `_ChiralityPossible` · 135–136 CIP R, S ·
 * 137 mass × 0.01.
 * Bond layout: 0–4 SINGLE, DOUBLE, TRIPLE, AROMATIC + unknown · 5 conjugated · 6 in ring · 7–13 stereo
 * NONE, ANY, Z, E, CIS, TRANS + unknown.
 */
import { BondStereo, BondType, Cip, Hybridization, type Molecule } from "../molecule/types.ts"

export const D_ATOM = 138
export const D_BOND = 14
/** upstream's VIRTUAL_ATOM_FEATURE_PLACEHOLDER / VIRTUAL_BOND_FEATURE_PLACEHOLDER */
export const FEATURE_PLACEHOLDER = -1

const HYBRIDIZATION_SLOT: Record<number, number> = {
  [Hybridization.SP]: 0,
  [Hybridization.SP2]: 1,
  [Hybridization.SP3]: 2,
  [Hybridization.SP3D]: 3,
  [Hybridization.SP3D2]: 4,
}
const BOND_TYPE_SLOT: Record<number, number> = {
  [BondType.Single]: 0,
  [BondType.Double]: 1,
  [BondType.Triple]: 2,
  [BondType.Aromatic]: 3,
}
const STEREO_SLOT: Record<number, number> = {
  [BondStereo.None]: 0,
  [BondStereo.Any]: 1,
  [BondStereo.Z]: 2,
  [BondStereo.E]: 3,
  [BondStereo.Cis]: 4,
  [BondStereo.Trans]: 5,
}

/** Writes atom `a`'s 138 features at `out[offset ..]` (the slots must be zero). */
export const writeAtomFeatures = (m: Molecule, a: number, out: Float32Array, offset: number): void => {
  const z = m.atomicNum[a]!
  out[offset + (z <= 100 ? z : 101)] = 1
  const deg = m.degree[a]!
  out[offset + 102 + (deg <= 10 ? deg : 11)] = 1
  out[offset + 114] = m.formalCharge[a]!
  const rad = m.radicalElectrons[a]!
  out[offset + 115 + (rad <= 4 ? rad : 5)] = 1
  out[offset + 121 + (HYBRIDIZATION_SLOT[m.hybridization[a]!] ?? 5)] = 1
  out[offset + 127] = m.aromatic[a]!
  const hs = m.totalHs[a]!
  out[offset + 128 + (hs <= 4 ? hs : 5)] = 1
  out[offset + 134] = m.chiralityPossible[a]!
  const cip = m.cip[a]!
  if (cip === Cip.R) out[offset + 135] = 1
  else if (cip === Cip.S) out[offset + 136] = 1
  out[offset + 137] = Math.fround(m.mass[a]! * 0.01)
}

/** Writes bond `b`'s 14 features at `out[offset ..]` (the slots must be zero). */
export const writeBondFeatures = (m: Molecule, b: number, out: Float32Array, offset: number): void => {
  out[offset + (BOND_TYPE_SLOT[m.bondType[b]!] ?? 4)] = 1
  out[offset + 5] = m.conjugated[b]!
  out[offset + 6] = m.bondInRing[b]!
  out[offset + 7 + (STEREO_SLOT[m.bondStereo[b]!] ?? 6)] = 1
}

/** All atoms' features, [numAtoms, 138]. */
export const atomFeatures = (m: Molecule): Float32Array => {
  const out = new Float32Array(m.numAtoms * D_ATOM)
  for (let a = 0; a < m.numAtoms; a++) writeAtomFeatures(m, a, out, a * D_ATOM)
  return out
}
