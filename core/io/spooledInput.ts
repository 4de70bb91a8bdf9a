import * as fs from "node:fs"
import { Effect, type Scope } from "effect"
import { fromFsError, type PeriogtError } from "../errors/index.ts"
import { inputChunks, inputName } from "./csv/input.ts"
import { MAX_RECORD_CHARS } from "./csv/parse.ts"
import { writeAll } from "./writeAll.ts"

/**
 * Standard input or a pipe copied, as it streams, into `spool` (a regular file), which exists for the
 * scope and is removed when the scope closes. For a command that reads its input more than once
 * (`batch`: rows counted first, the content's digest to name the job): piped the same rows again, a
 * stopped run finds the same digest and resumes.
 *
 * `checkStart` judges the copy once its first line is in (or once more bytes than a line may hold have
 * come, or at the end): a stream that is not a CSV — `yes`, a binary file — fails there, instead of being
 * copied until the disk is full.
 */
export const spooledInput = (
  source: string,
  spool: string,
  checkStart: (file: string) => Promise<PeriogtError | undefined>,
): Effect.Effect<string, PeriogtError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const fd = fs.openSync(spool, "w")
        try {
          let bytes = 0
          let checked = false
          const check = async () => {
            checked = true
            const problem = await checkStart(spool)
            if (problem !== undefined) throw problem
          }
          for await (const chunk of inputChunks(source)) {
            writeAll(fd, chunk)
            bytes += chunk.length
            if (!checked && (chunk.includes(10) || bytes > 4 * MAX_RECORD_CHARS)) await check()
          }
          if (!checked) await check()
        } finally {
          fs.closeSync(fd)
        }
        return spool
      },
      catch: (e) => {
        fs.rmSync(spool, { force: true })
        return fromFsError(inputName(source), "--input")(e)
      },
    }),
    () => Effect.sync(() => fs.rmSync(spool, { force: true })),
  )
