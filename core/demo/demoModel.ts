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
import type { Engine } from "../pipeline/engine.ts"
import { featurizeForNetwork } from "../pipeline/featurize.ts"
import { makePredictor } from "../pipeline/makePredictor.ts"
import { Predictor, type PropertyInfo } from "../pipeline/Predictor.ts"
import { rdkitRanks } from "../pipeline/ranks.ts"
import { loadOnnxRuntime } from "../runtime/onnxRuntime.ts"
import { loadRDKit } from "../runtime/rdkit.ts"
import { DEMO_ASSETS } from "./assets.ts"

export const DEMO_PROPERTY: PropertyInfo = { id: "demo", label: "demonstration output (untrained synthetic network)", units: "arbitrary", checkpoint: "embedded demonstration model" }

export const DEMO_MODEL_NAME = "periogt demonstration model: PerioGT's architecture, tiny configuration, untrained seeded weights — not a PerioGT prediction"

const readDemoScaler = async (): Promise<StandardScalerParams> => {
  const json = (await Bun.file(DEMO_ASSETS.scalerJson).json()) as { mean: number[]; scale: number[]; samples: number }
  const mean = Float64Array.from(json.mean)
  const scale = Float64Array.from(json.scale)
  return { mean, scale, variance: scale.map((s) => s * s), nFeaturesIn: mean.length, nSamplesSeen: json.samples, withMean: true, withStd: true, sklearnVersion: null }
}

const loadDemoEngine = async (ort: Awaited<ReturnType<typeof loadOnnxRuntime>>, threads: number): Promise<Engine> => {
  const cfg = { provider: "cpu", ...(threads > 0 ? { intraOpThreads: threads } : {}) } as const
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

/** The Predictor over the demonstration model (CPU; it is small). */
export const demoPredictorLayer = Layer.effect(Predictor)(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const ort = yield* Effect.promise(() => loadOnnxRuntime(config.cacheDir.value))
    const rdkit = yield* Effect.promise(() => loadRDKit())
    const engine = yield* Effect.tryPromise({ try: () => loadDemoEngine(ort, config.threads.value), catch: toPeriogtError })
    const ranks = rdkitRanks(rdkit)
    return makePredictor(engine, async (s) => featurizeForNetwork(rdkit, s, ranks, engine.scaler), [DEMO_PROPERTY])
  }),
)
