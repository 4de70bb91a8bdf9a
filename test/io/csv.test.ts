import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { clipEcho, csvField, csvLine, CsvTokenizer, csvRecords, ECHO_LIMIT, inputRows, isBlank, MAX_RECORD_CHARS, OUTPUT_COLUMNS, readHeader, toRow, type CsvRecord } from "../../core/io/csv/index.ts"
import { tempDir } from "../support/binary.ts"

/** Tokenizes text fed in chunks of the given size, to exercise every chunk boundary. */
const tokenize = (text: string, chunk = text.length): Array<CsvRecord> => {
  const t = new CsvTokenizer()
  const out: Array<CsvRecord> = []
  for (let i = 0; i < text.length; i += Math.max(1, chunk)) out.push(...t.push(text.slice(i, i + chunk)))
  out.push(...t.end())
  return out
}
const fields = (rs: Array<CsvRecord>) => rs.map((r) => (r.ok ? r.fields : { malformed: r.reason }))

const TRICKY = '\uFEFFid,smiles,note\r\n1,*CC*,plain\r\n2,"*C(Cl)C*","with, comma"\n3,*CC(C)*,"two\nlines"\r\n4,"*C""*",quote\n5,*CC*,last-no-newline'
const EXPECTED = [
  ["id", "smiles", "note"],
  ["1", "*CC*", "plain"],
  ["2", "*C(Cl)C*", "with, comma"],
  ["3", "*CC(C)*", "two\nlines"],
  ["4", '*C"*', "quote"],
  ["5", "*CC*", "last-no-newline"],
]

describe("CSV tokenizer", () => {
  test("BOM, CRLF and LF mixed, quoted commas, quotes and newlines", () => {
    expect(fields(tokenize(TRICKY))).toEqual(EXPECTED)
  })
  test.each([1, 2, 3, 5, 7, 64])("the same records whatever the chunk size (%i)", (n) => {
    expect(fields(tokenize(TRICKY, n))).toEqual(EXPECTED)
  })
  test("line numbers point at the start of each record, counting embedded newlines", () => {
    expect(tokenize(TRICKY).map((r) => r.line)).toEqual([1, 2, 3, 4, 6, 7])
  })
  test("malformed records are reported and parsing continues", () => {
    const rs = tokenize('a,b\n1,"x"y\n2,ok\n3,"never closed\n')
    expect(fields(rs)).toEqual([["a", "b"], { malformed: "text after a closing quote" }, ["2", "ok"], { malformed: "a quoted field is never closed" }])
  })
  test("a quote inside an unquoted field is malformed", () => {
    expect(fields(tokenize('a\nx"y\n'))).toEqual([["a"], { malformed: "a quote inside an unquoted field" }])
  })
  test("a trailing newline does not make an empty record; a blank line is recognisable", () => {
    expect(tokenize("a\n1\n")).toHaveLength(2)
    const blank = tokenize("a\n\n1\n")
    expect(blank.filter(isBlank)).toHaveLength(1)
  })
})

describe("batch rows", () => {
  test("smiles column found case-insensitively; id optional (else the row number)", () => {
    const [h, r1, r2] = tokenize(" ID ,SMILES\n7,*CC*\n,*CCO*\n")
    const header = readHeader(h!, "in.csv")
    if (header._tag !== "Success") throw new Error("header")
    expect(toRow(r1!, header.success, 1)).toEqual({ ok: true, row: { id: "7", smiles: "*CC*" } })
    expect(toRow(r2!, header.success, 2)).toEqual({ ok: true, row: { id: "2", smiles: "*CCO*" } })
    const [h2, r3] = tokenize("smiles\n*CC*\n")
    const noId = readHeader(h2!, "in.csv")
    if (noId._tag !== "Success") throw new Error("header")
    expect(toRow(r3!, noId.success, 1)).toEqual({ ok: true, row: { id: "1", smiles: "*CC*" } })
  })
  test("a header without smiles is a validation error naming the columns", () => {
    const r = readHeader(tokenize("id,polymer\n")[0]!, "in.csv")
    expect(r._tag).toBe("Failure")
    if (r._tag === "Failure") {
      expect(r.failure.code).toBe("validation_error")
      expect(r.failure.message).toContain("polymer")
    }
  })
  test("short and malformed rows become error rows, never exceptions", () => {
    const [h, short, bad] = tokenize('id,x,smiles\n1,a\n2,b,"*C"C*\n')
    const header = readHeader(h!, "in.csv")
    if (header._tag !== "Success") throw new Error("header")
    const s = toRow(short!, header.success, 1)
    const b = toRow(bad!, header.success, 2)
    expect(s.ok).toBe(false)
    expect(b.ok).toBe(false)
    if (!s.ok) expect(s.error.code).toBe("validation_error")
    if (!b.ok) expect(b.error.message).toContain("line 3")
  })
})

describe("CSV writing", () => {
  test("fields are quoted only when needed, and round-trip", () => {
    expect(csvField("*CC*")).toBe("*CC*")
    expect(csvField("a,b")).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField(" padded")).toBe('" padded"')
    const row = ["1", "*C(=O)O*", "a,b", 'q"q', "line\nbreak", ""]
    expect(fields(tokenize(csvLine(row)))).toEqual([row])
  })
  test("the output columns are exactly the Python backend's", () => {
    expect(OUTPUT_COLUMNS).toEqual(["id", "smiles", "property", "prediction_value", "prediction_units", "ok", "error_code", "error_message", "request_id"])
  })
  test("streams a file larger than its chunks without holding it", async () => {
    const dir = tempDir("csv")
    const file = path.join(dir, "big.csv")
    const out = fs.createWriteStream(file)
    out.write("id,smiles\n")
    for (let i = 0; i < 50_000; i++) out.write(`${i},"*CC(C)*${i % 7 === 0 ? ',x' : ''}"\n`)
    await new Promise((r) => out.end(r))
    let n = 0
    let last: CsvRecord | undefined
    for await (const r of csvRecords(fs.createReadStream(file, { highWaterMark: 4096 }))) {
      n++
      last = r
    }
    expect(n).toBe(50_001)
    expect(last?.ok && last.fields).toEqual(["49999", "*CC(C)*"])
  })
})

describe("inputRows: the one reader of input CSVs (batch, featurize, descriptors, demo)", () => {
  const items = async (text: string) => {
    const out: Array<unknown> = []
    for await (const item of inputRows(csvRecords((async function* () { yield new TextEncoder().encode(text) })()), "in.csv")) out.push(item.kind === "invalid-file" ? { kind: item.kind, code: item.error.code, message: item.error.message } : { n: item.n, id: item.id, smiles: item.smiles, error: item.error?.code })
    return out
  }
  test("rows numbered from 1, ids defaulted, blank lines skipped, unusable records as error rows", async () => {
    expect(await items('ID,Smiles,x\r\na,*CC*,1\r\n\r\n,*C(F)(F)*,2\r\nb\r\n"c,"*CC(*)C",3\n')).toEqual([
      { n: 1, id: "a", smiles: "*CC*", error: undefined },
      { n: 2, id: "2", smiles: "*C(F)(F)*", error: undefined },
      { n: 3, id: "b", smiles: "", error: "validation_error" },
      { n: 4, id: "4", smiles: "", error: "validation_error" },
    ])
  })
  test("no smiles column, or no lines at all: one invalid-file item and nothing else", async () => {
    expect(await items("id,name\n1,*CC*\n")).toEqual([{ kind: "invalid-file", code: "validation_error", message: "in.csv has no 'smiles' column (columns: id, name)" }])
    expect(await items("")).toEqual([{ kind: "invalid-file", code: "validation_error", message: "in.csv is empty" }])
  })
})

describe("hostile input: bytes that are not UTF-8, huge lines, binary files", () => {
  const enc = (s: string) => new TextEncoder().encode(s)
  const cat = (...parts: Array<Uint8Array>) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const p of parts) (out.set(p, at), (at += p.length))
    return out
  }
  /** Records of `bytes` fed in chunks of `chunk` bytes. */
  const recordsOf = async (bytes: Uint8Array, chunk = bytes.length) => {
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk)
    }
    const out: Array<CsvRecord> = []
    for await (const r of csvRecords(chunks())) out.push(r)
    return out
  }
  const rowsOf = async (bytes: Uint8Array, chunk?: number) => {
    async function* records() {
      yield* await recordsOf(bytes, chunk)
    }
    const out: Array<Record<string, unknown>> = []
    for await (const item of inputRows(records(), "in.csv")) out.push(item.kind === "row" ? { n: item.n, smiles: item.smiles, rule: (item.error?.details as { rule?: string } | undefined)?.rule } : { invalid: item.error.message })
    return out
  }

  test.each([1, 2, 3, 4, 1 << 16])("a row with bytes that are not UTF-8 is an error row (rule encoding); the others go on (chunks of %i bytes)", async (chunk) => {
    // Latin-1 'é' (0xE9), a lone continuation byte, a truncated 3-byte sequence, then valid multi-byte text (é, €, 𝄞) and a real U+FFFD.
    const bytes = cat(enc("id,smiles\n1,*CC*\n2,*C"), Uint8Array.of(0xe9), enc("C*\n3,*CC(C)*\n4,*C"), Uint8Array.of(0x80), enc("*\n5,*C"), Uint8Array.of(0xe2, 0x82), enc("*\n6,*CC*é€𝄞\uFFFD\n7,*CC*\n"))
    expect(await rowsOf(bytes, chunk)).toEqual([
      { n: 1, smiles: "*CC*", rule: undefined },
      { n: 2, smiles: "*C\uFFFDC*", rule: "encoding" },
      { n: 3, smiles: "*CC(C)*", rule: undefined },
      { n: 4, smiles: "*C\uFFFD*", rule: "encoding" },
      { n: 5, smiles: "*C\uFFFD*", rule: "encoding" },
      { n: 6, smiles: "*CC*é€𝄞\uFFFD", rule: undefined },
      { n: 7, smiles: "*CC*", rule: undefined },
    ])
  })

  test("a file cut inside a multi-byte character: the last row is an encoding error", async () => {
    expect(await rowsOf(cat(enc("smiles\n*CC*\n*C"), Uint8Array.of(0xf0, 0x9d)), 3)).toEqual([
      { n: 1, smiles: "*CC*", rule: undefined },
      { n: 2, smiles: "*C\uFFFD", rule: "encoding" },
    ])
  })

  test("a line over MAX_RECORD_CHARS is an error row (rule too_long) and is not held; the next rows are read", async () => {
    const huge = "*" + "C".repeat(MAX_RECORD_CHARS + 10) + "*"
    const t = new CsvTokenizer()
    const out: Array<CsvRecord> = [...t.push("id,smiles\n1,*CC*\n2,")]
    // Fed in 64 KiB pieces, as a file stream would: the tokenizer never holds the field.
    for (let i = 0; i < huge.length; i += 1 << 16) {
      out.push(...t.push(huge.slice(i, i + (1 << 16))))
      expect((t as unknown as { field: string }).field.length).toBeLessThanOrEqual(MAX_RECORD_CHARS)
    }
    out.push(...t.push('\n3,"*C,C*"\n'), ...t.end())
    expect(out.map((r) => (r.ok ? r.fields : { rule: r.rule, raw: r.raw.length }))).toEqual([["id", "smiles"], ["1", "*CC*"], { rule: "too_long", raw: ECHO_LIMIT }, ["3", "*C,C*"]])
    const header = readHeader(out[0]!, "in.csv")
    if (header._tag !== "Success") throw new Error("header")
    const row = toRow(out[2]!, header.success, 2)
    expect(row.ok).toBe(false)
    if (!row.ok) expect(row.error.details).toEqual({ line: 3, rule: "too_long", limit: MAX_RECORD_CHARS })
  })

  test("binary garbage as a CSV: the error echoes at most 200 characters of it", async () => {
    let seed = 7
    const garbage = Uint8Array.from({ length: 300_000 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff).map((b) => (b === 10 || b === 13 ? 65 : b))
    const [item] = await rowsOf(garbage, 1 << 16)
    expect(item?.["invalid"]).toBeDefined()
    expect(String(item?.["invalid"]).length).toBeLessThan(400)
    // Text that is UTF-8 but has no smiles column: the columns are cut too.
    const wide = enc(Array.from({ length: 5000 }, (_, i) => `column${i}`).join(",") + "\nx\n")
    const [noSmiles] = await rowsOf(wide)
    expect(String(noSmiles?.["invalid"]).length).toBeLessThan(400)
    expect(String(noSmiles?.["invalid"])).toContain("characters)")
  })

  test("clipEcho cuts to 200 characters and says how long the text was", () => {
    expect(clipEcho("abc")).toBe("abc")
    expect(clipEcho("x".repeat(300))).toBe(`${"x".repeat(200)}… (300 characters)`)
  })
})
