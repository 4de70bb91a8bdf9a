/**
 * The artifact digest of the protocol ("Multi-File Artifacts and Integrity"): for one file, the SHA-256
 * of its bytes; for several, SHA-256 of the concatenated `path:sha256hex` of each file, sorted by path.
 */
import { sha256Hex } from "./hmac.ts"

export interface FileDigest {
  readonly path: string
  readonly sha256: string
}

/** undefined for an artifact with no files (nothing to commit). Sorted by UTF-16 code units, as Python and Java sort. */
export const treeHash = (files: ReadonlyArray<FileDigest>): string | undefined => {
  if (files.length === 0) return undefined
  if (files.length === 1) return files[0]!.sha256
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return sha256Hex(sorted.map((f) => `${f.path}:${f.sha256}`).join(""))
}
