import * as fs from "node:fs"
import * as path from "node:path"
import { ByteSize, Effect, Option, Result, Stream } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "effect/http"
import { ValidationError, type PeriogtError } from "../../errors/index.ts"
import { csvRecords, readHeader } from "../../io/csv/index.ts"
import { Predictor } from "../../pipeline/Predictor.ts"
import type { Job } from "../domain/Api.ts"
import { HttpProblem, jsonResponse, type ApiFailure } from "../http/Problem.ts"
import type { Handler } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { Jobs, resolveProperties } from "./Jobs.ts"
import type { JobRecord, JobStore } from "./JobStore.ts"

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const jobJson = (j: JobRecord, pace: { rowsPerSecond: number | null; etaSeconds: number | null }): Job => ({
  id: j.id,
  state: j.state,
  name: j.name,
  properties: j.properties,
  input_bytes: j.inputBytes,
  rows_total: j.rowsTotal,
  rows_done: j.rowsDone,
  rows_failed: j.rowsFailed,
  rows_per_second: pace.rowsPerSecond,
  eta_seconds: pace.etaSeconds,
  created_at: iso(j.createdAt)!,
  started_at: iso(j.startedAt),
  finished_at: iso(j.finishedAt),
  error: j.error === null ? null : { ...j.error, details: j.error.details ?? null },
  results_url: j.state === "completed" ? `/v1/jobs/${j.id}/results` : null,
})

const storeOf: Effect.Effect<JobStore, HttpProblem, Jobs> = Effect.gen(function* () {
  const jobs = yield* Jobs
  if (jobs.store === undefined) return yield* new HttpProblem({ code: "jobs_unavailable", message: "batch jobs are not enabled on this server", details: {} })
  return jobs.store
})

const jobOf = (store: JobStore, id: string) =>
  Effect.gen(function* () {
    const job = store.get(id)
    if (job === undefined) return yield* new HttpProblem({ code: "not_found", message: `no job ${id}`, details: { job: id } })
    return job
  })

const invalid = (message: string, details: Record<string, unknown>, action = "upload a CSV file with a header line containing 'smiles' (and optionally 'id')") =>
  new ValidationError({ message, action, details })

const SAFE_NAME = /[^A-Za-z0-9._ -]+/g

/** Which client a request comes from, for the per-client job limit: its remote address. */
const clientOf = (request: HttpServerRequest.HttpServerRequest) => Option.getOrElse(request.remoteAddress, () => "unknown")

/** The first CSV record of the uploaded file, checked as `periogt batch` checks its input. */
const checkHeader = (file: string, name: string) =>
  Effect.promise(async (): Promise<PeriogtError | undefined> => {
    for await (const r of csvRecords(fs.createReadStream(file, { highWaterMark: 64 * 1024 }))) {
      const h = readHeader(r, name)
      return Result.isFailure(h) ? h.failure : undefined
    }
    return invalid(`${name} is empty`, { name, reason: "empty_file" })
  })

/** `POST /v1/jobs?property=P&name=file.csv`, body: the CSV (text/csv). 202 with the queued job. */
export const createJob: Handler = () =>
  Effect.gen(function* () {
    const store = yield* storeOf
    const jobs = yield* Jobs
    const config = yield* ServerConfig
    const predictor = yield* Predictor
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = new URL(request.url, "http://localhost").searchParams
    const name = (query.get("name") ?? "upload.csv").replace(SAFE_NAME, "_").slice(0, 200) || "upload.csv"
    const propertyText = (query.get("property") ?? "all").trim()
    const properties = propertyText === "" ? ["all"] : propertyText.split(",").map((p) => p.trim()).filter((p) => p !== "")
    if (properties.length === 0 || properties.some((p) => p.length > 64)) {
      return yield* invalid(`property ${propertyText} is not valid`, { reason: "invalid_property", property: propertyText }, "give ?property=<id>, a comma list, or all")
    }
    if (predictor.status().state === "ready") {
      const resolved = resolveProperties(properties, predictor)
      if (!Array.isArray(resolved)) return yield* resolved as PeriogtError
    }
    const contentType = (request.headers["content-type"] ?? "text/csv").split(";")[0]!.trim().toLowerCase()
    if (!["text/csv", "application/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"].includes(contentType)) {
      return yield* new HttpProblem({ code: "unsupported_media_type", message: `Content-Type ${contentType} is not supported; send the CSV as text/csv`, details: { content_type: contentType, supported: ["text/csv"] } })
    }
    const limit = config.limits.maxUploadBytes
    const declared = request.headers["content-length"]
    const tooLarge = new HttpProblem({ code: "payload_too_large", message: `the upload is larger than ${limit} bytes`, details: { limit_bytes: limit }, headers: { connection: "close" } })
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) return yield* tooLarge
    const client = clientOf(request)
    if (store.activeCount(client) >= config.limits.maxActiveJobsPerClient) {
      return yield* new HttpProblem({
        code: "too_many_jobs",
        message: `this client already has ${config.limits.maxActiveJobsPerClient} jobs queued or running`,
        details: { limit: config.limits.maxActiveJobsPerClient },
        headers: { "retry-after": "30" },
      })
    }
    const bytes = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit)),
      Effect.mapError((e): ApiFailure => (e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge" ? tooLarge : invalid("the upload could not be read", { reason: "unreadable_body" }))),
    )
    if (bytes.byteLength === 0) return yield* invalid("the upload is empty", { reason: "missing_body" })
    const job = store.create({ client, name, properties, input: new Uint8Array(bytes) })
    const bad = yield* checkHeader(store.inputPath(job.id), name)
    if (bad !== undefined) {
      store.remove(job.id)
      return yield* bad
    }
    jobs.notify()
    return jsonResponse(jobJson(job, jobs.pace(job)), 202, { location: `/v1/jobs/${job.id}` })
  })

export const listJobs: Handler = () =>
  Effect.gen(function* () {
    const store = yield* storeOf
    const jobs = yield* Jobs
    return jsonResponse({ jobs: store.list(100).map((j) => jobJson(j, jobs.pace(j))) })
  })

export const getJob: Handler = ({ params }) =>
  Effect.gen(function* () {
    const store = yield* storeOf
    const jobs = yield* Jobs
    const job = yield* jobOf(store, params["id"]!)
    return jsonResponse(jobJson(job, jobs.pace(job)))
  })

/** Stops the job if it runs, then removes it with its files. 204. */
export const deleteJob: Handler = ({ params }) =>
  Effect.gen(function* () {
    const store = yield* storeOf
    const jobs = yield* Jobs
    const job = yield* jobOf(store, params["id"]!)
    yield* Effect.promise(() => jobs.cancel(job.id))
    store.remove(job.id)
    return HttpServerResponse.empty({ status: 204 })
  })

/** The results CSV of a completed job (the columns of `periogt batch`). */
export const jobResults: Handler = ({ params }) =>
  Effect.gen(function* () {
    const store = yield* storeOf
    const job = yield* jobOf(store, params["id"]!)
    if (job.state !== "completed") {
      return yield* new HttpProblem({ code: "job_not_finished", message: `job ${job.id} is ${job.state}; results come when it is completed`, details: { job: job.id, state: job.state } })
    }
    const file = store.resultsPath(job.id)
    const size = fs.statSync(file).size
    const stem = path.basename(job.name, path.extname(job.name)) || "job"
    // streamed from the file: a large job's results never sit whole in memory
    const body = Stream.fromReadableStream({ evaluate: () => Bun.file(file).stream(), onError: (e) => e })
    return HttpServerResponse.stream(body, {
      contentType: "text/csv; charset=utf-8",
      contentLength: size,
      headers: { "content-disposition": `attachment; filename="${stem.replace(/"/g, "")}_predictions.csv"` },
    })
  })
