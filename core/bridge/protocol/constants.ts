/**
 * Wire constants of the MOLGENIS EMX2 HPC protocol (docs/hpc/design.md, "API Design" and Appendix A).
 * They are facts of the protocol, not choices of periogt: a daemon written for EMX2 sends exactly these.
 */

/** Sent in `X-EMX2-API-Version` on every request; any other value is refused with 400. */
export const API_VERSION = "2025-01"

/** Every route of the protocol lives under this prefix. */
export const BASE_PATH = "/api/hpc"

/** Header names as the protocol spells them (HTTP compares them case-insensitively). */
export const HEADERS = {
  apiVersion: "X-EMX2-API-Version",
  requestId: "X-Request-Id",
  traceId: "X-Trace-Id",
  timestamp: "X-Timestamp",
  nonce: "X-Nonce",
  workerId: "X-Worker-Id",
  authorization: "Authorization",
  contentSha256: "Content-SHA256",
  /** Download/HEAD answers carry the stored file's digest here. */
  xContentSha256: "X-Content-SHA256",
  totalCount: "X-Total-Count",
} as const

/** `Authorization: HMAC-SHA256 <hex>`. */
export const AUTH_SCHEME = "HMAC-SHA256"

/** Seconds a signed request's `X-Timestamp` may differ from the server's clock (EMX2 uses 5 minutes). */
export const TIMESTAMP_WINDOW_SECONDS = 300

/** EMX2 refuses shared secrets shorter than this; so does the periogt hub. */
export const MIN_SECRET_LENGTH = 32

/** Bounds EMX2 puts on the optional progress fields of a transition. */
export const PROGRESS_LIMITS = { phaseMaxLength: 100, messageMaxLength: 500 } as const

/** Paths, built the way the reference server links them (clients should still follow `_links`). */
export const paths = {
  health: `${BASE_PATH}/health`,
  register: `${BASE_PATH}/workers/register`,
  worker: (id: string) => `${BASE_PATH}/workers/${id}`,
  heartbeat: (id: string) => `${BASE_PATH}/workers/${id}/heartbeat`,
  workers: `${BASE_PATH}/workers`,
  jobs: `${BASE_PATH}/jobs`,
  job: (id: string) => `${BASE_PATH}/jobs/${id}`,
  claim: (id: string) => `${BASE_PATH}/jobs/${id}/claim`,
  transition: (id: string) => `${BASE_PATH}/jobs/${id}/transition`,
  complete: (id: string) => `${BASE_PATH}/jobs/${id}/complete`,
  cancel: (id: string) => `${BASE_PATH}/jobs/${id}/cancel`,
  transitions: (id: string) => `${BASE_PATH}/jobs/${id}/transitions`,
  artifacts: `${BASE_PATH}/artifacts`,
  artifact: (id: string) => `${BASE_PATH}/artifacts/${id}`,
  files: (id: string) => `${BASE_PATH}/artifacts/${id}/files`,
  /** `filePath` is the logical path inside the artifact, sent as is (segments separated by `/`). */
  file: (id: string, filePath: string) => `${BASE_PATH}/artifacts/${id}/files/${filePath}`,
  commit: (id: string) => `${BASE_PATH}/artifacts/${id}/commit`,
} as const
