import * as fs from "node:fs"
import * as path from "node:path"
import { csvLine, CsvTokenizer, OUTPUT_COLUMNS } from "../io/csv/index.ts"
import { syncDirectory, temporarySibling } from "../io/atomicWrite.ts"
import { requestId } from "../pipeline/batch.ts"
import { readShardStatus, type CollectSummary, type Ledger, type ShardEntry } from "./ledger.ts"

/**
 * Merging a run's shard outputs into one CSV, in input order, with the exactly-once check: every
 * shard's output has, for each of its rows in order, one line per property in the run's order, and
 * each line's request id is the one named after (global row, property) — so every (global row,
 * property) of the input appears exactly once. The merged file is written to a temporary sibling,
 * flushed and renamed: it appears only when complete.
 */
export interface ShardProblem {
  readonly index: number
  readonly state: string
  readonly why: string
}

export const shardOutput = (runDir: string, s: ShardEntry) => path.join(runDir, s.output)

/** Shards whose output is not there complete. */
export const missingShards = (runDir: string, l: Ledger): ShardProblem[] =>
  l.shards.flatMap((s) => {
    if (fs.existsSync(shardOutput(runDir, s))) return []
    const partial = fs.existsSync(`${shardOutput(runDir, s)}.partial`)
    return [{ index: s.index, state: s.state, why: partial ? `incomplete: ${s.rows_done ?? 0} of ${s.rows} rows done` : "no output" }]
  })

const HEADER = csvLine(OUTPUT_COLUMNS)

/** Checks one shard output; returns its data text (after the header) and its counts, or the problem. */
export const verifyShard = (runDir: string, l: Ledger, s: ShardEntry): { ok: true; data: string; failedRows: number; byCode: Map<string, number> } | { ok: false; why: string } => {
  const text = fs.readFileSync(shardOutput(runDir, s), "utf8")
  if (!text.startsWith(HEADER)) return { ok: false, why: "its header is not periogt's batch header" }
  const data = text.slice(HEADER.length)
  const records = new CsvTokenizer().push(data)
  if (data.length > 0 && !data.endsWith("\n")) return { ok: false, why: "its last line is torn" }
  const props = l.properties
  const expected = s.rows * props.length
  if (records.length !== expected) return { ok: false, why: `${records.length} lines where ${s.rows} rows × ${props.length} properties make ${expected}` }
  const col = (name: (typeof OUTPUT_COLUMNS)[number]) => OUTPUT_COLUMNS.indexOf(name)
  const [cProp, cOk, cCode, cRid] = [col("property"), col("ok"), col("error_code"), col("request_id")]
  let failedRows = 0
  const byCode = new Map<string, number>()
  for (let k = 0; k < records.length; k++) {
    const r = records[k]!
    if (!r.ok) return { ok: false, why: `line ${k + 2} is malformed (${r.reason})` }
    const row = s.first_row + Math.floor(k / props.length)
    const property = props[k % props.length]!
    if (r.fields[cProp] !== property) return { ok: false, why: `line ${k + 2}: property ${r.fields[cProp]} where ${property} belongs (row ${row})` }
    if (r.fields[cRid] !== requestId(l.input.sha256, `${row}:${property}`)) return { ok: false, why: `line ${k + 2}: its request id is not row ${row}'s ${property}: rows lost, repeated or out of order` }
    if (k % props.length === 0 && r.fields[cOk] === "false") {
      failedRows++
      const code = r.fields[cCode] || "unknown"
      byCode.set(code, (byCode.get(code) ?? 0) + 1)
    }
  }
  return { ok: true, data, failedRows, byCode }
}

export interface CollectResult {
  readonly summary: CollectSummary
  readonly problems: ReadonlyArray<ShardProblem>
}

/**
 * Verifies every available shard, then (when nothing is wrong, or `partial`) writes the merged file.
 * Shards missing or failing the check are problems; with `partial` they are left out and listed.
 */
export const collectRun = (runDir: string, l: Ledger, output: string, partial: boolean, at: string): CollectResult => {
  const missing = missingShards(runDir, l)
  const problems: ShardProblem[] = [...missing]
  const parts: Array<{ s: ShardEntry; data: string; failedRows: number; byCode: Map<string, number> }> = []
  for (const s of l.shards) {
    if (missing.some((m) => m.index === s.index)) continue
    const v = verifyShard(runDir, l, s)
    if (!v.ok) problems.push({ index: s.index, state: s.state, why: v.why })
    else parts.push({ s, ...v })
  }
  problems.sort((a, b) => a.index - b.index)
  const byRule: Record<string, number> = {}
  let failed = 0
  let rows = 0
  for (const p of parts) {
    failed += p.failedRows
    rows += p.s.rows
    for (const [k, v] of p.byCode) byRule[k] = (byRule[k] ?? 0) + v
  }
  const summary: CollectSummary = {
    at,
    output,
    partial: problems.length > 0,
    rows,
    lines: rows * l.properties.length,
    failed_rows: failed,
    failures_by_rule: byRule,
    missing_shards: problems.map((p) => p.index),
    shards: parts.map((p) => {
      const st = readShardStatus(runDir, p.s.index)
      const rate = st?.seconds !== undefined && st.seconds > 0 && st.rows_done > st.resumed_from ? (st.rows_done - st.resumed_from) / st.seconds : null
      return { index: p.s.index, rows: p.s.rows, rows_per_s: rate === null ? null : Number(rate.toFixed(2)), device: st?.device ?? null }
    }),
  }
  if (problems.length > 0 && !partial) return { summary, problems }
  fs.mkdirSync(path.dirname(output), { recursive: true })
  const tmp = temporarySibling(output)
  const fd = fs.openSync(tmp, "w", 0o644)
  try {
    fs.writeSync(fd, HEADER)
    for (const p of parts) fs.writeSync(fd, p.data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, output)
  syncDirectory(path.dirname(output))
  return { summary, problems }
}
