import { Effect } from "effect"
import { runScheduler } from "../command.ts"
import { indexRanges, type Command, type Executor, type JobState, type JobStatus, type SubmitRequest } from "../Executor.ts"

/**
 * Slurm: one array job (`sbatch --array=<indices>%M`) or one job per shard (the same script with
 * PERIOGT_SHARD set); states from `sacct -X --parsable2` in one query, or, when accounting is off,
 * `squeue -r` for the jobs still known to the controller and `scontrol show job -o` for the recently
 * finished ones; `scancel`.
 */

/** A Slurm state word (sacct adds " by <uid>" to CANCELLED; squeue prints the long names) → periogt's state. */
export const mapSlurmState = (raw: string): JobState => {
  const s = raw.trim().split(/\s+/)[0]?.toUpperCase().replace(/\+$/, "") ?? ""
  switch (s) {
    case "PENDING":
    case "PD":
    case "REQUEUED":
    case "RQ":
    case "REQUEUE_HOLD":
    case "REQUEUE_FED":
    case "RESV_DEL_HOLD":
    case "CONFIGURING":
    case "CF":
    case "SUSPENDED":
    case "S":
    case "STOPPED":
    case "ST":
      return "queued"
    case "RUNNING":
    case "R":
    case "COMPLETING":
    case "CG":
    case "STAGE_OUT":
    case "SO":
    case "SIGNALING":
    case "SI":
    case "RESIZING":
      return "running"
    case "COMPLETED":
    case "CD":
      return "completed"
    case "FAILED":
    case "F":
    case "BOOT_FAIL":
    case "BF":
    case "DEADLINE":
    case "DL":
    case "SPECIAL_EXIT":
    case "SE":
    case "REVOKED":
    case "RV":
      return "failed"
    case "CANCELLED":
    case "CA":
      return "cancelled"
    case "TIMEOUT":
    case "TO":
      return "timeout"
    case "PREEMPTED":
    case "PR":
      return "preempted"
    case "NODE_FAIL":
    case "NF":
      return "node_fail"
    case "OUT_OF_MEMORY":
    case "OOM":
      return "out_of_memory"
    default:
      return "unknown"
  }
}

/** `123_[2-5,7%2]` (pending array tasks, one line in sacct and squeue without -r) → `123_2` … `123_7`. */
export const expandArrayId = (id: string): string[] => {
  const m = /^(\d+)_\[([^\]]+)\]$/.exec(id)
  if (m === null) return [id]
  const out: string[] = []
  for (const part of m[2]!.split("%")[0]!.split(",")) {
    const [a, b] = part.split("-").map((x) => Number(x.split(":")[0]))
    if (a === undefined || !Number.isInteger(a)) continue
    const step = Number(part.split(":")[1] ?? 1) || 1
    for (let k = a; k <= (b ?? a); k += step) out.push(`${m[1]}_${k}`)
  }
  return out
}

/** `sacct -X --parsable2 --noheader --format=JobID,State,ExitCode` output → state by job id. */
export const parseSacct = (text: string): Map<string, JobStatus> => {
  const out = new Map<string, JobStatus>()
  for (const line of text.split("\n")) {
    const [id, state, exit] = line.trim().split("|")
    if (id === undefined || id === "" || state === undefined || id.includes(".")) continue
    for (const x of expandArrayId(id)) out.set(x, { state: mapSlurmState(state), raw: state, ...(exit === undefined || exit === "" ? {} : { exitCode: exit }) })
  }
  return out
}

/** `squeue -h -r -o '%i|%T|%r'` output → state by job id. */
export const parseSqueue = (text: string): Map<string, JobStatus> => {
  const out = new Map<string, JobStatus>()
  for (const line of text.split("\n")) {
    const [id, state] = line.trim().split("|")
    if (id === undefined || id === "" || state === undefined) continue
    for (const x of expandArrayId(id)) out.set(x, { state: mapSlurmState(state), raw: state })
  }
  return out
}

/** `scontrol show job -o` output (one record a line) → state by job id (array tasks as `<array>_<task>`). */
export const parseScontrol = (text: string): Map<string, JobStatus> => {
  const out = new Map<string, JobStatus>()
  for (const line of text.split("\n")) {
    if (!line.startsWith("JobId=")) continue
    const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(line)?.[1]
    const arrayJob = field("ArrayJobId")
    const task = field("ArrayTaskId")
    const state = field("JobState") ?? ""
    const exit = field("ExitCode")
    const ids = arrayJob !== undefined && task !== undefined ? expandArrayId(`${arrayJob}_${/^\d+$/.test(task) ? task : `[${task}]`}`) : [field("JobId") ?? ""]
    for (const id of ids) out.set(id, { state: mapSlurmState(state), raw: state, ...(exit === undefined ? {} : { exitCode: exit }) })
  }
  return out
}

const parsable = (stdout: string) => stdout.trim().split("\n").pop()!.split(";")[0]!.trim()

export const slurmExecutor = (): Executor => {
  const plan = (req: SubmitRequest): Command[] => {
    const common = ["--parsable", `--job-name=${req.name}`, `--chdir=${req.runDir}`]
    if (req.mode === "array") {
      const throttle = req.maxRunning > 0 && req.maxRunning < req.shards.length ? `%${req.maxRunning}` : ""
      return [{ argv: ["sbatch", ...common, `--array=${indexRanges(req.shards)}${throttle}`, `--output=${req.logDir}/slurm-%A_%a.out`, req.script!], env: { ...req.env }, shards: req.shards }]
    }
    return req.shards.map((i) => ({ argv: ["sbatch", ...common, `--output=${req.logDir}/slurm-%j-shard${i}.out`, req.script!], env: { ...req.env, PERIOGT_SHARD: String(i) }, shards: [i] }))
  }
  return {
    name: "slurm",
    plan,
    submit: (req) =>
      Effect.gen(function* () {
        const commands = plan(req)
        const jobIds = new Map<number, string>()
        for (const c of commands) {
          const r = yield* runScheduler(c, { what: "sbatch", rejection: true })
          const id = parsable(r.stdout)
          if (req.mode === "array") for (const i of c.shards) jobIds.set(i, `${id}_${i}`)
          else jobIds.set(c.shards[0]!, id)
        }
        return { jobIds, commands }
      }),
    status: (jobIds) =>
      Effect.gen(function* () {
        if (jobIds.length === 0) return new Map<string, JobStatus>()
        const jobs = [...new Set(jobIds.map((j) => j.split("_")[0]!))]
        const sacct = yield* runScheduler({ argv: ["sacct", "-X", "--parsable2", "--noheader", "--format=JobID,State,ExitCode", "-j", jobs.join(",")], env: {}, shards: [] }, { what: "sacct", tries: 1 }).pipe(
          Effect.map((r) => r.stdout),
          Effect.catch(() => Effect.succeed(undefined)),
        )
        const states = sacct === undefined ? new Map<string, JobStatus>() : parseSacct(sacct)
        if (jobIds.every((j) => states.has(j))) return states
        // Accounting off, not yet recording, or some tasks absent from it: the controller's own view of those.
        const squeue = yield* runScheduler({ argv: ["squeue", "-h", "-r", "-o", "%i|%T|%r", "-j", jobs.join(",")], env: {}, shards: [] }, { what: "squeue" }).pipe(
          Effect.map((r) => parseSqueue(r.stdout)),
          Effect.catch((e) => (/invalid job id/i.test(e.message) ? Effect.succeed(new Map<string, JobStatus>()) : Effect.fail(e))),
        )
        for (const [k, v] of squeue) if (!states.has(k)) states.set(k, v)
        if (jobIds.some((j) => !states.has(j))) {
          for (const job of jobs) {
            const sc = yield* runScheduler({ argv: ["scontrol", "show", "job", "-o", job], env: {}, shards: [] }, { what: "scontrol show job", tries: 2 }).pipe(
              Effect.map((r) => parseScontrol(r.stdout)),
              Effect.catch(() => Effect.succeed(new Map<string, JobStatus>())),
            )
            for (const [k, v] of sc) if (!states.has(k)) states.set(k, v)
          }
          // A pending array task cancelled with scancel leaves no record at all (neither the controller nor,
          // on Slurm 22.05, accounting keeps one): the array's pending set just loses it. A task missing
          // while its array is still known (finished tasks keep their records) was cancelled before it started.
          const known = new Set([...states.keys()].map((k) => k.split("_")[0]!))
          for (const id of jobIds) {
            if (!states.has(id) && id.includes("_") && known.has(id.split("_")[0]!)) states.set(id, { state: "cancelled", raw: "removed from its array while pending (scancel): no record left" })
          }
        }
        return states
      }),
    cancel: (jobIds) =>
      jobIds.length === 0 ? Effect.void : runScheduler({ argv: ["scancel", ...jobIds], env: {}, shards: [] }, { what: "scancel" }).pipe(Effect.asVoid),
  }
}
