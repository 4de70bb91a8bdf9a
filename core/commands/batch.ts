import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError, fromFsError, toPeriogtError } from "../errors/index.ts"
import { csvRecords, inputPath, isOneShotInput, readHeader } from "../io/csv/index.ts"
import { makeProgress } from "../io/progress.ts"
import { Log } from "../log/index.ts"
import { runBatch, type BatchSummary } from "../pipeline/batch.ts"
import { prepareInference } from "../pipeline/prepare.ts"
import { Predictor } from "../pipeline/Predictor.ts"
import { predictorLayer } from "../pipeline/PredictorLive.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { writeOut } from "../io/stdout.ts"
import { checkInputPath, checkOutputPath, outputLock } from "../io/outputFile.ts"
import { ResumableOutput } from "../io/resumableOutput.ts"
import { onStopSignal } from "../runtime/signals.ts"

export interface BatchOptions {
  readonly input?: string
  readonly property?: string
  readonly output?: string
  /** A shard of a `periogt submit` run: rows, lines and request ids numbered as in the whole input. */
  readonly shard?: { readonly rowOffset: number; readonly lineOffset: number; readonly requestNamespace: string }
  /** Told the summary once the batch has run (the shard task records it). */
  readonly onSummary?: (s: BatchSummary) => void
  /** Told the device the models were loaded on (the shard task records it). */
  readonly onDevice?: (device: string) => void
}

/** Repeat units per network run: large enough to fill the prompt pass, small enough to commit often. */
const CHUNK_ROWS = 32

/**
 * `<input stem>_<properties>_predictions.csv` in the results directory, unless --output says otherwise:
 * two batches of one input for different properties never share an output.
 */
export const defaultOutputPath = (input: string, resultsDir: string, property: string) =>
  path.join(resultsDir, `${path.basename(input, path.extname(input))}_${propertyLabel(property)}_predictions.csv`)

/** The --property value as a file-name part: `eps,tg` → `eps-tg`, `all` → `all`. */
export const propertyLabel = (property: string) =>
  property.split(",").map((x) => x.trim().toLowerCase()).filter((x) => x !== "").join("-").replace(/[^a-z0-9_.-]/g, "_") || "none"

const readFirstRecord = (file: string) =>
  Effect.tryPromise({
    try: async () => {
      for await (const r of csvRecords(fs.createReadStream(file, { highWaterMark: 64 * 1024 }))) return r
      return undefined
    },
    catch: fromFsError(file, "--input"),
  })

/**
 * `batch`: checks the input before loading anything, loads the models once, streams the rows through
 * the pipeline into a resumable output. SIGTERM (Slurm's walltime) commits what is done and exits 2;
 * the same command resumes. Exit 0 all rows ok, 1 some rows failed, 2 fatal or interrupted.
 */
export const batchProgram = (o: BatchOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.input === undefined) {
      return yield* new ValidationError({ message: "--input is required", action: "pass a CSV with a 'smiles' column: --input polymers.csv", details: { option: "--input" } })
    }
    if (isOneShotInput(inputPath(o.input))) {
      // The input is read again when a stopped batch resumes (and before, for its header): a pipe cannot be.
      return yield* new ValidationError({
        message: `batch cannot take ${o.input === "-" ? "standard input" : `${o.input} (a pipe or a device)`} as --input: it reads the input again to resume after a stop`,
        action: "save the rows to a file first (e.g. `cat > polymers.csv`), then give --input polymers.csv",
        details: { option: "--input", path: o.input },
      })
    }
    const input = path.resolve(o.input)
    const badInput = checkInputPath(input, "--input")
    if (badInput !== undefined) return yield* badInput
    const first = yield* readFirstRecord(input)
    if (first === undefined) {
      return yield* new ValidationError({ message: `input file ${input} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: input } })
    }
    const header = readHeader(first, input)
    if (Result.isFailure(header)) return yield* header.failure
    const output = o.output === undefined ? defaultOutputPath(input, config.resultsDir.value, o.property ?? "") : path.resolve(o.output)
    // The output is checked and locked before anything heavy: a directory, device, FIFO or symlink, an
    // unwritable directory or a run already writing it fails now, not after the models are loaded.
    const option = o.output === undefined ? "the output in PERIOGT_RESULTS_DIR" : "--output"
    const badOutput = checkOutputPath(output, option, [ResumableOutput.partialPath(output), ResumableOutput.journalPath(output)])
    if (badOutput !== undefined) return yield* badOutput
    return yield* Effect.scoped(
      Effect.gen(function* () {
        yield* outputLock(output, option)
        const prepared = yield* prepareInference(o.property)
        o.onDevice?.(prepared.device.device)
        return yield* Effect.gen(function* () {
          const predictor = yield* Predictor
          let stop = false
          // From here a stop signal lets the chunk at hand finish and be committed (the default, before,
          // interrupts model loading: bin/main.ts).
          const removeStop = onStopSignal((signal) => {
            stop = true
            log.warn(`${signal}: finishing the current chunk, recording progress, then exiting; rerun the same command to resume`)
          })
          const indexDigest = fs.readFileSync(prepared.layout.index, "utf8")
          const summary = yield* Effect.tryPromise({
            try: () =>
              runBatch({
                input,
                output,
                properties: prepared.properties,
                jobKey: `${PERIOGT_VERSION}\0${output}\0${indexDigest}`,
                predict: (items) => Effect.runPromise(predictor.predict(items)),
                chunkRows: CHUNK_ROWS,
                progress: makeProgress("batch", "rows", log),
                shouldStop: () => stop,
                ...(o.shard === undefined ? {} : { shard: o.shard }),
              }),
            catch: fromFsError(output, option),
          }).pipe(Effect.ensuring(Effect.sync(removeStop)))
          if (Result.isFailure(summary)) return yield* Effect.fail(summary.failure)
          const s = summary.success
          o.onSummary?.(s)
          if (s.alreadyComplete === true) {
            log.info(`${output} is already complete (${s.rows} rows, ${s.failedRows} failed): nothing to do`)
            writeOut(JSON.stringify({ output, rows: s.rows, failed_rows: s.failedRows, resumed_from: s.resumedFrom, complete: true, already_complete: true }) + "\n")
            return s.failedRows > 0 ? EXIT.partial : EXIT.success
          }
          const report = { output, rows: s.rows, failed_rows: s.failedRows, resumed_from: s.resumedFrom, complete: !s.interrupted }
          writeOut(JSON.stringify(report) + "\n")
          if (s.interrupted) {
            log.warn(`stopped after ${s.rows} rows; progress is recorded in ${output}.progress — rerun the same command to resume`)
            return EXIT.fatal
          }
          log.info(`wrote ${output}`, { rows: s.rows, failed_rows: s.failedRows })
          return s.failedRows > 0 ? EXIT.partial : EXIT.success
        }).pipe(Effect.provide(predictorLayer(prepared)))
      }),
    )
  })
