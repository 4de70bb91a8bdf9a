import { Effect } from "effect"
import { InternalError, ValidationError, type PeriogtError } from "../errors/index.ts"
import type { Command } from "./Executor.ts"

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Scheduler messages that mean "try again": the controller is busy or briefly unreachable. */
export const TRANSIENT = /socket timed out|resource temporarily unavailable|connection refused|try again|temporarily|timed out|unable to contact slurm controller|pbs_server.*(down|busy)|cannot connect to (pbs|torque)? ?server/i

/** Backoff between tries: `PERIOGT_SCHEDULER_BACKOFF_MS` (first delay, doubled each time; tests set it small). */
const firstDelay = () => {
  const v = Number(process.env["PERIOGT_SCHEDULER_BACKOFF_MS"])
  return Number.isFinite(v) && v >= 0 ? v : 2000
}

export const display = (c: Command): string =>
  [...Object.entries(c.env).map(([k, v]) => `${k}=${shellWord(v)}`), ...c.argv.map(shellWord)].join(" ")

export const shellWord = (s: string): string => (/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`)

const runOnce = (c: Command, cwd?: string): Promise<CommandResult> =>
  new Promise((resolve) => {
    try {
      const p = Bun.spawn([...c.argv], { env: { ...process.env, ...c.env }, cwd, stdout: "pipe", stderr: "pipe" })
      Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(([stdout, stderr, code]) => resolve({ code, stdout, stderr }))
    } catch (e) {
      resolve({ code: 127, stdout: "", stderr: e instanceof Error ? e.message : String(e) })
    }
  })

/**
 * Runs a scheduler command, retrying transient failures with exponential backoff (`tries` in all).
 * A non-transient failure is the scheduler's answer: a `validation_error` quoting it when `rejection`
 * says so (submit: bad partition, account, QOS), else an `internal_error`.
 */
export const runScheduler = (c: Command, o: { readonly tries?: number; readonly what: string; readonly cwd?: string; readonly rejection?: boolean }) =>
  Effect.gen(function* () {
    const tries = o.tries ?? 4
    let delay = firstDelay()
    let last: CommandResult = { code: -1, stdout: "", stderr: "" }
    for (let k = 1; k <= tries; k++) {
      last = yield* Effect.promise(() => runOnce(c, o.cwd))
      if (last.code === 0) return last
      if (!TRANSIENT.test(last.stderr + last.stdout) || k === tries) break
      yield* Effect.sleep(delay)
      delay *= 2
    }
    const said = (last.stderr.trim() || last.stdout.trim() || `exit status ${last.code}`).split("\n").slice(-5).join(" | ")
    const error: PeriogtError =
      last.code === 127
        ? new ValidationError({ message: `${o.what}: ${c.argv[0]} cannot be run (${said})`, action: "run on a node where the scheduler's commands are on PATH, or choose another --scheduler", details: { command: display(c) } })
        : o.rejection === true && !TRANSIENT.test(said)
          ? new ValidationError({ message: `${o.what}: the scheduler refused: ${said}`, action: "fix the partition, account or limits (--set partition=, --set account=, --set time=) and submit again", details: { command: display(c), scheduler_said: said } })
          : new InternalError({ message: `${o.what}: ${display(c)} failed: ${said}`, action: "check that the scheduler answers (squeue / qstat), then retry", details: { command: display(c), scheduler_said: said } })
    return yield* Effect.fail(error)
  })
