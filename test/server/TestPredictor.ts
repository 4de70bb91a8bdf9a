import { Effect, Layer } from "effect"
import { ruleError } from "../../core/chem/polymer/validateText.ts"
import { InternalError, type PeriogtError } from "../../core/errors/index.ts"
import { Predictor, type EmbedOutcome, type PredictItem, type PredictOutcome, type PredictorStatus, type PropertyInfo } from "../../core/pipeline/Predictor.ts"

/**
 * TEST DOUBLE — never shipped, never reachable from the CLI. A deterministic stand-in for the
 * Predictor so the HTTP layer can be tested before the network pipeline exists. Its numbers are
 * meaningless: a hash of the SMILES, in units called "test-double".
 *
 * Per-item rules (as the real pipeline reports them, with `details.rule`): text rules of
 * core/chem/polymer (empty, too long, no '*'), then exactly two '*' (`wildcard_count`).
 * Whole-call behaviours for tests: a SMILES containing `FAILCALL` fails the entire Predictor call
 * with internal_error; `DEFECT` throws inside it; `SYNCTHROW` throws from `predict` itself, before any Effect.
 * Cost model: every call sleeps `batchCostMs + itemCostMs × items` (a fixed per-batch cost, as a
 * network pass over a padded batch has).
 */
export interface TestPredictorOptions {
  readonly properties?: ReadonlyArray<string>
  readonly status?: PredictorStatus
  readonly batchCostMs?: number
  readonly itemCostMs?: number
  readonly embeddingDim?: number
}

export interface TestPredictorControl {
  setStatus(s: PredictorStatus): void
  /** Items per predict call, in call order. */
  readonly predictCalls: Array<number>
  /** The SMILES of each predict call's items, in call order. */
  readonly predictSmiles: Array<ReadonlyArray<string>>
  /** Items per embed call, in call order. */
  readonly embedCalls: Array<number>
  /** Largest number of calls running at once. */
  readonly maxConcurrentCalls: () => number
  /** Calls running now. */
  readonly runningCalls: () => number
}

const hash = (s: string) => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

const checkItem = (smiles: string): PeriogtError | undefined => {
  if (smiles.trim() === "") return ruleError("empty", smiles)
  if (smiles.length > 2000) return ruleError("too_long", smiles)
  if (!smiles.includes("*")) return ruleError("no_wildcard", smiles)
  const stars = smiles.split("*").length - 1
  if (stars !== 2) return ruleError("wildcard_count", smiles, `${stars} found`)
  return undefined
}

export const makeTestPredictor = (options: TestPredictorOptions = {}) => {
  const props: ReadonlyArray<PropertyInfo> = (options.properties ?? ["eps", "tg"]).map((id) => ({
    id,
    label: `${id} (test double)`,
    units: "test-double",
    checkpoint: `test-double/${id}.onnx`,
  }))
  const dim = options.embeddingDim ?? 8
  let status: PredictorStatus = options.status ?? { state: "ready" }
  let running = 0
  let maxRunning = 0
  const control: TestPredictorControl = {
    setStatus: (s) => {
      status = s
    },
    predictCalls: [],
    predictSmiles: [],
    embedCalls: [],
    maxConcurrentCalls: () => maxRunning,
    runningCalls: () => running,
  }
  const embedding = (smiles: string) => {
    const h = hash(smiles)
    return Float32Array.from({ length: dim }, (_, i) => ((h >>> (i % 24)) & 0xff) / 255)
  }
  const cost = (n: number) => Effect.sleep(`${(options.batchCostMs ?? 0) + (options.itemCostMs ?? 0) * n} millis`)
  const tracked = <A>(n: number, effect: Effect.Effect<A, PeriogtError>) =>
    Effect.gen(function* () {
      running++
      maxRunning = Math.max(maxRunning, running)
      yield* cost(n)
      return yield* effect
    }).pipe(Effect.ensuring(Effect.sync(() => running--)))

  const wholeCall = (smiles: ReadonlyArray<string>): Effect.Effect<void, PeriogtError> => {
    if (smiles.some((s) => s.includes("DEFECT"))) return Effect.die(new Error("test double: simulated crash inside the Predictor"))
    if (smiles.some((s) => s.includes("FAILCALL"))) return Effect.fail(new InternalError({ message: "test double: simulated failure of a whole Predictor call" }))
    return Effect.void
  }

  const layer = Layer.succeed(
    Predictor,
    Predictor.of({
      status: () => status,
      properties: () => props,
      predict: (items: ReadonlyArray<PredictItem>) => {
        control.predictCalls.push(items.length)
        control.predictSmiles.push(items.map((i) => i.smiles))
        if (items.some((i) => i.smiles.includes("SYNCTHROW"))) throw new Error("test double: simulated synchronous throw")
        return tracked(
          items.length,
          Effect.as(
            wholeCall(items.map((i) => i.smiles)),
            items.map((item): PredictOutcome => {
              const bad = checkItem(item.smiles)
              if (bad !== undefined) return { ok: false, smiles: item.smiles, error: bad }
              return {
                ok: true,
                smiles: item.smiles,
                values: item.properties.map((property) => ({ property, value: (hash(`${item.smiles}|${property}`) % 100000) / 100, units: "test-double", checkpoint: `test-double/${property}.onnx` })),
                embedding: item.returnEmbedding ? embedding(item.smiles) : undefined,
              }
            }),
          ),
        )
      },
      embed: (smiles: ReadonlyArray<string>) => {
        control.embedCalls.push(smiles.length)
        return tracked(
          smiles.length,
          Effect.as(
            wholeCall(smiles),
            smiles.map((s): EmbedOutcome => {
              const bad = checkItem(s)
              return bad !== undefined ? { ok: false, smiles: s, error: bad } : { ok: true, smiles: s, embedding: embedding(s) }
            }),
          ),
        )
      },
    }),
  )
  return { layer, control }
}
