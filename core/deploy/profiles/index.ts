import * as fs from "node:fs"
import * as path from "node:path"
import { Result, Schema } from "effect"
import { expandVars } from "../../config/expand.ts"
import { ValidationError } from "../../errors/index.ts"
import { readSmallRegularFile } from "../../io/outputFile.ts"
import { cades, cadesGpu } from "./cades.ts"
import { explorer } from "./explorer.ts"
import { generic } from "./generic.ts"
import { ClusterProfileFields, JOB_KINDS, type ClusterProfile, type ClusterProfileInput, type JobKind, type JobResources } from "./schema.ts"

export * from "./schema.ts"

/** Job sizes used when a profile does not name its own (the Python templates' sizes). */
export const DEFAULT_JOBS: Readonly<Record<JobKind, JobResources>> = {
  predict: { time: "00:20:00", cpus: 4, mem: "16G" },
  batch: { time: "02:00:00", cpus: 8, mem: "32G" },
  server: { time: "04:00:00", cpus: 8, mem: "32G" },
}

export const BUILTIN_PROFILES: Readonly<Record<string, ClusterProfileInput>> = { cades, "cades-gpu": cadesGpu, explorer, generic }
export const builtinProfileNames = Object.keys(BUILTIN_PROFILES)

/** Seconds in a Slurm time `[D-]HH:MM:SS`. */
export const timeSeconds = (t: string): number => {
  const m = /^(?:(\d+)-)?(\d+):(\d+):(\d+)$/.exec(t)
  if (m === null) return Number.NaN
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])
}

/** MiB in a memory text `512M`, `32G`, `1T` (Slurm's units: powers of 1024). */
export const memMiB = (m: string): number => {
  const x = /^(\d+)([KMGT])$/.exec(m)
  if (x === null) return Number.NaN
  const n = Number(x[1])
  return x[2] === "K" ? n / 1024 : x[2] === "M" ? n : x[2] === "G" ? n * 1024 : n * 1024 * 1024
}

/**
 * Where a profile field is written, for messages that say what to edit: `FILE line N` for a profile
 * file (TOML: the key under its `[section]`; JSON: the key's first line after its parents), or the
 * built-in profile's name. `keyPath` is e.g. ["jobs", "batch", "mem"] or ["account"].
 */
export const profileFieldLocation = (profile: { readonly origin: string; readonly name: string }, keyPath: ReadonlyArray<string>): string => {
  const dotted = keyPath.join(".")
  if (profile.origin === "built-in") return `${dotted} of built-in cluster profile ${profile.name} (copy it to a profile file to change it, or use --set)`
  let text: string
  try {
    text = fs.readFileSync(profile.origin, "utf8")
  } catch {
    return `${dotted} in ${profile.origin}`
  }
  const rows = text.split("\n")
  const key = keyPath[keyPath.length - 1] ?? ""
  let line = -1
  if (profile.origin.endsWith(".json")) {
    let from = 0
    for (const k of keyPath) {
      const at = rows.findIndex((r, i) => i >= from && r.includes(`"${k}"`))
      if (at < 0) break
      from = at
      if (k === key) line = at
    }
  } else {
    const section = keyPath.slice(0, -1).join(".")
    let current = ""
    for (let i = 0; i < rows.length; i++) {
      const h = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$/.exec(rows[i] ?? "")
      if (h !== null) {
        current = h[1] ?? ""
        continue
      }
      if (current === section && new RegExp(`^\\s*"?${key.replace(/[.]/g, "\\.")}"?\\s*=`).test(rows[i] ?? "")) {
        line = i
        break
      }
    }
    if (line < 0 && section !== "") {
      const at = rows.findIndex((r) => new RegExp(`^\\s*\\[\\s*${section.replace(/[.]/g, "\\.")}\\s*\\]`).test(r))
      if (at >= 0) return `${dotted} in ${profile.origin} (add \`${key} = ...\` below line ${at + 1}, [${section}])`
    }
  }
  return line >= 0 ? `${dotted} in ${profile.origin} line ${line + 1}` : `${dotted} in ${profile.origin} (not written there yet: add it)`
}

/** True when `p` is `dir` or below it. */
export const isUnder = (p: string, dir: string): boolean => {
  const d = dir.endsWith("/") ? dir.slice(0, -1) : dir
  return p === d || p.startsWith(d + "/")
}

/** The purged filesystem a path lies on, if any. */
export const purgedFilesystemOf = (profile: ClusterProfile, p: string) =>
  profile.filesystems.find((f) => f.purged && isUnder(p, f.path))

const fail = (where: string, message: string, action: string, details: Record<string, unknown> = {}) =>
  Result.fail(new ValidationError({ message: `cluster profile ${where}: ${message}`, action, details: { profile: where, ...details } }))

/** Fills the optional lists and checks what one field cannot check alone. */
export const normalizeProfile = (input: ClusterProfileInput, origin: string): Result.Result<ClusterProfile, ValidationError> => {
  const where = origin === "built-in" ? input.name : origin
  const partitions = input.partitions ?? []
  const names = new Set<string>()
  for (const p of partitions) {
    if (names.has(p.name)) return fail(where, `partition ${p.name} is listed twice`, "list each partition once")
    names.add(p.name)
    if (p.max_gpus_per_job === 0 && (p.gres !== undefined || p.gpu_kind !== undefined)) {
      return fail(where, `partition ${p.name} has no GPUs (max_gpus_per_job = 0) but names a gres or a GPU kind`, "remove gres/gpu_kind, or set max_gpus_per_job")
    }
  }
  if (input.default_partition !== undefined) {
    const d = partitions.find((p) => p.name === input.default_partition)
    if (d === undefined) {
      return fail(where, `default_partition ${input.default_partition} is not among its partitions (${[...names].join(", ") || "none"})`, "add the partition or fix the name")
    }
    if (d.interactive_only === true) return fail(where, `default_partition ${d.name} is for interactive sessions only`, "choose a batch partition")
  }
  const jobs = { ...DEFAULT_JOBS, ...Object.fromEntries(Object.entries(input.jobs ?? {}).filter(([, v]) => v !== undefined)) } as Record<JobKind, JobResources>
  const profile: ClusterProfile = {
    name: input.name,
    title: input.title,
    scheduler: input.scheduler,
    os: input.os,
    loginHost: input.login_host,
    account: input.account,
    accountNote: input.account_note,
    qos: input.qos,
    constraint: input.constraint,
    reservation: input.reservation,
    mailType: input.mail_type,
    mailUser: input.mail_user,
    oodCluster: input.ood_cluster,
    apptainerVersion: input.apptainer_version,
    modules: input.modules ?? [],
    apptainerModules: input.apptainer_modules ?? [],
    modulesNote: input.modules_note,
    partitions,
    defaultPartition: input.default_partition,
    gpuKind: input.gpu_kind,
    filesystems: input.filesystems ?? [],
    paths: {
      baseDir: input.paths?.base_dir,
      checkpointDir: input.paths?.checkpoint_dir,
      resultsDir: input.paths?.results_dir,
      container: input.paths?.container,
    },
    jobs,
    notes: input.notes ?? [],
    origin,
  }
  const ckpt = profile.paths.checkpointDir ?? (profile.paths.baseDir === undefined ? undefined : path.posix.join(profile.paths.baseDir, "checkpoints"))
  if (ckpt !== undefined) {
    const fs = purgedFilesystemOf(profile, ckpt)
    if (fs !== undefined) {
      return fail(where, `its checkpoint directory ${ckpt} lies on ${fs.path}, which is purged`, "put checkpoint_dir on a persistent filesystem (a project directory)", { checkpoint_dir: ckpt, purged: fs.path })
    }
  }
  const d = partitions.find((p) => p.name === profile.defaultPartition)
  if (d?.min_gpus_per_job !== undefined && d.min_gpus_per_job > 1) {
    return fail(where, `default_partition ${d.name} takes jobs of ${d.min_gpus_per_job} or more GPUs; periogt uses one`, `edit ${profileFieldLocation(profile, ["default_partition"])}: choose a partition for 1-GPU or CPU jobs`)
  }
  for (const kind of JOB_KINDS) {
    if (d?.max_time !== undefined && timeSeconds(jobs[kind].time) > timeSeconds(d.max_time)) {
      return fail(where, `the ${kind} job asks for ${jobs[kind].time}, beyond partition ${d.name}'s limit ${d.max_time}`, `edit ${profileFieldLocation(profile, ["jobs", kind, "time"])}: ${d.max_time} or less`)
    }
    if (d?.mem_per_node !== undefined && memMiB(jobs[kind].mem) > memMiB(d.mem_per_node)) {
      return fail(where, `the ${kind} job asks for ${jobs[kind].mem} of memory, beyond partition ${d.name}'s ${d.mem_per_node} per node`, `edit ${profileFieldLocation(profile, ["jobs", kind, "mem"])}: ${d.mem_per_node} or less`)
    }
    if (d?.cpus_per_node !== undefined && jobs[kind].cpus > d.cpus_per_node) {
      return fail(where, `the ${kind} job asks for ${jobs[kind].cpus} cores, beyond partition ${d.name}'s ${d.cpus_per_node} per node`, `edit ${profileFieldLocation(profile, ["jobs", kind, "cpus"])}: ${d.cpus_per_node} or less`)
    }
  }
  return Result.succeed(profile)
}

const decodeProfile = (raw: unknown, origin: string): Result.Result<ClusterProfile, ValidationError> => {
  const decoded = Schema.decodeUnknownResult(ClusterProfileFields)(raw, { onExcessProperty: "error", errors: "all" })
  if (Result.isFailure(decoded)) {
    const where = origin === "built-in" && typeof raw === "object" && raw !== null && "name" in raw ? `${String(raw.name)} (built-in)` : origin
    return fail(where, `does not match the profile schema: ${decoded.failure.message}`, "fix the fields named above; see adapters/README.md for the profile format")
  }
  return normalizeProfile(decoded.success, origin)
}

/** Expands `${VAR}` / `${VAR:-fallback}` in every string of a parsed file. */
const expandDeep = (v: unknown, env: Readonly<Record<string, string | undefined>>, file: string): Result.Result<unknown, ValidationError> => {
  if (typeof v === "string") {
    const e = expandVars(v, env)
    return e.ok
      ? Result.succeed(e.value)
      : fail(file, `refers to \${${e.missing}}, which is not set`, `export ${e.missing}, or write \${${e.missing}:-fallback}`, { variable: e.missing })
  }
  if (Array.isArray(v)) {
    const out: unknown[] = []
    for (const x of v) {
      const r = expandDeep(x, env, file)
      if (Result.isFailure(r)) return r
      out.push(r.success)
    }
    return Result.succeed(out)
  }
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const r = expandDeep(x, env, file)
      if (Result.isFailure(r)) return r
      out[k] = r.success
    }
    return Result.succeed(out)
  }
  return Result.succeed(v)
}

/** Parses a profile file: `.json` as JSON, anything else as TOML. */
export const readProfileFile = (file: string, env: Readonly<Record<string, string | undefined>>): Result.Result<ClusterProfile, ValidationError> => {
  const abs = path.resolve(file)
  let text: string
  try {
    // a regular file of a sane size: `--cluster /dev/full` would otherwise be read for a minute, then fail
    text = readSmallRegularFile(abs)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail(abs, `cannot be read: ${code === "ENOTREG" || code === "EFBIG" ? (e as Error).message : (code ?? String(e))}`, `give --cluster one of ${builtinProfileNames.join(", ")} or a readable TOML/JSON file`)
  }
  let raw: unknown
  try {
    raw = abs.endsWith(".json") ? JSON.parse(text) : Bun.TOML.parse(text)
  } catch (e) {
    return fail(abs, `is not valid ${abs.endsWith(".json") ? "JSON" : "TOML"}: ${e instanceof Error ? e.message : String(e)}`, "fix the syntax")
  }
  const expanded = expandDeep(raw, env, abs)
  if (Result.isFailure(expanded)) return Result.fail(expanded.failure)
  return decodeProfile(expanded.success, abs)
}

/** `--cluster`: a built-in name, else a file path. */
export const loadProfile = (nameOrFile: string, env: Readonly<Record<string, string | undefined>>): Result.Result<ClusterProfile, ValidationError> => {
  const builtin = BUILTIN_PROFILES[nameOrFile]
  if (builtin !== undefined) return decodeProfile(builtin, "built-in")
  if (!nameOrFile.includes("/") && !nameOrFile.includes(".")) {
    return Result.fail(
      new ValidationError({
        message: `unknown cluster '${nameOrFile}'`,
        action: `use one of ${builtinProfileNames.join(", ")}, or a profile file (TOML or JSON), e.g. --cluster ./mycluster.toml`,
        details: { cluster: nameOrFile, builtins: builtinProfileNames },
      }),
    )
  }
  return readProfileFile(nameOrFile, env)
}
