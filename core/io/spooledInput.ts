import * as fs from "node:fs"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Effect, type Scope } from "effect"
import { fromFsError, type PeriogtError } from "../errors/index.ts"
import { inputChunks, inputName } from "./csv/input.ts"

/**
 * Standard input or a pipe copied, as it streams, into `spool` (a regular file), which exists for the
 * scope and is removed when the scope closes. For a command that reads its input more than once
 * (`batch`: rows counted first, the content's digest to name the job): piped the same rows again, a
 * stopped run finds the same digest and resumes.
 */
export const spooledInput = (source: string, spool: string): Effect.Effect<string, PeriogtError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        await pipeline(Readable.from(inputChunks(source)), fs.createWriteStream(spool))
        return spool
      },
      catch: (e) => {
        fs.rmSync(spool, { force: true })
        return fromFsError(inputName(source), "--input")(e)
      },
    }),
    () => Effect.sync(() => fs.rmSync(spool, { force: true })),
  )
