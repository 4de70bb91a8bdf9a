import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { artifactLayout, readIndex, requireArtifacts } from "../artifacts/index.ts"
import { AppConfig, type PeriogtConfig } from "../config/index.ts"
import { generate } from "../deploy/generate.ts"
import type { DeployPlan } from "../deploy/plan.ts"
import { memMiB, timeSeconds } from "../deploy/profiles/index.ts"
import { writeGenerated } from "../deploy/write.ts"
import { CheckpointMissing, EXIT, InternalError, ValidationError, type PeriogtError } from "../errors/index.ts"
import { inputPath, isOneShotInput, STDIN_INPUT } from "../io/csv/index.ts"
import { Log } from "../log/index.ts"
import { selectProperties } from "../pipeline/properties.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { propertyLabel } from "./batch.ts"
import { display } from "../jobs/command.ts"
import type { SchedulerName, SubmitRequest } from "../jobs/Executor.ts"
import { LEDGER_FORMAT, nowIso, readLedger, readShardStatus, shardName, updateLedger, writeLedger, type Ledger, type Mutable, type ShardEntry } from "../jobs/ledger.ts"
import { executorFor, parseScheduler, pickScheduler } from "../jobs/registry.ts"
import { listRuns, refreshRun, resolveRun, runsDir, shardsToResume } from "../jobs/run.ts"
import { selfBinary } from "../jobs/self.ts"
import { scanInput, shardSizes, writeShards } from "../jobs/shards.ts"

export interface SubmitOptions {
  readonly input?: string
  readonly property?: string
  readonly shards?: string | number
  readonly maxRunning?: string | number
  readonly mode?: string
  readonly cluster?: string
  readonly scheduler?: string
  readonly dryRun?: boolean
  readonly set?: string | ReadonlyArray<string>
  readonly resume?: string
}

const invalid = (message: string, action: string, details: Record<string, unknown> = {}) => Effect.fail(new ValidationError({ message, action, details }))
const fromResult = <A, E>(r: Result.Result<A, E>): Effect.Effect<A, E> => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))

/** Rows per second a shard does here, measured on earlier runs' completed shards (median); a cautious guess otherwise. */
const measuredRate = (resultsDir: string): { rate: number; from: string } => {
  const rates: number[] = []
  for (const run of listRuns(resultsDir).slice(0, 20)) {
    const l = readLedger(run)
    if (Result.isFailure(l)) continue
    for (const s of l.success.shards) {
      const st = readShardStatus(run, s.index)
      if (st?.complete === true && st.seconds !== undefined && st.seconds > 0 && st.rows_done > st.resumed_from) rates.push((st.rows_done - st.resumed_from) / st.seconds)
    }
  }
  if (rates.length === 0) return { rate: 5, from: "no earlier run measured here: assuming 5 rows/s" }
  rates.sort((a, b) => a - b)
  const m = rates[Math.floor(rates.length / 2)]!
  return { rate: m, from: `median of ${rates.length} shards of earlier runs: ${m.toFixed(1)} rows/s` }
}

const expandVars = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, k: string) => process.env[k] ?? m)

/** Every requested property has its converted model and its label statistics. */
const checkArtifacts = (checkpointDir: string, property: string | undefined) =>
  Effect.gen(function* () {
    const layout = artifactLayout(checkpointDir)
    yield* fromResult(requireArtifacts(layout))
    const index = yield* fromResult(readIndex(layout))
    const properties = yield* fromResult(selectProperties(property, index))
    let stats: Record<string, unknown> = {}
    try {
      stats = JSON.parse(fs.readFileSync(layout.labelStats, "utf8")) as Record<string, unknown>
    } catch {
      // requireArtifacts said it is there; an unreadable one is reported below per property
    }
    const missing: Array<{ artifact: string; path: string }> = []
    for (const p of properties) {
      const onnx = index[p]?.onnx
      const onnxPath = onnx === undefined ? undefined : path.resolve(checkpointDir, onnx)
      if (onnxPath === undefined || !fs.existsSync(onnxPath)) missing.push({ artifact: `converted model of ${p}`, path: onnxPath ?? path.join(layout.onnxDir, "finetuned", `${p}.onnx`) })
      if (!(p in stats)) missing.push({ artifact: `label statistics of ${p}`, path: layout.labelStats })
    }
    if (missing.length > 0) {
      return yield* new CheckpointMissing({
        message: `not ready for ${properties.join(", ")} under ${checkpointDir}: ${missing.map((m) => `${m.artifact} (${m.path})`).join("; ")}`,
        action: "run `periogt convert` (or `periogt setup --skip-download`) and add the label statistics, then submit again",
        details: { checkpoint_dir: checkpointDir, missing },
      })
    }
    return properties
  })

const runId = (input: string, property: string) => {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, "0")
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  return `${path.basename(input, path.extname(input)).replace(/[^A-Za-z0-9_.-]/g, "_")}-${propertyLabel(property)}-${stamp}-${randomBytes(2).toString("hex")}`
}

const request = (l: Ledger, runDir: string, shards: ReadonlyArray<number>): SubmitRequest => ({
  runDir,
  script: l.script,
  mode: l.mode,
  shards,
  maxRunning: l.max_running,
  logDir: path.join(runDir, "logs"),
  name: `periogt-${l.id.slice(0, 40)}`,
  ...(l.resources === undefined ? {} : { resources: l.resources }),
  env: { ...l.job_env, RUN_DIR: runDir },
})

/** Submits shards of a run whose ledger is written, and records the job ids. */
const submitShards = (runDir: string, l: Ledger, shards: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const log = yield* Log
    const executor = executorFor(l.scheduler)
    const req = request(l, runDir, shards)
    fs.mkdirSync(req.logDir, { recursive: true })
    const submitted = yield* executor.submit(req)
    const at = nowIso()
    const { ledger } = yield* updateLedger(runDir, (m) => {
      for (const s of m.shards) {
        const id = submitted.jobIds.get(s.index)
        if (id === undefined) continue
        s.job_id = id
        s.job_ids.push(id)
        s.state = "queued"
        s.state_raw = "submitted"
        s.state_at = at
        delete s.exit_code
      }
      for (const c of submitted.commands) m.submissions.push({ at, command: display(c), shards: [...c.shards], job_ids: c.shards.map((i) => submitted.jobIds.get(i) ?? "") })
    })
    for (const c of submitted.commands) log.info(`submitted: ${display(c)}`)
    return ledger
  })

const printSubmitted = (runDir: string, l: Ledger, shards: ReadonlyArray<number>) => {
  const ids = [...new Set(l.shards.filter((s) => shards.includes(s.index)).map((s) => s.job_id))].join(" ")
  process.stdout.write(JSON.stringify({ run: runDir, id: l.id, scheduler: l.scheduler, shards: shards.length, job_ids: ids.split(" ") }) + "\n")
  process.stderr.write(`periogt submit: run ${l.id}: ${shards.length} shard(s) on ${l.scheduler}\n  next: periogt jobs ${runDir}\n  then: periogt collect ${runDir}\n`)
}

/** `periogt submit --resume RUN`: the shards not completed (and not queued or running) again. */
const resumeProgram = (run: string, newSets: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const runDir = resolveRun(run, config.resultsDir.value)
    const read = readLedger(runDir)
    if (Result.isFailure(read)) return yield* Effect.fail(read.failure)
    const { ledger, pollError } = yield* refreshRun(runDir, read.success)
    if (pollError !== undefined) {
      return yield* invalid(`the scheduler cannot be asked about run ${ledger.id} (${pollError}); not resubmitting blindly`, "retry when squeue/qstat answer", { run: runDir })
    }
    const todo = shardsToResume(ledger)
    if (todo.length === 0) {
      const active = ledger.shards.filter((s) => s.state === "queued" || s.state === "running").length
      log.info(active > 0 ? `run ${ledger.id}: nothing to resubmit; ${active} shard(s) still queued or running` : `run ${ledger.id}: every shard is completed: nothing to resubmit; next: periogt collect ${runDir}`)
      process.stdout.write(JSON.stringify({ run: runDir, id: ledger.id, resubmitted: 0 }) + "\n")
      return EXIT.success
    }
    let current = ledger
    if (newSets.length > 0) {
      // --set with --resume: the scripts rendered again with these values over the run's (e.g. more time).
      if (ledger.scheduler === "local" || ledger.scripts_dir === undefined) return yield* invalid("--set with --resume applies to scheduler runs only", "resume a local run without --set", { run: runDir })
      const keys = new Set(newSets.map((x) => x.split("=")[0]!.trim()))
      const sets = [...ledger.sets.filter((x) => !keys.has(x.split("=")[0]!.trim())), ...newSets]
      const g = generate({ target: ledger.scheduler === "slurm" ? "slurm" : "pbs", cluster: ledger.cluster, sets, outDir: ledger.scripts_dir, config, env: process.env, cwd: process.cwd(), version: PERIOGT_VERSION, selfBinary: selfBinary(), pbsDialect: ledger.scheduler === "pbs" ? "pbspro" : "torque" })
      if (Result.isFailure(g)) return yield* Effect.fail(g.failure)
      const plan = g.success.plan
      yield* Effect.try({ try: () => writeGenerated(ledger.scripts_dir!, g.success.files), catch: (e) => new InternalError({ message: `cannot write the scripts into ${ledger.scripts_dir}: ${e instanceof Error ? e.message : String(e)}`, action: "check the run directory is writable", cause: e }) })
      const updated = yield* updateLedger(runDir, (l) => {
        l.sets = sets
        l.resources = { cpus: plan.jobs.batch.cpus.value, mem: plan.jobs.batch.mem.value, gpus: plan.gpu ? 1 : 0, time: plan.jobs.batch.time.value }
      })
      current = updated.ledger
      log.info(`scripts rendered again with ${newSets.join(" ")}: batch time ${plan.jobs.batch.time.value}, ${plan.jobs.batch.cpus.value} cores, ${plan.jobs.batch.mem.value}`)
    }
    for (const s of todo) log.info(`shard ${s.index}: ${s.state}${s.state_raw === undefined ? "" : ` (${s.state_raw})`}, ${s.rows_done ?? 0} of ${s.rows} rows done: resubmitting; it continues where it stopped`)
    const after = yield* submitShards(runDir, current, todo.map((s) => s.index))
    printSubmitted(runDir, after, todo.map((s) => s.index))
    return EXIT.success
  })

interface Rendered {
  readonly plan: DeployPlan | undefined
  readonly files: ReadonlyArray<{ path: string; content: string; mode: number }>
}

/**
 * `periogt submit`: checks everything first (input, artifacts for every property, profile
 * placeholders, partition limits), then creates the run directory — ledger, shards, the job scripts
 * rendered by the same adapters as `gen` — and submits one array job or one job per shard.
 */
export const submitProgram = (o: SubmitOptions) =>
  Effect.gen(function* () {
    if (o.resume !== undefined) return yield* resumeProgram(o.resume, o.set === undefined ? [] : typeof o.set === "string" ? [o.set] : [...o.set].map(String))
    const config = yield* AppConfig
    const log = yield* Log
    if (o.input === undefined) return yield* invalid("--input is required", "pass a CSV with a 'smiles' column: periogt submit --input polymers.csv --property eps", { option: "--input" })
    if (o.property === undefined) return yield* invalid("--property is required", "pass --property P, a comma list, or all", { option: "--property" })
    if (isOneShotInput(inputPath(o.input))) {
      // A run and, by default, the file collect writes are named after the input file.
      return yield* invalid(
        `submit cannot take ${o.input === STDIN_INPUT ? "standard input" : `${o.input} (a pipe or a device)`} as --input: a run records the input file it split into shards`,
        "save the rows to a file first (e.g. `cat > polymers.csv`), then give --input polymers.csv",
        { option: "--input", path: o.input },
      )
    }
    const input = path.resolve(o.input)
    const mode = (o.mode ?? "array").toLowerCase()
    if (mode !== "array" && mode !== "individual") return yield* invalid(`--mode ${o.mode}: expected array or individual`, "pass --mode array (one array job) or --mode individual (one job per shard)", { option: "--mode" })
    const maxRunningRaw = o.maxRunning === undefined ? undefined : Number(o.maxRunning)
    if (maxRunningRaw !== undefined && (!Number.isInteger(maxRunningRaw) || maxRunningRaw < 1)) return yield* invalid(`--max-running ${o.maxRunning}: expected a positive integer`, "pass --max-running 4, say", { option: "--max-running" })
    const shardsArg = String(o.shards ?? "auto").trim().toLowerCase()
    if (shardsArg !== "auto" && !/^[1-9][0-9]*$/.test(shardsArg)) return yield* invalid(`--shards ${o.shards}: expected a positive integer or auto`, "pass --shards 8, or --shards auto", { option: "--shards" })
    const wanted = yield* fromResult(parseScheduler(o.scheduler))
    const picked = wanted === "auto" ? pickScheduler() : { name: wanted as SchedulerName, reason: "--scheduler" }
    log.info(`scheduler ${picked.name}: ${picked.reason}`)
    const scheduler = picked.name

    // The input: readable, a smiles column, rows counted, digest.
    try {
      fs.accessSync(input, fs.constants.R_OK)
    } catch {
      return yield* invalid(`input file ${input} does not exist or cannot be read`, "check the --input path", { option: "--input", path: input })
    }
    const scan = yield* fromResult(scanInput(input))
    log.info(`input ${input}: ${scan.rows} rows`)

    // The scripts (schedulers) from the same adapters as `gen`, and the plan's paths.
    const sets = o.set === undefined ? [] : typeof o.set === "string" ? [o.set] : [...o.set].map(String)
    const cluster = o.cluster ?? "generic"
    const setKeys = new Set(sets.map((x) => x.split("=")[0]!.trim()))
    const extraSets = scheduler !== "local" && !setKeys.has("bin") && !setKeys.has("container") ? [`bin=${selfBinary()}`] : []
    if (extraSets.length > 0) log.info(`the jobs run this executable (${selfBinary()}); --set container=IMAGE runs a container instead`)
    const renderInto = (outDir: string): Result.Result<Rendered, ValidationError> => {
      if (scheduler === "local") return Result.succeed({ plan: undefined, files: [] })
      const g = generate({ target: scheduler === "slurm" ? "slurm" : "pbs", cluster, sets: [...sets, ...extraSets], outDir, config, env: process.env, cwd: process.cwd(), version: PERIOGT_VERSION, selfBinary: selfBinary(), pbsDialect: scheduler === "pbs" ? "pbspro" : "torque" })
      return Result.map(g, (x) => ({ plan: x.plan, files: x.files }))
    }
    const probe = yield* fromResult(renderInto(path.join(process.cwd(), "scripts")))
    const plan = probe.plan
    if (plan !== undefined && plan.placeholders.length > 0) {
      return yield* invalid(
        `cluster profile ${plan.profile.name} still holds placeholders: ${plan.placeholders.map((p) => `${p.name}=${p.value}`).join(", ")}`,
        `give them with --set (e.g. --set ${plan.placeholders[0]!.name}=...) or in your profile file`,
        { placeholders: plan.placeholders },
      )
    }
    const facts = plan?.partitionFacts
    if (plan !== undefined && facts?.mem_per_node !== undefined && memMiB(plan.jobs.batch.mem.value) > memMiB(facts.mem_per_node)) {
      return yield* invalid(
        `the batch jobs ask for ${plan.jobs.batch.mem.value} of memory (${plan.jobs.batch.mem.from}); partition ${facts.name} has ${facts.mem_per_node} per node`,
        `use --set batch.mem=${facts.mem_per_node} or less, or another partition`,
        { partition: facts.name, limit: facts.mem_per_node },
      )
    }
    for (const w of plan?.warnings ?? []) log.warn(w)
    const checkpointDir = plan === undefined ? config.checkpointDir.value : expandVars(plan.checkpointDir.value)
    const resultsDir = plan === undefined ? config.resultsDir.value : expandVars(plan.resultsDir.value)
    const properties = yield* checkArtifacts(checkpointDir, o.property)

    // Shards.
    const maxRunning = maxRunningRaw ?? (scheduler === "local" ? 1 : 0)
    let shardCount: number
    if (shardsArg === "auto") {
      const wall = plan === undefined ? 3600 : timeSeconds(plan.jobs.batch.time.value)
      const rate = measuredRate(resultsDir)
      const perShard = Math.max(1, Math.floor(rate.rate * wall * 0.5))
      shardCount = Math.min(scan.rows, 10_000, Math.max(Math.ceil(scan.rows / perShard), scheduler === "local" ? maxRunning : 1))
      log.info(`--shards auto: ${shardCount} shard(s): ${scan.rows} rows, ${rate.from}, half of a ${wall} s walltime per shard (${perShard} rows)`)
    } else shardCount = Math.min(Number(shardsArg), scan.rows)
    const sizes = shardSizes(scan.rows, shardCount)

    const id = runId(input, o.property)
    const runDir = path.join(runsDir(resultsDir), id)
    const executor = executorFor(scheduler)
    const scriptName = scheduler === "local" ? undefined : scheduler === "slurm" ? "batch-array.sbatch" : "batch-array.pbs"
    const scriptsDir = path.join(runDir, "scripts")
    const jobEnv: Record<string, string> =
      scheduler === "local"
        ? { PERIOGT_CHECKPOINT_DIR: config.checkpointDir.value, PERIOGT_RESULTS_DIR: config.resultsDir.value, PERIOGT_DEVICE: config.device.value, PERIOGT_CACHE_DIR: (config as PeriogtConfig).cacheDir.value }
        : {}
    const resources =
      plan === undefined ? undefined : { cpus: plan.jobs.batch.cpus.value, mem: plan.jobs.batch.mem.value, gpus: plan.gpu ? 1 : 0, time: plan.jobs.batch.time.value }
    const shards: ShardEntry[] = []
    let row = 1
    for (const [index, rows] of sizes.entries()) {
      shards.push({ index, file: path.join("shards", `${shardName(index)}.csv`), output: path.join("outputs", `${shardName(index)}_${propertyLabel(o.property)}_predictions.csv`), first_row: row, rows, first_line: 0, job_ids: [], state: "unknown" })
      row += rows
    }
    const at = nowIso()
    const ledger: Mutable<Ledger> = {
      format: LEDGER_FORMAT,
      id,
      created: at,
      updated: at,
      periogt_version: PERIOGT_VERSION,
      input: { path: input, sha256: scan.sha256, rows: scan.rows, bytes: scan.bytes },
      properties: [...properties],
      property_arg: o.property,
      scheduler,
      scheduler_reason: picked.reason,
      mode,
      max_running: maxRunning,
      cluster,
      sets: [...sets, ...extraSets],
      ...(scriptName === undefined ? {} : { script: path.join(scriptsDir, scriptName), scripts_dir: scriptsDir }),
      ...(resources === undefined ? {} : { resources }),
      job_env: jobEnv,
      shards: shards.map((s) => ({ ...s, job_ids: [] })),
      submissions: [],
    }
    const req = request(ledger as Ledger, runDir, shards.map((s) => s.index))

    if (o.dryRun === true) {
      const rendered = yield* fromResult(renderInto(scriptsDir))
      for (const f of rendered.files.filter((f) => f.path === scriptName || f.path === "setup_env.sh")) {
        process.stdout.write(`# ---- ${path.join(scriptsDir, f.path)}\n${f.content}\n`)
      }
      process.stdout.write(`# ---- run directory ${runDir} (not created): ${shards.length} shard(s) of ${sizes.join(", ")} rows\n`)
      for (const c of executor.plan(req)) process.stdout.write(`${display(c)}\n`)
      log.info("--dry-run: nothing was written or submitted")
      return EXIT.success
    }

    // The run directory: scripts, shards, ledger — then the scheduler.
    yield* Effect.try({
      try: () => {
        fs.mkdirSync(path.join(runDir, "logs"), { recursive: true })
        fs.mkdirSync(path.join(runDir, "outputs"), { recursive: true })
        const rendered = renderInto(scriptsDir)
        if (Result.isSuccess(rendered)) writeGenerated(scriptsDir, rendered.success.files)
        const spans = writeShards(input, scan, path.join(runDir, "shards"), sizes)
        for (const [k, s] of spans.entries()) ledger.shards[k]!.first_line = s.firstLine
        writeLedger(runDir, ledger as Ledger)
      },
      catch: (e): PeriogtError => new InternalError({ message: `cannot create the run directory ${runDir}: ${e instanceof Error ? e.message : String(e)}`, action: "check that the results directory is writable (PERIOGT_RESULTS_DIR)", cause: e }),
    })
    log.info(`run ${id}: ${shards.length} shard(s) in ${runDir}`)
    const after = yield* submitShards(runDir, ledger as Ledger, shards.map((s) => s.index)).pipe(
      Effect.tapError((e) => Effect.sync(() => log.error(`nothing was submitted (${e.code}); the run directory ${runDir} is kept: fix the cause, then periogt submit --resume ${runDir}`))),
    )
    printSubmitted(runDir, after, shards.map((s) => s.index))
    return EXIT.success
  })
