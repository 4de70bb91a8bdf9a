import { Effect, Layer } from "effect"
import { propertyMeta } from "../artifacts/properties.ts"
import { AppConfig } from "../config/index.ts"
import { ModelLoadFailed, toPeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { loadOnnxRuntime } from "../runtime/onnxRuntime.ts"
import { loadRDKit } from "../runtime/rdkit.ts"
import { loadEngine } from "./engine.ts"
import { featurizeForNetwork } from "./featurize.ts"
import { makePredictor } from "./makePredictor.ts"
import type { Prepared } from "./prepare.ts"
import { Predictor, type PredictorShape, type PredictorStatus, type PropertyInfo } from "./Predictor.ts"
import { rdkitRanks } from "./ranks.ts"

/**
 * The real Predictor: ONNX Runtime and RDKit loaded once, the engine (converted networks, scaler, label
 * statistics) for the prepared properties, the chemistry of core/chem. Provided once per command.
 */
const loadPredictor = (prepared: Prepared) =>
    Effect.gen(function* () {
      const config = yield* AppConfig
      const log = yield* Log
      const t0 = performance.now()
      const ort = yield* Effect.promise(() => loadOnnxRuntime(config.cacheDir.value))
      const rdkit = yield* Effect.promise(() => loadRDKit())
      const engine = yield* Effect.tryPromise({
        try: () => loadEngine({ ort, layout: prepared.layout, index: prepared.index, properties: prepared.properties, device: prepared.device.device, threads: config.threads.value }),
        catch: toPeriogtError,
      })
      log.info("models loaded", { properties: prepared.properties.join(","), device: prepared.device.device, ms: Math.round(performance.now() - t0) })
      return makePredictor(engine, async (s) => featurizeForNetwork(rdkit, s, rdkitRanks(rdkit), engine.scaler), propertyInfos(prepared))
    })

const propertyInfos = (prepared: Prepared): ReadonlyArray<PropertyInfo> =>
  prepared.properties.map((id) => ({ id, label: propertyMeta(id).label, units: prepared.index[id]?.units ?? propertyMeta(id).units, checkpoint: prepared.index[id]?.checkpoint ?? "" }))

/** For the CLI commands: the Predictor once its models are loaded. */
export const predictorLayer = (prepared: Prepared) => Layer.effect(Predictor)(loadPredictor(prepared))

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
      let status: PredictorStatus = { state: "loading" }
      let loaded: PredictorShape | undefined
      yield* Effect.forkDetach(
        loadPredictor(prepared).pipe(
          Effect.provide(context),
          Effect.match({
            onSuccess: (p) => {
              loaded = p
              status = { state: "ready" }
            },
            onFailure: (error) => {
              status = { state: "failed", error }
              log.error(`loading the models failed: ${error.code}: ${error.message}`, { action: error.action })
            },
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
