/**
 * A streaming CSV tokenizer (RFC 4180 plus what real files carry: CRLF or LF, a UTF-8 BOM, quoted
 * fields with embedded commas, quotes and newlines). Fed chunk by chunk, it never holds more than
 * the record in progress. A malformed record (text after a closing quote, a quote left open at the
 * end of the file) is reported as such, with its line, and parsing goes on with the next record.
 */
export type CsvRecord =
  | { readonly ok: true; readonly fields: ReadonlyArray<string>; readonly line: number }
  | { readonly ok: false; readonly reason: string; readonly raw: string; readonly line: number }

export class CsvTokenizer {
  private fields: Array<string> = []
  private field = ""
  private raw = ""
  private inQuotes = false
  private afterQuote = false
  private malformed: string | undefined
  private line = 1
  private recordLine = 1
  private started = false
  private pendingCR = false
  private atStart = true

  /** Feeds text; returns the records it completed. */
  push(text: string): Array<CsvRecord> {
    const out: Array<CsvRecord> = []
    let i = 0
    if (this.atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) i = 1
      this.atStart = false
    }
    for (; i < text.length; i++) {
      const c = text[i]!
      if (this.pendingCR) {
        this.pendingCR = false
        if (c === "\n") continue
      }
      this.started = true
      if (this.inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            this.field += '"'
            this.raw += '""'
            i++
          } else if (i + 1 === text.length) {
            // A quote at the very end of a chunk: it may be the first of a doubled pair.
            this.raw += c
            this.inQuotes = false
            this.afterQuote = true
            this.maybeDoubled = true
          } else {
            this.raw += c
            this.inQuotes = false
            this.afterQuote = true
          }
        } else {
          if (c === "\n") this.line++
          else if (c === "\r") {
            this.line++
            if (text[i + 1] === "\n") {
              this.field += "\r\n"
              this.raw += "\r\n"
              i++
              continue
            }
          }
          this.field += c
          this.raw += c
        }
        continue
      }
      if (this.maybeDoubled) {
        this.maybeDoubled = false
        if (c === '"') {
          this.field += '"'
          this.raw += c
          this.inQuotes = true
          this.afterQuote = false
          continue
        }
      }
      if (c === ",") {
        this.raw += c
        this.endField()
      } else if (c === "\n" || c === "\r") {
        if (c === "\r") this.pendingCR = true
        out.push(this.endRecord())
        this.line++
        this.recordLine = this.line
      } else if (c === '"' && this.field === "" && !this.afterQuote) {
        this.raw += c
        this.inQuotes = true
      } else {
        this.raw += c
        if (this.afterQuote || c === '"') this.malformed ??= this.afterQuote ? "text after a closing quote" : "a quote inside an unquoted field"
        this.field += c
      }
    }
    return out
  }

  private maybeDoubled = false

  /** Ends the input; returns the last record if the text did not end with a newline. */
  end(): Array<CsvRecord> {
    if (this.inQuotes) {
      this.malformed ??= "a quoted field is never closed"
      this.inQuotes = false
    }
    if (!this.started || (this.fields.length === 0 && this.field === "" && this.raw === "")) return []
    return [this.endRecord()]
  }

  private endField() {
    this.fields.push(this.field)
    this.field = ""
    this.afterQuote = false
    this.maybeDoubled = false
  }

  private endRecord(): CsvRecord {
    this.endField()
    const fields = this.fields
    const raw = this.raw
    const malformed = this.malformed
    this.fields = []
    this.raw = ""
    this.malformed = undefined
    this.started = false
    const line = this.recordLine
    return malformed === undefined ? { ok: true, fields, line } : { ok: false, reason: malformed, raw, line }
  }
}

/** Streams records from any async source of text chunks (a file stream, stdin, an HTTP body). */
export async function* csvRecords(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const tokenizer = new CsvTokenizer()
  const decoder = new TextDecoder("utf-8")
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })
    yield* tokenizer.push(text)
  }
  const tail = decoder.decode()
  if (tail !== "") yield* tokenizer.push(tail)
  yield* tokenizer.end()
}

/** True for a record that is only an empty line, which CSV files often end with. */
export const isBlank = (r: CsvRecord) => r.ok && r.fields.length === 1 && r.fields[0] === ""
