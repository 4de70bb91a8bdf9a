import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import {
  BatchPredictRequest,
  BatchPredictResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  ErrorResponse,
  ExamplesResponse,
  HealthResponse,
  InfoResponse,
  Job,
  JobList,
  PredictRequest,
  PredictResponse,
  PropertiesResponse,
  ValidateRequest,
  ValidateResponse,
} from "./domain/Api.ts"
import { embeddings } from "./embeddings/Http.ts"
import { health } from "./health/Http.ts"
import { HUB_ROUTES } from "./hpc/routes.ts"
import { jsonResponse } from "./http/Problem.ts"
import type { ResponseDoc, RouteSpec } from "./http/Route.ts"
import { createJob, deleteJob, getJob, jobResults, listJobs } from "./jobs/Http.ts"
import { metrics } from "./metrics/Http.ts"
import { examples, info, validate } from "./page/helpers.ts"
import { page, pageCss, pageJs } from "./page/Http.ts"
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
const JOBS = { 503: err("`jobs_unavailable`: this server has no job directory") }
const NOT_FOUND = { 404: err("`not_found`: no job with this id") }

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
  {
    method: "POST",
    path: "/v1/jobs",
    public: false,
    tag: "jobs",
    summary: "Upload a CSV and run it as a batch job in the background",
    description:
      "The body is the CSV itself (Content-Type text/csv): a `smiles` column and optionally `id`, as `periogt batch` reads. The job is queued, then runs through the same resumable batch engine; it survives a restart of the server. Answers 202 with the job and a Location header.",
    rawRequest: { contentType: "text/csv", description: "The input CSV (at most limits.maxUploadBytes, 64 MiB by default)" },
    query: [
      { name: "property", description: "Property id, comma list, or all (default all)" },
      { name: "name", description: "The file's name, shown in the job and used for the results' file name" },
    ],
    responses: {
      202: { description: "The queued job", schema: Job },
      ...AUTH,
      413: err("`payload_too_large`: the upload is over the limit"),
      415: err("`unsupported_media_type`: not a CSV"),
      422: err("`validation_error`: empty upload, or no `smiles` column; `unsupported_property`"),
      429: err("`too_many_jobs`: this client already has its limit of jobs queued or running; Retry-After"),
      ...JOBS,
    },
    handler: createJob,
  },
  {
    method: "GET",
    path: "/v1/jobs",
    public: false,
    tag: "jobs",
    summary: "The jobs, newest first",
    responses: { 200: { description: "The jobs", schema: JobList }, ...AUTH, ...JOBS },
    handler: listJobs,
  },
  {
    method: "GET",
    path: "/v1/jobs/{id}",
    public: false,
    tag: "jobs",
    summary: "One job: state (queued, running, completed, failed), rows done, pace and ETA",
    responses: { 200: { description: "The job", schema: Job }, ...AUTH, ...NOT_FOUND, ...JOBS },
    handler: getJob,
  },
  {
    method: "DELETE",
    path: "/v1/jobs/{id}",
    public: false,
    tag: "jobs",
    summary: "Stop a job if it runs, and delete it with its input and results",
    responses: { 204: { description: "Deleted" }, ...AUTH, ...NOT_FOUND, ...JOBS },
    handler: deleteJob,
  },
  {
    method: "GET",
    path: "/v1/jobs/{id}/results",
    public: false,
    tag: "jobs",
    summary: "The results CSV of a completed job (the columns of `periogt batch`)",
    responses: {
      200: { description: "id, smiles, property, prediction_value, prediction_units, ok, error_code, error_message, request_id", contentType: "text/csv" },
      ...AUTH,
      ...NOT_FOUND,
      409: err("`job_not_finished`: the job is not completed"),
      ...JOBS,
    },
    handler: jobResults,
  },
  {
    method: "POST",
    path: "/v1/validate",
    public: false,
    tag: "page",
    summary: "Validate a repeat unit (the rule it breaks) and depict it (SVG)",
    request: ValidateRequest,
    responses: { 200: { description: "The verdict", schema: ValidateResponse }, ...AUTH, ...BODY },
    handler: validate,
  },
  {
    method: "GET",
    path: "/v1/examples",
    public: false,
    tag: "page",
    summary: "The demo's example polymers, depicted",
    responses: { 200: { description: "The examples", schema: ExamplesResponse }, ...AUTH },
    handler: examples,
  },
  {
    method: "GET",
    path: "/v1/info",
    public: false,
    tag: "page",
    summary: "Version, whether the demonstration model is served, job limits",
    responses: { 200: { description: "About this server", schema: InfoResponse }, ...AUTH },
    handler: info,
  },
  ...(
    [
      ["/", page],
      ["/page.js", pageJs],
      ["/page.css", pageCss],
    ] as const
  ).map(
    ([path, handler]): RouteSpec => ({
      method: "GET",
      path,
      public: true,
      hidden: true,
      tag: "page",
      summary: "The web page",
      responses: { 200: { description: "The page" } },
      handler,
    }),
  ),
  // the EMX2 HPC hub (core/server/hpc): answers as unknown paths unless hpc_secret_file is set
  ...HUB_ROUTES,
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
