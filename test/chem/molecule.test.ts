import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { BondStereo, BondType, Cip, Hybridization, neighbours, parseMolecule } from "../../core/chem/molecule/index.ts"

const rdkit = await loadRDKit()


describe("parseMolecule", () => {
  test("atoms, bonds, rings and adjacency of polystyrene's repeat unit", () => {
    const m = parseMolecule(rdkit, "*CC(*)c1ccccc1")!
    expect(m.numAtoms).toBe(10)
    expect(m.numBonds).toBe(10)
    expect(Array.from(m.atomicNum)).toEqual([0, 6, 6, 0, 6, 6, 6, 6, 6, 6])
    expect(Array.from(m.totalHs)).toEqual([0, 2, 1, 0, 0, 1, 1, 1, 1, 1])
    expect(m.hybridization[1]).toBe(Hybridization.SP3)
    expect(m.hybridization[4]).toBe(Hybridization.SP2)
    expect(m.hybridization[0]).toBe(Hybridization.Unspecified)
    expect(m.bondType[4]).toBe(BondType.Aromatic)
    expect(m.rings.length).toBe(1)
    expect(m.atomInRing[4]).toBe(1)
    expect(Array.from(neighbours(m, 2)).sort()).toEqual([1, 3, 4])
    expect(m.cip[2]).toBe(Cip.Unassigned)
    expect(m.chiralityPossible[2]).toBe(1)
    expect(m.mass[1]).toBeCloseTo(12.011, 6)
  })
  test("legacy E/Z and CIP codes, as RDKit 2022.09 assigns them", () => {
    const m = parseMolecule(rdkit, "*/C=C/c1ccccc1*")!
    expect(m.bondStereo[1]).toBe(BondStereo.E)
    const c = parseMolecule(rdkit, "*C[C@@H](Cl)C(*)F")!
    expect(c.cip[2]).toBe(Cip.R)
  })
  test("conjugation", () => {
    const m = parseMolecule(rdkit, "C=CC=C")!
    expect(Array.from(m.conjugated)).toEqual([1, 1, 1])
    expect(Array.from(parseMolecule(rdkit, "C=CF")!.conjugated)).toEqual([0, 0])
  })
  test("unparsable input gives undefined", () => {
    expect(parseMolecule(rdkit, "C1CC")).toBeUndefined()
    expect(parseMolecule(rdkit, "not a smiles")).toBeUndefined()
  })
  test("long chains parse without overflowing MinimalLib's stack", () => {
    const m = parseMolecule(rdkit, "*" + "C".repeat(3000) + "*")!
    expect(m.numAtoms).toBe(3002)
  })
})

const SOAK = Number(process.env.PERIOGT_SOAK ?? 10_000)
describe("memory", () => {
  // MinimalLib does not expose its heap; WebAssembly memory never shrinks, so a leak shows in the RSS
  // (10 000 undeleted molecules of these sizes grow it by ~80 MB; without leaks it stays flat).
  // Measured in a fresh process: in this one, other tests' servers and workers move the RSS.
  test(`${SOAK} molecules in one process keep the memory flat`, () => {
    const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "support/soak.ts"), String(SOAK)], { stdout: "pipe", stderr: "pipe" })
    expect(r.exitCode).toBe(0)
    const { count, rss0, rss1 } = JSON.parse(r.stdout.toString()) as { count: number; rss0: number; rss1: number }
    expect(count).toBe(SOAK)
    expect(rss1 - rss0).toBeLessThan(24 * 1024 * 1024)
  }, 600_000)
})
