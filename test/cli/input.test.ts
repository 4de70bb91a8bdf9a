import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorOf, ROOT, run, tempDir } from "../support/binary.ts"

/** `--input -` (standard input) and rows that are not UTF-8, through the command line (bun bin/periogt.ts). */
const home = tempDir("input-home")
const periogt = (args: ReadonlyArray<string>, stdin?: string) =>
  run(["bun", path.join(ROOT, "bin/periogt.ts"), ...args], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_CHECKPOINT_DIR: path.join(home, "ck"), PERIOGT_WORKERS: "0" }, cwd: home, ...(stdin === undefined ? {} : { stdin }) })
const lines = (out: string) => out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>)

describe("--input - reads standard input", () => {
  test("featurize", () => {
    const r = periogt(["featurize", "--input", "-"], "id,smiles\na,*CC*\nb,*CC(C)*\n")
    expect(r.code).toBe(0)
    expect(lines(r.stdout).map((l) => [l["id"], l["valid"]])).toEqual([["a", true], ["b", true]])
  }, 60_000)

  test("descriptors (JSON lines)", () => {
    const r = periogt(["descriptors", "--input", "-", "--format", "json"], "smiles\n*CC*\n")
    expect(r.code).toBe(0)
    expect(lines(r.stdout)).toHaveLength(1)
    expect(lines(r.stdout)[0]!["smiles"]).toBe("*CC*")
  }, 60_000)

  test("demo", () => {
    const r = periogt(["demo", "--input", "-", "--format", "json"], "smiles\n*CC*\n")
    expect(r.code).toBe(0)
    expect(lines(r.stdout).map((l) => l["smiles"])).toEqual(["*CC*"])
  }, 60_000)

  test("a piped /dev/stdin is read once as a stream (descriptors used to count its rows first and find it empty)", () => {
    const cmd = `printf 'smiles\\n*CC*\\n*CC(C)*\\n' | bun ${JSON.stringify(path.join(ROOT, "bin/periogt.ts"))} descriptors --input /dev/stdin --format json`
    const r = run(["bash", "-c", cmd], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_WORKERS: "0" }, cwd: home })
    expect(r.code).toBe(0)
    expect(lines(r.stdout).map((l) => l["smiles"])).toEqual(["*CC*", "*CC(C)*"])
  }, 60_000)

  test("batch without --output refuses it, saying why and what to do (results are named after an input file)", () => {
    const r = periogt(["batch", "--input", "-", "--property", "eps"], "smiles\n*CC*\n")
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr) as { code: string; message: string; action?: string; details?: Record<string, unknown> } | undefined
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("standard input")
    expect(e?.action).toContain("--output")
    expect(e?.details?.["option"]).toBe("--output")
  }, 60_000)

  test("batch: an endless stream that is not a CSV fails at its first line, and no copy of it is left", () => {
    const out = path.join(home, "yes.csv")
    const cmd = `yes | bun ${JSON.stringify(path.join(ROOT, "bin/periogt.ts"))} batch --input - --property eps --output ${JSON.stringify(out)}`
    const r = run(["bash", "-c", cmd], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_CHECKPOINT_DIR: path.join(home, "ck"), PERIOGT_WORKERS: "0" }, cwd: home })
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("no 'smiles' column")
    expect(fs.readdirSync(home).filter((f) => f.startsWith("yes.csv"))).toEqual([])
  }, 60_000)

  test("batch refuses a device such as /dev/zero (it would be copied without end) and says how to pipe rows in", () => {
    const r = periogt(["batch", "--input", "/dev/zero", "--property", "eps", "--output", path.join(home, "zero.csv")])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr) as { code: string; message: string; action?: string } | undefined
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("device")
    expect(e?.action).toContain("--input -")
  }, 60_000)

  test("batch --input - with nothing piped in says that standard input is empty", () => {
    const r = periogt(["batch", "--input", "-", "--property", "eps", "--output", path.join(home, "empty.csv")], "")
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.message).toBe("standard input is empty")
  }, 60_000)

  test("submit refuses it, saying why and what to do (a run is split from an input file)", () => {
    const r = periogt(["submit", "--input", "-", "--property", "eps"], "smiles\n*CC*\n")
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr) as { code: string; message: string; action?: string } | undefined
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("standard input")
    expect(e?.action).toContain("save the rows to a file first")
  }, 60_000)
})

test("a row with bytes that are not UTF-8 is an error line (rule encoding), the others are featurized", () => {
  const file = path.join(home, "latin1.csv")
  fs.writeFileSync(file, Buffer.concat([Buffer.from("id,smiles\na,*CC*\nb,*C"), Buffer.from([0xe9]), Buffer.from("C*\nc,*CC(C)*\n")]))
  const r = periogt(["featurize", "--input", file])
  expect(r.code).toBe(1)
  const out = lines(r.stdout)
  expect(out.map((l) => [l["id"], l["valid"]])).toEqual([["a", true], ["b", false], ["c", true]])
  expect((out[1]!["error"] as { rule: string }).rule).toBe("encoding")
}, 60_000)
