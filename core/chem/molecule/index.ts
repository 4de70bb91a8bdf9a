export * from "./types.ts"
export { parseMolecule, moleculeFromRdkitMol, setStereoMode, atomMass, LEGACY_ATOM_LIMIT, SMILES_WRITE_ATOM_LIMIT } from "./parse.ts"
export { perceiveConjugation, perceiveHybridization, totalValence } from "./perception.ts"
