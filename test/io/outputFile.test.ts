import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fromFsError, toPeriogtError } from "../../core/errors/index.ts"
import { checkOutputPath, lockOutput, lockPath } from "../../core/io/outputFile.ts"
import { ResumableOutput } from "../../core/io/resumableOutput.ts"
import { tempDir } from "../support/binary.ts"

const fsError = (code: string, syscall: string, p?: string) => Object.assign(new Error(`${code}: failed, ${syscall}${p === undefined ? "" : ` '${p}'`}`), { code, syscall, ...(p === undefined ? {} : { path: p }) })

describe("filesystem errors a user can fix are validation errors naming the path", () => {
  test("EACCES, EPERM, ENOSPC, EISDIR, ENOTDIR, EEXIST, EROFS → validation_error with the path and an action; other failures stay internal_error", () => {
    for (const code of ["EACCES", "EPERM", "ENOSPC", "EISDIR", "ENOTDIR", "EEXIST", "EROFS", "EDQUOT"]) {
      const e = toPeriogtError(fsError(code, "open", "/data/out.csv"))
      expect(e.code).toBe("validation_error")
      expect(e.message).toContain("/data/out.csv")
      expect(e.message).toContain(code)
      expect(e.action).toContain("/data/out.csv")
      expect(e.details).toMatchObject({ path: "/data/out.csv", errno: code })
    }
    // an fd-level failure has no path of its own: the path the caller names is used
    const w = fromFsError("/scratch/x.csv", "--output")(fsError("ENOSPC", "write"))
    expect(w.code).toBe("validation_error")
    expect(w.message).toContain("--output /scratch/x.csv")
    expect(toPeriogtError(fsError("EBADF", "write")).code).toBe("internal_error")
    expect(toPeriogtError(new TypeError("x.trim is not a function")).code).toBe("internal_error")
  })
})

describe("result files", () => {
  test("checkOutputPath: a regular file or a new path passes; a directory, device, FIFO or symlink is named", () => {
    const dir = tempDir("outcheck")
    expect(checkOutputPath(path.join(dir, "new", "deeper", "out.csv"), "--output")).toBeUndefined()
    fs.writeFileSync(path.join(dir, "f.csv"), "")
    expect(checkOutputPath(path.join(dir, "f.csv"), "--output")).toBeUndefined()
    fs.symlinkSync(path.join(dir, "f.csv"), path.join(dir, "l.csv"))
    expect(checkOutputPath(dir, "--output")?.details).toMatchObject({ type: "directory" })
    expect(checkOutputPath("/dev/null", "--output")?.details).toMatchObject({ type: "character device" })
    expect(checkOutputPath(path.join(dir, "l.csv"), "--output")?.details).toMatchObject({ type: "symbolic link" })
    expect(checkOutputPath(path.join(dir, "f.csv", "x.csv"), "--output")?.code).toBe("validation_error")
  })

  test("the lock: a second taker is refused naming host and pid; released, it can be taken again; a dead owner's lock, or one whose pid was reused, is recovered", () => {
    const dir = tempDir("lock")
    const out = path.join(dir, "out.csv")
    const first = lockOutput(out, "--output")
    if (!("release" in first)) throw new Error(first.message)
    expect(JSON.parse(fs.readFileSync(lockPath(out), "utf8"))).toMatchObject({ host: os.hostname(), pid: process.pid })
    const second = lockOutput(out, "--output")
    expect("release" in second).toBe(false)
    expect(second).toMatchObject({ code: "validation_error", details: { host: os.hostname(), pid: process.pid } })
    first.release()
    expect(fs.existsSync(lockPath(out))).toBe(false)
    const again = lockOutput(out, "--output")
    expect("release" in again).toBe(true)
    if ("release" in again) again.release()

    const dead = Bun.spawnSync(["true"]).pid
    fs.writeFileSync(lockPath(out), JSON.stringify({ host: os.hostname(), pid: dead }) + "\n")
    const recovered = lockOutput(out, "--output")
    expect("release" in recovered).toBe(true)
    if ("release" in recovered) recovered.release()

    // this very process's pid, but another process's start time: a reused pid, so the lock is stale
    fs.writeFileSync(lockPath(out), JSON.stringify({ host: os.hostname(), pid: process.pid, start: "1" }) + "\n")
    const reused = lockOutput(out, "--output")
    expect("release" in reused).toBe(true)
    if ("release" in reused) reused.release()
    expect(fs.readdirSync(dir)).toEqual([])
  })

  test.skipIf(process.getuid?.() !== 0)("a resumable output on a full filesystem fails with ENOSPC instead of committing a truncated chunk (16 KiB tmpfs, as root)", () => {
    const dir = tempDir("full")
    if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir]).exitCode !== 0) return console.warn("skipped: cannot mount a tmpfs here")
    let output: ResumableOutput | undefined
    try {
      output = ResumableOutput.open(path.join(dir, "out.csv"), "job", "a,b\n").output
      const chunk = "x".repeat(64 * 1024) + "\n"
      expect(() => output!.commit(chunk, 10, 0)).toThrow(/ENOSPC|no space/i)
      // the journal never claims the chunk
      const journal = fs.readFileSync(ResumableOutput.journalPath(path.join(dir, "out.csv")), "utf8")
      expect(journal).not.toContain('"rows":10')
    } finally {
      try {
        output?.close()
      } catch {}
      // lazily, should anything still hold the filesystem
      if (Bun.spawnSync(["umount", dir]).exitCode !== 0) Bun.spawnSync(["umount", "-l", dir])
    }
  })
})
