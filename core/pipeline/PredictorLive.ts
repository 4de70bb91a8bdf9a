import { Effect, Layer } from "effect"
import { propertyMeta } from "../artifacts/properties.ts"
import { AppConfig } from "../config/index.ts"
import { toPeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { loadOnnxRuntime } from "../runtime/onnxRuntime.ts"
import { loadRDKit } from "../runtime/rdkit.ts"
import { loadEngine } from "./engine.ts"
import { featurizeForNetwork } from "./featurize.ts"
import { makePredictor } from "./makePredictor.ts"
import type { Prepared } from "./prepare.ts"
import { Predictor } from "./Predictor.ts"
import { rdkitRanks } from "./ranks.ts"

/**
 * The real Predictor: ONNX Runtime and RDKit loaded once, the engine (converted networks, scaler, label
 * statistics) for the prepared properties, the chemistry of core/chem. Provided once per command.
 */
export const predictorLayer = (prepared: Prepared) =>
  Layer.effect(Predictor)(
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
      const properties = prepared.properties.map((id) => ({ id, label: propertyMeta(id).label, units: prepared.index[id]?.units ?? propertyMeta(id).units, checkpoint: prepared.index[id]?.checkpoint ?? "" }))
      return makePredictor(engine, async (s) => featurizeForNetwork(rdkit, s, rdkitRanks, engine.scaler), properties)
    }),
  )
