import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { periogtBinary, runAsync, tempDir } from "../support/binary.ts"
import { placeCheckpoints, SHARED_SCALER } from "../support/checkpoints.ts"
import { committedRows, waitFor } from "../support/process.ts"

/**
 * The compiled executable featurizing on worker threads (the worker is a second entry point embedded in
 * the executable; core/pipeline/workers/entry.ts), run from a clean directory as a user runs it:
 * `batch` with PERIOGT_WORKERS=2 writes the same bytes as with PERIOGT_WORKERS=0 (main thread), and
 * SIGTERM mid-run still commits, records progress, exits 2 promptly, and the rerun completes it.
 */
const ROOT = path.resolve(import.meta.dir, "../..")
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the executable's worker tests: upstream's descriptor scaler is not at ${SHARED_SCALER} (../shared is absent)`)
const units = (JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/pipeline/tiny.json"), "utf8")) as { units: Array<{ id: string; smiles: string }> }).units

let dir: string
let env: Record<string, string>
let input: string

beforeAll(async () => {
  if (!has) return
  dir = tempDir("workers-exe")
  const ck = placeCheckpoints(path.join(dir, "ck"))
  env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "2" }
  const setup = await runAsync([periogtBinary(), "setup", "--skip-download"], { env, cwd: dir })
  if (setup.code !== 0) throw new Error(setup.stderr)
  const rows = [...units.map((u) => [u.id, u.smiles]), ["bad1", "CCO"], ["bad2", "*C*C*"]]
  input = path.join(dir, "units.csv")
  fs.writeFileSync(input, "id,smiles\n" + Array.from({ length: 8 }, (_, k) => rows.map(([id, s]) => `${id}_${k},${s}`)).flat().join("\n") + "\n")
}, 300_000)

describe.skipIf(!has)("the executable with featurization workers", () => {
  test("batch with 2 workers writes the same bytes as in the main thread", async () => {
    const out = (w: string) => path.join(dir, `out-${w}.csv`)
    for (const w of ["0", "2"]) {
      const r = await runAsync([periogtBinary(), "batch", "--input", "units.csv", "--property", "eps", "--output", out(w)], { env: { ...env, PERIOGT_WORKERS: w }, cwd: dir })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`workers=${w}`)
    }
    expect(fs.readFileSync(out("2"), "utf8")).toBe(fs.readFileSync(out("0"), "utf8"))
  }, 300_000)

  test("SIGTERM mid-run: the chunk is committed, progress recorded, exit 2 promptly; the rerun completes the same output", async () => {
    const reference = path.join(dir, "out-0.csv")
    const output = path.join(dir, "sigterm.csv")
    const p = Bun.spawn([periogtBinary(), "batch", "--input", "units.csv", "--property", "eps", "--output", output], { env: { ...env, PERIOGT_WORKERS: "2" }, cwd: dir, stdout: "pipe", stderr: "pipe" })
    const stderrText = new Response(p.stderr).text()
    // mid-run once the journal records a first committed chunk (a fixed sleep failed on a busy machine)
    await waitFor(() => committedRows(`${output}.progress`) > 0, 120_000, "the first committed chunk")
    const termAt = performance.now()
    p.kill("SIGTERM")
    const [code, stdout] = await Promise.all([p.exited, new Response(p.stdout).text()])
    const exitMs = performance.now() - termAt
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as { rows: number; complete: boolean }
    expect(code).toBe(2)
    expect(report.complete).toBe(false)
    expect(report.rows).toBeGreaterThan(0)
    expect(report.rows).toBeLessThan(8 * (units.length + 2))
    expect(fs.existsSync(`${output}.progress`)).toBe(true)
    // one chunk (32 rows) finishes, then the workers are terminated with the command
    expect(exitMs).toBeLessThan(30_000)
    const rerun = await runAsync([periogtBinary(), "batch", "--input", "units.csv", "--property", "eps", "--output", output], { env: { ...env, PERIOGT_WORKERS: "2" }, cwd: dir })
    expect(rerun.code).toBe(1)
    expect(JSON.parse(rerun.stdout.trim())).toMatchObject({ resumed_from: report.rows, complete: true })
    expect(fs.readFileSync(output, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
  }, 300_000)
})
