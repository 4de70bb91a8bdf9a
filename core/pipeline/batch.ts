import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { Result } from "effect"
import type { PeriogtError } from "../errors/index.ts"
import { csvLine, csvRecords, inputRows, OUTPUT_COLUMNS } from "../io/csv/index.ts"
import type { Progress } from "../io/progress.ts"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import { sha256File } from "../io/sha256.ts"
import { ResumableOutput } from "../io/resumableOutput.ts"
import type { PredictItem, PredictOutcome } from "./Predictor.ts"

/** Name-based request ids (UUID v5 layout over SHA-1): identical input and artifacts give identical output. */
export const requestId = (namespace: string, name: string): string => {
  const h = createHash("sha1").update(namespace).update("\0").update(name).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString("hex")
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

/** Lines in the file: the progress bar's total (quoted newlines make it an estimate, never less). */
export const countLines = async (file: string): Promise<number> => {
  let n = 0
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++
  }
  return n
}

export interface BatchOptions {
  readonly input: string
  readonly output: string
  readonly properties: ReadonlyArray<string>
  /** What makes two runs the same job: artifacts and parameters (the input's digest is added here). */
  readonly jobKey: string
  /** Runs a chunk of items through the pipeline; per-item failures are outcomes. */
  readonly predict: (items: ReadonlyArray<PredictItem>) => Promise<ReadonlyArray<PredictOutcome>>
  readonly chunkRows: number
  readonly progress: Progress
  /** Checked between chunks: SIGTERM sets it, and the run stops after committing. */
  readonly shouldStop: () => boolean
  /**
   * A shard of a larger input (`periogt submit`): rows and lines are numbered as in the whole input,
   * and request ids are named after the whole input's digest, so the merged shards equal one batch.
   */
  readonly shard?: { readonly rowOffset: number; readonly lineOffset: number; readonly requestNamespace: string }
}

export interface BatchSummary {
  readonly rows: number
  /** Input rows that failed, over the whole job (resumed runs included). */
  readonly failedRows: number
  readonly resumedFrom: number
  readonly interrupted: boolean
  /** The same job had already completed into this output: nothing was done. */
  readonly alreadyComplete?: boolean
}

/** `<output>.done`: written when a batch completes; a rerun of the same job finds it and does nothing. */
export const donePath = (output: string) => `${output}.done`

interface DoneRecord {
  readonly identity: string
  readonly rows: number
  readonly failed_rows: number
}

const readDone = (output: string): DoneRecord | undefined => {
  try {
    const d = JSON.parse(fs.readFileSync(donePath(output), "utf8")) as DoneRecord
    return typeof d.identity === "string" && Number.isInteger(d.rows) && Number.isInteger(d.failed_rows) ? d : undefined
  } catch {
    return undefined
  }
}

type Pending = { readonly n: number; readonly id: string; readonly smiles: string; readonly error?: PeriogtError }

/** A chunk's outcome once settled, so that a chunk started early never leaves a rejection unhandled. */
type Settled = { readonly ok: true; readonly outcomes: ReadonlyArray<PredictOutcome> } | { readonly ok: false; readonly error: unknown }

/**
 * Streams the input CSV through the pipeline into a resumable output: the model is loaded once by the
 * caller, rows are read and written as they go (memory stays flat), each chunk is committed durably.
 * Two chunks are in flight: the next one is featurized (on the worker threads, or in the main thread
 * while ONNX Runtime runs natively) while the previous one goes through the network; commits stay in
 * input order, and a stop (SIGTERM) commits the running chunk and drops the next, which a resumed run
 * redoes.
 */
export const runBatch = async (o: BatchOptions): Promise<Result.Result<BatchSummary, PeriogtError>> => {
  const digest = await sha256File(o.input)
  const identity = createHash("sha256").update(o.jobKey).update("\0").update(digest).update("\0").update(o.properties.join(",")).digest("hex")
  const done = readDone(o.output)
  if (done !== undefined && done.identity === identity && fs.existsSync(o.output)) {
    return Result.succeed({ rows: done.rows, failedRows: done.failed_rows, resumedFrom: done.rows, interrupted: false, alreadyComplete: true })
  }
  fs.rmSync(donePath(o.output), { force: true })
  const { output, state } = ResumableOutput.open(o.output, identity, csvLine(OUTPUT_COLUMNS))
  const total = Math.max(0, (await countLines(o.input)) - 1)
  let n = 0
  let failedRows = state.failedRows
  let pending: Array<Pending> = []
  /** The chunk started last and not yet committed. */
  let running: { readonly rows: ReadonlyArray<Pending>; readonly upTo: number; readonly result: Promise<Settled> } | undefined

  const start = (rows: ReadonlyArray<Pending>, upTo: number) => {
    const items = rows.filter((p) => p.error === undefined).map((p) => ({ smiles: p.smiles, properties: o.properties, returnEmbedding: false }))
    const result: Promise<Settled> = (items.length === 0 ? Promise.resolve([]) : o.predict(items)).then(
      (outcomes) => ({ ok: true, outcomes }),
      (error: unknown) => ({ ok: false, error }),
    )
    return { rows, upTo, result }
  }

  const commit = async (chunk: NonNullable<typeof running>) => {
    const settled = await chunk.result
    if (!settled.ok) throw settled.error
    let k = 0
    let text = ""
    for (const p of chunk.rows) {
      const outcome: PredictOutcome = p.error !== undefined ? { ok: false, smiles: p.smiles, error: p.error } : settled.outcomes[k++]!
      if (!outcome.ok) failedRows++
      for (const property of o.properties) {
        const rid = requestId(o.shard?.requestNamespace ?? digest, `${p.n}:${property}`)
        if (outcome.ok) {
          const v = outcome.values.find((x) => x.property === property)!
          text += csvLine([p.id, p.smiles, property, String(v.value), v.units, "true", "", "", rid])
        } else {
          text += csvLine([p.id, p.smiles, property, "", "", "false", outcome.error.code, outcome.error.message, rid])
        }
      }
    }
    output.commit(text, chunk.upTo, failedRows)
    o.progress.update(chunk.upTo, total)
  }

  /** Starts the pending rows as a chunk and commits the one before; false when a stop was asked for. */
  const advance = async (): Promise<boolean> => {
    const previous = running
    running = start(pending, n)
    pending = []
    if (previous === undefined) return true
    await commit(previous)
    return !o.shouldStop()
  }

  const interrupted = (rows: number): Result.Result<BatchSummary, PeriogtError> => {
    output.close()
    return Result.succeed({ rows, failedRows, resumedFrom: state.rows, interrupted: true })
  }

  try {
    for await (const item of inputRows(csvRecords(fs.createReadStream(o.input, { highWaterMark: 1 << 16 })), o.input, o.shard)) {
      if (item.kind === "invalid-file") {
        output.close()
        return Result.fail(item.error)
      }
      // n counts this file's rows (the journal's unit); item.n is the row's number in the whole input.
      n = item.n - (o.shard?.rowOffset ?? 0)
      if (n <= state.rows) continue
      pending.push(item.error === undefined ? { n: item.n, id: item.id, smiles: item.smiles } : { n: item.n, id: item.id, smiles: item.smiles, error: item.error })
      if (pending.length >= o.chunkRows) {
        const committedUpTo = running?.upTo
        if (!(await advance())) return interrupted(committedUpTo!)
      }
    }
    if (pending.length > 0) {
      const committedUpTo = running?.upTo
      if (!(await advance())) return interrupted(committedUpTo!)
    }
    if (running !== undefined) await commit(running)
    running = undefined
    output.finish()
    writeFileAtomic(donePath(o.output), JSON.stringify({ identity, rows: n, failed_rows: failedRows }) + "\n")
    o.progress.finish()
    return Result.succeed({ rows: n, failedRows, resumedFrom: state.rows, interrupted: false })
  } catch (e) {
    output.close()
    throw e
  }
}
