/**
 * The hub as the web page sees it, under /v1 and behind X-Api-Key like the rest of the page's API (a
 * browser holds no worker secret): the workers and recent jobs, a page batch sent to a cluster as a hub
 * job, and a finished cluster job's results. A cluster job is what `periogt bridge` takes: processor
 * `periogt`, `parameters.property`, and one committed managed artifact holding the CSV as `inputs`.
 */
import * as fs from "node:fs"
import { ByteSize, Effect, Schema, Stream } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Job, Worker, sha256Hex } from "../../bridge/protocol/index.ts"
import { ValidationError } from "../../errors/index.ts"
import { HttpProblem, jsonResponse, type ApiFailure } from "../http/Problem.ts"
import type { Handler } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { Hub, type HubShape } from "./Hub.ts"
import { jobView, workerView } from "./views.ts"

/** The processor `periogt bridge` registers (core/bridge/daemon/plan.ts). */
export const CLUSTER_PROCESSOR = "periogt"

export const HubOverview = Schema.Struct({
  enabled: Schema.Boolean,
  workers: Schema.Array(Worker),
  jobs: Schema.Array(Job),
}).annotate({ identifier: "HubOverview" })

const hubOf: Effect.Effect<HubShape, HttpProblem, Hub> = Effect.gen(function* () {
  const hub = yield* Hub
  if (hub === undefined) return yield* new HttpProblem({ code: "hub_unavailable", message: "the EMX2 hub is not enabled on this server (set hpc_secret_file)", details: {} })
  return hub
})

/** `GET /v1/hub`: whether the hub is on, its workers, and its 50 newest jobs of any status. */
export const hubOverview: Handler = () =>
  Effect.gen(function* () {
    const hub = yield* Hub
    if (hub === undefined) return jsonResponse({ enabled: false, workers: [], jobs: [] })
    const jobs = hub.store.recentJobs(50).map((j) => jobView(hub.store, j))
    return jsonResponse({ enabled: true, workers: hub.store.workers().map(workerView), jobs })
  })

const SAFE_NAME = /[^A-Za-z0-9._ -]+/g

/** `POST /v1/hub/jobs?property=P&name=F[&profile=X]`, body: the CSV. 202 with the PENDING hub job. */
export const createClusterJob: Handler = () =>
  Effect.gen(function* () {
    const hub = yield* hubOf
    const config = yield* ServerConfig
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = new URL(request.url, "http://localhost").searchParams
    let name = (query.get("name") ?? "upload.csv").replace(SAFE_NAME, "_").slice(0, 200) || "upload.csv"
    // the bridge takes the one .csv file of the input artifact
    if (!name.toLowerCase().endsWith(".csv")) name = `${name}.csv`
    const property = (query.get("property") ?? "all").trim() || "all"
    if (property.length > 200 || !/^[A-Za-z0-9_,-]+$/.test(property)) {
      return yield* new ValidationError({ message: `property ${property} is not valid`, action: "give ?property=<id>, a comma list, or all", details: { reason: "invalid_property", property } })
    }
    const profile = query.get("profile")?.trim() || null
    const contentType = (request.headers["content-type"] ?? "text/csv").split(";")[0]!.trim().toLowerCase()
    if (!["text/csv", "application/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"].includes(contentType)) {
      return yield* new HttpProblem({ code: "unsupported_media_type", message: `Content-Type ${contentType} is not supported; send the CSV as text/csv`, details: { content_type: contentType } })
    }
    const limit = config.limits.maxUploadBytes
    const tooLarge = new HttpProblem({ code: "payload_too_large", message: `the upload is larger than ${limit} bytes`, details: { limit_bytes: limit }, headers: { connection: "close" } })
    const bytes = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit)),
      Effect.mapError((e): ApiFailure => (e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge" ? tooLarge : new HttpProblem({ code: "payload_too_large", message: "the upload could not be read", details: {} }))),
    )
    const data = new Uint8Array(bytes)
    const header = new TextDecoder().decode(data.subarray(0, 4096)).split(/\r?\n/)[0] ?? ""
    if (!header.split(",").some((c) => c.trim().replace(/^"|"$/g, "").toLowerCase() === "smiles")) {
      return yield* new ValidationError({ message: `${name} has no smiles column in its header line`, action: "upload a CSV file with a header line containing 'smiles' (and optionally 'id')", details: { reason: "missing_smiles_column", name } })
    }
    // the CSV as a committed managed artifact, then the job naming it
    const sha = sha256Hex(data)
    const tmp = hub.store.tmpPath()
    fs.writeFileSync(tmp, data, { mode: 0o600 })
    hub.store.adoptBlob(tmp, sha)
    const artifact = hub.store.createArtifact({ name, type: "csv", residence: "managed", contentUrl: null, metadata: { source: "periogt page" } })
    hub.store.putFile(artifact.id, { path: name, sha256: sha, sizeBytes: data.byteLength, contentType: "text/csv", stored: true })
    hub.store.commit(artifact.id, { sha256: sha, sizeBytes: data.byteLength })
    const job = hub.store.createJob({
      processor: CLUSTER_PROCESSOR,
      profile,
      parameters: { property, name },
      inputs: [{ artifact_id: artifact.id }],
      timeoutSeconds: null,
      submitUser: "periogt page",
    })
    return jsonResponse(jobView(hub.store, job), 202)
  })

/** `GET /v1/hub/jobs/{id}/results`: the CSV of a COMPLETED cluster job's output artifact. */
export const clusterJobResults: Handler = ({ params }) =>
  Effect.gen(function* () {
    const hub = yield* hubOf
    const id = params["id"]!
    const job = hub.store.job(id)
    if (job === undefined) return yield* new HttpProblem({ code: "not_found", message: `no hub job ${id}`, details: { job: id } })
    if (job.status !== "COMPLETED") return yield* new HttpProblem({ code: "job_not_finished", message: `hub job ${id} is ${job.status}; results come when it is COMPLETED`, details: { job: id, status: job.status } })
    // a terminal job keeps its output's id after the artifact is deleted (DELETE /api/hpc/artifacts/{id})
    if (job.output_artifact_id !== null && hub.store.artifact(job.output_artifact_id) === undefined) {
      return yield* new HttpProblem({
        code: "not_found",
        message: `hub job ${id}'s output artifact ${job.output_artifact_id} was deleted`,
        details: { job: id, artifact: job.output_artifact_id, reason: "output_deleted" },
      })
    }
    const files = job.output_artifact_id === null ? [] : hub.store.allFiles(job.output_artifact_id).filter((f) => f.stored === 1)
    const csv = files.find((f) => f.path.toLowerCase().endsWith(".csv")) ?? files[0]
    if (csv === undefined) return yield* new HttpProblem({ code: "not_found", message: `hub job ${id} has no output file stored in the hub`, details: { job: id } })
    const blob = hub.store.blobPath(csv.sha256)
    const body = Stream.fromReadableStream({ evaluate: () => Bun.file(blob).stream(), onError: (e) => e })
    const base = csv.path.split("/").at(-1)!.replace(/"/g, "")
    return HttpServerResponse.stream(body, {
      contentType: csv.content_type,
      contentLength: csv.size_bytes,
      headers: { "content-disposition": `attachment; filename="${base}"`, "x-content-sha256": csv.sha256 },
    })
  })
