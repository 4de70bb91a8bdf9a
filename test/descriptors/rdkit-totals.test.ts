/**
 * Crippen logP/MR totals (shared/crippen.ts `crippenTotals`) and TPSA (shared/tpsa.ts) computed by this engine
 * equal RDKit's own (MinimalLib `get_descriptors()`: CrippenClogP, CrippenMR, tpsa) bit for bit, on every
 * oracle molecule and on molecules chosen for the hydrogen types and TPSA cases.
 */
import { expect, test } from "bun:test"
import { DescriptorContext, fromRDKitJson, rdkitHybridization, rdkitSmarts } from "../../core/chem/descriptors/index.ts"
import { crippenTotals } from "../../core/chem/descriptors/shared/crippen.ts"
import { tpsa } from "../../core/chem/descriptors/shared/tpsa.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { loadOracle } from "./support.ts"

const EXTRA = [
  "O", "[HH].[HH]", "[2H]C([2H])O", "CO", "Oc1ccccc1", "OC(=O)C", "OC=C", "ON", "OO", "OS", "[OH][Si](C)(C)C",
  "SC", "NC", "C1CN1", "C1CO1", "N#C", "C=N", "[NH4+]", "C[NH3+]", "C[N+](C)(C)C", "O=[N+]([O-])c1ccccc1",
  "c1cc[nH]c1", "c1ccncc1", "c1cc[n+](C)cc1", "C[O-]", "OB(O)c1ccccc1", "OP(O)(O)=O", "N=C=O", "CN=[N+]=[N-]",
  "O=C1NC(=O)c2ccccc21", "Cc1ccc(S(=O)(=O)N)cc1", "OC1=CC=CC=C1", "[O-][n+]1ccccc1", "FC(F)(F)O", "ClO",
]

test("crippenTotals and tpsa equal MinimalLib's get_descriptors() bit for bit", async () => {
  const rd = await loadRDKit()
  const smiles = new Set(EXTRA)
  for (const m of await loadOracle()) if (!RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`)) smiles.add(m.smiles)
  const bad: string[] = []
  for (const s of smiles) {
    const mol = rd.get_mol(s)
    expect(mol, s).not.toBeNull()
    try {
      const smarts = rdkitSmarts(rd as never, mol as never)
      const input = fromRDKitJson(mol!.get_json(), { smarts, hybridization: rdkitHybridization(smarts, mol!.get_num_atoms()) })
      const ctx = new DescriptorContext(input)
      const ref = JSON.parse(mol!.get_descriptors()) as Record<string, number>
      const t = crippenTotals(ctx)!
      const p = tpsa(ctx)
      if (!Object.is(t.logp, ref["CrippenClogP"]) || !Object.is(t.mr, ref["CrippenMR"]) || !Object.is(p, ref["tpsa"]))
        bad.push(`${s}: logP ${t.logp}/${ref["CrippenClogP"]} MR ${t.mr}/${ref["CrippenMR"]} TPSA ${p}/${ref["tpsa"]}`)
    } finally {
      mol!.delete()
    }
  }
  expect(bad).toEqual([])
  expect(smiles.size).toBeGreaterThan(600)
})
