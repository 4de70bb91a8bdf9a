import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { errorOf, periogtBinary, run, tempDir } from "../support/binary.ts"
import { hasStackTrace, unprivileged, waitFor } from "../support/process.ts"

/**
 * Issue 14 items 3, 4 and 6, as a user meets them with the compiled executable: result files that are
 * not files, a second run on the same output, an unwritable or full destination, stdout that fails or
 * goes away, and filesystem mistakes reported as what they are (validation_error naming the path),
 * never as "a bug in periogt" with a stack trace.
 */
let bin: string
let dir: string
let ckpt: string
let input: string
let longInput: string

beforeAll(() => {
  dir = tempDir("hardening")
  fs.chmodSync(dir, 0o755)
  bin = path.join(dir, "periogt")
  fs.copyFileSync(periogtBinary(), bin)
  fs.chmodSync(bin, 0o755)
  ckpt = path.join(dir, "ck")
  fs.mkdirSync(ckpt)
  input = path.join(dir, "units.csv")
  fs.writeFileSync(input, "id,smiles\na,*CC*\nb,*CC(C)*\n")
  longInput = path.join(dir, "long.csv")
  fs.writeFileSync(longInput, "id,smiles\n" + Array.from({ length: 3000 }, (_, i) => `r${i},*CC(${"C".repeat(i % 7)})*`).join("\n") + "\n")
}, 300_000)

const env = (extra: Record<string, string> = {}) => ({ PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: ckpt, PERIOGT_CACHE_DIR: path.join(dir, "cache"), ...extra })
const periogt = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) => run([bin, ...args], { env: env(extra), cwd: dir })

/** A failed run as the contract says: exit 2, no stack trace, the error line with `code`. */
const expectError = (r: { code: number; stderr: string }, code: string) => {
  expect(hasStackTrace(r.stderr)).toBe(false)
  expect(r.code).toBe(2)
  const e = errorOf(r.stderr)
  expect(e?.code).toBe(code)
  return e!
}

describe("result files are written, never replaced blindly", () => {
  test("batch --output naming a directory, a character device, a FIFO or a symbolic link is refused before any work, saying what it is; nothing is touched", () => {
    const sub = path.join(dir, "adir")
    fs.mkdirSync(sub)
    const fifo = path.join(dir, "a.fifo")
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0)
    const target = path.join(dir, "target.csv")
    fs.writeFileSync(target, "keep me\n")
    const link = path.join(dir, "link.csv")
    fs.symlinkSync(target, link)
    const cases: Array<[string, string]> = [
      [sub, "directory"],
      ["/dev/full", "character device"],
      [fifo, "FIFO"],
      [link, "symbolic link"],
    ]
    for (const [output, what] of cases) {
      // the checkpoint directory is empty: a check made after model loading would say checkpoint_missing
      const e = expectError(periogt(["batch", "--input", input, "--property", "eps", "--output", output]), "validation_error")
      expect(e.message).toContain(output)
      expect(e.message).toContain(what)
    }
    expect(fs.statSync("/dev/full").isCharacterDevice()).toBe(true)
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(target, "utf8")).toBe("keep me\n")
    expect(fs.readdirSync(sub)).toEqual([])
    expect(fs.existsSync(`${sub}.partial`) || fs.existsSync(`${sub}.progress`) || fs.existsSync(`${sub}.lock`)).toBe(false)
  }, 60_000)

  test("descriptors --output naming a directory, a FIFO or a symbolic link is refused; a .partial beside a batch output that is not a file too", () => {
    const fifo = path.join(dir, "d.fifo")
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0)
    const target = path.join(dir, "dtarget.json")
    fs.writeFileSync(target, "{}\n")
    const link = path.join(dir, "dlink.json")
    fs.symlinkSync(target, link)
    for (const output of [dir, fifo, link]) {
      const e = expectError(periogt(["descriptors", "--smiles", "*CC*", "--output", output]), "validation_error")
      expect(e.message).toContain(output)
    }
    expect(fs.readFileSync(target, "utf8")).toBe("{}\n")
    const out = path.join(dir, "companion.csv")
    fs.mkdirSync(`${out}.partial`)
    const e = expectError(periogt(["batch", "--input", input, "--property", "eps", "--output", out]), "validation_error")
    expect(e.message).toContain(`${out}.partial`)
  }, 60_000)

  test("an output whose directory cannot be written, or whose path runs through a file, is refused up front", () => {
    const file = path.join(dir, "plain-file")
    fs.writeFileSync(file, "x")
    const under = expectError(periogt(["batch", "--input", input, "--property", "eps", "--output", path.join(file, "out.csv")]), "validation_error")
    expect(under.message).toContain(file)
    // the default output under PERIOGT_RESULTS_DIR, which runs through a file
    const results = expectError(periogt(["batch", "--input", input, "--property", "eps"], { PERIOGT_RESULTS_DIR: path.join(file, "results") }), "validation_error")
    expect(results.message).toContain(file)
    // /proc accepts no new files, even from root
    expectError(periogt(["descriptors", "--smiles", "*CC*", "--output", "/proc/periogt-out.json"]), "validation_error")
  }, 60_000)

  test.skipIf(unprivileged === undefined)("a read-only directory (EACCES for an ordinary user): validation_error naming it, no work done", () => {
    const ro = path.join(dir, "readonly")
    fs.mkdirSync(ro, { mode: 0o555 })
    fs.chmodSync(ro, 0o555)
    const r = run([...unprivileged!, bin, "descriptors", "--input", input, "--output", path.join(ro, "d.csv")], { env: env({ HOME: "/nonexistent" }), cwd: "/" })
    const e = expectError(r, "validation_error")
    expect(e.message).toContain(ro)
    expect(e.message).toContain("not writable")
    expect(fs.readdirSync(ro)).toEqual([])
  }, 60_000)

  test("a second run on the same output fails at once, naming the running process (host, pid); the first finishes and removes its lock", async () => {
    const out = path.join(dir, "shared.csv")
    const first = Bun.spawn([bin, "--workers", "0", "descriptors", "--input", longInput, "--output", out], { env: env(), cwd: dir, stdout: "pipe", stderr: "pipe" })
    await waitFor(() => fs.existsSync(`${out}.lock`), 60_000)
    const at = performance.now()
    const second = periogt(["descriptors", "--input", input, "--output", out])
    expect(performance.now() - at).toBeLessThan(20_000)
    const e = expectError(second, "validation_error")
    expect(e.details).toMatchObject({ pid: first.pid, host: os.hostname(), lock: `${out}.lock` })
    expect(e.message).toContain(String(first.pid))
    first.kill("SIGTERM")
    expect(await first.exited).toBe(2)
    expect(fs.existsSync(`${out}.lock`)).toBe(false)
    expect(fs.existsSync(out)).toBe(false)
  }, 120_000)

  test("batch: an output locked by a live process is refused at once, before the models are even looked for", () => {
    const out = path.join(dir, "locked.csv")
    // this test process stands for the run that holds it
    fs.writeFileSync(`${out}.lock`, JSON.stringify({ host: os.hostname(), pid: process.pid, since: new Date().toISOString() }) + "\n")
    const e = expectError(periogt(["batch", "--input", input, "--property", "eps", "--output", out]), "validation_error")
    expect(e.details).toMatchObject({ pid: process.pid, host: os.hostname() })
    expect(e.message).toContain(`process ${process.pid} on host ${os.hostname()}`)
    expect(fs.existsSync(`${out}.lock`)).toBe(true)
    expect(fs.existsSync(`${out}.partial`)).toBe(false)
  }, 60_000)

  test("a lock left by a process of this host that is gone is recovered; one of another host is not", () => {
    const out = path.join(dir, "stale.json")
    const gone = Bun.spawnSync(["true"]).pid
    fs.writeFileSync(`${out}.lock`, JSON.stringify({ host: os.hostname(), pid: gone, since: "2020-01-01T00:00:00Z" }) + "\n")
    const r = periogt(["descriptors", "--smiles", "*CC*", "--output", out])
    expect(r.code).toBe(0)
    expect(JSON.parse(fs.readFileSync(out, "utf8"))).toMatchObject({ smiles: "*CC*", ok: true })
    expect(fs.existsSync(`${out}.lock`)).toBe(false)

    const other = path.join(dir, "other-host.json")
    fs.writeFileSync(`${other}.lock`, JSON.stringify({ host: "node-elsewhere-17", pid: 4242 }) + "\n")
    const e = expectError(periogt(["descriptors", "--smiles", "*CC*", "--output", other]), "validation_error")
    expect(e.message).toContain("node-elsewhere-17")
    expect(e.details).toMatchObject({ host: "node-elsewhere-17", pid: 4242 })
    expect(fs.existsSync(other)).toBe(false)
    expect(fs.existsSync(`${other}.lock`)).toBe(true)
  }, 60_000)
})

describe("stdout fails loudly, or ends quietly when its reader goes", () => {
  const toDevFull = (args: ReadonlyArray<string>) => {
    const fd = fs.openSync("/dev/full", "w")
    try {
      const r = Bun.spawnSync([bin, ...args], { env: env(), cwd: dir, stdout: fd, stderr: "pipe" })
      return { code: r.exitCode ?? -1, stderr: r.stderr.toString() }
    } finally {
      fs.closeSync(fd)
    }
  }

  test("a failed write to stdout (> /dev/full: ENOSPC) is internal_error with exit 2 and no stack trace", () => {
    for (const args of [["version"], ["version", "--json"], ["doctor", "--json"], ["descriptors", "--smiles", "*CC*"], ["featurize", "--smiles", "*CC*"]]) {
      const r = toDevFull(args)
      const e = expectError(r, "internal_error")
      expect(e.message).toContain("standard output")
      expect(e.details).toMatchObject({ errno: "ENOSPC" })
    }
  }, 120_000)

  test("a reader that goes away (| head -c 100): the process ends quietly with exit 0", () => {
    const err = path.join(dir, "epipe.err")
    const r = Bun.spawnSync(["bash", "-c", `"$0" --workers 0 descriptors --input "$1" 2>"$2" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`, bin, longInput, err], { env: env(), cwd: dir })
    expect(r.stdout.toString().trim()).toBe("0")
    const stderr = fs.readFileSync(err, "utf8")
    expect(stderr).not.toContain("EPIPE")
    expect(hasStackTrace(stderr)).toBe(false)
    expect(errorOf(stderr)).toBeUndefined()
  }, 120_000)
})

describe("filesystem mistakes are validation errors naming the path", () => {
  test("--input naming a directory (EISDIR): batch, descriptors, featurize, demo", () => {
    for (const args of [["batch", "--property", "eps"], ["descriptors"], ["featurize"], ["demo"]]) {
      const e = expectError(periogt([...args, "--input", dir]), "validation_error")
      expect(e.message).toContain(dir)
      expect(e.message).toContain("directory")
    }
  }, 60_000)

  test("--input naming a device that never ends (/dev/full, /dev/zero) is refused at once instead of being read forever", () => {
    for (const args of [["batch", "--property", "eps"], ["descriptors"], ["featurize"], ["demo"]]) {
      for (const device of ["/dev/full", "/dev/zero"]) {
        const at = performance.now()
        const e = expectError(periogt([...args, "--input", device]), "validation_error")
        expect(e.message).toContain(device)
        expect(performance.now() - at).toBeLessThan(20_000)
      }
    }
  }, 120_000)

  test("settings files that are devices (--config, PERIOGT_API_KEY_FILE, gen --cluster /dev/full) are refused at once", () => {
    const at = performance.now()
    expect(expectError(periogt(["--config", "/dev/full", "version"]), "validation_error").message).toContain("/dev/full")
    expect(expectError(periogt(["version"], { PERIOGT_API_KEY_FILE: "/dev/zero" }), "validation_error").message).toContain("/dev/zero")
    expect(expectError(periogt(["gen", "slurm", "--cluster", "/dev/full", "--out", path.join(dir, "gen-full")]), "validation_error").message).toContain("/dev/full")
    expect(performance.now() - at).toBeLessThan(30_000)
  }, 120_000)

  test("a checkpoint directory under a file: setup says so (validation_error naming it), not 'a bug'", () => {
    const file = path.join(dir, "ck-file")
    fs.writeFileSync(file, "x")
    const e = expectError(periogt(["setup", "--skip-download"], { PERIOGT_CHECKPOINT_DIR: path.join(file, "ck") }), "validation_error")
    expect(e.message).toContain(file)
  }, 60_000)

  test("gen --out naming an existing file", () => {
    const file = path.join(dir, "not-a-dir")
    fs.writeFileSync(file, "x")
    const e = expectError(periogt(["gen", "slurm", "--out", file]), "validation_error")
    expect(e.message).toContain(file)
  }, 60_000)

  test("PERIOGT_CACHE_DIR under a file (/dev/null/cache): demo says so instead of 'a bug'", () => {
    const e = expectError(periogt(["demo"], { PERIOGT_CACHE_DIR: "/dev/null/cache" }), "validation_error")
    expect(e.message).toContain("/dev/null/cache")
  }, 60_000)

  test.skipIf(process.getuid?.() !== 0)("a full filesystem (ENOSPC on a 16 KiB tmpfs, as root): descriptors --output is a validation_error naming the file, and leaves nothing", () => {
    const small = path.join(dir, "small")
    fs.mkdirSync(small)
    if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", small]).exitCode !== 0) return console.warn("skipped: cannot mount a tmpfs here")
    try {
      const out = path.join(small, "d.csv")
      const forty = path.join(dir, "forty.csv")
      fs.writeFileSync(forty, fs.readFileSync(longInput, "utf8").split("\n").slice(0, 41).join("\n") + "\n")
      const e = expectError(periogt(["--workers", "0", "descriptors", "--input", forty, "--output", out]), "validation_error")
      expect(e.message).toContain("ENOSPC")
      expect(e.message).toContain(small)
      expect(fs.readdirSync(small)).toEqual([])
    } finally {
      if (Bun.spawnSync(["umount", small]).exitCode !== 0) Bun.spawnSync(["umount", "-l", small])
    }
  }, 60_000)
})
