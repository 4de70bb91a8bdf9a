import type { Effect } from "effect"
import type { PeriogtError } from "../errors/index.ts"

/**
 * One scheduler behind one interface (after facebookincubator/submitit): submit shards, ask the state
 * of many jobs in one query, cancel. One folder per scheduler holds its implementation, its recorded
 * scheduler outputs and its tests; the adapters (core/deploy, adapters/) keep rendering the scripts.
 */
export const JOB_STATES = ["queued", "running", "completed", "failed", "cancelled", "timeout", "preempted", "node_fail", "out_of_memory", "unknown"] as const
export type JobState = (typeof JOB_STATES)[number]

/** States a job never leaves. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(["completed", "failed", "cancelled", "timeout", "preempted", "node_fail", "out_of_memory"])
export const isFinal = (s: JobState) => FINAL_STATES.has(s)

export type SchedulerName = "slurm" | "pbs" | "torque" | "local"
export const SCHEDULERS: ReadonlyArray<SchedulerName> = ["slurm", "pbs", "torque", "local"]

export interface SubmitRequest {
  /** The run directory (holds run.json). */
  readonly runDir: string
  /** The job script to submit (absent for the local executor, which runs periogt directly). */
  readonly script: string | undefined
  readonly mode: "array" | "individual"
  /** Shard indices to submit, ascending. */
  readonly shards: ReadonlyArray<number>
  /** At most this many shards at once. */
  readonly maxRunning: number
  /** Directory for the jobs' logs. */
  readonly logDir: string
  /** A name for the jobs. */
  readonly name: string
  /** Extra resources on the submit line (PBS Pro's select), when the script's directives are another dialect's. */
  readonly resources?: { readonly cpus: number; readonly mem: string; readonly gpus: number }
  /** Environment the jobs get (RUN_DIR and the PERIOGT_* variables). */
  readonly env: Readonly<Record<string, string>>
}

/** One scheduler command, as it is run (and printed by `--dry-run`). */
export interface Command {
  readonly argv: ReadonlyArray<string>
  /** The variables set for it, beyond the caller's environment. */
  readonly env: Readonly<Record<string, string>>
  /** The shards this command submits. */
  readonly shards: ReadonlyArray<number>
}

export interface Submitted {
  /** The scheduler's id of each shard's job (array tasks: `<array id>_<index>` on Slurm, `<id>[<index>]` on PBS). */
  readonly jobIds: ReadonlyMap<number, string>
  readonly commands: ReadonlyArray<Command>
}

export interface JobStatus {
  readonly state: JobState
  /** The scheduler's own word for it (e.g. `CANCELLED by 0`, `F` exit 271). */
  readonly raw: string
  readonly exitCode?: string
}

export interface Executor {
  readonly name: SchedulerName
  /** The commands `submit` would run, without running them (`--dry-run`). */
  readonly plan: (req: SubmitRequest) => ReadonlyArray<Command>
  readonly submit: (req: SubmitRequest) => Effect.Effect<Submitted, PeriogtError>
  /** The states of many jobs in one scheduler query (ids it does not know are absent from the map). */
  readonly status: (jobIds: ReadonlyArray<string>, runDir: string) => Effect.Effect<ReadonlyMap<string, JobStatus>, PeriogtError>
  readonly cancel: (jobIds: ReadonlyArray<string>, runDir: string) => Effect.Effect<void, PeriogtError>
}

/** `0-3,5,7-8`: a sorted index list in the compact range form every scheduler's array option takes. */
export const indexRanges = (indices: ReadonlyArray<number>): string => {
  const out: string[] = []
  let k = 0
  while (k < indices.length) {
    let j = k
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++
    out.push(j === k ? String(indices[k]) : `${indices[k]}-${indices[j]}`)
    k = j + 1
  }
  return out.join(",")
}
