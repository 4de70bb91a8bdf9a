import * as fs from "node:fs"
import { createHash } from "node:crypto"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { InternalError, ValidationError, type PeriogtError } from "../../errors/index.ts"
import { sha256OfFile } from "../../io/sha256.ts"
import { PERIOGT_VERSION } from "../../version/version.ts"
import { Artifact, FileList, FileUploaded, HeartbeatResponse, HEADERS, Job, JobList, paths, Problem, signRequest, Worker, type Capability, type JobStatus, type TransitionRequest } from "../protocol/index.ts"

/**
 * The bridge's side of the EMX2 HPC protocol: every request signed (HMAC-SHA256 over method, path,
 * body hash, timestamp and nonce, with the worker's shared secret), every answer Schema-decoded. The
 * bridge only ever calls out: nothing listens on the head node.
 *
 * Failures are periogt errors carrying `details.reason` and, for an answer, `details.status`, so the
 * daemon can tell "someone else claimed it" (409) from "the hub is down" (hub_unreachable) without
 * parsing messages: 401 → hub_auth_failed, 403 → hub_forbidden, 404 → hub_not_found, 409 →
 * hub_conflict, other 4xx → hub_refused, 5xx → hub_error.
 */
export interface HubClientOptions {
  readonly baseUrl: string
  readonly workerId: string
  readonly secret: string
  readonly timeoutMs: number
}

export const USER_AGENT = `periogt-bridge/${PERIOGT_VERSION}`

/** The HTTP status of a hub answer an error came from, if it came from one. */
export const hubStatusOf = (e: PeriogtError): number | undefined => (typeof e.details?.["status"] === "number" ? (e.details["status"] as number) : undefined)
export const hubReasonOf = (e: PeriogtError): string | undefined => (typeof e.details?.["reason"] === "string" ? (e.details["reason"] as string) : undefined)

const REASONS: Record<number, string> = { 401: "hub_auth_failed", 403: "hub_forbidden", 404: "hub_not_found", 409: "hub_conflict" }


export const makeHubClient = (o: HubClientOptions) => {
  const origin = new URL(o.baseUrl)
  // A hub behind a path prefix (https://host/periogt) signs the full path the server sees.
  const prefix = origin.pathname.replace(/\/+$/, "")
  const target = (p: string) => `${prefix}${p}`

  const answerError = (method: string, p: string, status: number, text: string): PeriogtError => {
    let detail = text.trim().slice(0, 500)
    try {
      const problem = Schema.decodeUnknownSync(Problem)(JSON.parse(text))
      detail = problem.detail
    } catch {
      // not a problem body: keep the text
    }
    const reason = REASONS[status] ?? (status >= 500 ? "hub_error" : "hub_refused")
    const details = { reason, status, method, path: p, hub_said: detail }
    if (status === 401) return new ValidationError({ message: `the hub refused the bridge's credentials (401 on ${method} ${p}: ${detail})`, action: "check bridge.worker_id and that bridge.secret_file holds the secret the hub has for this worker", details })
    if (status === 403) return new ValidationError({ message: `the hub does not allow worker ${o.workerId} to ${method} ${p} (403: ${detail})`, action: "ask the hub's operator to allow this worker", details })
    if (status >= 500) return new InternalError({ message: `the hub failed on ${method} ${p} (${status}: ${detail})`, action: "retry later; the hub's log says why", details })
    return new ValidationError({ message: `the hub answered ${status} to ${method} ${p}: ${detail}`, action: "see the hub's answer", details })
  }

  /**
   * One signed request; the raw answer (status, headers, bytes) for the caller to decode. A file body is
   * streamed from disk and signed by its digest (`Content-SHA256`); with `saveTo`, a 200 answer's body is
   * streamed there (through `<saveTo>.part`) and hashed on the way instead of being held in memory.
   */
  const send = (method: string, p: string, body?: { json: unknown } | { file: string; sha256: string; contentType: string }, saveTo?: string) =>
    Effect.tryPromise({
      try: async () => {
        const json = body !== undefined && "json" in body ? JSON.stringify(body.json) : undefined
        const file = body !== undefined && "file" in body ? body : undefined
        const headers = signRequest({
          method,
          path: target(p),
          secret: o.secret,
          workerId: o.workerId,
          ...(json !== undefined ? { body: json } : {}),
          ...(file !== undefined ? { bodyHash: file.sha256, contentType: file.contentType } : {}),
        })
        const res = await fetch(new URL(target(p), origin), {
          method,
          headers: { ...headers, "User-Agent": USER_AGENT },
          ...(json !== undefined ? { body: json } : file !== undefined ? { body: Bun.file(file.file) } : {}),
          redirect: "manual",
          signal: AbortSignal.timeout(file !== undefined || saveTo !== undefined ? Math.max(o.timeoutMs, 3_600_000) : o.timeoutMs),
        })
        if (saveTo !== undefined && res.status === 200 && res.body !== null) {
          const part = `${saveTo}.part`
          const h = createHash("sha256")
          const out = fs.createWriteStream(part)
          let size = 0
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            h.update(chunk)
            size += chunk.byteLength
            if (!out.write(chunk)) await new Promise((r) => out.once("drain", r))
          }
          await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
          fs.renameSync(part, saveTo)
          return { status: res.status, headers: res.headers, bytes: new Uint8Array(0), sha256: h.digest("hex"), size }
        }
        return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()), sha256: undefined as string | undefined, size: undefined as number | undefined }
      },
      catch: (e) =>
        saveTo !== undefined && /^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException).code))
          ? new ValidationError({ message: `cannot write ${saveTo}: ${(e as Error).message}`, action: "check the bridge's state directory (free space, permissions)", details: { reason: "state_dir_unwritable", path: saveTo } })
          : new ValidationError({
          message: `the hub at ${o.baseUrl} cannot be reached (${method} ${p}): ${e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e)}`,
          action: "check bridge.hub_url, the network from this node (an HTTP(S) proxy?), and that the hub runs",
          details: { reason: "hub_unreachable", method, path: p, url: o.baseUrl },
        }),
    })

  /** A JSON request whose 2xx answer decodes with `schema`. */
  const call = <S extends Schema.Top>(schema: S, method: string, p: string, json?: unknown): Effect.Effect<S["Type"], PeriogtError, S["DecodingServices"]> =>
    Effect.gen(function* () {
      const r = yield* send(method, p, json === undefined ? undefined : { json })
      const text = new TextDecoder().decode(r.bytes)
      if (r.status < 200 || r.status >= 300) return yield* Effect.fail(answerError(method, p, r.status, text))
      let parsed: unknown
      try {
        parsed = text === "" ? {} : JSON.parse(text)
      } catch {
        return yield* new InternalError({ message: `the hub's answer to ${method} ${p} is not JSON`, action: "check that bridge.hub_url is a periogt hub or an EMX2 server", details: { reason: "hub_bad_answer", path: p } })
      }
      const decoded = Schema.decodeUnknownResult(schema as unknown as Schema.Codec<S["Type"], unknown>)(parsed)
      if (Result.isFailure(decoded)) {
        return yield* new InternalError({ message: `the hub's answer to ${method} ${p} is not what the protocol says: ${decoded.failure.message}`, action: "check that the hub speaks the EMX2 HPC protocol version this periogt speaks", details: { reason: "hub_bad_answer", path: p } })
      }
      return decoded.success
    }) as Effect.Effect<S["Type"], PeriogtError, S["DecodingServices"]>

  return {
    workerId: o.workerId,
    health: () =>
      send("GET", paths.health).pipe(
        Effect.flatMap((r) => (r.status === 200 ? Effect.void : Effect.fail(answerError("GET", paths.health, r.status, new TextDecoder().decode(r.bytes))))),
      ),
    register: (hostname: string, capabilities: ReadonlyArray<Capability>) => call(Worker, "POST", paths.register, { worker_id: o.workerId, hostname, capabilities }),
    heartbeat: () => call(HeartbeatResponse, "POST", paths.heartbeat(o.workerId), {}),
    listJobs: (q: { readonly status: JobStatus; readonly processor?: string; readonly profile?: string; readonly limit?: number }) => {
      const qs = new URLSearchParams({ status: q.status, ...(q.processor === undefined ? {} : { processor: q.processor }), ...(q.profile === undefined ? {} : { profile: q.profile }), limit: String(q.limit ?? 100) })
      return call(JobList, "GET", `${paths.jobs}?${qs.toString()}`)
    },
    job: (id: string) => call(Job, "GET", paths.job(encodeURIComponent(id))),
    claim: (id: string) => call(Job, "POST", paths.claim(encodeURIComponent(id)), {}),
    transition: (id: string, t: TransitionRequest) => call(Job, "POST", paths.transition(encodeURIComponent(id)), t),
    artifact: (id: string) => call(Artifact, "GET", paths.artifact(encodeURIComponent(id))),
    files: (id: string) => call(FileList, "GET", `${paths.files(encodeURIComponent(id))}?limit=1000`),
    createArtifact: (name: string, type: string) => call(Artifact, "POST", paths.artifacts, { name, type, residence: "managed" }),
    commitArtifact: (id: string, sha: string, size: number) => call(Artifact, "POST", paths.commit(encodeURIComponent(id)), { sha256: sha, size_bytes: size }),
    /** Uploads a file (streamed from disk, hashed first); the hub's digest of what it stored must equal ours. */
    upload: (id: string, filePath: string, file: string, contentType: string) =>
      Effect.gen(function* () {
        const digest = yield* Effect.tryPromise({ try: () => sha256OfFile(file), catch: (e) => new InternalError({ message: `cannot read ${file}: ${(e as Error).message}`, action: "check the bridge's state directory", cause: e }) })
        const p = paths.file(encodeURIComponent(id), filePath.split("/").map(encodeURIComponent).join("/"))
        const r = yield* send("PUT", p, { file, sha256: digest.sha256, contentType })
        const text = new TextDecoder().decode(r.bytes)
        if (r.status < 200 || r.status >= 300) return yield* Effect.fail(answerError("PUT", p, r.status, text))
        const up = yield* Effect.try({ try: () => Schema.decodeUnknownSync(FileUploaded)(JSON.parse(text)), catch: () => new InternalError({ message: `the hub's answer to PUT ${p} is not what the protocol says`, action: "check the hub", details: { reason: "hub_bad_answer", path: p } }) })
        if (up.sha256 !== digest.sha256) return yield* new InternalError({ message: `the hub stored ${filePath} with SHA-256 ${up.sha256}, not ${digest.sha256}`, action: "the upload was damaged on the way; it is retried", details: { reason: "upload_hash_mismatch", path: p } })
        return digest
      }),
    /** Downloads a file to `dest` (streamed to a temporary sibling, hashed on the way, renamed), with the hub's declared digest. */
    download: (id: string, filePath: string, dest: string) =>
      Effect.gen(function* () {
        const p = paths.file(encodeURIComponent(id), filePath.split("/").map(encodeURIComponent).join("/"))
        const r = yield* send("GET", p, undefined, dest)
        if (r.status !== 200) return yield* Effect.fail(answerError("GET", p, r.status, new TextDecoder().decode(r.bytes)))
        return { sha256: r.sha256!, size: r.size!, declared: r.headers.get(HEADERS.xContentSha256) ?? undefined }
      }),
  }
}

export type HubClient = ReturnType<typeof makeHubClient>

/** The hub client as a service: the command provides it at the edge (a test or another transport can provide another). */
export class BridgeHub extends Context.Service<BridgeHub, HubClient>()("periogt/bridge/Hub") {}

export const bridgeHubLayer = (o: HubClientOptions) => Layer.succeed(BridgeHub, makeHubClient(o))
