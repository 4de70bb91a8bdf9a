import { Effect, type Layer } from "effect"
import { AppConfig } from "../config/index.ts"
import type { PeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { engineUnavailable, prepareInference, type Prepared } from "../pipeline/prepare.ts"
import type { Predictor } from "../pipeline/Predictor.ts"
import { serverEnvironment, serveWith } from "../server/index.ts"

const LOOPBACK = /^(127\.|localhost$|::1$|\[::1\]$)/

/**
 * The Predictor `serve` runs. The network engine is not part of this build, so this fails with
 * `engineUnavailable` and `serve` stops before binding (exit 2, model_load_failed) — the server never
 * answers with made-up numbers. When the engine lands, return its layer here; nothing else changes.
 */
const predictorLayerFor = (prepared: Prepared): Effect.Effect<Layer.Layer<Predictor, PeriogtError>, PeriogtError> => engineUnavailable(prepared)

/** `serve`: the checks of seed 001 §F3, then the /v1 API until SIGTERM/SIGINT (core/server). */
export const serveProgram = () =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (config.apiKey === undefined && !LOOPBACK.test(config.host.value)) {
      log.warn(`serving on ${config.host.value} without an API key: anyone who can reach this node can use it`, { action: "set PERIOGT_API_KEY or PERIOGT_API_KEY_FILE, or PERIOGT_HOST=127.0.0.1 behind an ssh tunnel" })
    }
    const prepared = yield* prepareInference("all")
    const predictor = yield* predictorLayerFor(prepared)
    return yield* serveWith(predictor, serverEnvironment(prepared))
  })
