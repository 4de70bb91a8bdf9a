import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT, InternalError, ValidationError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { collectRun } from "../jobs/collect.ts"
import { nowIso, readLedger, updateLedger } from "../jobs/ledger.ts"
import { refreshRun, resolveRun } from "../jobs/run.ts"
import { defaultOutputPath } from "./batch.ts"

export interface CollectOptions {
  readonly run?: string
  readonly output?: string
  readonly partial?: boolean
}

/**
 * `periogt collect RUN [--output F] [--partial]`: merges the shard outputs in input order after checking
 * every (global row, property) is there exactly once; refuses (exit 2, listing the missing or
 * incomplete shards) unless --partial; writes atomically; prints and stores a summary.
 */
export const collectProgram = (o: CollectOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.run === undefined) return yield* new ValidationError({ message: "collect needs a run", action: "periogt collect RUN (periogt jobs lists the recent runs)", details: {} })
    const runDir = resolveRun(o.run, config.resultsDir.value)
    const read = readLedger(runDir)
    if (Result.isFailure(read)) return yield* Effect.fail(read.failure)
    const { ledger } = yield* refreshRun(runDir, read.success)
    const output = o.output === undefined ? defaultOutputPath(ledger.input.path, path.dirname(path.dirname(runDir)), ledger.property_arg) : path.resolve(o.output)
    const result = yield* Effect.try({
      try: () => collectRun(runDir, ledger, output, o.partial === true, nowIso()),
      catch: (e) => new InternalError({ message: `cannot collect ${runDir} into ${output}: ${e instanceof Error ? e.message : String(e)}`, action: "check the run directory and the output's directory", cause: e }),
    })
    const { summary, problems } = result
    if (problems.length > 0 && o.partial !== true) {
      return yield* new ValidationError({
        message: `run ${ledger.id}: ${problems.length} of ${ledger.shards.length} shard(s) missing or incomplete: ${problems.map((p) => `shard ${p.index} (${p.state}: ${p.why})`).join("; ")}`,
        action: `periogt submit --resume ${runDir} (or wait for the shards still running: periogt jobs ${runDir}); --partial merges what is complete`,
        details: { run: runDir, missing_shards: problems.map((p) => p.index), problems },
      })
    }
    yield* updateLedger(runDir, (l) => {
      l.collected = summary as never
    })
    if (problems.length > 0) log.warn(`--partial: left out shard(s) ${problems.map((p) => `${p.index} (${p.why})`).join(", ")}`)
    log.info(`wrote ${output}: ${summary.rows} rows, ${summary.failed_rows} failed${Object.keys(summary.failures_by_rule).length > 0 ? ` (${Object.entries(summary.failures_by_rule).map(([k, v]) => `${k}: ${v}`).join(", ")})` : ""}`)
    process.stdout.write(JSON.stringify(summary) + "\n")
    return EXIT.success
  })
