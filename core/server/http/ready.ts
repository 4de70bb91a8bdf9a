import { Effect } from "effect"
import { Predictor } from "../../pipeline/Predictor.ts"
import { Metrics } from "../metrics/Metrics.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { HttpProblem, type ApiFailure } from "./Problem.ts"

/**
 * The gate of every route that needs the model: 503 `model_loading` with Retry-After while it loads
 * (as the Python backend answers during initialization), the load failure itself once it failed.
 */
export const requireModel: Effect.Effect<void, ApiFailure, Predictor | ServerConfig | Metrics> = Effect.gen(function* () {
  const predictor = yield* Predictor
  const status = predictor.status()
  if (status.state === "ready") return
  if (status.state === "failed") return yield* Effect.fail(status.error)
  const { limits } = yield* ServerConfig
  ;(yield* Metrics).rejectedRequest("model_loading")
  return yield* new HttpProblem({
    code: "model_loading",
    message: "Model initialization in progress. Please retry shortly.",
    details: { retry_after_s: limits.retryAfterLoadingS },
    headers: { "retry-after": String(limits.retryAfterLoadingS) },
  })
})
