/**
 * The /api/hpc routes, spread into the server's route table (core/server/routes.ts). They are public to
 * the X-Api-Key check: the hub authenticates by the protocol's HMAC signature instead (request.ts), and
 * answers as an unknown path while it is disabled. Hidden from /openapi.json: EMX2's design document is
 * their reference, and their errors are RFC 9457 bodies, not the /v1 shape.
 */
import { Job } from "../../bridge/protocol/index.ts"
import { ErrorResponse } from "../domain/Api.ts"
import type { Handler, RouteSpec } from "../http/Route.ts"
import { HubOverview, clusterJobResults, createClusterJob, hubOverview } from "./PageApi.ts"
import {
  MAX_FILE_DEPTH,
  cancelJob,
  claimJob,
  commitArtifact,
  completeJob,
  createArtifact,
  createJob,
  deleteArtifact,
  deleteFile,
  deleteJob,
  deleteWorker,
  getArtifact,
  getFile,
  getJob,
  getWorker,
  health,
  heartbeat,
  jobTransitions,
  listFiles,
  listJobs,
  listWorkers,
  putFile,
  register,
  transitionJob,
} from "./Http.ts"

const route = (method: RouteSpec["method"], path: string, summary: string, handler: Handler): RouteSpec => ({
  method,
  path,
  public: true,
  hidden: true,
  tag: "hpc",
  summary,
  responses: { 200: { description: summary } },
  handler,
})

/** `{p1}/{p2}/…`: the router's templates match one segment each, so one template per depth. */
const fileTemplates = Array.from({ length: MAX_FILE_DEPTH }, (_, i) => `/api/hpc/artifacts/{id}/files/${Array.from({ length: i + 1 }, (_, j) => `{p${j + 1}}`).join("/")}`)

const err = (description: string) => ({ description, schema: ErrorResponse })
const UNAVAILABLE = { 503: err("`hub_unavailable`: the EMX2 hub is not enabled (no hpc_secret_file)") }
const AUTH = { 401: err("`unauthorized`: X-Api-Key missing or wrong (only when the server has a key)") }

/** The page's view of the hub: under /v1, behind X-Api-Key, documented in /openapi.json. */
const PAGE_ROUTES: ReadonlyArray<RouteSpec> = [
  {
    method: "GET",
    path: "/v1/hub",
    public: false,
    tag: "hub",
    summary: "The EMX2 hub: whether it is on, its workers and its 50 newest jobs",
    responses: { 200: { description: "The hub", schema: HubOverview }, ...AUTH },
    handler: hubOverview,
  },
  {
    method: "POST",
    path: "/v1/hub/jobs",
    public: false,
    tag: "hub",
    summary: "Send a CSV to a cluster: a hub job (processor periogt) that a periogt bridge worker runs",
    description: "The CSV becomes a committed managed artifact and the job's input; the job waits PENDING until a worker claims it.",
    rawRequest: { contentType: "text/csv", description: "The input CSV (at most limits.maxUploadBytes)" },
    query: [
      { name: "property", description: "Property id, comma list, or all (default all)" },
      { name: "name", description: "The file's name" },
      { name: "profile", description: "The bridge profile to run on (default: any)" },
    ],
    responses: {
      202: { description: "The PENDING hub job", schema: Job },
      ...AUTH,
      413: err("`payload_too_large`: the upload is over the limit"),
      415: err("`unsupported_media_type`: not a CSV"),
      422: err("`validation_error`: no smiles column, or an invalid property"),
      ...UNAVAILABLE,
    },
    handler: createClusterJob,
  },
  {
    method: "GET",
    path: "/v1/hub/jobs/{id}/results",
    public: false,
    tag: "hub",
    summary: "The results CSV of a COMPLETED cluster job (its output artifact)",
    responses: {
      200: { description: "The CSV", contentType: "text/csv" },
      ...AUTH,
      404: err("`not_found`: no such hub job, or no stored output (`details.reason` is `output_deleted` once its output artifact was deleted)"),
      409: err("`job_not_finished`: the job is not COMPLETED"),
      ...UNAVAILABLE,
    },
    handler: clusterJobResults,
  },
]

export const HUB_ROUTES: ReadonlyArray<RouteSpec> = [
  ...PAGE_ROUTES,
  route("GET", "/api/hpc/health", "EMX2 hub liveness (no signature needed)", health),
  route("POST", "/api/hpc/workers/register", "Register or update a worker and its capabilities", register),
  route("GET", "/api/hpc/workers", "The registered workers", listWorkers),
  route("GET", "/api/hpc/workers/{id}", "One worker", getWorker),
  route("DELETE", "/api/hpc/workers/{id}", "Remove a worker (its past jobs kept, worker_id null); 409 while it holds live jobs", deleteWorker),
  route("POST", "/api/hpc/workers/{id}/heartbeat", "Worker keepalive", heartbeat),
  route("POST", "/api/hpc/jobs", "Create a job (PENDING)", createJob),
  route("GET", "/api/hpc/jobs", "List jobs by status (default PENDING), processor, profile", listJobs),
  route("GET", "/api/hpc/jobs/{id}", "One job", getJob),
  route("DELETE", "/api/hpc/jobs/{id}", "Delete a terminal job and its history", deleteJob),
  route("POST", "/api/hpc/jobs/{id}/claim", "Atomically claim a pending job", claimJob),
  route("POST", "/api/hpc/jobs/{id}/transition", "Report a state transition", transitionJob),
  route("POST", "/api/hpc/jobs/{id}/complete", "Report a terminal transition (idempotent)", completeJob),
  route("POST", "/api/hpc/jobs/{id}/cancel", "Cancel a live job", cancelJob),
  route("GET", "/api/hpc/jobs/{id}/transitions", "The job's transition log", jobTransitions),
  route("POST", "/api/hpc/artifacts", "Create an artifact", createArtifact),
  route("GET", "/api/hpc/artifacts/{id}", "One artifact", getArtifact),
  route("DELETE", "/api/hpc/artifacts/{id}", "Delete an artifact, its files and unshared bytes; 409 while a live job uses it", deleteArtifact),
  route("GET", "/api/hpc/artifacts/{id}/files", "List an artifact's files", listFiles),
  route("POST", "/api/hpc/artifacts/{id}/commit", "Commit an artifact with its tree hash", commitArtifact),
  ...fileTemplates.flatMap((path) => [
    route("PUT", path, "Upload a file (bytes, or JSON metadata)", putFile),
    route("GET", path, "Download a file, or one byte range of it (HEAD: its metadata)", getFile),
    route("DELETE", path, "Delete a file before commit", deleteFile),
  ]),
]
