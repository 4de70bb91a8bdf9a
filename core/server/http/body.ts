import { ByteSize, Effect, Result, Schema, SchemaIssue } from "effect"
import { HttpIncomingMessage, HttpServerRequest } from "effect/http"
import { ValidationError } from "../../errors/index.ts"
import { HttpProblem, type ApiFailure } from "./Problem.ts"

const JSON_MEDIA = /^application\/(?:[a-z0-9.+-]+\+)?json$/

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const tooLarge = (limit: number, received?: number) =>
  new HttpProblem({
    code: "payload_too_large",
    message: `request body is larger than ${limit} bytes`,
    details: { limit_bytes: limit, ...(received === undefined ? {} : { content_length: received }) },
    headers: { connection: "close" },
  })

const invalidBody = (message: string, details: Record<string, unknown>) =>
  new ValidationError({ message, action: "send a JSON body of the shape documented at /docs", details })

/**
 * Reads a JSON request body and decodes it with `schema`, in the order FastAPI would reject it:
 * a wrong Content-Type is 415 (a missing one is read as JSON, as FastAPI does); a body over `maxBytes`
 * is 413 — refused from Content-Length before reading, and otherwise cut off while reading; malformed
 * JSON and a body that does not match the schema are 422 `validation_error`, with every issue listed.
 */
export const decodeJsonBody = <A>(schema: Schema.Decoder<A>, maxBytes: number): Effect.Effect<A, ApiFailure, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = request.headers["content-type"]
    if (contentType !== undefined) {
      const media = contentType.split(";")[0]!.trim().toLowerCase()
      if (!JSON_MEDIA.test(media)) {
        return yield* new HttpProblem({
          code: "unsupported_media_type",
          message: `Content-Type ${media === "" ? "(empty)" : media} is not supported; send application/json`,
          details: { content_type: media, supported: ["application/json"] },
        })
      }
    }
    const declared = request.headers["content-length"]
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) return yield* tooLarge(maxBytes, Number(declared))

    const bytes = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBytes)),
      Effect.mapError((e): ApiFailure =>
        e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge"
          ? tooLarge(maxBytes)
          : invalidBody("the request body could not be read", { reason: "unreadable_body" }),
      ),
    )
    if (bytes.byteLength === 0) return yield* invalidBody("a JSON request body is required", { reason: "missing_body" })
    let text: string
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes)
    } catch {
      return yield* invalidBody("the request body is not valid UTF-8", { reason: "invalid_utf8" })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      return yield* invalidBody(`the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { reason: "malformed_json" })
    }
    const decoded = Schema.decodeUnknownResult(schema)(json, { errors: "all" })
    if (Result.isSuccess(decoded)) return decoded.success
    const issues = formatter(decoded.failure.issue).issues.map((i) => ({
      path: (i.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? p.key : p)),
      message: i.message,
    }))
    const first = issues[0]
    const where = first === undefined || first.path.length === 0 ? "body" : first.path.join(".")
    return yield* invalidBody(`request body is not valid: ${where}: ${first?.message ?? "invalid"}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`, {
      reason: "invalid_body",
      issues,
    })
  })
