/**
 * The descriptors of the molecule `parseMolecule` returns (with its stereo perception, what the rest of the
 * featurizer reads) equal those of MinimalLib's input (core/pipeline/descriptorInput.ts `withDescriptorInput`:
 * the molecule layer without stereo, through `fromMolecule`), on every oracle 3-mer. Skips (with a message)
 * while the molecule layer is not in the tree.
 */
import { describe, expect, test } from "bun:test"
import { existsSync } from "node:fs"
import { join } from "node:path"
import {
  computeDescriptors,
  DESCRIPTOR_NAMES,
  fromMolecule,
  type MoleculeLike,
  rdkitSmarts,
} from "../../core/chem/descriptors/index.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { loadOracle, withInput } from "./support.ts"

const LAYER = join(import.meta.dir, "..", "..", "core", "chem", "molecule", "index.ts")

describe("molecule layer input", () => {
  test.skipIf(!existsSync(LAYER))("fromMolecule(parseMolecule(…)) equals the production input on every oracle 3-mer", async () => {
    const layer = (await import(LAYER)) as {
      parseMolecule: (rd: unknown, smiles: string) => MoleculeLike | undefined
    }
    const rd = await loadRDKit()
    // every 3-mer (the 6- and 9-mers repeat the same chemistry; the parity test covers them)
    const mols = (await loadOracle()).filter((m) => m.n === 3 && !RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`))
    const bad: string[] = []
    for (const m of mols) {
      const viaJson = await withInput(m.smiles, (input) => computeDescriptors(input))
      const mol = layer.parseMolecule(rd, m.smiles)
      expect(mol, m.smiles).toBeDefined()
      const live = rd.get_mol(m.smiles)!
      try {
        const viaLayer = computeDescriptors(
          fromMolecule(mol!, { smarts: rdkitSmarts(rd as never, live as never) }),
        )
        for (let i = 0; i < viaJson.length; i++)
          if (!Object.is(viaJson[i], viaLayer[i])) bad.push(`${DESCRIPTOR_NAMES[i]} ${m.polymer}/${m.n}: ${viaLayer[i]} vs ${viaJson[i]}`)
      } finally {
        live.delete()
      }
    }
    expect(bad.slice(0, 10)).toEqual([])
  })
})
