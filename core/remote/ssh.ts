import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { ValidationError } from "../errors/index.ts"
import type { NamedRemote } from "./store.ts"

/**
 * The system OpenSSH client does every connection, so ~/.ssh/config, ProxyJump, agents, keys and
 * multi-factor prompts work as the user already has them. One multiplexed master per remote
 * (ControlMaster=auto, ControlPersist, its socket in a private 0700 directory), host keys checked
 * strictly (StrictHostKeyChecking=yes; accept-new only for `remote add --accept-new-host-key`).
 *
 * BatchMode=yes whenever stdin is not a terminal (scripts, CI, tests: a prompt would hang); on a
 * terminal ssh may prompt (password, Duo) on /dev/tty, once per master.
 *
 * PERIOGT_SSH_CONFIG: an ssh config file passed as `ssh -F` (tests; the user's ~/.ssh/config otherwise).
 * PERIOGT_SSH_PERSIST: ControlPersist (default 600 seconds).
 */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** A remote path for a shell: `~/x` and relative paths are relative to the remote home. */
export const remotePath = (p: string): string => (p === "~" ? "." : p.startsWith("~/") ? p.slice(2) : p)

const controlDir = (cacheDir: string): string => {
  const runtime = process.env["XDG_RUNTIME_DIR"]
  const uid = typeof process.getuid === "function" ? process.getuid() : 0
  const candidates = [...(runtime !== undefined && runtime !== "" ? [path.join(runtime, "periogt-ssh")] : []), path.join(cacheDir, "ssh"), path.join(os.tmpdir(), `periogt-ssh-${uid}`)]
  // A unix socket path has at most ~104 bytes and ssh appends a 17-byte temporary suffix while creating it.
  return candidates.find((d) => d.length + 14 + 18 < 100) ?? candidates[candidates.length - 1]!
}

export const ensureControlDir = (cacheDir: string): string => {
  const dir = controlDir(cacheDir)
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  fs.chmodSync(dir, 0o700)
  return dir
}

export const controlPath = (r: NamedRemote, cacheDir: string): string =>
  path.join(ensureControlDir(cacheDir), createHash("sha256").update(`${r.user ?? ""}@${r.host}:${r.port ?? ""}`).digest("hex").slice(0, 12))

export interface SshOptions {
  readonly acceptNew?: boolean
  /** No master: the one-off connection of `remote add --accept-new-host-key`. */
  readonly noMaster?: boolean
  readonly batch?: boolean
}

export const sshArgv = (r: NamedRemote, cacheDir: string, command: string, o: SshOptions = {}): string[] => {
  const cfg = process.env["PERIOGT_SSH_CONFIG"]
  const persist = process.env["PERIOGT_SSH_PERSIST"] ?? "600"
  const batch = o.batch ?? !process.stdin.isTTY
  return [
    "ssh",
    ...(cfg !== undefined && cfg !== "" ? ["-F", cfg] : []),
    "-o", `StrictHostKeyChecking=${o.acceptNew === true ? "accept-new" : "yes"}`,
    ...(batch ? ["-o", "BatchMode=yes"] : []),
    ...(o.noMaster === true ? ["-o", "ControlMaster=no", "-o", "ControlPath=none"] : ["-o", "ControlMaster=auto", "-o", `ControlPath=${controlPath(r, cacheDir)}`, "-o", `ControlPersist=${persist}`]),
    "-o", "ConnectTimeout=20",
    "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=4",
    ...(r.port !== undefined ? ["-p", String(r.port)] : []),
    ...(r.user !== undefined ? ["-l", r.user] : []),
    r.host,
    "--",
    command,
  ]
}

export interface SshResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface SshIo {
  /** Bytes for the remote command's stdin: a file from an offset. */
  readonly stdinFile?: { readonly path: string; readonly offset: number }
  /** The remote command's stdout appended to this file descriptor instead of captured. */
  readonly stdoutFd?: number
}

/** Runs one remote shell command over ssh; never fails: the caller reads the code (255: ssh's own failure). */
export const ssh = (r: NamedRemote, cacheDir: string, command: string, o: SshOptions & SshIo = {}): Effect.Effect<SshResult> =>
  Effect.promise(async () => {
    const p = Bun.spawn(sshArgv(r, cacheDir, command, o), {
      stdin: o.stdinFile !== undefined ? "pipe" : "ignore",
      stdout: o.stdoutFd !== undefined ? o.stdoutFd : "pipe",
      stderr: "pipe",
      env: process.env,
    })
    // The file from the offset, streamed (a cut connection leaves the remote part to resume from).
    const feed = async () => {
      if (o.stdinFile === undefined) return
      const sink = p.stdin as import("bun").FileSink
      try {
        for await (const chunk of fs.createReadStream(o.stdinFile.path, { start: o.stdinFile.offset, highWaterMark: 1 << 20 })) {
          sink.write(chunk as Buffer)
          await sink.flush()
        }
      } catch {
        /* the remote side closed: its exit status says why */
      } finally {
        try {
          await sink.end()
        } catch {
          /* already closed */
        }
      }
    }
    const [, stdout, stderr, code] = await Promise.all([feed(), o.stdoutFd !== undefined ? Promise.resolve("") : new Response(p.stdout as ReadableStream).text(), new Response(p.stderr).text(), p.exited])
    return { code, stdout, stderr }
  })

const target = (r: NamedRemote) => `${r.user !== undefined ? `${r.user}@` : ""}${r.host}${r.port !== undefined ? `:${r.port}` : ""}`
const lastLines = (s: string) => s.trim().split("\n").filter((l) => l.trim() !== "" && !l.startsWith("Warning: Permanently added")).slice(-3).join(" | ")

/** ssh's own failures (exit 255) as tagged errors with what to do; undefined when ssh itself worked. */
export const sshFailure = (r: NamedRemote, res: SshResult): ValidationError | undefined => {
  if (res.code !== 255) return undefined
  const e = res.stderr
  const details = { remote: r.name, host: r.host, port: r.port ?? null, user: r.user ?? null, ssh_exit: 255, ssh_stderr: lastLines(e) }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(e)) {
    const m = /Offending \S+ key in (\S+):(\d+)/.exec(e)
    const hostArg = r.port !== undefined && r.port !== 22 ? `[${r.host}]:${r.port}` : r.host
    return new ValidationError({
      message: `remote ${r.name}: the host key of ${target(r)} HAS CHANGED since it was recorded${m !== null ? ` (${m[1]} line ${m[2]})` : ""}; periogt never accepts a changed host key (this may be an attack, or the server was reinstalled)`,
      action: `ask the cluster's administrators for the new host key fingerprint; only if it is expected, remove the old key${m !== null ? ` (line ${m[2]} of ${m[1]}): ssh-keygen -R '${hostArg}' -f ${m[1]}` : `: ssh-keygen -R '${hostArg}'`}, then periogt remote add ${r.name} --host ${r.host} --accept-new-host-key`,
      details: { ...details, reason: "host_key_changed", known_hosts: m?.[1] ?? null, known_hosts_line: m === null ? null : Number(m[2]) },
    })
  }
  if (/Host key verification failed|No \S+ host key is known|host key is not known/.test(e)) {
    return new ValidationError({
      message: `remote ${r.name}: the host key of ${target(r)} is not known (StrictHostKeyChecking=yes)`,
      action: `check the host's fingerprint with the cluster's documentation, then periogt remote add ${r.name} --host ${r.host} --accept-new-host-key (or connect once with ssh yourself)`,
      details: { ...details, reason: "host_key_unknown" },
    })
  }
  if (/Permission denied|Too many authentication failures|no matching host key type|Authentication failed/i.test(e)) {
    return new ValidationError({
      message: `remote ${r.name}: authentication to ${target(r)} failed (${lastLines(e)})`,
      action: `check the user name (--user), that your key is loaded (ssh-add -l) or named in ~/.ssh/config (IdentityFile), and that its public key is in ~/.ssh/authorized_keys on ${r.host}; try: ssh ${r.port !== undefined ? `-p ${r.port} ` : ""}${r.user !== undefined ? `${r.user}@` : ""}${r.host}`,
      details: { ...details, reason: "authentication_failed" },
    })
  }
  return new ValidationError({
    message: `remote ${r.name}: cannot reach ${target(r)} over ssh (${lastLines(e) || "ssh exited 255"})`,
    action: `check the host name and port, your network or VPN, and that ssh ${r.port !== undefined ? `-p ${r.port} ` : ""}${r.user !== undefined ? `${r.user}@` : ""}${r.host} works from this machine`,
    details: { ...details, reason: "unreachable" },
  })
}

/** Runs a remote command and fails with the classified error when ssh itself failed. */
export const sshOk = (r: NamedRemote, cacheDir: string, command: string, o: SshOptions & SshIo = {}): Effect.Effect<SshResult, ValidationError> =>
  Effect.flatMap(ssh(r, cacheDir, command, o), (res) => {
    const f = sshFailure(r, res)
    return f === undefined ? Effect.succeed(res) : Effect.fail(f)
  })

/** Closes the remote's master connection, if one is open (`ssh -O exit`). */
export const closeMaster = (r: NamedRemote, cacheDir: string): void => {
  const cp = controlPath(r, cacheDir)
  if (!fs.existsSync(cp)) return
  const cfg = process.env["PERIOGT_SSH_CONFIG"]
  Bun.spawnSync(["ssh", ...(cfg ? ["-F", cfg] : []), "-o", `ControlPath=${cp}`, "-O", "exit", r.host], { stdout: "ignore", stderr: "ignore" })
}
