/**
 * One featurizer, on inputs no oracle saw: for the test set's units and the valid ones of 10 000 fuzz
 * strings, the fingerprint and graphs that `periogt featurize` prints and the md vector that
 * `periogt descriptors --model-input` prints are, bit for bit, what the network receives
 * (`featurizeForNetwork`). Each side is computed from its own fresh features, so a second path
 * anywhere in between would show here.
 */
import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ValidationError } from "../../core/errors/index.ts"
import { readDemoScaler } from "../../core/pipeline/demoPredictor.ts"
import { describe as describeUnit } from "../../core/pipeline/describe.ts"
import { featuresOf, featurizeForNetwork, featurizeReport } from "../../core/pipeline/Featurizer.ts"
import { rdkitRanks } from "../../core/pipeline/ranks.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { parseCsv } from "../chem/support/csv.ts"
import { fuzzSmiles } from "../chem/support/fuzzSmiles.ts"

const rdkit = await loadRDKit()
const ranks = rdkitRanks(rdkit)
// the demonstration scaler ships with the executable: no skip where ../shared is absent
const scaler = await readDemoScaler()

const testSet = parseCsv(readFileSync(join(import.meta.dir, "../fixtures/polymers/valid.csv"), "utf8")).map((r) => r.smiles ?? "")

test("featurize's fingerprint and graphs and descriptors' md vector are what the network receives (test set + 10 000 fuzz strings)", () => {
  const report: string[] = []
  let units = 0
  let networkInputs = 0
  for (const s of [...testSet, ...fuzzSmiles(10_000)]) {
    const printed = featuresOf(rdkit, s, { ranks })
    const net = featurizeForNetwork(rdkit, s, ranks, scaler)
    if (printed instanceof ValidationError) {
      if (!(net instanceof ValidationError)) report.push(`${s}: featurize refuses it, the network takes it`)
      continue
    }
    units++
    if (net instanceof ValidationError) continue
    networkInputs++
    const r = featurizeReport(printed, true)
    const netBits = Array.from(net.fp.keys()).filter((i) => net.fp[i] === 1)
    if (JSON.stringify(r.fingerprints["3"]?.on) !== JSON.stringify(netBits)) report.push(`${s}: fingerprint differs`)
    const graphs = r.graphs
    if (!Array.isArray(graphs) || graphs.length !== net.graphs.length) report.push(`${s}: prompt graph count differs`)
    else
      graphs.forEach((g, k) => {
        const n = net.graphs[k]!
        if (g.nodes !== n.nNodes || g.edges !== n.edgeSrc.length || JSON.stringify(g.bid) !== JSON.stringify(Array.from(n.bid ?? []))) report.push(`${s}: graph ${k} differs`)
      })
    const md = describeUnit(rdkit, s, { oligomer: 3, scaler })
    if (md instanceof ValidationError) report.push(`${s}: descriptors refuse it (${md.message}), the network takes it`)
    else if (md.values.length !== net.md.length || md.values.some((v, i) => !Object.is(v, net.md[i]))) report.push(`${s}: md vector differs`)
  }
  console.log(`one featurizer: ${units} valid units, ${networkInputs} network inputs compared`)
  expect(networkInputs).toBeGreaterThan(500)
  expect(report.slice(0, 20)).toEqual([])
}, 600_000)
