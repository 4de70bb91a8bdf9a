/**
 * A parsed molecule as plain typed arrays: everything the featurizers read, computed the way RDKit
 * (2022.09, the oracle's version; legacy stereo perception) computes it. Atom and bond indices are
 * RDKit's (the order of the SMILES). No WebAssembly handle is kept: a Molecule is plain data.
 */

/** RDKit's Atom::HybridizationType, by name; the numbers are ours (RDKit 2022.09 has SP2D = 5 and SP3D… one higher), so compare names, never numbers with RDKit's. */
export const Hybridization = {
  Unspecified: 0,
  S: 1,
  SP: 2,
  SP2: 3,
  SP3: 4,
  SP3D: 5,
  SP3D2: 6,
  Other: 7,
} as const

/** RDKit's Bond::BondType values for the types a SMILES can produce. */
export const BondType = {
  Unspecified: 0,
  Single: 1,
  Double: 2,
  Triple: 3,
  Quadruple: 4,
  Aromatic: 12,
  Zero: 21,
} as const

/** RDKit's Bond::BondStereo values. */
export const BondStereo = {
  None: 0,
  Any: 1,
  Z: 2,
  E: 3,
  Cis: 4,
  Trans: 5,
} as const

/** RDKit's Atom::ChiralType (tetrahedral subset; anything else is Other). */
export const ChiralTag = {
  Unspecified: 0,
  CW: 1,
  CCW: 2,
  Other: 3,
} as const

/** CIP label of an atom: none, R, S, or a possible but unassigned stereocentre. */
export const Cip = {
  None: 0,
  R: 1,
  S: 2,
  Unassigned: 3,
} as const

export interface Molecule {
  readonly numAtoms: number
  readonly numBonds: number

  // ---- atoms (length numAtoms)
  readonly atomicNum: Uint8Array
  readonly isotope: Uint16Array
  readonly formalCharge: Int8Array
  readonly radicalElectrons: Uint8Array
  /** explicit + implicit hydrogens (RDKit getTotalNumHs) */
  readonly totalHs: Uint8Array
  /** heavy-atom degree (explicit neighbours) */
  readonly degree: Uint8Array
  readonly aromatic: Uint8Array
  /** Hybridization values */
  readonly hybridization: Uint8Array
  readonly atomInRing: Uint8Array
  /** ChiralTag values, relative to the atom's bond order (adjacency order below) */
  readonly chiralTag: Uint8Array
  /** 1 where RDKit sets _ChiralityPossible (a legal stereocentre, specified or not) */
  readonly chiralityPossible: Uint8Array
  /** Cip values (legacy CIP code, as dgllife reads `_CIPCode`) */
  readonly cip: Uint8Array
  /** RDKit's legacy `_CIPRank` */
  readonly cipRank: Int32Array
  /** Atom.GetMass(): isotope mass, or average atomic weight */
  readonly mass: Float64Array

  // ---- bonds (length numBonds)
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  /** BondType values (Aromatic for aromatic bonds) */
  readonly bondType: Uint8Array
  /** Kekulé bond order (1, 2, 3; 0 for zero-order bonds) */
  readonly kekuleOrder: Uint8Array
  readonly conjugated: Uint8Array
  readonly bondInRing: Uint8Array
  /** BondStereo values (E/Z as RDKit 2022.09 assigns them from a SMILES) */
  readonly bondStereo: Uint8Array
  /** two stereo reference atoms per bond, -1 where none */
  readonly bondStereoAtoms: Int32Array

  // ---- rings: RDKit's symmetrized SSSR, each an ordered atom cycle
  readonly rings: readonly Int32Array[]

  // ---- adjacency (CSR), neighbours of atom a in RDKit's per-atom bond order:
  //      adjAtom/adjBond[adjStart[a] .. adjStart[a+1])
  readonly adjStart: Int32Array
  readonly adjAtom: Int32Array
  readonly adjBond: Int32Array
}

/** Neighbour atoms of atom `a` (a view, no copy). */
export const neighbours = (m: Molecule, a: number): Int32Array => m.adjAtom.subarray(m.adjStart[a]!, m.adjStart[a + 1]!)

/** Bond index between atoms a and b, or -1. */
export const bondBetween = (m: Molecule, a: number, b: number): number => {
  const end = m.adjStart[a + 1]!
  for (let k = m.adjStart[a]!; k < end; k++) if (m.adjAtom[k] === b) return m.adjBond[k]!
  return -1
}
