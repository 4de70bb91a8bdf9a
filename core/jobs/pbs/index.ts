import { Effect, Result, Schema } from "effect"
import { runScheduler } from "../command.ts"
import { indexRanges, type Command, type Executor, type JobState, type JobStatus, type SubmitRequest } from "../Executor.ts"

/**
 * PBS Pro / OpenPBS and Torque, the two dialects of `qsub`/`qstat`:
 * - PBS Pro: `-l select=1:ncpus=N:mem=M[:ngpus=1]`, arrays `-J a-b[%M]` (a contiguous range of at
 *   least two indices), task index `PBS_ARRAY_INDEX`, subjob ids `123[4].server`; state from
 *   `qstat -x -f -F json -t` (finished jobs kept in history with `-x`).
 * - Torque: `-l nodes=1:ppn=N`, arrays `-t list[%M]`, task index `PBS_ARRAYID`, ids `123[4].server`;
 *   state from `qstat -f -t` (finished jobs shown as `C` while the server keeps them).
 * No PBS server is installed where periogt is tested: the parsers are tested on recorded outputs in the
 * formats the PBS Pro Reference Guide and Torque's qstat manual give (test/…/pbs fixtures).
 */

/** Exit statuses of a finished PBS job: PBS Pro's JOB_EXEC_* codes, and 256+signal for a killed job. */
export const mapPbsExit = (exit: number | undefined, dialect: "pbs" | "torque"): JobState => {
  if (exit === undefined) return "unknown"
  if (exit === 0) return "completed"
  if (dialect === "pbs") {
    if (exit === -29) return "timeout" // JOB_EXEC_KILL_WALLTIME
    if (exit === -27 || exit === -26) return "out_of_memory" // JOB_EXEC_KILL_MEM, _VMEM
    if (exit === -3 || exit === -2 || exit === -1) return "node_fail" // JOB_EXEC_RETRY, FAIL2, FAIL1: the MoM could not run it
  } else {
    if (exit === -11) return "timeout" // JOB_EXEC_OVERLIMIT: a resource limit, walltime in practice
    if (exit === -1 || exit === -3) return "node_fail"
  }
  if (exit === 271 || exit === 265) return "cancelled" // SIGTERM / SIGKILL from qdel
  return "failed"
}

/** A PBS job_state letter (and exit status when finished) → periogt's state. */
export const mapPbsState = (letter: string, exit: number | undefined, dialect: "pbs" | "torque"): JobState => {
  switch (letter.trim().toUpperCase()) {
    case "Q":
    case "H":
    case "W":
    case "T":
    case "S":
    case "U":
      return "queued"
    case "R":
    case "E":
    case "B":
      return "running"
    case "F":
    case "X":
    case "C":
      return mapPbsExit(exit, dialect)
    default:
      return "unknown"
  }
}

/** `123[4].server.example.org` → `123[4]`; `123.server` → `123`: ids as qsub printed them, without the server. */
export const shortPbsId = (id: string): string => {
  const m = /^(\d+(?:\[\d*\])?)/.exec(id.trim())
  return m === null ? id.trim() : m[1]!
}

const PbsJob = Schema.Struct({
  job_state: Schema.String,
  Exit_status: Schema.optionalKey(Schema.Number),
  exit_status: Schema.optionalKey(Schema.Number),
  comment: Schema.optionalKey(Schema.String),
})
const QstatJson = Schema.Struct({ Jobs: Schema.optionalKey(Schema.Record(Schema.String, PbsJob)) })

/** PBS Pro `qstat -x -f -F json -t` → state by short id (array parents `123[]` included). */
export const parsePbsProJson = (text: string): Map<string, JobStatus> => {
  const out = new Map<string, JobStatus>()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return out
  }
  const decoded = Schema.decodeUnknownResult(QstatJson)(json)
  if (Result.isFailure(decoded)) return out
  for (const [id, job] of Object.entries(decoded.success.Jobs ?? {})) {
    const exit = job.Exit_status ?? job.exit_status
    out.set(shortPbsId(id), { state: mapPbsState(job.job_state, exit, "pbs"), raw: `${job.job_state}${exit === undefined ? "" : ` exit ${exit}`}`, ...(exit === undefined ? {} : { exitCode: String(exit) }) })
  }
  return out
}

/** Torque `qstat -f -t` (text blocks `Job Id: …` then `key = value`, long values continued on tab-indented lines) → state by short id. */
export const parseTorqueFull = (text: string): Map<string, JobStatus> => {
  const out = new Map<string, JobStatus>()
  const blocks = text.split(/^Job Id:\s*/m).slice(1)
  for (const block of blocks) {
    const lines = block.split("\n")
    const id = shortPbsId(lines[0] ?? "")
    const fields = new Map<string, string>()
    let last: string | undefined
    for (const line of lines.slice(1)) {
      const m = /^\s+([A-Za-z_.]+) = (.*)$/.exec(line)
      if (m !== null) {
        last = m[1]!
        fields.set(last, m[2]!)
      } else if (last !== undefined && /^\t/.test(line)) fields.set(last, fields.get(last)! + line.trim())
    }
    const state = fields.get("job_state") ?? ""
    const exitText = fields.get("exit_status") ?? fields.get("Exit_status")
    const exit = exitText === undefined ? undefined : Number(exitText)
    out.set(id, { state: mapPbsState(state, exit, "torque"), raw: `${state}${exit === undefined ? "" : ` exit ${exit}`}`, ...(exit === undefined ? {} : { exitCode: String(exit) }) })
  }
  return out
}

/** PBS array ids: the parent `123[]` and a task `123[4]`. */
const taskId = (parent: string, i: number) => parent.replace(/\[\]$/, `[${i}]`)

export const pbsExecutor = (dialect: "pbs" | "torque"): Executor => {
  const plan = (req: SubmitRequest): Command[] => {
    const resources =
      dialect === "pbs" && req.resources !== undefined
        ? ["-l", `select=1:ncpus=${req.resources.cpus}:mem=${req.resources.mem}${req.resources.gpus > 0 ? `:ngpus=${req.resources.gpus}` : ""}`]
        : []
    const vars = (env: Readonly<Record<string, string>>) => ["-v", Object.entries(env).map(([k, v]) => `${k}=${v}`).join(",")]
    const common = (env: Readonly<Record<string, string>>) => ["-N", req.name, "-j", "oe", "-o", req.logDir, ...resources, ...vars(env)]
    const contiguous = req.shards.length >= 2 && req.shards[req.shards.length - 1]! - req.shards[0]! === req.shards.length - 1
    // PBS Pro arrays take one contiguous range of two or more; other index sets go as individual jobs.
    const array = req.mode === "array" && (dialect === "torque" || contiguous)
    if (array) {
      const throttle = req.maxRunning > 0 && req.maxRunning < req.shards.length ? `%${req.maxRunning}` : ""
      const range = dialect === "torque" ? ["-t", `${indexRanges(req.shards)}${throttle}`] : ["-J", `${req.shards[0]}-${req.shards[req.shards.length - 1]}${throttle}`]
      return [{ argv: ["qsub", ...common(req.env), ...range, req.script!], env: {}, shards: req.shards }]
    }
    return req.shards.map((i) => ({ argv: ["qsub", ...common({ ...req.env, PERIOGT_SHARD: String(i) }), req.script!], env: {}, shards: [i] }))
  }
  return {
    name: dialect,
    plan,
    submit: (req) =>
      Effect.gen(function* () {
        const commands = plan(req)
        const jobIds = new Map<number, string>()
        for (const c of commands) {
          const r = yield* runScheduler(c, { what: "qsub", rejection: true })
          const id = shortPbsId(r.stdout.trim().split("\n").pop() ?? "")
          if (c.shards.length > 1 || id.endsWith("[]")) for (const i of c.shards) jobIds.set(i, taskId(id, i))
          else jobIds.set(c.shards[0]!, id)
        }
        return { jobIds, commands }
      }),
    status: (jobIds) =>
      Effect.gen(function* () {
        if (jobIds.length === 0) return new Map<string, JobStatus>()
        const parents = [...new Set(jobIds.map((j) => j.replace(/\[\d+\]$/, "[]")))]
        const argv = dialect === "pbs" ? ["qstat", "-x", "-f", "-F", "json", "-t", ...parents] : ["qstat", "-f", "-t", ...parents]
        // qstat exits non-zero when one of the ids is unknown (purged from history) but still prints the others.
        const r = yield* runScheduler({ argv, env: {}, shards: [] }, { what: "qstat" }).pipe(
          Effect.catch((e) => (/unknown job id/i.test(e.message) ? Effect.succeed({ code: 0, stdout: "", stderr: e.message }) : Effect.fail(e))),
        )
        return dialect === "pbs" ? parsePbsProJson(r.stdout) : parseTorqueFull(r.stdout)
      }),
    cancel: (jobIds) => (jobIds.length === 0 ? Effect.void : runScheduler({ argv: ["qdel", ...jobIds], env: {}, shards: [] }, { what: "qdel" }).pipe(Effect.asVoid)),
  }
}
