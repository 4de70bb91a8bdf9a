import * as os from "node:os"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { batchProgram } from "../commands/batch.ts"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import type { BatchSummary } from "../pipeline/batch.ts"
import { nowIso, readLedger, readShardStatus, writeShardStatus } from "./ledger.ts"

export interface ShardTaskOptions {
  readonly run: string
  readonly shard: string | number
  /** Exit 1 when rows were invalid (the default for a shard is 0, failures counted). */
  readonly failOnInvalid?: boolean
}

const jobIdFromEnv = () => {
  const e = process.env
  if (e["SLURM_ARRAY_JOB_ID"] !== undefined && e["SLURM_ARRAY_TASK_ID"] !== undefined) return `${e["SLURM_ARRAY_JOB_ID"]}_${e["SLURM_ARRAY_TASK_ID"]}`
  return e["SLURM_JOB_ID"] ?? e["PBS_JOBID"] ?? undefined
}

/**
 * `periogt batch --run RUN --shard I`: one shard of a submitted run, as its job script (or the local
 * executor) runs it. Everything comes from the ledger — input shard, output, properties, row numbers —
 * never from a directory listing. The shard writes its own status file (never the ledger); it resumes
 * where its resumable batch stopped, does nothing when already complete, and exits 0 when complete
 * even with invalid rows (counted), unless `--fail-on-invalid`.
 */
export const shardTaskProgram = (o: ShardTaskOptions) =>
  Effect.gen(function* () {
    const log = yield* Log
    const runDir = path.resolve(o.run)
    const ledger = readLedger(runDir)
    if (Result.isFailure(ledger)) return yield* Effect.fail(ledger.failure)
    const l = ledger.success
    const index = Number(o.shard)
    const entry = l.shards.find((s) => s.index === index)
    if (!Number.isInteger(index) || entry === undefined) {
      return yield* new ValidationError({
        message: `run ${l.id} has no shard ${o.shard} (shards 0-${l.shards.length - 1})`,
        action: "give --shard a shard index of the run (the array task index)",
        details: { run: runDir, shard: o.shard },
      })
    }
    const before = readShardStatus(runDir, index)
    const started = Date.now()
    const jobId = jobIdFromEnv()
    const base = { index, rows: entry.rows, host: os.hostname(), ...(jobId === undefined ? {} : { job_id: jobId }) }
    writeShardStatus(runDir, { ...base, complete: false, rows_done: before?.rows_done ?? 0, failed_rows: before?.failed_rows ?? 0, started_at: nowIso(), resumed_from: before?.rows_done ?? 0 })
    let summary: BatchSummary | undefined
    let device: string = (yield* AppConfig).device.value
    const code = yield* batchProgram({
      input: path.join(runDir, entry.file),
      output: path.join(runDir, entry.output),
      property: l.property_arg,
      shard: { rowOffset: entry.first_row - 1, lineOffset: entry.first_line - 2, requestNamespace: l.input.sha256 },
      onSummary: (s) => {
        summary = s
      },
      onDevice: (d) => {
        device = d
      },
    })
    const s = summary
    if (s === undefined) return code
    const seconds = (Date.now() - started) / 1000
    writeShardStatus(runDir, {
      ...base,
      complete: !s.interrupted,
      rows_done: s.rows,
      failed_rows: s.failedRows,
      started_at: new Date(started).toISOString(),
      resumed_from: s.resumedFrom,
      ...(s.interrupted ? { stopped: true } : { finished_at: nowIso() }),
      seconds: s.alreadyComplete === true ? (before?.seconds ?? seconds) : seconds,
      device,
    })
    if (s.interrupted) {
      log.warn(`stopped at walltime: rows done ${s.rows} of ${entry.rows} in shard ${index} — \`periogt submit --resume ${runDir}\``)
      return EXIT.fatal
    }
    if (s.failedRows > 0) {
      log.info(`shard ${index}: complete; ${s.failedRows} of ${entry.rows} rows invalid (error rows in the output)${o.failOnInvalid === true ? "" : "; exit 0 (--fail-on-invalid exits 1)"}`)
      return o.failOnInvalid === true ? EXIT.partial : EXIT.success
    }
    return code
  })
