/**
 * The demonstration model's descriptor scaler (core/demo/assets/scaler.json): a StandardScaler fitted,
 * as scikit-learn fits one (mean, population std, 1 where the std is 0), on periogt's own descriptors of
 * the capped 3-mers of the project's test set (test/fixtures/polymers/valid.csv). Upstream's fitted
 * scaler is a PerioGT artifact and is not bundled; the demonstration needs one only to feed its
 * synthetic network sensible magnitudes.
 *
 *   bun tools/demo/fitScaler.ts
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { mdUnscaled, DESCRIPTOR_COUNT } from "../../core/chem/descriptors/index.ts"
import { describe } from "../../core/pipeline/describe.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"

const ROOT = path.resolve(import.meta.dir, "../..")
const rdkit = await loadRDKit()
const rows = fs.readFileSync(path.join(ROOT, "test/fixtures/polymers/valid.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","))
const sum = new Float64Array(DESCRIPTOR_COUNT)
const sq = new Float64Array(DESCRIPTOR_COUNT)
let n = 0
for (const [id, smiles] of rows) {
  const d = describe(rdkit, smiles!, { oligomer: 3 })
  if ("code" in d) {
    process.stderr.write(`${id}: ${d.message}\n`)
    continue
  }
  const x = mdUnscaled(d.values)
  for (let i = 0; i < DESCRIPTOR_COUNT; i++) sum[i] += x[i]!
  n++
}
const mean = Array.from(sum, (s) => s / n)
for (const [, smiles] of rows) {
  const d = describe(rdkit, smiles!, { oligomer: 3 })
  if ("code" in d) continue
  const x = mdUnscaled(d.values)
  for (let i = 0; i < DESCRIPTOR_COUNT; i++) sq[i] += (x[i]! - mean[i]!) ** 2
}
const scale = Array.from(sq, (s) => (s / n > 0 ? Math.sqrt(s / n) : 1))
const out = path.join(ROOT, "core/demo/assets/scaler.json")
fs.writeFileSync(out, JSON.stringify({ fitted_on: "capped 3-mers of test/fixtures/polymers/valid.csv", samples: n, mean, scale }) + "\n")
process.stdout.write(`${out}: ${n} molecules\n`)
