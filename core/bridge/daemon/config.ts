import * as path from "node:path"
import { Result, Schema } from "effect"
import { expandVars } from "../../config/expand.ts"
import { readConfigFile } from "../../config/load.ts"
import { ValidationError } from "../../errors/index.ts"
import { SCHEDULERS, type SchedulerName } from "../../jobs/Executor.ts"
import { readSecretFile } from "../protocol/index.ts"

/**
 * The bridge's settings: the `[bridge]` table of periogt's own TOML config file (`--config FILE` or
 * PERIOGT_CONFIG), so one file on the head node holds both where the checkpoints are and which hub to
 * serve. Strings take `${VAR}` and `${VAR:-fallback}` as everywhere else in periogt; an unset variable
 * without a fallback is an error. The table is Schema-decoded: a typo is refused, never ignored.
 *
 * ```toml
 * checkpoint_dir = "/projects/lab/periogt/checkpoints"
 * [bridge]
 * hub_url = "https://periogt.example.org"
 * worker_id = "explorer-login-1"
 * secret_file = "${HOME}/.config/periogt/bridge.secret"
 * [bridge.profiles.cpu]
 * cluster = "explorer"
 * set = ["cpus=4", "mem=8G", "time=02:00:00"]
 * ```
 */
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const ProfileSection = Schema.Struct({
  /** periogt's cluster profile for the job scripts (`submit --cluster`): built-in name or a file. */
  cluster: Schema.optionalKey(Schema.String),
  /** `submit --set k=v` for this profile's jobs (partition, cpus, mem, time, gpu, account, …). */
  set: Schema.optionalKey(Schema.Array(Schema.String)),
  /** An Apptainer image the jobs run periogt from (`--set container=IMAGE`). */
  container: Schema.optionalKey(Schema.String),
  /** The periogt executable the jobs run (`--set bin=PATH`), when not this one. */
  bin: Schema.optionalKey(Schema.String),
  /** This profile's scheduler, when not the bridge's. */
  scheduler: Schema.optionalKey(Schema.String),
  max_concurrent_jobs: Schema.optionalKey(PositiveInt),
  /** A claimed job not submitted within this many seconds fails (the design's per-profile submission timeout). */
  submission_timeout_seconds: Schema.optionalKey(PositiveInt),
})
export type ProfileSection = typeof ProfileSection.Type

export const BridgeSection = Schema.Struct({
  hub_url: Schema.String,
  worker_id: Schema.String,
  secret_file: Schema.String,
  state_dir: Schema.optionalKey(Schema.String),
  scheduler: Schema.optionalKey(Schema.String),
  poll_seconds: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  heartbeat_seconds: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  max_concurrent_jobs: Schema.optionalKey(PositiveInt),
  request_timeout_seconds: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  profiles: Schema.Record(Schema.String, ProfileSection),
})
export type BridgeSection = typeof BridgeSection.Type

export interface BridgeProfile {
  readonly name: string
  readonly cluster: string | undefined
  readonly sets: ReadonlyArray<string>
  readonly scheduler: SchedulerName | "auto"
  readonly maxConcurrentJobs: number
  readonly submissionTimeoutSeconds: number
}

export interface BridgeConfig {
  /** The config file it came from; the jobs' `periogt submit` reads the same file. */
  readonly file: string
  /** Without a trailing slash. */
  readonly hubUrl: string
  readonly workerId: string
  readonly secretFile: string
  readonly stateDir: string
  readonly pollSeconds: number
  readonly heartbeatSeconds: number
  readonly maxConcurrentJobs: number
  readonly requestTimeoutSeconds: number
  readonly profiles: ReadonlyArray<BridgeProfile>
}

export const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/

const invalid = (file: string, message: string, action: string, details: Record<string, unknown> = {}) =>
  Result.fail(new ValidationError({ message: `${file}: ${message}`, action, details: { file, ...details } }))

/** Every string inside the table with `${VAR}` expanded; the first unset variable is named. */
const expandDeep = (v: unknown, env: Readonly<Record<string, string | undefined>>, at: string): Result.Result<unknown, { at: string; missing: string }> => {
  if (typeof v === "string") {
    const e = expandVars(v, env)
    return e.ok ? Result.succeed(e.value) : Result.fail({ at, missing: e.missing })
  }
  if (Array.isArray(v)) {
    const out: unknown[] = []
    for (const [k, x] of v.entries()) {
      const r = expandDeep(x, env, `${at}[${k}]`)
      if (Result.isFailure(r)) return r
      out.push(r.success)
    }
    return Result.succeed(out)
  }
  if (typeof v === "object" && v !== null && !(v instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const r = expandDeep(x, env, `${at}.${k}`)
      if (Result.isFailure(r)) return r
      out[k] = r.success
    }
    return Result.succeed(out)
  }
  return Result.succeed(v)
}

const schedulerOf = (file: string, value: string | undefined, where: string): Result.Result<SchedulerName | "auto", ValidationError> => {
  const v = (value ?? "auto").trim().toLowerCase()
  if (v === "auto" || (SCHEDULERS as ReadonlyArray<string>).includes(v)) return Result.succeed(v as SchedulerName | "auto")
  return invalid(file, `${where} = ${JSON.stringify(value)} is not a scheduler`, "use auto, slurm, pbs, torque or local", { setting: where })
}

/**
 * The `[bridge]` table of `file` → the bridge's settings. `baseDir` is periogt's resolved base directory:
 * the state directory defaults under it, per worker id.
 */
export const parseBridgeConfig = (
  file: string,
  values: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): Result.Result<BridgeConfig, ValidationError> => {
  const table = values["bridge"]
  if (table === undefined) return invalid(file, "has no [bridge] table", "add a [bridge] table with hub_url, worker_id, secret_file and at least one [bridge.profiles.NAME] (README: The bridge on a head node)")
  const expanded = expandDeep(table, env, "bridge")
  if (Result.isFailure(expanded)) {
    return invalid(file, `${expanded.failure.at} refers to \${${expanded.failure.missing}}, which is not set`, `set ${expanded.failure.missing}, or write \${${expanded.failure.missing}:-fallback}`, { variable: expanded.failure.missing, setting: expanded.failure.at })
  }
  const decoded = Schema.decodeUnknownResult(BridgeSection)(expanded.success, { onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    return invalid(file, `the [bridge] table is not valid: ${decoded.failure.message}`, "fix the [bridge] table: hub_url, worker_id, secret_file are required; each [bridge.profiles.NAME] may set cluster, set, container, bin, scheduler, max_concurrent_jobs, submission_timeout_seconds")
  }
  const b = decoded.success
  let hub: URL
  try {
    hub = new URL(b.hub_url)
  } catch {
    return invalid(file, `bridge.hub_url = ${JSON.stringify(b.hub_url)} is not a URL`, "give the hub's base URL, e.g. https://periogt.example.org", { setting: "bridge.hub_url" })
  }
  if (hub.protocol !== "https:" && hub.protocol !== "http:") return invalid(file, `bridge.hub_url must be http or https, not ${hub.protocol}`, "give the hub's base URL, e.g. https://periogt.example.org", { setting: "bridge.hub_url" })
  if (!WORKER_ID.test(b.worker_id)) return invalid(file, `bridge.worker_id = ${JSON.stringify(b.worker_id)} is not a worker id`, "use letters, digits, '.', '_', ':' and '-' (at most 128), starting with a letter or digit", { setting: "bridge.worker_id" })
  const names = Object.keys(b.profiles)
  if (names.length === 0) return invalid(file, "[bridge] has no profile", "add at least one [bridge.profiles.NAME] (NAME is the hub's profile, e.g. cpu)")
  const scheduler = schedulerOf(file, b.scheduler, "bridge.scheduler")
  if (Result.isFailure(scheduler)) return Result.fail(scheduler.failure)
  const maxJobs = b.max_concurrent_jobs ?? 4
  const profiles: BridgeProfile[] = []
  for (const name of names.sort()) {
    if (!PROFILE_NAME.test(name)) return invalid(file, `bridge.profiles.${name}: not a profile name`, "use letters, digits, '.', '_', ':' and '-'", { setting: `bridge.profiles.${name}` })
    const p = b.profiles[name]!
    const s = p.scheduler === undefined ? scheduler : schedulerOf(file, p.scheduler, `bridge.profiles.${name}.scheduler`)
    if (Result.isFailure(s)) return Result.fail(s.failure)
    for (const x of p.set ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*=/.test(x)) return invalid(file, `bridge.profiles.${name}.set: ${JSON.stringify(x)} is not key=value`, "write each as \"key=value\", as periogt submit --set takes it", { setting: `bridge.profiles.${name}.set` })
    }
    const sets = [...(p.set ?? []), ...(p.container === undefined ? [] : [`container=${p.container}`]), ...(p.bin === undefined ? [] : [`bin=${p.bin}`])]
    profiles.push({ name, cluster: p.cluster, sets, scheduler: s.success, maxConcurrentJobs: Math.min(p.max_concurrent_jobs ?? maxJobs, maxJobs), submissionTimeoutSeconds: p.submission_timeout_seconds ?? 300 })
  }
  const relative = (p: string) => path.resolve(path.dirname(file), p)
  return Result.succeed({
    file,
    hubUrl: b.hub_url.replace(/\/+$/, ""),
    workerId: b.worker_id,
    secretFile: relative(b.secret_file),
    stateDir: b.state_dir === undefined ? path.join(baseDir, "bridge", b.worker_id) : relative(b.state_dir),
    pollSeconds: b.poll_seconds ?? 30,
    heartbeatSeconds: b.heartbeat_seconds ?? 120,
    maxConcurrentJobs: maxJobs,
    requestTimeoutSeconds: b.request_timeout_seconds ?? 30,
    profiles,
  })
}

/** Reads and decodes the config file's `[bridge]` table. */
export const loadBridgeConfig = (file: string | undefined, env: Readonly<Record<string, string | undefined>>, baseDir: string): Result.Result<BridgeConfig, ValidationError> => {
  if (file === undefined) {
    return Result.fail(new ValidationError({ message: "periogt bridge needs a config file with a [bridge] table", action: "pass --config FILE (or set PERIOGT_CONFIG); README: The bridge on a head node", details: { option: "--config" } }))
  }
  const read = readConfigFile(file)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  return parseBridgeConfig(read.success.path, read.success.values, env, baseDir)
}

/** The shared secret in `secret_file` (checked as the hub checks its own: core/bridge/protocol/secretFile.ts). */
export const readSecret = (file: string): Result.Result<string, ValidationError> => readSecretFile(file, "bridge.secret_file")
