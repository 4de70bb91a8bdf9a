/**
 * Computes each property's label statistics as upstream's finetuning does (REFERENCE §3.9): the
 * train split (index 0 of `split.pkl`) of the public dataset, labels as float32, nanmean and the
 * population nanstd. Run once; the output is committed as core/artifacts/labelStats.json.
 *
 *   bun tools/label-stats.ts ../shared/data/periogt/datasets > core/artifacts/labelStats.json
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { readSplit } from "../core/io/pickle/split.ts"
import { csvRecords } from "../core/io/csv/index.ts"

const root = path.resolve(process.argv[2] ?? "../shared/data/periogt/datasets")
const out: Record<string, { mean: number; std: number; n_train: number; source: string }> = {}
for (const prop of fs.readdirSync(root).sort()) {
  const csv = path.join(root, prop, `${prop}.csv`)
  const split = path.join(root, prop, "split.pkl")
  if (!fs.existsSync(csv) || !fs.existsSync(split)) continue
  const values: Array<number> = []
  let header: ReadonlyArray<string> | undefined
  for await (const r of csvRecords(fs.createReadStream(csv))) {
    if (!r.ok) throw new Error(`${csv}:${r.line}: ${r.reason}`)
    if (header === undefined) {
      header = r.fields
      continue
    }
    if (r.fields.length === 1 && r.fields[0] === "") continue
    const v = r.fields[header.indexOf("value")]
    values.push(v === undefined || v === "" ? NaN : Math.fround(Number(v)))
  }
  const train = (await readSplit(split)).train
  const xs = Array.from(train, (i) => values[i]!).filter((x) => !Number.isNaN(x))
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length)
  out[prop] = { mean, std, n_train: xs.length, source: `datasets/${prop}/${prop}.csv, train split of split.pkl` }
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n")
