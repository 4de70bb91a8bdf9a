/** Test helpers for hostile checkpoints made in memory. */
import { makeZip } from "../support/zip.ts"

/** A STORED zip of (name, bytes) pairs: the project's one test zip writer, in this file's call shape. */
export const writeZip = (entries: ReadonlyArray<[string, Uint8Array]>): Uint8Array => makeZip(entries.map(([name, data]) => ({ name, data })))

/** Concatenates byte chunks / latin1 strings into one pickle byte string. */
export const bytesOf = (...chunks: Array<string | number[] | Uint8Array>): Uint8Array => {
  const arrs = chunks.map((c) =>
    typeof c === "string" ? Uint8Array.from(c, (ch) => ch.charCodeAt(0)) : c instanceof Uint8Array ? c : Uint8Array.from(c),
  )
  const out = new Uint8Array(arrs.reduce((a, c) => a + c.length, 0))
  let p = 0
  for (const a of arrs) {
    out.set(a, p)
    p += a.length
  }
  return out
}
