/**
 * The /api/hpc routes, spread into the server's route table (core/server/routes.ts). They are public to
 * the X-Api-Key check: the hub authenticates by the protocol's HMAC signature instead (request.ts), and
 * answers as an unknown path while it is disabled. Hidden from /openapi.json: EMX2's design document is
 * their reference, and their errors are RFC 9457 bodies, not the /v1 shape.
 */
import type { Handler, RouteSpec } from "../http/Route.ts"
import {
  MAX_FILE_DEPTH,
  cancelJob,
  claimJob,
  commitArtifact,
  completeJob,
  createArtifact,
  createJob,
  deleteFile,
  deleteJob,
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

export const HUB_ROUTES: ReadonlyArray<RouteSpec> = [
  route("GET", "/api/hpc/health", "EMX2 hub liveness (no signature needed)", health),
  route("POST", "/api/hpc/workers/register", "Register or update a worker and its capabilities", register),
  route("GET", "/api/hpc/workers", "The registered workers", listWorkers),
  route("GET", "/api/hpc/workers/{id}", "One worker", getWorker),
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
  route("GET", "/api/hpc/artifacts/{id}/files", "List an artifact's files", listFiles),
  route("POST", "/api/hpc/artifacts/{id}/commit", "Commit an artifact with its tree hash", commitArtifact),
  ...fileTemplates.flatMap((path) => [
    route("PUT", path, "Upload a file (bytes, or JSON metadata)", putFile),
    route("GET", path, "Download a file (HEAD: its metadata)", getFile),
    route("DELETE", path, "Delete a file before commit", deleteFile),
  ]),
]
