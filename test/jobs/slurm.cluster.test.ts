import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { startSlurmCluster, type SlurmCluster } from "../adapters/slurmCluster.ts"
import { missingTools } from "../adapters/tools.ts"
import { periogtBinary, tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { jobs, periogt, submit, tinyCheckpoints, waitJobs, writeInput } from "./support.ts"

/**
 * `periogt submit` on a real one-node Slurm cluster on loopback (test/adapters/slurmCluster.ts), twice:
 * without accounting (states from squeue and scontrol, the fallback path) and with accounting (its own
 * MariaDB and slurmdbd: states from sacct; skipped, saying why, without them), with the compiled
 * executable and the tiny synthetic checkpoints: `--scheduler auto` picks Slurm because the controller
 * answers; one array job of 4 shards throttled to 2; one task cancelled with scancel shows cancelled,
 * `submit --resume` completes it, and collect is byte-identical to one `periogt batch`; a second run of
 * the same input for another property is correct too and never touches the first's files. Without
 * accounting also: a shard past its --time shows timeout and resumes.
 */
const why = missingTools(["slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "scancel", "sinfo", "munged"]) ?? (fs.existsSync(SHARED_SCALER) ? undefined : `upstream's descriptor scaler is not at ${SHARED_SCALER}`)

const SETS = ["--set", "cpus=1", "--set", "mem=256M", "--set", "time=00:10:00"]

const suite = (accounting: boolean) => {
  const skip = why ?? (accounting ? missingTools(["slurmdbd", "mariadbd", "mariadb-install-db", "sacct", "sacctmgr"]) : undefined)
  let cluster: SlurmCluster | undefined
  let dir = ""
  let env: Record<string, string> = {}
  let input = ""

  describe.skipIf(skip !== undefined)(`periogt submit on a loopback Slurm cluster, accounting ${accounting ? "on (sacct)" : "off (squeue, scontrol)"}${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
    beforeAll(async () => {
      dir = tempDir("jobs-slurm")
      fs.chmodSync(dir, 0o755)
      periogtBinary()
      const ck = await tinyCheckpoints(dir, ["eps", "egc"])
      cluster = await startSlurmCluster({ accounting })
      env = { ...cluster.env, HOME: dir, USER: "root", PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_RESULTS_DIR: path.join(dir, "results"), PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "1", PERIOGT_WORKERS: "0", PERIOGT_SCHEDULER_BACKOFF_MS: "100" }
      input = path.join(dir, "units.csv")
      writeInput(input, 12)
    }, 300_000)

    afterAll(() => {
      cluster?.stop()
      if (dir !== "" && process.env["PERIOGT_TEST_KEEP"] === undefined) fs.rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    test("auto picks Slurm; array %2; a task cancelled with scancel is resumed; collect equals one batch; a second property's run is independent", async () => {
      const c = cluster as SlurmCluster
      const dry = await periogt(["submit", "--input", input, "--property", "eps", "--shards", "4", "--max-running", "2", "--dry-run", ...SETS], env)
      expect(dry.code).toBe(0)
      expect(dry.stderr).toContain("scheduler slurm: sbatch is at")
      expect(dry.stdout).toMatch(/sbatch --parsable --job-name=\S+ --chdir=\S+ --array=0-3%2 /)
      expect(dry.stdout).toContain("periogt_run batch --run")
      expect(fs.existsSync(path.join(dir, "results", "runs"))).toBe(false)

      const run = await submit(["--input", input, "--property", "eps", "--shards", "4", "--max-running", "2", ...SETS], env)
      const ledger = JSON.parse(fs.readFileSync(path.join(run, "run.json"), "utf8"))
      expect(ledger.scheduler).toBe("slurm")
      const arrayId = ledger.shards[0].job_id.split("_")[0]
      expect(ledger.shards.map((s: { job_id: string }) => s.job_id)).toEqual([0, 1, 2, 3].map((i) => `${arrayId}_${i}`))
      const cancel = Bun.spawnSync(["scancel", `${arrayId}_3`], { env: c.env, stderr: "pipe" })
      expect(cancel.exitCode).toBe(0)
      const other = await submit(["--input", input, "--property", "egc", "--shards", "2", ...SETS], env)

      const v = await waitJobs(run, env)
      const logOf = () => fs.readdirSync(path.join(run, "logs")).map((f) => `${f}:\n${fs.readFileSync(path.join(run, "logs", f), "utf8").slice(-1500)}`).join("\n")
      expect({ states: v.shards.map((s) => s.state), logs: v.shards.slice(0, 3).every((s) => s.state === "completed") ? "" : logOf() }).toEqual({ states: ["completed", "completed", "completed", "cancelled"], logs: "" })
      const refused = await periogt(["collect", run], env)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain("shard 3 (cancelled")
      const resumed = await periogt(["submit", "--resume", run], env)
      expect(resumed.code).toBe(0)
      const after = JSON.parse(fs.readFileSync(path.join(run, "run.json"), "utf8"))
      expect(after.shards[3].job_ids).toHaveLength(2)
      expect(after.shards[0].job_ids).toHaveLength(1)
      const done = await waitJobs(run, env)
      expect(done.shards.map((s) => s.state)).toEqual(["completed", "completed", "completed", "completed"])
      if (accounting) {
        const sacct = Bun.spawnSync(["sacct", "-X", "--parsable2", "--noheader", "--format=JobID,State", "-j", arrayId], { env: c.env, stdout: "pipe" })
        expect(sacct.stdout.toString().trim().split("\n").sort()).toEqual([0, 1, 2].map((i) => `${arrayId}_${i}|COMPLETED`))
      }
      const logs = fs.readdirSync(path.join(run, "logs"))
      expect(logs.length).toBeGreaterThanOrEqual(4)
      const log0 = fs.readFileSync(path.join(run, "logs", logs.find((l) => l.endsWith("_0.out"))!), "utf8")
      expect(log0).toContain("(from the ledger")

      const collected = await periogt(["collect", run], env)
      expect(collected.code).toBe(0)
      const reference = path.join(dir, "reference-eps.csv")
      const single = await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], env)
      expect(single.code).toBe(1)
      expect(fs.readFileSync(path.join(dir, "results", "units_eps_predictions.csv"), "utf8")).toBe(fs.readFileSync(reference, "utf8"))

      // The other property's run: its own directory, its own outputs, equal to its own batch.
      await waitJobs(other, env)
      expect((await jobs(other, env)).shards.map((s) => s.state)).toEqual(["completed", "completed"])
      expect((await periogt(["collect", other], env)).code).toBe(0)
      const referenceEgc = path.join(dir, "reference-egc.csv")
      expect((await periogt(["batch", "--input", input, "--property", "egc", "--output", referenceEgc], env)).code).toBe(1)
      expect(fs.readFileSync(path.join(dir, "results", "units_egc_predictions.csv"), "utf8")).toBe(fs.readFileSync(referenceEgc, "utf8"))
    }, 600_000)
    test.skipIf(accounting)("--mode individual: one job per shard (PERIOGT_SHARD), each with its own id; collect equals one batch", async () => {
      const run = await submit(["--input", input, "--property", "eps", "--shards", "2", "--mode", "individual", ...SETS], env)
      const ledger = JSON.parse(fs.readFileSync(path.join(run, "run.json"), "utf8"))
      const ids = ledger.shards.map((s: { job_id: string }) => s.job_id)
      expect(ids.every((id: string) => /^\d+$/.test(id))).toBe(true)
      expect(new Set(ids).size).toBe(2)
      expect(ledger.submissions).toHaveLength(2)
      const done = await waitJobs(run, env)
      expect(done.shards.map((s) => s.state)).toEqual(["completed", "completed"])
      const out = path.join(dir, "individual.csv")
      expect((await periogt(["collect", run, "--output", out], env)).code).toBe(0)
      expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(path.join(dir, "reference-eps.csv"), "utf8"))
    }, 300_000)

    test.skipIf(accounting)("a shard past its --time shows timeout and logs 'stopped at walltime' with the resume command; --resume --set time= continues it to the end", async () => {
      // Slurm's smallest limit is a minute, checked every 30 s: the shard gets about 150 s of work at the rate
      // one thread does here. The rate is measured as the difference of two runs (1 800 and 5 400 rows), so
      // the start-up (model loading), which a busy machine stretches most, does not count as work: a rate
      // that includes it is too low, and the shard finishes inside its minute.
      const timed = async (copies: number) => {
        const probe = path.join(dir, `probe-${copies}.csv`)
        writeInput(probe, copies)
        const t0 = performance.now()
        expect((await periogt(["batch", "--input", probe, "--property", "eps", "--output", path.join(dir, `probe-${copies}-out.csv`)], env)).code).toBe(1)
        return (performance.now() - t0) / 1000
      }
      const small = await timed(100)
      const large = await timed(300)
      const rate = (200 * 18) / Math.max(large - small, 0.1)
      const big = path.join(dir, "big.csv")
      const copies = Math.min(20_000, Math.max(300, Math.ceil((rate * 150) / 18)))
      writeInput(big, copies)
      const run = await submit(["--input", big, "--property", "eps", "--shards", "1", "--set", "cpus=1", "--set", "mem=256M", "--set", "time=00:01:00"], env)
      const first = await waitJobs(run, env, undefined, 400_000)
      expect(first.shards[0]!.state).toBe("timeout")
      const doneAtTimeout = first.shards[0]!.rows_done
      expect(doneAtTimeout).toBeGreaterThan(0)
      expect(doneAtTimeout).toBeLessThan(copies * 18)
      const logs = () => fs.readdirSync(path.join(run, "logs")).map((f) => fs.readFileSync(path.join(run, "logs", f), "utf8")).join("\n")
      expect(logs()).toContain(`stopped at walltime: rows done ${doneAtTimeout} of ${copies * 18}`)
      expect(logs()).toContain(`periogt submit --resume ${run}`)
      expect((await periogt(["jobs", run], env)).stdout).toContain(`periogt submit --resume ${run}`)
      const r = await periogt(["submit", "--resume", run, "--set", "time=00:20:00"], env)
      expect(r.code).toBe(0)
      expect(fs.readFileSync(path.join(run, "scripts", "batch-array.sbatch"), "utf8")).toContain("#SBATCH --time=00:20:00")
      const done = await waitJobs(run, env, undefined, 800_000)
      expect(done.shards[0]!.state).toBe("completed")
      const status = JSON.parse(fs.readFileSync(path.join(run, "outputs", "shard-0000.status.json"), "utf8"))
      expect(status.resumed_from).toBe(doneAtTimeout)
      const c = await periogt(["collect", run], env)
      expect(c.code).toBe(0)
      expect(JSON.parse(c.stdout)).toMatchObject({ rows: copies * 18, failed_rows: copies * 2, missing_shards: [] })
    }, 1_200_000)
  })
}

suite(false)
suite(true)
