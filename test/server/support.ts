import { Effect, Exit, Redacted, Scope } from "effect"
import { Log, makeLogger } from "../../core/log/index.ts"
import { SERVER_LIMITS, startServer, type ServerLimits } from "../../core/server/index.ts"
import { makeTestPredictor, type TestPredictorOptions } from "./TestPredictor.ts"
import { RDKitRuntimeLive } from "../../core/runtime/services.ts"

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly control: ReturnType<typeof makeTestPredictor>["control"]
  /** Log lines the server wrote (JSON, debug level unless `quiet`), the first 10 000. */
  readonly logs: Array<string>
  readonly close: () => Promise<void>
}

/** A real server on 127.0.0.1 with an ephemeral port, serving the test Predictor. */
export const startTestServer = async (
  options: {
    readonly predictor?: TestPredictorOptions
    readonly apiKey?: string
    readonly limits?: Partial<ServerLimits>
    readonly checkpointsPresent?: boolean
    readonly quiet?: boolean
    /** Enables /v1/jobs with its store here. */
    readonly jobsDir?: string
  } = {},
): Promise<TestServer> => {
  const { layer, control } = makeTestPredictor(options.predictor)
  const logs: Array<string> = []
  const log = makeLogger({ format: "json", level: options.quiet === true ? "warn" : "debug", write: (l) => void (logs.length < 10_000 && logs.push(l)) })
  const scope = Effect.runSync(Scope.make())
  const info = await Effect.runPromise(
    startServer(layer, {
      host: "127.0.0.1",
      port: 0,
      apiKey: options.apiKey === undefined ? undefined : Redacted.make(options.apiKey),
      limits: { ...SERVER_LIMITS, ...options.limits },
      environment: { checkpointsPresent: () => options.checkpointsPresent ?? true, gpuAvailable: false },
      jobsDir: options.jobsDir,
    }).pipe(Effect.provideService(Log, log), Effect.provide(RDKitRuntimeLive), Scope.provide(scope)),
  )
  return { url: info.url, port: info.port, control, logs, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) })
