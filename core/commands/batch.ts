import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { ValidationError } from "../errors/index.ts"
import { csvRecords, readHeader } from "../io/csv/index.ts"
import { engineUnavailable, prepareInference } from "../pipeline/prepare.ts"

export interface BatchOptions {
  readonly input?: string
  readonly property?: string
  readonly output?: string
}

/** `<input stem>_predictions.csv` in the results directory, unless --output says otherwise. */
export const defaultOutputPath = (input: string, resultsDir: string) =>
  path.join(resultsDir, `${path.basename(input, path.extname(input))}_predictions.csv`)

const readFirstRecord = (file: string) =>
  Effect.promise(async () => {
    for await (const r of csvRecords(fs.createReadStream(file, { highWaterMark: 64 * 1024 }))) return r
    return undefined
  })

export const batchProgram = (o: BatchOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    if (o.input === undefined) {
      return yield* new ValidationError({ message: "--input is required", action: "pass a CSV with a 'smiles' column: --input polymers.csv", details: { option: "--input" } })
    }
    const input = path.resolve(o.input)
    try {
      fs.accessSync(input, fs.constants.R_OK)
    } catch {
      return yield* new ValidationError({ message: `input file ${input} does not exist or cannot be read`, action: "check the --input path (relative paths are taken from the current directory)", details: { option: "--input", path: input } })
    }
    const first = yield* readFirstRecord(input)
    if (first === undefined) {
      return yield* new ValidationError({ message: `input file ${input} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: input } })
    }
    const header = readHeader(first, input)
    if (Result.isFailure(header)) return yield* header.failure
    const output = o.output === undefined ? defaultOutputPath(input, config.resultsDir.value) : path.resolve(o.output)
    const prepared = yield* prepareInference(o.property)
    return yield* engineUnavailable({ ...prepared, properties: prepared.properties }).pipe(Effect.tap(() => Effect.succeed(output)))
  })
