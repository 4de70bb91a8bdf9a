import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { canonicalRanks } from "../../core/chem/canon/index.ts"
import { atomMapNumbersOf } from "../../core/chem/graph/pattern.ts"
import { parseMolecule } from "../../core/chem/molecule/index.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"

// RDKit 2022.09's CanonicalRankAtoms, in TypeScript, against the ranks the oracle recorded for every graph
// of the committed featurizer fixtures (upstream's own call, RDKit 2022.09.5).
const DIR = path.join(import.meta.dir, "../fixtures/featurizer")

test("canonical ranks equal RDKit 2022.09's on every graph of the featurizer fixtures", async () => {
  const rdkit = await loadRDKit()
  let total = 0
  const bad: Array<string> = []
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith(".json.gz")).sort()) {
    const fx = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(fs.readFileSync(path.join(DIR, f))))) as { id: string; prompt?: { graphs?: Array<{ smiles?: string; ranks?: number[] }> } }
    for (const g of fx.prompt?.graphs ?? []) {
      if (g.smiles === undefined || g.ranks === undefined) continue
      const mol = parseMolecule(rdkit, g.smiles)
      if (mol === undefined) continue
      total++
      const maps = atomMapNumbersOf(g.smiles)
      const ours = Array.from(canonicalRanks(mol, maps === undefined ? {} : { atomMapNumbers: maps }))
      if (JSON.stringify(ours) !== JSON.stringify(g.ranks)) bad.push(`${fx.id}: ${g.smiles}`)
    }
  }
  console.log(`canonical ranks: ${total - bad.length} / ${total} graphs equal`)
  expect(bad).toEqual([])
  expect(total).toBeGreaterThan(500)
})
