/**
 * canonicalRanks vs RDKit 2022.09.5's Chem.CanonicalRankAtoms: every graph of every featurizer
 * fixture (the `ranks` upstream computed) and the broader set of test/fixtures/canon/ranks.json.gz
 * (tools/oracle/canon_ranks.py). Target: all equal.
 */
import { describe, expect, test } from "bun:test"
import { gunzipSync } from "node:zlib"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { parseMolecule, type Molecule } from "../../core/chem/molecule/index.ts"
import { atomMapNumbers, canonicalRanks } from "../../core/chem/canon/index.ts"
import { fixtureIds, loadFixture } from "./support/fixtures.ts"

const rdkit = await loadRDKit()

const ranksOf = (smiles: string): { mol: Molecule; ranks: number[] } => {
  const mol = parseMolecule(rdkit, smiles)
  if (mol === undefined) throw new Error(`unparsable: ${smiles}`)
  const atomMap = atomMapNumbers(rdkit, smiles)
  return { mol, ranks: Array.from(canonicalRanks(mol, atomMap ? { atomMapNumbers: atomMap } : undefined)) }
}

describe("canonicalRanks: examples checked against RDKit 2022.09.5", () => {
  const cases: [string, number[]][] = [
    ["*C(C)(C(=O)OC)C*", [1, 8, 3, 7, 4, 6, 2, 5, 0]],
    // ring stereo (trans-1,4-cyclohexylene): tags kept without CIP codes
    ["*[C@@H]1CC[C@H](*)CC1", [0, 6, 4, 3, 7, 1, 5, 2]],
    ["C[C@H]1CC[C@@H](C)CC1", [0, 6, 2, 5, 7, 1, 3, 4]],
    // atom-map numbers take part in the comparison
    ["[*:1]CCO[*:2]", [3, 1, 0, 2, 4]],
    // map numbers follow RDKit's atom order after explicit [H] atoms are removed
    ["[H]C([H])([*:1])C[*:2]", [0, 2, 1, 3]],
    ["[*:1]C([H])C[*:2]", [2, 0, 1, 3]],
    ["[2H]C([*:1])C[*:2]", [0, 2, 3, 1, 4]],
    // negative formal charges sort after positive ones (compared as unsigned)
    ["[NH3+]CC([O-])=O", [0, 3, 4, 2, 1]],
  ]
  for (const [smiles, expected] of cases) {
    test(smiles, () => {
      expect(ranksOf(smiles).ranks).toEqual(expected)
    })
  }

  test("empty molecule and single atoms", () => {
    expect(ranksOf("C").ranks).toEqual([0])
    expect(ranksOf("[Na+].[Cl-]").ranks.length).toBe(2)
  })

  test("the result is a permutation of 0..n-1", () => {
    const { ranks } = ranksOf("c1ccc2cc3ccccc3cc2c1")
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks.map((_, i) => i))
  })
})

describe("canonicalRanks: featurizer fixture graphs (ranks upstream computed)", () => {
  test("every graph of every fixture", () => {
    let graphs = 0
    const mismatches: string[] = []
    for (const id of fixtureIds()) {
      const r = loadFixture(id)
      const todo: { smiles: string; ranks: number[]; where: string }[] = []
      r.prompt?.graphs?.forEach((g, k) => {
        if (g.ranks !== undefined && g.smiles !== undefined) todo.push({ smiles: g.smiles, ranks: g.ranks, where: `prompt.graphs[${k}]` })
      })
      const w = r.without_prompt
      if (w !== undefined && w !== null && typeof w === "object" && w.ranks !== undefined) {
        todo.push({ smiles: r.smiles, ranks: w.ranks, where: "without_prompt" })
      }
      for (const t of todo) {
        graphs++
        const got = ranksOf(t.smiles).ranks
        if (got.join() !== t.ranks.join()) mismatches.push(`${id} ${t.where} ${t.smiles}: got ${got.join()} want ${t.ranks.join()}`)
      }
    }
    expect(mismatches).toEqual([])
    expect(graphs).toBeGreaterThan(500)
  }, 120_000)
})

interface CanonFixture {
  rdkit: string
  sources: Record<string, number>
  molecules: [string, string, number[]][]
}

describe("canonicalRanks: broader oracle set (test/fixtures/canon/ranks.json.gz)", () => {
  const doc = JSON.parse(
    gunzipSync(readFileSync(join(import.meta.dir, "../fixtures/canon/ranks.json.gz"))).toString("utf8"),
  ) as CanonFixture

  test("generated with RDKit 2022.09.5", () => {
    expect(doc.rdkit).toBe("2022.09.5")
  })

  const bySource = new Map<string, [string, number[]][]>()
  for (const [smiles, source, ranks] of doc.molecules) {
    const list = bySource.get(source) ?? []
    list.push([smiles, ranks])
    bySource.set(source, list)
  }
  for (const [source, list] of bySource) {
    test(`${source}: ${list.length} molecules`, () => {
      const mismatches: string[] = []
      for (const [smiles, want] of list) {
        const got = ranksOf(smiles).ranks
        if (got.join() !== want.join()) mismatches.push(`${smiles}: got ${got.join()} want ${want.join()}`)
      }
      expect(mismatches).toEqual([])
    }, 120_000)
  }
})
