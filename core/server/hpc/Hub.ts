/**
 * The EMX2 HPC hub as a service of the server: its store and the workers' shared secret, or nothing
 * when no secret is configured (then /api/hpc answers as an unknown path). The secret comes from the
 * file named by `hpc_secret_file` (PERIOGT_HPC_SECRET_FILE); `serve` refuses to start when that file
 * can be read or written by its group or others, is not a regular file of this user, or holds fewer than
 * 32 characters.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { readSecretFile } from "../../bridge/protocol/index.ts"
import { ValidationError } from "../../errors/index.ts"
import { Log } from "../../log/index.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { HubStore } from "./HubStore.ts"

export interface HubShape {
  readonly store: HubStore
  readonly secret: Redacted.Redacted<string>
}

/** undefined: the hub is disabled on this server. */
export class Hub extends Context.Service<Hub, HubShape | undefined>()("periogt/server/Hub") {}

/** The shared secret in `file` (core/bridge/protocol/secretFile.ts: the bridge reads its copy the same way). */
export const readHubSecret = (file: string): Effect.Effect<Redacted.Redacted<string>, ValidationError> =>
  Effect.map(Effect.fromResult(readSecretFile(file, "PERIOGT_HPC_SECRET_FILE (hpc_secret_file)")), Redacted.make)

export const hubLayer = Layer.effect(Hub)(
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const log = yield* Log
    if (config.hpcSecretFile === undefined) return undefined
    if (config.jobsDir === undefined) {
      return yield* new ValidationError({
        message: "the EMX2 hub needs the server's job directory",
        action: "run it under `periogt serve`, which keeps jobs under <results_dir>/jobs",
        details: {},
      })
    }
    const secret = yield* readHubSecret(config.hpcSecretFile)
    const dir = config.jobsDir
    const store = yield* Effect.acquireRelease(
      Effect.sync(() => HubStore.open(dir)),
      (s) => Effect.sync(() => s.close()),
    )
    log.info(`EMX2 hub enabled at /api/hpc (store ${HubStore.dbPath(dir)})`, { hub_db: HubStore.dbPath(dir) })
    return { store, secret }
  }),
)
