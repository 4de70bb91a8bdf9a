import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { checkRepeatUnitText } from "../pipeline/Featurizer.ts"
import { EXIT, ValidationError } from "../errors/index.ts"
import { csvLine } from "../io/csv/index.ts"
import { prepareInference } from "../pipeline/prepare.ts"
import { Predictor } from "../pipeline/Predictor.ts"
import { predictorLayer } from "../pipeline/PredictorLive.ts"
import { writeOut } from "../io/stdout.ts"

export interface PredictOptions {
  readonly smiles?: string
  readonly property?: string
  readonly returnEmbedding?: boolean
  readonly format?: string
}

const requireSmiles = (smiles: string | undefined) =>
  Effect.gen(function* () {
    if (smiles === undefined) {
      return yield* new ValidationError({ message: "--smiles is required", action: "pass a repeat unit, e.g. --smiles '*CC(C)*'", details: { option: "--smiles" } })
    }
    const bad = checkRepeatUnitText(smiles)
    if (bad !== undefined) return yield* bad
    return smiles
  })

const requireFormat = (format: string | undefined) =>
  format === undefined || format === "json" || format === "csv"
    ? Effect.succeed(format ?? "json")
    : Effect.fail(new ValidationError({ message: `--format ${format} is not valid; expected json or csv`, action: "use --format json or --format csv", details: { option: "--format", value: format, allowed: ["json", "csv"] } }))

/** `predict`: the Python backend's response per property — one object, or an array for several properties. */
export const predictProgram = (o: PredictOptions) =>
  Effect.gen(function* () {
    const format = yield* requireFormat(o.format)
    const smiles = yield* requireSmiles(o.smiles)
    const prepared = yield* prepareInference(o.property)
    return yield* Effect.gen(function* () {
      const predictor = yield* Predictor
      const [outcome] = yield* predictor.predict([{ smiles, properties: prepared.properties, returnEmbedding: o.returnEmbedding === true }])
      if (outcome === undefined) return EXIT.fatal
      if (!outcome.ok) return yield* Effect.fail(outcome.error)
      const bodies = outcome.values.map((v) => ({
        smiles,
        property: v.property,
        prediction: { value: v.value, units: v.units },
        ...(outcome.embedding === undefined ? {} : { embedding: Array.from(outcome.embedding) }),
        model: { name: "PerioGT", checkpoint: v.checkpoint },
        request_id: randomUUID(),
      }))
      if (format === "csv") for (const b of bodies) writeOut(csvLine([b.smiles, b.property, String(b.prediction.value), b.prediction.units, b.request_id]))
      else writeOut(JSON.stringify(bodies.length === 1 ? bodies[0] : bodies, null, 2) + "\n")
      return EXIT.success
    }).pipe(Effect.provide(predictorLayer(prepared, { oneShot: true })))
  })

/** `embeddings`: `{smiles, embedding, dim, request_id}`; only the pretrained encoder is loaded. */
export const embeddingsProgram = (o: { readonly smiles?: string }) =>
  Effect.gen(function* () {
    const smiles = yield* requireSmiles(o.smiles)
    const prepared = yield* prepareInference(null)
    return yield* Effect.gen(function* () {
      const predictor = yield* Predictor
      const [outcome] = yield* predictor.embed([smiles])
      if (outcome === undefined) return EXIT.fatal
      if (!outcome.ok) return yield* Effect.fail(outcome.error)
      writeOut(JSON.stringify({ smiles, embedding: Array.from(outcome.embedding), dim: outcome.embedding.length, request_id: randomUUID() }, null, 2) + "\n")
      return EXIT.success
    }).pipe(Effect.provide(predictorLayer(prepared, { oneShot: true })))
  })
