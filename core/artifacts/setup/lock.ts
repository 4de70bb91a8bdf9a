import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export interface Lock {
  readonly release: () => void
}

const STALE_MS = 6 * 60 * 60 * 1000

const ownerAlive = (dir: string): boolean => {
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(dir, "owner.json"), "utf8")) as { host: string; pid: number; at: number }
    if (owner.host === os.hostname()) {
      try {
        process.kill(owner.pid, 0)
        return true
      } catch {
        return false
      }
    }
    return Date.now() - owner.at < STALE_MS
  } catch {
    // owner file not written yet: the owner is in its first instant
    return true
  }
}

/**
 * A lock that works on shared filesystems (NFS, GPFS): `mkdir` is atomic there, unlike O_EXCL on
 * older NFS. A lock whose owner process is gone (same host) or that is older than six hours is broken.
 */
export const acquireLock = async (dir: string, onWait: () => void): Promise<Lock> => {
  let warned = false
  for (;;) {
    try {
      fs.mkdirSync(dir)
      fs.writeFileSync(path.join(dir, "owner.json"), JSON.stringify({ host: os.hostname(), pid: process.pid, at: Date.now() }))
      return { release: () => fs.rmSync(dir, { recursive: true, force: true }) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
    if (!ownerAlive(dir)) {
      fs.rmSync(dir, { recursive: true, force: true })
      continue
    }
    if (!warned) {
      warned = true
      onWait()
    }
    await Bun.sleep(200)
  }
}
