import { afterAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Exit, Result } from "effect"
import { runScheduler } from "../../core/jobs/command.ts"
import { pickScheduler } from "../../core/jobs/registry.ts"
import { slurmExecutor } from "../../core/jobs/slurm/index.ts"
import { tempDir } from "../support/binary.ts"

/**
 * Scheduler commands: transient errors retried with backoff, a rejection quoted as a validation_error;
 * the `auto` picker's choice and reason (stand-in commands on PATH).
 */
const dir = tempDir("jobs-command")
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
process.env["PERIOGT_SCHEDULER_BACKOFF_MS"] = "10"

const stand = (name: string, body: string) => {
  const bin = path.join(dir, `bin-${name}-${Math.random().toString(36).slice(2)}`)
  fs.mkdirSync(bin)
  fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 })
  return bin
}

const withPath = async <A>(bin: string, f: () => Promise<A>): Promise<A> => {
  const saved = process.env["PATH"]
  process.env["PATH"] = `${bin}:/usr/bin:/bin`
  try {
    return await f()
  } finally {
    process.env["PATH"] = saved
  }
}

test("'Socket timed out' twice, then the job id: submitted after retries", async () => {
  const count = path.join(dir, "count")
  const bin = stand("sbatch", `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n + 1)) > ${count}\nif [[ $n -lt 2 ]]; then echo "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation" >&2; exit 1; fi\necho "77;cluster"`)
  const r = await withPath(bin, () =>
    Effect.runPromise(slurmExecutor().submit({ runDir: dir, script: "/x.sbatch", mode: "array", shards: [0, 1], maxRunning: 0, logDir: dir, name: "t", env: {} })),
  )
  expect([...r.jobIds]).toEqual([[0, "77_0"], [1, "77_1"]])
  expect(fs.readFileSync(count, "utf8").trim()).toBe("3")
})

test("a rejection is a validation_error quoting the scheduler, not retried", async () => {
  const count = path.join(dir, "count2")
  const bin = stand("sbatch", `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n + 1)) > ${count}\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1`)
  const exit = await withPath(bin, () => Effect.runPromiseExit(runScheduler({ argv: ["sbatch", "x"], env: {}, shards: [0] }, { what: "sbatch", rejection: true })))
  expect(Exit.isFailure(exit)).toBe(true)
  const e = Exit.isFailure(exit) ? (exit.cause.toJSON() as unknown) : undefined
  expect(JSON.stringify(e)).toContain("validation_error")
  expect(JSON.stringify(e)).toContain("Invalid partition name specified")
  expect(fs.readFileSync(count, "utf8").trim()).toBe("1")
})

test("auto: a controller answering → slurm; sbatch without one and no qstat → local, saying why; qstat --version → PBS Pro or Torque", () => {
  const saved = process.env["PATH"]
  try {
    process.env["PATH"] = `${stand("sbatch", "exit 0")}:/bin`
    const up = pickScheduler((argv) => (argv[0] === "scontrol" ? { code: 0, out: "Slurmctld(primary) at head is UP\n" } : undefined))
    expect(up.name).toBe("slurm")
    expect(up.reason).toContain("scontrol ping")
    const down = pickScheduler((argv) => (argv[0] === "scontrol" ? { code: 1, out: "slurm_load_ctl_conf error: Unable to contact slurm controller" } : undefined))
    expect(down.name).toBe("local")
    expect(down.reason).toContain("no Slurm controller answers")
    process.env["PATH"] = "/nonexistent"
    expect(pickScheduler((argv) => (argv[0] === "qstat" ? { code: 0, out: "pbs_version = 2022.1.4\n" } : undefined))).toMatchObject({ name: "pbs" })
    expect(pickScheduler((argv) => (argv[0] === "qstat" ? { code: 0, out: "Version: 6.1.3\nCommit: abc\n" } : undefined))).toMatchObject({ name: "torque" })
    expect(pickScheduler(() => undefined)).toMatchObject({ name: "local", reason: expect.stringContaining("neither sbatch nor qstat is on PATH") })
  } finally {
    process.env["PATH"] = saved
  }
})

test("a scheduler that does not answer: retried, then the last known states are kept and the failure recorded", async () => {
  const { writeLedger, readLedger, LEDGER_FORMAT } = await import("../../core/jobs/ledger.ts")
  const { refreshRun } = await import("../../core/jobs/run.ts")
  const run = path.join(dir, "run-unanswered")
  fs.mkdirSync(run, { recursive: true })
  writeLedger(run, {
    format: LEDGER_FORMAT, id: "r", created: "2026-01-01T00:00:00.000Z", updated: "", periogt_version: "t",
    input: { path: "/x.csv", sha256: "0".repeat(64), rows: 2, bytes: 10 }, properties: ["eps"], property_arg: "eps",
    scheduler: "slurm", scheduler_reason: "--scheduler", mode: "array", max_running: 0, cluster: "generic", sets: [], job_env: {},
    shards: [{ index: 0, file: "shards/shard-0000.csv", output: "outputs/shard-0000_eps_predictions.csv", first_row: 1, rows: 2, first_line: 2, job_id: "5_0", job_ids: ["5_0"], state: "running", state_raw: "RUNNING" }],
    submissions: [], polled_at: "2026-01-01T00:00:00.000Z",
  })
  const count = path.join(dir, "count3")
  const bin = stand("squeue", `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n + 1)) > ${count}\necho "squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation" >&2; exit 1`)
  fs.writeFileSync(path.join(bin, "sacct"), "#!/bin/bash\necho 'sacct: error: Problem talking to the database: Connection refused' >&2\nexit 1\n", { mode: 0o755 })
  const before = readLedger(run)
  if (Result.isFailure(before)) throw before.failure
  const r = await withPath(bin, () => Effect.runPromise(refreshRun(run, before.success)))
  expect(r.pollError).toContain("Socket timed out")
  expect(Number(fs.readFileSync(count, "utf8"))).toBe(4)
  expect(r.ledger.shards[0]).toMatchObject({ state: "running", state_raw: "RUNNING" })
  expect(r.ledger.polled_at).toBe("2026-01-01T00:00:00.000Z")
  expect(r.ledger.poll_error).toContain("Socket timed out")
})
