import * as fs from "node:fs"
import * as path from "node:path"
import { syncDirectory } from "./atomicWrite.ts"
import { writeAll } from "./writeAll.ts"

/**
 * An output file that survives being killed. Rows go to `<final>.partial`; after each committed chunk
 * a line `{"rows": n, "bytes": b}` is appended to `<final>.progress` once the partial file is flushed
 * to disk. A restart truncates the partial file to the last committed byte count (dropping rows
 * written after it, e.g. under `kill -9`) and resumes at the last committed row: no row lost, none
 * written twice. The final name appears only when the whole file is complete (rename).
 *
 * `identity` names the job (input file, its size and time, the parameters): a journal left by a
 * different job is not resumed from; that run starts over.
 */
export interface ResumeState {
  /** Input rows already done (their output is in the partial file). */
  readonly rows: number
  /** Of those, rows that failed. */
  readonly failedRows: number
  readonly resumed: boolean
}

interface Commit {
  readonly rows: number
  readonly bytes: number
  readonly failed: number
}

export class ResumableOutput {
  private fd: number
  private bytes: number
  private rows: number
  private failed: number

  private constructor(
    readonly final: string,
    private readonly journalFd: number,
    fd: number,
    state: Commit,
  ) {
    this.fd = fd
    this.bytes = state.bytes
    this.rows = state.rows
    this.failed = state.failed
  }

  static partialPath = (final: string) => `${final}.partial`
  static journalPath = (final: string) => `${final}.progress`

  /** Opens (or resumes) the output; `header` is written when starting from scratch. */
  static open(final: string, identity: string, header: string): { readonly output: ResumableOutput; readonly state: ResumeState } {
    fs.mkdirSync(path.dirname(final), { recursive: true })
    const partial = ResumableOutput.partialPath(final)
    const journal = ResumableOutput.journalPath(final)
    const last = readLastCommit(journal, identity)
    let resumed = false
    let state: Commit
    if (last !== undefined && fs.existsSync(partial) && fs.statSync(partial).size >= last.bytes) {
      fs.truncateSync(partial, last.bytes)
      state = last
      resumed = true
    } else {
      fs.writeFileSync(partial, header)
      state = { rows: 0, bytes: Buffer.byteLength(header), failed: 0 }
      fs.writeFileSync(journal, JSON.stringify({ identity }) + "\n" + JSON.stringify(state) + "\n")
    }
    const fd = fs.openSync(partial, "r+")
    const journalFd = fs.openSync(journal, "a")
    return { output: new ResumableOutput(final, journalFd, fd, state), state: { rows: state.rows, failedRows: state.failed, resumed } }
  }

  /** Appends the output of input rows up to `rowsDone` (`failedRows` of them failed, in all) durably. */
  commit(text: string, rowsDone: number, failedRows: number): void {
    const buf = Buffer.from(text)
    writeAll(this.fd, buf, this.bytes)
    fs.fsyncSync(this.fd)
    this.bytes += buf.length
    this.rows = rowsDone
    this.failed = failedRows
    writeAll(this.journalFd, JSON.stringify({ rows: this.rows, bytes: this.bytes, failed: this.failed }) + "\n")
    fs.fsyncSync(this.journalFd)
  }

  get rowsDone(): number {
    return this.rows
  }

  /** The whole input is done: the partial file becomes the final one. */
  finish(): void {
    fs.closeSync(this.fd)
    fs.closeSync(this.journalFd)
    fs.renameSync(ResumableOutput.partialPath(this.final), this.final)
    fs.rmSync(ResumableOutput.journalPath(this.final), { force: true })
    syncDirectory(path.dirname(this.final))
  }

  /** Stops without finishing: what is committed stays for the next run. */
  close(): void {
    fs.closeSync(this.fd)
    fs.closeSync(this.journalFd)
  }
}

/** The last complete commit line of a journal for this identity; a torn last line is ignored. */
const readLastCommit = (journal: string, identity: string): Commit | undefined => {
  let text: string
  try {
    text = fs.readFileSync(journal, "utf8")
  } catch {
    return undefined
  }
  const lines = text.split("\n")
  try {
    if ((JSON.parse(lines[0] ?? "") as { identity?: string }).identity !== identity) return undefined
  } catch {
    return undefined
  }
  let last: Commit | undefined
  for (const line of lines.slice(1)) {
    try {
      const c = JSON.parse(line) as Commit
      if (Number.isInteger(c.rows) && Number.isInteger(c.bytes) && Number.isInteger(c.failed)) last = c
    } catch {
      // a line torn by a kill mid-write: the previous one stands
    }
  }
  return last
}
