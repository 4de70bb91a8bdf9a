import * as fs from "node:fs"
import * as path from "node:path"
import { temporarySibling } from "../io/atomicWrite.ts"

/** True inside the compiled single-file executable, where embedded files live under /$bunfs. */
export const isEmbedded = (file: string): boolean => file.startsWith("/$bunfs") || file.startsWith("B:\\~BUN")

/**
 * Copies an embedded file into the per-version native cache once. Many jobs may start at the same
 * moment on a shared filesystem: each writes its own temporary sibling and renames it into place, so
 * a reader only ever finds a complete file, and a file of the right size is never rewritten.
 */
export const materialize = async (embedded: string, dir: string, name: string): Promise<string> => {
  const target = path.join(dir, name)
  const source = Bun.file(embedded)
  try {
    if (fs.statSync(target).size === source.size) return target
  } catch {
    // absent: write it
  }
  fs.mkdirSync(dir, { recursive: true })
  const tmp = temporarySibling(target)
  await Bun.write(tmp, source)
  fs.chmodSync(tmp, 0o755)
  fs.renameSync(tmp, target)
  return target
}
