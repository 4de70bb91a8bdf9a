/**
 * What every /api/hpc route does before its own work, in EMX2's order: the hub must be enabled (else the
 * path answers as an unknown one would); the protocol headers are checked (400: API version, a UUID
 * X-Request-Id, a numeric X-Timestamp); the request's signature is verified with the shared secret
 * and the timestamp window (401); its nonce must be new (401, and then it is remembered — in SQLite, so a
 * restarted hub still refuses a replay inside the window); a worker route needs X-Worker-Id (400). Then
 * the handler runs, and a HubProblem becomes an RFC 9457 body. A rejected request changes nothing.
 */
import { randomUUID } from "node:crypto"
import { ByteSize, Cause, Effect, Redacted, Schema } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "effect/http"
import { API_VERSION, HEADERS, TIMESTAMP_WINDOW_SECONDS, isJsonContentType, verifyRequest } from "../../bridge/protocol/index.ts"
import { Log } from "../../log/index.ts"
import { makeApiKeyCheck } from "../http/auth.ts"
import { HttpProblem } from "../http/Problem.ts"
import type { Handler, HandlerServices, RequestContext } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { problem, problemResponse, type HubProblem } from "./errors.ts"
import { Hub, type HubShape } from "./Hub.ts"

/** JSON bodies of the protocol are small; file bytes are streamed separately (HUB_LIMITS.maxUploadBytes). */
export const HUB_LIMITS = {
  maxJsonBytes: 1024 * 1024,
  /** EMX2's default upload bound (MOLGENIS_HPC_MAX_UPLOAD_BYTES: 500 MB). */
  maxUploadBytes: 524_288_000,
} as const

export interface HubContext {
  readonly hub: HubShape
  readonly request: HttpServerRequest.HttpServerRequest
  readonly requestId: string
  readonly params: Readonly<Record<string, string>>
  readonly header: (name: string) => string | undefined
  readonly query: URLSearchParams
  /** The body, read for every route but a binary upload (which the handler streams itself). */
  readonly body: Uint8Array
  /** X-Worker-Id, when sent (required on worker routes). */
  readonly workerId: string | undefined
}

export interface HubRouteOptions {
  /** Health only: no headers, no signature. */
  readonly open?: boolean
  /** Register, heartbeat, claim, transition, complete: X-Worker-Id is required. */
  readonly worker?: boolean
  /** The binary upload: the body is left unread for the handler to stream. */
  readonly streamBody?: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Node lower-cases header names; one value per name. */
const headerOf = (request: HttpServerRequest.HttpServerRequest) => (name: string): string | undefined => {
  const v = request.headers[name.toLowerCase()]
  return v === undefined || v === "" ? undefined : v
}

const readBody = (request: HttpServerRequest.HttpServerRequest) =>
  request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(HUB_LIMITS.maxJsonBytes)),
    Effect.map((b) => new Uint8Array(b)),
    Effect.mapError((e) =>
      e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge"
        ? problem("payload_too_large", `request body over ${HUB_LIMITS.maxJsonBytes} bytes`, { connection: "close" })
        : problem("bad_request", "the request body could not be read"),
    ),
  )

const checkHeaders = (header: (name: string) => string | undefined): HubProblem | undefined => {
  const version = header(HEADERS.apiVersion)
  if (version === undefined) return problem("bad_request", `Missing required header ${HEADERS.apiVersion}; expected ${API_VERSION}`)
  if (version !== API_VERSION) return problem("bad_request", `Unsupported API version '${version}'; this server supports ${API_VERSION}`)
  const requestId = header(HEADERS.requestId)
  if (requestId === undefined) return problem("bad_request", `Missing required header ${HEADERS.requestId}`)
  if (!UUID.test(requestId)) return problem("bad_request", `Invalid ${HEADERS.requestId} format: expected UUID`)
  const timestamp = header(HEADERS.timestamp)
  if (timestamp === undefined) return problem("bad_request", `Missing required header ${HEADERS.timestamp}`)
  if (!/^\d+$/.test(timestamp.trim())) return problem("bad_request", `Invalid ${HEADERS.timestamp} format: expected unix epoch seconds`)
  return undefined
}

/** Disabled hub: the same answer as a path the server does not know (401 first when a key is set and missing). */
const asUnknownPath = Effect.gen(function* () {
  const config = yield* ServerConfig
  const request = yield* HttpServerRequest.HttpServerRequest
  const path = request.url.split("?")[0]!
  if (!makeApiKeyCheck(config.apiKey)(request.headers["x-api-key"])) return yield* new HttpProblem({ code: "unauthorized", message: "Invalid or missing X-Api-Key" })
  return yield* new HttpProblem({ code: "not_found", message: `no route ${path}`, details: { path } })
})

/** Wraps a hub handler with the protocol's checks and its error shape (see the module comment). */
export const hubRoute =
  (options: HubRouteOptions, run: (ctx: HubContext) => Effect.Effect<HttpServerResponse.HttpServerResponse, HubProblem, HandlerServices>): Handler =>
  ({ requestId, params }: RequestContext) =>
    Effect.gen(function* () {
      const hub = yield* Hub
      if (hub === undefined) return yield* asUnknownPath
      const request = yield* HttpServerRequest.HttpServerRequest
      const log = yield* Log
      const header = headerOf(request)
      const target = request.url
      const query = new URL(target, "http://hub.invalid").searchParams
      const guarded = Effect.gen(function* () {
        if (options.open === true) return yield* run({ hub, request, requestId, params, header, query, body: new Uint8Array(0), workerId: header(HEADERS.workerId) })
        const bad = checkHeaders(header)
        if (bad !== undefined) return yield* bad
        // a binary upload is signed by its Content-SHA256 and streamed by the handler; a JSON body is read here
        const streaming = options.streamBody === true && !isJsonContentType(header("content-type"))
        const body = streaming ? new Uint8Array(0) : yield* readBody(request)
        const declaredLength = header("content-length")
        const bodyPresent = streaming ? header("transfer-encoding") !== undefined || (declaredLength !== undefined && declaredLength !== "0") : body.byteLength > 0
        const verdict = verifyRequest({
          method: request.method,
          path: target,
          headers: header,
          body,
          bodyPresent,
          secret: Redacted.value(hub.secret),
          now: Math.floor(Date.now() / 1000),
        })
        if (!verdict.ok) {
          log.warn(`hub: ${request.method} ${target.split("?")[0]} refused: ${verdict.reason}`, { request_id: requestId, reason: verdict.reason })
          return yield* problem("unauthorized", `HMAC auth failed at ${target.split("?")[0]}: ${verdict.message}`)
        }
        // signature first, so requests without the secret cannot fill the nonce table
        if (!hub.store.rememberNonce(verdict.nonce, verdict.timestamp, Math.floor(Date.now() / 1000) - TIMESTAMP_WINDOW_SECONDS)) {
          log.warn(`hub: ${request.method} ${target.split("?")[0]} refused: replayed nonce`, { request_id: requestId })
          return yield* problem("unauthorized", `HMAC auth failed at ${target.split("?")[0]}: Duplicate nonce (possible replay attack)`)
        }
        const workerId = header(HEADERS.workerId)
        if (options.worker === true && workerId === undefined) return yield* problem("bad_request", `Missing required header ${HEADERS.workerId}`)
        return yield* run({ hub, request, requestId, params, header, query, body, workerId })
      })
      // X-Trace-Id spans a logical operation (a job's life): echoed, or one is made, as EMX2 does
      const traceId = header(HEADERS.traceId) ?? randomUUID()
      return yield* guarded.pipe(
        Effect.catchTag("HubProblem", (e) => Effect.succeed(problemResponse(e, requestId))),
        Effect.catchCause((cause) => {
          if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
          log.error("hub: request failed unexpectedly", { request_id: requestId, cause: Cause.pretty(cause) })
          return Effect.succeed(problemResponse(problem("internal_error", "unexpected failure in the hub; see the server log"), requestId))
        }),
        Effect.map((r) => HttpServerResponse.setHeader(r, HEADERS.traceId.toLowerCase(), traceId)),
      )
    })

/** Parses and checks a JSON body against its Schema (an empty body is `{}`, as EMX2's daemon sends none on some POSTs). */
export const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, body: Uint8Array): Effect.Effect<S["Type"], HubProblem> =>
  Effect.gen(function* () {
    const text = new TextDecoder().decode(body).trim()
    let json: unknown = {}
    if (text !== "") {
      try {
        json = JSON.parse(text)
      } catch (e) {
        return yield* problem("bad_request", `malformed JSON: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
    const decoded = Schema.decodeUnknownResult(schema as never)(json)
    if (decoded._tag === "Failure") return yield* problem("bad_request", `invalid request body: ${String((decoded.failure as { message?: string }).message ?? decoded.failure)}`)
    return decoded.success as S["Type"]
  })
