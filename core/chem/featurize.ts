/**
 * Everything the model sees of one repeat unit, short of descriptors and graphs: validity, the capped
 * 3/6/9-mers (fingerprints, descriptors), the uncapped 1/2/3-mers, and the 1191-bit fingerprints.
 * Plain function; callers wrap it in Effect.
 */
import type { ValidationError } from "../errors/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import { fingerprintOfSpec, onBits } from "./fingerprints/index.ts"
import { CAPPED_UNITS, oligomerSmiles, oligomerSpec, UNCAPPED_UNITS } from "./polymer/oligomer.ts"
import { isRepeatUnit, validateRepeatUnit } from "./polymer/repeatUnit.ts"

export interface Featurized {
  readonly smiles: string
  readonly valid: true
  readonly atoms: number
  readonly bonds: number
  readonly capped: Record<string, string | null>
  readonly uncapped: Record<string, string | null>
  /** on-bit indices of the 1191-bit fingerprint (MACCS 0..166, Morgan r4 167..1190) per capped n */
  readonly fingerprints: Record<string, { readonly n: number; readonly on: number[] } | null>
}

export const featurizeRepeatUnit = (rdkit: RDKit, smiles: string): Featurized | ValidationError => {
  const u = validateRepeatUnit(rdkit, smiles)
  if (!isRepeatUnit(u)) return u
  const capped: Record<string, string | null> = {}
  const uncapped: Record<string, string | null> = {}
  const fingerprints: Record<string, { n: number; on: number[] } | null> = {}
  for (const n of CAPPED_UNITS) {
    const spec = oligomerSpec(u, n, true)
    capped[n] = oligomerSmiles(rdkit, u, n, true) ?? null
    const fp = fingerprintOfSpec(rdkit, spec)
    fingerprints[n] = fp === undefined ? null : { n: fp.length, on: onBits(fp) }
  }
  for (const n of UNCAPPED_UNITS) uncapped[n] = oligomerSmiles(rdkit, u, n, false) ?? null
  return { smiles, valid: true, atoms: u.mol.numAtoms, bonds: u.mol.numBonds, capped, uncapped, fingerprints }
}
