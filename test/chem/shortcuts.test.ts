/**
 * The TypeScript shortcuts against MinimalLib's own way, on the test set's units and the valid ones of
 * 10 000 fuzz strings: where a shortcut answers, MinimalLib (building the same edit from its spec)
 * must give the same canonical SMILES, the same molecule and the same fingerprint bits. The parity
 * tests compare both ways with the oracle; this one guards the shortcuts on inputs the oracle never saw.
 * Left out by design: units with metals (MinimalLib ≥ 2025.03 brackets their neighbours, RDKit 2022.09
 * and the TypeScript writer do not), cut variants whose molecule the shortcut leaves to the parser, and
 * for the fingerprints units with an aromatic bond between non-aromatic atoms (`*C:C*`), which
 * MinimalLib cannot be given in a spec (its JSON has no aromatic bond order).
 */
import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fingerprintOfGraph, fingerprintOfMol } from "../../core/chem/fingerprints/index.ts"
import { specToSmiles } from "../../core/chem/molecule/build.ts"
import { parseMolecule } from "../../core/chem/molecule/parse.ts"
import { NON_METALS } from "../../core/chem/molecule/smilesWrite.ts"
import { BondType, type Molecule } from "../../core/chem/molecule/types.ts"
import { augmentSpec, backboneBonds } from "../../core/chem/polymer/augment.ts"
import { oligomerSmilesWithoutRdkit, oligomerSpec } from "../../core/chem/polymer/oligomer.ts"
import { isRepeatUnit, validateRepeatUnit, type RepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { variantWithoutRdkit } from "../../core/chem/polymer/variants.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { parseCsv } from "./support/csv.ts"
import { fuzzSmiles } from "./support/fuzzSmiles.ts"

const rdkit = await loadRDKit()

const units: RepeatUnit[] = []
const testSet = parseCsv(readFileSync(join(import.meta.dir, "../fixtures/polymers/valid.csv"), "utf8")).map((r) => r.smiles ?? "")
for (const s of [...testSet, ...fuzzSmiles(10_000)]) {
  const u = validateRepeatUnit(rdkit, s)
  if (isRepeatUnit(u) && !Array.from(u.mol.atomicNum).some((z) => !NON_METALS.has(z))) units.push(u)
}

const MOLECULE_FIELDS = ["atomicNum", "isotope", "formalCharge", "totalHs", "degree", "aromatic", "hybridization", "atomInRing", "chiralityPossible", "cip", "bondBegin", "bondEnd", "bondType", "conjugated", "bondInRing", "adjAtom", "adjBond"] as const
const moleculeDiff = (a: Molecule, b: Molecule): string[] =>
  MOLECULE_FIELDS.filter((f) => JSON.stringify(Array.from(a[f] as ArrayLike<number>)) !== JSON.stringify(Array.from(b[f] as ArrayLike<number>)))

test("oligomers: the TypeScript writer gives MinimalLib's canonical SMILES", () => {
  const wrong: string[] = []
  let compared = 0
  for (const u of units)
    for (const [n, capped] of [[2, true], [3, true], [6, true], [2, false], [3, false]] as const) {
      const ts = oligomerSmilesWithoutRdkit(u, n, capped)
      if (ts === undefined) continue
      const spec = oligomerSpec(u, n, capped)
      const rd = spec === undefined ? undefined : specToSmiles(rdkit, spec)
      if (rd === undefined) continue
      compared++
      if (ts !== rd) wrong.push(`${u.smiles} ${n}${capped ? " capped" : ""}: ${ts} vs ${rd}`)
    }
  expect(wrong.slice(0, 5)).toEqual([])
  expect(compared).toBeGreaterThan(1000)
}, 300_000)

test("cut variants: the TypeScript SMILES and molecule are MinimalLib's", () => {
  const wrong: string[] = []
  let compared = 0
  for (const u of units) {
    for (const b of backboneBonds(u)) {
      const v = variantWithoutRdkit(u, b)
      if (v?.mol === undefined) continue
      const rd = specToSmiles(rdkit, augmentSpec(u, b))
      if (rd === undefined) continue
      compared++
      if (v.smiles !== rd) wrong.push(`${u.smiles} cut ${b}: ${v.smiles} vs ${rd}`)
      const parsed = parseMolecule(rdkit, v.smiles)
      const diff = parsed === undefined ? ["unparsable"] : moleculeDiff(v.mol, parsed)
      if (diff.length > 0) wrong.push(`${u.smiles} cut ${b} (${v.smiles}): ${diff.join(",")}`)
    }
  }
  expect(wrong.slice(0, 5)).toEqual([])
  expect(compared).toBeGreaterThan(500)
}, 300_000)

test("fingerprints: the TypeScript MACCS and Morgan bits of the capped 3-mer are MinimalLib's for its SMILES", () => {
  // upstream fingerprints MolFromSmiles(capped SMILES): MinimalLib reads the SMILES MinimalLib writes
  const wrong: string[] = []
  let compared = 0
  const chainAromatic = (u: RepeatUnit) => {
    const m = u.mol
    for (let b = 0; b < m.numBonds; b++) if (m.bondType[b] === BondType.Aromatic && (!m.aromatic[m.bondBegin[b]!] || !m.aromatic[m.bondEnd[b]!])) return true
    return false
  }
  for (const u of units) {
    if (chainAromatic(u)) continue
    const spec = oligomerSpec(u, 3, true)
    const g = spec?.graph?.()
    if (spec === undefined || g === undefined) continue
    const smiles = specToSmiles(rdkit, spec)
    const mol = smiles === undefined ? null : rdkit.get_mol(smiles)
    if (mol === null) continue
    let rd: Uint8Array
    try {
      rd = fingerprintOfMol(mol)
    } finally {
      mol.delete()
    }
    compared++
    if (Buffer.compare(Buffer.from(fingerprintOfGraph(g)), Buffer.from(rd)) !== 0) wrong.push(u.smiles)
  }
  expect(wrong.slice(0, 5)).toEqual([])
  expect(compared).toBeGreaterThan(500)
}, 300_000)
