/**
 * The repeat-unit validation rules, each with a stable id that appears in error
 * details, batch rows and the test set (`test/fixtures/polymers/invalid.csv`).
 */
export const MAX_SMILES_LENGTH = 2000

/**
 * RDKit MinimalLib (WebAssembly) overflows its stack on chains of roughly 860 atoms and is unusable
 * afterwards; periogt refuses larger repeat units before any RDKit call (upstream, in native RDKit,
 * accepts them). A limit of this build, not of PerioGT.
 */
export const MAX_ATOMS = 800

export const VALIDATION_RULES = {
  empty: "the repeat unit is empty",
  too_long: `the repeat unit is longer than ${MAX_SMILES_LENGTH} characters`,
  no_wildcard: "the repeat unit has no '*' connection point",
  unparsable: "the SMILES cannot be parsed",
  wildcard_count: "a repeat unit needs exactly two '*' connection points",
  wildcard_degree: "each '*' must have exactly one neighbour",
  wildcard_bond_mismatch: "the two '*' bonds must be of the same type",
  no_atom: "the two '*' are bonded to each other: the repeat unit has no atom",
  too_many_atoms: `the repeat unit has more than ${MAX_ATOMS} atoms, more than this build's RDKit (WebAssembly) can handle`,
} as const

export type ValidationRule = keyof typeof VALIDATION_RULES
