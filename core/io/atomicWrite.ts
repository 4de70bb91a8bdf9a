import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"

/** A temporary name in the target's own directory, so the final rename never crosses filesystems. */
export const temporarySibling = (target: string): string =>
  path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)

/**
 * Writes a whole file so that readers see either the old content or the new one, never a part:
 * write a sibling temporary file, flush it to disk, rename it over the target, flush the directory.
 */
export const writeFileAtomic = (target: string, data: string | Uint8Array | ReadonlyArray<Uint8Array>): void => {
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const tmp = temporarySibling(target)
  const fd = fs.openSync(tmp, "w", 0o644)
  try {
    if (typeof data === "string" || data instanceof Uint8Array) fs.writeFileSync(fd, data)
    else for (const chunk of data) fs.writeFileSync(fd, chunk)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(tmp, target)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  syncDirectory(path.dirname(target))
}

/** Makes a rename durable; some filesystems (NFS, GPFS) refuse to fsync a directory, which is harmless. */
export const syncDirectory = (dir: string): void => {
  try {
    const fd = fs.openSync(dir, "r")
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    // best effort
  }
}
