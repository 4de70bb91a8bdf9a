/**
 * Request signing of the EMX2 HPC protocol ("Authentication Envelope"): HMAC-SHA256 over
 * `METHOD\nPATH\nBODY_HASH\nTIMESTAMP\nNONCE`, keyed with the worker's shared secret, hex-encoded.
 * PATH is the request target as sent, query string included. BODY_HASH is the SHA-256 (hex) of the
 * UTF-8 body for JSON requests, and the `Content-SHA256` header's value for binary bodies (so an upload
 * can be signed before it is read). Pure functions: the nonce store lives in whoever verifies.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto"
import { API_VERSION, AUTH_SCHEME, HEADERS, TIMESTAMP_WINDOW_SECONDS } from "./constants.ts"

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")

export const canonicalString = (method: string, path: string, bodyHash: string, timestamp: string, nonce: string): string =>
  `${method.toUpperCase()}\n${path}\n${bodyHash}\n${timestamp}\n${nonce}`

export const signature = (secret: string, canonical: string): string => createHmac("sha256", secret).update(canonical, "utf8").digest("hex")

export interface SignInput {
  readonly method: string
  /** Path and query exactly as they will be sent, e.g. `/api/hpc/jobs?status=PENDING`. */
  readonly path: string
  readonly secret: string
  /** The body: a JSON text, or bytes. Absent = empty. */
  readonly body?: string | Uint8Array | undefined
  /**
   * For a binary body: its SHA-256 (hex), sent as `Content-SHA256` and signed in place of the body.
   * Computed from `body` when that is bytes and this is absent.
   */
  readonly bodyHash?: string | undefined
  /** `Content-Type` to send; default `application/json`, or `application/octet-stream` for bytes. */
  readonly contentType?: string | undefined
  /** Unix seconds; default now. */
  readonly timestamp?: number | string | undefined
  /** Default: a random UUID without dashes (as EMX2's daemon makes them). */
  readonly nonce?: string | undefined
  readonly workerId?: string | undefined
  /** Default: a new UUID v4 (the protocol requires one per request). */
  readonly requestId?: string | undefined
}

/**
 * The headers EMX2's daemon sends on a signed request: API version, request id, worker id (when
 * given), Content-Type, timestamp, nonce, `Authorization: HMAC-SHA256 <hex>`, and `Content-SHA256` for
 * a binary body.
 */
export const signRequest = (input: SignInput): Record<string, string> => {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000))
  const nonce = input.nonce ?? randomUUID().replace(/-/g, "")
  const binary = input.bodyHash !== undefined || input.body instanceof Uint8Array
  const bodyHash = input.bodyHash ?? sha256Hex(input.body ?? "")
  const headers: Record<string, string> = {
    [HEADERS.apiVersion]: API_VERSION,
    [HEADERS.requestId]: input.requestId ?? randomUUID(),
    "Content-Type": input.contentType ?? (binary ? "application/octet-stream" : "application/json"),
    [HEADERS.timestamp]: timestamp,
    [HEADERS.nonce]: nonce,
    [HEADERS.authorization]: `${AUTH_SCHEME} ${signature(input.secret, canonicalString(input.method, input.path, bodyHash, timestamp, nonce))}`,
  }
  if (input.workerId !== undefined) headers[HEADERS.workerId] = input.workerId
  if (binary) headers[HEADERS.contentSha256] = bodyHash
  return headers
}

/** A header lookup; the server hands in a case-insensitive one (Node lower-cases names). */
export type HeaderGet = (name: string) => string | undefined

export interface VerifyInput {
  readonly method: string
  readonly path: string
  readonly headers: HeaderGet
  /** The body as received; only hashed for a JSON request (binary ones are signed by `Content-SHA256`). */
  readonly body: Uint8Array
  /**
   * Whether a non-JSON request carries a body (then `Content-SHA256` is required). Default: `body` is
   * not empty. A server that streams an upload after verifying passes its Content-Length here.
   */
  readonly bodyPresent?: boolean
  readonly secret: string
  /** Unix seconds of the server's clock. */
  readonly now: number
  readonly windowSeconds?: number
}

export type VerifyFailure =
  | "missing_authorization"
  | "missing_timestamp"
  | "invalid_timestamp"
  | "timestamp_outside_window"
  | "missing_nonce"
  | "missing_content_sha256"
  | "signature_mismatch"

export type VerifyResult =
  | { readonly ok: true; readonly timestamp: number; readonly nonce: string }
  | { readonly ok: false; readonly reason: VerifyFailure; readonly message: string }

const fail = (reason: VerifyFailure, message: string): VerifyResult => ({ ok: false, reason, message })

/** Whether the request is JSON, which decides what its BODY_HASH is (as EMX2's server decides it). */
export const isJsonContentType = (contentType: string | undefined): boolean => contentType !== undefined && contentType.trim().toLowerCase().startsWith("application/json")

/** Equal-length digests of both sides, so neither the content nor the length leaks through timing. */
const constantTimeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest())

/**
 * Checks a request's signature and freshness (timestamp within the window). It does not remember
 * nonces: the caller rejects a nonce it has seen within the window, after this succeeds.
 */
export const verifyRequest = (input: VerifyInput): VerifyResult => {
  const auth = input.headers(HEADERS.authorization)
  const prefix = `${AUTH_SCHEME} `
  if (auth === undefined || !auth.startsWith(prefix)) return fail("missing_authorization", `missing or invalid Authorization header (expected "${prefix}<hex>")`)
  const provided = auth.slice(prefix.length).trim()
  const timestampText = input.headers(HEADERS.timestamp)
  if (timestampText === undefined || timestampText.trim() === "") return fail("missing_timestamp", `missing ${HEADERS.timestamp} header`)
  if (!/^\d{1,15}$/.test(timestampText.trim())) return fail("invalid_timestamp", `${HEADERS.timestamp} is not unix epoch seconds`)
  const timestamp = Number(timestampText.trim())
  const window = input.windowSeconds ?? TIMESTAMP_WINDOW_SECONDS
  if (Math.abs(input.now - timestamp) > window) return fail("timestamp_outside_window", `request timestamp is ${input.now - timestamp}s from server time (allowed ±${window}s)`)
  const nonce = input.headers(HEADERS.nonce)
  if (nonce === undefined || nonce.trim() === "") return fail("missing_nonce", `missing ${HEADERS.nonce} header`)
  let bodyHash: string
  if (isJsonContentType(input.headers("content-type"))) {
    bodyHash = sha256Hex(input.body)
  } else {
    const declared = input.headers(HEADERS.contentSha256)
    if (declared !== undefined && declared.trim() !== "") bodyHash = declared.trim()
    else if (input.bodyPresent ?? input.body.byteLength > 0) return fail("missing_content_sha256", `${HEADERS.contentSha256} header is required for non-JSON request bodies`)
    else bodyHash = sha256Hex("")
  }
  const expected = signature(input.secret, canonicalString(input.method, input.path, bodyHash, timestampText, nonce))
  if (!constantTimeEqual(expected, provided)) return fail("signature_mismatch", "HMAC signature mismatch")
  return { ok: true, timestamp, nonce }
}
