import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { periogtBinary, runAsync, tempDir } from "../support/binary.ts"
import { placeCheckpoints, SHARED_SCALER } from "../support/checkpoints.ts"
import { committedRows, hasStackTrace, readUntil, waitFor } from "../support/process.ts"

/**
 * SIGTERM (Slurm's walltime, `scancel`) and SIGINT (Ctrl-C) at any moment of a long command, with the
 * compiled executable: exit 2 and a message saying what happened, no stack trace, progress committed so
 * far kept, the output's lock released. Every wait is for a sign of readiness (a log line, a journal
 * entry, a line of output), never a fixed sleep.
 */
const ROOT = path.resolve(import.meta.dir, "../..")
const units = (JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/pipeline/tiny.json"), "utf8")) as { units: Array<{ id: string; smiles: string }> }).units
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the batch signal tests: upstream's descriptor scaler is not at ${SHARED_SCALER} (../shared is absent)`)

let dir: string
let env: Record<string, string>
let input: string

beforeAll(async () => {
  dir = tempDir("signals")
  input = path.join(dir, "units.csv")
  fs.writeFileSync(input, "id,smiles\n" + Array.from({ length: 40 }, (_, k) => units.map((u) => `${u.id}_${k},${u.smiles}`)).flat().join("\n") + "\n")
  env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "2", PERIOGT_WORKERS: "0" }
  if (!has) return
  const ck = placeCheckpoints(path.join(dir, "ck"))
  env = { ...env, PERIOGT_CHECKPOINT_DIR: ck }
  const setup = await runAsync([periogtBinary(), "setup", "--skip-download"], { env, cwd: dir })
  if (setup.code !== 0) throw new Error(setup.stderr)
}, 300_000)

const start = (args: ReadonlyArray<string>) => Bun.spawn([periogtBinary(), ...args], { env, cwd: dir, stdout: "pipe", stderr: "pipe" })

describe.skipIf(!has)("batch", () => {
  // Each moment is reached by waiting for the line the executable logs there.
  const moments: Array<[string, string]> = [
    ["as soon as the configuration is logged (before anything is loaded)", "results_dir"],
    ["while the models load", "device"],
  ]
  for (const [when, marker] of moments) {
    test(`SIGTERM ${when}: exit 2 with a message, no stack trace, the lock released, no final file; the same command then completes`, async () => {
      const output = path.join(dir, `early-${marker}.csv`)
      const p = start(["batch", "--input", input, "--property", "eps", "--output", output])
      const stderr = { text: "" }
      const seen = await readUntil(p.stderr, marker, stderr)
      expect(seen.found).toBe(true)
      p.kill("SIGTERM")
      const [code, stdout] = await Promise.all([p.exited, new Response(p.stdout).text()])
      const text = await seen.rest
      expect(code).toBe(2)
      expect(text).toContain("SIGTERM")
      expect(hasStackTrace(text)).toBe(false)
      expect(fs.existsSync(`${output}.lock`)).toBe(false)
      expect(fs.existsSync(output)).toBe(false)
      // stopped before any chunk: nothing on stdout but, at most, the batch's own report of an incomplete run
      if (stdout.trim() !== "") expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toMatchObject({ complete: false })
      const rerun = await runAsync([periogtBinary(), "batch", "--input", input, "--property", "eps", "--output", output], { env, cwd: dir })
      expect(rerun.code).toBe(0)
      expect(JSON.parse(rerun.stdout.trim())).toMatchObject({ complete: true, rows: 40 * units.length })
    }, 300_000)
  }

  test("SIGTERM mid-run: the chunk at hand is committed, progress recorded, exit 2; a second SIGTERM is not needed", async () => {
    const output = path.join(dir, "mid.csv")
    const p = start(["batch", "--input", input, "--property", "eps", "--output", output])
    // under way once the journal records a first committed chunk
    await waitFor(() => committedRows(`${output}.progress`) > 0, 120_000, "the first committed chunk")
    p.kill("SIGTERM")
    const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()])
    expect(code).toBe(2)
    expect(stderr).toContain("SIGTERM")
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as { rows: number; complete: boolean }
    expect(report.complete).toBe(false)
    expect(report.rows).toBeGreaterThan(0)
    expect(committedRows(`${output}.progress`)).toBe(report.rows)
    expect(fs.existsSync(`${output}.lock`)).toBe(false)
  }, 300_000)
})

describe.skipIf(!has)("predict and embeddings with the tiny checkpoints", () => {
  test("a failed write of the result to stdout (> /dev/full) is internal_error, exit 2, no stack trace (it exited 0 after a stack trace)", () => {
    for (const args of [["predict", "--smiles", "*CC*", "--property", "eps"], ["embeddings", "--smiles", "*CC*"]]) {
      const fd = fs.openSync("/dev/full", "w")
      try {
        const r = Bun.spawnSync([periogtBinary(), ...args], { env, cwd: dir, stdout: fd, stderr: "pipe" })
        const stderr = r.stderr.toString()
        expect(r.exitCode).toBe(2)
        expect(hasStackTrace(stderr)).toBe(false)
        const line = stderr.split("\n").reverse().find((l) => l.startsWith('{"error"'))!
        expect(JSON.parse(line)).toMatchObject({ error: { code: "internal_error", details: { errno: "ENOSPC" } } })
      } finally {
        fs.closeSync(fd)
      }
    }
  }, 120_000)
})

describe("featurize --input and descriptors --input", () => {
  test("SIGTERM and SIGINT once rows are streaming: exit 2 promptly with a message, no stack trace", async () => {
    const long = path.join(dir, "long.csv")
    fs.writeFileSync(long, "id,smiles\n" + Array.from({ length: 20_000 }, (_, i) => `r${i},*CC(${"C".repeat(i % 9)})*`).join("\n") + "\n")
    for (const [command, signal] of [["featurize", "SIGTERM"], ["featurize", "SIGINT"], ["descriptors", "SIGTERM"]] as const) {
      const p = start(["--workers", "0", command, "--input", long])
      const out = await readUntil(p.stdout, "\n")
      expect(out.found).toBe(true)
      const at = performance.now()
      p.kill(signal)
      const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()])
      void out.rest
      expect({ command, signal, code }).toEqual({ command, signal, code: 2 })
      // promptly: rows are computed synchronously, and the signal's handler runs between them
      expect(performance.now() - at).toBeLessThan(10_000)
      expect(stderr).toContain(signal)
      expect(hasStackTrace(stderr)).toBe(false)
    }
  }, 300_000)
})
