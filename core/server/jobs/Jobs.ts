/**
 * Batch jobs of the server: the store (JobStore.ts) and one background runner that takes the oldest
 * queued job and runs it through the same resumable batch engine as `periogt batch` (core/pipeline/
 * batch.ts), one job at a time, while the server keeps answering. Closing the server's scope stops the
 * runner after the chunk in flight is committed and puts the job back in the queue; a server killed
 * outright (SIGKILL) leaves it `running`, which the next start turns back into `queued`. Either way the
 * next run resumes from the batch engine's journal: no row lost, none repeated.
 */
import { Context, Effect, Layer, Result } from "effect"
import { errorBody, toPeriogtError, UnsupportedProperty, type PeriogtError } from "../../errors/index.ts"
import { outputLock } from "../../io/outputFile.ts"
import { Log } from "../../log/index.ts"
import { runBatch } from "../../pipeline/batch.ts"
import { Predictor, type PredictorShape } from "../../pipeline/Predictor.ts"
import { PERIOGT_VERSION } from "../../version/version.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { JobStore, type JobErrorDetail, type JobRecord } from "./JobStore.ts"

/** Rows per network run, as `periogt batch` (so a job's output equals the command's, byte for byte). */
export const JOB_CHUNK_ROWS = 32

/** The running job's pace in this run (a resumed job counts from where it resumed). */
export interface JobPace {
  readonly rowsPerSecond: number | null
  readonly etaSeconds: number | null
}

export interface JobsShape {
  /** undefined when the server has no job directory (jobs disabled). */
  readonly store: JobStore | undefined
  /** Wakes the runner (a job was queued). */
  readonly notify: () => void
  /** Asks the runner to stop a job (before deleting it); resolves once it is no longer running. */
  readonly cancel: (id: string) => Promise<void>
  readonly pace: (job: JobRecord) => JobPace
}

export class Jobs extends Context.Service<Jobs, JobsShape>()("periogt/server/Jobs") {}

const detailOf = (e: PeriogtError): JobErrorDetail => ({ ...errorBody(e), details: e.details ?? null })

/** Property ids a job asked for, against what the loaded models predict. */
export const resolveProperties = (asked: ReadonlyArray<string>, predictor: PredictorShape): ReadonlyArray<string> | UnsupportedProperty => {
  const known = predictor.properties().map((p) => p.id)
  if (asked.length === 1 && asked[0] === "all") return known
  const unknown = asked.filter((p) => !known.includes(p))
  if (unknown.length === 0) return asked
  return new UnsupportedProperty({
    message: `no model for ${unknown.join(", ")}`,
    action: `choose among ${known.join(", ")} (GET /v1/properties), or all`,
    details: { property: unknown.join(","), available: known },
  })
}

interface Running {
  readonly id: string
  startedAt: number
  startRows: number | undefined
  stop: boolean
  readonly done: Promise<void>
}

export const jobsLayer = Layer.effect(Jobs)(
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const predictor = yield* Predictor
    const log = yield* Log
    if (config.jobsDir === undefined) {
      return { store: undefined, notify: () => {}, cancel: async () => {}, pace: () => ({ rowsPerSecond: null, etaSeconds: null }) }
    }
    const dir = config.jobsDir
    // One server per job store: two would run the same queued job. A second `serve` on the same
    // results_dir refuses to start, naming the first; the lock of a server killed outright is recovered.
    yield* outputLock(JobStore.dbPath(dir), "the job store")
    const store = yield* Effect.acquireRelease(
      Effect.sync(() => JobStore.open(dir)),
      (s) => Effect.sync(() => s.close()),
    )
    let stopping = false
    let wake: (() => void) | undefined
    let running: Running | undefined
    const notify = () => {
      const w = wake
      wake = undefined
      w?.()
    }
    const idle = () => new Promise<void>((resolve) => (wake = resolve))

    /** Waits for the model (the server listens while it loads); undefined when it is ready. */
    const modelReady = async (): Promise<PeriogtError | undefined> => {
      for (;;) {
        const s = predictor.status()
        if (s.state === "ready") return undefined
        if (s.state === "failed") return s.error
        if (stopping) return undefined
        await new Promise((r) => setTimeout(r, 200))
      }
    }

    const runJob = async (job: JobRecord, self: Running): Promise<void> => {
      const failed = await modelReady()
      if (stopping) return
      if (failed !== undefined) return store.fail(job.id, detailOf(failed))
      const properties = resolveProperties(job.properties, predictor)
      if (properties instanceof UnsupportedProperty) return store.fail(job.id, detailOf(properties))
      store.markRunning(job.id)
      // the pace counts from here: rows done before (a resumed job) are not this run's
      self.startRows = store.get(job.id)?.rowsDone ?? 0
      self.startedAt = performance.now()
      log.info(`job ${job.id} running`, { job: job.id, name: job.name, properties: properties.join(",") })
      const summary = await runBatch({
        input: store.inputPath(job.id),
        output: store.resultsPath(job.id),
        properties,
        jobKey: `${PERIOGT_VERSION}\0${job.id}\0${JSON.stringify(predictor.properties())}`,
        predict: (items) => Effect.runPromise(predictor.predict(items)),
        chunkRows: JOB_CHUNK_ROWS,
        progress: {
          update: (done, total) => store.progress(job.id, done, total),
          finish: () => {},
        },
        shouldStop: () => stopping || self.stop,
      }).then(
        (r) => r,
        (e: unknown) => Result.fail(toPeriogtError(e)),
      )
      if (Result.isFailure(summary)) {
        log.warn(`job ${job.id} failed: ${summary.failure.message}`, { job: job.id, code: summary.failure.code })
        return store.fail(job.id, detailOf(summary.failure))
      }
      const s = summary.success
      if (s.interrupted) {
        store.requeue(job.id)
        log.info(`job ${job.id} stopped after ${s.rows} rows; it resumes at the next start`, { job: job.id })
        return
      }
      store.complete(job.id, s.rows, s.failedRows)
      log.info(`job ${job.id} completed`, { job: job.id, rows: s.rows, failed_rows: s.failedRows })
    }

    const loop = async () => {
      while (!stopping) {
        const job = store.nextQueued()
        if (job === undefined) {
          await idle()
          continue
        }
        let finish!: () => void
        const self: Running = { id: job.id, startedAt: performance.now(), startRows: undefined, stop: false, done: new Promise<void>((r) => (finish = r)) }
        running = self
        try {
          await runJob(job, self)
        } catch (e) {
          const error = toPeriogtError(e)
          log.error(`job ${job.id} failed unexpectedly: ${error.message}`, { job: job.id })
          if (store.get(job.id) !== undefined) store.fail(job.id, detailOf(error))
        } finally {
          running = undefined
          finish()
        }
      }
    }

    const looping = loop()
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        stopping = true
        notify()
        await looping
      }),
    )

    const cancel = async (id: string) => {
      const r = running
      if (r === undefined || r.id !== id) return
      r.stop = true
      await r.done
    }

    const pace = (job: JobRecord): JobPace => {
      const r = running
      if (r === undefined || r.id !== job.id || r.startRows === undefined) return { rowsPerSecond: null, etaSeconds: null }
      const seconds = (performance.now() - r.startedAt) / 1000
      const rows = job.rowsDone - r.startRows
      if (seconds <= 0 || rows <= 0) return { rowsPerSecond: null, etaSeconds: null }
      const rate = rows / seconds
      return { rowsPerSecond: rate, etaSeconds: job.rowsTotal === null ? null : Math.max(0, (job.rowsTotal - job.rowsDone) / rate) }
    }

    notify()
    return { store, notify, cancel, pace }
  }),
)
