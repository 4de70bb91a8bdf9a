/**
 * The descriptor engine's view of a molecule given as SMILES, as RDKit's `MolFromSmiles` holds it, and
 * mordred's 1613 raw values of it. The one way periogt reads a molecule for its descriptors.
 */
import { computeDescriptors, fromMolecule, rdkitSmarts, type DescriptorInput } from "../chem/descriptors/index.ts"
import { moleculeWithoutStereo } from "../chem/molecule/parse.ts"
import { MAX_ATOMS } from "../chem/polymer/rules.ts"
import { countSmilesAtoms } from "../chem/polymer/validateText.ts"
import type { RDKit } from "../runtime/rdkit.ts"

/**
 * Runs `fn` on the descriptor engine's view of `smiles`. The view answers SMARTS queries through the
 * live MinimalLib molecule, so it is valid only inside `fn`; the molecule is deleted afterwards.
 * Undefined where the SMILES cannot be parsed or is larger than MinimalLib can hold (rules.ts MAX_ATOMS).
 */
export const withDescriptorInput = <T>(rdkit: RDKit, smiles: string, fn: (input: DescriptorInput) => T): T | undefined => {
  if (countSmilesAtoms(smiles) > MAX_ATOMS) return undefined
  const mol = rdkit.get_mol(smiles)
  if (mol === null) return undefined
  try {
    // the molecule layer's perception is RDKit 2022.09's (mordred's): MinimalLib 2026 calls a
    // hypervalent `=[SH]-` SP3 where 2022.09 says SP2, which moves the Gasteiger charges
    return fn(fromMolecule(moleculeWithoutStereo(mol, smiles), { smarts: rdkitSmarts(rdkit as never, mol as never) }))
  } finally {
    mol.delete()
  }
}

/** mordred's 1613 raw values of a molecule given as SMILES (upstream: `Calculator(descriptors, ignore_3D=True)(MolFromSmiles(s))`). */
export const descriptorsOfSmiles = (rdkit: RDKit, smiles: string): Float64Array | undefined => withDescriptorInput(rdkit, smiles, computeDescriptors)
