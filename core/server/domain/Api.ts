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

// --- Batch jobs (periogt additions; the Python backend has none) ---

export const Job = Schema.Struct({
  id: Schema.String,
  state: Schema.Literals(["queued", "running", "completed", "failed"]),
  name: Schema.String.annotate({ description: "The uploaded file's name" }),
  properties: Schema.Array(Schema.String).annotate({ description: "Property ids asked for, or ['all']" }),
  input_bytes: Schema.Int,
  rows_total: Schema.NullOr(Schema.Int).annotate({ description: "Input rows (an estimate from the line count until the job completes); null before it starts" }),
  rows_done: Schema.Int,
  rows_failed: Schema.Int.annotate({ description: "Input rows that failed (known when the job completes)" }),
  rows_per_second: Schema.NullOr(Schema.Number).annotate({ description: "Pace of the running job in this run; null otherwise" }),
  eta_seconds: Schema.NullOr(Schema.Number),
  created_at: Schema.String.annotate({ description: "ISO 8601" }),
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  error: Schema.NullOr(ErrorDetail).annotate({ description: "Why the job failed (state failed)" }),
  results_url: Schema.NullOr(Schema.String).annotate({ description: "GET it for the results CSV once completed" }),
}).annotate({ identifier: "Job" })
export type Job = typeof Job.Type

export const JobList = Schema.Struct({
  jobs: Schema.Array(Job).annotate({ description: "Newest first (at most 100)" }),
}).annotate({ identifier: "JobList" })
export type JobList = typeof JobList.Type

// --- The web page's helpers (periogt additions) ---

export const ValidateRequest = Schema.Struct({
  smiles: Schema.String.annotate({ description: "Any text: a unit over the length limit is answered with its rule (too_long), not refused" }),
}).annotate({ identifier: "ValidateRequest" })
export type ValidateRequest = typeof ValidateRequest.Type

export const ValidateResponse = Schema.Struct({
  smiles: Schema.String,
  valid: Schema.Boolean,
  rule: Schema.NullOr(Schema.String).annotate({ description: "The first validation rule broken (details.rule of validation_error), null when valid" }),
  rule_text: Schema.NullOr(Schema.String).annotate({ description: "That rule in words" }),
  message: Schema.NullOr(Schema.String),
  svg: Schema.NullOr(Schema.String).annotate({ description: "A depiction (RDKit MinimalLib SVG) when the SMILES can be read, valid or not" }),
}).annotate({ identifier: "ValidateResponse" })
export type ValidateResponse = typeof ValidateResponse.Type

export const Example = Schema.Struct({
  id: Schema.String,
  smiles: Schema.String,
  svg: Schema.NullOr(Schema.String),
}).annotate({ identifier: "Example" })

export const ExamplesResponse = Schema.Struct({ examples: Schema.Array(Example) }).annotate({ identifier: "ExamplesResponse" })
export type ExamplesResponse = typeof ExamplesResponse.Type

export const InfoResponse = Schema.Struct({
  version: Schema.String,
  demo: Schema.Boolean.annotate({ description: "true when serving the embedded demonstration model (serve --demo): its outputs are not PerioGT predictions" }),
  model: Schema.String,
  jobs: Schema.Boolean.annotate({ description: "whether /v1/jobs is available" }),
  max_upload_bytes: Schema.Int,
  max_active_jobs_per_client: Schema.Int,
}).annotate({ identifier: "InfoResponse" })
export type InfoResponse = typeof InfoResponse.Type
