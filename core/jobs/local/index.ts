import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { InternalError } from "../../errors/index.ts"
import { shellSingle } from "../../deploy/batchJobs.ts"
import type { Command, Executor, JobStatus, SubmitRequest } from "../Executor.ts"
import { shardName } from "../ledger.ts"
import { selfCommand } from "../self.ts"

/**
 * The local executor: no scheduler, the shards run as processes on this machine, at most M at once
 * (a laptop, CI, a workstation). `submit` writes two small scripts into `<run>/local/` and starts the
 * driver detached, so the shards go on after `periogt submit` returns:
 * - `driver.sh I...`: `xargs -P M` over the shard indices;
 * - `one.sh I`: runs `periogt batch --run RUN --shard I`, recording its pid and then its exit status.
 * States come from those files; `cancel` marks shards cancelled and stops the running ones with SIGTERM
 * (the batch commits what it has done, so a resumed shard continues from there).
 */
export const localDir = (runDir: string) => path.join(runDir, "local")
const file = (runDir: string, i: number, ext: string) => path.join(localDir(runDir), `${shardName(i)}.${ext}`)

export const localJobId = (i: number) => `local:${i}`
const indexOf = (jobId: string) => Number(jobId.replace(/^local:/, ""))

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const readText = (f: string) => {
  try {
    return fs.readFileSync(f, "utf8").trim()
  } catch {
    return undefined
  }
}

const scripts = (req: SubmitRequest, self: ReadonlyArray<string>) => {
  const run = shellSingle(req.runDir)
  const env = Object.entries(req.env).map(([k, v]) => `export ${k}=${shellSingle(v)}`)
  const one = [
    "#!/bin/bash",
    "# periogt local executor: runs one shard (written by periogt submit --scheduler local).",
    "set -u",
    'i="$1"',
    'name="$(printf "shard-%04d" "$i")"',
    `dir=${shellSingle(localDir(req.runDir))}`,
    ...env,
    'if [[ -e "$dir/$name.cancel" ]]; then echo cancelled >"$dir/$name.exit"; exit 0; fi',
    `${self.map(shellSingle).join(" ")} batch --run ${run} --shard "$i" >>${shellSingle(req.logDir)}"/$name.log" 2>&1 &`,
    "pid=$!",
    'echo "$pid" >"$dir/$name.pid"',
    "status=0",
    'wait "$pid" || status=$?',
    'echo "$status" >"$dir/$name.exit"',
    "",
  ].join("\n")
  const driver = [
    "#!/bin/bash",
    "# periogt local executor: at most MAX shards at once (written by periogt submit --scheduler local).",
    "set -u",
    'max="$1"',
    "shift",
    `printf '%s\\n' "$@" | xargs -P "$max" -n 1 bash ${shellSingle(path.join(localDir(req.runDir), "one.sh"))}`,
    "",
  ].join("\n")
  return { one, driver }
}

export const localExecutor = (): Executor => {
  const plan = (req: SubmitRequest): Command[] => [
    { argv: ["bash", path.join(localDir(req.runDir), "driver.sh"), String(Math.max(1, req.maxRunning)), ...req.shards.map(String)], env: {}, shards: req.shards },
  ]
  return {
    name: "local",
    plan,
    submit: (req) =>
      Effect.try({
        try: () => {
          const dir = localDir(req.runDir)
          fs.mkdirSync(dir, { recursive: true })
          fs.mkdirSync(req.logDir, { recursive: true })
          for (const i of req.shards) for (const ext of ["exit", "pid", "cancel"]) fs.rmSync(file(req.runDir, i, ext), { force: true })
          const s = scripts(req, selfCommand())
          fs.writeFileSync(path.join(dir, "one.sh"), s.one, { mode: 0o755 })
          fs.writeFileSync(path.join(dir, "driver.sh"), s.driver, { mode: 0o755 })
          const commands = plan(req)
          const log = fs.openSync(path.join(req.logDir, "local-driver.log"), "a")
          const child = spawn(commands[0]!.argv[0]!, commands[0]!.argv.slice(1), { detached: true, stdio: ["ignore", log, log], cwd: req.runDir, env: { ...process.env, ...req.env } })
          fs.closeSync(log)
          child.unref()
          fs.writeFileSync(path.join(dir, "driver.pid"), `${child.pid ?? ""}\n`)
          return { jobIds: new Map(req.shards.map((i) => [i, localJobId(i)] as const)), commands }
        },
        catch: (e) => new InternalError({ message: `cannot start the local shards: ${e instanceof Error ? e.message : String(e)}`, action: "check that the run directory is writable and bash and xargs are installed", cause: e }),
      }),
    status: (jobIds, runDir) =>
      Effect.sync(() => {
        const out = new Map<string, JobStatus>()
        const driverPid = Number(readText(path.join(localDir(runDir), "driver.pid")))
        const driverAlive = Number.isInteger(driverPid) && driverPid > 0 && alive(driverPid)
        for (const id of jobIds) {
          const i = indexOf(id)
          const cancelled = fs.existsSync(file(runDir, i, "cancel"))
          const exit = readText(file(runDir, i, "exit"))
          const pid = Number(readText(file(runDir, i, "pid")))
          if (exit !== undefined) {
            if (exit === "cancelled" || cancelled) out.set(id, { state: "cancelled", raw: cancelled ? "cancelled" : exit, exitCode: exit })
            else out.set(id, { state: exit === "0" ? "completed" : "failed", raw: `exit ${exit}`, exitCode: exit })
          } else if (Number.isInteger(pid) && pid > 0) {
            out.set(id, alive(pid) ? { state: "running", raw: `pid ${pid}` } : { state: cancelled ? "cancelled" : "failed", raw: `pid ${pid} gone without an exit status` })
          } else if (driverAlive) out.set(id, { state: cancelled ? "cancelled" : "queued", raw: "waiting for a free slot" })
          else if (cancelled) out.set(id, { state: "cancelled", raw: "cancelled before it started" })
        }
        return out
      }),
    cancel: (jobIds, runDir) =>
      Effect.sync(() => {
        for (const id of jobIds) {
          const i = indexOf(id)
          if (fs.existsSync(file(runDir, i, "exit"))) continue
          fs.writeFileSync(file(runDir, i, "cancel"), "")
          const pid = Number(readText(file(runDir, i, "pid")))
          if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
            try {
              process.kill(pid, "SIGTERM")
            } catch {
              // already gone
            }
          }
        }
      }),
  }
}
