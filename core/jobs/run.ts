import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import type { PeriogtError } from "../errors/index.ts"
import { ResumableOutput } from "../io/resumableOutput.ts"
import { isFinal, type JobState, type JobStatus } from "./Executor.ts"
import { nowIso, readShardStatus, updateLedger, type Ledger, type ShardEntry } from "./ledger.ts"
import { executorFor } from "./registry.ts"

/** The runs directory of a results directory. */
export const runsDir = (resultsDir: string) => path.join(resultsDir, "runs")

/** A run given as a path or as a run id under `<results_dir>/runs`. */
export const resolveRun = (run: string, resultsDir: string): string => {
  const direct = path.resolve(run)
  if (fs.existsSync(path.join(direct, "run.json"))) return direct
  const byId = path.join(runsDir(resultsDir), run)
  return fs.existsSync(path.join(byId, "run.json")) ? byId : direct
}

/** Rows a shard has done: its status file when complete, else its resumable batch's progress journal. */
export const rowsDone = (runDir: string, s: ShardEntry): number => {
  const status = readShardStatus(runDir, s.index)
  if (status?.complete === true) return status.rows_done
  try {
    const lines = fs.readFileSync(ResumableOutput.journalPath(path.join(runDir, s.output)), "utf8").trim().split("\n")
    for (let k = lines.length - 1; k >= 1; k--) {
      try {
        const c = JSON.parse(lines[k]!) as { rows?: number }
        if (Number.isInteger(c.rows)) return c.rows!
      } catch {
        // torn last line
      }
    }
  } catch {
    // not started
  }
  return status?.rows_done ?? 0
}

/**
 * A shard's state from the scheduler's answer and the shard's own status file: a shard whose batch
 * completed is completed whatever the scheduler still says or forgot; a job the scheduler no longer
 * knows keeps its last known state.
 */
const decide = (s: ShardEntry, answer: JobStatus | undefined, complete: boolean): { state: JobState; raw?: string; exit?: string } => {
  // The shard's output is complete: completed, whatever the scheduler says of a job that ended (a job
  // that finished its rows as its time ran out ends TIMEOUT) or forgot.
  if (complete && answer?.state !== "queued" && answer?.state !== "running") return { state: "completed", raw: answer === undefined ? "shard complete" : `${answer.raw}; the shard's output is complete` }
  if (answer === undefined) return { state: s.state, ...(s.state_raw === undefined ? {} : { raw: s.state_raw }) }
  // The job ended "completed" but its batch did not finish (it was stopped): say so.
  if (answer.state === "completed" && !complete) return { state: "failed", raw: `${answer.raw}, but the shard's batch did not complete`, ...(answer.exitCode === undefined ? {} : { exit: answer.exitCode }) }
  return { state: answer.state, raw: answer.raw, ...(answer.exitCode === undefined ? {} : { exit: answer.exitCode }) }
}

export interface Refreshed {
  readonly ledger: Ledger
  /** The scheduler could not be asked: the states shown are the last known ones. */
  readonly pollError: string | undefined
}

/** Asks the scheduler once about every shard not yet final, folds in the shards' status files, records it in the ledger. */
export const refreshRun = (runDir: string, ledger: Ledger): Effect.Effect<Refreshed, PeriogtError> =>
  Effect.gen(function* () {
    const executor = executorFor(ledger.scheduler)
    const ids = ledger.shards.filter((s) => s.job_id !== undefined && !isFinal(s.state)).map((s) => s.job_id!)
    let pollError: string | undefined
    const answers = yield* executor.status(ids, runDir).pipe(
      Effect.catch((e) => {
        pollError = e.message
        return Effect.succeed(new Map<string, JobStatus>())
      }),
    )
    const { ledger: updated } = yield* updateLedger(runDir, (l) => {
      const at = nowIso()
      if (pollError === undefined) {
        l.polled_at = at
        delete l.poll_error
      } else l.poll_error = pollError
      for (const s of l.shards) {
        const status = readShardStatus(runDir, s.index)
        const complete = status?.complete === true
        s.rows_done = rowsDone(runDir, s)
        if (status !== undefined) s.failed_rows = status.failed_rows
        if (s.job_id === undefined) continue
        if (isFinal(s.state) && !(complete && s.state !== "completed")) continue
        const d = decide(s, pollError === undefined ? answers.get(s.job_id) : undefined, complete)
        if (d.state !== s.state || d.raw !== s.state_raw) s.state_at = at
        s.state = d.state
        if (d.raw !== undefined) s.state_raw = d.raw
        if (d.exit !== undefined) s.exit_code = d.exit
      }
    })
    return { ledger: updated, pollError }
  })

/** Shards `submit --resume` submits again: every one not completed and not queued or running. */
export const shardsToResume = (l: Ledger): ShardEntry[] => l.shards.filter((s) => s.state !== "completed" && s.state !== "queued" && s.state !== "running")

/** Recent runs under `<results_dir>/runs`, newest first. */
export const listRuns = (resultsDir: string): string[] => {
  const dir = runsDir(resultsDir)
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((d) => fs.existsSync(path.join(d, "run.json")))
    .sort((a, b) => fs.statSync(path.join(b, "run.json")).mtimeMs - fs.statSync(path.join(a, "run.json")).mtimeMs)
}
