/**
 * `periogt descriptors`: the 1613 Mordred descriptors (mordred 1.2.0, `ignore_3D=True`, its names and
 * order) of a repeat unit's capped n-mer or of a plain molecule — raw, or the network's md vector with
 * --model-input. One JSON object for --smiles; for --input, rows streamed as CSV (default) or JSON lines,
 * with progress on stderr. With --output the file appears only when complete.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { DESCRIPTOR_NAMES, type ScalerParams } from "../pipeline/describe.ts"
import { artifactLayout } from "../artifacts/layout.ts"
import { AppConfig } from "../config/index.ts"
import { CheckpointMissing, EXIT, ValidationError, fromFsError, toPeriogtError, type PeriogtError } from "../errors/index.ts"
import { temporarySibling, syncDirectory } from "../io/atomicWrite.ts"
import { csvLine, csvRecords, inputChunks, inputName, inputPath, inputRows, isOneShotInput } from "../io/csv/index.ts"
import { makeProgress } from "../io/progress.ts"
import { readStandardScaler } from "../io/pickle/index.ts"
import { Log, type Logger } from "../log/index.ts"
import { countLines } from "../pipeline/batch.ts"
import { describe, float32Text, namedDescriptors, type CappedUnits, type Described } from "../pipeline/describe.ts"
import { makeWorkerPool } from "../pipeline/workers/pool.ts"
import { rdkit as loadedRDKit } from "../runtime/services.ts"
import { writeOut } from "../io/stdout.ts"
import { writeAll } from "../io/writeAll.ts"
import { checkInputPath, checkOutputPath, outputLock } from "../io/outputFile.ts"
import { onStopSignal } from "../runtime/signals.ts"

export interface DescriptorsOptions {
  readonly smiles?: string
  readonly input?: string
  readonly output?: string
  readonly format?: string
  readonly oligomer?: string
  readonly modelInput?: boolean
  readonly scaler?: string
}

const LEAD_COLUMNS = ["id", "smiles", "molecule", "ok", "error_code", "error_message"] as const

/** CSV cell: empty for NaN (mordred could not compute it), `inf`/`-inf` as pandas writes them. */
const cell = (v: number, float32: boolean): string =>
  Number.isNaN(v) ? "" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : float32 ? float32Text(v) : String(v)

const csvRow = (id: string, smiles: string, r: Described | PeriogtError): string => {
  if ("code" in r) return csvLine([id, smiles, "", "false", r.code, r.message, ...DESCRIPTOR_NAMES.map(() => "")])
  const float32 = r.values instanceof Float32Array
  return csvLine([id, smiles, r.molecule, "true", "", "", ...Array.from(r.values, (v) => cell(v, float32))])
}

const jsonRow = (id: string | undefined, smiles: string, r: Described | PeriogtError, kind: string) =>
  "code" in r
    ? { ...(id === undefined ? {} : { id }), smiles, ok: false, error: { code: r.code, message: r.message, details: r.details ?? null } }
    : { ...(id === undefined ? {} : { id }), smiles, ok: true, molecule: r.molecule, kind, descriptors: namedDescriptors(r.values) }

const bad = (message: string, option: string, value?: unknown) =>
  new ValidationError({ message, action: "see periogt descriptors --help", details: { option, ...(value === undefined ? {} : { value }) } })

const parseOligomer = (o: string | undefined): Effect.Effect<CappedUnits, ValidationError> =>
  o === undefined || o === "3" ? Effect.succeed(3) : o === "6" ? Effect.succeed(6) : o === "9" ? Effect.succeed(9) : Effect.fail(bad(`--oligomer ${o} is not valid; expected 3, 6 or 9`, "--oligomer", o))

/** Where output goes: stdout, or a temporary sibling of --output renamed into place when complete. */
const openSink = (output: string | undefined) => {
  if (output === undefined) return { write: (s: string) => writeOut(s), commit: () => {}, abandon: () => {} }
  fs.mkdirSync(path.dirname(output), { recursive: true })
  const tmp = temporarySibling(output)
  const fd = fs.openSync(tmp, "w", 0o644)
  let buffered = ""
  let done = false
  const abandon = () => {
    if (done) return
    done = true
    try {
      fs.closeSync(fd)
    } catch {}
    fs.rmSync(tmp, { force: true })
  }
  const drain = () => {
    try {
      writeAll(fd, buffered)
    } catch (e) {
      throw fromFsError(output, "--output")(e)
    }
    buffered = ""
  }
  return {
    write: (s: string) => {
      buffered += s
      if (buffered.length > 1 << 20) drain()
    },
    commit: () => {
      try {
        drain()
        fs.fsyncSync(fd)
        fs.closeSync(fd)
        done = true
        fs.renameSync(tmp, output)
      } catch (e) {
        // a full disk or a lost mount: nothing half-written stays behind, and the error names the output
        done = false
        abandon()
        throw fromFsError(output, "--output")(e)
      }
      syncDirectory(path.dirname(output))
    },
    abandon,
  }
}

const loadScaler = (file: string) =>
  Effect.gen(function* () {
    if (!fs.existsSync(file)) {
      return yield* new CheckpointMissing({
        message: `the descriptor scaler ${file} does not exist; --model-input needs it`,
        action: "run `periogt setup`, or pass --scaler PATH (upstream's descriptor_scaler.pkl)",
        details: { missing: [{ artifact: "descriptor_scaler.pkl", path: file }] },
      })
    }
    return yield* Effect.tryPromise({ try: () => readStandardScaler(file), catch: toPeriogtError })
  })

/** One input row on its way to the output: its result is computed (main thread) or coming (a worker). */
interface Pending {
  readonly id: string
  readonly smiles: string
  readonly result: Described | PeriogtError | Promise<Described | PeriogtError>
}

const STOP = Symbol("stop")

/**
 * SIGINT/SIGTERM while rows are described: the first stops the run after the row at hand (the output
 * file is not written, its temporary sibling is removed, exit 2); a second one removes the temporary
 * file and exits at once.
 */
const watchSignals = (log: Logger, abandon: () => void) => {
  let signal: string | undefined
  /** The one wait in progress (a worker's reply), woken with STOP by a signal. */
  let waiter: ((r: typeof STOP) => void) | undefined
  const remove = onStopSignal(
    (sig) => {
      signal = sig
      log.warn(`${sig}: stopping; the output is not written (rerun the command)`)
      waiter?.(STOP)
    },
    abandon,
  )
  return {
    signal: () => signal,
    /**
     * The reply, or STOP as soon as a signal comes (a stop does not wait for the reply). Not a
     * Promise.race with one long-lived promise: that would keep every row's race, and its result,
     * reachable until the end of the run.
     */
    wait: <A>(reply: Promise<A>): Promise<A | typeof STOP> =>
      signal !== undefined
        ? Promise.resolve(STOP)
        : new Promise<A | typeof STOP>((resolve) => {
            waiter = resolve
            void reply.then(resolve)
          }).finally(() => (waiter = undefined)),
    remove,
  }
}

/** Lets the event loop run (a signal's handler among others) between rows computed in the main thread. */
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r))

const describeCommand = (o: DescriptorsOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if ((o.smiles === undefined) === (o.input === undefined)) {
      return yield* bad("give exactly one of --smiles or --input", "--smiles/--input")
    }
    const format = o.format ?? (o.smiles !== undefined ? "json" : "csv")
    if (format !== "json" && format !== "csv") return yield* bad(`--format ${format} is not valid; expected json or csv`, "--format", format)
    const oligomer = yield* parseOligomer(o.oligomer)
    let scaler: ScalerParams | undefined
    if (o.modelInput === true) scaler = yield* loadScaler(o.scaler === undefined ? artifactLayout(config.checkpointDir.value).descriptorScaler : path.resolve(o.scaler))
    const kind = scaler === undefined ? "raw" : "md"
    const mainThread = loadedRDKit.pipe(
      Effect.map((rdkit) => (smiles: string) => describe(rdkit, smiles, { oligomer, ...(scaler === undefined ? {} : { scaler }) })),
    )

    if (o.smiles !== undefined) {
      const r = (yield* mainThread)(o.smiles)
      const sink = openSink(o.output === undefined ? undefined : path.resolve(o.output))
      sink.write(format === "csv" ? csvLine([...LEAD_COLUMNS, ...DESCRIPTOR_NAMES]) + csvRow("1", o.smiles, r) : JSON.stringify(jsonRow(undefined, o.smiles, r, kind), null, 2) + "\n")
      sink.commit()
      return r instanceof ValidationError ? yield* r : EXIT.success
    }

    const input = inputPath(o.input!)
    const badInput = checkInputPath(input, "--input")
    if (badInput !== undefined) return yield* badInput
    // Standard input or a pipe is read once: no count of rows first.
    const total = isOneShotInput(input) ? undefined : Math.max(0, (yield* Effect.tryPromise({ try: () => countLines(input), catch: fromFsError(input, "--input") })) - 1)
    const workers = config.workers.value
    // With workers, rows go through the pool (a scoped resource: its threads end with this command),
    // at most `window` of them in flight, so memory stays flat however long the input is; rows are
    // written in input order as their results arrive.
    return yield* Effect.scoped(
      Effect.gen(function* () {
        let describeRow: (smiles: string) => Pending["result"]
        if (workers === 0) describeRow = yield* mainThread
        else {
          const pool = yield* Effect.acquireRelease(
            Effect.sync(() =>
              makeWorkerPool({
                size: workers,
                prewarm: workers,
                ...(scaler === undefined ? {} : { scaler }),
                onCrash: (smiles, reason) => log.warn("a descriptors worker stopped; it is replaced", { smiles: smiles.slice(0, 200), reason }),
              }),
            ),
            (p) => Effect.promise(() => p.close()),
          )
          describeRow = (smiles) => pool.describe(smiles, { oligomer, scaled: scaler !== undefined })
        }
        const window = workers === 0 ? 1 : 4 * workers
        log.debug("describing rows", { workers, window })
        const progress = makeProgress("descriptors", "rows", log)
        // a resource of the command's scope: however it ends (failure, defect, interruption), the
        // temporary file is removed unless committed
        const sink = yield* Effect.acquireRelease(
          Effect.sync(() => openSink(o.output === undefined ? undefined : path.resolve(o.output))),
          (s) => Effect.sync(s.abandon),
        )
        const signals = watchSignals(log, sink.abandon)
        const outcome = yield* Effect.tryPromise({
          try: async (): Promise<{ readonly failed: number } | ValidationError | typeof STOP> => {
            let written = 0
            let failed = 0
            const pending: Array<Pending> = []
            /** Writes the oldest row once its result is there; STOP when a signal came first. */
            const writeOldest = async (): Promise<typeof STOP | undefined> => {
              const p = pending.shift()!
              const r = p.result instanceof Promise ? await signals.wait(p.result) : p.result
              if (r === STOP) return STOP
              if ("code" in r) failed++
              sink.write(format === "csv" ? csvRow(p.id, p.smiles, r) : JSON.stringify(jsonRow(p.id, p.smiles, r, kind)) + "\n")
              progress.update(++written, total)
              return undefined
            }
            if (format === "csv") sink.write(csvLine([...LEAD_COLUMNS, ...DESCRIPTOR_NAMES]))
            for await (const item of inputRows(csvRecords(inputChunks(input)), inputName(input))) {
              if (signals.signal() !== undefined) return STOP
              if (item.kind === "invalid-file") return item.error
              pending.push({ id: item.id, smiles: item.smiles, result: item.error ?? describeRow(item.smiles) })
              while (pending.length >= window) if ((await writeOldest()) === STOP) return STOP
              if (workers === 0) await yieldToEvents()
            }
            while (pending.length > 0) if ((await writeOldest()) === STOP) return STOP
            if (signals.signal() !== undefined) return STOP
            progress.finish()
            return { failed }
          },
          catch: toPeriogtError,
        }).pipe(
          Effect.tapError(() => Effect.sync(sink.abandon)),
          Effect.ensuring(Effect.sync(signals.remove)),
        )
        if (outcome === STOP) {
          sink.abandon()
          log.warn(`stopped by ${signals.signal()}; ${o.output === undefined ? "the output is incomplete" : `${path.resolve(o.output)} is not written`}`)
          return EXIT.fatal
        }
        if (outcome instanceof ValidationError) {
          sink.abandon()
          return yield* outcome
        }
        sink.commit()
        if (o.output !== undefined) log.info(`wrote ${path.resolve(o.output)}`, { rows: total, failed: outcome.failed })
        return outcome.failed === 0 ? EXIT.success : EXIT.partial
      }),
    )
  })

/**
 * `descriptors`: with --output, the path is checked (a regular file or a new one in a writable
 * directory) and locked against a second run before any work; the lock goes when the command ends.
 */
export const descriptorsProgram = (o: DescriptorsOptions) =>
  Effect.gen(function* () {
    if (o.output === undefined) return yield* describeCommand(o)
    const output = path.resolve(o.output)
    const refused = checkOutputPath(output, "--output")
    if (refused !== undefined) return yield* refused
    return yield* Effect.scoped(Effect.flatMap(outputLock(output, "--output"), () => describeCommand(o)))
  })
