/**
 * The hub's failures. EMX2's clients read RFC 9457 problem bodies (`{type, title, status, detail,
 * instance}`) and branch on the status (its daemon: 404, 409, else raise), so the hub answers in that
 * shape, not in the /v1 API's `{error: {code, …}}`; the stable `code` rides along as an extension member.
 * These are HTTP-level codes of the /api/hpc family, like the /v1 API's HTTP_CODES (http/Problem.ts);
 * anything unexpected is the taxonomy's `internal_error`.
 */
import { Data } from "effect"
import { HttpServerResponse } from "effect/http"
import type { Problem } from "../../bridge/protocol/index.ts"

export const HUB_CODES = {
  bad_request: { status: 400, title: "Bad Request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  not_found: { status: 404, title: "Not Found" },
  conflict: { status: 409, title: "Conflict" },
  hash_mismatch: { status: 409, title: "Hash Mismatch" },
  /** DELETE of an artifact a live job names (input, output or log): cancel or finish the job first. */
  artifact_in_use: { status: 409, title: "Conflict" },
  /** DELETE of a worker holding CLAIMED/SUBMITTED/STARTED jobs: cancel them first. */
  worker_busy: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload Too Large" },
  range_not_satisfiable: { status: 416, title: "Range Not Satisfiable" },
  internal_error: { status: 500, title: "Internal Server Error" },
} as const
export type HubCode = keyof typeof HUB_CODES

export class HubProblem extends Data.TaggedError("HubProblem")<{
  readonly code: HubCode
  readonly detail: string
  readonly headers?: Record<string, string>
}> {
  get status(): number {
    return HUB_CODES[this.code].status
  }
  get title(): string {
    return HUB_CODES[this.code].title
  }
}

export const problem = (code: HubCode, detail: string, headers?: Record<string, string>) => new HubProblem({ code, detail, ...(headers === undefined ? {} : { headers }) })

export const problemBody = (e: HubProblem, requestId: string): Problem & { readonly code: HubCode } => ({
  type: "about:blank",
  title: e.title,
  status: e.status,
  detail: e.detail,
  instance: `urn:request:${requestId}`,
  code: e.code,
})

export const problemResponse = (e: HubProblem, requestId: string) =>
  HttpServerResponse.text(JSON.stringify(problemBody(e, requestId)), { status: e.status, contentType: "application/problem+json", headers: e.headers ?? {} })
