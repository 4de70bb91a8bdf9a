import { Result, Schema } from "effect"
import { ValidationError } from "../../errors/index.ts"
import { clipEcho, isBlank, MAX_RECORD_CHARS, type CsvRecord } from "./parse.ts"

/** The batch output columns, exactly the Python backend's. */
export const OUTPUT_COLUMNS = ["id", "smiles", "property", "prediction_value", "prediction_units", "ok", "error_code", "error_message", "request_id"] as const

export const InputRow = Schema.Struct({
  id: Schema.String,
  smiles: Schema.String,
})
export type InputRow = typeof InputRow.Type

export interface InputHeader {
  readonly smilesColumn: number
  readonly idColumn: number | undefined
  readonly width: number
}

/** Finds `smiles` (required) and `id` (optional) among the header's columns, ignoring case and spaces. */
export const readHeader = (record: CsvRecord, file: string): Result.Result<InputHeader, ValidationError> => {
  if (!record.ok) {
    return Result.fail(
      new ValidationError({
        message: `${file}: the header line is malformed (${record.reason})`,
        action: record.rule === "encoding" ? "save the file as UTF-8" : record.rule === "too_long" ? "give a CSV file: its first line is the header, with a 'smiles' column" : "fix the first line of the CSV",
        details: { file, line: record.line, ...(record.rule === undefined ? {} : { rule: record.rule }) },
      }),
    )
  }
  const names = record.fields.map((f) => f.trim().toLowerCase())
  const smilesColumn = names.indexOf("smiles")
  if (smilesColumn < 0) {
    // A binary file read as CSV has a "header" of any length: what is echoed is cut (ECHO_LIMIT).
    return Result.fail(
      new ValidationError({
        message: `${file} has no 'smiles' column (columns: ${clipEcho(record.fields.join(", ")) || "none"})`,
        action: "add a header line with a 'smiles' column (and optionally 'id')",
        details: { file, columns: record.fields.slice(0, 20).map((f) => clipEcho(f)), ...(record.fields.length > 20 ? { column_count: record.fields.length } : {}) },
      }),
    )
  }
  const id = names.indexOf("id")
  return Result.succeed({ smilesColumn, idColumn: id < 0 ? undefined : id, width: names.length })
}

export type RowResult = { readonly ok: true; readonly row: InputRow } | { readonly ok: false; readonly id: string; readonly smiles: string; readonly error: ValidationError }

/** One data record → a row, or an error row that the batch writes and moves past. `n` is the 1-based row number. */
export const toRow = (record: CsvRecord, header: InputHeader, n: number): RowResult => {
  if (!record.ok) {
    const error =
      record.rule === "encoding"
        ? new ValidationError({ message: `line ${record.line} holds bytes that are not valid UTF-8`, action: "save the file as UTF-8", details: { line: record.line, rule: "encoding" } })
        : record.rule === "too_long"
          ? new ValidationError({ message: `line ${record.line} is longer than ${MAX_RECORD_CHARS} characters`, action: "no repeat unit is that long: check that the file is the CSV meant", details: { line: record.line, rule: "too_long", limit: MAX_RECORD_CHARS } })
          : new ValidationError({ message: `malformed CSV record at line ${record.line}: ${record.reason}`, action: "fix the quoting of that line", details: { line: record.line } })
    // A row that is only badly encoded is still named by its id, and shows its SMILES as read (cut).
    const id = record.fields === undefined || header.idColumn === undefined ? String(n) : (record.fields[header.idColumn] ?? "").trim() || String(n)
    const smiles = record.fields?.[header.smilesColumn]?.trim() ?? ""
    return { ok: false, id: clipEcho(id), smiles: clipEcho(smiles), error }
  }
  const id = header.idColumn === undefined ? String(n) : (record.fields[header.idColumn] ?? "").trim() || String(n)
  const smiles = record.fields[header.smilesColumn]
  if (smiles === undefined) {
    return { ok: false, id, smiles: "", error: new ValidationError({ message: `line ${record.line} has ${record.fields.length} fields; the smiles column is number ${header.smilesColumn + 1}`, action: "give every line as many fields as the header", details: { line: record.line } }) }
  }
  const decoded = Schema.decodeUnknownResult(InputRow)({ id, smiles: smiles.trim() })
  if (Result.isFailure(decoded)) {
    return { ok: false, id, smiles, error: new ValidationError({ message: `line ${record.line}: ${decoded.failure.message}`, details: { line: record.line } }) }
  }
  return { ok: true, row: decoded.success }
}

/** One data row of an input CSV: its 1-based number, id and SMILES, and the error when the record is unusable. */
export interface InputItem {
  readonly kind: "row"
  readonly n: number
  readonly id: string
  readonly smiles: string
  readonly error?: ValidationError
}

/**
 * The rows of an input CSV (a `smiles` column, optionally `id`), streamed, blank lines skipped. A file
 * that cannot be read as such — bad or missing header, no lines at all — yields one `invalid-file` item
 * with the error instead, and nothing else.
 */
export async function* inputRows(
  records: AsyncIterable<CsvRecord>,
  file: string,
  /** A shard of a larger input: its rows are numbered from `rowOffset + 1` and its lines from `lineOffset + 1`, as in the whole file. */
  shard: { readonly rowOffset: number; readonly lineOffset: number } = { rowOffset: 0, lineOffset: 0 },
): AsyncGenerator<InputItem | { readonly kind: "invalid-file"; readonly error: ValidationError }> {
  let header: InputHeader | undefined
  let n = shard.rowOffset
  for await (const raw of records) {
    const record: CsvRecord = shard.lineOffset === 0 || header === undefined ? raw : { ...raw, line: raw.line + shard.lineOffset }
    if (header === undefined) {
      const h = readHeader(record, file)
      if (Result.isFailure(h)) {
        yield { kind: "invalid-file", error: h.failure }
        return
      }
      header = h.success
      continue
    }
    if (isBlank(record)) continue
    const row = toRow(record, header, ++n)
    yield row.ok ? { kind: "row", n, id: row.row.id, smiles: row.row.smiles } : { kind: "row", n, id: row.id, smiles: row.smiles, error: row.error }
  }
  if (header === undefined) yield { kind: "invalid-file", error: new ValidationError({ message: `${file} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: file } }) }
}
