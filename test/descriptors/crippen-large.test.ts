/**
 * Crippen logP / MR (mordred's SLogP, SMR) of molecules with more than 1000 hydrogens: RDKit's SubstructMatch
 * stops each hydrogen pattern at 1000 matches, so the hydrogens past them get no type. Oracle values:
 * test/fixtures/descriptors/crippen-large.json (tools/oracle/crippen_large.py, RDKit 2022.09.5, mordred 1.2.0).
 */
import { expect, test } from "bun:test"
import { join } from "node:path"
import { descriptorIndex } from "../../core/chem/descriptors/index.ts"
import { descriptorsOfSmiles } from "../../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { FIXTURES } from "./support.ts"

interface Row {
  id: string
  smiles: string
  heavy_atoms: number
  hydrogens: number
  SLogP: number
  SMR: number
}

const rows = (JSON.parse(await Bun.file(join(FIXTURES, "crippen-large.json")).text()) as { molecules: Row[] }).molecules

test("SLogP and SMR of molecules with more than 1000 hydrogens equal mordred's", async () => {
  const rd = await loadRDKit()
  const iLogP = descriptorIndex("SLogP")
  const iMR = descriptorIndex("SMR")
  expect(rows.length).toBeGreaterThanOrEqual(3)
  for (const r of rows) {
    if (r.heavy_atoms > 800) continue // MinimalLib cannot read it (core/chem/polymer/rules.ts MAX_ATOMS)
    expect(r.hydrogens).toBeGreaterThan(1000)
    const raw = descriptorsOfSmiles(rd, r.smiles)
    expect(raw, r.id).toBeDefined()
    expect(raw![iLogP], `${r.id} SLogP`).toBeCloseTo(r.SLogP, 9)
    expect(raw![iMR], `${r.id} SMR`).toBeCloseTo(r.SMR, 9)
  }
})
