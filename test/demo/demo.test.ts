import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { periogtBinary, run, tempDir } from "../support/binary.ts"
import { TINY_CHECKPOINTS } from "../support/checkpoints.ts"

/**
 * `periogt demo`, the README's first command: the compiled executable alone in an empty directory, no
 * checkpoints, no network, no node or bun on PATH — and every output labelled as a demonstration.
 */
const ASSETS = path.resolve(import.meta.dir, "../../core/demo/assets")
let bin: string
let dir: string

beforeAll(() => {
  dir = tempDir("demo")
  bin = path.join(dir, "periogt")
  fs.copyFileSync(periogtBinary(), bin)
  fs.chmodSync(bin, 0o755)
})

const periogt = (args: ReadonlyArray<string>) =>
  run([bin, ...args], { env: { PATH: "/nonexistent", HOME: dir, PERIOGT_CHECKPOINT_DIR: path.join(dir, "no-checkpoints") }, cwd: dir })

interface DemoRow {
  id: string
  demonstration: boolean
  ok: boolean
  prompt_graphs?: number
  descriptors?: Record<string, number | null>
  demo_output?: { value: number; units: string }
  model?: string
  error?: { code: string }
}

describe("periogt demo", () => {
  test("the demonstration weights are the oracle's tiny synthetic checkpoints, byte for byte (the model whose parity the network tests prove)", () => {
    for (const f of ["pretrained.pth", "finetuned.pth"]) expect(Bun.hash(fs.readFileSync(path.join(ASSETS, f)))).toBe(Bun.hash(fs.readFileSync(path.join(TINY_CHECKPOINTS, f))))
  })

  test("with no checkpoints and no network: a table of the twelve examples under a demonstration banner", () => {
    const r = periogt(["demo"])
    expect(r.code).toBe(0)
    expect(r.stdout.startsWith("DEMONSTRATION: untrained synthetic weights; the demo_output column is NOT a PerioGT prediction.")).toBe(true)
    expect(r.stdout).toContain("not a PerioGT prediction)")
    const names = fs.readFileSync(path.join(ASSETS, "examples.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]!)
    for (const n of names) expect(r.stdout).toMatch(new RegExp(`^${n.replace(/[()]/g, "\\$&")}\\s+yes\\s+\\d+\\s+[\\d.]+\\s+-?[\\d.]+\\s+[\\d.]+\\s+-?\\d+\\.\\d{4}$`, "m"))
  })

  test("--format json: every line is labelled a demonstration, deterministic from run to run", () => {
    const a = periogt(["demo", "--format", "json"])
    const b = periogt(["demo", "--format", "json"])
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    const rows = a.stdout.trim().split("\n").map((l) => JSON.parse(l) as DemoRow)
    expect(rows.length).toBe(12)
    for (const row of rows) {
      expect(row.demonstration).toBe(true)
      expect(row.model).toContain("not a PerioGT prediction")
      expect(row.demo_output!.units).toBe("arbitrary")
      expect(Number.isFinite(row.demo_output!.value)).toBe(true)
      expect(row.prompt_graphs).toBeGreaterThanOrEqual(1)
    }
    // polystyrene's capped 3-mer, C24H26: mordred's MW is the monoisotopic mass
    expect(rows.find((r) => r.id === "polystyrene")!.descriptors!["MW"]).toBeCloseTo(314.2035, 3)
  })

  test("an invalid unit is an error row with its code; exit 1", () => {
    const r = periogt(["demo", "--smiles", "*C(*)(*)C", "--format", "json"])
    expect(r.code).toBe(1)
    const row = JSON.parse(r.stdout.trim()) as DemoRow
    expect(row.ok).toBe(false)
    expect(row.demonstration).toBe(true)
    expect(row.error!.code).toBe("validation_error")
  })
})
