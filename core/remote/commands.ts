import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Result } from "effect"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError, type PeriogtError } from "../errors/index.ts"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import { Log, type Logger } from "../log/index.ts"
import { isEmbedded } from "../runtime/nativeCache.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { closeMaster, remotePath, shq, ssh, sshFailure, sshOk, type SshIo, type SshResult } from "./ssh.ts"
import { findRemote, NAME_RE, readRemotes, remotesFile, writeRemotes, type NamedRemote, type Remote } from "./store.ts"
import { sha256File } from "../io/sha256.ts"
import { getFile, putFile } from "./transfer.ts"

/**
 * `periogt remote add/list/remove/check/install` and the `--on NAME` forms of submit, jobs and
 * collect: the same commands run by the remote's periogt (`<remote_dir>/bin/periogt`) over ssh, the
 * input staged and the merged result fetched back, both verified by sha256.
 *
 * On the remote, `<remote_dir>/config.toml` (when present and PERIOGT_CONFIG is not set there) is the
 * remote periogt's config file: checkpoint_dir, results_dir and the like for that cluster.
 */
const fromResult = <A, E extends PeriogtError>(r: Result.Result<A, E>): Effect.Effect<A, E> => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))

const invalid = (message: string, action: string, details: Record<string, unknown> = {}) => new ValidationError({ message, action, details })

const rdir = (r: Remote) => remotePath(r.remote_dir).replace(/\/+$/, "") || "."
export const remoteBin = (r: Remote) => `${rdir(r)}/bin/periogt`

/** The shell line that runs the remote periogt with the given arguments. */
const periogtLine = (r: Remote, args: ReadonlyArray<string>) => {
  const d = rdir(r)
  return `if [ -z "$PERIOGT_CONFIG" ] && [ -f ${shq(`${d}/config.toml`)} ]; then PERIOGT_CONFIG=${shq(`${d}/config.toml`)}; export PERIOGT_CONFIG; fi; if [ ! -x ${shq(remoteBin(r))} ]; then echo "periogt-remote-missing" >&2; exit 127; fi; exec ${shq(remoteBin(r))} ${args.map(shq).join(" ")}`
}

const missing = (r: NamedRemote) =>
  invalid(`remote ${r.name}: periogt is not installed at ${remoteBin(r)} on ${r.host}`, `periogt remote install ${r.name}`, { remote: r.name, reason: "remote_periogt_missing", path: remoteBin(r) })

/** The remote periogt run with arguments; ssh failures and a missing executable are errors, its own exit code is returned. */
const runRemote = (r: NamedRemote, cacheDir: string, args: ReadonlyArray<string>, io: SshIo = {}): Effect.Effect<SshResult, ValidationError> =>
  Effect.flatMap(sshOk(r, cacheDir, periogtLine(r, args), io), (res) => (res.code === 127 && res.stderr.includes("periogt-remote-missing") ? Effect.fail(missing(r)) : Effect.succeed(res)))

/** The remote error line `{"error": …}`, passed on as this command's error. */
const remoteError = (r: NamedRemote, what: string, res: SshResult): ValidationError => {
  const line = res.stderr.split("\n").reverse().find((l) => l.startsWith('{"error"'))
  if (line !== undefined) {
    try {
      const e = (JSON.parse(line) as { error: { code: string; message: string; action?: string; details?: Record<string, unknown> } }).error
      return invalid(`remote ${r.name}: ${what}: ${e.code}: ${e.message}`, e.action ?? "see the remote's message", { remote: r.name, remote_error: e, remote_exit: res.code })
    } catch {
      /* fall through */
    }
  }
  return invalid(`remote ${r.name}: ${what} exited ${res.code}: ${res.stderr.trim().split("\n").slice(-3).join(" | ")}`, `run it on ${r.host} to see why`, { remote: r.name, remote_exit: res.code })
}

/** The remote periogt's `version --json`; an error when missing or another version than this one. */
const remoteVersion = (r: NamedRemote, cacheDir: string): Effect.Effect<Record<string, unknown>, ValidationError> =>
  Effect.gen(function* () {
    const res = yield* runRemote(r, cacheDir, ["version", "--json"])
    if (res.code !== 0) return yield* remoteError(r, "periogt version", res)
    try {
      return JSON.parse(res.stdout) as Record<string, unknown>
    } catch {
      return yield* invalid(`remote ${r.name}: ${remoteBin(r)} version --json did not answer JSON: ${res.stdout.slice(0, 200)}`, `periogt remote install ${r.name}`, { remote: r.name })
    }
  })

const sameVersion = (r: NamedRemote, cacheDir: string) =>
  Effect.gen(function* () {
    const v = yield* remoteVersion(r, cacheDir)
    if (v["periogt"] !== PERIOGT_VERSION)
      return yield* invalid(`remote ${r.name}: periogt ${String(v["periogt"])} is installed at ${remoteBin(r)}, this is periogt ${PERIOGT_VERSION}`, `periogt remote install ${r.name} (replaces it with this executable)`, { remote: r.name, reason: "remote_periogt_version", remote_version: v["periogt"] ?? null, local_version: PERIOGT_VERSION })
    return v
  })

// ---- remote add / list / remove -------------------------------------------------------------

export interface AddOptions {
  readonly name?: string
  readonly host?: string
  readonly user?: string
  readonly port?: string | number
  readonly cluster?: string
  readonly remoteDir?: string
  readonly acceptNewHostKey?: boolean
}

export const remoteAddProgram = (o: AddOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.name === undefined || !NAME_RE.test(o.name)) return yield* invalid(`remote name ${o.name === undefined ? "missing" : `'${o.name}' is not valid`}: letters, digits, '.', '_' and '-', starting with a letter or digit`, "periogt remote add NAME --host HOST", { option: "NAME" })
    if (o.host === undefined || o.host === "" || o.host.startsWith("-") || /\s/.test(o.host)) return yield* invalid(`--host ${o.host ?? "(missing)"}: expected a host name or an ~/.ssh/config Host alias`, `periogt remote add ${o.name} --host login.cluster.example.edu`, { option: "--host" })
    let port: number | undefined
    if (o.port !== undefined) {
      port = Number(o.port)
      if (!Number.isInteger(port) || port < 1 || port > 65535) return yield* invalid(`--port ${o.port}: expected 1-65535`, "pass --port 22, or leave it out to use ~/.ssh/config's", { option: "--port" })
    }
    if (o.user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(o.user)) return yield* invalid(`--user ${o.user}: not a user name`, "pass the user name on the cluster", { option: "--user" })
    const remote: Remote = {
      host: o.host,
      ...(o.user !== undefined ? { user: o.user } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      remote_dir: o.remoteDir ?? "~/periogt",
    }
    const named: NamedRemote = { name: o.name, ...remote }
    const all = yield* fromResult(readRemotes())
    // One connection: the host key checked (accepted only now and only with --accept-new-host-key), the login tried.
    const res = yield* ssh(named, config.cacheDir.value, "echo periogt-remote-ok", { acceptNew: o.acceptNewHostKey === true, noMaster: true })
    const f = sshFailure(named, res)
    if (f !== undefined) return yield* f
    if (!res.stdout.includes("periogt-remote-ok")) return yield* invalid(`remote ${o.name}: the login shell on ${o.host} printed no answer (${res.stderr.trim().slice(0, 200)})`, "check the remote login shell", { remote: o.name })
    const file = writeRemotes({ ...all, [o.name]: remote })
    log.info(`${all[o.name] !== undefined ? "updated" : "added"} remote ${o.name} (${remote.user !== undefined ? `${remote.user}@` : ""}${remote.host}${remote.port !== undefined ? `:${remote.port}` : ""}, remote dir ${remote.remote_dir}) in ${file}`)
    process.stdout.write(JSON.stringify({ remote: o.name, ...remote, file }) + "\n")
    return EXIT.success
  })

export const remoteListProgram = (o: { readonly json?: boolean }) =>
  Effect.gen(function* () {
    const all = yield* fromResult(readRemotes())
    if (o.json === true) process.stdout.write(JSON.stringify({ file: remotesFile(), remotes: all }) + "\n")
    else if (Object.keys(all).length === 0) process.stdout.write(`no remotes in ${remotesFile()}: periogt remote add NAME --host HOST\n`)
    else for (const [n, r] of Object.entries(all)) process.stdout.write(`${n}  ${r.user !== undefined ? `${r.user}@` : ""}${r.host}${r.port !== undefined ? `:${r.port}` : ""}  ${r.remote_dir}${r.cluster !== undefined ? `  cluster ${r.cluster}` : ""}\n`)
    return EXIT.success
  })

export const remoteRemoveProgram = (o: { readonly name?: string }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.name === undefined) return yield* invalid("remote remove needs a NAME", "periogt remote remove NAME (periogt remote list shows them)")
    const r = yield* fromResult(findRemote(o.name))
    closeMaster(r, config.cacheDir.value)
    const all = yield* fromResult(readRemotes())
    delete all[o.name]
    writeRemotes(all)
    log.info(`removed remote ${o.name} from ${remotesFile()} (nothing on ${r.host} was touched)`)
    return EXIT.success
  })

// ---- remote check / install -----------------------------------------------------------------

export const remoteCheckProgram = (o: { readonly name?: string; readonly json?: boolean }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.name === undefined) return yield* invalid("remote check needs a NAME", "periogt remote check NAME")
    const r = yield* fromResult(findRemote(o.name))
    const cd = config.cacheDir.value
    const t0 = Date.now()
    const who = yield* sshOk(r, cd, "echo \"$(id -un) $(uname -sm)\"")
    const report: Record<string, unknown> = { remote: r.name, host: r.host, reachable: true, login: who.stdout.trim(), connect_ms: Date.now() - t0 }
    const d = rdir(r)
    const df = yield* sshOk(r, cd, `mkdir -p ${shq(d)} && df -Pk ${shq(d)} | awk 'NR==2{print $4}'`)
    report["remote_dir"] = r.remote_dir
    report["free_bytes"] = df.code === 0 ? Number(df.stdout.trim()) * 1024 : null
    const problems: string[] = []
    const v = yield* Effect.result(remoteVersion(r, cd))
    if (Result.isFailure(v)) {
      report["periogt"] = null
      problems.push(v.failure.message + `; ${v.failure.action}`)
    } else {
      report["periogt"] = v.success
      if (v.success["periogt"] !== PERIOGT_VERSION) problems.push(`remote periogt ${String(v.success["periogt"])} differs from this ${PERIOGT_VERSION}: periogt remote install ${r.name}`)
      // The scheduler as the remote's submit would pick it: its picker logs its choice and reason before reading the input.
      const pick = yield* runRemote(r, cd, ["submit", "--input", `${d}/.periogt-check-no-such-input.csv`, "--property", "eps", "--dry-run", "--scheduler", "auto"])
      const m = /scheduler (slurm|pbs|torque|local): ([^\n]*)/.exec(pick.stderr)
      report["scheduler"] = m === null ? null : { name: m[1], reason: m[2]!.replace(/\s*\{.*\}\s*$/, "") }
      const doc = yield* runRemote(r, cd, ["doctor", "--json"])
      try {
        const j = JSON.parse(doc.stdout) as Record<string, unknown>
        const checks = Array.isArray(j["checks"]) ? (j["checks"] as Array<Record<string, unknown>>) : []
        const named = (st: string) => checks.filter((c) => String(c["status"]).toUpperCase() === st).map((c) => `${String(c["check"])}: ${String(c["value"] ?? c["detail"] ?? "")}`.slice(0, 300))
        report["doctor"] = { exit: doc.code, ok: doc.code === 0, verdict: j["verdict"] ?? null, failing: named("FAIL"), warnings: named("WARN") }
      } catch {
        report["doctor"] = { exit: doc.code, ok: false, output: doc.stdout.slice(0, 500) }
      }
      if (doc.code !== 0) problems.push(`the remote doctor says ${doc.code === 1 ? "WARN" : "FAIL"} (exit ${doc.code}): run ${remoteBin(r)} doctor on ${r.host}; settings there go in ${rdir(r)}/config.toml`)
    }
    report["problems"] = problems
    if (o.json === true) process.stdout.write(JSON.stringify(report) + "\n")
    else {
      const s = report["scheduler"] as { name: string; reason: string } | null
      process.stdout.write(
        [
          `remote ${r.name}: reachable (${report["login"]}, ${report["connect_ms"]} ms)`,
          `  periogt: ${report["periogt"] === null ? "not installed" : String((report["periogt"] as Record<string, unknown>)["periogt"])} at ${remoteBin(r)}`,
          `  scheduler: ${s === null ? "unknown" : `${s.name} (${s.reason})`}`,
          `  doctor: ${report["doctor"] === undefined ? "-" : `${String((report["doctor"] as { verdict: unknown }).verdict ?? "?")}${((report["doctor"] as { failing?: string[] }).failing ?? []).map((f) => `\n    FAIL ${f}`).join("")}`}`,
          `  free in ${r.remote_dir}: ${report["free_bytes"] === null ? "?" : `${((report["free_bytes"] as number) / 1e9).toFixed(1)} GB`}`,
          ...problems.map((p) => `  ! ${p}`),
        ].join("\n") + "\n",
      )
    }
    if (problems.length > 0) log.warn(`remote ${r.name}: ${problems.length} problem(s)`)
    return problems.length === 0 ? EXIT.success : EXIT.partial
  })

export const remoteInstallProgram = (o: { readonly name?: string }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    if (o.name === undefined) return yield* invalid("remote install needs a NAME", "periogt remote install NAME")
    const r = yield* fromResult(findRemote(o.name))
    const self = process.env["PERIOGT_REMOTE_INSTALL_FROM"] ?? (isEmbedded(import.meta.path) ? process.execPath : undefined)
    if (self === undefined)
      return yield* invalid("periogt remote install copies this very executable, but this periogt runs from source (bun bin/periogt.ts)", "build it (bun run build) and run dist/periogt remote install NAME", { reason: "not_compiled" })
    const put = yield* putFile(r, config.cacheDir.value, log, self, remoteBin(r), "755")
    const v = yield* sameVersion(r, config.cacheDir.value)
    log.info(put.skipped ? `remote ${r.name}: ${remoteBin(r)} is already this executable (sha256 ${put.sha256.slice(0, 12)}…)` : `remote ${r.name}: installed ${remoteBin(r)} (sha256 ${put.sha256.slice(0, 12)}… verified on ${r.host})`)
    process.stdout.write(JSON.stringify({ remote: r.name, path: remoteBin(r), sha256: put.sha256, installed: !put.skipped, resumed_from: put.resumedFrom, version: v["periogt"] }) + "\n")
    return EXIT.success
  })

// ---- submit / jobs / collect --on NAME ------------------------------------------------------

export interface RemoteRunRecord {
  readonly remote: string
  readonly host: string
  readonly id: string
  readonly run: string
  readonly input: { readonly local: string; readonly remote: string; readonly sha256: string } | null
  readonly submitted_at: string
  readonly args: ReadonlyArray<string>
  collected?: { readonly output: string; readonly remote_output: string; readonly sha256: string; readonly at: string }
}

export const remoteRunsDir = (resultsDir: string) => path.join(resultsDir, "remote-runs")
const recordPath = (resultsDir: string, remote: string, id: string) => path.join(remoteRunsDir(resultsDir), remote, `${id}.json`)

const readRecord = (resultsDir: string, remote: string, run: string): RemoteRunRecord | undefined => {
  const f = recordPath(resultsDir, remote, path.basename(run))
  try {
    return JSON.parse(fs.readFileSync(f, "utf8")) as RemoteRunRecord
  } catch {
    return undefined
  }
}

export interface SubmitOnOptions {
  readonly on: string
  readonly input?: string
  readonly property?: string
  readonly shards?: string | number
  readonly maxRunning?: string | number
  readonly mode?: string
  readonly cluster?: string
  readonly scheduler?: string
  readonly set?: string | ReadonlyArray<string>
  readonly dryRun?: boolean
  readonly resume?: string
}

const stageInput = (r: NamedRemote, cacheDir: string, log: Logger, local: string) =>
  Effect.gen(function* () {
    const sha = yield* Effect.promise(() => sha256File(local))
    const remote = stagedName(r, sha, local)
    yield* putFile(r, cacheDir, log, local, remote)
    return { local, remote, sha256: sha }
  })

/** The remote input's name for a local file: `<remote_dir>/inputs/<sha256[:16]>-<name>` (its `.part` while in transit). */
export const stagedName = (r: Remote, sha: string, local: string) => `${rdir(r)}/inputs/${sha.slice(0, 16)}-${path.basename(local).replace(/[^A-Za-z0-9._-]/g, "_")}`

export const submitOnProgram = (o: SubmitOnOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const r = yield* fromResult(findRemote(o.on))
    const cd = config.cacheDir.value
    if (o.resume === undefined) {
      if (o.input === undefined) return yield* invalid("--input is required", `periogt submit --on ${r.name} --input polymers.csv --property eps`, { option: "--input" })
      if (o.property === undefined) return yield* invalid("--property is required", "pass --property P, a comma list, or all", { option: "--property" })
      const local = path.resolve(o.input)
      try {
        fs.accessSync(local, fs.constants.R_OK)
      } catch {
        return yield* invalid(`input file ${local} does not exist or cannot be read`, "check the --input path", { option: "--input", path: local })
      }
    }
    yield* sameVersion(r, cd)
    const staged = o.resume === undefined ? yield* stageInput(r, cd, log, path.resolve(o.input!)) : null
    const cluster = o.cluster === undefined || (o.cluster === "generic" && r.cluster !== undefined) ? r.cluster : o.cluster
    const sets = o.set === undefined ? [] : typeof o.set === "string" ? [o.set] : [...o.set]
    const args = [
      "submit",
      ...(staged !== null ? ["--input", staged.remote] : []),
      ...(o.resume !== undefined ? ["--resume", o.resume] : []),
      ...(o.property !== undefined ? ["--property", o.property] : []),
      ...(o.shards !== undefined ? ["--shards", String(o.shards)] : []),
      ...(o.maxRunning !== undefined ? ["--max-running", String(o.maxRunning)] : []),
      ...(o.mode !== undefined ? ["--mode", o.mode] : []),
      ...(cluster !== undefined ? ["--cluster", cluster] : []),
      ...(o.scheduler !== undefined ? ["--scheduler", o.scheduler] : []),
      ...sets.flatMap((s) => ["--set", String(s)]),
      ...(o.dryRun === true ? ["--dry-run"] : []),
    ]
    log.info(`remote ${r.name}: periogt ${args.join(" ")}`)
    const res = yield* runRemote(r, cd, args)
    for (const line of res.stderr.split("\n")) if (line.trim() !== "" && !line.startsWith('{"error"')) log.info(`[${r.name}] ${line}`)
    if (res.code !== 0) return yield* remoteError(r, "periogt submit", res)
    if (o.dryRun === true) {
      process.stdout.write(res.stdout)
      return EXIT.success
    }
    const lastJson = res.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"))
    const summary = lastJson === undefined ? {} : (JSON.parse(lastJson) as { run?: string; id?: string })
    if (summary.id === undefined || summary.run === undefined) return yield* invalid(`remote ${r.name}: periogt submit answered no run: ${res.stdout.slice(0, 300)}`, `run periogt jobs on ${r.host}`, { remote: r.name })
    const record: RemoteRunRecord = { remote: r.name, host: r.host, id: summary.id, run: summary.run, input: staged, submitted_at: new Date().toISOString(), args }
    const file = recordPath(config.resultsDir.value, r.name, summary.id)
    if (o.resume === undefined || !fs.existsSync(file)) writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n")
    log.info(`run ${summary.id} on ${r.name} (${summary.run}); recorded in ${file}: periogt jobs --on ${r.name} ${summary.id}, then periogt collect --on ${r.name} ${summary.id}`)
    process.stdout.write(JSON.stringify({ ...summary, remote: r.name, record: file }) + "\n")
    return EXIT.success
  })

export const jobsOnProgram = (o: { readonly on: string; readonly run?: string; readonly json?: boolean; readonly watch?: boolean; readonly interval?: string | number }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const r = yield* fromResult(findRemote(o.on))
    const cd = config.cacheDir.value
    yield* sameVersion(r, cd)
    const rec = o.run === undefined ? undefined : readRecord(config.resultsDir.value, r.name, o.run)
    const run = rec?.run ?? o.run
    // With --watch the remote's redraws stream straight to this terminal.
    const res = yield* runRemote(r, cd, ["jobs", ...(run !== undefined ? [run] : []), ...(o.json === true ? ["--json"] : []), ...(o.watch === true ? ["--watch", "--interval", String(o.interval ?? 30)] : [])], o.watch === true ? { stdoutFd: 1 } : {})
    if (res.code !== 0) return yield* remoteError(r, "periogt jobs", res)
    process.stdout.write(res.stdout)
    return EXIT.success
  })

export const collectOnProgram = (o: { readonly on: string; readonly run?: string; readonly output?: string; readonly partial?: boolean }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const r = yield* fromResult(findRemote(o.on))
    const cd = config.cacheDir.value
    if (o.run === undefined) return yield* invalid("collect --on needs a run", `periogt collect --on ${r.name} RUN (periogt jobs --on ${r.name} lists the runs)`)
    yield* sameVersion(r, cd)
    const rec = readRecord(config.resultsDir.value, r.name, o.run)
    const res = yield* runRemote(r, cd, ["collect", rec?.run ?? o.run, ...(o.partial === true ? ["--partial"] : [])])
    if (res.code !== 0) return yield* remoteError(r, "periogt collect", res)
    const lastJson = res.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"))
    const summary = lastJson === undefined ? {} : (JSON.parse(lastJson) as Record<string, unknown>)
    const remoteOutput = summary["output"]
    if (typeof remoteOutput !== "string") return yield* invalid(`remote ${r.name}: periogt collect named no output: ${res.stdout.slice(0, 300)}`, `run periogt collect on ${r.host}`, { remote: r.name })
    const local = o.output !== undefined ? path.resolve(o.output) : path.join(config.resultsDir.value, path.basename(remoteOutput))
    const got = yield* getFile(r, cd, log, remoteOutput, local)
    if (rec !== undefined) {
      rec.collected = { output: local, remote_output: remoteOutput, sha256: got.sha256, at: new Date().toISOString() }
      writeFileAtomic(recordPath(config.resultsDir.value, r.name, rec.id), JSON.stringify(rec, null, 2) + "\n")
    }
    log.info(`wrote ${local} (${got.bytes} bytes, sha256 verified against ${r.name}:${remoteOutput})`)
    process.stdout.write(JSON.stringify({ ...summary, output: local, remote_output: remoteOutput, remote: r.name, sha256: got.sha256 }) + "\n")
    return EXIT.success
  })

export const cancelOnProgram = (o: { readonly on: string; readonly run?: string }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const r = yield* fromResult(findRemote(o.on))
    const cd = config.cacheDir.value
    if (o.run === undefined) return yield* invalid("cancel --on needs a run", `periogt cancel --on ${r.name} RUN (periogt jobs --on ${r.name} lists the runs)`)
    yield* sameVersion(r, cd)
    const rec = readRecord(config.resultsDir.value, r.name, o.run)
    const res = yield* runRemote(r, cd, ["cancel", rec?.run ?? o.run])
    for (const line of res.stderr.split("\n")) if (line.trim() !== "" && !line.startsWith('{"error"')) process.stderr.write(`[${r.name}] ${line}\n`)
    if (res.code !== 0) return yield* remoteError(r, "periogt cancel", res)
    process.stdout.write(res.stdout)
    return EXIT.success
  })
