import { createServer } from "node:http"
import * as path from "node:path"
import type { AddressInfo } from "node:net"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Duration, Effect, Layer, Result, type Scope } from "effect"
import { HttpServer } from "effect/http"
import { requireArtifacts } from "../artifacts/index.ts"
import { AppConfig, type PeriogtConfig } from "../config/index.ts"
import { EXIT, ValidationError, type PeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import type { Prepared } from "../pipeline/prepare.ts"
import { Predictor } from "../pipeline/Predictor.ts"
import { makeApp } from "./app.ts"
import { Coalescer, coalescerLayer } from "./batching/Coalescer.ts"
import { hubLayer } from "./hpc/Hub.ts"
import { Jobs, jobsLayer } from "./jobs/Jobs.ts"
import { SERVER_LIMITS } from "./limits.ts"
import { Metrics, ServerMetrics } from "./metrics/Metrics.ts"
import { ROUTES } from "./routes.ts"
import { ServerConfig, type ServerEnvironment, type ServerSettings } from "./ServerConfig.ts"
import { RDKitRuntime } from "../runtime/services.ts"

export interface ServerInfo {
  readonly host: string
  readonly port: number
  /** Base URL, e.g. http://127.0.0.1:8000 */
  readonly url: string
}

export class RunningServer extends Context.Service<RunningServer, ServerInfo>()("periogt/server/RunningServer") {}

const urlOf = (host: string, port: number) => {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`
}

/**
 * Starts the HTTP server in the current scope and returns where it listens. Closing the scope shuts
 * it down gracefully: responses switch to `Connection: close` and idle keep-alive connections are
 * closed, the listener stops accepting, requests in flight finish (up to `shutdownGraceMs`) — their
 * queued items still run — then the Coalescer and the Predictor layer are released.
 */
export const startServer = <E, R>(predictorLayer: Layer.Layer<Predictor, E, R>, settings: ServerSettings): Effect.Effect<ServerInfo, E | PeriogtError, R | Log | RDKitRuntime | Scope.Scope> =>
  Effect.gen(function* () {
    const log = yield* Log
    const rdkitRuntime = yield* RDKitRuntime
    const state = { draining: false }
    const base = Layer.mergeAll(Layer.succeed(ServerConfig, { ...settings, state }), Layer.sync(Metrics, () => new ServerMetrics()))
    const engine = coalescerLayer(settings.limits).pipe(Layer.provideMerge(predictorLayer), Layer.provideMerge(base))
    // the hub after the jobs layer, which takes the job directory's one-server lock first
    const services = yield* Layer.build(hubLayer.pipe(Layer.provideMerge(jobsLayer.pipe(Layer.provideMerge(engine)))))

    const metrics = Context.get(services, Metrics)
    const coalescer = Context.get(services, Coalescer)
    const predictor = Context.get(services, Predictor)
    const jobs = Context.get(services, Jobs)
    metrics.setGauges({
      queueDepth: coalescer.depth,
      queueCapacity: () => settings.limits.queueCapacity,
      inflightBatches: coalescer.inflight,
      modelLoaded: () => predictor.status().state === "ready",
      ...(jobs.store === undefined ? {} : { jobs: () => jobs.store!.countByState() }),
    })

    const app = yield* makeApp(ROUTES).pipe(Effect.provideContext(services))
    const served = app.pipe(Effect.provideContext(services), Effect.provideService(Log, log), Effect.provideService(RDKitRuntime, rdkitRuntime))

    const node = createServer()
    const http = yield* Layer.build(
      NodeHttpServer.layerServer(() => node, { host: settings.host, port: settings.port, gracefulShutdownTimeout: Duration.millis(settings.limits.shutdownGraceMs) }),
    ).pipe(
      Effect.mapError(
        (e) =>
          new ValidationError({
            message: `cannot listen on ${settings.host}:${settings.port}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`,
            action: "set PERIOGT_PORT to a free port (or stop what holds it) and PERIOGT_HOST to an address of this node",
            details: { host: settings.host, port: settings.port },
          }),
      ),
    )
    yield* HttpServer.serveEffect(served).pipe(Effect.provideContext(http))
    // Registered last, so it runs first when the scope closes.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        state.draining = true
        node.closeIdleConnections()
      }),
    )
    const port = (node.address() as AddressInfo).port
    return { host: settings.host, port, url: urlOf(settings.host, port) }
  })

/** Settings of `serve`: host, port and key from the configuration, limits from limits.ts, jobs under `<results_dir>/jobs`. */
export const settingsFromConfig = (config: PeriogtConfig, environment: ServerEnvironment, options: { readonly demo?: boolean } = {}): ServerSettings => ({
  host: config.host.value,
  port: config.port.value,
  apiKey: config.apiKey?.value,
  limits: SERVER_LIMITS,
  environment,
  jobsDir: path.join(config.resultsDir.value, "jobs"),
  hpcSecretFile: config.hpcSecretFile?.value,
  demo: options.demo === true,
})

/** What health reports about the node, from the checks `prepareInference` made. */
export const serverEnvironment = (prepared: Prepared): ServerEnvironment => ({
  checkpointsPresent: () => Result.isSuccess(requireArtifacts(prepared.layout)),
  gpuAvailable: prepared.device.device === "cuda",
})

/** The server with `serve`'s settings (PERIOGT_HOST, PERIOGT_PORT, PERIOGT_API_KEY), as a layer. */
export const makeServer = <E, R>(predictorLayer: Layer.Layer<Predictor, E, R>, environment: ServerEnvironment) =>
  Layer.effect(
    RunningServer,
    Effect.gen(function* () {
      const config = yield* AppConfig
      return yield* startServer(predictorLayer, settingsFromConfig(config, environment))
    }),
  )

const SIGNALS = ["SIGTERM", "SIGINT"] as const

const nextSignal = Effect.callback<(typeof SIGNALS)[number]>((resume) => {
  const handlers = SIGNALS.map((s) => [s, () => resume(Effect.succeed(s))] as const)
  for (const [s, h] of handlers) process.once(s, h)
  return Effect.sync(() => {
    for (const [s, h] of handlers) process.off(s, h)
  })
})

/**
 * `serve`'s whole life: start the server with the given Predictor, log where it listens, wait for
 * SIGTERM or SIGINT, then shut down gracefully (see `startServer`) and answer exit code 0. A second
 * signal during the drain stops at once with exit code 2.
 */
export const serveWith = <E, R>(
  predictorLayer: Layer.Layer<Predictor, E, R>,
  environment: ServerEnvironment,
  options: { readonly demo?: boolean } = {},
): Effect.Effect<number, E | PeriogtError, R | AppConfig | Log | RDKitRuntime> =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const settings = settingsFromConfig(config, environment, options)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const force = () => {
          log.warn("second signal: stopping now, requests in flight are dropped")
          process.exit(EXIT.fatal)
        }
        // Registered first, so it runs last: a second signal stays handled for the whole drain.
        yield* Effect.addFinalizer(() => Effect.sync(() => SIGNALS.forEach((s) => process.off(s, force))))
        const info = yield* startServer(predictorLayer, settings)
        log.info(`serving the /v1 API on ${info.url}`, {
          page: `${info.url}/`,
          docs: `${info.url}/docs`,
          jobs: settings.jobsDir,
          auth: settings.apiKey === undefined ? "off" : "X-Api-Key required",
          ...(settings.demo === true ? { model: "DEMONSTRATION model (serve --demo): outputs are not PerioGT predictions" } : {}),
        })
        const signal = yield* nextSignal
        log.info(`${signal}: shutting down; finishing requests in flight (up to ${settings.limits.shutdownGraceMs / 1000} s)`)
        for (const s of SIGNALS) process.once(s, force)
      }),
    )
    log.info("server stopped")
    return EXIT.success
  })
