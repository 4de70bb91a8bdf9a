import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { createHash } from "node:crypto"
import { errorOf, periogtBinary, tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { waitFor } from "../support/process.ts"
import { periogt, tinyCheckpoints, waitJobs, writeInput } from "../jobs/support.ts"
import { PERIOGT_VERSION } from "../../core/version/version.ts"
import { closeMasters, closedPort, connectRefused, sshdUnavailable, startSshd, type Sshd } from "./sshd.ts"

/**
 * periogt remote over a real sshd on 127.0.0.1 (test/remote/sshd.ts) with the compiled executable:
 * an unknown host key refused, then accepted with --accept-new-host-key; remote install (sha256
 * verified on the far side); remote check; submit --on (the local executor on the "remote": this
 * machine as the test user) resuming a half-sent input; jobs --on; collect --on equal to a local
 * batch byte for byte; a changed host key and a wrong key refused with their errors; nothing left
 * listening or running.
 */
const noScaler = fs.existsSync(SHARED_SCALER) ? undefined : `upstream's descriptor scaler is not at ${SHARED_SCALER}`
const why = noScaler ?? sshdUnavailable()
if (why !== undefined) console.warn(`skipping the remote (ssh) tests: ${why}`)

let dir = ""
let server: Sshd | undefined
let env: Record<string, string> = {}
let input = ""
let reference = ""
let remoteDir = ""
const controlDir = () => path.join(dir, "client", ".cache", "periogt", "ssh")
const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex")

beforeAll(async () => {
  if (why !== undefined) return
  dir = tempDir("remote")
  server = await startSshd(dir)
  // The "cluster" side: checkpoints the test user can read, its periogt config beside the executable.
  const remoteData = path.join(server.home, "data")
  fs.mkdirSync(remoteData, { recursive: true })
  const ck = await tinyCheckpoints(remoteData, ["eps"])
  remoteDir = path.join(server.home, "periogt")
  fs.mkdirSync(remoteDir, { recursive: true })
  fs.writeFileSync(path.join(remoteDir, "config.toml"), `checkpoint_dir = "${ck}"\nresults_dir = "${path.join(server.home, "results")}"\ndevice = "cpu"\nthreads = 1\nworkers = 0\n`)
  Bun.spawnSync(["chown", "-R", `${server.user}:${server.user}`, server.home])
  // The laptop side.
  const clientHome = path.join(dir, "client")
  fs.mkdirSync(clientHome)
  env = { PATH: "/usr/bin:/bin", HOME: clientHome, PERIOGT_SSH_CONFIG: server.sshConfig, PERIOGT_RESULTS_DIR: path.join(clientHome, "results"), PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "1", PERIOGT_WORKERS: "0" }
  input = path.join(clientHome, "units.csv")
  writeInput(input, 6)
  reference = path.join(clientHome, "reference.csv")
  const r = await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], env)
  if (r.code !== 1) throw new Error(`reference batch: exit ${r.code}: ${r.stderr}`)
}, 300_000)

let mounted = ""

afterAll(async () => {
  if (mounted !== "") Bun.spawnSync(["umount", mounted])
  if (server !== undefined) {
    closeMasters(controlDir(), server.sshConfig)
    await server.stop()
    expect(await connectRefused(server.port)).toBe(true)
    expect(fs.existsSync(controlDir()) ? fs.readdirSync(controlDir()) : []).toEqual([])
    expect(Bun.spawnSync(["id", server.user], { stdout: "ignore", stderr: "ignore" }).exitCode).not.toBe(0)
  }
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
}, 120_000)

/** Whether any process has `file` open (its /proc/<pid>/fd links; the tests run as root). */
const heldOpen = (file: string): boolean => {
  const target = fs.realpathSync(file)
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue
    let fds: string[]
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true
      } catch {
        // closed meanwhile
      }
    }
  }
  return false
}

describe.skipIf(why !== undefined)("periogt remote over a real sshd", () => {
  test("add: an unknown host key is refused; --accept-new-host-key accepts it once, into known_hosts; list; the file is 0600", async () => {
    const s = server!
    const common = ["--host", "127.0.0.1", "--port", String(s.port), "--user", s.user, "--remote-dir", remoteDir]
    const refused = await periogt(["remote", "add", "lab", ...common], env)
    expect(refused.code).toBe(2)
    expect(errorOf(refused.stderr)).toMatchObject({ code: "validation_error", details: { reason: "host_key_unknown" } })
    expect(fs.existsSync(path.join(dir, "client", ".config", "periogt", "remotes.toml"))).toBe(false)
    const added = await periogt(["remote", "add", "lab", ...common, "--accept-new-host-key"], env)
    expect(added.code).toBe(0)
    expect(fs.readFileSync(s.knownHosts, "utf8")).toContain(`[127.0.0.1]:${s.port}`)
    const file = path.join(dir, "client", ".config", "periogt", "remotes.toml")
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(Bun.TOML.parse(fs.readFileSync(file, "utf8"))).toEqual({ remotes: { lab: { host: "127.0.0.1", port: s.port, user: s.user, remote_dir: remoteDir } } })
    const list = await periogt(["remote", "list", "--json"], env)
    expect(JSON.parse(list.stdout).remotes.lab.host).toBe("127.0.0.1")
  }, 120_000)

  test("a wrong key gives the authentication error; a changed host key is never accepted, naming the known_hosts line", async () => {
    const s = server!
    const common = ["--host", "127.0.0.1", "--port", String(s.port), "--user", s.user, "--remote-dir", remoteDir]
    const wrong = await periogt(["remote", "add", "wrongkey", ...common], { ...env, PERIOGT_SSH_CONFIG: s.wrongKeyConfig })
    expect(wrong.code).toBe(2)
    expect(errorOf(wrong.stderr)).toMatchObject({ code: "validation_error", details: { reason: "authentication_failed", ssh_exit: 255 } })
    expect(errorOf(wrong.stderr)!.message).toContain("authentication")
    // The changed key, even with --accept-new-host-key, and for a command on a remote already added (no master: another cache dir).
    for (const args of [["remote", "add", "changed", ...common, "--accept-new-host-key"], ["jobs", "--on", "lab"]]) {
      const changed = await periogt(args, { ...env, PERIOGT_SSH_CONFIG: s.changedKeyConfig, PERIOGT_CACHE_DIR: path.join(dir, "other-cache") })
      expect(changed.code).toBe(2)
      const e = errorOf(changed.stderr)!
      expect(e).toMatchObject({ code: "validation_error", details: { reason: "host_key_changed", known_hosts: path.join(dir, "known_hosts_changed"), known_hosts_line: 1 } })
      expect(e.message).toContain("HAS CHANGED")
    }
    closeMasters(path.join(dir, "other-cache", "ssh"), s.sshConfig)
    // Nothing listening there: unreachable, nothing saved.
    const unreachable = await periogt(["remote", "add", "nowhere", "--host", "127.0.0.1", "--port", String(await closedPort()), "--accept-new-host-key"], env)
    expect(unreachable.code).toBe(2)
    expect(errorOf(unreachable.stderr)).toMatchObject({ code: "validation_error", details: { reason: "unreachable" } })
    expect(errorOf(unreachable.stderr)!.message).toContain("Connection refused")
    const list = await periogt(["remote", "list", "--json"], env)
    expect(Object.keys(JSON.parse(list.stdout).remotes)).toEqual(["lab"])
  }, 120_000)

  test("before install: the remote periogt is missing; install copies this executable, verified by sha256; again: nothing sent; check reports it", async () => {
    const before = await periogt(["jobs", "--on", "lab"], env)
    expect(before.code).toBe(2)
    expect(errorOf(before.stderr)).toMatchObject({ details: { reason: "remote_periogt_missing" } })
    const inst = await periogt(["remote", "install", "lab"], env)
    expect(inst.code).toBe(0)
    const out = JSON.parse(inst.stdout)
    expect(out).toMatchObject({ installed: true, path: `${remoteDir}/bin/periogt` })
    expect(fs.existsSync(`${remoteDir}/bin/periogt.part`)).toBe(false)
    expect(sha(`${remoteDir}/bin/periogt`)).toBe(out.sha256)
    expect(fs.statSync(`${remoteDir}/bin/periogt`).mode & 0o755).toBe(0o755)
    const again = await periogt(["remote", "install", "lab"], env)
    expect(JSON.parse(again.stdout)).toMatchObject({ installed: false, sha256: out.sha256 })
    const check = await periogt(["remote", "check", "lab", "--json"], env)
    const report = JSON.parse(check.stdout)
    expect(report).toMatchObject({ reachable: true, login: expect.stringContaining(server!.user), remote_dir: remoteDir })
    expect(report.periogt.periogt).toBe(out.version)
    expect(report.scheduler.name).toMatch(/^(slurm|pbs|torque|local)$/)
    expect(report.free_bytes).toBeGreaterThan(0)
    expect(report.doctor).toBeDefined()
  }, 300_000)

  test("submit --on resumes a half-sent input and verifies it; jobs --on; collect --on resumes a half-fetched result and equals a local batch", async () => {
    const s = server!
    const digest = sha(input)
    const staged = `${remoteDir}/inputs/${digest.slice(0, 16)}-units.csv`
    const bytes = fs.readFileSync(input)
    fs.mkdirSync(path.dirname(staged), { recursive: true })
    fs.writeFileSync(`${staged}.part`, bytes.subarray(0, Math.floor(bytes.length / 2)))
    Bun.spawnSync(["chown", "-R", `${s.user}:${s.user}`, path.dirname(staged)])
    const sub = await periogt(["submit", "--on", "lab", "--input", input, "--property", "eps", "--shards", "2", "--scheduler", "local"], env)
    expect(sub.code).toBe(0)
    expect(sub.stderr).toContain(`at byte ${Math.floor(bytes.length / 2)} of ${bytes.length}`)
    expect(sub.stderr).toContain("verified on the far side")
    expect(sub.stderr).not.toContain("sending it again")
    expect(sha(staged)).toBe(digest)
    expect(fs.existsSync(`${staged}.part`)).toBe(false)
    const summary = JSON.parse(sub.stdout)
    expect(summary.run.startsWith(path.join(s.home, "results", "runs"))).toBe(true)
    const record = JSON.parse(fs.readFileSync(summary.record, "utf8"))
    expect(record).toMatchObject({ remote: "lab", id: summary.id, run: summary.run, input: { sha256: digest, remote: staged } })
    expect(summary.record).toBe(path.join(dir, "client", "results", "remote-runs", "lab", `${summary.id}.json`))
    // jobs --on, polled until every shard is final.
    const view = await waitJobs(summary.id, env, undefined, 240_000, "lab")
    expect(view.shards.map((x) => x.state)).toEqual(["completed", "completed"])
    const watched = await periogt(["jobs", "--on", "lab", summary.id, "--watch", "--interval", "1"], env)
    expect(watched.code).toBe(0)
    expect(watched.stdout).toContain("2 completed; rows 108 of 108")
    const list = await periogt(["jobs", "--on", "lab", "--json"], env)
    expect(JSON.parse(list.stdout).runs.map((r: { id: string }) => r.id)).toContain(summary.id)
    const out = path.join(dir, "client", "merged.csv")
    // A download cut halfway: the part left here is continued (tail -c +N), then verified.
    const ref = fs.readFileSync(reference)
    fs.writeFileSync(`${out}.part`, ref.subarray(0, Math.floor(ref.length / 2)))
    const c = await periogt(["collect", "--on", "lab", summary.id, "--output", out], env)
    expect(c.code).toBe(0)
    expect(c.stderr).toContain(`resuming the download of lab:`)
    expect(c.stderr).toContain(`at byte ${Math.floor(ref.length / 2)} of ${ref.length}`)
    expect(c.stderr).not.toContain("downloading it again")
    expect(fs.existsSync(`${out}.part`)).toBe(false)
    const collected = JSON.parse(c.stdout)
    expect(collected).toMatchObject({ output: out, remote: "lab", sha256: sha(out) })
    expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
    // A second submit of the same input: already there, nothing sent.
    const dry = await periogt(["submit", "--on", "lab", "--input", input, "--property", "eps", "--shards", "2", "--scheduler", "local", "--dry-run"], env)
    expect(dry.code).toBe(0)
    expect(dry.stderr).toContain("is already there")
  }, 400_000)

  test("a connection cut mid-transfer (the client killed while sending the executable): the next install resumes from what arrived, verified", async () => {
    const s = server!
    const rd = path.join(s.home, "cut")
    expect((await periogt(["remote", "add", "cut", "--host", "127.0.0.1", "--port", String(s.port), "--user", s.user, "--remote-dir", rd], env)).code).toBe(0)
    const part = path.join(rd, "bin", "periogt.part")
    const p = Bun.spawn([periogtBinary(), "remote", "install", "cut"], { env, stdout: "ignore", stderr: "ignore" })
    await waitFor(() => fs.existsSync(part) && fs.statSync(part).size >= 8 << 20, 60_000, "8 MiB of the executable to arrive", 5)
    p.kill("SIGKILL")
    await p.exited
    // What arrived stays; wait until the remote side has written the last of it: no process holds the file open.
    await waitFor(() => !heldOpen(part), 60_000, "the remote side to close the partial file")
    const size = fs.statSync(part).size
    const full = fs.statSync(periogtBinary()).size
    expect(size).toBeGreaterThanOrEqual(8 << 20)
    expect(size).toBeLessThan(full)
    const again = await periogt(["remote", "install", "cut"], env)
    expect(again.code).toBe(0)
    expect(again.stderr).toContain(`at byte ${size} of ${full}`)
    expect(again.stderr).not.toContain("sending it again")
    expect(JSON.parse(again.stdout)).toMatchObject({ installed: true, resumed_from: size })
    expect(sha(path.join(rd, "bin", "periogt"))).toBe(sha(periogtBinary()))
    expect(fs.existsSync(part)).toBe(false)
  }, 120_000)

  test("remote disk full and a remote periogt of another version: refused with their reasons and what to do", async () => {
    const s = server!
    const add = async (name: string, rd: string) => {
      const r = await periogt(["remote", "add", name, "--host", "127.0.0.1", "--port", String(s.port), "--user", s.user, "--remote-dir", rd], env)
      expect(r.code).toBe(0)
    }
    // Another version: an executable there that says 0.0.1.
    const old = path.join(s.home, "old")
    fs.mkdirSync(path.join(old, "bin"), { recursive: true })
    fs.writeFileSync(path.join(old, "bin", "periogt"), `#!/bin/sh\necho '{"periogt":"0.0.1"}'\n`, { mode: 0o755 })
    Bun.spawnSync(["chown", "-R", `${s.user}:${s.user}`, old])
    await add("old", old)
    const v = await periogt(["submit", "--on", "old", "--input", input, "--property", "eps"], env)
    expect(v.code).toBe(2)
    const e = errorOf(v.stderr)!
    expect(e).toMatchObject({ code: "validation_error", details: { reason: "remote_periogt_version", remote_version: "0.0.1" } })
    expect(e.message).toContain("periogt 0.0.1 is installed")
    expect((e as { action?: string }).action).toContain("periogt remote install old")
    // install replaces a different executable (atomically: temp name, sha256, mv); then it answers.
    const inst = await periogt(["remote", "install", "old"], env)
    expect(inst.code).toBe(0)
    expect(JSON.parse(inst.stdout)).toMatchObject({ installed: true, version: PERIOGT_VERSION })
    expect((await periogt(["jobs", "--on", "old", "--json"], env)).code).toBe(0)
    // A full disk: a 64 KiB tmpfs as the remote dir (the executable linked in), an input larger than that.
    const small = path.join(s.home, "small")
    fs.mkdirSync(small)
    const uid = Bun.spawnSync(["id", "-u", s.user]).stdout.toString().trim()
    const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=64k,uid=${uid},mode=0755`, "tmpfs", small], { stderr: "pipe" })
    if (m.exitCode !== 0) {
      console.warn(`skipping the disk-full case: cannot mount a small tmpfs here: ${m.stderr.toString().trim()}`)
      return
    }
    mounted = small
    fs.mkdirSync(path.join(small, "bin"))
    fs.symlinkSync(`${remoteDir}/bin/periogt`, path.join(small, "bin", "periogt"))
    fs.copyFileSync(path.join(remoteDir, "config.toml"), path.join(small, "config.toml"))
    Bun.spawnSync(["chown", "-R", "-h", `${s.user}:${s.user}`, small])
    await add("small", small)
    const big = path.join(dir, "client", "big.csv")
    writeInput(big, 400)
    expect(fs.statSync(big).size).toBeGreaterThan(64 * 1024)
    const full = await periogt(["submit", "--on", "small", "--input", big, "--property", "eps", "--scheduler", "local"], env)
    expect(full.code).toBe(2)
    const f = errorOf(full.stderr)!
    expect(f).toMatchObject({ code: "validation_error", details: { reason: "remote_disk_full", remote: "small" } })
    expect(f.message).toContain("not enough space")
  }, 120_000)

  test("cancel --on stops a run there, submit --on --resume completes it; remote remove forgets a remote (nothing on the host touched)", async () => {
    const sub = await periogt(["submit", "--on", "lab", "--input", input, "--property", "eps", "--shards", "3", "--max-running", "1", "--scheduler", "local"], env)
    expect(sub.code).toBe(0)
    const id = JSON.parse(sub.stdout).id
    const c = await periogt(["cancel", "--on", "lab", id], env)
    expect(c.code).toBe(0)
    let states = (await waitJobs(id, env, undefined, 120_000, "lab")).shards.map((x) => x.state)
    expect(states).toContain("cancelled")
    // Resubmitted there by id; it completes and collects to the same file as one batch.
    const resumed = await periogt(["submit", "--on", "lab", "--resume", id], env)
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain("resubmitting")
    states = (await waitJobs(id, env, undefined, 240_000, "lab")).shards.map((x) => x.state)
    expect(states).toEqual(["completed", "completed", "completed"])
    const out = path.join(dir, "client", "resumed.csv")
    expect((await periogt(["collect", "--on", "lab", id, "--output", out], env)).code).toBe(0)
    expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
    expect((await periogt(["remote", "remove", "old"], env)).code).toBe(0)
    const list = JSON.parse((await periogt(["remote", "list", "--json"], env)).stdout)
    expect(Object.keys(list.remotes)).not.toContain("old")
    expect(fs.existsSync(path.join(server!.home, "old", "bin", "periogt"))).toBe(true)
    const gone = await periogt(["jobs", "--on", "old"], env)
    expect(errorOf(gone.stderr)).toMatchObject({ code: "validation_error", details: { remote: "old" } })
  }, 400_000)
})
