import { Data } from "effect"
import { HttpServerResponse } from "effect/http"
import { errorBody, type PeriogtError } from "../../errors/index.ts"
import type { ErrorResponse } from "../domain/Api.ts"

/**
 * Failures that belong to HTTP itself rather than to the periogt taxonomy (which covers what the
 * pipeline can say about an input or the installation). Their codes are stable too; README.md lists them.
 */
export const HTTP_CODES = {
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  job_not_finished: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_jobs: 429,
  model_loading: 503,
  jobs_unavailable: 503,
  hub_unavailable: 503,
  overloaded: 503,
  timeout: 504,
} as const
export type HttpCode = keyof typeof HTTP_CODES

export class HttpProblem extends Data.TaggedError("HttpProblem")<{
  readonly code: HttpCode
  readonly message: string
  readonly details?: Record<string, unknown>
  readonly headers?: Record<string, string>
}> {
  get status(): number {
    return HTTP_CODES[this.code]
  }
}

export type ApiFailure = HttpProblem | PeriogtError

export const statusOf = (e: ApiFailure): number => (e._tag === "HttpProblem" ? e.status : e.httpStatus)

/** The one error shape of every route: `{error: {code, message, details}, request_id}`; details is null when there are none. */
export const errorResponseBody = (e: ApiFailure, requestId: string): ErrorResponse =>
  e._tag === "HttpProblem"
    ? { error: { code: e.code, message: e.message, details: e.details ?? null }, request_id: requestId }
    : { error: { ...errorBody(e), details: e.details ?? null }, request_id: requestId }

export const jsonResponse = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json", headers })

export const errorResponse = (e: ApiFailure, requestId: string) =>
  jsonResponse(errorResponseBody(e, requestId), statusOf(e), e._tag === "HttpProblem" ? (e.headers ?? {}) : {})
