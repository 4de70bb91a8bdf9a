import * as path from "node:path"
import { Redacted, Result } from "effect"
import { ValidationError } from "../errors/index.ts"
import { expandVars } from "./expand.ts"
import { SETTINGS, SETTING_KEYS, type Device, type LogFormat, type LogLevel, type SettingKey } from "./settings.ts"
import type { Source } from "./source.ts"
import { allowedText, decodeRaw } from "./values.ts"

export interface Resolved<T> {
  readonly value: T
  readonly source: Source
}

/** The one resolved configuration: every command and every deployment adapter reads this. */
export interface PeriogtConfig {
  readonly baseDir: Resolved<string>
  readonly checkpointDir: Resolved<string>
  readonly resultsDir: Resolved<string>
  readonly cacheDir: Resolved<string>
  readonly device: Resolved<Device>
  readonly threads: Resolved<number>
  /** Featurization worker threads; 0 = in the main thread. */
  readonly workers: Resolved<number>
  readonly host: Resolved<string>
  readonly port: Resolved<number>
  readonly apiKey: Resolved<Redacted.Redacted<string>> | undefined
  /** The EMX2 hub's shared-secret file (read and checked by serve: core/server/hpc/Hub.ts); undefined = no hub. */
  readonly hpcSecretFile: Resolved<string> | undefined
  readonly logFormat: Resolved<LogFormat>
  readonly logLevel: Resolved<LogLevel>
  readonly configFile: string | undefined
}

export interface ConfigFileInput {
  readonly path: string
  readonly values: Readonly<Record<string, unknown>>
}

/** Everything the resolver looks at, gathered by the caller, so resolution itself is a pure function. */
export interface ResolveInputs {
  readonly flags: Partial<Record<SettingKey, string>>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly file?: ConfigFileInput | undefined
  readonly cwd: string
  readonly home: string
  readonly uid: number
  readonly tmpdir: string
  readonly isWritableDir: (dir: string) => boolean
  readonly readSecretFile: (file: string) => string
  /** Cores this process may use (core/config/cores.ts); `workers` defaults from it. 1 when not given. */
  readonly usableCores?: number
}

interface Raw {
  readonly text: string
  readonly source: Source
  /** Directory that a relative path in this value is relative to. */
  readonly relativeTo: string
}

type Spec = (typeof SETTINGS)[SettingKey]

/** What to do about a bad value, said where the value was written: the flag, the variable or the file. */
const fixAt = (spec: Spec, source: Source): string =>
  source.kind === "flag"
    ? `give --${source.name} ${allowedText(spec)}`
    : source.kind === "file"
      ? `in ${source.name}, set ${spec.key} to ${allowedText(spec)} (or remove the line)`
      : `set ${spec.env} to ${allowedText(spec)}`

/** One sentence: what was given and what is allowed (the schema's own wording would say it twice). */
const invalid = (spec: Spec, source: Source, value: string) =>
  new ValidationError({
    message: `${source.kind === "file" ? `${spec.key} = ${JSON.stringify(value)} in ${source.name}` : `${whereOf(spec.key, source)}=${JSON.stringify(value)}`} is not valid: expected ${allowedText(spec)}`,
    action: fixAt(spec, source),
    details: { variable: spec.env, value, allowed: spec.choices ?? allowedText(spec), ...(source.kind === "file" ? { file: source.name, setting: spec.key } : {}) },
  })

/**
 * An empty value is an error, never "unset": `export PERIOGT_API_KEY=$KEY` with KEY unset in a job
 * script would otherwise start an open server, and `PERIOGT_CHECKPOINT_DIR=` would quietly use the default.
 */
const empty = (spec: Spec, source: Source) =>
  new ValidationError({
    message: `${whereOf(spec.key, source)} is set but empty`,
    action:
      source.kind === "env"
        ? `unset ${spec.env} to use the default, or set it to ${allowedText(spec)}`
        : source.kind === "file"
          ? `in ${source.name}, remove ${spec.key} to use the default, or set it to ${allowedText(spec)}`
          : `drop --${source.name} to use the default, or give it ${allowedText(spec)}`,
    details: { variable: spec.env, value: "", allowed: spec.choices ?? allowedText(spec), ...(source.kind === "file" ? { file: source.name, setting: spec.key } : {}) },
  })

const whereOf = (key: SettingKey, s: Source) =>
  s.kind === "flag" ? `--${s.name}` : s.kind === "file" ? `${key} in ${s.name}` : SETTINGS[key].env

/** Picks the raw text of one setting by precedence: flag > environment > config file. */
const pickRaw = (key: SettingKey, inputs: ResolveInputs): Result.Result<Raw | undefined, ValidationError> => {
  const spec = SETTINGS[key]
  const flag = inputs.flags[key]
  if (flag !== undefined) return Result.succeed({ text: flag, source: { kind: "flag", name: spec.flag ?? key }, relativeTo: inputs.cwd })
  const env = inputs.env[spec.env]
  if (env !== undefined) return Result.succeed({ text: env, source: { kind: "env", name: spec.env }, relativeTo: inputs.cwd })
  const file = inputs.file
  if (file !== undefined && key in file.values) {
    const v = file.values[key]
    if (typeof v !== "string" && typeof v !== "number") {
      return Result.fail(invalid(spec, { kind: "file", name: file.path }, typeof v === "object" ? JSON.stringify(v) : String(v)))
    }
    const expanded = expandVars(String(v), inputs.env)
    if (!expanded.ok) {
      return Result.fail(
        new ValidationError({
          message: `${key} in ${file.path} refers to \${${expanded.missing}}, which is not set`,
          action: `export ${expanded.missing}, or write \${${expanded.missing}:-fallback} in ${file.path}`,
          details: { variable: expanded.missing, file: file.path, setting: key },
        }),
      )
    }
    return Result.succeed({ text: expanded.value, source: { kind: "file", name: file.path }, relativeTo: path.dirname(file.path) })
  }
  return Result.succeed(undefined)
}

/** Tables of the config file that a command reads itself (`[bridge]`: periogt bridge, core/bridge/daemon/config.ts); the resolver leaves them alone. */
export const CONFIG_TABLES = ["bridge"] as const

export const resolveConfig = (inputs: ResolveInputs): Result.Result<PeriogtConfig, ValidationError> => {
  if (inputs.file !== undefined) {
    const unknownKeys = Object.keys(inputs.file.values).filter((k) => !(SETTING_KEYS as ReadonlyArray<string>).includes(k) && !(CONFIG_TABLES as ReadonlyArray<string>).includes(k))
    if (unknownKeys.length > 0) {
      return Result.fail(
        new ValidationError({
          message: `${inputs.file.path} has unknown keys: ${unknownKeys.join(", ")}`,
          action: `use only: ${SETTING_KEYS.join(", ")}`,
          details: { file: inputs.file.path, unknown: unknownKeys, allowed: SETTING_KEYS },
        }),
      )
    }
  }
  const out: Partial<Record<SettingKey, Resolved<unknown>>> = {}
  for (const key of SETTING_KEYS) {
    const picked = pickRaw(key, inputs)
    if (Result.isFailure(picked)) return Result.fail(picked.failure)
    const raw = picked.success
    if (raw === undefined) continue
    const spec = SETTINGS[key]
    if (raw.text.trim() === "") return Result.fail(empty(spec, raw.source))
    const decoded = decodeRaw(spec, raw.text)
    if (Result.isFailure(decoded)) return Result.fail(invalid(spec, raw.source, raw.text))
    const value = spec.kind === "path" || spec.kind === "secret-file" ? path.resolve(raw.relativeTo, String(decoded.success)) : decoded.success
    out[key] = { value, source: raw.source }
  }
  const given = <T>(key: SettingKey): Resolved<T> | undefined => out[key] as Resolved<T> | undefined
  const orDefault = <T>(key: SettingKey, value: T, why: string): Resolved<T> =>
    given<T>(key) ?? { value, source: { kind: "default", name: why } }

  const baseDir = orDefault("base_dir", path.join(inputs.home, "periogt"), "$HOME/periogt")
  const checkpointDir = orDefault("checkpoint_dir", path.join(baseDir.value, "checkpoints"), "<base_dir>/checkpoints")
  const resultsDir = orDefault("results_dir", path.join(baseDir.value, "results"), "<base_dir>/results")
  const cacheDir = given<string>("cache_dir") ?? defaultCacheDir(inputs)

  let apiKey: Resolved<Redacted.Redacted<string>> | undefined
  const keyInline = given<string>("api_key")
  const keyFile = given<string>("api_key_file")
  if (keyInline !== undefined) {
    apiKey = { value: Redacted.make(keyInline.value), source: keyInline.source }
  } else if (keyFile !== undefined) {
    let text: string
    try {
      text = inputs.readSecretFile(keyFile.value)
    } catch (e) {
      return Result.fail(
        new ValidationError({
          message: `PERIOGT_API_KEY_FILE=${keyFile.value} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
          action: "point PERIOGT_API_KEY_FILE at a readable file holding the key on its first line",
          details: { variable: "PERIOGT_API_KEY_FILE", value: keyFile.value },
        }),
      )
    }
    const key = text.split(/\r?\n/)[0]?.trim() ?? ""
    if (key === "") {
      return Result.fail(
        new ValidationError({
          message: `PERIOGT_API_KEY_FILE=${keyFile.value} is empty`,
          action: "write the key on the first line of that file",
          details: { variable: "PERIOGT_API_KEY_FILE", value: keyFile.value },
        }),
      )
    }
    apiKey = { value: Redacted.make(key), source: keyFile.source }
  }

  const cores = inputs.usableCores ?? 1
  const threads = networkThreads(given<number>("threads"), cores)
  return Result.succeed({
    baseDir,
    checkpointDir,
    resultsDir,
    cacheDir,
    device: orDefault<Device>("device", "auto", "auto"),
    threads,
    workers: given<number>("workers") ?? defaultWorkers(threads, cores),
    host: orDefault("host", "127.0.0.1", "this machine only"),
    port: orDefault("port", 8000, "8000"),
    apiKey,
    hpcSecretFile: given<string>("hpc_secret_file"),
    logFormat: orDefault<LogFormat>("log_format", "text", "text"),
    logLevel: orDefault<LogLevel>("log_level", "info", "info"),
    configFile: inputs.file?.path,
  })
}

/**
 * The network's threads: `threads` when set above 0, else (unset or 0) one per core the job may use.
 * Never left to ONNX Runtime: its own default counts the machine's cores, not the affinity mask (Slurm's
 * cpuset; under `taskset -c 0` on a 2-core machine it still starts 2 threads), so a job given 4 cores of a
 * 64-core node would run 64 threads on them.
 */
const networkThreads = (set: Resolved<number> | undefined, cores: number): Resolved<number> => {
  if (set !== undefined && set.value > 0) return set
  const usable = `${cores} usable core${cores === 1 ? "" : "s"}`
  return { value: cores, source: { kind: "default", name: set === undefined ? usable : `threads = 0: ${usable}` } }
}

/**
 * One worker per core the job may use, at most `threads` when that is set; none when that is 1: a
 * single core gains nothing from a worker and pays its start-up.
 */
const defaultWorkers = (threads: Resolved<number>, cores: number): Resolved<number> => {
  const n = Math.min(threads.value, cores)
  const from = `${cores} usable core${cores === 1 ? "" : "s"}${threads.value < cores ? `, threads = ${threads.value}` : ""}`
  return { value: n > 1 ? n : 0, source: { kind: "default", name: n > 1 ? from : `${from}: in the main thread` } }
}

/** XDG first; then the home cache; then TMPDIR when home is read-only (common on compute nodes). */
const defaultCacheDir = (inputs: ResolveInputs): Resolved<string> => {
  const xdg = inputs.env["XDG_CACHE_HOME"]
  if (xdg !== undefined && xdg !== "") return { value: path.join(path.resolve(inputs.cwd, xdg), "periogt"), source: { kind: "default", name: "$XDG_CACHE_HOME/periogt" } }
  if (inputs.isWritableDir(inputs.home)) return { value: path.join(inputs.home, ".cache", "periogt"), source: { kind: "default", name: "$HOME/.cache/periogt" } }
  return { value: path.join(inputs.tmpdir, `periogt-${inputs.uid}`), source: { kind: "default", name: "$TMPDIR/periogt-<uid> (home is read-only)" } }
}

/** Paths a user would want to see at start-up, in a stable order. */
export const pathSettings = (c: PeriogtConfig) =>
  [
    ["base_dir", c.baseDir],
    ["checkpoint_dir", c.checkpointDir],
    ["results_dir", c.resultsDir],
    ["cache_dir", c.cacheDir],
  ] as const
