import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { ValidationError } from "../errors/index.ts"
import { csvLine, CsvTokenizer, isBlank, readHeader, type CsvRecord } from "../io/csv/index.ts"
import { shardName } from "./ledger.ts"

/**
 * Splitting an input CSV into shards for `periogt submit`. A shard holds the header and a run of
 * consecutive records of the input, each written so that it spans as many lines as it did (blank
 * lines kept, a malformed record copied raw): with the shard's first row number and first line
 * (kept in the ledger) a shard's batch numbers rows, ids and error lines exactly as one batch of the
 * whole input would, and names request ids after the whole input's digest — so the merged shards
 * equal that batch byte for byte.
 */
export interface InputScan {
  readonly sha256: string
  readonly rows: number
  readonly bytes: number
}

export interface ShardSpan {
  readonly index: number
  readonly file: string
  readonly firstRow: number
  readonly rows: number
  readonly firstLine: number
}

const records = function* (file: string, onBytes?: (b: Buffer) => void): Generator<CsvRecord> {
  const fd = fs.openSync(file, "r")
  const buf = Buffer.allocUnsafe(1 << 20)
  const tokenizer = new CsvTokenizer()
  const decoder = new TextDecoder("utf-8")
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      const chunk = buf.subarray(0, n)
      onBytes?.(chunk)
      yield* tokenizer.push(decoder.decode(chunk, { stream: true }))
    }
    const tail = decoder.decode()
    if (tail !== "") yield* tokenizer.push(tail)
    yield* tokenizer.end()
  } finally {
    fs.closeSync(fd)
  }
}

/** The input's digest, size and data rows (blank lines not counted, as `batch` counts), and a check of its header. */
export const scanInput = (file: string): Result.Result<InputScan, ValidationError> => {
  const h = createHash("sha256")
  let bytes = 0
  let rows = 0
  let header = true
  for (const r of records(file, (b) => {
    h.update(b)
    bytes += b.length
  })) {
    if (header) {
      const hd = readHeader(r, file)
      if (Result.isFailure(hd)) return Result.fail(hd.failure)
      header = false
      continue
    }
    if (!isBlank(r)) rows++
  }
  if (header) return Result.fail(new ValidationError({ message: `input file ${file} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: file } }))
  if (rows === 0) return Result.fail(new ValidationError({ message: `input file ${file} has no data rows`, action: "give a CSV with at least one row under its header", details: { path: file } }))
  return Result.succeed({ sha256: h.digest("hex"), rows, bytes })
}

/** Row counts of `n` shards of `rows` rows: as equal as possible, none empty. */
export const shardSizes = (rows: number, n: number): number[] => {
  const k = Math.max(1, Math.min(n, rows))
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 1) * rows) / k) - Math.floor((i * rows) / k))
}

const recordText = (r: CsvRecord): string => (r.ok ? csvLine(r.fields) : r.raw + "\n")

/** Writes the shards into `dir` (`shard-NNNN.csv`); `sizes` from shardSizes. */
export const writeShards = (file: string, dir: string, sizes: ReadonlyArray<number>): ShardSpan[] => {
  fs.mkdirSync(dir, { recursive: true })
  const spans: ShardSpan[] = []
  let headerText = ""
  let index = -1
  let left = 0
  let row = 0
  let fd = -1
  let pending: string[] = []
  let pendingBytes = 0
  const flush = () => {
    if (fd >= 0 && pending.length > 0) fs.writeSync(fd, pending.join(""))
    pending = []
    pendingBytes = 0
  }
  const open = (firstLine: number) => {
    flush()
    if (fd >= 0) {
      fs.fsyncSync(fd)
      fs.closeSync(fd)
    }
    index++
    const name = path.join(dir, `${shardName(index)}.csv`)
    fd = fs.openSync(name, "w", 0o644)
    pending.push(headerText)
    left = sizes[index]!
    spans.push({ index, file: name, firstRow: row + 1, rows: left, firstLine })
  }
  let first = true
  for (const r of records(file)) {
    if (first) {
      first = false
      headerText = recordText(r)
      continue
    }
    if (isBlank(r)) {
      if (fd >= 0) pending.push("\n")
      continue
    }
    if (left === 0) open(r.line)
    const t = recordText(r)
    pending.push(t)
    pendingBytes += t.length
    row++
    left--
    if (pendingBytes > 1 << 20) flush()
  }
  flush()
  if (fd >= 0) {
    fs.fsyncSync(fd)
    fs.closeSync(fd)
  }
  return spans
}
