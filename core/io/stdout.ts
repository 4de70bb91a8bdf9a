/**
 * The one channel results go through: every command writes what it prints on stdout with `writeOut`.
 *
 * Writes are synchronous (fs.writeSync on fd 1, looping over partial writes), so a failure is seen
 * where it happens instead of as an unhandled stream 'error' event with a stack trace:
 * - EPIPE (the reader went away: `periogt descriptors --input f.csv | head -2`) ends the process at
 *   once and quietly, with exit 0, as Unix tools do; committed work (batch progress) stays committed,
 *   and the exit hooks (a lock file beside an output) still run;
 * - any other failure (ENOSPC: `> /dev/full`, EBADF: stdout closed, EIO) throws `internal_error`
 *   naming the errno, which the command reports on stderr with exit code 2.
 */
import * as fs from "node:fs"
import { EXIT, InternalError, errnoCode } from "../errors/index.ts"

let STDOUT = 1

/** A short pause without the event loop (the write must stay synchronous): stdout set non-blocking. */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** What happens when the reader has gone away; replaceable in tests. */
let onBrokenPipe: () => never = () => process.exit(EXIT.success)

export const stdoutFailed = (e: unknown) =>
  new InternalError({
    message: `cannot write the results to standard output: ${e instanceof Error ? e.message : String(e)}`,
    action: "check where standard output goes (a full disk? a closed descriptor?) and rerun",
    details: { stream: "stdout", ...(errnoCode(e) === undefined ? {} : { errno: errnoCode(e) }) },
    cause: e,
  })

/** Writes all of `text` to stdout, or ends quietly on EPIPE, or throws `internal_error`. */
export const writeOut = (text: string | Uint8Array): void => {
  const buf = typeof text === "string" ? Buffer.from(text) : text
  let off = 0
  let waits = 0
  while (off < buf.length) {
    try {
      off += fs.writeSync(STDOUT, buf, off, buf.length - off)
      waits = 0
    } catch (e) {
      const code = errnoCode(e)
      if (code === "EAGAIN" && waits < 60_000) {
        waits++
        pause(1)
        continue
      }
      if (code === "EPIPE") onBrokenPipe()
      throw stdoutFailed(e)
    }
  }
}

/** For tests: what a broken pipe does instead of exiting. */
export const setBrokenPipeHandler = (f: () => never) => {
  onBrokenPipe = f
}

/** For tests that run commands in-process: where results go instead of fd 1 (e.g. /dev/null). */
export const redirectStdout = (fd: number) => {
  STDOUT = fd
}
