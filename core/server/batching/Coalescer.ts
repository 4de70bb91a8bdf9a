import { Cause, Context, Deferred, Duration, Effect, Exit, Layer } from "effect"
import { InternalError, toPeriogtError, type PeriogtError } from "../../errors/index.ts"
import { Predictor, type PredictItem, type PropertyValue } from "../../pipeline/Predictor.ts"
import { HttpProblem } from "../http/Problem.ts"
import type { ServerLimits } from "../limits.ts"
import { Metrics } from "../metrics/Metrics.ts"

/**
 * Concurrent requests coalesced into Predictor batches. Every request puts its items (one per
 * SMILES × property to predict, or per SMILES to embed) on one bounded queue and waits; one worker
 * takes up to `maxBatchItems` items once the oldest has waited `batchWindowMs` (or at once when the
 * batch is full, or when items piled up during the previous call), merges the items of one SMILES into
 * one Predictor item (the prompt pass is shared by properties), calls the Predictor, and hands each
 * request its own outcomes. One call at a time: the Predictor parallelizes inside a call, and the next
 * batch gathers while this one runs.
 *
 * Back-pressure: a request whose items do not all fit gets 503 `overloaded` (nothing of it is queued);
 * a request still waiting after `requestTimeoutMs` gets 504 `timeout`, and its items that have not
 * started are dropped, as are those of a client that disconnects.
 */

export type ItemResult<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: PeriogtError }

export interface PredictJob {
  readonly smiles: string
  readonly property: string
  readonly returnEmbedding: boolean
}

export interface PredictValue {
  readonly value: PropertyValue
  readonly embedding: ReadonlyArray<number> | undefined
}

export interface CoalescerShape {
  readonly predict: (jobs: ReadonlyArray<PredictJob>) => Effect.Effect<ReadonlyArray<ItemResult<PredictValue>>, HttpProblem>
  readonly embed: (smiles: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<ItemResult<ReadonlyArray<number>>>, HttpProblem>
  /** Items waiting now. */
  readonly depth: () => number
  /** Predictor calls running now (0 or 1). */
  readonly inflight: () => number
}

export class Coalescer extends Context.Service<Coalescer, CoalescerShape>()("periogt/server/Coalescer") {}

type State = "queued" | "taken" | "cancelled"

interface Job<In, Out> {
  readonly input: In
  readonly enqueuedAt: number
  readonly deferred: Deferred.Deferred<ItemResult<Out>>
  state: State
}

type AnyJob = { readonly kind: "predict"; readonly job: Job<PredictJob, PredictValue> } | { readonly kind: "embed"; readonly job: Job<string, ReadonlyArray<number>> }

const fail = <A>(error: PeriogtError): ItemResult<A> => ({ ok: false, error })

const settle = <A>(job: Job<unknown, A>, result: ItemResult<A>) => {
  Deferred.doneUnsafe(job.deferred, Exit.succeed(result))
}

const toNumbers = (v: Float32Array): ReadonlyArray<number> => Array.from(v)

const nonFinite = (what: string, smiles: string) =>
  new InternalError({
    message: `the model produced a non-finite ${what}`,
    action: "this is a bug in periogt or a damaged checkpoint; rerun with PERIOGT_LOG_LEVEL=debug and report the log",
    details: { smiles },
  })

export const makeCoalescer = (limits: ServerLimits) =>
  Effect.gen(function* () {
    const predictor = yield* Predictor
    const metrics = yield* Metrics

    const queue: Array<AnyJob> = []
    let live = 0 // queued jobs not cancelled
    let running = 0
    let closed = false
    let wake: (() => void) | undefined
    let waitingFor: "work" | "full" = "work"

    const signal = () => {
      if (wake !== undefined && (waitingFor === "work" || live >= limits.maxBatchItems)) wake()
    }

    /** Resumes when there is work (no deadline), or when `deadline` passes or the batch fills. */
    const waitFor = (deadline: number | undefined) =>
      Effect.callback<void>((resume) => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const done = () => {
          wake = undefined
          if (timer !== undefined) clearTimeout(timer)
          resume(Effect.void)
        }
        if (deadline === undefined) {
          if (live > 0) return done()
          waitingFor = "work"
        } else {
          const ms = deadline - Date.now()
          if (ms <= 0 || live >= limits.maxBatchItems) return done()
          waitingFor = "full"
          timer = setTimeout(done, ms)
        }
        wake = done
        return Effect.sync(() => {
          wake = undefined
          if (timer !== undefined) clearTimeout(timer)
        })
      })

    const take = (): Array<AnyJob> => {
      const batch: Array<AnyJob> = []
      let i = 0
      while (i < queue.length && batch.length < limits.maxBatchItems) {
        const j = queue[i]!
        i++
        if (j.job.state !== "queued") continue
        j.job.state = "taken"
        live--
        batch.push(j)
      }
      queue.splice(0, i)
      return batch
    }

    /** Runs a Predictor call; a failure or a defect of the whole call (even a synchronous throw) becomes every item's error. */
    const call = <A>(kind: "predict" | "embed", items: number, effect: () => Effect.Effect<A, PeriogtError>) =>
      Effect.gen(function* () {
        const started = performance.now()
        running++
        const exit = yield* Effect.exit(Effect.suspend(effect))
        running--
        metrics.batchRan(kind, items, (performance.now() - started) / 1000)
        return Exit.isSuccess(exit) ? ({ ok: true, value: exit.value } as const) : ({ ok: false, error: toPeriogtError(Cause.squash(exit.cause)) } as const)
      })

    const runPredict = (jobs: ReadonlyArray<Job<PredictJob, PredictValue>>) =>
      Effect.gen(function* () {
        // One Predictor item per SMILES: its properties and embedding request merged.
        const bySmiles = new Map<string, { properties: Set<string>; returnEmbedding: boolean; index: number }>()
        for (const j of jobs) {
          const e = bySmiles.get(j.input.smiles)
          if (e === undefined) bySmiles.set(j.input.smiles, { properties: new Set([j.input.property]), returnEmbedding: j.input.returnEmbedding, index: bySmiles.size })
          else {
            e.properties.add(j.input.property)
            e.returnEmbedding ||= j.input.returnEmbedding
          }
        }
        const items: Array<PredictItem> = [...bySmiles].map(([smiles, e]) => ({ smiles, properties: [...e.properties], returnEmbedding: e.returnEmbedding }))
        const r = yield* call("predict", items.length, () => predictor.predict(items))
        if (!r.ok) return jobs.forEach((j) => settle(j, fail(r.error)))
        if (r.value.length !== items.length) {
          const error = new InternalError({ message: `the Predictor answered ${r.value.length} outcomes for ${items.length} items`, action: "this is a bug in periogt; report it" })
          return jobs.forEach((j) => settle(j, fail(error)))
        }
        const embeddings = new Map<number, ReadonlyArray<number>>()
        for (const j of jobs) {
          const index = bySmiles.get(j.input.smiles)!.index
          const outcome = r.value[index]!
          if (!outcome.ok) {
            settle(j, fail(outcome.error))
            continue
          }
          const value = outcome.values.find((v) => v.property === j.input.property)
          if (value === undefined) {
            settle(j, fail(new InternalError({ message: `the Predictor returned no value for property ${j.input.property}`, action: "this is a bug in periogt; report it", details: { smiles: j.input.smiles, property: j.input.property } })))
            continue
          }
          if (!Number.isFinite(value.value)) {
            settle(j, fail(nonFinite("prediction", j.input.smiles)))
            continue
          }
          let embedding: ReadonlyArray<number> | undefined
          if (j.input.returnEmbedding) {
            if (outcome.embedding === undefined) {
              settle(j, fail(new InternalError({ message: "the Predictor returned no embedding although one was requested", action: "this is a bug in periogt; report it", details: { smiles: j.input.smiles } })))
              continue
            }
            embedding = embeddings.get(index) ?? toNumbers(outcome.embedding)
            embeddings.set(index, embedding)
            if (!embedding.every(Number.isFinite)) {
              settle(j, fail(nonFinite("embedding", j.input.smiles)))
              continue
            }
          }
          settle(j, { ok: true, value: { value, embedding } })
        }
      })

    const runEmbed = (jobs: ReadonlyArray<Job<string, ReadonlyArray<number>>>) =>
      Effect.gen(function* () {
        const unique = [...new Set(jobs.map((j) => j.input))]
        const r = yield* call("embed", unique.length, () => predictor.embed(unique))
        if (!r.ok) return jobs.forEach((j) => settle(j, fail(r.error)))
        if (r.value.length !== unique.length) {
          const error = new InternalError({ message: `the Predictor answered ${r.value.length} embeddings for ${unique.length} items`, action: "this is a bug in periogt; report it" })
          return jobs.forEach((j) => settle(j, fail(error)))
        }
        const results = new Map<string, ItemResult<ReadonlyArray<number>>>()
        unique.forEach((smiles, i) => {
          const o = r.value[i]!
          if (!o.ok) return results.set(smiles, fail(o.error))
          const embedding = toNumbers(o.embedding)
          results.set(smiles, embedding.every(Number.isFinite) ? { ok: true, value: embedding } : fail(nonFinite("embedding", smiles)))
        })
        for (const j of jobs) settle(j, results.get(j.input)!)
      })

    const worker = Effect.gen(function* () {
      while (true) {
        yield* waitFor(undefined)
        const oldest = queue.find((j) => j.job.state === "queued")
        if (oldest === undefined) continue
        yield* waitFor(oldest.job.enqueuedAt + limits.batchWindowMs)
        const batch = take()
        if (batch.length === 0) continue
        const predicts = batch.flatMap((j) => (j.kind === "predict" ? [j.job] : []))
        const embeds = batch.flatMap((j) => (j.kind === "embed" ? [j.job] : []))
        // Whatever happens, every item taken gets an answer and the worker lives on.
        yield* Effect.gen(function* () {
          if (predicts.length > 0) yield* runPredict(predicts)
          if (embeds.length > 0) yield* runEmbed(embeds)
        }).pipe(
          Effect.catchCause((cause) =>
            Effect.sync(() => {
              if (Cause.hasInterruptsOnly(cause)) return
              const error = toPeriogtError(Cause.squash(cause))
              for (const j of predicts) settle(j, fail(error))
              for (const j of embeds) settle(j, fail(error))
            }),
          ),
        )
      }
    })
    yield* Effect.forkScoped(worker)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        const error = new InternalError({ message: "the server stopped before this item ran", action: "retry against a running server" })
        for (const j of queue) {
          if (j.job.state !== "queued") continue
          if (j.kind === "predict") settle(j.job, fail(error))
          else settle(j.job, fail(error))
        }
      }),
    )

    const submit = <In, Out>(wrap: (job: Job<In, Out>) => AnyJob, inputs: ReadonlyArray<In>): Effect.Effect<ReadonlyArray<ItemResult<Out>>, HttpProblem> =>
      Effect.suspend(() => {
        if (inputs.length === 0) return Effect.succeed([])
        if (closed || live + inputs.length > limits.queueCapacity) {
          metrics.rejectedRequest("overloaded")
          return Effect.fail(
            new HttpProblem({
              code: "overloaded",
              message: closed ? "the server is shutting down" : `the inference queue is full (${live} of ${limits.queueCapacity} items waiting); retry shortly`,
              details: { queue_depth: live, queue_capacity: limits.queueCapacity, items: inputs.length },
              headers: { "retry-after": String(limits.retryAfterOverloadedS) },
            }),
          )
        }
        const now = Date.now()
        const jobs = inputs.map((input): Job<In, Out> => ({ input, enqueuedAt: now, deferred: Deferred.makeUnsafe<ItemResult<Out>>(), state: "queued" }))
        for (const j of jobs) queue.push(wrap(j))
        live += jobs.length
        // Items given up on stay in the array until taken; keep it from growing while the worker is busy.
        if (queue.length > 2 * limits.queueCapacity) queue.splice(0, queue.length, ...queue.filter((j) => j.job.state === "queued"))
        signal()
        return Effect.forEach(jobs, (j) => Deferred.await(j.deferred)).pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(limits.requestTimeoutMs),
            orElse: () => {
              metrics.rejectedRequest("timeout")
              return Effect.fail(
                new HttpProblem({
                  code: "timeout",
                  message: `no result within ${limits.requestTimeoutMs / 1000} s`,
                  details: { timeout_ms: limits.requestTimeoutMs },
                }),
              )
            },
          }),
          Effect.onExit((exit) =>
            Effect.sync(() => {
              if (Exit.isSuccess(exit)) return
              for (const j of jobs)
                if (j.state === "queued") {
                  j.state = "cancelled"
                  live--
                }
            }),
          ),
        )
      })

    return Coalescer.of({
      predict: (jobs) => submit((job) => ({ kind: "predict", job }), jobs),
      embed: (smiles) => submit((job) => ({ kind: "embed", job }), smiles),
      depth: () => live,
      inflight: () => running,
    })
  })

export const coalescerLayer = (limits: ServerLimits) => Layer.effect(Coalescer, makeCoalescer(limits))
