import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { isFinal, JOB_STATES } from "../jobs/Executor.ts"
import { readLedger, readShardStatus, type Ledger } from "../jobs/ledger.ts"
import { listRuns, refreshRun, resolveRun } from "../jobs/run.ts"

export interface JobsOptions {
  readonly run?: string
  readonly json?: boolean
  readonly watch?: boolean
  /** Seconds between scheduler queries with --watch (default 30). */
  readonly interval?: string | number
}

const duration = (s: number | undefined) =>
  s === undefined || !Number.isFinite(s) ? "-" : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`

/** One shard's line: state, rows done, rows/s of its current attempt and ETA. */
const shardView = (runDir: string, l: Ledger) =>
  l.shards.map((s) => {
    const st = readShardStatus(runDir, s.index)
    const done = s.rows_done ?? 0
    let rate: number | undefined
    if (st !== undefined) {
      const seconds = st.complete || st.stopped === true ? st.seconds : (Date.now() - Date.parse(st.started_at)) / 1000
      if (seconds !== undefined && seconds > 0 && done > st.resumed_from) rate = (done - st.resumed_from) / seconds
    }
    const eta = s.state === "running" && rate !== undefined && rate > 0 ? (s.rows - done) / rate : undefined
    return {
      shard: s.index,
      job_id: s.job_id ?? null,
      state: s.state,
      scheduler_state: s.state_raw ?? null,
      rows: s.rows,
      rows_done: done,
      failed_rows: s.failed_rows ?? 0,
      rows_per_s: rate === undefined ? null : Number(rate.toFixed(2)),
      eta_s: eta === undefined ? null : Math.round(eta),
    }
  })

const counts = (l: Ledger) => {
  const c: Record<string, number> = {}
  for (const s of l.shards) c[s.state] = (c[s.state] ?? 0) + 1
  return JOB_STATES.filter((k) => c[k] !== undefined).map((k) => `${c[k]} ${k}`).join(", ")
}

const bar = (done: number, total: number, width = 30) => {
  const f = total === 0 ? width : Math.round((done / total) * width)
  return `[${"#".repeat(f)}${".".repeat(width - f)}] ${total === 0 ? 100 : ((100 * done) / total).toFixed(1)}%`
}

const render = (runDir: string, l: Ledger, pollError: string | undefined): string => {
  const rows = shardView(runDir, l)
  const done = rows.reduce((a, r) => a + r.rows_done, 0)
  const lines = [
    `run ${l.id} (${l.scheduler}, ${l.mode}, ${l.shards.length} shards, properties ${l.properties.join(",")})`,
    `  ${runDir}`,
    `  ${counts(l)}; rows ${done} of ${l.input.rows} ${bar(done, l.input.rows)}`,
  ]
  if (pollError !== undefined) {
    const age = l.polled_at === undefined ? "never answered" : `last answer ${duration((Date.now() - Date.parse(l.polled_at)) / 1000)} ago`
    lines.push(`  the scheduler did not answer (${pollError}): last known states shown (${age})`)
  }
  lines.push("", "shard  job id            state          rows done        rows/s   ETA")
  for (const r of rows) {
    lines.push(
      `${String(r.shard).padStart(5)}  ${(r.job_id ?? "-").padEnd(16)}  ${r.state.padEnd(13)}  ${`${r.rows_done}/${r.rows}`.padEnd(15)}  ${(r.rows_per_s === null ? "-" : r.rows_per_s.toFixed(1)).padStart(6)}   ${duration(r.eta_s ?? undefined)}${r.failed_rows > 0 ? `  (${r.failed_rows} invalid rows)` : ""}`,
    )
  }
  const todo = l.shards.filter((s) => isFinal(s.state) && s.state !== "completed")
  if (todo.length > 0) lines.push("", `  ${todo.length} shard(s) ended without completing: periogt submit --resume ${runDir}`)
  else if (l.shards.every((s) => s.state === "completed")) lines.push("", `  every shard completed: periogt collect ${runDir}`)
  return lines.join("\n") + "\n"
}

const asJson = (runDir: string, l: Ledger, pollError: string | undefined) => ({
  run: runDir,
  id: l.id,
  scheduler: l.scheduler,
  mode: l.mode,
  properties: l.properties,
  input: l.input,
  polled_at: l.polled_at ?? null,
  poll_error: pollError ?? null,
  complete: l.shards.every((s) => s.state === "completed"),
  shards: shardView(runDir, l),
})

/** `periogt jobs [RUN] [--json] [--watch]`: every shard's state, rows done, rows/s and ETA; without RUN, the recent runs. */
export const jobsProgram = (o: JobsOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.run === undefined) {
      const runs = listRuns(config.resultsDir.value).slice(0, 20)
      const list = runs.flatMap((d) => {
        const l = readLedger(d)
        return Result.isSuccess(l) ? [{ run: d, id: l.success.id, created: l.success.created, scheduler: l.success.scheduler, shards: l.success.shards.length, states: counts(l.success), rows: l.success.input.rows }] : []
      })
      if (o.json === true) process.stdout.write(JSON.stringify({ runs: list }) + "\n")
      else if (list.length === 0) process.stdout.write(`no runs under ${path.join(config.resultsDir.value, "runs")}\n`)
      else for (const r of list) process.stdout.write(`${r.id}  ${r.created}  ${r.scheduler}  ${r.shards} shards  ${r.rows} rows  ${r.states}\n  ${r.run}\n`)
      return EXIT.success
    }
    const runDir = resolveRun(o.run, config.resultsDir.value)
    const read = readLedger(runDir)
    if (Result.isFailure(read)) return yield* Effect.fail(read.failure)
    let ledger = read.success
    const interval = Math.max(1, Number(o.interval ?? 30)) * 1000
    for (;;) {
      const r = yield* refreshRun(runDir, ledger)
      ledger = r.ledger
      if (r.pollError !== undefined) log.warn(`scheduler query failed: ${r.pollError}`)
      if (o.json === true) process.stdout.write(JSON.stringify(asJson(runDir, ledger, r.pollError)) + "\n")
      else {
        if (o.watch === true && process.stdout.isTTY) process.stdout.write("\x1b[H\x1b[2J")
        process.stdout.write(render(runDir, ledger, r.pollError))
      }
      if (o.watch !== true || ledger.shards.every((s) => isFinal(s.state))) break
      yield* Effect.sleep(interval)
    }
    return EXIT.success
  })
