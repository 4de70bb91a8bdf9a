import * as fs from "node:fs"
import * as path from "node:path"

/**
 * Where an `--input` CSV is read from: a file, or standard input for `-`. A pipe named by path
 * (`/dev/stdin`, a FIFO, `<(…)`) is read as a stream too, never measured first: its size says nothing.
 */
export const STDIN_INPUT = "-"

/** The --input value as the commands keep it: `-` as it is, anything else an absolute path. */
export const inputPath = (value: string): string => (value === STDIN_INPUT ? STDIN_INPUT : path.resolve(value))

/**
 * Whether the input can be read only once (standard input, a pipe, a character device): a command
 * that reads its input twice (counting rows first, resuming later) reads it as a stream instead, or
 * copies it first (`batch`: core/io/spooledInput.ts).
 */
export const isOneShotInput = (file: string): boolean => {
  if (file === STDIN_INPUT) return true
  try {
    const st = fs.statSync(file)
    return st.isFIFO() || st.isCharacterDevice() || st.isSocket()
  } catch {
    return false
  }
}

/** The bytes of an input, streamed in 64 KiB chunks. */
export const inputChunks = (file: string): AsyncIterable<Uint8Array> =>
  file === STDIN_INPUT ? (process.stdin as AsyncIterable<Uint8Array>) : fs.createReadStream(file, { highWaterMark: 1 << 16 })

/** How an input is named in messages. */
export const inputName = (file: string): string => (file === STDIN_INPUT ? "standard input" : file)
