import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { ValidationError } from "../errors/index.ts"
import { CsvTokenizer, readHeader } from "../io/csv/index.ts"
import { shardName } from "./ledger.ts"
import { forEachRecord } from "./records.ts"

/**
 * Splitting an input CSV into shards for `periogt submit`. A shard is the input's header followed by a
 * byte range of the input holding whole records (blank lines and malformed records included, as they
 * are): with the shard's first row number and first line (kept in the ledger) a shard's batch numbers
 * rows, ids and error lines exactly as one batch of the whole input would, and names request ids after
 * the whole input's digest — so the merged shards equal that batch byte for byte.
 */
export interface InputScan {
  readonly sha256: string
  readonly rows: number
  readonly bytes: number
  /** Byte offset just past the header record (its line break included). */
  readonly headerEnd: number
  /** Each data row's byte offset and line, in order. */
  readonly rowStarts: Float64Array
  readonly rowLines: Float64Array
}

export interface ShardSpan {
  readonly index: number
  readonly file: string
  readonly firstRow: number
  readonly rows: number
  readonly firstLine: number
}

const grow = (a: Float64Array, n: number): Float64Array => {
  if (n < a.length) return a
  const b = new Float64Array(a.length * 2)
  b.set(a)
  return b
}

/** The input's digest, size and data rows (blank lines not counted, as `batch` counts), and a check of its header. */
export const scanInput = (file: string): Result.Result<InputScan, ValidationError> => {
  const h = createHash("sha256")
  let rows = 0
  let headerEnd = -1
  let headerSpan: { start: number; contentEnd: number } | undefined
  let rowStarts: Float64Array = new Float64Array(1024)
  let rowLines: Float64Array = new Float64Array(1024)
  const fd = fs.openSync(file, "r")
  const isBlank = (start: number, end: number) => {
    if (end === start) return true
    if (end - start !== 2) return false
    const b = Buffer.alloc(2)
    fs.readSync(fd, b, 0, 2, start)
    return b[0] === 0x22 && b[1] === 0x22
  }
  let bytes: number
  try {
    bytes = forEachRecord(
      file,
      (r) => {
        if (headerSpan === undefined) {
          headerSpan = r
          headerEnd = r.end
          return
        }
        if (isBlank(r.start, r.contentEnd)) return
        rowStarts = grow(rowStarts, rows)
        rowLines = grow(rowLines, rows)
        rowStarts[rows] = r.start
        rowLines[rows] = r.line
        rows++
      },
      (chunk) => h.update(chunk),
    )
    if (headerSpan === undefined) return Result.fail(new ValidationError({ message: `input file ${file} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: file } }))
    const hb = Buffer.alloc(headerSpan.contentEnd)
    fs.readSync(fd, hb, 0, hb.length, 0)
    const record = new CsvTokenizer().push(hb.toString("utf8") + "\n")[0]
    if (record === undefined) return Result.fail(new ValidationError({ message: `input file ${file} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: file } }))
    const header = readHeader(record, file)
    if (Result.isFailure(header)) return Result.fail(header.failure)
  } finally {
    fs.closeSync(fd)
  }
  if (rows === 0) return Result.fail(new ValidationError({ message: `input file ${file} has no data rows`, action: "give a CSV with at least one row under its header", details: { path: file } }))
  return Result.succeed({ sha256: h.digest("hex"), rows, bytes, headerEnd, rowStarts: rowStarts.subarray(0, rows), rowLines: rowLines.subarray(0, rows) })
}

/** Row counts of `n` shards of `rows` rows: as equal as possible, none empty. */
export const shardSizes = (rows: number, n: number): number[] => {
  const k = Math.max(1, Math.min(n, rows))
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 1) * rows) / k) - Math.floor((i * rows) / k))
}

const copyRange = (from: number, to: number, start: number, end: number, buf: Buffer) => {
  let at = start
  while (at < end) {
    const n = fs.readSync(from, buf, 0, Math.min(buf.length, end - at), at)
    if (n === 0) throw new Error("the input changed while it was split")
    fs.writeSync(to, buf, 0, n)
    at += n
  }
}

/** Writes the shards into `dir` (`shard-NNNN.csv`): the header, then the shard's byte range of the input. */
export const writeShards = (file: string, scan: InputScan, dir: string, sizes: ReadonlyArray<number>): ShardSpan[] => {
  fs.mkdirSync(dir, { recursive: true })
  const spans: ShardSpan[] = []
  const from = fs.openSync(file, "r")
  const buf = Buffer.allocUnsafe(1 << 22)
  try {
    let row = 0
    for (const [index, rows] of sizes.entries()) {
      const name = path.join(dir, `${shardName(index)}.csv`)
      const to = fs.openSync(name, "w", 0o644)
      try {
        copyRange(from, to, 0, scan.headerEnd, buf)
        const start = scan.rowStarts[row]!
        const end = row + rows < scan.rows ? scan.rowStarts[row + rows]! : scan.bytes
        // A header without a line break at the end of the file cannot happen: rows follow it.
        copyRange(from, to, start, end, buf)
        fs.fsyncSync(to)
      } finally {
        fs.closeSync(to)
      }
      spans.push({ index, file: name, firstRow: row + 1, rows, firstLine: scan.rowLines[row]! })
      row += rows
    }
  } finally {
    fs.closeSync(from)
  }
  return spans
}
