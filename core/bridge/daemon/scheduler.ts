import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result, Schema } from "effect"
import type { PeriogtConfig } from "../../config/index.ts"
import { InternalError, makeError, type PeriogtError } from "../../errors/index.ts"
import type { JobStatus, SchedulerName } from "../../jobs/Executor.ts"
import { runScheduler } from "../../jobs/command.ts"
import { localDir, localJobId } from "../../jobs/local/index.ts"
import { nowIso, readLedger, readShardStatus, updateLedger, type Ledger } from "../../jobs/ledger.ts"
import { expandArrayId } from "../../jobs/slurm/index.ts"
import { shortPbsId } from "../../jobs/pbs/index.ts"
import { listRuns } from "../../jobs/run.ts"
import { selfCommand } from "../../jobs/self.ts"
import type { BridgeProfile } from "./config.ts"

/**
 * How the bridge hands a job to the cluster: `periogt submit` itself, as a child process, with the
 * job's own results directory (`<job dir>/results`, so the run is the only one in its `runs/`), the
 * profile's cluster and `--set`s, and one shard. Reusing `submit` keeps one way of writing the ledger,
 * the shard and the job scripts (the same adapters as `periogt gen`), and the ledger is written before
 * the scheduler is called: a bridge killed at any moment finds on disk how far the submission got.
 */
export const SubmitAnswer = Schema.Struct({ run: Schema.String, id: Schema.String, scheduler: Schema.String, shards: Schema.Number, job_ids: Schema.Array(Schema.String) })
export type SubmitAnswer = typeof SubmitAnswer.Type

const ErrorLine = Schema.Struct({ error: Schema.Struct({ code: Schema.String, message: Schema.String, action: Schema.optionalKey(Schema.String) }) })

/** Settings given to the bridge as flags reach its `periogt submit` children as their variables. */
const FLAG_ENV: ReadonlyArray<readonly [keyof PeriogtConfig, string]> = [
  ["baseDir", "PERIOGT_BASE_DIR"],
  ["checkpointDir", "PERIOGT_CHECKPOINT_DIR"],
  ["cacheDir", "PERIOGT_CACHE_DIR"],
  ["device", "PERIOGT_DEVICE"],
  ["threads", "PERIOGT_THREADS"],
  ["workers", "PERIOGT_WORKERS"],
]

export const childEnv = (app: PeriogtConfig): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  for (const [key, name] of FLAG_ENV) {
    const s = app[key] as { value: unknown; source: { kind: string } } | undefined
    if (s !== undefined && s.source.kind === "flag") env[name] = String(s.value)
  }
  return env
}

export interface Child {
  readonly pid: number
  readonly done: Promise<{ code: number; stdout: string; stderr: string }>
}

/** Starts `periogt <args>` in its own process group (a Ctrl-C meant for the bridge never cuts a submission short). */
export const startPeriogt = (args: ReadonlyArray<string>, app: PeriogtConfig, logFile: string): Child => {
  const argv = [...selfCommand(), ...(app.configFile === undefined ? [] : ["--config", app.configFile]), ...args]
  fs.mkdirSync(path.dirname(logFile), { recursive: true })
  const p = Bun.spawn(argv, { env: childEnv(app), stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true })
  const done = Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(([stdout, stderr, code]) => {
    try {
      fs.appendFileSync(logFile, `$ periogt ${args.join(" ")}\n${stderr}${stdout}exit ${code}\n`)
    } catch {
      // the log is a convenience
    }
    return { stdout, stderr, code }
  })
  return { pid: p.pid, done }
}

/** The `submit` arguments of a job of `profile` on the staged input. */
export const submitArgs = (input: string, property: string, resultsDir: string, profile: BridgeProfile): string[] => [
  "submit",
  "--input",
  input,
  "--property",
  property,
  "--shards",
  "1",
  "--scheduler",
  profile.scheduler,
  "--results-dir",
  resultsDir,
  ...(profile.cluster === undefined ? [] : ["--cluster", profile.cluster]),
  ...profile.sets.flatMap((s) => ["--set", s]),
]

/** A finished `periogt submit`/`--resume`: its JSON answer, or its error with the child's own code. */
export const submitOutcome = (r: { code: number; stdout: string; stderr: string }): Result.Result<SubmitAnswer, PeriogtError> => {
  if (r.code === 0) {
    const line = r.stdout.trim().split("\n").pop() ?? ""
    try {
      const a = JSON.parse(line) as Record<string, unknown>
      if (a["resubmitted"] === 0) return Result.fail(new InternalError({ message: "periogt submit --resume had nothing to resubmit", action: "see the run's ledger", details: { reason: "nothing_resubmitted" } }))
      return Result.succeed(Schema.decodeUnknownSync(SubmitAnswer)(a))
    } catch {
      return Result.fail(new InternalError({ message: `periogt submit's answer is not understood: ${line.slice(0, 200)}`, action: "see the bridge's submit log", details: { reason: "submit_bad_answer" } }))
    }
  }
  const errLine = r.stderr.split("\n").reverse().find((l) => l.startsWith('{"error"'))
  if (errLine !== undefined) {
    try {
      const e = Schema.decodeUnknownSync(ErrorLine)(JSON.parse(errLine)).error
      const known = ["validation_error", "unsupported_property", "checkpoint_missing", "checksum_mismatch", "model_load_failed", "cuda_unavailable", "gpu_unsupported", "driver_incompatible", "internal_error"]
      return Result.fail(makeError((known.includes(e.code) ? e.code : "internal_error") as "internal_error", { message: e.message, ...(e.action === undefined ? {} : { action: e.action }), details: { reason: "submit_failed" } }))
    } catch {
      // fall through
    }
  }
  return Result.fail(new InternalError({ message: `periogt submit exited ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`, action: "see the bridge's submit log", details: { reason: "submit_failed" } }))
}

/** The run `periogt submit` made in a job's results directory (there is at most one). */
export const runOf = (resultsDir: string): { dir: string; ledger: Ledger } | undefined => {
  for (const dir of listRuns(resultsDir)) {
    const l = readLedger(dir)
    if (Result.isSuccess(l)) return { dir, ledger: l.success }
  }
  return undefined
}

/** The job name `periogt submit` gives a run's jobs (core/commands/submit.ts `request`). */
export const jobNameOf = (l: Ledger) => `periogt-${l.id.slice(0, 40)}`

/**
 * After a restart: the run's jobs, looked up in the scheduler by the job name submit gave them, for a
 * run whose ledger never got its job ids (the bridge, or submit, died between the scheduler's call and
 * the record). Empty when the scheduler has nothing by that name: nothing was submitted.
 */
export const findSubmitted = (runDir: string, l: Ledger): Effect.Effect<ReadonlyArray<string>, PeriogtError> =>
  Effect.gen(function* () {
    const name = jobNameOf(l)
    const scheduler: SchedulerName = l.scheduler
    if (scheduler === "local") {
      // The local executor writes driver.pid right after starting its driver: present → started.
      return fs.existsSync(path.join(localDir(runDir), "driver.pid")) ? l.shards.map((s) => localJobId(s.index)) : []
    }
    if (scheduler === "slurm") {
      const ids = new Set<string>()
      // -t all: a job that already finished stays in the controller's memory for MinJobAge (300 s by default).
      const squeue = yield* runScheduler({ argv: ["squeue", "-h", "-r", "-t", "all", "-o", "%i", `--name=${name}`], env: {}, shards: [] }, { what: "squeue --name" })
      for (const line of squeue.stdout.split("\n")) for (const id of expandArrayId(line.trim())) if (id !== "") ids.add(id)
      // Finished jobs leave squeue; accounting (when there is any) still knows them.
      const sacct = yield* runScheduler({ argv: ["sacct", "-X", "-n", "-P", "-o", "JobID", `--name=${name}`, "-S", "now-7days"], env: {}, shards: [] }, { what: "sacct --name", tries: 1 }).pipe(Effect.map((r) => r.stdout), Effect.catch(() => Effect.succeed("")))
      for (const line of sacct.split("\n")) for (const id of expandArrayId(line.trim())) if (id !== "") ids.add(id)
      return ids.size > 0 ? [...ids] : ranAs(runDir, l)
    }
    const q = yield* runScheduler({ argv: ["qselect", "-N", name, ...(scheduler === "pbs" ? ["-x"] : [])], env: {}, shards: [] }, { what: "qselect -N" })
    const found = q.stdout
      .split("\n")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map((x) => shortPbsId(x).replace(/\[\]$/, "[0]"))
    return found.length > 0 ? found : ranAs(runDir, l)
  })

/**
 * The job ids the run's shards wrote into their own status files when they started: proof that a
 * job ran even after the scheduler has forgotten it (no accounting, past MinJobAge).
 */
const ranAs = (runDir: string, l: Ledger): string[] => {
  const ids = l.shards.map((s) => readShardStatus(runDir, s.index)?.job_id)
  return ids.every((x): x is string => x !== undefined) ? ids : []
}

/** Records job ids found again in the run's ledger, so `periogt jobs RUN` and `collect` see them too. */
export const adoptIntoLedger = (runDir: string, jobIds: ReadonlyArray<string>) =>
  updateLedger(runDir, (m) => {
    const at = nowIso()
    for (const [k, s] of m.shards.entries()) {
      const id = jobIds[k] ?? jobIds[0]
      if (id === undefined || s.job_id !== undefined) continue
      s.job_id = id
      s.job_ids.push(id)
      s.state = "queued"
      s.state_raw = "found again by its job name after the bridge restarted"
      s.state_at = at
    }
    m.submissions.push({ at, command: `(found in the scheduler by name ${jobNameOf(m as Ledger)})`, shards: m.shards.map((s) => s.index), job_ids: [...jobIds] })
  })

export type Observation =
  | { readonly kind: "queued" | "running" | "unknown"; readonly raw: string }
  | { readonly kind: "complete"; readonly raw: string }
  | { readonly kind: "failed"; readonly reason: string; readonly raw: string }

/**
 * A job's state from the scheduler's answer and the shard's own status file (as `periogt jobs` reads
 * it): a batch that completed is complete whatever the scheduler still says or forgot; a job that
 * ended "completed" while its batch did not is a failure; a job the scheduler does not know yet is
 * unknown (the next cycle asks again).
 */
export const observe = (answer: JobStatus | undefined, complete: boolean): Observation => {
  if (complete && answer?.state !== "queued" && answer?.state !== "running") return { kind: "complete", raw: answer === undefined ? "batch complete" : `${answer.raw}; batch complete` }
  if (answer === undefined) return { kind: "unknown", raw: "the scheduler does not know the job (yet)" }
  switch (answer.state) {
    case "queued":
      return { kind: "queued", raw: answer.raw }
    case "running":
      return { kind: "running", raw: answer.raw }
    case "unknown":
      return { kind: "unknown", raw: answer.raw }
    case "completed":
      return { kind: "failed", reason: "batch_incomplete", raw: `${answer.raw}, but the batch did not complete` }
    default:
      return { kind: "failed", reason: `scheduler_${answer.state}`, raw: answer.raw + (answer.exitCode === undefined ? "" : ` (exit ${answer.exitCode})`) }
  }
}
