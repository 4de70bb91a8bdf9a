/**
 * Canonical atom ranks exactly as RDKit 2022.09.5's `Chem.CanonicalRankAtoms(mol)` (breakTies=True,
 * includeChirality=True, includeIsotopes=True) returns them for the same molecule: `ranks[i]` is the
 * canonical rank of atom i, a permutation of 0..numAtoms-1.
 *
 * Upstream PerioGT passes these ranks straight to `RenumberAtoms(mol, ranks)`, i.e. position i of the
 * renumbered molecule holds old atom `ranks[i]`.
 */
import type { Molecule } from "../molecule/types.ts"
import { canonicalRanksOf, type CanonOptions } from "./rank.ts"

export type { CanonOptions } from "./rank.ts"

export const canonicalRanks = (mol: Molecule, opts?: CanonOptions): Int32Array => canonicalRanksOf(mol, opts)
export { atomMapNumbers } from "./mapNumbers.ts"
