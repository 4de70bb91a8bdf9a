import { canonicalRanks } from "../chem/canon/index.ts"
import type { AtomRanks } from "../chem/featurize.ts"
import { atomMapNumbersOf } from "../chem/graph/pattern.ts"

/** RDKit 2022.09's canonical ranks, with the atom-map numbers the SMILES carries (they enter the invariants). */
export const rdkitRanks: AtomRanks = (mol, smiles) => {
  const maps = atomMapNumbersOf(smiles)
  return canonicalRanks(mol, maps === undefined ? {} : { atomMapNumbers: maps })
}
