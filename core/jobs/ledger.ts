import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result, Schema } from "effect"
import { acquireLock } from "../artifacts/setup/lock.ts"
import { InternalError, ValidationError, type PeriogtError } from "../errors/index.ts"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import { JOB_STATES } from "./Executor.ts"

/**
 * The run ledger, `<results_dir>/runs/<run-id>/run.json`: everything `jobs`, `collect`, `cancel` and
 * `submit --resume` need, written atomically (a sibling temporary file, flushed, renamed) and only
 * by the login-node commands, under a lock. Shard tasks never write it: each writes its own status
 * file (`outputs/shard-NNNN.status.json`), which the login-node commands fold in.
 */
export const LEDGER_FORMAT = "periogt-run/1"

const Int = Schema.Int
const State = Schema.Literals(JOB_STATES)

export const Submission = Schema.Struct({
  at: Schema.String,
  command: Schema.String,
  shards: Schema.Array(Int),
  job_ids: Schema.Array(Schema.String),
})

export const ShardEntry = Schema.Struct({
  index: Int,
  /** Relative to the run directory. */
  file: Schema.String,
  output: Schema.String,
  /** The global number (1-based, as `batch` numbers rows) of the shard's first row. */
  first_row: Int,
  rows: Int,
  /** The line of the whole input where the shard's first record starts. */
  first_line: Int,
  job_id: Schema.optionalKey(Schema.String),
  job_ids: Schema.Array(Schema.String),
  state: State,
  state_raw: Schema.optionalKey(Schema.String),
  state_at: Schema.optionalKey(Schema.String),
  exit_code: Schema.optionalKey(Schema.String),
  rows_done: Schema.optionalKey(Int),
  failed_rows: Schema.optionalKey(Int),
})
export type ShardEntry = typeof ShardEntry.Type

export const CollectSummary = Schema.Struct({
  at: Schema.String,
  output: Schema.String,
  partial: Schema.Boolean,
  rows: Int,
  lines: Int,
  failed_rows: Int,
  failures_by_rule: Schema.Record(Schema.String, Int),
  missing_shards: Schema.Array(Int),
  shards: Schema.Array(Schema.Struct({ index: Int, rows: Int, rows_per_s: Schema.NullOr(Schema.Number), device: Schema.NullOr(Schema.String) })),
})
export type CollectSummary = typeof CollectSummary.Type

export const Ledger = Schema.Struct({
  format: Schema.Literal(LEDGER_FORMAT),
  id: Schema.String,
  created: Schema.String,
  updated: Schema.String,
  periogt_version: Schema.String,
  input: Schema.Struct({ path: Schema.String, sha256: Schema.String, rows: Int, bytes: Int }),
  properties: Schema.Array(Schema.String),
  property_arg: Schema.String,
  scheduler: Schema.Literals(["slurm", "pbs", "torque", "local"]),
  scheduler_reason: Schema.String,
  mode: Schema.Literals(["array", "individual"]),
  max_running: Int,
  cluster: Schema.String,
  sets: Schema.Array(Schema.String),
  /** The job script submitted (absent for the local executor) and the directory of the rendered scripts. */
  script: Schema.optionalKey(Schema.String),
  scripts_dir: Schema.optionalKey(Schema.String),
  resources: Schema.optionalKey(Schema.Struct({ cpus: Int, mem: Schema.String, gpus: Int, time: Schema.String })),
  /** The environment the jobs get besides RUN_DIR (PERIOGT_* paths, the executable). */
  job_env: Schema.Record(Schema.String, Schema.String),
  shards: Schema.Array(ShardEntry),
  submissions: Schema.Array(Submission),
  /** When the scheduler was last asked, and whether it answered. */
  polled_at: Schema.optionalKey(Schema.String),
  poll_error: Schema.optionalKey(Schema.String),
  cancelled_at: Schema.optionalKey(Schema.String),
  collected: Schema.optionalKey(CollectSummary),
})
export type Ledger = typeof Ledger.Type

/** A mutable copy to edit before writing back. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends ReadonlyArray<infer U> ? Array<Mutable<U>> : T[K] extends object ? Mutable<T[K]> : T[K] }

export const ledgerPath = (runDir: string) => path.join(runDir, "run.json")
export const statusPath = (runDir: string, index: number) => path.join(runDir, "outputs", `${shardName(index)}.status.json`)
export const shardName = (index: number) => `shard-${String(index).padStart(4, "0")}`

export const nowIso = () => new Date().toISOString()

export const readLedger = (runDir: string): Result.Result<Ledger, PeriogtError> => {
  const file = ledgerPath(runDir)
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch {
    return Result.fail(new ValidationError({ message: `${runDir} is not a periogt run: ${file} cannot be read`, action: "give a run directory made by periogt submit (periogt jobs lists the recent runs)", details: { run: runDir } }))
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(new InternalError({ message: `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, action: "the ledger is written atomically; a damaged one was edited by hand: restore it", details: { path: file } }))
  }
  const decoded = Schema.decodeUnknownResult(Ledger)(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(new ValidationError({ message: `${file} is not a ledger this periogt reads: ${decoded.failure.message}`, action: "use the periogt version that made the run", details: { path: file } }))
  }
  return Result.succeed(decoded.success)
}

export const writeLedger = (runDir: string, ledger: Ledger): void => {
  const encoded = Schema.encodeSync(Ledger)({ ...ledger, updated: nowIso() })
  writeFileAtomic(ledgerPath(runDir), JSON.stringify(encoded, null, 2) + "\n")
}

/** Reads the ledger under the run's lock, lets `edit` change a copy, writes it back atomically. */
export const updateLedger = <A>(runDir: string, edit: (l: Mutable<Ledger>) => A): Effect.Effect<{ readonly ledger: Ledger; readonly value: A }, PeriogtError> =>
  Effect.gen(function* () {
    const lock = yield* Effect.promise(() => acquireLock(path.join(runDir, ".run.lock"), () => undefined))
    try {
      const read = readLedger(runDir)
      if (Result.isFailure(read)) return yield* Effect.fail(read.failure)
      const copy = structuredClone(read.success) as Mutable<Ledger>
      const value = edit(copy)
      yield* Effect.try({ try: () => writeLedger(runDir, copy as Ledger), catch: (e) => new InternalError({ message: `cannot write ${ledgerPath(runDir)}: ${e instanceof Error ? e.message : String(e)}`, action: "check the run directory is writable", cause: e }) })
      return { ledger: copy as Ledger, value }
    } finally {
      lock.release()
    }
  })

/** What a shard task writes about itself (atomically), read by `jobs` and `collect`. */
export const ShardStatus = Schema.Struct({
  index: Int,
  complete: Schema.Boolean,
  rows: Int,
  rows_done: Int,
  failed_rows: Int,
  started_at: Schema.String,
  /** Rows already done when this attempt started (a resumed shard). */
  resumed_from: Int,
  finished_at: Schema.optionalKey(Schema.String),
  seconds: Schema.optionalKey(Schema.Number),
  device: Schema.optionalKey(Schema.String),
  host: Schema.optionalKey(Schema.String),
  job_id: Schema.optionalKey(Schema.String),
  stopped: Schema.optionalKey(Schema.Boolean),
})
export type ShardStatus = typeof ShardStatus.Type

export const readShardStatus = (runDir: string, index: number): ShardStatus | undefined => {
  try {
    const r = Schema.decodeUnknownResult(ShardStatus)(JSON.parse(fs.readFileSync(statusPath(runDir, index), "utf8")))
    return Result.isSuccess(r) ? r.success : undefined
  } catch {
    return undefined
  }
}

export const writeShardStatus = (runDir: string, s: ShardStatus): void => writeFileAtomic(statusPath(runDir, s.index), JSON.stringify(s) + "\n")
