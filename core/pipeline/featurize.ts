/**
 * Repeat unit → the network's input (REFERENCE §3 stages 1–6): validation, prompt graphs with bond ids
 * (augmentation, deterministic selection, LiGhT graphs over canonically renumbered atoms), the 1191-bit
 * fingerprint and the standardized Mordred vector of the capped 3-mer — every prompt graph of a unit gets
 * the 3-mer's fp and md, as upstream's n = 1 prompts do.
 */
import {
  computeDescriptors,
  fromMolecule,
  mdVector,
  rdkitDescriptors,
  rdkitSmarts,
  type DescriptorInput,
  type ScalerParams,
} from "../chem/descriptors/index.ts"
import { graphInputOf, type AtomRanks } from "../chem/featurize.ts"
import { moleculeWithoutStereo } from "../chem/molecule/parse.ts"
import { oligomerSmiles } from "../chem/polymer/oligomer.ts"
import { MAX_ATOMS } from "../chem/polymer/rules.ts"
import { countSmilesAtoms } from "../chem/polymer/validateText.ts"
import { ValidationError, type PeriogtError } from "../errors/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import type { NetworkInput } from "./network.ts"

/**
 * Runs `fn` on the descriptor engine's view of a molecule given as SMILES, as RDKit's `MolFromSmiles`
 * holds it. The view answers SMARTS queries through the live MinimalLib molecule, so it is valid only
 * inside `fn`; the molecule is deleted afterwards.
 */
export const withDescriptorInput = <T>(rdkit: RDKit, smiles: string, fn: (input: DescriptorInput) => T): T | undefined => {
  // an oligomer written in TypeScript can be of any size; MinimalLib's stack is not (rules.ts MAX_ATOMS)
  if (countSmilesAtoms(smiles) > MAX_ATOMS) return undefined
  const mol = rdkit.get_mol(smiles)
  if (mol === null) return undefined
  try {
    // the molecule layer's perception is RDKit 2022.09's (mordred's): MinimalLib 2026 calls a
    // hypervalent `=[SH]-` SP3 where 2022.09 says SP2, which moves the Gasteiger charges
    return fn(fromMolecule(moleculeWithoutStereo(mol, smiles), { smarts: rdkitSmarts(rdkit as never, mol as never), rdkitDescriptors: rdkitDescriptors(mol as never) }))
  } finally {
    mol.delete()
  }
}

/** mordred's 1613 raw values of a molecule given as SMILES (upstream: `Calculator(descriptors, ignore_3D=True)(MolFromSmiles(s))`). */
export const descriptorsOfSmiles = (rdkit: RDKit, smiles: string): Float64Array | undefined => withDescriptorInput(rdkit, smiles, computeDescriptors)

export const featurizeForNetwork = (rdkit: RDKit, smiles: string, ranks: AtomRanks, scaler: ScalerParams): NetworkInput | PeriogtError => {
  const g = graphInputOf(rdkit, smiles, ranks)
  if (g instanceof ValidationError) return g
  const capped3 = oligomerSmiles(rdkit, g.unit, 3, true)
  const tooLarge = capped3 !== undefined && countSmilesAtoms(capped3) > MAX_ATOMS
  const raw = capped3 === undefined || tooLarge ? undefined : descriptorsOfSmiles(rdkit, capped3)
  if (raw === undefined) {
    return new ValidationError({
      message: tooLarge
        ? `the capped 3-mer of this repeat unit has more than ${MAX_ATOMS} atoms, more than this build's RDKit (WebAssembly) can describe`
        : "the capped 3-mer of this repeat unit cannot be written or parsed for its descriptors",
      action: tooLarge ? `give a repeat unit of at most ${Math.floor(MAX_ATOMS / 3)} atoms` : "check the repeat unit",
      details: {
        stage: "descriptors",
        ...(tooLarge ? { rule: "too_many_atoms" } : {}),
        smiles: smiles.length > 200 ? smiles.slice(0, 200) + "…" : smiles,
      },
    })
  }
  return { graphs: g.graphs, fp: g.fp, md: mdVector(raw, scaler) }
}
