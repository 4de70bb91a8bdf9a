/**
 * PerioGT's training environment (issue 22): where RDKit 2021.09.2 (what PerioGT was trained with) and
 * 2022.09.5 (the reference oracle) disagree, periogt gives 2021.09.2's answer. The only disagreement is
 * the Morgan bits of capped oligomers that keep a hydrogen atom ([H] setting a double bond's E/Z, [2H],
 * [3H]). test/fixtures/trainingEnv/ (tools/oracle/training_env37.py, Python 3.7 + rdkit-pypi 2021.9.2 +
 * mordred 1.2.0 running upstream's own utils/aug.py and utils/features.py) holds every such unit of the
 * test set and of the seven datasets: their capped 3/6/9-mers, MACCS + Morgan bits and 1613 descriptors.
 * Everything is read from the Featurizer (`featuresOf`), the one path `featurize` and the network use.
 */
import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fingerprintOfSpec, onBits } from "../../core/chem/fingerprints/index.ts"
import { oligomerSpec } from "../../core/chem/polymer/oligomer.ts"
import { featuresOf, isDescriptorFailure, type CappedUnits, type UnitFeatures } from "../../core/pipeline/Featurizer.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { ValidationError } from "../../core/errors/index.ts"
import { same } from "../descriptors/support.ts"
import { parseCsv } from "./support/csv.ts"
import { fixtureIds, loadFixture } from "./support/fixtures.ts"
import { loadTrainingEnv, TRAINING_ENV_DIR, TRAINING_ENV_FP } from "./support/trainingEnv.ts"

const rdkit = await loadRDKit()
const { units, manifest } = loadTrainingEnv()
const NS = [3, 6, 9] as const
const BRACKET_H = /\[\d*H[\]@+\-:]/

const features = new Map<string, UnitFeatures>()
const featuresOfUnit = (id: string, smiles: string): UnitFeatures => {
  let f = features.get(id)
  if (f === undefined) {
    const r = featuresOf(rdkit, smiles)
    if (r instanceof ValidationError) throw new Error(`${id} ${smiles}: ${r.message}`)
    features.set(id, (f = r))
  }
  return f
}

const num = (x: number | string | null): number =>
  x === null ? NaN : typeof x === "number" ? x : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : NaN

describe("training environment (RDKit 2021.09.2): units whose capped oligomers keep a hydrogen atom", () => {
  test("the fixtures come from the training environment, and cover the test set's and the datasets' units", () => {
    const v = manifest.versions as Record<string, string>
    expect({ python: (v.python ?? "").slice(0, 4), rdkit: v["rdkit-pypi"], build: v.rdkit_build, mordred: v.mordred, numpy: v.numpy, networkx: v.networkx }).toEqual({
      python: "3.7.",
      rdkit: "2021.9.2",
      build: "2021.09.2",
      mordred: "1.2.0",
      numpy: "1.21.5",
      networkx: "2.2",
    })
    const ids = new Set(units.map((u) => u.id))
    // every test-set unit whose capped oligomers (2022.09's, in the featurizer fixtures) are written with a bracket hydrogen
    const wanted = fixtureIds().filter((id) => {
      const f = loadFixture(id)
      return f.valid && Object.values(f.capped ?? {}).some((s) => s !== null && BRACKET_H.test(s))
    })
    expect(wanted.filter((id) => !ids.has(id))).toEqual([])
    // the fifteen dataset units (egb 1, egc 14): ids and SMILES only (test/fixtures/trainingEnv/dataset_units.csv)
    const dataset = parseCsv(readFileSync(join(TRAINING_ENV_DIR, "dataset_units.csv"), "utf8"))
    expect(dataset.length).toBe(15)
    expect(dataset.filter((r) => !ids.has(r.id!)).map((r) => r.id)).toEqual([])
    // and each from the unit the test set holds now (a stale fixture fails here)
    const valid = new Map(parseCsv(readFileSync(join(import.meta.dir, "../fixtures/polymers/valid.csv"), "utf8")).map((r) => [r.id!, r.smiles!]))
    const fromDatasets = new Map(dataset.map((r) => [r.id!, r.smiles!]))
    expect(units.filter((u) => (valid.get(u.id) ?? fromDatasets.get(u.id)) !== u.smiles).map((u) => u.id)).toEqual([])
    expect(manifest.skipped).toEqual([])
  })

  test("capped 3/6/9-mers: periogt writes the training environment's SMILES", () => {
    const wrong: string[] = []
    for (const u of units) {
      const f = featuresOfUnit(u.id, u.smiles)
      for (const n of NS) {
        const m = u.mols[n]!
        if ((f.cappedSmiles(n) ?? null) !== m.smiles) wrong.push(`${u.id}/${n}: ${f.cappedSmiles(n)} vs ${m.smiles}`)
      }
    }
    expect(wrong).toEqual([])
  }, 120_000)

  test("fingerprints: MACCS + Morgan bits equal RDKit 2021.09.2's bit for bit (3/6/9-mers)", () => {
    const wrong: string[] = []
    let checked = 0
    for (const u of units) {
      const f = featuresOfUnit(u.id, u.smiles)
      for (const n of NS) {
        const want = u.mols[n]!.fp
        const fp = f.fingerprint(n)
        if (want === undefined) {
          if (fp !== undefined) wrong.push(`${u.id}/${n}: the oracle has no fingerprint, periogt has one`)
          continue
        }
        checked++
        const got = fp === undefined ? null : onBits(fp)
        if (JSON.stringify(got) !== JSON.stringify(want.on)) {
          const extra = (got ?? []).filter((b) => !want.on.includes(b))
          const missing = want.on.filter((b) => !(got ?? []).includes(b))
          wrong.push(`${u.id}/${n} ${u.smiles}: extra [${extra.join(",")}] missing [${missing.join(",")}]`)
        }
      }
    }
    console.log(`training environment: ${checked} fingerprints of ${units.length} units checked`)
    expect(wrong).toEqual([])
  }, 120_000)

  test("the units whose bits differ from 2022.09.5's are exactly the named ones, and 2022.09.5's bits are reproduced too", () => {
    // test-set units: 2022.09.5's bits are in the featurizer fixtures; `"rdkit2022"` must give them
    const differ: string[] = []
    const wrong: string[] = []
    for (const u of units) {
      if (!u.source.endsWith("valid.csv")) continue
      const old = loadFixture(u.id)
      const f = featuresOfUnit(u.id, u.smiles)
      let differs = false
      for (const n of NS) {
        const mine2022 = fingerprintOfSpec(rdkit, oligomerSpec(f.unit, n, true), "rdkit2022")
        const want2022 = old.fp?.[n]?.on ?? null
        if (JSON.stringify(mine2022 === undefined ? null : onBits(mine2022)) !== JSON.stringify(want2022)) wrong.push(`${u.id}/${n}: not 2022.09.5's bits`)
        if (JSON.stringify(want2022) !== JSON.stringify(u.mols[n]!.fp?.on ?? null)) differs = true
      }
      if (differs) differ.push(u.id)
    }
    expect(wrong).toEqual([])
    expect(differ.sort()).toEqual(Object.keys(TRAINING_ENV_FP).sort())
  }, 120_000)

  test("descriptors: the 1613 values equal mordred 1.2.0's in the training environment (1e-6) on every capped 3/6/9-mer", () => {
    const wrong: string[] = []
    let values = 0
    for (const u of units) {
      const f = featuresOfUnit(u.id, u.smiles)
      for (const n of NS) {
        const m = u.mols[n]!
        if (m.raw === undefined) continue
        const d = f.descriptors(n as CappedUnits)
        if (isDescriptorFailure(d)) {
          wrong.push(`${u.id}/${n}: ${d.rule} ${d.message}`)
          continue
        }
        for (let i = 0; i < m.raw.length; i++) {
          values++
          if (!same(d[i]!, num(m.raw[i]!))) wrong.push(`${u.id}/${n}[${i}]: ${d[i]} vs ${m.raw[i]}`)
        }
      }
    }
    console.log(`training environment: ${values} descriptor values checked`)
    expect(wrong.slice(0, 30)).toEqual([])
  }, 600_000)
})

// end to end (tiny checkpoints, the network's input and prediction): test/pipeline/trainingEnv.test.ts
