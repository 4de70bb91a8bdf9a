import type { Effect, Schema } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Log } from "../../log/index.ts"
import type { Predictor } from "../../pipeline/Predictor.ts"
import type { Coalescer } from "../batching/Coalescer.ts"
import type { Hub } from "../hpc/Hub.ts"
import type { Jobs } from "../jobs/Jobs.ts"
import type { Metrics } from "../metrics/Metrics.ts"
import type { ServerConfig } from "../ServerConfig.ts"
import type { ApiFailure } from "./Problem.ts"
import type { RDKitRuntime } from "../../runtime/services.ts"

export interface RequestContext {
  readonly requestId: string
  /** Values of the path's `{name}` segments. */
  readonly params: Readonly<Record<string, string>>
}

export type HandlerServices = HttpServerRequest.HttpServerRequest | Predictor | Coalescer | ServerConfig | Metrics | Log | Jobs | Hub | RDKitRuntime

export type Handler = (ctx: RequestContext) => Effect.Effect<HttpServerResponse.HttpServerResponse, ApiFailure, HandlerServices>

export interface ResponseDoc {
  readonly description: string
  readonly schema?: Schema.Top
  /** Defaults to application/json. */
  readonly contentType?: string
}

/**
 * One route: what serves it and what documents it. The router, the auth rule and /openapi.json all
 * read the same table (routes.ts), so the document cannot drift from what is served.
 */
export interface RouteSpec {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  /** Exact, or a template with `{name}` segments (e.g. `/v1/jobs/{id}`). */
  readonly path: string
  /** Served without `X-Api-Key` even when a key is configured. */
  readonly public: boolean
  readonly tag: string
  readonly summary: string
  readonly description?: string
  readonly request?: Schema.Top
  /** A body that is not JSON (documented, read by the handler itself). */
  readonly rawRequest?: { readonly contentType: string; readonly description: string }
  readonly query?: ReadonlyArray<{ readonly name: string; readonly description: string; readonly required?: boolean }>
  /** Left out of /openapi.json (the web page and its assets). */
  readonly hidden?: boolean
  readonly responses: Readonly<Record<number, ResponseDoc>>
  readonly handler: Handler
}
