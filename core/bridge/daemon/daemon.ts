import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Result } from "effect"
import type { PeriogtConfig } from "../../config/index.ts"
import type { PeriogtError } from "../../errors/index.ts"
import { writeFileAtomic } from "../../io/atomicWrite.ts"
import { collectRun } from "../../jobs/collect.ts"
import type { JobStatus as SchedulerJobStatus } from "../../jobs/Executor.ts"
import { nowIso, readLedger, readShardStatus } from "../../jobs/ledger.ts"
import { executorFor } from "../../jobs/registry.ts"
import { rowsDone } from "../../jobs/run.ts"
import type { Logger } from "../../log/index.ts"
import { propertyLabel } from "../../commands/batch.ts"
import { sha256File } from "../../io/sha256.ts"
import { PERIOGT_VERSION } from "../../version/version.ts"
import { hubReasonOf, hubStatusOf, type HubClient } from "../client/client.ts"
import type { Job, TransitionRequest } from "../protocol/index.ts"
import type { BridgeConfig, BridgeProfile } from "./config.ts"
import { inputArtifactIds, isTerminalHub, jobProperty, PROCESSOR, processorsOf, progressFields, transitionsTo } from "./plan.ts"
import { adoptIntoLedger, findSubmitted, observe, runOf, startPeriogt, submitArgs, submitOutcome, type Observation } from "./scheduler.ts"
import { StageFailure, stageInputs } from "./stage.ts"
import { jobDir, processAlive, processStart, writeState, type BridgeState, type HubStatus, type Submission, type TrackedJob } from "./state.ts"

/**
 * The bridge's cycle: (1) ask the scheduler once about every tracked job, (2) move each tracked job as
 * far as it can go — stage, submit, find again after a restart, collect, upload — and tell the hub,
 * (3) claim new jobs while there is room, (4) heartbeat when due. Every step that must not be repeated
 * is written to the state file before the next one starts; every hub transition is retried until the
 * hub accepts it (the protocol makes identical transitions idempotent).
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] }
export type Tracked = Mutable<TrackedJob>

export interface Bridge {
  readonly config: BridgeConfig
  readonly app: PeriogtConfig
  readonly hub: HubClient
  readonly log: Logger
  readonly simulate: boolean
  readonly jobs: Tracked[]
  readonly stopping: () => boolean
  registered: boolean
  /** The hub was asked, once registered, for this worker's jobs the state file lost (`recover`). */
  recovered?: boolean
  lastHeartbeat: number
  /** Set while the hub cannot be reached (refused, reset, timed out): the outage is waited out, see `cycle`. */
  hubDown?: HubOutage
}

export interface HubOutage {
  readonly since: number
  readonly tries: number
  readonly nextTry: number
}

export const saveState = (b: Bridge) => {
  const state: BridgeState = { format: "periogt-bridge/1", worker_id: b.config.workerId, updated: nowIso(), jobs: b.jobs }
  writeState(b.config.stateDir, state)
}

export const capabilities = (config: BridgeConfig) => config.profiles.flatMap((p) => processorsOf(PERIOGT_VERSION).map((processor) => ({ processor, profile: p.name, max_concurrent_jobs: p.maxConcurrentJobs })))

export const register = (b: Bridge) =>
  Effect.gen(function* () {
    const w = yield* b.hub.register(os.hostname(), capabilities(b.config))
    b.registered = true
    b.lastHeartbeat = Date.now()
    b.log.info(`registered worker ${w.worker_id} at ${b.config.hubUrl}: ${PROCESSOR} ${PERIOGT_VERSION}, profiles ${b.config.profiles.map((p) => p.name).join(", ")}`)
    return w
  })

const profileOf = (b: Bridge, name: string | null): BridgeProfile | undefined => b.config.profiles.find((p) => p.name === (name ?? "default")) ?? (name === null ? b.config.profiles[0] : undefined)

/** A new tracked job from the hub's job (just claimed, or ours on the hub but unknown to this state). */
const trackedFrom = (b: Bridge, j: Job, profile: BridgeProfile): Tracked => ({
  id: j.id,
  processor: j.processor,
  profile: profile.name,
  property: jobProperty(j.parameters) ?? "",
  inputs: inputArtifactIds(j.inputs),
  claimed_at: j.claimed_at ?? nowIso(),
  ...(j.timeout_seconds === null || j.timeout_seconds <= 0 ? {} : { timeout_seconds: j.timeout_seconds }),
  phase: "claimed",
  hub_status: j.status === "PENDING" ? "CLAIMED" : (j.status as HubStatus),
  dir: jobDir(b.config.stateDir, j.id),
  ...(b.simulate ? { simulated: true, sim_step: 0 } : {}),
})

const fail = (j: Tracked, reason: string, detail: string) => {
  j.failure = { reason, detail: detail.slice(0, 400) }
  j.want = "FAILED"
  j.phase = "finished"
}

// ---------------------------------------------------------------------------------------------------
// The hub: transitions and progress.

const transitionBody = (j: Tracked, to: HubStatus): TransitionRequest => {
  const ids = j.submission?.job_ids ?? []
  switch (to) {
    case "SUBMITTED":
      return { status: "SUBMITTED", detail: j.simulated === true ? "simulated submission" : `submitted to ${j.submission?.scheduler ?? "the scheduler"}: ${ids.join(" ")}`, slurm_job_id: j.simulated === true ? `sim-${j.id.slice(0, 8)}` : ids.join(",") }
    case "STARTED":
      return { status: "STARTED", detail: j.simulated === true ? "simulated run" : `running (${j.scheduler_raw ?? "started"})`.slice(0, 400) }
    case "COMPLETED":
      return { status: "COMPLETED", detail: j.simulated === true ? "simulated completion" : `batch complete: ${j.rows ?? "?"} rows`, ...(j.output?.artifact_id === undefined ? {} : { output_artifact_id: j.output.artifact_id }) }
    case "FAILED":
      return { status: "FAILED", detail: j.failure === undefined ? "failed" : `${j.failure.reason}: ${j.failure.detail}` }
    default:
      return { status: to }
  }
}

/** The hub changed the job behind the bridge's back (cancelled it, or failed it on a timeout): stop its scheduler jobs. */
const hubMovedOn = (b: Bridge, j: Tracked, status: HubStatus) =>
  Effect.gen(function* () {
    b.log.warn(`job ${j.id}: the hub shows it ${status}; the bridge stops following it`)
    j.hub_status = status
    if (status === "CANCELLED" && j.submission?.run_dir !== undefined && j.submission.job_ids !== undefined && j.submission.scheduler !== undefined) {
      const l = readLedger(j.submission.run_dir)
      if (Result.isSuccess(l)) {
        yield* executorFor(l.success.scheduler).cancel(j.submission.job_ids, j.submission.run_dir).pipe(
          Effect.tap(() => Effect.sync(() => b.log.info(`job ${j.id}: cancelled its scheduler job(s) ${j.submission!.job_ids!.join(" ")}`))),
          Effect.catch((e) => Effect.sync(() => b.log.warn(`job ${j.id}: cannot cancel its scheduler job(s): ${e.message}`))),
        )
      }
    }
  })

/** Posts the transitions from what the hub shows to what the bridge wants, then any new progress. */
const report = (b: Bridge, j: Tracked) =>
  Effect.gen(function* () {
    for (const to of j.want === undefined ? [] : transitionsTo(j.hub_status, j.want)) {
      const body = transitionBody(j, to)
      const r = yield* b.hub.transition(j.id, body).pipe(Effect.result)
      if (Result.isSuccess(r)) {
        j.hub_status = to
        saveState(b)
        b.log.info(`job ${j.id}: ${to}${body.detail === undefined || body.detail === null ? "" : ` (${body.detail})`}`)
        continue
      }
      const status = hubStatusOf(r.failure)
      if (status === 409 || status === 404) {
        const now = yield* b.hub.job(j.id).pipe(Effect.result)
        if (Result.isSuccess(now)) {
          const s = now.success.status as HubStatus
          if (s === to) {
            j.hub_status = s
            saveState(b)
            continue
          }
          if (isTerminalHub(s) || now.success.worker_id !== b.config.workerId) {
            yield* hubMovedOn(b, j, isTerminalHub(s) ? s : "CANCELLED")
            saveState(b)
            return
          }
          // The hub is further along than the bridge knew (an answer lost on the way): take its word;
          // the next cycle goes on from there.
          if (transitionsTo(s, to).length > 0 || transitionsTo(j.hub_status, s).length > 0) {
            j.hub_status = s
            saveState(b)
            return
          }
        } else if (hubStatusOf(now.failure) === 404) {
          b.log.warn(`job ${j.id}: the hub no longer has it; the bridge stops following it`)
          j.hub_status = "CANCELLED"
          saveState(b)
          return
        }
      }
      return yield* Effect.fail(r.failure)
    }
    // Progress: a same-state STARTED transition carrying the batch's rows done.
    if (j.hub_status === "STARTED" && j.want === "STARTED" && j.rows !== undefined && j.scheduler_state === "running") {
      const done = j.progress_rows_seen ?? 0
      if (done !== (j.progress_rows ?? -1)) {
        const p = progressFields(done, j.rows)
        const r = yield* b.hub.transition(j.id, { status: "STARTED", detail: p.detail, phase: p.phase, message: p.message, progress: p.progress }).pipe(Effect.result)
        if (Result.isSuccess(r)) {
          j.progress_rows = done
          saveState(b)
        } else if (hubStatusOf(r.failure) === 409) {
          const now = yield* b.hub.job(j.id)
          if (isTerminalHub(now.status)) yield* hubMovedOn(b, j, now.status as HubStatus)
        } else return yield* Effect.fail(r.failure)
      }
    }
  })

// ---------------------------------------------------------------------------------------------------
// Local steps.

const submissionTimedOut = (j: Tracked, profile: BridgeProfile | undefined) => Date.now() - Date.parse(j.claimed_at) > (profile?.submissionTimeoutSeconds ?? 300) * 1000

const recordSubmitted = (b: Bridge, j: Tracked, base: Submission, runDir: string, scheduler: string, jobIds: ReadonlyArray<string>, foundBy: string) => {
  const { pid: _pid, pid_start: _start, ...rest } = base
  j.submission = { ...rest, run_dir: runDir, scheduler, job_ids: [...jobIds], found_by: foundBy }
  j.phase = "submitted"
  j.want = "SUBMITTED"
  saveState(b)
  b.log.info(`job ${j.id}: ${foundBy === "submit" ? "submitted" : `found again (${foundBy})`}: ${scheduler} ${jobIds.join(" ")} (run ${runDir})`)
}

/** Runs `periogt submit` (or `submit --resume RUN`), recording it before and after. */
const runSubmit = (b: Bridge, j: Tracked, profile: BridgeProfile, args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const resultsDir = path.join(j.dir, "results")
    const child = startPeriogt(args, b.app, path.join(j.dir, "submit.log"))
    const start = processStart(child.pid)
    const base: Submission = { results_dir: resultsDir, started_at: nowIso(), attempts: (j.submission?.attempts ?? 0) + 1, pid: child.pid, ...(start === undefined ? {} : { pid_start: start }) }
    j.submission = base
    j.phase = "submitting"
    saveState(b)
    const r = yield* Effect.promise(() => child.done)
    // Test seam: the bridge dies right after the scheduler accepted the job and before recording it,
    // the window the restart must cover without submitting again.
    if (process.env["PERIOGT_BRIDGE_TEST_CRASH"] === "after-submit") process.kill(process.pid, "SIGKILL")
    const outcome = submitOutcome(r)
    if (Result.isSuccess(outcome)) return recordSubmitted(b, j, base, outcome.success.run, outcome.success.scheduler, outcome.success.job_ids, "submit")
    const e = outcome.failure
    const { pid: _pid, pid_start: _start, ...rest } = base
    j.submission = rest
    if (e.code !== "internal_error") {
      fail(j, "submission_error", e.message)
      saveState(b)
      return
    }
    // A scheduler that did not answer: the next cycle looks at what the run holds and tries again.
    b.log.warn(`job ${j.id}: ${e.message} (tried again next cycle)`)
    if (submissionTimedOut(j, profile)) fail(j, "submission_timeout", `not submitted within ${profile.submissionTimeoutSeconds} s of its claim: ${e.message}`)
    saveState(b)
  })

/** After a restart, or a submission that failed half-way: what the run directory and the scheduler say. */
const recoverSubmission = (b: Bridge, j: Tracked, profile: BridgeProfile) =>
  Effect.gen(function* () {
    const s = j.submission
    if (s?.pid !== undefined && processAlive(s.pid, s.pid_start)) {
      b.log.info(`job ${j.id}: its periogt submit (pid ${s.pid}) still runs; waiting for it`)
      return
    }
    const base: Submission = s ?? { results_dir: path.join(j.dir, "results"), started_at: nowIso(), attempts: 0 }
    const run = runOf(base.results_dir)
    if (run === undefined) {
      j.phase = "staged"
      saveState(b)
      return yield* runSubmit(b, j, profile, submitArgs(j.input!, j.property, base.results_dir, profile))
    }
    const ids = run.ledger.shards.map((x) => x.job_id).filter((x): x is string => x !== undefined)
    if (ids.length === run.ledger.shards.length) return recordSubmitted(b, j, base, run.dir, run.ledger.scheduler, ids, "in its run's ledger")
    const found = yield* findSubmitted(run.dir, run.ledger)
    if (found.length > 0) {
      yield* adoptIntoLedger(run.dir, found)
      return recordSubmitted(b, j, base, run.dir, run.ledger.scheduler, found, `in the scheduler by its job name`)
    }
    b.log.info(`job ${j.id}: run ${run.dir} was written but nothing was submitted: submitting it now`)
    return yield* runSubmit(b, j, profile, ["submit", "--resume", run.dir, "--results-dir", base.results_dir])
  })

/** The merged output of a completed run, written beside the job. */
const collect = (b: Bridge, j: Tracked) =>
  Effect.gen(function* () {
    const runDir = j.submission!.run_dir!
    const l = readLedger(runDir)
    if (Result.isFailure(l)) return fail(j, "collect_failed", l.failure.message)
    const inputName = j.input === undefined ? "input.csv" : path.basename(j.input)
    const name = `${path.basename(inputName, path.extname(inputName))}_${propertyLabel(j.property)}_predictions.csv`
    const out = path.join(j.dir, "output", name)
    const r = yield* Effect.try({ try: () => collectRun(runDir, l.success, out, false, nowIso()), catch: (e) => e as Error }).pipe(Effect.result)
    if (Result.isFailure(r)) return fail(j, "collect_failed", r.failure.message)
    if (r.success.problems.length > 0) return fail(j, "collect_failed", r.success.problems.map((p) => `shard ${p.index}: ${p.why}`).join("; "))
    const sha256 = yield* Effect.promise(() => sha256File(out))
    j.output = { path: out, name, sha256, bytes: fs.statSync(out).size }
    j.rows = l.success.input.rows
    j.phase = "collected"
    j.want = "STARTED"
    saveState(b)
    b.log.info(`job ${j.id}: collected ${out} (${r.success.summary.rows} rows, ${r.success.summary.failed_rows} failed)`)
  })

const upload = (b: Bridge, j: Tracked) =>
  Effect.gen(function* () {
    const o = j.output!
    if (o.artifact_id === undefined) {
      const a = yield* b.hub.createArtifact(`output-${j.id.slice(0, 8)}`, "csv")
      j.output = { ...o, artifact_id: a.id }
      saveState(b)
    }
    const id = j.output!.artifact_id!
    yield* b.hub.upload(id, o.name, o.path, "text/csv")
    yield* b.hub.commitArtifact(id, o.sha256, o.bytes).pipe(
      Effect.catch((e) =>
        // Committed already (a commit whose answer was lost): the artifact says so.
        hubStatusOf(e) === 409 ? b.hub.artifact(id).pipe(Effect.flatMap((a) => (a.status === "COMMITTED" && a.sha256 === o.sha256 ? Effect.succeed(a) : Effect.fail(e)))) : Effect.fail(e),
      ),
    )
    j.output = { ...j.output!, committed: true }
    j.phase = "uploaded"
    j.want = "COMPLETED"
    saveState(b)
    b.log.info(`job ${j.id}: output artifact ${id} committed (${o.name}, ${o.bytes} bytes, sha256 ${o.sha256})`)
  })

/** One step of a simulated job per cycle: CLAIMED → SUBMITTED → STARTED → COMPLETED, no scheduler. */
const advanceSimulated = (b: Bridge, j: Tracked) =>
  Effect.gen(function* () {
    const step = j.sim_step ?? 0
    if (step === 0) {
      j.phase = "submitted"
      j.want = "SUBMITTED"
    } else if (step === 1) {
      j.want = "STARTED"
    } else if (j.phase !== "uploaded") {
      const out = path.join(j.dir, "output", "simulated.txt")
      writeFileAtomic(out, `simulated output of job ${j.id} (periogt ${PERIOGT_VERSION}, bridge --simulate): nothing was run\n`)
      const bytes = fs.readFileSync(out)
        j.output ??= { path: out, name: "simulated.txt", sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.byteLength }
      j.phase = "collected"
      saveState(b)
      yield* upload(b, j)
    }
    j.sim_step = step + 1
    saveState(b)
  })

export interface Seen {
  readonly obs: Observation
  readonly rowsDone: number
  readonly rows: number
}

/** One scheduler query per scheduler for every tracked job that is submitted (the local executor reads its files per run). */
export const monitor = (b: Bridge): Effect.Effect<Map<string, Seen>, never> =>
  Effect.gen(function* () {
    const out = new Map<string, Seen>()
    const live = b.jobs.filter((j) => j.phase === "submitted" && j.simulated !== true && j.submission?.run_dir !== undefined && (j.submission.job_ids?.length ?? 0) > 0)
    const answers = new Map<string, SchedulerJobStatus | undefined>()
    const bySched = new Map<string, Tracked[]>()
    for (const j of live) {
      const s = j.submission!.scheduler ?? "local"
      bySched.set(s, [...(bySched.get(s) ?? []), j])
    }
    for (const [sched, jobs] of bySched) {
      const ex = executorFor(sched as "slurm" | "pbs" | "torque" | "local")
      const ask = (ids: ReadonlyArray<string>, runDir: string) =>
        ex.status(ids, runDir).pipe(
          Effect.map((m) => m as ReadonlyMap<string, SchedulerJobStatus>),
          Effect.catch((e: PeriogtError) =>
            Effect.sync(() => {
              b.log.warn(`the ${sched} scheduler did not answer (${e.message}); states kept until the next cycle`)
              return undefined
            }),
          ),
        )
      if (sched === "local") {
        // Local "job ids" name shards of one run, not jobs of a scheduler: read each run's own files.
        for (const j of jobs) {
          const m = yield* ask(j.submission!.job_ids!, j.submission!.run_dir!)
          if (m !== undefined) answers.set(j.id, m.get(j.submission!.job_ids![0]!))
        }
      } else {
        const m = yield* ask(jobs.flatMap((j) => j.submission!.job_ids!), "")
        if (m !== undefined) for (const j of jobs) answers.set(j.id, m.get(j.submission!.job_ids![0]!))
      }
    }
    for (const j of live) {
      if (!answers.has(j.id)) continue
      const runDir = j.submission!.run_dir!
      const l = readLedger(runDir)
      if (Result.isFailure(l)) continue
      const complete = l.success.shards.every((s) => readShardStatus(runDir, s.index)?.complete === true)
      out.set(j.id, { obs: observe(answers.get(j.id), complete), rowsDone: l.success.shards.reduce((n, s) => n + rowsDone(runDir, s), 0), rows: l.success.input.rows })
    }
    return out
  })

/** How long a submitted job may be unknown to its scheduler (and incomplete) before it is failed. */
export const LOST_AFTER_MS = 10 * 60 * 1000

/** Moves one job as far as it can go this cycle, then tells the hub. */
export const advance = (b: Bridge, j: Tracked, seen: Seen | undefined) =>
  Effect.gen(function* () {
    const profile = profileOf(b, j.profile)
    if (j.phase !== "finished" && j.timeout_seconds !== undefined && Date.now() - Date.parse(j.claimed_at) > j.timeout_seconds * 1000) {
      fail(j, "timeout", `the job's timeout_seconds (${j.timeout_seconds}) passed since its claim`)
      if (j.submission?.job_ids !== undefined && j.submission.run_dir !== undefined) {
        const l = readLedger(j.submission.run_dir)
        if (Result.isSuccess(l)) yield* executorFor(l.success.scheduler).cancel(j.submission.job_ids, j.submission.run_dir).pipe(Effect.catch(() => Effect.void))
      }
      saveState(b)
    }
    if (j.simulated === true) {
      if (j.phase !== "finished") yield* advanceSimulated(b, j)
      return yield* report(b, j)
    }
    if (profile === undefined && j.phase !== "finished") {
      fail(j, "profile_unknown", `this bridge has no profile ${j.profile}`)
      saveState(b)
    }
    for (let guard = 0; guard < 8; guard++) {
      const before = j.phase
      switch (j.phase) {
        case "claimed": {
          if (b.stopping()) break
          if (j.property === "") {
            fail(j, "invalid_parameters", "the job names no property: give parameters.property (an id, a comma list or all)")
            saveState(b)
            break
          }
          const staged = yield* stageInputs(b.hub, j.inputs, path.join(j.dir, "input")).pipe(Effect.result)
          if (Result.isFailure(staged)) {
            const e = staged.failure
            if (e instanceof StageFailure) fail(j, e.reason, e.detail)
            else if (submissionTimedOut(j, profile)) fail(j, "submission_timeout", `inputs not staged within ${profile!.submissionTimeoutSeconds} s of the claim: ${e.message}`)
            else b.log.warn(`job ${j.id}: staging its inputs failed (${e.message}); tried again next cycle`)
            saveState(b)
            break
          }
          j.input = staged.success.csv
          j.input_sha256 = staged.success.sha256
          j.phase = "staged"
          saveState(b)
          b.log.info(`job ${j.id}: staged ${staged.success.csv} (sha256 ${staged.success.sha256})`)
          break
        }
        case "staged":
          if (b.stopping()) break
          yield* runSubmit(b, j, profile!, submitArgs(j.input!, j.property, path.join(j.dir, "results"), profile!))
          break
        case "submitting":
          if (b.stopping()) break
          yield* recoverSubmission(b, j, profile!)
          break
        case "submitted": {
          // A job cancelled on the hub while it waits or runs: nothing the bridge posts would hear of
          // it until the batch ends, so ask (one small read a cycle per running job) and scancel.
          const onHub = yield* b.hub.job(j.id).pipe(Effect.result)
          if (Result.isSuccess(onHub) && isTerminalHub(onHub.success.status)) {
            yield* hubMovedOn(b, j, onHub.success.status as HubStatus)
            saveState(b)
            return
          }
          if (seen === undefined) break
          j.scheduler_raw = seen.obs.raw.slice(0, 200)
          j.rows = seen.rows
          j.progress_rows_seen = seen.rowsDone
          if (seen.obs.kind === "unknown") {
            // Forgotten by the scheduler with the batch not complete (no accounting, a purged record, a
            // local driver that died before starting it): failed once that has lasted LOST_AFTER_MS.
            j.unknown_since ??= nowIso()
            if (Date.now() - Date.parse(j.unknown_since) > LOST_AFTER_MS) fail(j, "scheduler_lost_job", `the scheduler has not known job ${j.submission?.job_ids?.join(" ")} since ${j.unknown_since}, and its batch did not complete`)
          } else delete j.unknown_since
          if (seen.obs.kind === "queued") {
            j.scheduler_state = "queued"
          } else if (seen.obs.kind === "running") {
            j.scheduler_state = "running"
            j.want = "STARTED"
          } else if (seen.obs.kind === "complete") {
            j.scheduler_state = "complete"
            yield* collect(b, j)
          } else if (seen.obs.kind === "failed") {
            j.scheduler_state = "failed"
            fail(j, seen.obs.reason, seen.obs.raw)
          }
          saveState(b)
          seen = undefined
          break
        }
        case "collected":
          yield* upload(b, j)
          break
        case "uploaded":
        case "finished":
          break
      }
      if (j.phase === before) break
    }
    yield* report(b, j)
  })

/** Tracked jobs the hub has finished with leave the state (their directories stay for the record). */
export const prune = (b: Bridge) => {
  const before = b.jobs.length
  for (let k = b.jobs.length - 1; k >= 0; k--) if (isTerminalHub(b.jobs[k]!.hub_status)) b.jobs.splice(k, 1)
  if (b.jobs.length !== before) saveState(b)
}

/** Jobs the hub says are this worker's but the state does not know (claimed by a bridge killed before it wrote them down). */
export const recover = (b: Bridge) =>
  Effect.gen(function* () {
    if (b.recovered === true) return
    for (const status of ["CLAIMED", "SUBMITTED", "STARTED"] as const) for (const processor of processorsOf(PERIOGT_VERSION)) {
      const list = yield* b.hub.listJobs({ status, processor, limit: 1000 })
      for (const hj of list.items) {
        if (hj.worker_id !== b.config.workerId || b.jobs.some((j) => j.id === hj.id)) continue
        const profile = profileOf(b, hj.profile)
        if (profile === undefined) continue
        const j = trackedFrom(b, hj, profile)
        // What is on disk says how far it got: a run in its results directory → find its jobs again.
        if (runOf(path.join(j.dir, "results")) !== undefined) {
          j.phase = "submitting"
          const staged = fs.existsSync(path.join(j.dir, "input")) ? fs.readdirSync(path.join(j.dir, "input"), { recursive: true }).map(String).find((f) => f.toLowerCase().endsWith(".csv")) : undefined
          if (staged !== undefined) j.input = path.join(j.dir, "input", staged)
        }
        b.jobs.push(j)
        saveState(b)
        b.log.warn(`job ${hj.id}: ${hj.status} on the hub for this worker but not in the state file: following it again (${j.phase})`)
      }
    }
    b.recovered = true
  })

/** Claims pending jobs while there is room (in all, and per profile); each claimed job starts at once. */
export const claimNew = (b: Bridge, seen: Map<string, Seen>) =>
  Effect.gen(function* () {
    for (const profile of b.config.profiles) {
      if (b.stopping()) return
      const room = () => Math.min(b.config.maxConcurrentJobs - b.jobs.length, profile.maxConcurrentJobs - b.jobs.filter((j) => j.profile === profile.name).length)
      if (room() <= 0) continue
      const pending = (yield* Effect.forEach(processorsOf(PERIOGT_VERSION), (processor) => b.hub.listJobs({ status: "PENDING", processor, profile: profile.name, limit: 100 }))).flatMap((l) => l.items)
      pending.sort((x, y) => (x.created_at < y.created_at ? -1 : x.created_at > y.created_at ? 1 : 0))
      for (const pj of pending) {
        if (room() <= 0 || b.stopping()) break
        const claimed = yield* b.hub.claim(pj.id).pipe(Effect.result)
        if (Result.isFailure(claimed)) {
          const s = hubStatusOf(claimed.failure)
          if (s === 409 || s === 404) {
            b.log.debug(`job ${pj.id}: taken by another worker (or gone) before this one could claim it`)
            continue
          }
          return yield* Effect.fail(claimed.failure)
        }
        // Test seam: the bridge dies with the claim made on the hub but not yet in its state file.
        if (process.env["PERIOGT_BRIDGE_TEST_CRASH"] === "after-claim") process.kill(process.pid, "SIGKILL")
        const j = trackedFrom(b, claimed.success, profile)
        b.jobs.push(j)
        saveState(b)
        b.log.info(`job ${j.id}: claimed (profile ${profile.name}, property ${j.property || "none"}, inputs ${j.inputs.join(" ") || "none"})`)
        yield* advance(b, j, seen.get(j.id)).pipe(Effect.catch(failed(b, `job ${j.id}`)))
        if (b.hubDown !== undefined) return
      }
    }
  })

export const heartbeatIfDue = (b: Bridge) =>
  Effect.gen(function* () {
    if (b.registered && Date.now() - b.lastHeartbeat < b.config.heartbeatSeconds * 1000) return
    if (!b.registered) {
      yield* register(b)
      return
    }
    const r = yield* b.hub.heartbeat().pipe(Effect.result)
    if (Result.isSuccess(r)) {
      b.lastHeartbeat = Date.now()
      return
    }
    if (hubStatusOf(r.failure) === 404) {
      b.log.warn("the hub no longer knows this worker: registering again")
      yield* register(b)
      return
    }
    return yield* Effect.fail(r.failure)
  })

const unreachable = (e: PeriogtError | StageFailure) => "message" in e && hubReasonOf(e) === "hub_unreachable"

/**
 * The wait before the next try at a hub that cannot be reached: one poll interval, doubled after each
 * failed try, at most a minute (or one poll interval, when that is longer).
 */
export const hubBackoffMs = (pollSeconds: number, tries: number) => Math.min(pollSeconds * 1000 * 2 ** Math.max(0, tries - 1), Math.max(pollSeconds, 60) * 1000)

const secondsText = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`

/** The first call of an outage that failed: said once (not once per call and cycle), with when it is tried again. */
const hubLost = (b: Bridge, e: PeriogtError) => {
  if (b.hubDown !== undefined) return
  const wait = hubBackoffMs(b.config.pollSeconds, 1)
  b.hubDown = { since: Date.now(), tries: 1, nextTry: Date.now() + wait }
  b.log.warn(
    `the hub cannot be reached (${e.message}): the bridge waits it out, trying again in ${secondsText(wait)}, then less often; scheduler jobs keep running, and what they do is kept in the state file and reported when the hub answers`,
    { reason: "hub_unreachable" },
  )
}

/** A failed step of the cycle: a hub that cannot be reached starts (or continues) an outage; anything else is logged. */
const failed = (b: Bridge, what: string) => (e: PeriogtError | StageFailure) =>
  Effect.sync(() => {
    if (unreachable(e)) return hubLost(b, e as PeriogtError)
    const message = "message" in e ? e.message : e.detail
    const reason = "message" in e ? hubReasonOf(e) : undefined
    b.log.warn(`${what}: ${message}`, reason === undefined ? {} : { reason })
  })

/**
 * One whole cycle; a failure of one job or one call is logged and left to the next cycle.
 *
 * A hub that cannot be reached (killed, restarting, the network down) is an outage, not a failure of
 * each call: the first such failure is logged once and the rest of the cycle's hub work is skipped;
 * later cycles only ask the hub's health, one poll interval after the failure and then with a doubling
 * backoff (at most a minute), logging each failed try. Nothing is lost meanwhile: every transition the
 * bridge owes is its jobs' `want` against `hub_status` in the state file, and the first cycle after the
 * hub answers again reports them all (an identical retry of a report the hub stored just before it went
 * down is answered as a duplicate, not logged twice). The scheduler's jobs run on without the hub; they
 * are collected and reported once it is back.
 */
export const cycle = (b: Bridge) =>
  Effect.gen(function* () {
    if (b.hubDown !== undefined) {
      const down = b.hubDown
      if (Date.now() < down.nextTry) return
      const h = yield* b.hub.health().pipe(Effect.result)
      if (Result.isFailure(h) && unreachable(h.failure)) {
        const wait = hubBackoffMs(b.config.pollSeconds, down.tries + 1)
        b.hubDown = { since: down.since, tries: down.tries + 1, nextTry: Date.now() + wait }
        b.log.warn(`the hub is still unreachable (for ${secondsText(Date.now() - down.since)}, ${down.tries + 1} tries): next try in ${secondsText(wait)}`, { reason: "hub_unreachable" })
        return
      }
      // It answers (an answer that is an error is no longer an outage: the calls below say what it is).
      b.hubDown = undefined
      b.log.info(`the hub answers again after ${secondsText(Date.now() - down.since)}: reporting what the bridge kept meanwhile`)
    }
    yield* heartbeatIfDue(b).pipe(Effect.catch(failed(b, "heartbeat")))
    if (b.hubDown !== undefined) return
    // a bridge that started while the hub was down registers later: it looks for its lost jobs then
    if (b.registered) yield* recover(b).pipe(Effect.catch(failed(b, "looking for this worker's jobs on the hub")))
    if (b.hubDown !== undefined) return
    const seen = yield* monitor(b)
    for (const j of [...b.jobs]) {
      yield* advance(b, j, seen.get(j.id)).pipe(Effect.catch(failed(b, `job ${j.id}`)))
      if (b.hubDown !== undefined) return
    }
    prune(b)
    if (!b.stopping() && b.registered) yield* claimNew(b, seen).pipe(Effect.catch(failed(b, "polling for jobs")))
    prune(b)
  })
