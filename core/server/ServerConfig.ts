import { Context, type Redacted } from "effect"
import type { ServerLimits } from "./limits.ts"

/** What `GET /v1/health` reports beside the Predictor's own state (the Python HealthResponse's fields). */
export interface ServerEnvironment {
  /** Whether the artifacts inference needs are present (re-checked on every health request). */
  readonly checkpointsPresent: () => boolean
  /** Whether inference runs on a GPU. */
  readonly gpuAvailable: boolean
}

/** Everything one server instance is started with; `serve` derives it from `AppConfig`, tests write it. */
export interface ServerSettings {
  readonly host: string
  /** 0 picks a free port (tests); the bound one is in `ServerInfo`. */
  readonly port: number
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly limits: ServerLimits
  readonly environment: ServerEnvironment
  /** Where batch jobs live (`<results_dir>/jobs`: jobs.db and one folder per job); undefined disables /v1/jobs. */
  readonly jobsDir?: string | undefined
  /** The EMX2 hub's shared-secret file; undefined leaves /api/hpc off (core/server/hpc). */
  readonly hpcSecretFile?: string | undefined
  /** Serving the embedded demonstration model (`serve --demo`): the page says so on every result. */
  readonly demo?: boolean | undefined
}

/** Mutable state of a running server that request handling reads. */
export interface ServerState {
  /** Set when shutdown begins: responses then carry `Connection: close` so keep-alive clients let go. */
  draining: boolean
}

export class ServerConfig extends Context.Service<ServerConfig, ServerSettings & { readonly state: ServerState }>()("periogt/server/ServerConfig") {}
