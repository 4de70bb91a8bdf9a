/**
 * Result files (`batch --output`, `descriptors --output`) are written, never replaced blindly: before any
 * work, the path must be a regular file or not exist yet (a directory, a device, a FIFO, a socket or a
 * symbolic link is refused, saying which), the files periogt keeps beside it (`.partial`, `.progress`)
 * must be regular files too, and its directory must exist or be creatable and be writable. Then an
 * exclusive lock beside it (`<output>.lock`, holding host, pid and the process's start time) makes a
 * second run on the same output fail at once, naming the running process; a lock left by a process of
 * this host that is gone is taken over.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { Effect, type Scope } from "effect"
import { ValidationError, errnoCode, fromFsError, type PeriogtError } from "../errors/index.ts"

/** What a non-regular path is, in words a user reads. */
export const describeFileType = (st: fs.Stats): string =>
  st.isDirectory()
    ? "a directory"
    : st.isSymbolicLink()
      ? "a symbolic link"
      : st.isCharacterDevice()
        ? "a character device"
        : st.isBlockDevice()
          ? "a block device"
          : st.isFIFO()
            ? "a FIFO (named pipe)"
            : st.isSocket()
              ? "a socket"
              : "not a regular file"

const lstatOrUndefined = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p)
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined
    throw e
  }
}

/**
 * Checks that `file` (absolute) can be written as a result file, and its `companions` (files periogt
 * writes beside it) too; `option` names the flag or setting it came from. Nothing is created.
 */
export const checkOutputPath = (file: string, option: string, companions: ReadonlyArray<string> = []): PeriogtError | undefined => {
  try {
    for (const p of [file, ...companions]) {
      const st = lstatOrUndefined(p)
      if (st !== undefined && !st.isFile()) {
        const what = describeFileType(st)
        return new ValidationError({
          message: `${option} ${p} is ${what}; periogt writes results only to a regular file or to a path that does not exist yet`,
          action:
            p !== file
              ? `remove ${p} (periogt keeps its progress there) or choose another ${option}`
              : st.isDirectory()
                ? `give a file path for ${option}, e.g. ${path.join(p, "results.csv")}`
                : `give the path of a regular file (or of one that does not exist yet) for ${option}`,
          details: { option, path: p, type: what.replace(/^an? /, "") },
        })
      }
    }
    // The directory: the nearest existing ancestor must be a directory we may write into.
    let dir = path.dirname(file)
    for (;;) {
      const st = lstatOrUndefined(dir)
      if (st !== undefined) {
        const target = st.isSymbolicLink() ? fs.statSync(dir) : st
        if (!target.isDirectory()) {
          return new ValidationError({
            message: `${option} ${file} cannot be created: ${dir} is ${describeFileType(target)}, not a directory`,
            action: `choose a path for ${option} inside a directory`,
            details: { option, path: file, blocking: dir },
          })
        }
        break
      }
      const up = path.dirname(dir)
      if (up === dir) break
      dir = up
    }
    try {
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK)
    } catch (e) {
      return new ValidationError({
        message: `${option} ${file} cannot be written: its directory ${dir} is not writable (${errnoCode(e) ?? String(e)})`,
        action: `choose a writable location for ${option}, or fix the permissions of ${dir}`,
        details: { option, path: file, directory: dir, ...(errnoCode(e) === undefined ? {} : { errno: errnoCode(e) }) },
      })
    }
    if (fs.existsSync(file)) {
      try {
        fs.accessSync(file, fs.constants.W_OK)
      } catch (e) {
        return fromFsError(file, `${option}`)(e)
      }
    }
    return undefined
  } catch (e) {
    return fromFsError(file, option)(e)
  }
}

export const lockPath = (file: string) => `${file}.lock`

interface LockOwner {
  readonly host: string
  readonly pid: number
  /** /proc/<pid>/stat's start time, so a reused pid is not taken for the owner. */
  readonly start?: string
  readonly since?: string
}

/** A process's start time (clock ticks since boot), where /proc tells it. */
const startTimeOf = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}

const alive = (owner: LockOwner): boolean => {
  try {
    process.kill(owner.pid, 0)
  } catch (e) {
    if (errnoCode(e) === "ESRCH") return false
  }
  if (owner.start === undefined) return true
  const now = startTimeOf(owner.pid)
  return now === undefined || now === owner.start
}

const readOwner = (file: string): LockOwner | undefined => {
  try {
    const o = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockOwner>
    return typeof o.host === "string" && typeof o.pid === "number" ? (o as LockOwner) : undefined
  } catch {
    return undefined
  }
}

export interface OutputLock {
  readonly path: string
  /** Removes the lock (idempotent); also done when the process exits. */
  readonly release: () => void
}

/**
 * Takes the exclusive lock of `file`'s output (`<file>.lock`), creating its directory if needed. A
 * lock held by a live process (this host) or by any process of another host is a `validation_error`
 * naming it; a lock of a dead process of this host is recovered.
 */
export const lockOutput = (file: string, option: string): OutputLock | PeriogtError => {
  const lock = lockPath(file)
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
  } catch (e) {
    return fromFsError(path.dirname(file), `the directory of ${option}`)(e)
  }
  const me: LockOwner = { host: os.hostname(), pid: process.pid, ...(startTimeOf(process.pid) === undefined ? {} : { start: startTimeOf(process.pid)! }), since: new Date().toISOString() }
  const content = JSON.stringify(me) + "\n"
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written whole under a private name, then linked to the lock's name: link(2) is atomic and fails
    // when the lock exists, so nobody ever reads a half-written lock.
    const tmp = `${lock}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
    try {
      fs.writeFileSync(tmp, content, { flag: "wx" })
      try {
        fs.linkSync(tmp, lock)
        const release = makeRelease(lock, content)
        return { path: lock, release }
      } catch (e) {
        if (errnoCode(e) !== "EEXIST") throw e
      } finally {
        fs.rmSync(tmp, { force: true })
      }
    } catch (e) {
      if (errnoCode(e) === "ENOENT") {
        // the directory exists (created above) yet refuses new files: /proc, /sys, a vanished mount
        return new ValidationError({
          message: `${option} ${file} cannot be written: no file can be created in ${path.dirname(file)}`,
          action: `choose a location on an ordinary writable filesystem for ${option}`,
          details: { option, path: file, directory: path.dirname(file), errno: "ENOENT" },
        })
      }
      return fromFsError(lock, `the lock file of ${option}`)(e)
    }
    const owner = readOwner(lock)
    if (owner !== undefined && (owner.host !== me.host || alive(owner))) {
      const running = `process ${owner.pid} on host ${owner.host}`
      return new ValidationError({
        message: `${option} ${file} is being written by another run: ${running}${owner.since === undefined ? "" : ` (since ${owner.since})`}`,
        action:
          owner.host === me.host
            ? `wait for process ${owner.pid} to finish (or stop it), or choose another ${option}`
            : `wait for that run to finish, or choose another ${option}; if nothing runs on ${owner.host} any more, remove ${lock}`,
        details: { option, path: file, lock, host: owner.host, pid: owner.pid },
      })
    }
    // Stale (its process is gone) or unreadable: move it aside under a private name, then check that
    // what was moved is still the stale lock (another process may have recovered it first and taken it).
    const aside = `${lock}.stale.${process.pid}.${randomBytes(4).toString("hex")}`
    try {
      fs.renameSync(lock, aside)
    } catch (e) {
      if (errnoCode(e) === "ENOENT") continue
      return fromFsError(lock, `the lock file of ${option}`)(e)
    }
    const moved = readOwner(aside)
    if (moved !== undefined && owner !== undefined && (moved.pid !== owner.pid || moved.host !== owner.host || moved.start !== owner.start)) {
      // We moved someone's fresh lock: put it back if the name is still free, and try again.
      try {
        fs.linkSync(aside, lock)
      } catch {}
    }
    fs.rmSync(aside, { force: true })
  }
  return new ValidationError({ message: `cannot take the lock ${lock} of ${option} ${file}: other runs keep taking it`, action: `make sure one run at a time writes ${file}`, details: { option, path: file, lock } })
}

const held = new Map<string, string>()
let exitHookInstalled = false

const removeIfOurs = (lock: string, content: string) => {
  try {
    if (fs.readFileSync(lock, "utf8") === content) fs.rmSync(lock, { force: true })
  } catch {}
}

const makeRelease = (lock: string, content: string) => {
  held.set(lock, content)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // process.exit (a second signal, a broken pipe) skips finalizers; the 'exit' event still runs.
    process.on("exit", () => {
      for (const [l, c] of held) removeIfOurs(l, c)
    })
  }
  return () => {
    if (!held.has(lock)) return
    held.delete(lock)
    removeIfOurs(lock, content)
  }
}

/** `lockOutput` as a resource of the surrounding scope: released when the command ends, however it ends. */
export const outputLock = (file: string, option: string): Effect.Effect<OutputLock, PeriogtError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const l = lockOutput(file, option)
      return "release" in l ? Effect.succeed(l) : Effect.fail(l)
    }),
    (l) => Effect.sync(l.release),
  )

/**
 * An input file that must be read: it exists and is not a directory (a FIFO or /dev/stdin is fine).
 * Checked before any heavy work, so `--input DIR` is a validation_error naming it, not EISDIR later.
 */
export const checkInputPath = (file: string, option: string): PeriogtError | undefined => {
  if (file === "-") return undefined // standard input (core/io/csv/input.ts)
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      return new ValidationError({ message: `${option} ${file} does not exist`, action: `check the ${option} path (relative paths are taken from the current directory)`, details: { option, path: file } })
    }
    return fromFsError(file, option)(e)
  }
  if (st.isDirectory()) {
    return new ValidationError({ message: `${option} ${file} is a directory, not a CSV file`, action: `give a CSV file for ${option}, e.g. ${path.join(file, "polymers.csv")}`, details: { option, path: file, type: "directory" } })
  }
  // A device other than /dev/null or a terminal (standard input typed by hand) never ends (/dev/zero,
  // /dev/full, /dev/urandom) or is not a CSV; a socket is not a file. A FIFO (a pipe) is read as it comes.
  if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) {
    let real = file
    try {
      real = fs.realpathSync(file)
    } catch {}
    const terminal = real === "/dev/null" || real === "/dev/tty" || real.startsWith("/dev/pts/") || /^\/dev\/tty\w*$/.test(real)
    if (!terminal) {
      const what = describeFileType(st)
      return new ValidationError({
        message: `${option} ${file} is ${what}, not a CSV file`,
        action: `give a CSV file (or a pipe) for ${option}`,
        details: { option, path: file, type: what.replace(/^an? /, "") },
      })
    }
  }
  try {
    fs.accessSync(file, fs.constants.R_OK)
  } catch (e) {
    return fromFsError(file, option)(e)
  }
  return undefined
}

/**
 * Reads a small settings file (a TOML config, an API key file) whole, refusing what is not a regular
 * file or is larger than `limit` bytes: `--config /dev/zero` or `/dev/full` would otherwise be read
 * forever. Throws an Error saying which, for the caller's validation_error.
 */
export const readSmallRegularFile = (file: string, limit = 1 << 20): string => {
  const st = fs.statSync(file)
  if (!st.isFile()) throw Object.assign(new Error(`${file} is ${describeFileType(st)}, not a regular file`), { code: "ENOTREG" })
  if (st.size > limit) throw Object.assign(new Error(`${file} is ${st.size} bytes, more than the ${limit} a settings file may have`), { code: "EFBIG" })
  return fs.readFileSync(file, "utf8")
}
