/**
 * The /api/hpc handlers: workers, jobs and artifacts of the EMX2 HPC protocol (its design's Appendix A),
 * over HubStore. The checks every route shares (headers, signature, nonce) are in request.ts.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import {
  API_VERSION,
  ArtifactCreate,
  ClaimRequest,
  CommitRequest,
  FileMetadataUpload,
  HEADERS,
  JobCreate,
  TransitionRequest,
  WorkerRegistration,
  isJobStatus,
  isJsonContentType,
  isTerminal,
  jobLinks,
  paths,
} from "../../bridge/protocol/index.ts"
import { jsonResponse } from "../http/Problem.ts"
import { problem, type HubProblem } from "./errors.ts"
import { inputArtifactIds, type HubStore, type JobRow, type TransitionFields } from "./HubStore.ts"
import { rangeOf } from "./range.ts"
import { HUB_LIMITS, decodeJson, hubRoute, type HubContext } from "./request.ts"
import { artifactView, fileView, jobView, transitionView, workerView } from "./views.ts"

// --- health and workers ---

export const health = hubRoute({ open: true }, ({ hub }) =>
  Effect.sync(() => jsonResponse({ status: "ok", api_version: API_VERSION, hpc_enabled: true, worker_auth_mode: "shared-secret-hmac", jobs: hub.store.countByStatus() })),
)

export const register = hubRoute({ worker: true }, ({ hub, body, workerId }) =>
  Effect.gen(function* () {
    const reg = yield* decodeJson(WorkerRegistration, body)
    if (reg.worker_id !== workerId) return yield* problem("bad_request", "worker_id in request body must match X-Worker-Id header")
    const w = hub.store.registerWorker(reg.worker_id, reg.hostname ?? null, reg.capabilities ?? [])
    return jsonResponse(workerView(w))
  }),
)

export const heartbeat = hubRoute({ worker: true }, ({ hub, params, workerId }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    if (id !== workerId) return yield* problem("bad_request", "X-Worker-Id header must match worker id in path")
    if (!hub.store.heartbeat(id)) return yield* problem("not_found", `Worker ${id} not found`)
    return jsonResponse({ worker_id: id, status: "ok" })
  }),
)

export const listWorkers = hubRoute({}, ({ hub }) =>
  Effect.sync(() => {
    const items = hub.store.workers().map(workerView)
    return jsonResponse({ items, count: items.length })
  }),
)

export const getWorker = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const w = hub.store.worker(params["id"]!)
    if (w === undefined) return yield* problem("not_found", `Worker ${params["id"]} not found`)
    return jsonResponse(workerView(w))
  }),
)

/**
 * `DELETE /api/hpc/workers/{id}`: the worker and its capabilities go; its past jobs stay with
 * `worker_id` null. While it holds a live job (CLAIMED, SUBMITTED, STARTED) the answer is 409
 * `worker_busy` naming them: cancel those first (the design says nothing of live jobs; see HubStore).
 */
export const deleteWorker = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const r = hub.store.deleteWorker(id)
    if (r.kind === "not_found") return yield* problem("not_found", `Worker ${id} not found`)
    if (r.kind === "busy") {
      return yield* problem("worker_busy", `Worker ${id} holds live jobs (${r.jobs.map((j) => `${j.id} ${j.status}`).join(", ")}); cancel them first`)
    }
    return HttpServerResponse.empty({ status: 204 })
  }),
)

// --- jobs ---

const jobOr404 = (store: HubStore, id: string): Effect.Effect<JobRow, HubProblem> => {
  const job = store.job(id)
  return job === undefined ? Effect.fail(problem("not_found", `Job ${id} not found`)) : Effect.succeed(job)
}

export const createJob = hubRoute({}, ({ hub, body }) =>
  Effect.gen(function* () {
    const req = yield* decodeJson(JobCreate, body)
    // the protocol: inputs must be committed before a job may name them
    for (const id of inputArtifactIds(req.inputs)) {
      const a = hub.store.artifact(id)
      if (a === undefined) return yield* problem("bad_request", `input artifact ${id} not found`)
      if (a.status !== "COMMITTED") return yield* problem("bad_request", `input artifact ${id} is ${a.status}; inputs must be COMMITTED`)
    }
    const job = hub.store.createJob({
      processor: req.processor,
      profile: req.profile ?? null,
      parameters: req.parameters,
      inputs: req.inputs,
      timeoutSeconds: req.timeout_seconds ?? null,
      // server-derived, never from the body; a signed request has no user principal
      submitUser: null,
    })
    return jsonResponse({ id: job.id, status: job.status, _links: jobLinks(job.id, job.status) }, 201, { location: paths.job(job.id) })
  }),
)

const intParam = (query: URLSearchParams, name: string, fallback: number, max: number): Effect.Effect<number, HubProblem> => {
  const v = query.get(name)
  if (v === null || v === "") return Effect.succeed(fallback)
  if (!/^\d{1,9}$/.test(v)) return Effect.fail(problem("bad_request", `${name} must be a non-negative integer`))
  return Effect.succeed(Math.min(Number(v), max))
}

/** `GET /api/hpc/jobs`: `status` defaults to PENDING, as the protocol says (workers poll it). */
export const listJobs = hubRoute({}, ({ hub, query }) =>
  Effect.gen(function* () {
    const statusText = query.get("status") ?? "PENDING"
    if (!isJobStatus(statusText)) return yield* problem("bad_request", `Invalid status: ${statusText}`)
    const limit = yield* intParam(query, "limit", 100, 1000)
    const offset = yield* intParam(query, "offset", 0, Number.MAX_SAFE_INTEGER)
    const { items, total } = hub.store.jobs({ status: statusText, processor: query.get("processor") ?? undefined, profile: query.get("profile") ?? undefined }, limit, offset)
    return jsonResponse(
      { items: items.map((j) => jobView(hub.store, j)), count: items.length, total_count: total, limit, offset, _links: { self: { href: paths.jobs, method: "GET" } } },
      200,
      { [HEADERS.totalCount.toLowerCase()]: String(total) },
    )
  }),
)

export const getJob = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const job = yield* jobOr404(hub.store, params["id"]!)
    return jsonResponse(jobView(hub.store, job))
  }),
)

export const claimJob = hubRoute({ worker: true }, ({ hub, params, body, workerId }) =>
  Effect.gen(function* () {
    const req = yield* decodeJson(ClaimRequest, body)
    if (req.worker_id !== undefined && req.worker_id !== null && req.worker_id !== "" && req.worker_id !== workerId) {
      return yield* problem("bad_request", "worker_id in request body must match X-Worker-Id header")
    }
    const id = params["id"]!
    const outcome = hub.store.claim(id, workerId!)
    switch (outcome.kind) {
      case "claimed":
        return jsonResponse(jobView(hub.store, outcome.job))
      case "not_found":
        return yield* problem("not_found", `Job ${id} not found`)
      case "not_pending":
        return yield* problem("conflict", `Job ${id} is not in PENDING status (current: ${outcome.status})`)
      case "capability_mismatch":
        return yield* problem("conflict", `Worker ${workerId} does not have a registered capability for processor=${outcome.processor} profile=${outcome.profile ?? "(any)"}`)
      case "capacity_exceeded":
        return yield* problem("conflict", `Worker ${workerId} has reached its max_concurrent_jobs limit (${outcome.limit})`)
    }
  }),
)

const report = (ctx: HubContext, terminalOnly: boolean) =>
  Effect.gen(function* () {
    const { hub, params, body, workerId } = ctx
    const req = yield* decodeJson(TransitionRequest, body)
    if (req.worker_id !== undefined && req.worker_id !== null && req.worker_id !== "" && req.worker_id !== workerId) {
      return yield* problem("bad_request", "worker_id in request body must match X-Worker-Id header")
    }
    if (terminalOnly && !isTerminal(req.status)) {
      return yield* problem("bad_request", `Complete endpoint only accepts terminal statuses (COMPLETED, FAILED, CANCELLED), got: ${req.status}`)
    }
    for (const ref of [req.output_artifact_id, req.log_artifact_id]) {
      if (ref !== undefined && ref !== null && hub.store.artifact(ref) === undefined) return yield* problem("bad_request", `artifact ${ref} not found`)
    }
    const id = params["id"]!
    const fields: TransitionFields = {
      workerId: workerId!,
      detail: req.detail ?? null,
      slurmJobId: req.slurm_job_id ?? null,
      outputArtifactId: req.output_artifact_id ?? null,
      logArtifactId: req.log_artifact_id ?? null,
      phase: req.phase ?? null,
      message: req.message ?? null,
      progress: req.progress ?? null,
    }
    const outcome = hub.store.transition(id, req.status, fields)
    switch (outcome.kind) {
      case "applied":
      case "duplicate":
      case "progress":
        return jsonResponse(jobView(hub.store, outcome.job))
      case "not_found":
        return yield* problem("not_found", `Job ${id} not found`)
      case "not_owner":
        return yield* problem("conflict", `Job ${id} is claimed by worker ${outcome.owner}, not ${workerId}`)
      case "illegal":
        return yield* problem("conflict", `Cannot transition job ${id} from ${outcome.from} to ${req.status}`)
    }
  })

export const transitionJob = hubRoute({ worker: true }, (ctx) => report(ctx, false))
/** EMX2's daemon finalizes a job here after uploading its artifacts: a transition restricted to terminal states. */
export const completeJob = hubRoute({ worker: true }, (ctx) => report(ctx, true))

/** Cancel from any live state, by anyone holding the secret; a terminal job is 409 (the protocol). */
export const cancelJob = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const job = yield* jobOr404(hub.store, id)
    if (isTerminal(job.status)) return yield* problem("conflict", `Cannot cancel job ${id} in status ${job.status}`)
    const outcome = hub.store.transition(id, "CANCELLED", { workerId: null, detail: "Cancelled via API", phase: null, message: null, progress: null })
    if (outcome.kind === "applied") return jsonResponse(jobView(hub.store, outcome.job))
    const now = hub.store.job(id)
    return yield* problem("conflict", `Cannot cancel job ${id} in status ${now?.status ?? "(deleted)"}`)
  }),
)

export const deleteJob = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const r = hub.store.deleteJob(id)
    if (r === "not_found") return yield* problem("not_found", `Job ${id} not found`)
    if (r === "live") return yield* problem("conflict", `Job ${id} is not in a terminal state; cancel it first`)
    return HttpServerResponse.empty({ status: 204 })
  }),
)

export const jobTransitions = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const job = yield* jobOr404(hub.store, params["id"]!)
    const items = hub.store.transitions(job.id).map(transitionView)
    return jsonResponse({ items, count: items.length })
  }),
)

// --- artifacts ---

/** A posix artifact's content_url: `file://` and an absolute path without `..` segments or NUL. */
const checkContentUrl = (residence: string, url: string | null): string | undefined => {
  if (residence === "managed") return url === null ? undefined : "a managed artifact has no content_url: the hub stores its files"
  if (residence === "reference") return undefined
  if (url === null || url === "") return `content_url is required for residence ${residence}`
  if (residence === "posix") {
    if (!url.startsWith("file:///")) return "content_url of a posix artifact must be a file:// URL with an absolute path"
    if (url.includes("\0") || url.slice("file://".length).split("/").includes("..")) return "content_url must not contain .. segments or NUL"
  }
  return undefined
}

export const createArtifact = hubRoute({}, ({ hub, body }) =>
  Effect.gen(function* () {
    const req = yield* decodeJson(ArtifactCreate, body)
    const residence = req.residence ?? "managed"
    const bad = checkContentUrl(residence, req.content_url ?? null)
    if (bad !== undefined) return yield* problem("bad_request", bad)
    const a = hub.store.createArtifact({ name: req.name ?? null, type: req.type ?? null, residence, contentUrl: req.content_url ?? null, metadata: req.metadata })
    return jsonResponse(artifactView(a), 201, { location: paths.artifact(a.id) })
  }),
)

export const getArtifact = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const a = hub.store.artifact(params["id"]!)
    if (a === undefined) return yield* problem("not_found", `Artifact ${params["id"]} not found`)
    return jsonResponse(artifactView(a))
  }),
)

/**
 * `DELETE /api/hpc/artifacts/{id}`: the artifact, its files, and the bytes no other artifact shares.
 * 409 `artifact_in_use` while a job that is not terminal names it (cancel or finish the job first).
 */
export const deleteArtifact = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const r = hub.store.deleteArtifact(id)
    if (r.kind === "not_found") return yield* problem("not_found", `Artifact ${id} not found`)
    if (r.kind === "in_use") {
      return yield* problem("artifact_in_use", `Artifact ${id} is used by jobs that are not terminal (${r.jobs.map((j) => `${j.id} ${j.status}`).join(", ")}); cancel them or let them finish first`)
    }
    return HttpServerResponse.empty({ status: 204 })
  }),
)

export const listFiles = hubRoute({}, ({ hub, params, query }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    if (hub.store.artifact(id) === undefined) return yield* problem("not_found", `Artifact ${id} not found`)
    const limit = yield* intParam(query, "limit", 100, 1000)
    const offset = yield* intParam(query, "offset", 0, Number.MAX_SAFE_INTEGER)
    const prefix = query.get("prefix") ?? undefined
    const { items, total } = hub.store.files(id, prefix === "" ? undefined : prefix, limit, offset)
    return jsonResponse({ items: items.map(fileView), count: items.length, total_count: total, limit, offset }, 200, { [HEADERS.totalCount.toLowerCase()]: String(total) })
  }),
)

/** Deepest file path served: the route table has one template per depth (`{p1}/…/{pN}`). */
export const MAX_FILE_DEPTH = 16

/** The logical path inside an artifact: relative, no empty, `.` or `..` segment, no NUL or backslash. */
const filePathOf = (params: Readonly<Record<string, string>>): Effect.Effect<string, HubProblem> => {
  const segments: Array<string> = []
  for (let i = 1; i <= MAX_FILE_DEPTH && params[`p${i}`] !== undefined; i++) segments.push(params[`p${i}`]!)
  const p = segments.join("/")
  if (p.length > 1024) return Effect.fail(problem("bad_request", "path must be at most 1024 characters"))
  if (p.includes("\0") || p.includes("\\")) return Effect.fail(problem("bad_request", "path must not contain NUL or backslashes"))
  if (p.split("/").some((s) => s === "" || s === "." || s === "..")) return Effect.fail(problem("bad_request", "path must be relative, without empty, . or .. segments"))
  return Effect.succeed(p)
}

const MEDIA_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".log": "text/plain",
  ".out": "text/plain",
  ".err": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".parquet": "application/vnd.apache.parquet",
  ".onnx": "application/octet-stream",
}

/** The declared type unless it says nothing (octet-stream or absent), then a guess from the name. */
const mediaTypeOf = (filePath: string, declared: string | undefined): string => {
  const d = declared?.split(";")[0]?.trim()
  if (d !== undefined && d !== "" && d !== "application/octet-stream") return declared!.trim()
  return MEDIA_TYPES[path.extname(filePath).toLowerCase()] ?? "application/octet-stream"
}

/** Streams the request body to a temporary file while hashing it; its digest and size, or a problem (the file removed). */
const receive = (ctx: HubContext, tmp: string) =>
  Effect.gen(function* () {
    const hash = createHash("sha256")
    const fd = fs.openSync(tmp, "w", 0o600)
    let size = 0
    yield* Stream.runForEach(ctx.request.stream, (chunk) =>
      Effect.suspend(() => {
        size += chunk.byteLength
        if (size > HUB_LIMITS.maxUploadBytes) return Effect.fail(problem("payload_too_large", `Upload exceeds maximum size of ${HUB_LIMITS.maxUploadBytes} bytes`, { connection: "close" }))
        hash.update(chunk)
        fs.writeSync(fd, chunk)
        return Effect.void
      }),
    ).pipe(
      Effect.mapError((e): HubProblem => (e._tag === "HubProblem" ? e : problem("bad_request", "the upload could not be read"))),
      Effect.ensuring(Effect.sync(() => (fs.fsyncSync(fd), fs.closeSync(fd)))),
      Effect.tapError(() => Effect.sync(() => fs.rmSync(tmp, { force: true }))),
    )
    return { sha256: hash.digest("hex"), size }
  })

/**
 * `PUT …/files/{path}`: the bytes (streamed to disk and hashed; they must match the signed
 * Content-SHA256, then land in the content-addressed store), or with a JSON body only the file's
 * metadata (for files that live elsewhere: posix, s3, http).
 */
export const putFile = hubRoute({ streamBody: true }, (ctx) =>
  Effect.gen(function* () {
    const { hub, params, header } = ctx
    const id = params["id"]!
    const filePath = yield* filePathOf(params)
    const artifact = hub.store.artifact(id)
    if (artifact === undefined) return yield* problem("not_found", `Artifact ${id} not found`)
    if (artifact.status === "COMMITTED" || artifact.status === "FAILED") return yield* problem("conflict", `Artifact ${id} is ${artifact.status}; its files cannot change`)
    let file: { sha256: string; size: number; contentType: string; stored: boolean }
    if (isJsonContentType(header("content-type"))) {
      const meta = yield* decodeJson(FileMetadataUpload, ctx.body)
      file = { sha256: meta.sha256, size: meta.size_bytes ?? 0, contentType: meta.content_type ?? mediaTypeOf(filePath, undefined), stored: false }
    } else {
      if (artifact.residence !== "managed") return yield* problem("conflict", `Artifact ${id} is ${artifact.residence}: the hub stores no bytes for it; register the file's metadata (JSON) instead`)
      const declared = header(HEADERS.contentSha256)?.trim().toLowerCase()
      if (declared === undefined || !/^[0-9a-f]{64}$/.test(declared)) return yield* problem("bad_request", `${HEADERS.contentSha256} header (hex SHA-256 of the body) is required for binary uploads`)
      const tmp = hub.store.tmpPath()
      const got = yield* receive(ctx, tmp)
      if (got.sha256 !== declared) {
        fs.rmSync(tmp, { force: true })
        return yield* problem("bad_request", `${HEADERS.contentSha256} mismatch: header=${declared} computed=${got.sha256}`)
      }
      hub.store.adoptBlob(tmp, got.sha256)
      file = { sha256: got.sha256, size: got.size, contentType: mediaTypeOf(filePath, header("content-type")), stored: true }
    }
    const r = hub.store.putFile(id, { path: filePath, sha256: file.sha256, sizeBytes: file.size, contentType: file.contentType, stored: file.stored })
    if (r.kind !== "stored" && file.stored) hub.store.releaseBlob(file.sha256)
    if (r.kind === "not_found") return yield* problem("not_found", `Artifact ${id} not found`)
    if (r.kind === "closed") return yield* problem("conflict", `Artifact ${id} is ${r.status}; its files cannot change`)
    return jsonResponse({ id: r.file.id, artifact_id: id, path: filePath, sha256: r.file.sha256, size_bytes: r.file.size_bytes }, 201)
  }),
)

const quoteFileName = (filePath: string) => path.posix.basename(filePath).replace(/[^A-Za-z0-9._ -]/g, "_") || "file"

/**
 * `GET` (and `HEAD`, which the router serves from GET) `…/files/{path}`: the bytes, digest in
 * X-Content-SHA256. A stored file also answers one `Range` (206, or 416; see range.ts), streamed from its
 * blob; its ETag is the quoted digest, so `If-Range` holds exactly while the content is the same.
 */
export const getFile = hubRoute({}, ({ hub, params, request, header }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const filePath = yield* filePathOf(params)
    const artifact = hub.store.artifact(id)
    if (artifact === undefined) return yield* problem("not_found", `Artifact ${id} not found`)
    const f = hub.store.file(id, filePath)
    const headers = (size: number, type: string, sha: string) => ({
      "content-type": type,
      "content-length": String(size),
      "content-disposition": `attachment; filename="${quoteFileName(filePath)}"`,
      [HEADERS.xContentSha256.toLowerCase()]: sha,
    })
    if (f === undefined || f.stored === 0) {
      if (artifact.content_url !== null && request.method !== "HEAD") {
        return HttpServerResponse.empty({ status: 302, headers: { location: `${artifact.content_url.replace(/\/$/, "")}/${filePath}` } })
      }
      if (f === undefined) return yield* problem("not_found", `File ${filePath} not found in artifact ${id}`)
      if (request.method === "HEAD") return HttpServerResponse.empty({ status: 200, headers: headers(f.size_bytes, f.content_type, f.sha256) })
      return yield* problem("not_found", `File ${filePath} has no content stored in the hub`)
    }
    const etag = `"${f.sha256}"`
    const stored = { ...headers(f.size_bytes, f.content_type, f.sha256), "accept-ranges": "bytes", etag }
    // Range is defined for GET only (RFC 9110 §14.2): HEAD describes the whole file
    if (request.method === "HEAD") return HttpServerResponse.empty({ status: 200, headers: stored })
    const blob = Bun.file(hub.store.blobPath(f.sha256))
    const wanted = rangeOf(header("range"), header("if-range"), etag, f.size_bytes)
    if (wanted.kind === "unsatisfiable") {
      return yield* problem("range_not_satisfiable", `Range ${header("range")} is outside ${filePath} (${f.size_bytes} bytes)`, { "content-range": `bytes */${f.size_bytes}`, "accept-ranges": "bytes" })
    }
    // a sliced BunFile reads only that window of the blob, as it streams
    const part = wanted.kind === "partial" ? wanted : undefined
    const bytes = part === undefined ? blob : blob.slice(part.start, part.end + 1)
    const body = Stream.fromReadableStream({ evaluate: () => bytes.stream(), onError: (e) => e })
    if (part === undefined) return HttpServerResponse.stream(body, { contentType: f.content_type, contentLength: f.size_bytes, headers: stored })
    const length = part.end - part.start + 1
    return HttpServerResponse.stream(body, {
      status: 206,
      contentType: f.content_type,
      contentLength: length,
      headers: { ...stored, "content-length": String(length), "content-range": `bytes ${part.start}-${part.end}/${f.size_bytes}` },
    })
  }),
)

export const deleteFile = hubRoute({}, ({ hub, params }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const filePath = yield* filePathOf(params)
    const r = hub.store.deleteFile(id, filePath)
    if (r === "committed") return yield* problem("conflict", `Artifact ${id} is committed; its files cannot change`)
    if (r === "not_found") return yield* problem("not_found", `File ${filePath} not found in artifact ${id}`)
    return HttpServerResponse.empty({ status: 204 })
  }),
)

const hashFile = (file: string) =>
  Effect.promise(async () => {
    const h = createHash("sha256")
    for await (const chunk of Bun.file(file).stream()) h.update(chunk)
    return h.digest("hex")
  })

/**
 * `POST …/commit`: every stored file's bytes are read again and must still match their digest; then
 * the tree hash and total size of the files, which the client's `sha256`/`size_bytes` must equal.
 */
export const commitArtifact = hubRoute({}, ({ hub, params, body }) =>
  Effect.gen(function* () {
    const id = params["id"]!
    const req = yield* decodeJson(CommitRequest, body)
    if (hub.store.artifact(id) === undefined) return yield* problem("not_found", `Artifact ${id} not found`)
    for (const f of hub.store.allFiles(id)) {
      if (f.stored === 0) continue
      const blob = hub.store.blobPath(f.sha256)
      const actual = fs.existsSync(blob) ? yield* hashFile(blob) : "(missing)"
      if (actual !== f.sha256) return yield* problem("hash_mismatch", `stored bytes of ${f.path} no longer match their digest (expected ${f.sha256}, read ${actual}); upload the file again`)
    }
    const r = hub.store.commit(id, { sha256: req.sha256 ?? null, sizeBytes: req.size_bytes ?? null })
    switch (r.kind) {
      case "committed":
        return jsonResponse(artifactView(r.artifact))
      case "not_found":
        return yield* problem("not_found", `Artifact ${id} not found`)
      case "wrong_state":
        return yield* problem("conflict", `Artifact ${id} cannot be committed from status ${r.status}`)
      case "empty":
        return yield* problem("conflict", `Artifact ${id} has no files to commit`)
      case "hash_mismatch":
        return yield* problem("hash_mismatch", `client=${r.client} computed=${r.computed}`)
      case "size_mismatch":
        return yield* problem("hash_mismatch", `size_bytes: client=${r.client} computed=${r.computed}`)
    }
  }),
)
