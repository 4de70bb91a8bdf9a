import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { waitFor } from "../support/process.ts"

/**
 * A real OpenSSH server for the remote tests: Debian's openssh-server (.ci/install-openssh-server.sh
 * installs it when missing, as root), started on 127.0.0.1 on a free port with its own host key and sshd_config (UsePAM no,
 * StrictModes no, PidFile in the temp dir), a dedicated unprivileged user made with useradd (removed
 * afterwards) and that user's key; the client side is an `ssh -F` config of its own (known_hosts,
 * identity), so the real user's ~/.ssh is never read or written. Readiness is sshd's own
 * "Server listening" line, never a sleep.
 */
const sh = (argv: ReadonlyArray<string>, opts: { env?: Record<string, string> } = {}) => {
  const r = Bun.spawnSync([...argv], { stdout: "pipe", stderr: "pipe", env: opts.env ?? { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } })
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString() }
}

const must = (argv: ReadonlyArray<string>) => {
  const r = sh(argv)
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: exit ${r.code}: ${r.err}`)
  return r.out
}

/** Why the tests cannot run here (undefined when they can): not root, or openssh-server cannot be installed. */
export const sshdUnavailable = (): string | undefined => {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "not root: useradd and sshd need root"
  for (const tool of ["useradd", "userdel", "ssh", "ssh-keygen"]) if (Bun.which(tool, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }) === null) return `${tool} is not installed`
  // .ci/install-openssh-server.sh installs Debian's openssh-server when /usr/sbin/sshd is missing.
  const i = sh(["bash", path.resolve(import.meta.dir, "../../.ci/install-openssh-server.sh")])
  if (i.code !== 0 || !fs.existsSync("/usr/sbin/sshd")) return `sshd is not available and .ci/install-openssh-server.sh could not install it: ${i.err.trim().split("\n").slice(-2).join(" | ")}`
  return undefined
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

/** A port nothing listens on (chosen free, then closed). */
export const closedPort = (): Promise<number> => freePort()

export const connectRefused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1")
    c.once("connect", () => {
      c.destroy()
      resolve(false)
    })
    c.once("error", () => resolve(true))
  })

export interface Sshd {
  readonly dir: string
  readonly port: number
  readonly user: string
  readonly home: string
  /** Client ssh config (`ssh -F`): the test known_hosts and the user's key. */
  readonly sshConfig: string
  readonly knownHosts: string
  /** A client config whose identity is a key the server does not know. */
  readonly wrongKeyConfig: string
  /** A client config whose known_hosts holds another key for this host. */
  readonly changedKeyConfig: string
  readonly sshd: ReturnType<typeof Bun.spawn>
  stop(): Promise<void>
}

/** `sshdExtra`: more sshd_config lines (e.g. `SetEnv SLURM_CONF=…` for the sessions). */
export const startSshd = async (dir: string, sshdExtra: ReadonlyArray<string> = []): Promise<Sshd> => {
  fs.chmodSync(dir, 0o755)
  const user = `pgt${randomBytes(3).toString("hex")}`
  const home = path.join(dir, "home")
  must(["useradd", "-m", "-d", home, "-s", "/bin/bash", user])
  must(["usermod", "-p", "*", user]) // no password, not locked (sshd refuses a '!' account)
  must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_ed25519")])
  must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "other_host_ed25519")])
  must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "client_key")])
  must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "wrong_key")])
  fs.mkdirSync(path.join(home, ".ssh"), { recursive: true, mode: 0o700 })
  fs.copyFileSync(path.join(dir, "client_key.pub"), path.join(home, ".ssh", "authorized_keys"))
  must(["chown", "-R", `${user}:${user}`, home])
  const port = await freePort()
  fs.writeFileSync(
    path.join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${path.join(dir, "host_ed25519")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      "UsePAM no",
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "AuthorizedKeysFile .ssh/authorized_keys",
      `AllowUsers ${user}`,
      "PermitRootLogin no",
      "MaxSessions 64",
      "MaxStartups 64",
      "LogLevel VERBOSE",
      ...sshdExtra,
      "",
    ].join("\n"),
  )
  fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 })
  const knownHosts = path.join(dir, "known_hosts")
  const client = (name: string, key: string, kh: string) => {
    const f = path.join(dir, name)
    fs.writeFileSync(f, ["Host *", `  UserKnownHostsFile ${kh}`, "  GlobalKnownHostsFile /dev/null", `  IdentityFile ${key}`, "  IdentitiesOnly yes", "  PasswordAuthentication no", "  KbdInteractiveAuthentication no", ""].join("\n"))
    return f
  }
  const sshConfig = client("ssh_config", path.join(dir, "client_key"), knownHosts)
  const wrongKeyConfig = client("ssh_config_wrong_key", path.join(dir, "wrong_key"), knownHosts)
  const otherPub = fs.readFileSync(path.join(dir, "other_host_ed25519.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ")
  fs.writeFileSync(path.join(dir, "known_hosts_changed"), `[127.0.0.1]:${port} ${otherPub}\n`)
  const changedKeyConfig = client("ssh_config_changed", path.join(dir, "client_key"), path.join(dir, "known_hosts_changed"))

  const sshd = Bun.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", path.join(dir, "sshd_config")], { stdout: "ignore", stderr: "pipe", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } })
  const log = path.join(dir, "sshd.log")
  // Readiness: sshd's own line; its log is kept for a failing test.
  const reader = (sshd.stderr as ReadableStream<Uint8Array>).getReader()
  let text = ""
  const deadline = Date.now() + 20_000
  while (!/Server listening on 127\.0\.0\.1 port/.test(text)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => "timeout" as const)])
    if (chunk === "timeout" || chunk.done) {
      sshd.kill()
      sh(["userdel", "-r", user])
      throw new Error(`sshd did not start: ${text}`)
    }
    text += new TextDecoder().decode(chunk.value)
  }
  fs.writeFileSync(log, text)
  void (async () => {
    for (;;) {
      const c = await reader.read().catch(() => ({ done: true as const, value: undefined }))
      if (c.done) break
      fs.appendFileSync(log, c.value)
    }
  })()

  const stop = async () => {
    sshd.kill("SIGTERM")
    await sshd.exited
    // The user's processes (shards of the local executor) end by themselves; wait for none to be left,
    // never kill broadly. Still there after a minute: say which, and remove the user anyway.
    await waitFor(() => sh(["pgrep", "-u", user]).code !== 0, 60_000, `the processes of ${user} to end`, 200).catch((e: Error) =>
      console.warn(`${e.message}: ${sh(["pgrep", "-a", "-u", user]).out.trim()}`),
    )
    sh(["userdel", "-r", user])
  }
  return { dir, port, user, home, sshConfig, knownHosts, wrongKeyConfig, changedKeyConfig, sshd, stop }
}

/** Closes every ssh master whose socket is in `controlDir` (`ssh -O exit`); the sockets are gone afterwards. */
export const closeMasters = (controlDir: string, sshConfig: string): void => {
  if (!fs.existsSync(controlDir)) return
  for (const s of fs.readdirSync(controlDir)) sh(["ssh", "-F", sshConfig, "-o", `ControlPath=${path.join(controlDir, s)}`, "-O", "exit", "x"])
}
