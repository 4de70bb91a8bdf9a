/**
 * The EMX2 HPC hub as a service of the server: its store and the workers' shared secret, or nothing
 * when no secret is configured (then /api/hpc answers as an unknown path). The secret comes from the
 * file named by `hpc_secret_file` (PERIOGT_HPC_SECRET_FILE); `serve` refuses to start when that file
 * can be read by its group or others, is not a regular file, or holds fewer than 32 characters.
 */
import * as fs from "node:fs"
import { Context, Effect, Layer, Redacted } from "effect"
import { MIN_SECRET_LENGTH } from "../../bridge/protocol/index.ts"
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

const refuse = (file: string, message: string, action: string) =>
  new ValidationError({ message: `PERIOGT_HPC_SECRET_FILE=${file} ${message}`, action, details: { variable: "PERIOGT_HPC_SECRET_FILE", value: file } })

/** The shared secret in `file` (its whole content, trimmed: what EMX2's daemon reads from its `worker_secret_file`). */
export const readHubSecret = (file: string): Effect.Effect<Redacted.Redacted<string>, ValidationError> =>
  Effect.gen(function* () {
    const st = yield* Effect.try({
      try: () => fs.statSync(file),
      catch: (e) => refuse(file, `cannot be read: ${e instanceof Error ? e.message : String(e)}`, "point it at a file holding the workers' shared secret"),
    })
    if (!st.isFile()) return yield* refuse(file, "is not a regular file", "point it at a file holding the workers' shared secret")
    // the secret signs every worker request: a copy readable by others is a leaked secret
    if ((st.mode & 0o077) !== 0) {
      return yield* refuse(file, `is accessible by its group or others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`)
    }
    const text = yield* Effect.try({
      try: () => fs.readFileSync(file, "utf8").trim(),
      catch: (e) => refuse(file, `cannot be read: ${e instanceof Error ? e.message : String(e)}`, "make it readable by the user running serve"),
    })
    if (text.length < MIN_SECRET_LENGTH) {
      return yield* refuse(file, `holds ${text.length} characters; the secret needs at least ${MIN_SECRET_LENGTH}`, "write a longer random secret, e.g. `openssl rand -hex 32 > FILE`")
    }
    return Redacted.make(text)
  })

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
