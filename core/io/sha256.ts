/**
 * A file's SHA-256, read as a stream (inputs, executables and CUDA libraries can be gigabytes; none is
 * held whole in memory). The one implementation for batch's input identity, remote transfers, the CUDA
 * provider check and the bridge's staging and uploads.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"

/** The hex SHA-256 and the size in bytes of `file`. */
export const sha256OfFile = (file: string): Promise<{ readonly sha256: string; readonly size: number }> =>
  new Promise((resolve, reject) => {
    const h = createHash("sha256")
    let size = 0
    fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })
      .on("data", (c) => {
        h.update(c)
        size += c.length
      })
      .on("error", reject)
      .on("end", () => resolve({ sha256: h.digest("hex"), size }))
  })

/** The hex SHA-256 of `file`. */
export const sha256File = async (file: string): Promise<string> => (await sha256OfFile(file)).sha256
