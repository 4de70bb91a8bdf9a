import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { Handler } from "../http/Route.ts"
import { Metrics } from "./Metrics.ts"

/** `GET /metrics`: Prometheus text exposition format 0.0.4. */
export const metrics: Handler = () =>
  Effect.gen(function* () {
    const m = yield* Metrics
    return HttpServerResponse.text(m.render(), { contentType: "text/plain; version=0.0.4; charset=utf-8" })
  })
