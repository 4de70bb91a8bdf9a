import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorOf, tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { journalRows, jobs, periogt, submit, tinyCheckpoints, waitFile, waitJobs, writeInput } from "./support.ts"

/**
 * The local executor end to end with the compiled executable on the tiny synthetic checkpoints, no
 * scheduler: submit → jobs → collect equals one `periogt batch` of the same input byte for byte; a
 * shard killed with SIGKILL and the rest cancelled show failed and cancelled, and `submit --resume`
 * completes them where they stopped; collect refuses a missing shard (exit 2, naming it) unless
 * --partial; --dry-run writes nothing.
 */
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the local executor's end-to-end tests: upstream's descriptor scaler is not at ${SHARED_SCALER}`)

let dir = ""
let env: Record<string, string> = {}
let input = ""
let reference = ""

beforeAll(async () => {
  if (!has) return
  dir = tempDir("jobs-local")
  const ck = await tinyCheckpoints(dir, ["eps", "egc"])
  env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_RESULTS_DIR: path.join(dir, "results"), PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "1", PERIOGT_WORKERS: "0" }
  input = path.join(dir, "units.csv")
  writeInput(input, 12)
  reference = path.join(dir, "reference.csv")
  const r = await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], env)
  if (r.code !== 1) throw new Error(`reference batch: exit ${r.code}: ${r.stderr}`)
}, 300_000)

afterAll(() => {
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!has)("local executor", () => {
  test("--dry-run prints the commands and writes nothing", async () => {
    const r = await periogt(["submit", "--input", input, "--property", "eps", "--shards", "3", "--scheduler", "local", "--dry-run"], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("driver.sh 1 0 1 2")
    expect(fs.existsSync(path.join(dir, "results", "runs"))).toBe(false)
  }, 60_000)

  test("--shards auto sizes from the rows, the walltime and the rate (none measured yet: a cautious 5 rows/s); --scheduler auto without a controller is local, saying why", async () => {
    const r = await periogt(["submit", "--input", input, "--property", "eps", "--max-running", "3", "--dry-run"], { ...env, PATH: "/nonexistent:/usr/bin:/bin" })
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/scheduler local: .*(neither sbatch nor qstat is on PATH|no Slurm controller answers)/)
    expect(r.stderr).toContain("--shards auto: 3 shard(s): 216 rows, no earlier run measured here: assuming 5 rows/s")
    expect(r.stdout).toContain("3 shard(s) of 72, 72, 72 rows")
  }, 60_000)

  test("--dry-run for PBS Pro and Torque: each dialect's directives, array option and index variable; nothing submitted", async () => {
    const pro = await periogt(["submit", "--input", input, "--property", "eps", "--shards", "4", "--max-running", "2", "--scheduler", "pbs", "--dry-run"], env)
    expect(pro.code).toBe(0)
    expect(pro.stdout).toContain("#PBS -l select=1:ncpus=")
    expect(pro.stdout).not.toMatch(/^#PBS -l nodes=/m)
    expect(pro.stdout).toMatch(/^qsub -N \S+ -j oe -o \S+ -l select=\S+ -v RUN_DIR=\S+ -J 0-3%2 \S+batch-array\.pbs$/m)
    const torque = await periogt(["submit", "--input", input, "--property", "eps", "--shards", "4", "--max-running", "2", "--scheduler", "torque", "--dry-run"], env)
    expect(torque.code).toBe(0)
    expect(torque.stdout).toMatch(/^#PBS -l nodes=1:ppn=\d+$/m)
    expect(torque.stdout).toMatch(/^qsub -N \S+ -j oe -o \S+ -v RUN_DIR=\S+ -t 0-3%2 \S+batch-array\.pbs$/m)
    expect(torque.stdout).toContain("PBS_ARRAYID")
    expect(fs.existsSync(path.join(dir, "results", "runs"))).toBe(false)
  }, 60_000)

  test("submit → jobs → collect equals one batch, and so does a run of the same input for another property at the same time; a missing shard is refused unless --partial", async () => {
    const run = await submit(["--input", input, "--property", "eps", "--shards", "3", "--max-running", "2", "--scheduler", "local"], env)
    // The same input for another property at the same time: its own run, outputs and merged file.
    const other = await submit(["--input", input, "--property", "egc", "--shards", "2", "--scheduler", "local"], env)
    const ledger = JSON.parse(fs.readFileSync(path.join(run, "run.json"), "utf8"))
    expect(ledger.shards.map((s: { first_row: number; rows: number }) => [s.first_row, s.rows])).toEqual([[1, 72], [73, 72], [145, 72]])
    const v = await waitJobs(run, env)
    expect(v.shards.map((s) => [s.state, s.rows_done, s.failed_rows])).toEqual([["completed", 72, 8], ["completed", 72, 8], ["completed", 72, 8]])
    expect(v.complete).toBe(true)
    const c = await periogt(["collect", run], env)
    expect(c.code).toBe(0)
    const summary = JSON.parse(c.stdout)
    expect(summary).toMatchObject({ rows: 216, failed_rows: 24, missing_shards: [], partial: false })
    expect(summary.failures_by_rule).toEqual({
      "validation_error: invalid repeat unit: the repeat unit has no '*' connection point": 12,
      "validation_error: invalid repeat unit: a repeat unit needs exactly two '*' connection points (found N)": 12,
    })
    const merged = path.join(dir, "results", "units_eps_predictions.csv")
    expect(summary.output).toBe(merged)
    expect(fs.readFileSync(merged, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
    const watched = await periogt(["jobs", run, "--watch", "--interval", "1"], env)
    expect(watched.code).toBe(0)
    expect(watched.stdout).toContain("3 completed; rows 216 of 216 [##############################] 100.0%")
    await waitJobs(other, env)
    expect((await periogt(["collect", other], env)).code).toBe(0)
    const referenceEgc = path.join(dir, "reference-egc.csv")
    expect((await periogt(["batch", "--input", input, "--property", "egc", "--output", referenceEgc], env)).code).toBe(1)
    expect(fs.readFileSync(path.join(dir, "results", "units_egc_predictions.csv"), "utf8")).toBe(fs.readFileSync(referenceEgc, "utf8"))
    expect(fs.readFileSync(merged, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
    // The shard's rerun does nothing and says so.
    const again = await periogt(["batch", "--run", run, "--shard", "1"], env)
    expect(again.code).toBe(0)
    expect(again.stderr).toContain("already complete")
    // A shard output gone: refused, naming it; --partial merges the rest.
    fs.rmSync(path.join(run, ledger.shards[1].output))
    const refused = await periogt(["collect", run, "--output", path.join(dir, "x.csv")], env)
    expect(refused.code).toBe(2)
    expect(errorOf(refused.stderr)).toMatchObject({ code: "validation_error", details: { missing_shards: [1] } })
    expect(fs.existsSync(path.join(dir, "x.csv"))).toBe(false)
    const partial = await periogt(["collect", run, "--output", path.join(dir, "x.csv"), "--partial"], env)
    expect(partial.code).toBe(0)
    expect(JSON.parse(partial.stdout)).toMatchObject({ rows: 144, missing_shards: [1], partial: true })
  }, 300_000)

  test("a shard killed with SIGKILL and the others cancelled; submit --resume completes them where they stopped", async () => {
    // 60 copies (360 rows a shard, 12 chunks): still running when killed after its first chunk, however fast
    // the machine (with 72 rows a shard, a fast one could finish it between the poll and the kill)
    const input = path.join(dir, "units-long.csv")
    writeInput(input, 60)
    const reference = path.join(dir, "reference-long.csv")
    expect((await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], env)).code).toBe(1)
    const run = await submit(["--input", input, "--property", "eps", "--shards", "3", "--max-running", "1", "--scheduler", "local"], env)
    const progress = path.join(run, "outputs", "shard-0000_eps_predictions.csv.progress")
    await waitFile(progress, (t) => journalRows(t) >= 32)
    const pid = Number(fs.readFileSync(path.join(run, "local", "shard-0000.pid"), "utf8"))
    process.kill(pid, "SIGKILL")
    const cancel = await periogt(["cancel", run], env)
    expect(cancel.code).toBe(0)
    const v = await waitJobs(run, env)
    expect(v.shards[0]!.state).toBe("failed")
    expect(v.shards[0]!.rows_done).toBeGreaterThanOrEqual(32)
    expect(v.shards[0]!.rows_done).toBeLessThan(360)
    expect(v.shards.slice(1).map((s) => s.state)).toEqual(["cancelled", "cancelled"])
    const human = await periogt(["jobs", run], env)
    expect(human.stdout).toContain(`periogt submit --resume ${run}`)
    const resumed = await periogt(["submit", "--resume", run], env)
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain("resubmitting")
    const done = await waitJobs(run, env)
    expect(done.shards.map((s) => s.state)).toEqual(["completed", "completed", "completed"])
    const status0 = JSON.parse(fs.readFileSync(path.join(run, "outputs", "shard-0000.status.json"), "utf8"))
    expect(status0.resumed_from).toBeGreaterThanOrEqual(32)
    const out = path.join(dir, "resumed.csv")
    expect((await periogt(["collect", run, "--output", out], env)).code).toBe(0)
    expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
    // Nothing left to resubmit: says so.
    const nothing = await periogt(["submit", "--resume", run], env)
    expect(nothing.stderr).toContain("nothing to resubmit")
    expect((await jobs(run, env)).complete).toBe(true)
  }, 300_000)
})
