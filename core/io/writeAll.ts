import * as fs from "node:fs"

/**
 * Writes all of `data` to `fd` (at `position` when given), looping over short writes: a filesystem that
 * fills up first accepts part of a write and only then fails with ENOSPC, so a single writeSync whose
 * count is ignored would leave a silently truncated file.
 */
export const writeAll = (fd: number, data: string | Uint8Array, position?: number): number => {
  const buf = typeof data === "string" ? Buffer.from(data) : data
  let off = 0
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off)
    if (n <= 0) throw Object.assign(new Error("write made no progress"), { code: "EIO", syscall: "write" })
    off += n
  }
  return buf.length
}
