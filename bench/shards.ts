/**
 * Split and collect of a large run without the network: `periogt submit`'s split (input scan with
 * digest and row count, then the shards) and `periogt collect`'s merge with the exactly-once check
 * (every line's request id recomputed from its global row and property), on N rows (default 1 000 000)
 * in S shards (default 8). The shard outputs are fabricated in batch's format (not timed).
 *
 *   bun bench/shards.ts [--rows 1000000] [--shards 8]
 *
 * Goal (issue 15): split + collect of 1 000 000 rows in ≤ 10 s on 2 cores.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { collectRun } from "../core/jobs/collect.ts"
import { LEDGER_FORMAT, shardName, type Ledger } from "../core/jobs/ledger.ts"
import { scanInput, shardSizes, writeShards } from "../core/jobs/shards.ts"
import { csvLine, OUTPUT_COLUMNS } from "../core/io/csv/index.ts"
import { requestId } from "../core/pipeline/batch.ts"
import { Result } from "effect"

const { values: args } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, shards: { type: "string", default: "8" } } })
const ROWS = Number(args.rows)
const SHARDS = Number(args.shards)
const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bench-shards-"))
try {
  const input = path.join(work, "big.csv")
  const units = ["*CC*", "*CC(C)*", "*CC(Cl)*", "*CC(*)c1ccccc1", "*OCC*", "*CC(=O)O*"]
  const fd = fs.openSync(input, "w")
  let buf = "id,smiles\n"
  for (let i = 1; i <= ROWS; i++) {
    buf += `u${i},${units[i % units.length]}\n`
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf)
      buf = ""
    }
  }
  fs.writeSync(fd, buf)
  fs.closeSync(fd)

  const t0 = performance.now()
  const scan = scanInput(input)
  if (Result.isFailure(scan)) throw scan.failure
  const sizes = shardSizes(scan.success.rows, SHARDS)
  const spans = writeShards(input, scan.success, path.join(work, "shards"), sizes)
  const split = (performance.now() - t0) / 1000

  // Fabricated outputs, as the shards' batches would write them.
  const run = path.join(work, "run")
  fs.mkdirSync(path.join(run, "outputs"), { recursive: true })
  const ledger: Ledger = {
    format: LEDGER_FORMAT, id: "bench", created: "", updated: "", periogt_version: "bench",
    input: { path: input, sha256: scan.success.sha256, rows: scan.success.rows, bytes: scan.success.bytes },
    properties: ["eps"], property_arg: "eps", scheduler: "local", scheduler_reason: "bench", mode: "array", max_running: 1, cluster: "generic", sets: [], job_env: {},
    shards: spans.map((s) => ({ index: s.index, file: path.relative(run, s.file), output: path.join("outputs", `${shardName(s.index)}_eps_predictions.csv`), first_row: s.firstRow, rows: s.rows, first_line: s.firstLine, job_ids: [], state: "completed" as const })),
    submissions: [],
  }
  for (const s of ledger.shards) {
    const out = fs.openSync(path.join(run, s.output), "w")
    let text = csvLine(OUTPUT_COLUMNS)
    for (let r = s.first_row; r < s.first_row + s.rows; r++) {
      text += csvLine([`u${r}`, units[r % units.length]!, "eps", "1.25", "", "true", "", "", requestId(ledger.input.sha256, `${r}:eps`)])
      if (text.length > 1 << 20) {
        fs.writeSync(out, text)
        text = ""
      }
    }
    fs.writeSync(out, text)
    fs.closeSync(out)
  }

  const t1 = performance.now()
  const result = collectRun(run, ledger, path.join(work, "merged.csv"), false, new Date().toISOString())
  const collect = (performance.now() - t1) / 1000
  if (result.problems.length > 0) throw new Error(JSON.stringify(result.problems))
  console.log(JSON.stringify({ rows: ROWS, shards: SHARDS, split_s: Number(split.toFixed(2)), collect_s: Number(collect.toFixed(2)), total_s: Number((split + collect).toFixed(2)), goal_s: 10 }))
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
