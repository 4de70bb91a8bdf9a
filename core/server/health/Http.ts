import { Effect } from "effect"
import { errorBody } from "../../errors/index.ts"
import { Predictor } from "../../pipeline/Predictor.ts"
import type { HealthResponse } from "../domain/Api.ts"
import { jsonResponse } from "../http/Problem.ts"
import type { Handler } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"

const safely = (f: () => boolean) => {
  try {
    return f()
  } catch {
    return false
  }
}

/**
 * `GET /v1/health`: always 200 and never waits for the model, like the Python backend: `status` is
 * `initializing` while the model loads, `ok` once it is ready, and `failed` (with the error) when loading
 * failed — a periogt addition, where the Python backend would have stayed `initializing`.
 */
export const health: Handler = () =>
  Effect.gen(function* () {
    const predictor = yield* Predictor
    const { environment } = yield* ServerConfig
    const status = predictor.status()
    const body: HealthResponse = {
      status: status.state === "ready" ? "ok" : status.state === "loading" ? "initializing" : "failed",
      model_loaded: status.state === "ready",
      checkpoints_present: safely(environment.checkpointsPresent),
      gpu_available: environment.gpuAvailable,
      ...(status.state === "failed" ? { error: { ...errorBody(status.error), details: status.error.details ?? null } } : {}),
    }
    return jsonResponse(body)
  })
