import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError, fromFsError, toPeriogtError, type PeriogtError } from "../errors/index.ts"
import { csvRecords, inputName, inputPath, isOneShotInput, readHeader, STDIN_INPUT } from "../io/csv/index.ts"
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
import { spooledInput } from "../io/spooledInput.ts"

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

const firstRecord = async (file: string) => {
  for await (const r of csvRecords(fs.createReadStream(file, { highWaterMark: 64 * 1024 }))) return r
  return undefined
}

const isCharacterDevice = (file: string) => {
  try {
    return fs.statSync(file).isCharacterDevice()
  } catch {
    return false
  }
}

/** Where `batch` keeps a copy of standard input or a pipe while it runs (removed when it ends). */
export const spoolPath = (output: string) => `${output}.input`

/** What is wrong with the input's first line, if anything (a header with a `smiles` column); `name` is how messages call the input. */
const headerProblem = async (file: string, name: string): Promise<PeriogtError | undefined> => {
  const first = await firstRecord(file)
  if (first === undefined) return new ValidationError({ message: `${name === inputName(STDIN_INPUT) ? name : `input file ${name}`} is empty`, action: "give a CSV with a header line containing 'smiles'", details: { path: name } })
  const header = readHeader(first, name)
  return Result.isFailure(header) ? header.failure : undefined
}

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
    // A pipe or standard input is copied to a file beside the output first: batch reads its input more
    // than once (rows counted, the content's digest names the job so that a rerun resumes).
    const oneShot = isOneShotInput(inputPath(o.input))
    if (oneShot && o.input !== STDIN_INPUT && isCharacterDevice(o.input)) {
      // /dev/zero or /dev/urandom would be copied without end; a terminal is better read through `-`.
      return yield* new ValidationError({
        message: `batch cannot read ${o.input}: it is a device, not a CSV file or a pipe`,
        action: "give a CSV file with --input, or pipe the rows in: --input - --output results.csv",
        details: { option: "--input", path: o.input },
      })
    }
    if (oneShot && o.output === undefined) {
      return yield* new ValidationError({
        message: `batch reading ${o.input === STDIN_INPUT ? "standard input" : `${o.input} (a pipe)`} needs --output: its results cannot be named after the input`,
        action: "give --output results.csv; to resume a stopped run, pipe the same rows into the same command again",
        details: { option: "--output", input: o.input },
      })
    }
    if (o.input === STDIN_INPUT && process.stdin.isTTY === true) {
      return yield* new ValidationError({
        message: "--input - reads the rows from standard input, which is a terminal here",
        action: "pipe or redirect the CSV into periogt: periogt batch --input - --output results.csv < polymers.csv",
        details: { option: "--input", path: o.input },
      })
    }
    const fileInput = oneShot ? undefined : path.resolve(o.input)
    if (fileInput !== undefined) {
      const badInput = checkInputPath(fileInput, "--input")
      if (badInput !== undefined) return yield* badInput
      const problem = yield* Effect.tryPromise({ try: () => headerProblem(fileInput, fileInput), catch: fromFsError(fileInput, "--input") })
      if (problem !== undefined) return yield* Effect.fail(problem)
    }
    const output = o.output === undefined ? defaultOutputPath(fileInput!, config.resultsDir.value, o.property ?? "") : path.resolve(o.output)
    // The output is checked and locked before anything heavy: a directory, device, FIFO or symlink, an
    // unwritable directory or a run already writing it fails now, not after the models are loaded.
    const option = o.output === undefined ? "the output in PERIOGT_RESULTS_DIR" : "--output"
    const badOutput = checkOutputPath(output, option, [ResumableOutput.partialPath(output), ResumableOutput.journalPath(output), ...(oneShot ? [spoolPath(output)] : [])])
    if (badOutput !== undefined) return yield* badOutput
    return yield* Effect.scoped(
      Effect.gen(function* () {
        yield* outputLock(output, option)
        const input = fileInput ?? (yield* spooledInput(o.input!, spoolPath(output), (spool) => headerProblem(spool, inputName(o.input!))))
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
