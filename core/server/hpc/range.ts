/**
 * HTTP range requests on managed artifact files (RFC 9110 §14), which the protocol's design names as the
 * way analytical tools (DuckDB, pandas) read committed artifacts: a Parquet footer first, then columns.
 * One range per request: multi-range answers (multipart/byteranges) are not served; RFC 9110 lets a
 * server ignore a Range header it does not act on and answer 200 with the whole representation, and
 * every client that sends several ranges handles that.
 */

export type RangeAnswer =
  /** Send bytes `start..end` inclusive as 206. */
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: "unsatisfiable" }
  /** No Range, or one this server ignores (malformed, several ranges, another unit, If-Range not matching): 200, the whole file. */
  | { readonly kind: "whole" }

const WHOLE: RangeAnswer = { kind: "whole" }
const SINGLE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i

/**
 * What to send for a `Range` header (and `If-Range`, compared strongly with the file's ETag) against a
 * file of `size` bytes. A suffix range longer than the file is the whole file as 206; an end past the
 * last byte is clamped; a first byte at or past the end, a zero-length suffix, or any range of an empty
 * file is unsatisfiable.
 */
export const rangeOf = (range: string | undefined, ifRange: string | undefined, etag: string, size: number): RangeAnswer => {
  if (range === undefined) return WHOLE
  // If-Range with a date or another validator: the client's copy may be stale, so it gets the whole file
  if (ifRange !== undefined && ifRange.trim() !== etag) return WHOLE
  const m = SINGLE.exec(range.trim())
  if (m === null) return WHOLE
  const first = m[1]!
  const last = m[2]!
  if (first === "" && last === "") return WHOLE
  if (first === "") {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" }
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === "" ? size - 1 : Number(last)
  // `bytes=5-2` is not a valid range-spec (RFC 9110 §14.1.1): ignored, not refused
  if (last !== "" && end < start) return WHOLE
  if (start >= size) return { kind: "unsatisfiable" }
  return { kind: "partial", start, end: Math.min(end, size - 1) }
}
