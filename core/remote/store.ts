import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { Result, Schema } from "effect"
import { ValidationError } from "../errors/index.ts"

/**
 * The remotes file: `$XDG_CONFIG_HOME/periogt/remotes.toml` (else `~/.config/periogt/remotes.toml`),
 * one `[remotes.NAME]` table each; decoded with Effect Schema, written atomically with mode 0600.
 * No password or secret is ever stored: the system OpenSSH client authenticates.
 */
export const Remote = Schema.Struct({
  host: Schema.String,
  user: Schema.optionalKey(Schema.String),
  port: Schema.optionalKey(Schema.Int),
  cluster: Schema.optionalKey(Schema.String),
  remote_dir: Schema.String,
})
export type Remote = typeof Remote.Type

export const RemotesFile = Schema.Struct({ remotes: Schema.optionalKey(Schema.Record(Schema.String, Remote)) })

export interface NamedRemote extends Remote {
  readonly name: string
}

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const home = () => process.env["HOME"] || os.homedir()

export const configDir = (): string => {
  const xdg = process.env["XDG_CONFIG_HOME"]
  return xdg !== undefined && xdg !== "" ? path.join(path.resolve(xdg), "periogt") : path.join(home(), ".config", "periogt")
}

export const remotesFile = (): string => path.join(configDir(), "remotes.toml")

export const readRemotes = (): Result.Result<Record<string, Remote>, ValidationError> => {
  const file = remotesFile()
  if (!fs.existsSync(file)) return Result.succeed({})
  let raw: unknown
  try {
    raw = Bun.TOML.parse(fs.readFileSync(file, "utf8"))
  } catch (e) {
    return Result.fail(new ValidationError({ message: `${file} is not valid TOML: ${e instanceof Error ? e.message : String(e)}`, action: `fix or remove ${file} (periogt remote add writes it)`, details: { path: file } }))
  }
  const decoded = Schema.decodeUnknownResult(RemotesFile)(raw)
  if (Result.isFailure(decoded)) return Result.fail(new ValidationError({ message: `${file} is not a remotes file this periogt reads: ${decoded.failure.message}`, action: `fix or remove ${file}; each [remotes.NAME] needs host and remote_dir`, details: { path: file } }))
  return Result.succeed({ ...(decoded.success.remotes ?? {}) })
}

const tomlString = (s: string) => JSON.stringify(s)

export const renderRemotes = (remotes: Record<string, Remote>): string => {
  const out = ["# periogt remotes: written by `periogt remote add/remove`; no secrets are kept here", ""]
  for (const name of Object.keys(remotes).sort()) {
    const r = remotes[name]!
    out.push(`[remotes.${tomlString(name)}]`, `host = ${tomlString(r.host)}`)
    if (r.user !== undefined) out.push(`user = ${tomlString(r.user)}`)
    if (r.port !== undefined) out.push(`port = ${r.port}`)
    if (r.cluster !== undefined) out.push(`cluster = ${tomlString(r.cluster)}`)
    out.push(`remote_dir = ${tomlString(r.remote_dir)}`, "")
  }
  return out.join("\n")
}

/** Temporary sibling with mode 0600, fsync, rename: readers see the old file or the new one. */
export const writeRemotes = (remotes: Record<string, Remote>): string => {
  const file = remotesFile()
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = path.join(path.dirname(file), `.remotes.toml.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)
  const fd = fs.openSync(tmp, "w", 0o600)
  try {
    fs.writeFileSync(fd, renderRemotes(remotes))
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
  return file
}

export const findRemote = (name: string): Result.Result<NamedRemote, ValidationError> => {
  const all = readRemotes()
  if (Result.isFailure(all)) return Result.fail(all.failure)
  const r = all.success[name]
  if (r === undefined) {
    const known = Object.keys(all.success)
    return Result.fail(new ValidationError({ message: `no remote named '${name}' in ${remotesFile()}${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`, action: `periogt remote add ${name} --host HOST (periogt remote list shows the remotes)`, details: { remote: name, path: remotesFile() } }))
  }
  return Result.succeed({ name, ...r })
}
