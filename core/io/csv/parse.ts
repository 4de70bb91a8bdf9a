/**
 * A streaming CSV tokenizer (RFC 4180 plus what real files carry: CRLF or LF, a UTF-8 BOM, quoted
 * fields with embedded commas, quotes and newlines). Fed chunk by chunk, it never holds more than
 * the record in progress. A malformed record (text after a closing quote, a quote left open at the
 * end of the file) is reported as such, with its line, and parsing goes on with the next record.
 */
export type CsvRecord =
  | { readonly ok: true; readonly fields: ReadonlyArray<string>; readonly line: number }
  | {
      readonly ok: false
      readonly reason: string
      /** The record's first characters (at most ECHO_LIMIT), for messages. */
      readonly raw: string
      readonly line: number
      /** `encoding`: bytes that are not UTF-8; `too_long`: over MAX_RECORD_CHARS; absent: malformed quoting. */
      readonly rule?: "encoding" | "too_long"
      /** For `encoding`: the fields as read, each bad sequence shown as U+FFFD (to name the row). */
      readonly fields?: ReadonlyArray<string>
    }

/**
 * The longest record (line) read, in characters: 1 MiB. A longer one is an error record (rule
 * `too_long`) whose text is dropped as it streams by, never held whole.
 */
export const MAX_RECORD_CHARS = 1 << 20

/** Input echoed in an error message is cut to this many characters. */
export const ECHO_LIMIT = 200

/** `text` cut to `limit` characters, saying how long it was. */
export const clipEcho = (text: string, limit = ECHO_LIMIT): string =>
  text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`

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
  /** Characters of the record in progress (fields and separators), counted even once dropped. */
  private size = 0
  private rule: "encoding" | "too_long" | undefined

  /** The record in progress held bytes that are not UTF-8 (the decoder replaced them with U+FFFD). */
  markInvalidEncoding() {
    this.started = true
    if (this.rule === undefined) {
      this.rule = "encoding"
      this.malformed = "bytes that are not valid UTF-8"
    }
  }

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
      if (++this.size > MAX_RECORD_CHARS) this.overLimit()
      if (this.pendingCR) {
        this.pendingCR = false
        if (c === "\n") continue
      }
      this.started = true
      if (this.inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            this.field += '"'
            this.addRaw('""')
            i++
          } else if (i + 1 === text.length) {
            // A quote at the very end of a chunk: it may be the first of a doubled pair.
            this.addRaw(c)
            this.inQuotes = false
            this.afterQuote = true
            this.maybeDoubled = true
          } else {
            this.addRaw(c)
            this.inQuotes = false
            this.afterQuote = true
          }
        } else {
          if (c === "\n") this.line++
          else if (c === "\r") {
            this.line++
            if (text[i + 1] === "\n") {
              this.field += "\r\n"
              this.addRaw("\r\n")
              i++
              continue
            }
          }
          this.field += c
          this.addRaw(c)
        }
        continue
      }
      if (this.maybeDoubled) {
        this.maybeDoubled = false
        if (c === '"') {
          this.field += '"'
          this.addRaw(c)
          this.inQuotes = true
          this.afterQuote = false
          continue
        }
      }
      if (c === ",") {
        this.addRaw(c)
        this.endField()
      } else if (c === "\n" || c === "\r") {
        if (c === "\r") this.pendingCR = true
        out.push(this.endRecord())
        this.line++
        this.recordLine = this.line
      } else if (c === '"' && this.field === "" && !this.afterQuote) {
        this.addRaw(c)
        this.inQuotes = true
      } else {
        this.addRaw(c)
        if (this.afterQuote || c === '"') this.malformed ??= this.afterQuote ? "text after a closing quote" : "a quote inside an unquoted field"
        this.field += c
      }
    }
    return out
  }

  private maybeDoubled = false

  /**
   * The record in progress is over MAX_RECORD_CHARS: what it holds is dropped (a field keeps one
   * character: whether it is empty decides what a quote means); quotes and line ends are still
   * followed, so the next record starts where it should.
   */
  private overLimit() {
    if (this.rule !== "too_long") {
      this.rule = "too_long"
      this.malformed = `a line longer than ${MAX_RECORD_CHARS} characters`
    }
    if (this.field.length > 1) this.field = this.field.slice(0, 1)
    if (this.fields.length > 0) this.fields = []
  }

  /** The record's text, kept only up to what an error message shows. */
  private addRaw(t: string) {
    if (this.raw.length < ECHO_LIMIT) this.raw += t
  }

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
    const rule = this.rule
    this.fields = []
    this.raw = ""
    this.malformed = undefined
    this.rule = undefined
    this.size = 0
    this.started = false
    const line = this.recordLine
    if (malformed === undefined) return { ok: true, fields, line }
    return { ok: false, reason: malformed, raw, line, ...(rule === undefined ? {} : { rule }), ...(rule === "encoding" ? { fields } : {}) }
  }
}

/** Bytes after `lead` that a UTF-8 sequence starting with it needs, or -1 when it cannot start one. */
const trailing = (lead: number) => (lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1)

/** Length of the valid UTF-8 sequence at `i`, or 0 when the bytes there are not one. */
const sequenceAt = (b: Uint8Array, i: number): number => {
  const lead = b[i]!
  const n = trailing(lead)
  if (n === 0) return 1
  if (n < 0 || i + n >= b.length) return 0
  const second = b[i + 1]!
  const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80
  const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf
  if (second < lo || second > hi) return 0
  for (let k = 2; k <= n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return 0
  return n + 1
}

/** Bytes of the invalid sequence at `i` that stand for one U+FFFD: the lead and the trailing bytes that fitted (as TextDecoder counts). */
const maximalSubpart = (b: Uint8Array, i: number): number => {
  const lead = b[i]!
  const n = trailing(lead)
  let j = i + 1
  for (let k = 1; n > 0 && k <= n && j < b.length; k++, j++) {
    const lo = k === 1 && lead === 0xe0 ? 0xa0 : k === 1 && lead === 0xf0 ? 0x90 : 0x80
    const hi = k === 1 && lead === 0xed ? 0x9f : k === 1 && lead === 0xf4 ? 0x8f : 0xbf
    if (b[j]! < lo || b[j]! > hi) break
  }
  return j - i
}

/**
 * UTF-8 decoding that says where the bytes are not UTF-8 instead of silently replacing them: each
 * chunk becomes text pieces, with `null` where an invalid sequence was. A sequence cut by a chunk's
 * end waits for the next chunk.
 */
export class Utf8Pieces {
  private carry = new Uint8Array(0)
  private readonly fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
  private readonly lenient = new TextDecoder("utf-8", { ignoreBOM: true })

  decode(chunk: Uint8Array, last = false): Array<string | null> {
    let bytes = chunk
    if (this.carry.length > 0) {
      bytes = new Uint8Array(this.carry.length + chunk.length)
      bytes.set(this.carry)
      bytes.set(chunk, this.carry.length)
    }
    let cut = bytes.length
    if (!last) {
      // An incomplete sequence at the end (a lead byte and fewer trailing bytes than it needs) waits.
      for (let p = bytes.length - 1; p >= 0 && p >= bytes.length - 3; p--) {
        const b = bytes[p]!
        if (b < 0x80) break
        if (b >= 0xc0) {
          if (trailing(b) > bytes.length - 1 - p) cut = p
          break
        }
      }
    }
    this.carry = bytes.slice(cut)
    const body = bytes.subarray(0, cut)
    if (body.length === 0) return []
    try {
      return [this.fatal.decode(body)]
    } catch {
      return this.slow(body)
    }
  }

  private slow(b: Uint8Array): Array<string | null> {
    const out: Array<string | null> = []
    let start = 0
    for (let i = 0; i < b.length; ) {
      const n = b[i]! < 0x80 ? 1 : sequenceAt(b, i)
      if (n > 0) {
        i += n
        continue
      }
      if (i > start) out.push(this.lenient.decode(b.subarray(start, i)))
      out.push(null)
      i += maximalSubpart(b, i)
      start = i
    }
    if (start < b.length) out.push(this.lenient.decode(b.subarray(start)))
    return out
  }
}

/**
 * Streams records from any async source of text chunks (a file stream, stdin, an HTTP body). A record
 * holding bytes that are not UTF-8 is an error record (rule `encoding`); one longer than
 * MAX_RECORD_CHARS is one too (rule `too_long`), dropped as it streams by.
 */
export async function* csvRecords(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const tokenizer = new CsvTokenizer()
  const utf8 = new Utf8Pieces()
  const feed = (pieces: Array<string | null>): Array<CsvRecord> => {
    if (pieces.length === 1 && pieces[0] !== null) return tokenizer.push(pieces[0]!)
    const out: Array<CsvRecord> = []
    for (const piece of pieces) {
      if (piece === null) {
        tokenizer.markInvalidEncoding()
        for (const r of tokenizer.push("\uFFFD")) out.push(r)
      } else for (const r of tokenizer.push(piece)) out.push(r)
    }
    return out
  }
  for await (const chunk of chunks) {
    if (typeof chunk === "string") yield* tokenizer.push(chunk)
    else yield* feed(utf8.decode(chunk))
  }
  yield* feed(utf8.decode(new Uint8Array(0), true))
  yield* tokenizer.end()
}

/** True for a record that is only an empty line, which CSV files often end with. */
export const isBlank = (r: CsvRecord) => r.ok && r.fields.length === 1 && r.fields[0] === ""
