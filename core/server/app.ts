import { Cause, Effect, Exit } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { toPeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { makeApiKeyCheck } from "./http/auth.ts"
import { errorResponse, HttpProblem, statusOf, type ApiFailure } from "./http/Problem.ts"
import { requestIdFrom } from "./http/requestId.ts"
import type { HandlerServices, RouteSpec } from "./http/Route.ts"
import { Metrics } from "./metrics/Metrics.ts"
import { ServerConfig } from "./ServerConfig.ts"

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/**
 * The whole HTTP application: one effect per request that, in order, assigns the request id, checks
 * the API key (except on public routes), finds the route (404 for an unknown path; 405 with Allow for
 * a known path and another method; OPTIONS answers 204 with Allow; HEAD is served as GET), runs the
 * handler, and turns every failure — typed or defect — into the one error shape. Every response carries
 * X-Request-Id and is counted in /metrics.
 */
export const makeApp = (routes: ReadonlyArray<RouteSpec>) =>
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const metrics = yield* Metrics
    const log = yield* Log
    const authorized = makeApiKeyCheck(config.apiKey)
    const byPath = new Map<string, Map<string, RouteSpec>>()
    for (const r of routes) byPath.set(r.path, (byPath.get(r.path) ?? new Map()).set(r.method, r))
    // Templates (`/v1/jobs/{id}`): a segment matches one non-empty path segment.
    const templates = [...byPath.entries()]
      .filter(([p]) => p.includes("{"))
      .map(([p, methods]) => {
        const names: Array<string> = []
        const source = p.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), "([^/]+)"))
        return { path: p, methods, names, regex: new RegExp(`^${source}$`) }
      })
    const match = (path: string): { readonly path: string; readonly methods: Map<string, RouteSpec>; readonly params: Record<string, string> } | undefined => {
      const exact = byPath.get(path)
      if (exact !== undefined) return { path, methods: exact, params: {} }
      for (const t of templates) {
        const m = t.regex.exec(path)
        if (m === null) continue
        const params: Record<string, string> = {}
        let ok = true
        t.names.forEach((n, i) => {
          try {
            params[n] = decodeURIComponent(m[i + 1]!)
          } catch {
            ok = false
          }
        })
        if (ok) return { path: t.path, methods: t.methods, params }
      }
      return undefined
    }
    const allowOf = (methods: Map<string, RouteSpec>) => {
      const m = [...methods.keys()]
      if (m.includes("GET")) m.push("HEAD")
      return [...m, "OPTIONS"].join(", ")
    }

    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = performance.now()
      metrics.requestStarted()
      const requestId = requestIdFrom(request.headers["x-request-id"])
      const method = request.method.toUpperCase()
      const path = request.url.split("?")[0]!.split("#")[0]!
      const matched = match(path)
      const methods = matched?.methods
      const routeLabel = matched === undefined ? "unmatched" : matched.path
      const methodLabel = KNOWN_METHODS.has(method) ? method : "OTHER"
      const route = methods?.get(method === "HEAD" ? "GET" : method)

      const dispatch: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiFailure, HandlerServices> = Effect.gen(function* () {
        const isPublic = methods !== undefined && [...methods.values()].every((r) => r.public)
        if (!isPublic && !authorized(request.headers["x-api-key"])) {
          return yield* new HttpProblem({ code: "unauthorized", message: "Invalid or missing X-Api-Key" })
        }
        if (methods === undefined) return yield* new HttpProblem({ code: "not_found", message: `no route ${path}`, details: { path } })
        if (route === undefined) {
          if (method === "OPTIONS") return HttpServerResponse.empty({ status: 204, headers: { allow: allowOf(methods) } })
          return yield* new HttpProblem({
            code: "method_not_allowed",
            message: `${method} is not allowed on ${path}`,
            details: { method, allowed: [...methods.keys()] },
            headers: { allow: allowOf(methods) },
          })
        }
        return yield* route.handler({ requestId, params: matched?.params ?? {} })
      })

      const response = yield* dispatch.pipe(
        Effect.catchCause((cause) => {
          const failure = Cause.findErrorOption(cause)
          if (failure._tag === "Some") {
            const e = failure.value
            if (statusOf(e) >= 500 && e._tag !== "HttpProblem") {
              log.error(`${e.code}: ${e.message}`, { request_id: requestId, route: routeLabel })
              if (e.cause !== undefined) log.debug("cause", { request_id: requestId, cause: e.cause instanceof Error ? e.cause.stack : String(e.cause) })
            }
            return Effect.succeed(errorResponse(e, requestId))
          }
          if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
          const error = toPeriogtError(Cause.squash(cause))
          log.error("request failed unexpectedly", { request_id: requestId, route: routeLabel, cause: Cause.pretty(cause) })
          return Effect.succeed(errorResponse(error, requestId))
        }),
        Effect.map((r) => {
          const headers: Record<string, string> = { "x-request-id": requestId }
          if (config.state.draining) headers["connection"] = "close"
          return HttpServerResponse.setHeaders(r, headers)
        }),
        Effect.onExit((exit) =>
          Effect.sync(() => {
            const status = Exit.isSuccess(exit) ? exit.value.status : 499 // the client went away first
            const seconds = (performance.now() - started) / 1000
            metrics.requestFinished(routeLabel, methodLabel, status, seconds)
            // 503 is back-pressure or loading, counted in /metrics; logging each one would flood the log under load.
            if (status >= 500 && status !== 503) log.warn(`${method} ${path} ${status}`, { request_id: requestId, ms: Math.round(seconds * 1000) })
            else log.debug(`${method} ${path} ${status}`, { request_id: requestId, ms: Math.round(seconds * 1000) })
          }),
        ),
      )
      return response
    })
  })
