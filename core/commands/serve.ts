import { Effect } from "effect"
import { AppConfig } from "../config/index.ts"
import { Log } from "../log/index.ts"
import { prepareInference } from "../pipeline/prepare.ts"
import { backgroundPredictorLayer } from "../pipeline/PredictorLive.ts"
import { serverEnvironment, serveWith } from "../server/index.ts"

const LOOPBACK = /^(127\.|localhost$|::1$|\[::1\]$)/

/** `serve`: the checks of seed 001 §F3, then the /v1 API until SIGTERM/SIGINT (core/server). */
export const serveProgram = () =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (config.apiKey === undefined && !LOOPBACK.test(config.host.value)) {
      log.warn(`serving on ${config.host.value} without an API key: anyone who can reach this node can use it`, { action: "set PERIOGT_API_KEY or PERIOGT_API_KEY_FILE, or PERIOGT_HOST=127.0.0.1 behind an ssh tunnel" })
    }
    const prepared = yield* prepareInference("all")
    return yield* serveWith(backgroundPredictorLayer(prepared), serverEnvironment(prepared))
  })
