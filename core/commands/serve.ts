import * as net from "node:net"
import { Effect } from "effect"
import { AppConfig, describeSource } from "../config/index.ts"
import { ValidationError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { prepareInference } from "../pipeline/prepare.ts"
import { demoPredictorLayer } from "../pipeline/demoPredictor.ts"
import { backgroundPredictorLayer } from "../pipeline/PredictorLive.ts"
import { serverEnvironment, serveWith } from "../server/index.ts"

/** Whether `host` is reachable from this machine only: 127.0.0.0/8, ::1, localhost. */
export const isLoopbackHost = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "")
  if (h === "localhost" || h.endsWith(".localhost")) return true
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h
  if (net.isIPv4(v4)) return v4.startsWith("127.")
  if (net.isIPv6(h)) return new URL(`http://[${h}]/`).hostname === "[::1]"
  return false
}

export interface ServeOptions {
  /** Serve on a non-loopback address without an API key anyway. */
  readonly allowUnauthenticated?: boolean
  /** Serve the embedded demonstration model (no checkpoints needed); every result says so. */
  readonly demo?: boolean
}

/** `serve`: refuses an address other than loopback without an API key (unless told to), then the /v1 API until SIGTERM/SIGINT (core/server). */
export const serveProgram = (o: ServeOptions = {}) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const host = config.host.value
    if (config.apiKey === undefined && !isLoopbackHost(host)) {
      if (o.allowUnauthenticated !== true) {
        return yield* new ValidationError({
          message: `refusing to serve on ${host} without an API key: anyone who can reach this node could use the server`,
          action: "set PERIOGT_API_KEY or PERIOGT_API_KEY_FILE (clients send it as X-Api-Key), or serve on 127.0.0.1 behind an ssh tunnel (--host 127.0.0.1), or pass --allow-unauthenticated to serve without a key anyway",
          details: { host, from: describeSource(config.host.source), option: "--allow-unauthenticated" },
        })
      }
      log.warn(`serving on ${host} without an API key (--allow-unauthenticated): anyone who can reach this node can use it`, { action: "set PERIOGT_API_KEY or PERIOGT_API_KEY_FILE, or PERIOGT_HOST=127.0.0.1 behind an ssh tunnel" })
    }
    if (o.demo === true) {
      log.warn("serve --demo: the DEMONSTRATION model (untrained synthetic weights); its outputs are not PerioGT predictions, and the page says so on every result")
      return yield* serveWith(demoPredictorLayer, { checkpointsPresent: () => false, gpuAvailable: false }, { demo: true })
    }
    const prepared = yield* prepareInference("all")
    return yield* serveWith(backgroundPredictorLayer(prepared), serverEnvironment(prepared))
  })
