/**
 * A pool of pipeline workers (featurizeWorker.ts): each loads RDKit once and gets the descriptor scaler
 * (if the pool has one) once; a request is one SMILES — "featurize" a repeat unit for the network, or
 * "describe" a repeat unit's capped oligomer or a molecule (`periogt descriptors`). Workers start when
 * there is work for them (up to `size`), so a single `predict` starts one. Requests queue in order and
 * go to the first idle worker.
 *
 * A worker that dies while working (a WebAssembly abort, a stack overflow, out of memory) fails only
 * that request — `internal_error` with the SMILES in `details` — and is replaced; so is one whose
 * featurizer or describer threw. A worker that dies before it is ready twice in a row means workers
 * cannot start here at all: every request then fails with `internal_error` saying so. A request that
 * runs longer than the unit time limit (UNIT_TIME_LIMIT_MS) fails with `validation_error` (rule
 * `too_slow`) and its worker is replaced, so one pathological unit cannot stall a batch or a server.
 * Without workers (PERIOGT_WORKERS=0) nothing can stop a unit midway and there is no limit.
 */
import type { ScalerParams } from "../../chem/descriptors/index.ts"
import { usableCores } from "../../config/cores.ts"
import { InternalError, ValidationError, type PeriogtError } from "../../errors/index.ts"
import type { CappedUnits, Described } from "../describe.ts"
import type { NetworkInput } from "../network.ts"
import { featurizeWorkerUrl } from "./entry.ts"
import { fromWire, type FromWorker, type Job, type ToWorker } from "./protocol.ts"

export interface WorkerPool {
  readonly size: number
  /** The prediction pipeline's input for a repeat unit (needs the pool's scaler). */
  readonly featurize: (smiles: string) => Promise<NetworkInput | PeriogtError>
  /** `describe()` (core/pipeline/describe.ts) in a worker; `scaled` (the md vector) needs the pool's scaler. */
  readonly describe: (smiles: string, o: { readonly oligomer: CappedUnits; readonly scaled: boolean }) => Promise<Described | PeriogtError>
  /** Workers started and alive now. */
  readonly alive: () => number
  /** Fails what is queued or in flight, terminates every worker and waits (briefly) for them to exit. */
  readonly close: () => Promise<void>
}

/** The pool as the prediction pipeline knows it. */
export type FeaturizePool = WorkerPool

export interface PoolOptions {
  readonly size: number
  /** The descriptor scaler, for "featurize" and scaled "describe"; a pool for raw descriptors needs none. */
  readonly scaler?: ScalerParams
  /** Workers started at once rather than on first use (their RDKit loads while the models do). */
  readonly prewarm?: number
  /** The worker module; the pipeline worker unless a test brings its own. */
  readonly entry?: string
  /** Told which capped oligomers of a featurized unit had their descriptors read by MinimalLib, and why (a debug log). */
  readonly onFallback?: (smiles: string, n: CappedUnits, reason: string) => void
  /** Told when a worker dies while working (the pool replaces it). */
  readonly onCrash?: (smiles: string, reason: string) => void
  /** How long one request may run before it fails and its worker is replaced; UNIT_TIME_LIMIT_MS unless a test sets it. */
  readonly unitTimeLimitMs?: number
}

/**
 * Ten minutes for one repeat unit: a hundred times the slowest dataset unit, well beyond any realistic
 * input (the known slow kind, chains of ring-stereo cyclohexylenes, takes 50 s for seven rings).
 */
export const UNIT_TIME_LIMIT_MS = 600_000

/** How a request ended: the worker's reply, or an error (its own, rebuilt; or the pool's). */
type Outcome = Extract<FromWorker, { readonly type: "result" | "described" }> | { readonly type: "failed"; readonly error: PeriogtError }

interface Task {
  readonly id: number
  readonly job: Job
  readonly settle: (o: Outcome) => void
}

interface Slot {
  readonly worker: Worker
  ready: boolean
  task: Task | undefined
  /** The last uncaught error the worker reported, for the crash message. */
  lastError: string | undefined
  exited: Promise<void>
  /** Terminated on purpose: its exit is not a crash. */
  retired: boolean
  /** The running task's time limit. */
  timer: ReturnType<typeof setTimeout> | undefined
}

const short = (s: string) => (s.length > 200 ? s.slice(0, 200) + "…" : s)
const firstLine = (s: string) => s.split("\n").find((l) => /error|abort|exceeded|memory/i.test(l))?.trim() ?? s.split("\n")[0]!.trim()

const crashed = (job: Job, reason: string) =>
  job.type === "featurize"
    ? new InternalError({
        message: `featurizing this repeat unit stopped its worker thread (${reason}); the other units are not affected`,
        action: "if this is a valid repeat unit, report it with the SMILES; rerun with PERIOGT_LOG_LEVEL=debug for the worker's error",
        details: { stage: "featurize", smiles: short(job.smiles), reason },
      })
    : new InternalError({
        message: `describing this SMILES stopped its worker thread (${reason}); the other rows are not affected`,
        action: "if this is a valid repeat unit or molecule, report it with the SMILES; rerun with PERIOGT_LOG_LEVEL=debug for the worker's error",
        details: { stage: "describe", smiles: short(job.smiles), reason },
      })

const tooSlow = (job: Job, ms: number) =>
  new ValidationError({
    message: `${job.type === "featurize" ? "featurizing this repeat unit" : "describing this SMILES"} took longer than ${ms / 1000} s and was stopped; the other ${job.type === "featurize" ? "units" : "rows"} are not affected`,
    action: "check the SMILES; if it is a valid input, report it (`periogt featurize --smiles …` with PERIOGT_WORKERS=0 runs it without a limit)",
    details: { stage: job.type, rule: "too_slow", seconds: ms / 1000, smiles: short(job.smiles) },
  })

const stopped = () => new InternalError({ message: "featurization stopped: the command is ending", action: "rerun the command; batch resumes where it stopped" })

const noScaler = () => new InternalError({ message: "this worker pool was made without the descriptor scaler, which the request needs", details: { stage: "workers" } })

const unexpected = (got: string, want: string) => new InternalError({ message: `a worker answered "${got}" to a "${want}" request`, details: { stage: "workers" } })

export const makeWorkerPool = (o: PoolOptions): WorkerPool => {
  const entry = o.entry ?? featurizeWorkerUrl()
  // More workers than the cores this process may use cannot go faster, and each loads its own RDKit
  // (tens of MB): PERIOGT_WORKERS=1000 on a 2-core node would exhaust memory, not add speed.
  const size = Math.max(1, Math.min(o.size, usableCores()))
  const timeLimit = o.unitTimeLimitMs ?? UNIT_TIME_LIMIT_MS
  const scaler: ScalerParams | undefined = o.scaler === undefined ? undefined : { mean: Float64Array.from(o.scaler.mean), scale: Float64Array.from(o.scaler.scale) }
  const queue: Array<Task> = []
  const slots = new Set<Slot>()
  let nextId = 0
  let closed = false
  let failedStarts = 0
  let broken: PeriogtError | undefined

  const spawn = () => {
    const worker = new Worker(entry, { name: "periogt-featurize" })
    let exit: () => void = () => {}
    const slot: Slot = { worker, ready: false, task: undefined, lastError: undefined, exited: new Promise<void>((r) => (exit = r)), retired: false, timer: undefined }
    worker.addEventListener("message", (e: MessageEvent<FromWorker>) => onMessage(slot, e.data))
    worker.addEventListener("error", (e: Event) => {
      slot.lastError = (e as ErrorEvent).message ?? String(e)
    })
    worker.addEventListener("close", () => {
      exit()
      onExit(slot)
    })
    worker.postMessage({ type: "init", scaler } satisfies ToWorker)
    slots.add(slot)
  }

  const retire = (slot: Slot) => {
    clearTimeout(slot.timer)
    slot.retired = true
    slots.delete(slot)
    slot.worker.terminate()
  }

  const pump = () => {
    if (closed) return
    if (broken !== undefined) {
      for (const t of queue.splice(0)) t.settle({ type: "failed", error: broken })
      return
    }
    for (const slot of slots) {
      if (queue.length === 0) break
      if (slot.ready && slot.task === undefined) {
        const task = queue.shift()!
        slot.task = task
        slot.timer = setTimeout(() => onTimeLimit(slot, task), timeLimit)
        slot.worker.postMessage({ ...task.job, id: task.id } satisfies ToWorker)
      }
    }
    let free = [...slots].filter((s) => s.task === undefined).length
    while (queue.length > free && slots.size < size) {
      spawn()
      free++
    }
  }

  const onTimeLimit = (slot: Slot, task: Task) => {
    if (slot.task !== task || closed) return
    slot.task = undefined
    retire(slot)
    task.settle({ type: "failed", error: tooSlow(task.job, timeLimit) })
    pump()
  }

  const onMessage = (slot: Slot, m: FromWorker) => {
    if (m.type === "ready") {
      slot.ready = true
      failedStarts = 0
    } else if (slot.task !== undefined && slot.task.id === m.id) {
      const task = slot.task
      clearTimeout(slot.timer)
      slot.task = undefined
      if (m.type === "error") {
        task.settle({ type: "failed", error: fromWire(m.error) })
        if (m.fatal) retire(slot)
      } else {
        if (m.type === "result" && task.job.type === "featurize") for (const f of m.fallbacks) o.onFallback?.(task.job.smiles, f.n, f.reason)
        task.settle(m)
      }
    }
    pump()
  }

  const onExit = (slot: Slot) => {
    clearTimeout(slot.timer)
    if (slot.retired || closed) return
    slots.delete(slot)
    const reason = slot.lastError === undefined ? "the worker exited" : firstLine(slot.lastError)
    if (!slot.ready) {
      failedStarts++
      if (failedStarts >= 2) {
        broken = new InternalError({
          message: `the featurization workers cannot start: ${reason}`,
          action: "set PERIOGT_WORKERS=0 to featurize in the main thread, and report this with PERIOGT_LOG_LEVEL=debug output",
          details: { stage: "featurize", reason },
        })
      }
    }
    if (slot.task !== undefined) {
      o.onCrash?.(slot.task.job.smiles, slot.lastError ?? reason)
      slot.task.settle({ type: "failed", error: crashed(slot.task.job, reason) })
    }
    pump()
  }

  for (let i = 0; i < Math.min(size, o.prewarm ?? 0); i++) spawn()

  const submit = (job: Job, settle: (o: Outcome) => void) => {
    if (closed) return settle({ type: "failed", error: stopped() })
    if (broken !== undefined) return settle({ type: "failed", error: broken })
    if (scaler === undefined && (job.type === "featurize" || job.scaled)) return settle({ type: "failed", error: noScaler() })
    queue.push({ id: nextId++, job, settle })
    pump()
  }

  return {
    size,
    featurize: (smiles) =>
      new Promise((resolve) =>
        submit({ type: "featurize", smiles }, (r) => resolve(r.type === "result" ? r.input : r.type === "failed" ? r.error : unexpected(r.type, "featurize"))),
      ),
    describe: (smiles, d) =>
      new Promise((resolve) =>
        submit({ type: "describe", smiles, oligomer: d.oligomer, scaled: d.scaled }, (r) =>
          resolve(r.type === "described" ? r.described : r.type === "failed" ? r.error : unexpected(r.type, "describe")),
        ),
      ),
    alive: () => slots.size,
    close: async () => {
      if (closed) return
      closed = true
      for (const t of queue.splice(0)) t.settle({ type: "failed", error: stopped() })
      const all = [...slots]
      slots.clear()
      for (const slot of all) {
        clearTimeout(slot.timer)
        slot.task?.settle({ type: "failed", error: stopped() })
        slot.task = undefined
        slot.retired = true
        slot.worker.terminate()
      }
      await Promise.race([Promise.all(all.map((s) => s.exited)), Bun.sleep(2000)])
    },
  }
}

/** The pool as the prediction pipeline makes it (always with the scaler). */
export const makeFeaturizePool = (o: PoolOptions & { readonly scaler: ScalerParams }): FeaturizePool => makeWorkerPool(o)
