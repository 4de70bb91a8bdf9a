import * as fs from "node:fs"
import * as path from "node:path"
import { pipeline } from "node:stream/promises"
import * as unzipper from "unzipper"

/** Why an archive entry may not be written: it would land outside the target, or is a link. */
export const unsafeEntry = (name: string, externalAttributes: number): string | undefined => {
  const unixMode = (externalAttributes >>> 16) & 0o170000
  if (unixMode === 0o120000) return "is a symbolic link"
  if (name.includes("\0")) return "has a NUL byte in its name"
  const normalized = name.replace(/\\/g, "/")
  if (normalized.startsWith("/") || /^[A-Za-z]:/.test(normalized)) return "has an absolute path"
  if (normalized.split("/").includes("..")) return "climbs out of the target with '..'"
  return undefined
}

/**
 * Extracts a zip into `dest`, refusing the whole archive — before writing anything — if any entry
 * would escape `dest` (`../`, absolute paths) or is a symbolic link.
 */
export const extractZip = async (zip: string, dest: string): Promise<{ readonly files: number }> => {
  const directory = await unzipper.Open.file(zip)
  for (const f of directory.files) {
    const why = unsafeEntry(f.path, f.externalFileAttributes)
    if (why !== undefined) throw new UnsafeArchiveError(zip, f.path, why)
  }
  const root = path.resolve(dest)
  fs.mkdirSync(root, { recursive: true })
  let files = 0
  for (const f of directory.files) {
    const target = path.resolve(root, f.path)
    if (target !== root && !target.startsWith(root + path.sep)) throw new UnsafeArchiveError(zip, f.path, "resolves outside the target")
    if (f.type === "Directory") {
      fs.mkdirSync(target, { recursive: true })
      continue
    }
    fs.mkdirSync(path.dirname(target), { recursive: true })
    await pipeline(f.stream(), fs.createWriteStream(target))
    files++
  }
  return { files }
}

export class UnsafeArchiveError extends Error {
  constructor(readonly archive: string, readonly entry: string, readonly why: string) {
    super(`${archive}: entry ${JSON.stringify(entry)} ${why}`)
  }
}
