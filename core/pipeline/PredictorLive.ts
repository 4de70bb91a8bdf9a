import { Effect, Exit, Layer, Scope } from "effect"
import { propertyMeta } from "../artifacts/properties.ts"
import { AppConfig } from "../config/index.ts"
import { ModelLoadFailed, toPeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { onnxRuntime, rdkit as loadedRDKit } from "../runtime/services.ts"
import type { StandardScalerParams } from "../io/pickle/index.ts"
import { loadEngine, readScaler } from "./engine.ts"
import { featurizeForNetwork } from "./Featurizer.ts"
import { makePredictor, type Featurize } from "./makePredictor.ts"
import type { Prepared } from "./prepare.ts"
import { Predictor, type PredictorShape, type PredictorStatus, type PropertyInfo } from "./Predictor.ts"
import { rdkitRanks } from "./ranks.ts"
import { makeFeaturizePool } from "./workers/pool.ts"

/**
 * How repeat units are featurized: on `workers` worker threads (a scoped pool: terminated when the
 * command's scope closes), or in the main thread when `workers` is 0.
 */
const makeFeaturize = (workers: number, scaler: StandardScalerParams) =>
  Effect.gen(function* () {
    const log = yield* Log
    // the same debug line whether the unit was featurized here or in a worker thread
    const onFallback = (smiles: string, n: number, reason: string) => log.debug(`descriptors of the capped ${n}-mer read by MinimalLib, not built in TypeScript`, { smiles: smiles.slice(0, 200), reason })
    if (workers === 0) {
      const rdkit = yield* loadedRDKit
      const ranks = rdkitRanks(rdkit)
      return (async (s) => featurizeForNetwork(rdkit, s, ranks, scaler, onFallback)) satisfies Featurize
    }
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => makeFeaturizePool({ size: workers, scaler, prewarm: 1, onFallback, onCrash: (smiles, reason) => log.warn("a featurization worker stopped; it is replaced", { smiles: smiles.slice(0, 200), reason }) })),
      (p) => Effect.promise(() => p.close()),
    )
    return pool.featurize satisfies Featurize
  })

/**
 * The real Predictor: ONNX Runtime and RDKit loaded once, the engine (converted networks, scaler, label
 * statistics) for the prepared properties, the chemistry of core/chem — featurized on worker threads
 * (PERIOGT_WORKERS). Provided once per command; needs a Scope, which holds the workers.
 */
const loadPredictor = (prepared: Prepared, options: LoadOptions = {}) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const t0 = performance.now()
    const scaler = yield* Effect.tryPromise({ try: () => readScaler(prepared.layout), catch: toPeriogtError })
    // Started before the models load, so the workers' RDKit loads meanwhile.
    const featurize = yield* makeFeaturize(config.workers.value, scaler)
    const ort = yield* onnxRuntime
    // the inference sessions live as long as the command's scope and are released when it closes
    const engine = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => loadEngine({ ort, layout: prepared.layout, index: prepared.index, properties: prepared.properties, device: prepared.device.device, threads: config.threads.value, scaler, oneShot: options.oneShot === true }),
        catch: toPeriogtError,
      }),
      (e) => Effect.promise(() => e.release()),
    )
    log.info("models loaded", { properties: prepared.properties.join(","), device: prepared.device.device, workers: config.workers.value, ms: Math.round(performance.now() - t0) })
    return makePredictor(engine, featurize, propertyInfos(prepared))
  })

const propertyInfos = (prepared: Prepared): ReadonlyArray<PropertyInfo> =>
  prepared.properties.map((id) => ({ id, label: propertyMeta(id).label, units: prepared.index[id]?.units ?? propertyMeta(id).units, checkpoint: prepared.index[id]?.checkpoint ?? "" }))

export interface LoadOptions {
  /** A single network run follows (predict, embeddings): sessions are built for a fast start, not for many runs. */
  readonly oneShot?: boolean
}

/** For the CLI commands: the Predictor once its models are loaded. */
export const predictorLayer = (prepared: Prepared, options: LoadOptions = {}) => Layer.effect(Predictor)(loadPredictor(prepared, options))

/**
 * For `serve`: the server listens at once and the models load in the background; until they are
 * loaded `status()` says so (health: initializing, model routes: 503 with Retry-After), and a load
 * that fails is reported by health and the log.
 */
export const backgroundPredictorLayer = (prepared: Prepared) =>
  Layer.effect(Predictor)(
    Effect.gen(function* () {
      const context = yield* Effect.context<AppConfig | Log>()
      const log = yield* Log
      // The workers live in a child of the layer's scope: closed with it when the server stops (at once
      // if the load finishes after that), or as soon as the load fails.
      const scope = yield* Scope.fork(yield* Effect.scope, "sequential")
      let status: PredictorStatus = { state: "loading" }
      let loaded: PredictorShape | undefined
      yield* Effect.forkDetach(
        loadPredictor(prepared).pipe(
          Scope.provide(scope),
          Effect.provide(context),
          Effect.matchEffect({
            onSuccess: (p) =>
              Effect.sync(() => {
                loaded = p
                status = { state: "ready" }
              }),
            onFailure: (error) =>
              Effect.sync(() => {
                status = { state: "failed", error }
                log.error(`loading the models failed: ${error.code}: ${error.message}`, { action: error.action })
              }).pipe(Effect.andThen(Scope.close(scope, Exit.fail(error)))),
          }),
        ),
      )
      const notReady = () => new ModelLoadFailed({ message: status.state === "failed" ? status.error.message : "the models are still loading", action: "retry shortly; GET /v1/health says when they are loaded" })
      const shape: PredictorShape = {
        status: () => status,
        properties: () => propertyInfos(prepared),
        predict: (items) => (loaded === undefined ? Effect.fail(notReady()) : loaded.predict(items)),
        embed: (smiles) => (loaded === undefined ? Effect.fail(notReady()) : loaded.embed(smiles)),
      }
      return shape
    }),
  )
