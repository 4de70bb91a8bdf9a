import * as fs from "node:fs"

/**
 * Record boundaries of a CSV file at byte level, with exactly the CSV tokenizer's rules
 * (core/io/csv/parse.ts): a quote opens a quoted field only at the field's start; inside, a quote
 * closes it unless the next character is a quote (an escaped one); LF, CR and CRLF end a record
 * outside quotes; line breaks inside quotes are content. Used to split a large input without decoding
 * it (the shards are byte ranges of the input, so every record keeps its bytes and its line count).
 */
export interface RecordSpan {
  /** Offset of the record's first byte. */
  readonly start: number
  /** Offset just past its content (before its line break). */
  readonly contentEnd: number
  /** Offset of the next record (past the line break). */
  readonly end: number
  /** The line the record starts on (1-based, as the tokenizer counts). */
  readonly line: number
}

const QUOTE = 0x22
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

/** Calls `onRecord` for every record of the file, in order; `onChunk` sees every byte read (for a digest). */
export const forEachRecord = (file: string, onRecord: (r: RecordSpan) => void, onChunk?: (chunk: Uint8Array) => void): number => {
  const fd = fs.openSync(file, "r")
  const buf = Buffer.allocUnsafe(1 << 22)
  let offset = 0
  let line = 1
  let recordStart = 0
  let recordLine = 1
  let started = false
  let inQuotes = false
  let justClosed = false
  let fieldStart = true
  let pendingCR = false
  /** A record ended by CR: its end is known once the next byte is seen. */
  let pendingRecord: { start: number; contentEnd: number; line: number } | undefined
  let first = true
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      onChunk?.(buf.subarray(0, n))
      let i = 0
      if (first) {
        first = false
        if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3
      }
      for (; i < n; i++) {
        const c = buf[i]!
        const at = offset + i
        if (pendingCR) {
          pendingCR = false
          if (pendingRecord !== undefined) {
            const end = c === LF ? at + 1 : at
            onRecord({ ...pendingRecord, end })
            pendingRecord = undefined
            recordStart = end
            recordLine = line
          }
          if (c === LF) continue
        }
        if (!started) {
          started = true
          recordStart = at
          recordLine = line
        }
        if (inQuotes) {
          if (c === QUOTE) {
            inQuotes = false
            justClosed = true
          } else if (c === LF) line++
          else if (c === CR) {
            line++
            if (i + 1 < n && buf[i + 1] === LF) i++
            else if (i + 1 === n) pendingCR = true
          }
          continue
        }
        if (justClosed) {
          justClosed = false
          if (c === QUOTE) {
            inQuotes = true
            continue
          }
        }
        if (c === COMMA) fieldStart = true
        else if (c === LF || c === CR) {
          if (c === CR) {
            pendingCR = true
            pendingRecord = { start: recordStart, contentEnd: at, line: recordLine }
          } else onRecord({ start: recordStart, contentEnd: at, end: at + 1, line: recordLine })
          line++
          started = false
          fieldStart = true
          recordLine = line
        } else if (c === QUOTE && fieldStart) {
          inQuotes = true
          fieldStart = false
        } else fieldStart = false
      }
      offset += n
    }
    if (pendingRecord !== undefined) onRecord({ ...pendingRecord, end: offset })
    else if (started) onRecord({ start: recordStart, contentEnd: offset, end: offset, line: recordLine })
    return offset
  } finally {
    fs.closeSync(fd)
  }
}
