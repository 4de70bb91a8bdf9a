/**
 * The demonstration Predictor: the embedded tiny synthetic checkpoints converted to ONNX in memory, the
 * embedded scaler, and the real featurization — the same code path as a PerioGT prediction, with weights
 * that mean nothing. Every output built on it is labelled as a demonstration.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config/index.ts"
import { toPeriogtError } from "../errors/index.ts"
import type { StandardScalerParams } from "../io/pickle/index.ts"
import { readCheckpoint } from "../model/checkpoint/index.ts"
import { createSession } from "../model/inference/index.ts"
import { buildEncoderModel, buildFinetunedModel } from "../model/onnx/index.ts"
import { DEMO_ASSETS } from "../demo/assets.ts"
import type { OnnxRuntime } from "../runtime/onnxRuntime.ts"
import { onnxRuntime, rdkit as loadedRDKit } from "../runtime/services.ts"
import type { Engine } from "./engine.ts"
import { ValidationError } from "../errors/index.ts"
import { networkInputOf, type UnitFeatures } from "./Featurizer.ts"
import { makePredictor } from "./makePredictor.ts"
import { Predictor } from "./Predictor.ts"
import { DEMO_PROPERTY } from "../demo/demoModel.ts"
import { featuresOf } from "./Featurizer.ts"
import { rdkitRanks } from "./ranks.ts"

/** The demonstration scaler (fitted on the embedded examples, core/demo/assets/README.md). */
export const readDemoScaler = async (): Promise<StandardScalerParams> => {
  const json = (await Bun.file(DEMO_ASSETS.scalerJson).json()) as { mean: number[]; scale: number[]; samples: number }
  const mean = Float64Array.from(json.mean)
  const scale = Float64Array.from(json.scale)
  return { mean, scale, variance: scale.map((s) => s * s), nFeaturesIn: mean.length, nSamplesSeen: json.samples, withMean: true, withStd: true, sklearnVersion: null }
}

const loadDemoEngine = async (ort: OnnxRuntime, threads: number): Promise<Engine> => {
  const cfg = { provider: "cpu", intraOpThreads: threads } as const
  const pretrained = await readCheckpoint(DEMO_ASSETS.pretrainedPth)
  const finetuned = await readCheckpoint(DEMO_ASSETS.finetunedPth)
  const encoder = await createSession(ort, buildEncoderModel(pretrained.tensors, { source: "demonstration pretrained.pth" }).bytes, { ...cfg, name: "demonstration encoder" })
  const head = await createSession(ort, buildFinetunedModel(finetuned.tensors, { source: "demonstration finetuned.pth" }).bytes, { ...cfg, name: "demonstration finetuned" })
  return {
    encoder,
    finetuned: new Map([[DEMO_PROPERTY.id, head]]),
    scaler: await readDemoScaler(),
    labelStats: new Map([[DEMO_PROPERTY.id, { mean: 0, std: 1 }]]),
    release: async () => {
      await encoder.release()
      await head.release()
    },
  }
}

/**
 * The Predictor over the demonstration model (CPU; it is small). `featuresFor` is the caller's
 * Featurizer: the demo renders the same features the network receives, computed once per unit.
 */
export const demoPredictorLayerWith = (featuresFor: (smiles: string) => UnitFeatures | ValidationError) =>
  Layer.effect(Predictor)(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const ort = yield* onnxRuntime
      const engine = yield* Effect.acquireRelease(Effect.tryPromise({ try: () => loadDemoEngine(ort, config.threads.value), catch: toPeriogtError }), (e) => Effect.promise(() => e.release()))
      return makePredictor(
        engine,
        async (s) => {
          const f = featuresFor(s)
          return f instanceof ValidationError ? f : networkInputOf(f)
        },
        [DEMO_PROPERTY],
      )
    }),
  )

/** The demonstration Predictor with its own Featurizer (RDKit, canonical ranks, the demonstration scaler). */
export const demoPredictorLayer = Layer.unwrap(
  Effect.gen(function* () {
    const rdkit = yield* loadedRDKit
    const scaler = yield* Effect.tryPromise({ try: () => readDemoScaler(), catch: toPeriogtError })
    const ranks = rdkitRanks(rdkit)
    return demoPredictorLayerWith((s) => featuresOf(rdkit, s, { ranks, scaler }))
  }),
)
