import { afterAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { csvLine, csvRecords, inputRows, OUTPUT_COLUMNS } from "../../core/io/csv/index.ts"
import { collectRun } from "../../core/jobs/collect.ts"
import { LEDGER_FORMAT, type Ledger } from "../../core/jobs/ledger.ts"
import { requestIdMatcher, requestIds } from "../../core/jobs/requestIds.ts"
import { scanInput, shardSizes, writeShards } from "../../core/jobs/shards.ts"
import { requestId } from "../../core/pipeline/batch.ts"
import { tempDir } from "../support/binary.ts"

/**
 * Shards are byte ranges of the input: read with their first row and line, every shard yields exactly
 * the rows (numbers, ids, SMILES, error messages with their line numbers) one read of the whole input
 * yields — on an input with a BOM, CRLF and lone CR line breaks, quoted fields spanning lines, escaped
 * quotes, blank lines, a quote-only line, malformed records and no final line break. Collect's fast
 * request-id check equals batch's requestId; a shard output with quoted, multi-line fields is verified.
 */
const dir = tempDir("jobs-shards")
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const TRICKY =
  "\ufeffID,Smiles,extra\r\n" +
  "\r\n" +
  "a1,*CC*,x\r\n" +
  '"a,2","*CC(C)*","two\nlines"\n' +
  "\n" +
  'a3,*CC(Cl)*,"say ""hi"""\r' +
  "a4,*CCO*,y\n" +
  '""\n' +
  'a5,"*CC\n*",z\n' +
  'bad"quote,*CC*,w\n' +
  '"closed"junk,*CCN*,v\n' +
  ",*CCS*,no id\n" +
  "a8,,empty smiles\n" +
  "a9\n" +
  "a10,*C(F)C*,last"

type Item = { n: number; id: string; smiles: string; error?: string }
const read = async (file: string, shard?: { rowOffset: number; lineOffset: number }): Promise<Item[]> => {
  const out: Item[] = []
  for await (const it of inputRows(csvRecords(fs.createReadStream(file)), "in.csv", shard)) {
    if (it.kind === "invalid-file") throw it.error
    out.push({ n: it.n, id: it.id, smiles: it.smiles, ...(it.error === undefined ? {} : { error: it.error.message }) })
  }
  return out
}

test("every shard reads as its rows of the whole input, whatever the number of shards", async () => {
  const input = path.join(dir, "tricky.csv")
  fs.writeFileSync(input, TRICKY)
  const whole = await read(input)
  const scan = scanInput(input)
  if (Result.isFailure(scan)) throw scan.failure
  expect(scan.success.rows).toBe(whole.length)
  for (const n of [1, 2, 3, 5, whole.length, whole.length + 4]) {
    const spans = writeShards(input, scan.success, path.join(dir, `s${n}`), shardSizes(scan.success.rows, n))
    const got: Item[] = []
    for (const s of spans) {
      const items = await read(s.file, { rowOffset: s.firstRow - 1, lineOffset: s.firstLine - 2 })
      expect(items.length).toBe(s.rows)
      got.push(...items)
    }
    expect(got).toEqual(whole)
  }
  expect(whole.some((x) => x.error?.includes("line 12"))).toBe(true)
})

test("a file without rows, or without a smiles column, is refused", () => {
  fs.writeFileSync(path.join(dir, "empty.csv"), "id,smiles\n\n")
  fs.writeFileSync(path.join(dir, "nosmiles.csv"), "id,name\na,b\n")
  expect(Result.isFailure(scanInput(path.join(dir, "empty.csv")))).toBe(true)
  const r = scanInput(path.join(dir, "nosmiles.csv"))
  expect(Result.isFailure(r) && r.failure.message).toContain("no 'smiles' column")
})

test("the fast request ids equal batch's", () => {
  for (const ns of ["f".repeat(64), "abc", "x".repeat(130), "é"]) {
    const ids = requestIds(ns)
    const m = requestIdMatcher(ns)
    for (const [row, p] of [[1, "eps"], [123456789, "egc"], [7, "p".repeat(70)], [3, "ü"]] as const) {
      const want = requestId(ns, `${row}:${p}`)
      expect(ids(`${row}:${p}`)).toBe(want)
      expect(m(row, p, `xx${want}`, 2)).toBe(true)
      expect(m(row + 1, p, `xx${want}`, 2)).toBe(false)
    }
  }
})

test("collect verifies outputs with quoted, multi-line fields, and finds a repeated row", () => {
  const run = path.join(dir, "run")
  fs.mkdirSync(path.join(run, "outputs"), { recursive: true })
  const sha = "0".repeat(64)
  const line = (row: number, p: string, ok: boolean) =>
    csvLine([`id${row}`, ok ? "*CC*" : '*C"C,\n*', p, ok ? "1.5" : "", "", ok ? "true" : "false", ok ? "" : "validation_error", ok ? "" : "bad, very\nbad", requestId(sha, `${row}:${p}`)])
  const header = csvLine(OUTPUT_COLUMNS)
  fs.writeFileSync(path.join(run, "outputs", "a.csv"), header + line(1, "eps", true) + line(1, "egc", true) + line(2, "eps", false) + line(2, "egc", false))
  fs.writeFileSync(path.join(run, "outputs", "b.csv"), header + line(3, "eps", true) + line(3, "egc", true))
  const ledger: Ledger = {
    format: LEDGER_FORMAT, id: "t", created: "", updated: "", periogt_version: "t",
    input: { path: "/x.csv", sha256: sha, rows: 3, bytes: 1 }, properties: ["eps", "egc"], property_arg: "eps,egc",
    scheduler: "local", scheduler_reason: "", mode: "array", max_running: 1, cluster: "generic", sets: [], job_env: {},
    shards: [
      { index: 0, file: "x", output: "outputs/a.csv", first_row: 1, rows: 2, first_line: 2, job_ids: [], state: "completed" },
      { index: 1, file: "y", output: "outputs/b.csv", first_row: 3, rows: 1, first_line: 4, job_ids: [], state: "completed" },
    ],
    submissions: [],
  }
  const out = path.join(dir, "merged.csv")
  const r = collectRun(run, ledger, out, false, "now")
  expect(r.problems).toEqual([])
  expect(r.summary).toMatchObject({ rows: 3, lines: 6, failed_rows: 1, failures_by_rule: { "validation_error: bad, very bad": 1 } })
  expect(fs.readFileSync(out, "utf8")).toBe(header + line(1, "eps", true) + line(1, "egc", true) + line(2, "eps", false) + line(2, "egc", false) + line(3, "eps", true) + line(3, "egc", true))
  // Shard b holding row 2 again instead of row 3: found, nothing written.
  fs.writeFileSync(path.join(run, "outputs", "b.csv"), header + line(2, "eps", true) + line(2, "egc", true))
  fs.rmSync(out)
  const bad = collectRun(run, ledger, out, false, "now")
  expect(bad.problems.map((p) => [p.index, p.why])).toEqual([[1, expect.stringContaining("request id is not row 3's eps")]])
  expect(fs.existsSync(out)).toBe(false)
})
