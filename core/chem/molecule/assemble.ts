/**
 * A `Molecule` assembled in TypeScript from atom and bond arrays (for molecules the featurizer builds
 * from a parsed one: augmentation variants, oligomers): CSR adjacency in bond order, RDKit's
 * conjugation and hybridization (perception.ts), isotopes as given, no radicals or stereo; CIP ranks and
 * possible stereocentres are left for the caller (cip.ts).
 */
import { bondAdjacency } from "./adjacency.ts"
import { atomMass } from "./parse.ts"
import { perceiveConjugation, perceiveHybridization } from "./perception.ts"
import { BondType, type Molecule } from "./types.ts"

/** A molecule from its atom and bond arrays: adjacency (bond order), conjugation and hybridization perceived, no stereo (CIP data are the caller's). */
export const assembleMolecule = (
  atoms: { atomicNum: Uint8Array; formalCharge: Int8Array; totalHs: Uint8Array; aromatic: Uint8Array; atomInRing: Uint8Array; isotope?: Uint16Array },
  bonds: { bondBegin: Int32Array; bondEnd: Int32Array; bondType: Uint8Array; kekuleOrder: Uint8Array; bondInRing: Uint8Array },
  rings: Int32Array[],
): Molecule => {
  const n = atoms.atomicNum.length
  const nb = bonds.bondBegin.length
  const { degree, adjStart, adjAtom, adjBond } = bondAdjacency(n, bonds.bondBegin, bonds.bondEnd)
  const base = {
    numAtoms: n,
    numBonds: nb,
    atomicNum: atoms.atomicNum,
    formalCharge: atoms.formalCharge,
    radicalElectrons: new Uint8Array(n),
    totalHs: atoms.totalHs,
    degree,
    chiralTag: new Uint8Array(n),
    bondBegin: bonds.bondBegin,
    bondEnd: bonds.bondEnd,
    bondType: bonds.bondType,
    kekuleOrder: bonds.kekuleOrder,
    adjStart,
    adjAtom,
    adjBond,
  }
  const aromaticBond = new Uint8Array(nb)
  for (let b = 0; b < nb; b++) if (bonds.bondType[b] === BondType.Aromatic) aromaticBond[b] = 1
  const conjugated = perceiveConjugation(base, aromaticBond)
  const hybridization = perceiveHybridization(base, conjugated)
  const isotope = atoms.isotope ?? new Uint16Array(n)
  const mass = new Float64Array(n)
  for (let a = 0; a < n; a++) mass[a] = atomMass(atoms.atomicNum[a]!, isotope[a]!)
  return {
    ...base,
    isotope,
    aromatic: atoms.aromatic,
    hybridization,
    atomInRing: atoms.atomInRing,
    chiralityPossible: new Uint8Array(n),
    cip: new Uint8Array(n),
    cipRank: new Int32Array(n).fill(-1),
    mass,
    conjugated,
    bondInRing: bonds.bondInRing,
    bondStereo: new Uint8Array(nb),
    bondStereoAtoms: new Int32Array(2 * nb).fill(-1),
    rings,
  }
}

