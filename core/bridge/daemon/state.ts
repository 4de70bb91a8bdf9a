import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result, Schema } from "effect"
import { InternalError, ValidationError, type PeriogtError } from "../../errors/index.ts"
import { writeFileAtomic } from "../../io/atomicWrite.ts"
import { lockOutput } from "../../io/outputFile.ts"

/**
 * What the bridge remembers between cycles and across restarts: `<state_dir>/state.json`, one entry per
 * hub job it claimed and has not yet finished, written atomically (sibling temporary file, fsync, rename)
 * after every step that must not be repeated. The lock beside it (`state.json.lock`: host, pid, start
 * time) keeps two bridges off one state directory; a lock left by a dead process is taken over.
 *
 * The submission is recorded twice: `submitting` before the scheduler is called (with the pid of the
 * `periogt submit` doing it) and `submitted` after, with its job ids. A bridge killed in between finds
 * `submitting` on restart and looks for the run and its jobs before submitting anything again.
 */
export const STATE_FORMAT = "periogt-bridge/1"

export const PHASES = ["claimed", "staged", "submitting", "submitted", "collected", "uploaded", "finished"] as const
export type Phase = (typeof PHASES)[number]

export const HUB_STATUSES = ["CLAIMED", "SUBMITTED", "STARTED", "COMPLETED", "FAILED", "CANCELLED"] as const
export type HubStatus = (typeof HUB_STATUSES)[number]

export const Submission = Schema.Struct({
  /** `<job dir>/results`: the `periogt submit` run lands in its `runs/`, the only run there. */
  results_dir: Schema.String,
  started_at: Schema.String,
  /** The `periogt submit` process doing it, while `submitting`. */
  pid: Schema.optionalKey(Schema.Int),
  /** Its start time (/proc/<pid>/stat), so a reused pid is not taken for it. */
  pid_start: Schema.optionalKey(Schema.String),
  attempts: Schema.Int,
  run_dir: Schema.optionalKey(Schema.String),
  scheduler: Schema.optionalKey(Schema.String),
  job_ids: Schema.optionalKey(Schema.Array(Schema.String)),
  /** How the job ids were learnt: from submit's answer, or found again after a restart. */
  found_by: Schema.optionalKey(Schema.String),
})
export type Submission = typeof Submission.Type

export const TrackedJob = Schema.Struct({
  id: Schema.String,
  processor: Schema.String,
  profile: Schema.String,
  property: Schema.String,
  inputs: Schema.Array(Schema.String),
  claimed_at: Schema.String,
  /** The job's own wall-clock limit from its claim (the hub's `timeout_seconds`). */
  timeout_seconds: Schema.optionalKey(Schema.Number),
  phase: Schema.Literals(PHASES),
  /** The last status the hub accepted for this job. */
  hub_status: Schema.Literals(HUB_STATUSES),
  /** What the bridge wants the hub to show next (posted until the hub accepts it). */
  want: Schema.optionalKey(Schema.Literals(HUB_STATUSES)),
  detail: Schema.optionalKey(Schema.String),
  dir: Schema.String,
  input: Schema.optionalKey(Schema.String),
  input_sha256: Schema.optionalKey(Schema.String),
  submission: Schema.optionalKey(Submission),
  scheduler_state: Schema.optionalKey(Schema.String),
  scheduler_raw: Schema.optionalKey(Schema.String),
  /** Since when the scheduler has not known the job (its batch not complete). */
  unknown_since: Schema.optionalKey(Schema.String),
  /** The last progress relayed to the hub (rows done). */
  progress_rows: Schema.optionalKey(Schema.Int),
  /** Rows done as last seen in the batch's progress journal. */
  progress_rows_seen: Schema.optionalKey(Schema.Int),
  rows: Schema.optionalKey(Schema.Int),
  output: Schema.optionalKey(Schema.Struct({ path: Schema.String, name: Schema.String, sha256: Schema.String, bytes: Schema.Int, artifact_id: Schema.optionalKey(Schema.String), committed: Schema.optionalKey(Schema.Boolean) })),
  failure: Schema.optionalKey(Schema.Struct({ reason: Schema.String, detail: Schema.String })),
  simulated: Schema.optionalKey(Schema.Boolean),
  /** Simulated jobs: cycles seen, one state a cycle. */
  sim_step: Schema.optionalKey(Schema.Int),
})
export type TrackedJob = typeof TrackedJob.Type

export const BridgeState = Schema.Struct({
  format: Schema.Literal(STATE_FORMAT),
  worker_id: Schema.String,
  updated: Schema.String,
  jobs: Schema.Array(TrackedJob),
})
export type BridgeState = typeof BridgeState.Type

export const statePath = (stateDir: string) => path.join(stateDir, "state.json")
export const jobDir = (stateDir: string, jobId: string) => path.join(stateDir, "jobs", jobId.replace(/[^A-Za-z0-9_.-]/g, "_"))

export const emptyState = (workerId: string): BridgeState => ({ format: STATE_FORMAT, worker_id: workerId, updated: new Date().toISOString(), jobs: [] })

export const readState = (stateDir: string, workerId: string): Result.Result<BridgeState, PeriogtError> => {
  const file = statePath(stateDir)
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return Result.succeed(emptyState(workerId))
    return Result.fail(new ValidationError({ message: `the bridge's state file ${file} cannot be read: ${(e as Error).message}`, action: "check the state directory's owner and mode", details: { path: file } }))
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(new InternalError({ message: `the bridge's state file ${file} is not valid JSON: ${(e as Error).message}`, action: "it is written atomically, so it was edited by hand: restore it, or move it aside (the jobs it tracked are then found again on the hub)", details: { path: file } }))
  }
  const decoded = Schema.decodeUnknownResult(BridgeState)(json)
  if (Result.isFailure(decoded)) return Result.fail(new ValidationError({ message: `${file} is not a bridge state this periogt reads: ${decoded.failure.message}`, action: "use the periogt version that wrote it, or move it aside", details: { path: file } }))
  if (decoded.success.worker_id !== workerId) {
    return Result.fail(new ValidationError({ message: `${file} belongs to worker ${decoded.success.worker_id}, not ${workerId}`, action: "give each worker id its own bridge.state_dir", details: { path: file, worker_id: decoded.success.worker_id } }))
  }
  return Result.succeed(decoded.success)
}

export const writeState = (stateDir: string, state: BridgeState): void => {
  const encoded = Schema.encodeSync(BridgeState)({ ...state, updated: new Date().toISOString() })
  writeFileAtomic(statePath(stateDir), JSON.stringify(encoded, null, 2) + "\n")
}

/** The state directory's lock for the whole life of a bridge process (released by the scope). */
export const lockStateDir = (stateDir: string) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      try {
        fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 })
      } catch (e) {
        return Effect.fail(new ValidationError({ message: `the bridge's state directory ${stateDir} cannot be created: ${(e as Error).message}`, action: "set bridge.state_dir to a writable directory", details: { path: stateDir } }))
      }
      const lock = lockOutput(statePath(stateDir), "the bridge state")
      return "release" in lock ? Effect.succeed(lock) : Effect.fail(lock)
    }),
    (lock) => Effect.sync(() => lock.release()),
  )

/** A process's start time (clock ticks since boot), where /proc tells it. */
export const processStart = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}

/** Whether the process recorded as (pid, start) still runs (not merely a later process with its pid). */
export const processAlive = (pid: number, start: string | undefined): boolean => {
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false
  }
  const now = processStart(pid)
  if (start === undefined || now === undefined) return true
  return now === start
}
