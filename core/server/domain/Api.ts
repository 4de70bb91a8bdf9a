import { Schema } from "effect"
import { API_LIMITS } from "../limits.ts"

/**
 * The wire types of the /v1 API: the Python backend's request and response models
 * (services/modal-api/periogt_runtime/schemas.py) field for field, so its clients work unchanged.
 * The same Schemas validate requests and generate /openapi.json.
 */

const Smiles = Schema.String.check(Schema.isBetweenLength(API_LIMITS.smilesMinLength, API_LIMITS.smilesMaxLength)).annotate({
  description: "Polymer repeat-unit SMILES with * connection points",
  examples: ["*CC(C)*"],
})

const PropertyId = Schema.String.check(Schema.isBetweenLength(API_LIMITS.propertyMinLength, API_LIMITS.propertyMaxLength)).annotate({
  description: "Property ID, one of GET /v1/properties (e.g. 'eps')",
  examples: ["eps"],
})

// --- Requests ---

export const PredictRequest = Schema.Struct({
  smiles: Smiles,
  property: PropertyId,
  return_embedding: Schema.optionalKey(Schema.Boolean).annotate({ description: "Also return the graph embedding vector (default false)" }),
}).annotate({ identifier: "PredictRequest" })
export type PredictRequest = typeof PredictRequest.Type

export const EmbeddingRequest = Schema.Struct({
  smiles: Smiles,
}).annotate({ identifier: "EmbeddingRequest" })
export type EmbeddingRequest = typeof EmbeddingRequest.Type

export const BatchPredictRequest = Schema.Struct({
  items: Schema.Array(PredictRequest)
    .check(Schema.isMaxLength(API_LIMITS.batchMaxItems))
    .annotate({ description: `List of prediction requests (max ${API_LIMITS.batchMaxItems})` }),
}).annotate({ identifier: "BatchPredictRequest" })
export type BatchPredictRequest = typeof BatchPredictRequest.Type

// --- Responses ---

export const PredictionValue = Schema.Struct({
  value: Schema.Finite,
  units: Schema.String,
}).annotate({ identifier: "PredictionValue" })

export const ModelInfo = Schema.Struct({
  name: Schema.Literal("PerioGT"),
  checkpoint: Schema.String,
}).annotate({ identifier: "ModelInfo" })

const Embedding = Schema.Array(Schema.Finite)

export const PredictResponse = Schema.Struct({
  smiles: Schema.String,
  property: Schema.String,
  prediction: PredictionValue,
  embedding: Schema.NullOr(Embedding).annotate({ description: "The graph embedding when return_embedding was true, else null" }),
  model: ModelInfo,
  request_id: Schema.String,
}).annotate({ identifier: "PredictResponse" })
export type PredictResponse = typeof PredictResponse.Type

export const EmbeddingResponse = Schema.Struct({
  smiles: Schema.String,
  embedding: Embedding,
  dim: Schema.Int,
  request_id: Schema.String,
}).annotate({ identifier: "EmbeddingResponse" })
export type EmbeddingResponse = typeof EmbeddingResponse.Type

export const ErrorDetail = Schema.Struct({
  code: Schema.String.annotate({ description: "Stable error code: the periogt taxonomy (validation_error, unsupported_property, …) or an HTTP-level code (unauthorized, not_found, …)" }),
  message: Schema.String,
  action: Schema.optionalKey(Schema.String).annotate({ description: "What to do next (periogt addition; absent on HTTP-level errors)" }),
  details: Schema.Unknown.annotate({ description: "Structured context (object, list, string) or null" }),
}).annotate({ identifier: "ErrorDetail" })
export type ErrorDetail = typeof ErrorDetail.Type

export const BatchPredictResponse = Schema.Struct({
  results: Schema.Array(Schema.Union([PredictResponse, ErrorDetail])).annotate({ description: "One entry per item, in order: a prediction or that item's error" }),
  request_id: Schema.String,
}).annotate({ identifier: "BatchPredictResponse" })
export type BatchPredictResponse = typeof BatchPredictResponse.Type

export const PropertyInfo = Schema.Struct({
  id: Schema.String,
  label: Schema.String,
  units: Schema.String,
}).annotate({ identifier: "PropertyInfo" })

export const PropertiesResponse = Schema.Struct({
  properties: Schema.Array(PropertyInfo),
}).annotate({ identifier: "PropertiesResponse" })
export type PropertiesResponse = typeof PropertiesResponse.Type

export const HealthResponse = Schema.Struct({
  status: Schema.Literals(["ok", "initializing", "failed"]),
  model_loaded: Schema.Boolean,
  checkpoints_present: Schema.Boolean,
  gpu_available: Schema.Boolean,
  error: Schema.optionalKey(ErrorDetail),
}).annotate({
  identifier: "HealthResponse",
  description: "status 'initializing' while the model loads; 'failed' (with error, a periogt addition) when loading failed",
})
export type HealthResponse = typeof HealthResponse.Type

export const ErrorResponse = Schema.Struct({
  error: ErrorDetail,
  request_id: Schema.String,
}).annotate({ identifier: "ErrorResponse" })
export type ErrorResponse = typeof ErrorResponse.Type
