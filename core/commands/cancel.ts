import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { isFinal } from "../jobs/Executor.ts"
import { nowIso, readLedger, updateLedger } from "../jobs/ledger.ts"
import { executorFor } from "../jobs/registry.ts"
import { refreshRun, resolveRun } from "../jobs/run.ts"

/** `periogt cancel RUN`: cancels every job of the run not yet final (one scheduler command). */
export const cancelProgram = (o: { readonly run?: string }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const runDir = resolveRun(o.run ?? "", config.resultsDir.value)
    const read = readLedger(runDir)
    if (Result.isFailure(read)) return yield* Effect.fail(read.failure)
    const { ledger } = yield* refreshRun(runDir, read.success)
    const live = ledger.shards.filter((s) => s.job_id !== undefined && !isFinal(s.state))
    if (live.length === 0) {
      log.info(`run ${ledger.id}: no job is queued or running: nothing to cancel`)
      process.stdout.write(JSON.stringify({ run: runDir, cancelled: [] }) + "\n")
      return EXIT.success
    }
    yield* executorFor(ledger.scheduler).cancel(live.map((s) => s.job_id!), runDir)
    yield* updateLedger(runDir, (l) => {
      l.cancelled_at = nowIso()
    })
    log.info(`run ${ledger.id}: cancelled ${live.length} job(s): ${live.map((s) => s.job_id).join(" ")}; periogt submit --resume ${runDir} continues them`)
    process.stdout.write(JSON.stringify({ run: runDir, cancelled: live.map((s) => s.job_id) }) + "\n")
    return EXIT.success
  })
