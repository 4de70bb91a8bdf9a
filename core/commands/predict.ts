import { Effect } from "effect"
import { checkRepeatUnitText } from "../chem/polymer/validateText.ts"
import { ValidationError } from "../errors/index.ts"
import { engineUnavailable, prepareInference } from "../pipeline/prepare.ts"

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

export const predictProgram = (o: PredictOptions) =>
  Effect.gen(function* () {
    yield* requireFormat(o.format)
    yield* requireSmiles(o.smiles)
    const prepared = yield* prepareInference(o.property)
    return yield* engineUnavailable(prepared)
  })

export const embeddingsProgram = (o: { readonly smiles?: string }) =>
  Effect.gen(function* () {
    yield* requireSmiles(o.smiles)
    const prepared = yield* prepareInference("all")
    return yield* engineUnavailable(prepared)
  })
