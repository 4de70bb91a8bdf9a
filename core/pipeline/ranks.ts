import { atomMapNumbers, canonicalRanks } from "../chem/canon/index.ts"
import type { AtomRanks } from "../chem/polymer/prompts.ts"
import type { RDKit } from "../runtime/rdkit.ts"

/**
 * RDKit 2022.09's canonical ranks, with the atom-map numbers the SMILES carries (they enter the
 * invariants), read in RDKit's own atom order (an explicit [H] RDKit removes would shift a text count).
 */
export const rdkitRanks =
  (rdkit: RDKit): AtomRanks =>
  (mol, smiles) => {
    const maps = atomMapNumbers(rdkit, smiles)
    return canonicalRanks(mol, maps === undefined ? {} : { atomMapNumbers: maps })
  }
