/**
 * Atom-map numbers (`[*:1]`, RDKit's `molAtomMapNumber`) of a SMILES, which the canonical ranking
 * compares right after the atom class. The `Molecule` type does not carry them yet, and MinimalLib's
 * JSON omits them, so they are read from the `aamap` column of MinimalLib's V3000 molblock.
 * Returns `undefined` when the SMILES has no mapped atom (the common case; no RDKit call then).
 */
import type { RDKit } from "../../runtime/rdkit.ts"

const MAPPED = /\[[^\]]*:\d+\]/

export const atomMapNumbers = (rdkit: RDKit, smiles: string): Int32Array | undefined => {
  if (!MAPPED.test(smiles)) return undefined
  const mol = rdkit.get_mol(smiles)
  if (mol === null) return undefined
  try {
    if (!mol.is_valid()) return undefined
    const n = mol.get_num_atoms()
    const out = new Int32Array(n)
    // V3000 continues a line longer than 80 characters with a trailing "-"
    const text = mol.get_v3Kmolblock().replace(/-\r?\nM {2}V30 /g, "")
    const lines = text.split(/\r?\n/)
    let inAtoms = false
    let any = false
    for (const line of lines) {
      if (line.startsWith("M  V30 BEGIN ATOM")) inAtoms = true
      else if (line.startsWith("M  V30 END ATOM")) break
      else if (inAtoms) {
        // M  V30 index type x y z aamap [key=value ...]
        const f = line.trim().split(/\s+/)
        const idx = Number(f[2]) - 1
        const map = Number(f[7])
        if (idx >= 0 && idx < n && Number.isInteger(map) && map > 0) {
          out[idx] = map
          any = true
        }
      }
    }
    return any ? out : undefined
  } finally {
    mol.delete()
  }
}
