/**
 * Crippen logP / MR (mordred's SLogP, SMR) of molecules with more than 1000 hydrogens: RDKit's SubstructMatch
 * stops each hydrogen pattern at 1000 matches, so the hydrogens past them get no type. Oracle values:
 * test/fixtures/descriptors/crippen-large.json (tools/oracle/crippen_large.py, RDKit 2022.09.5, mordred 1.2.0).
 * Molecules up to MAX_ATOMS are read by MinimalLib; the linear alkanes are also built in TypeScript as
 * oligomers of `*C…C*` (C×1000 only that way: MinimalLib cannot read it).
 */
import { expect, test } from "bun:test"
import { join } from "node:path"
import { computeDescriptors, descriptorIndex } from "../../core/chem/descriptors/index.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { MAX_ATOMS } from "../../core/chem/polymer/rules.ts"
import { descriptorsOfSmiles, oligomerDescriptorInput } from "../../core/pipeline/descriptorInput.ts"
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
const iLogP = descriptorIndex("SLogP")!
const iMR = descriptorIndex("SMR")!

test("SLogP and SMR of molecules with more than 1000 hydrogens equal mordred's", async () => {
  const rd = await loadRDKit()
  expect(rows.length).toBeGreaterThanOrEqual(3)
  let checked = 0
  for (const r of rows) {
    expect(r.hydrogens).toBeGreaterThan(1000)
    const seen: Float64Array[] = []
    if (r.heavy_atoms <= MAX_ATOMS) seen.push(descriptorsOfSmiles(rd, r.smiles)!)
    if (/^C+$/.test(r.smiles)) {
      // the alkane as the capped 10-mer of a chain of heavy_atoms / 10 carbons
      const unit = validateRepeatUnit(rd, `*${"C".repeat(r.heavy_atoms / 10)}*`)
      if (!isRepeatUnit(unit)) throw new Error(`invalid unit for ${r.id}`)
      const built = oligomerDescriptorInput(unit, 10)
      if (typeof built === "string") throw new Error(built)
      expect(built.smiles).toBe(r.smiles)
      seen.push(computeDescriptors(built.input, new Set(["SLogP"])))
    }
    expect(seen.length, r.id).toBeGreaterThan(0)
    for (const raw of seen) {
      expect(raw[iLogP], `${r.id} SLogP`).toBeCloseTo(r.SLogP, 9)
      expect(raw[iMR], `${r.id} SMR`).toBeCloseTo(r.SMR, 9)
      checked++
    }
  }
  expect(checked).toBe(4) // C520 both ways, C1000 in TypeScript, the branched one by MinimalLib
})
