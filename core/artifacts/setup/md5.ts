import { createHash } from "node:crypto"
import * as fs from "node:fs"

/** MD5 of a file, streamed: archives are gigabytes. */
export const md5File = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("md5")
    fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")))
  })
