import * as fs from "node:fs"
// Bun answers a bare "undici" import with its own partial built-in; the path names the real package.
import { EnvHttpProxyAgent, interceptors, request } from "undici/index.js"

export interface DownloadProgress {
  readonly received: number
  readonly total: number | undefined
}

export interface DownloadOptions {
  readonly retries: number
  /** First backoff in ms; doubled after each failed attempt. */
  readonly backoffMs: number
  readonly onProgress: (p: DownloadProgress) => void
  readonly onRetry: (attempt: number, reason: string, waitMs: number) => void
}

/** Honours HTTP(S)_PROXY / NO_PROXY (login nodes often need them) and follows redirects (Zenodo does). */
const dispatcher = new EnvHttpProxyAgent().compose(interceptors.redirect({ maxRedirections: 10 }))

class HttpStatusError extends Error {
  constructor(readonly status: number, url: string) {
    super(`HTTP ${status} from ${url}`)
  }
}

const retryable = (e: unknown) => !(e instanceof HttpStatusError) || e.status >= 500 || e.status === 429 || e.status === 408

/**
 * Downloads `url` into `part`, resuming from what `part` already holds with an HTTP Range request.
 * A server that ignores the range (200 instead of 206) restarts the file; network errors and 5xx are
 * retried with exponential backoff. Returns when `part` holds the whole body; the caller verifies it.
 */
export const downloadResumable = async (url: string, part: string, o: DownloadOptions): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      await downloadOnce(url, part, o)
      return
    } catch (e) {
      if (attempt >= o.retries || !retryable(e)) throw e
      const wait = o.backoffMs * 2 ** attempt
      o.onRetry(attempt + 1, e instanceof Error ? e.message : String(e), wait)
      await Bun.sleep(wait)
    }
  }
}

const downloadOnce = async (url: string, part: string, o: DownloadOptions): Promise<void> => {
  let offset = 0
  try {
    offset = fs.statSync(part).size
  } catch {
    offset = 0
  }
  const res = await request(url, {
    dispatcher,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  })
  if (res.statusCode === 416 && offset > 0) {
    // The part file already holds the whole body (or more): let the checksum decide.
    await res.body.dump()
    return
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    await res.body.dump()
    throw new HttpStatusError(res.statusCode, url)
  }
  const resumed = res.statusCode === 206
  if (!resumed) offset = 0
  const length = Number(res.headers["content-length"] ?? NaN)
  const total = Number.isFinite(length) ? offset + length : undefined
  const fd = fs.openSync(part, resumed ? "a" : "w")
  let received = offset
  try {
    for await (const chunk of res.body) {
      fs.writeSync(fd, chunk as Uint8Array)
      received += (chunk as Uint8Array).byteLength
      o.onProgress({ received, total })
    }
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  if (total !== undefined && received < total) throw new Error(`connection closed after ${received} of ${total} bytes`)
}
