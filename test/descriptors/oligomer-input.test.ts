/**
 * The capped oligomer built in TypeScript (core/pipeline/descriptorInput.ts `oligomerDescriptorInput`) is the
 * molecule RDKit reads from the oligomer's canonical SMILES, array for array: on every oracle molecule it builds,
 * its SMILES is upstream's, and its atoms, bonds (order and ends), H counts, aromaticity, Kekulé orders of the
 * non-aromatic bonds, hybridization and rings equal what MinimalLib's reading gives (core/pipeline/descriptorInput.ts
 * `withDescriptorInput`). So atom order, bond order and adjacency order — which decide RDKit's SMARTS match order at
 * the 1000-match cap and the Kekulé walk — are RDKit's.
 */
import { expect, test } from "bun:test"
import type { DescriptorInput } from "../../core/chem/descriptors/index.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { oligomerDescriptorInput, withDescriptorInput } from "../../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { loadOracle } from "./support.ts"

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => x === b[i])
const ringSets = (inp: DescriptorInput) => inp.atomRings.map((r) => [...r].sort((x, y) => x - y).join()).sort()

test("the oligomer built in TypeScript is MinimalLib's reading of its SMILES, array for array", async () => {
  const rd = await loadRDKit()
  const bad: string[] = []
  let built = 0
  for (const m of await loadOracle()) {
    const unit = validateRepeatUnit(rd, m.unit)
    if (!isRepeatUnit(unit)) continue
    const ts = oligomerDescriptorInput(unit, m.n)
    if (typeof ts === "string") continue
    built++
    const key = `${m.polymer}/${m.n}`
    if (ts.smiles !== m.smiles) bad.push(`${key}: SMILES ${ts.smiles} vs upstream's ${m.smiles}`)
    if (RUNTIME_UNPARSABLE.includes(key)) continue
    const diff = withDescriptorInput(rd, ts.smiles, (lib) => {
      const a = ts.input
      const out: string[] = []
      const check = (what: string, x: ArrayLike<number>, y: ArrayLike<number>) => {
        if (!same(x, y)) out.push(what)
      }
      check("atomicNum", a.atomicNum, lib.atomicNum)
      check("formalCharge", a.formalCharge, lib.formalCharge)
      check("isotope", a.isotope, lib.isotope)
      check("hCount", a.hCount, lib.hCount)
      check("radicals", a.radicals, lib.radicals)
      check("aromaticAtom", a.aromaticAtom, lib.aromaticAtom)
      check("bondBegin", a.bondBegin, lib.bondBegin)
      check("bondEnd", a.bondEnd, lib.bondEnd)
      check("bondAromatic", a.bondAromatic, lib.bondAromatic)
      check("bondKekule (non-aromatic bonds)", a.bondKekule.map((k, b) => (a.bondAromatic[b] ? 0 : k)), lib.bondKekule.map((k, b) => (lib.bondAromatic[b] ? 0 : k)))
      check("hybridization", a.hybridization!, lib.hybridization!)
      if (ringSets(a).join("|") !== ringSets(lib).join("|")) out.push("rings")
      return out
    })
    if (diff === undefined) bad.push(`${key}: MinimalLib cannot read ${ts.smiles}`)
    else if (diff.length > 0) bad.push(`${key}: ${diff.join(", ")}`)
  }
  expect(bad.slice(0, 10)).toEqual([])
  expect(built).toBeGreaterThan(550)
}, 600_000)
