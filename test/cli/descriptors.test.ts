import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { DESCRIPTOR_NAMES } from "../../core/chem/descriptors/index.ts"
import { csvRecords } from "../../core/io/csv/index.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { errorOf, periogtBinary, run, tempDir } from "../support/binary.ts"
import { loadOracle, same, type OracleMol } from "../descriptors/support.ts"

/**
 * `periogt descriptors` as a user runs it — the compiled executable in an empty directory — checked
 * against mordred's own values (the oracle's committed fixtures) for the same repeat units.
 */
const UNITS = ["vin003", "acr002", "pes001", "sil001", "flu002", "pam001", "sal001", "con002"]
let bin: string
let dir: string
let oracle: ReadonlyArray<OracleMol>
let smilesOf: Map<string, string>

beforeAll(async () => {
  dir = tempDir("descriptors")
  bin = path.join(dir, "periogt")
  fs.copyFileSync(periogtBinary(), bin)
  fs.chmodSync(bin, 0o755)
  oracle = (await loadOracle()).filter((m) => UNITS.includes(m.polymer))
  const valid = fs.readFileSync(path.resolve(import.meta.dir, "../fixtures/polymers/valid.csv"), "utf8").trim().split("\n").slice(1)
  smilesOf = new Map(valid.map((l) => l.split(",")).map(([id, smiles]) => [id!, smiles!]))
}, 300_000) // compiling the executable takes longer than bun's default 5 s on a busy machine

const periogt = (args: ReadonlyArray<string>) => run([bin, ...args], { env: { PATH: "/nonexistent", HOME: dir, PERIOGT_CHECKPOINT_DIR: path.join(dir, "ck") }, cwd: dir })

const parseCsv = async (file: string): Promise<string[][]> => {
  const rows: string[][] = []
  for await (const r of csvRecords(fs.createReadStream(file))) if (r.ok) rows.push([...r.fields])
  return rows
}

const num = (cell: string) => (cell === "" ? NaN : cell === "inf" ? Infinity : cell === "-inf" ? -Infinity : Number(cell))

describe("periogt descriptors", () => {
  test("a CSV of repeat units: each row is mordred's 1613 values of the capped 3-mer; bad rows are error rows; the file appears complete", async () => {
    expect(oracle.length).toBeGreaterThanOrEqual(UNITS.length * 3)
    const input = path.join(dir, "units.csv")
    fs.writeFileSync(input, ["id,smiles", ...UNITS.map((u) => `${u},"${smilesOf.get(u)}"`), "bad,CC*(*)C*", "plain,CCO"].join("\n") + "\n")
    const out = path.join(dir, "out", "descriptors.csv")
    const r = periogt(["descriptors", "--input", input, "--output", out])
    expect(r.code).toBe(1)
    expect(fs.readdirSync(path.dirname(out))).toEqual(["descriptors.csv"])
    const [header, ...rows] = await parseCsv(out)
    expect(header).toEqual(["id", "smiles", "molecule", "ok", "error_code", "error_message", ...DESCRIPTOR_NAMES])
    expect(rows.map((x) => x[0])).toEqual([...UNITS, "bad", "plain"])
    let compared = 0
    for (const row of rows.slice(0, UNITS.length)) {
      const m = oracle.find((o) => o.polymer === row[0] && o.n === 3)!
      expect(row[2]).toBe(m.smiles)
      expect(row[3]).toBe("true")
      const off = DESCRIPTOR_NAMES.flatMap((name, i) => (same(num(row[6 + i]!), m.raw[i]!) ? [] : [`${name}: ${row[6 + i]} vs ${m.raw[i]}`]))
      expect(off).toEqual([])
      compared += DESCRIPTOR_NAMES.length
    }
    expect(compared).toBe(UNITS.length * 1613)
    const bad = rows[UNITS.length]!
    expect(bad.slice(3, 5)).toEqual(["false", "validation_error"])
    const plain = rows[UNITS.length + 1]!
    expect(plain.slice(2, 4)).toEqual(["CCO", "true"])
  })

  test("--workers 2 writes the same bytes as --workers 0 (main thread), CSV and JSON lines, valid, invalid and plain rows in input order", async () => {
    const rows = [...UNITS.map((u) => `${u},"${smilesOf.get(u)}"`), "bad,CC*(*)C*", "plain,CCO", "junk,not a smiles", "empty,"]
    // three times over: more rows than the 2 workers' window of in-flight rows
    const input = path.join(dir, "workers.csv")
    fs.writeFileSync(input, ["id,smiles", ...[0, 1, 2].flatMap((k) => rows.map((r) => `${k}_${r}`))].join("\n") + "\n")
    for (const format of ["csv", "json"]) {
      const out = (w: string) => path.join(dir, `workers-${w}-${format}`, `descriptors.${format}`)
      for (const w of ["0", "2"]) {
        const r = periogt(["--workers", w, "descriptors", "--input", input, "--output", out(w), "--format", format])
        expect(r.code).toBe(1)
        expect(fs.readdirSync(path.dirname(out(w)))).toEqual([`descriptors.${format}`])
      }
      const main = fs.readFileSync(out("0"))
      expect(main.length).toBeGreaterThan(0)
      expect(fs.readFileSync(out("2")).equals(main)).toBe(true)
    }
    const [, ...written] = await parseCsv(path.join(dir, "workers-2-csv", "descriptors.csv"))
    expect(written.map((x) => x[0])).toEqual([0, 1, 2].flatMap((k) => rows.map((r) => `${k}_${r.split(",")[0]}`)))
    expect(written.filter((x) => x[3] === "false").length).toBe(9)
  }, 300_000)

  for (const [signal, workers] of [["SIGTERM", "2"], ["SIGINT", "0"]] as const) {
    test(`${signal} mid-run (--workers ${workers}): exit 2 promptly, neither the output nor its temporary file is left`, async () => {
      const units = [...smilesOf.values()]
      const input = path.join(dir, `long-${signal}.csv`)
      fs.writeFileSync(input, "id,smiles\n" + Array.from({ length: 4000 }, (_, i) => `r${i},"${units[i % units.length]}"`).join("\n") + "\n")
      const outDir = path.join(dir, `interrupted-${signal}`)
      fs.mkdirSync(outDir)
      const p = Bun.spawn([bin, "--workers", workers, "descriptors", "--input", input, "--output", path.join(outDir, "d.csv")], {
        env: { PATH: "/nonexistent", HOME: dir, PERIOGT_CHECKPOINT_DIR: path.join(dir, "ck") },
        cwd: dir,
        stdout: "pipe",
        stderr: "pipe",
      })
      // the run is under way once its temporary sibling is being written
      const temporary = () => fs.readdirSync(outDir).filter((f) => f.endsWith(".tmp"))
      for (const until = performance.now() + 30_000; temporary().length === 0 && performance.now() < until; ) await Bun.sleep(50)
      expect(temporary().length).toBe(1)
      // mid-run once rows reach the temporary file (written in 1 MB drains; a fixed sleep failed on a busy machine)
      const written = () => temporary().reduce((n, f) => n + (fs.existsSync(path.join(outDir, f)) ? fs.statSync(path.join(outDir, f)).size : 0), 0)
      for (const until = performance.now() + 60_000; written() === 0 && performance.now() < until; ) await Bun.sleep(20)
      expect(written()).toBeGreaterThan(0)
      const at = performance.now()
      p.kill(signal)
      const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()])
      expect(code).toBe(2)
      expect(performance.now() - at).toBeLessThan(15_000)
      expect(stderr).toContain(signal)
      expect(fs.readdirSync(outDir)).toEqual([])
    }, 60_000)
  }

  test("--oligomer 9 --format json: the capped 9-mer, equal to mordred", () => {
    const m = oracle.find((o) => o.polymer === "acr002" && o.n === 9)!
    const r = periogt(["descriptors", "--smiles", smilesOf.get("acr002")!, "--oligomer", "9"])
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as { molecule: string; kind: string; descriptors: Record<string, number | string | null> }
    expect(body.molecule).toBe(m.smiles)
    expect(body.kind).toBe("raw")
    const values = DESCRIPTOR_NAMES.map((n) => body.descriptors[n])
    expect(values.every((v, i) => same(v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number), m.raw[i]!))).toBe(true)
  })

  test.skipIf(!fs.existsSync(SHARED_SCALER))("--model-input: upstream's standardized md vector of the capped 3-mer (float32), within 1e-5", () => {
    const m = oracle.find((o) => o.polymer === "pes001" && o.n === 3)!
    expect(m.md).not.toBeNull()
    const r = periogt(["descriptors", "--smiles", smilesOf.get("pes001")!, "--model-input", "--scaler", SHARED_SCALER])
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as { kind: string; descriptors: Record<string, number> }
    expect(body.kind).toBe("md")
    const worst = Math.max(...DESCRIPTOR_NAMES.map((n, i) => Math.abs(body.descriptors[n]! - m.md![i]!) / Math.max(1, Math.abs(m.md![i]!))))
    expect(worst).toBeLessThanOrEqual(1e-5)
  })

  test("--model-input without a scaler: checkpoint_missing naming the path", () => {
    const r = periogt(["descriptors", "--smiles", "*CC*", "--model-input"])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("checkpoint_missing")
    expect(e?.message).toContain(path.join(dir, "ck", "descriptor_scaler.pkl"))
  })

  test("bad options are validation errors (exit 2)", () => {
    expect(errorOf(periogt(["descriptors", "--smiles", "*CC*", "--oligomer", "4"]).stderr)?.code).toBe("validation_error")
    expect(errorOf(periogt(["descriptors", "--smiles", "*CC*", "--format", "xml"]).stderr)?.code).toBe("validation_error")
    expect(periogt(["descriptors"]).code).toBe(2)
  })

  test("featurize --descriptors adds the capped 3-mer's 1613 named values", () => {
    const r = periogt(["featurize", "--smiles", "*CC*", "--descriptors"])
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as { descriptors: { molecule: string; values: Record<string, unknown> } }
    expect(Object.keys(body.descriptors.values)).toEqual([...DESCRIPTOR_NAMES])
    expect(body.descriptors.molecule).toBe("CCCCCC")
  })
})
