/**
 * Every tunable of the HTTP server, in one place. Tests and the benchmark override some of them through
 * `ServerSettings.limits`; the `serve` command uses these values as they are.
 */
export interface ServerLimits {
  /** How long the first queued item waits for others before its batch goes to the Predictor. */
  readonly batchWindowMs: number
  /** Most queued items (one per predicted SMILES × property, or per embedded SMILES) in one Predictor call. */
  readonly maxBatchItems: number
  /** Most items waiting for the Predictor; beyond it requests get 503 `overloaded` with Retry-After. */
  readonly queueCapacity: number
  /** Longest a request waits for its results (queue + inference); then 504 `timeout`. */
  readonly requestTimeoutMs: number
  /** Largest request body accepted; a larger one gets 413 while it is read (or before, from Content-Length). */
  readonly maxBodyBytes: number
  /** On SIGTERM: how long in-flight requests may take to finish before the server stops anyway. */
  readonly shutdownGraceMs: number
  /** Retry-After (seconds) while the model loads. */
  readonly retryAfterLoadingS: number
  /** Retry-After (seconds) when the queue is full. */
  readonly retryAfterOverloadedS: number
  /** Largest CSV accepted by `POST /v1/jobs`; a larger one gets 413. */
  readonly maxUploadBytes: number
  /** Jobs one client (remote address) may have queued or running at once; one more gets 429. */
  readonly maxActiveJobsPerClient: number
}

export const SERVER_LIMITS: ServerLimits = {
  batchWindowMs: 5,
  maxBatchItems: 64,
  queueCapacity: 1024,
  // Mordred on a large conjugated 9-mer alone can take over a minute (REFERENCE §6): be generous.
  requestTimeoutMs: 300_000,
  maxBodyBytes: 1024 * 1024,
  shutdownGraceMs: 30_000,
  retryAfterLoadingS: 10,
  retryAfterOverloadedS: 1,
  maxUploadBytes: 64 * 1024 * 1024,
  maxActiveJobsPerClient: 4,
}

/** The Python backend's request limits (periogt_runtime/schemas.py), kept identical so its clients work unchanged. */
export const API_LIMITS = {
  smilesMinLength: 1,
  smilesMaxLength: 2000,
  propertyMinLength: 1,
  propertyMaxLength: 64,
  batchMaxItems: 100,
} as const
