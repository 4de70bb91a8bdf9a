import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import {
  BatchPredictRequest,
  BatchPredictResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  ErrorResponse,
  HealthResponse,
  PredictRequest,
  PredictResponse,
  PropertiesResponse,
} from "./domain/Api.ts"
import { embeddings } from "./embeddings/Http.ts"
import { health } from "./health/Http.ts"
import { jsonResponse } from "./http/Problem.ts"
import type { ResponseDoc, RouteSpec } from "./http/Route.ts"
import { metrics } from "./metrics/Http.ts"
import { docsPage } from "./openapi/docsPage.ts"
import { openApiDocument, type OpenApiDocument } from "./openapi/OpenApi.ts"
import { predict, predictBatch } from "./predict/Http.ts"
import { properties } from "./properties/Http.ts"

const err = (description: string): ResponseDoc => ({ description, schema: ErrorResponse })

const AUTH = { 401: err("`unauthorized`: X-Api-Key missing or wrong (only when the server has a key)") }
const MODEL = {
  500: err("`model_load_failed` or another setup error: the model could not be loaded; `internal_error`: a bug"),
  503: err("`model_loading` while the model loads, or `overloaded` when the queue is full; both with Retry-After"),
}
const BODY = {
  413: err("`payload_too_large`: body over 1 MiB"),
  415: err("`unsupported_media_type`: Content-Type is not application/json"),
  422: err("`validation_error`: malformed JSON, a body that does not match the schema, or an invalid repeat unit"),
}
const TIMEOUT = { 504: err("`timeout`: no result within the request timeout") }

let documentCache: OpenApiDocument | undefined
let docsCache: string | undefined
const document = () => (documentCache ??= openApiDocument(ROUTES))

/**
 * The route table: paths and fields of the Python backend (seed 001 §F3), plus /openapi.json, /docs
 * (also at /v1/docs, where the Python backend serves it) and /metrics.
 */
export const ROUTES: ReadonlyArray<RouteSpec> = [
  {
    method: "GET",
    path: "/v1/health",
    public: false,
    tag: "service",
    summary: "Liveness and model state; never waits for the model",
    responses: { 200: { description: "Service state", schema: HealthResponse } },
    handler: health,
  },
  {
    method: "GET",
    path: "/v1/properties",
    public: false,
    tag: "inference",
    summary: "Properties the loaded models predict",
    responses: { 200: { description: "The properties", schema: PropertiesResponse }, ...AUTH, ...MODEL },
    handler: properties,
  },
  {
    method: "POST",
    path: "/v1/predict",
    public: false,
    tag: "inference",
    summary: "Predict one property of one polymer repeat unit",
    description: "An unknown property is 422 unsupported_property; an invalid repeat unit is 422 validation_error with details.rule.",
    request: PredictRequest,
    responses: { 200: { description: "The prediction", schema: PredictResponse }, ...AUTH, ...BODY, ...MODEL, ...TIMEOUT },
    handler: predict,
  },
  {
    method: "POST",
    path: "/v1/embeddings",
    public: false,
    tag: "inference",
    summary: "Graph embedding of one polymer repeat unit",
    request: EmbeddingRequest,
    responses: { 200: { description: "The embedding", schema: EmbeddingResponse }, ...AUTH, ...BODY, ...MODEL, ...TIMEOUT },
    handler: embeddings,
  },
  {
    method: "POST",
    path: "/v1/predict/batch",
    public: false,
    tag: "inference",
    summary: "Predict up to 100 items; each result is a prediction or that item's error",
    request: BatchPredictRequest,
    responses: { 200: { description: "One result per item, in order", schema: BatchPredictResponse }, ...AUTH, ...BODY, ...MODEL, ...TIMEOUT },
    handler: predictBatch,
  },
  {
    method: "GET",
    path: "/metrics",
    public: false,
    tag: "service",
    summary: "Prometheus metrics: requests by route and status, latency, batch sizes, queue depth",
    responses: { 200: { description: "Prometheus text format 0.0.4", contentType: "text/plain" }, ...AUTH },
    handler: metrics,
  },
  {
    method: "GET",
    path: "/openapi.json",
    public: false,
    tag: "service",
    summary: "This API as an OpenAPI 3.1 document",
    responses: { 200: { description: "The OpenAPI document", contentType: "application/json" } },
    handler: () => Effect.sync(() => jsonResponse(document())),
  },
  ...["/docs", "/v1/docs"].map(
    (path): RouteSpec => ({
      method: "GET",
      path,
      public: false,
      tag: "service",
      summary: "This API as a readable page (self-contained HTML)",
      responses: { 200: { description: "HTML", contentType: "text/html" } },
      handler: () => Effect.sync(() => HttpServerResponse.html((docsCache ??= docsPage(document())))),
    }),
  ),
]
