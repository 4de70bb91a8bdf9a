/**
 * SMARTS answered without MinimalLib (shared/smartsLocal.ts) equal MinimalLib's own answers, for every pattern
 * the families use (Crippen and E-state atom typing, LogS fragments, H-bond donors/acceptors, rotatable
 * bonds, acid/base groups), on every oracle molecule and on molecules chosen for rare elements, charges, H
 * atoms and the 1000-match cap; and the three-query hybridization equals the five single queries.
 */
import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { DescriptorContext, fromRDKitJson, rdkitHybridization, rdkitSmarts } from "../../core/chem/descriptors/index.ts"
import { HBA_SMARTS, HBD_SMARTS } from "../../core/chem/descriptors/families/HydrogenBond.ts"
import { ROTATABLE_STRICT_SMARTS } from "../../core/chem/descriptors/families/RotatableBond.ts"
import { ACID_Q, BASE_Q } from "../../core/chem/descriptors/families/AcidBase.ts"
import { CRIPPEN } from "../../core/chem/descriptors/shared/crippen.ts"
import { countMatches, matchAtoms } from "../../core/chem/descriptors/shared/smartsLocal.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { loadOracle } from "./support.ts"

const FAMILIES = join(import.meta.dir, "..", "..", "core", "chem", "descriptors", "families")
const source = (f: string) => readFileSync(join(FAMILIES, f), "utf8")

// 1000 quaternary-carbon matches and more: RDKit truncates, so these must go to MinimalLib
const QUATERNARY_CHAIN = "C" + "C(C)(C)".repeat(60) + "C"
const EXTRA = [
  "[Se]1C=CC=C1", "c1cc[se]c1", "[SiH3]C", "[GeH3]C", "[SnH3]C", "[PbH3]C", "[AsH2]C", "[Li]C", "[BH2]C", "B(C)(C)C",
  "[Na+].[Cl-]", "C[N+](C)(C)C", "[2H]C", "O=[Se]=O", "C[Se]C", "C[Te]C", "[H]C([H])([H])[H]", "OO", "C#N",
  "[O-][N+](=O)C", "O", "[HH].[HH]", "c1ccc2ccccc2c1", "C1CC1", "O=S(=O)(O)O", "OP(=O)(O)O", "CN=C=O", "C=C=C",
  "[O-]C(=O)C", "c1ccc[nH]1", "Cn1cccc1", "[cH-]1cccc1", "C1=CC=C[CH]1", "FC(F)(F)c1ccccc1", "ClC(Cl)(Cl)C",
  "CC(C)(C)C(=O)N", "CS(=O)(=O)[O-]", "NC(=[NH2+])N", "C#CC=C=CC", QUATERNARY_CHAIN, "c1nnn[nH]1", "Cc1nn[nH]n1",
  "CC(=O)O", "CS(=O)(=O)O", "OP(=O)(O)C", "CNS(=O)(=O)C(F)(F)F", "C[N+](C)(C)CC(=O)[O-]", "CN(C)C", "NC=N", "CC(=N)N",
  "CN=CNC", "C1CCNCC1", "c1ccncc1", "CSC", "c1ccsc1", "CC#N", "OCC(O)CO", "ON=C", "C1CC1C(=O)NC", "CC(F)(F)F",
]

const patterns = () => {
  const atomPatterns = new Set<string>(CRIPPEN.map(([, s]) => s))
  for (const m of source("EState.ts").matchAll(/\["\w+", "([^"]+)"\]/g)) atomPatterns.add(m[1]!)
  const countPatterns = new Set<string>([HBA_SMARTS, HBD_SMARTS, ROTATABLE_STRICT_SMARTS, ACID_Q, BASE_Q])
  for (const m of source("LogS.ts").matchAll(/\["([^"]+)", -?[\d.]+\]/g)) countPatterns.add(m[1]!)
  return { atomPatterns, countPatterns }
}

test("local SMARTS answers equal MinimalLib's on every pattern and molecule", async () => {
  const { atomPatterns, countPatterns } = patterns()
  expect(atomPatterns.size).toBeGreaterThan(180)
  expect(countPatterns.size).toBe(21)

  const rd = await loadRDKit()
  const smiles = new Set(EXTRA)
  for (const m of await loadOracle()) if (!RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`)) smiles.add(m.smiles)
  const bad: string[] = []
  let local = 0
  let remote = 0
  for (const s of smiles) {
    const mol = rd.get_mol(s)
    expect(mol, s).not.toBeNull()
    try {
      const lib = rdkitSmarts(rd as never, mol as never)
      let calls = 0
      const counted = {
        count: (q: string, o?: object) => (calls++, lib.count(q, o)),
        atoms: (q: string, o?: object) => (calls++, lib.atoms(q, o)),
      }
      const n = mol!.get_num_atoms()
      const ctx = new DescriptorContext(fromRDKitJson(mol!.get_json(), { smarts: counted }))
      for (const p of atomPatterns) {
        const opts = { uniquify: false, maxMatches: 1000 }
        const before = calls
        const ours = matchAtoms(ctx, p, opts)!.join()
        if (calls === before) local++
        else remote++
        const ref = lib.atoms(p, opts).join()
        if (ours !== ref) bad.push(`${p} on ${s}: ${ours} vs ${ref}`)
      }
      for (const p of countPatterns) {
        const before = calls
        const ours = countMatches(ctx, p)
        if (calls === before) local++
        else remote++
        const ref = lib.count(p)
        if (ours !== ref) bad.push(`${p} on ${s}: ${ours} vs ${ref}`)
      }
      const five = new Uint8Array(n)
      for (let k = 1; k <= 5; k++) for (const i of lib.atoms(`[^${k}]`, { maxMatches: 1 << 30 })) five[i] = k
      if (rdkitHybridization(lib, n).join() !== five.join()) bad.push(`hybridization of ${s}`)
    } finally {
      mol!.delete()
    }
  }
  expect(bad.slice(0, 10)).toEqual([])
  // the point of it: almost every question is answered without a round trip
  expect(local).toBeGreaterThan(20 * remote)
})

// A search stopped at a match limit keeps the matches RDKit keeps (the matcher enumerates in RDKit's order):
// with small limits the cap is reached on ordinary molecules, so every pattern is checked there at it.
test("local SMARTS answers at a small match limit equal MinimalLib's (RDKit's match order)", async () => {
  const { atomPatterns, countPatterns } = patterns()
  const rd = await loadRDKit()
  rdkit = rd
  const smiles = new Set(EXTRA)
  for (const m of await loadOracle()) if (m.n === 6 && !RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`)) smiles.add(m.smiles)
  const bad: string[] = []
  let capped = 0
  for (const s of smiles) {
    const mol = rd.get_mol(s)
    expect(mol, s).not.toBeNull()
    try {
      const lib = rdkitSmarts(rd as never, mol as never)
      let remote = false
      const counted = {
        count: (q: string, o?: object) => ((remote = true), lib.count(q, o)),
        atoms: (q: string, o?: object) => ((remote = true), lib.atoms(q, o)),
      }
      for (const maxMatches of [3, 29]) {
        const ctx = new DescriptorContext(fromRDKitJson(mol!.get_json(), { smarts: counted }))
        for (const p of atomPatterns) {
          const opts = { uniquify: false, maxMatches }
          remote = false
          const ours = matchAtoms(ctx, p, opts)!.join()
          const ref = lib.atoms(p, opts).join()
          if (ours !== ref) bad.push(`${p} (max ${maxMatches}) on ${s}: ${ours} vs ${ref}`)
          if (!remote && lib.count(p, opts) === maxMatches) capped++
        }
        for (const p of countPatterns)
          for (const uniquify of [true, false]) {
            const opts = { uniquify, maxMatches }
            const ours = countMatches(ctx, p, opts)
            // RDKit 2022.09 (mordred's) uniquifies the first maxMatches matches; MinimalLib (RDKit >= 2023.03)
            // keeps searching until maxMatches distinct ones: the reference is 2022.09's, from the raw matches
            const ref = uniquify ? distinctSets(mol!, p, maxMatches) : lib.count(p, opts)
            if (ours !== ref) bad.push(`${p} (max ${maxMatches}, uniquify ${uniquify}) on ${s}: ${ours} vs ${ref}`)
          }
      }
    } finally {
      mol!.delete()
    }
  }
  expect(bad.slice(0, 10)).toEqual([])
  expect(capped).toBeGreaterThan(1000)
})

/** RDKit 2022.09's uniquified count at a match limit: distinct atom sets among the first maxMatches matches */
const distinctSets = (mol: { get_substruct_matches(q: unknown, o: string): string }, smarts: string, maxMatches: number): number => {
  const q = queries.get(smarts) ?? rdkit!.get_qmol(smarts)!
  queries.set(smarts, q)
  const raw = mol.get_substruct_matches(q, JSON.stringify({ uniquify: false, maxMatches }))
  const parsed = JSON.parse(raw === "" ? "{}" : raw) as unknown
  const sets = new Set<string>()
  if (Array.isArray(parsed)) for (const m of parsed as { atoms: number[] }[]) sets.add([...m.atoms].sort((a, b) => a - b).join())
  return sets.size
}
const queries = new Map<string, unknown>()
let rdkit: Awaited<ReturnType<typeof loadRDKit>> | undefined
