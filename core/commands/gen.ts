import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { conflictingFiles, generate } from "../deploy/generate.ts"
import { writeGenerated } from "../deploy/write.ts"
import { EXIT, InternalError, ValidationError, fromFsError, isUserFsError } from "../errors/index.ts"
import { isEmbedded } from "../runtime/nativeCache.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { writeOut } from "../io/stdout.ts"

export interface GenOptions {
  readonly target?: string
  readonly cluster?: string
  readonly out?: string
  readonly set?: string | ReadonlyArray<string>
  readonly force?: boolean
}

/** The executable that `gen` bakes into images by default: this one when compiled, else the build's output. */
const selfBinary = (): string => (isEmbedded(import.meta.path) ? process.execPath : path.resolve(import.meta.dir, "../../dist/periogt"))

/**
 * `periogt gen <target>`: renders one adapter from the resolved configuration, a cluster profile and
 * `--set` values; writes the files atomically (scripts executable); lists them on stdout and says what
 * to do next on stderr.
 */
export const genProgram = (o: GenOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const target = o.target ?? ""
    const sets = o.set === undefined ? [] : typeof o.set === "string" ? [o.set] : [...o.set].map(String)
    const cwd = process.cwd()
    const outDir = path.resolve(cwd, o.out ?? `periogt-${target}`)
    const generated = generate({ target, cluster: o.cluster ?? "generic", sets, outDir, config, env: process.env, cwd, version: PERIOGT_VERSION, selfBinary: selfBinary() })
    if (Result.isFailure(generated)) return yield* generated.failure
    const { adapter, plan, files } = generated.success
    const conflicts = conflictingFiles(outDir, files)
    if (conflicts.length > 0 && o.force !== true) {
      return yield* new ValidationError({
        message: `${conflicts.length} file(s) in ${outDir} differ from what would be written: ${conflicts.map((c) => path.basename(c)).join(", ")}`,
        action: "keep your edits elsewhere and pass --force to overwrite, or choose another --out",
        details: { out: outDir, files: conflicts },
      })
    }
    const written = yield* Effect.try({
      try: () => writeGenerated(outDir, files),
      catch: (e) =>
        isUserFsError(e)
          ? fromFsError(outDir, "--out")(e)
          : new InternalError({ message: `cannot write into ${outDir}: ${e instanceof Error ? e.message : String(e)}`, action: "check that --out names a writable directory", cause: e }),
    })
    for (const w of written) writeOut(w + "\n")
    process.stderr.write(`periogt gen ${adapter.name}: ${written.length} files for ${plan.profile.title} in ${outDir}\n`)
    for (const step of adapter.nextSteps({ plan })) process.stderr.write(`  next: ${step}\n`)
    return EXIT.success
  })
