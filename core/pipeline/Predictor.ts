import { Context, type Effect } from "effect"
import type { PeriogtError } from "../errors/index.ts"

/** A property the loaded models can predict, as `GET /v1/properties` lists it. */
export interface PropertyInfo {
  readonly id: string
  readonly label: string
  readonly units: string
  readonly checkpoint: string
}

/** One repeat unit and the properties wanted for it. */
export interface PredictItem {
  readonly smiles: string
  readonly properties: ReadonlyArray<string>
  readonly returnEmbedding: boolean
}

export interface PropertyValue {
  readonly property: string
  readonly value: number
  readonly units: string
  readonly checkpoint: string
}

/** Per item: its values (one per requested property), or the error that item met. */
export type PredictOutcome =
  | { readonly ok: true; readonly smiles: string; readonly values: ReadonlyArray<PropertyValue>; readonly embedding: Float32Array | undefined }
  | { readonly ok: false; readonly smiles: string; readonly error: PeriogtError }

export type EmbedOutcome =
  | { readonly ok: true; readonly smiles: string; readonly embedding: Float32Array }
  | { readonly ok: false; readonly smiles: string; readonly error: PeriogtError }

export type PredictorStatus = { readonly state: "loading" } | { readonly state: "ready" } | { readonly state: "failed"; readonly error: PeriogtError }

/**
 * The inference pipeline as every front end sees it (CLI predict/batch, the HTTP server): many repeat
 * units per call, so graphs of many molecules share network runs. An item's own failure (an invalid
 * repeat unit) is its outcome, never the call's; the call fails only for what stops every item.
 */
export interface PredictorShape {
  readonly status: () => PredictorStatus
  readonly properties: () => ReadonlyArray<PropertyInfo>
  readonly predict: (items: ReadonlyArray<PredictItem>) => Effect.Effect<ReadonlyArray<PredictOutcome>, PeriogtError>
  readonly embed: (smiles: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<EmbedOutcome>, PeriogtError>
}

export class Predictor extends Context.Service<Predictor, PredictorShape>()("periogt/Predictor") {}
