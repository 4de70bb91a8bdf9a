import * as fs from "node:fs"
import * as path from "node:path"
import { csvLine, CsvTokenizer, OUTPUT_COLUMNS } from "../io/csv/index.ts"
import { syncDirectory, temporarySibling } from "../io/atomicWrite.ts"
import { requestIdMatcher } from "./requestIds.ts"
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

/**
 * Checks one shard output; returns its data text (after the header) and its counts, or the problem.
 * Records are found by quote parity (csvLine quotes a field only as a whole, so a quote count that is
 * odd means a line break inside a field); a record without quotes is read by finding its commas, one
 * with quotes through the CSV tokenizer.
 */
export const verifyShard = (
  runDir: string,
  l: Ledger,
  s: ShardEntry,
  matches: (row: number, property: string, text: string, pos: number) => boolean,
): { ok: true; data: string; failedRows: number; byCode: Map<string, number> } | { ok: false; why: string } => {
  const text = fs.readFileSync(shardOutput(runDir, s), "utf8")
  if (!text.startsWith(HEADER)) return { ok: false, why: "its header is not periogt's batch header" }
  if (text.length > HEADER.length && !text.endsWith("\n")) return { ok: false, why: "its last line is torn" }
  const props = l.properties
  const expected = s.rows * props.length
  let failedRows = 0
  const byCode = new Map<string, number>()
  /** A failure's rule as the output shows it: its code and its message with numbers generalized. */
  const failed = (code: string, message: string) => {
    failedRows++
    const m = message.replace(/\d+/g, "N").replace(/\s+/g, " ").trim().slice(0, 120)
    const key = `${code || "unknown"}${m === "" ? "" : `: ${m}`}`
    byCode.set(key, (byCode.get(key) ?? 0) + 1)
  }
  let k = 0
  let at = HEADER.length
  let nextQuote = text.indexOf('"', at)
  while (at < text.length) {
    if (k >= expected) return { ok: false, why: `more lines than ${s.rows} rows × ${props.length} properties make (${expected})` }
    const row = s.first_row + Math.floor(k / props.length)
    const property = props[k % props.length]!
    let nl = text.indexOf("\n", at)
    // The next quote, searched once per quote (not once per line: that would scan the rest of the file each time).
    if (nextQuote !== -1 && nextQuote < at) nextQuote = text.indexOf('"', at)
    if (nextQuote < 0 || nextQuote > nl) {
      // id, smiles, property, prediction_value, prediction_units, ok, error_code, error_message, request_id
      const c1 = text.indexOf(",", at)
      const c2 = text.indexOf(",", c1 + 1)
      const c3 = text.indexOf(",", c2 + 1)
      const c4 = text.indexOf(",", c3 + 1)
      const c5 = text.indexOf(",", c4 + 1)
      const c6 = text.indexOf(",", c5 + 1)
      const c7 = text.indexOf(",", c6 + 1)
      const c8 = text.indexOf(",", c7 + 1)
      if (c1 < 0 || c8 < 0 || c8 > nl || text.indexOf(",", c8 + 1) !== -1 && text.indexOf(",", c8 + 1) < nl) return { ok: false, why: `line ${k + 2} does not have the 9 columns of batch's output` }
      if (nl - c8 - 1 !== 36 || c3 - c2 - 1 !== property.length || !text.startsWith(property, c2 + 1)) {
        return { ok: false, why: `line ${k + 2}: not row ${row}'s ${property} (property ${text.slice(c2 + 1, c3)})` }
      }
      if (!matches(row, property, text, c8 + 1)) return { ok: false, why: `line ${k + 2}: its request id is not row ${row}'s ${property}: rows lost, repeated or out of order` }
      if (k % props.length === 0 && c6 - c5 - 1 === 5 && text.startsWith("false", c5 + 1)) failed(text.slice(c6 + 1, c7), text.slice(c7 + 1, c8))
    } else {
      let rec = text.slice(at, nl)
      let quotes = rec.split('"').length - 1
      while (quotes % 2 === 1) {
        const next = text.indexOf("\n", nl + 1)
        if (next < 0) return { ok: false, why: `line ${k + 2}: a quoted field is never closed` }
        const more = text.slice(nl, next)
        quotes += more.split('"').length - 1
        rec += more
        nl = next
      }
      const r = new CsvTokenizer().push(rec + "\n")[0]
      if (r === undefined || !r.ok || r.fields.length !== OUTPUT_COLUMNS.length) return { ok: false, why: `line ${k + 2} is malformed` }
      const f = r.fields
      if (f[2] !== property) return { ok: false, why: `line ${k + 2}: property ${f[2]} where ${property} belongs (row ${row})` }
      if (f[8]!.length !== 36 || !matches(row, property, f[8]!, 0)) return { ok: false, why: `line ${k + 2}: its request id is not row ${row}'s ${property}: rows lost, repeated or out of order` }
      if (k % props.length === 0 && f[5] === "false") failed(f[6]!, f[7]!)
    }
    at = nl + 1
    k++
  }
  if (k !== expected) return { ok: false, why: `${k} lines where ${s.rows} rows × ${props.length} properties make ${expected}` }
  return { ok: true, data: text.slice(HEADER.length), failedRows, byCode }
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
  const matches = requestIdMatcher(l.input.sha256)
  for (const s of l.shards) {
    if (missing.some((m) => m.index === s.index)) continue
    const v = verifyShard(runDir, l, s, matches)
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
