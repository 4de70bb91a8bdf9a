import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { compileCommand } from "../../tools/build.ts"

export const ROOT = path.resolve(import.meta.dir, "../..")

let built: string | undefined

/**
 * The compiled executable, built once per test process from the current sources into a private
 * temporary directory (never a stale dist/ from an earlier build).
 */
export const periogtBinary = (): string => {
  if (built !== undefined) return built
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bin-"))
  const out = path.join(dir, "periogt")
  const r = Bun.spawnSync(compileCommand(out), {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  })
  if (r.exitCode !== 0) throw new Error(`bun build failed: ${r.stderr.toString()}`)
  built = out
  return out
}

export interface RunResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command with exactly the environment given (nothing inherited), as a user's job would. */
export const run = (cmd: ReadonlyArray<string>, options: { env: Record<string, string>; cwd?: string; stdin?: string }): RunResult => {
  const r = Bun.spawnSync([...cmd], { env: options.env, cwd: options.cwd, stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin), stdout: "pipe", stderr: "pipe" })
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

/** The `{"error": {...}}` line periogt prints on stderr for a failed command. */
export const errorOf = (stderr: string): { code: string; message: string; details?: Record<string, unknown> } | undefined => {
  const line = stderr.split("\n").reverse().find((l) => l.startsWith('{"error"'))
  return line === undefined ? undefined : (JSON.parse(line) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error
}

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `periogt-${prefix}-`))

/** Like `run`, without blocking this process: needed when the command talks to a server in the test. */
export const runAsync = async (cmd: ReadonlyArray<string>, options: { env: Record<string, string>; cwd?: string }): Promise<RunResult> => {
  const p = Bun.spawn([...cmd], { env: options.env, cwd: options.cwd, stdout: "pipe", stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}
