import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { paths, signRequest } from "../../core/bridge/protocol/index.ts"
import { periogtBinary, runAsync, type RunResult } from "../support/binary.ts"
import { periogt, writeInput } from "../jobs/support.ts"
import { waitFor } from "../support/process.ts"

/**
 * What the bridge's tests share: a real hub (`periogt serve` with PERIOGT_HPC_SECRET_FILE) on a free
 * loopback port, a client that plays EMX2's user side (creates input artifacts and jobs, reads them
 * back), the bridge's config file, and the bridge run as the compiled executable.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const a = s.address()
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0))
    })
  })

export const writeSecret = (file: string, mode = 0o600): string => {
  const secret = randomBytes(32).toString("hex")
  fs.writeFileSync(file, secret + "\n", { mode })
  fs.chmodSync(file, mode)
  return secret
}

export interface Hub {
  readonly url: string
  readonly port: number
  readonly secret: string
  readonly log: () => string
  /** The `periogt serve` process (to kill it with SIGKILL in a test of the hub's restart). */
  readonly proc: ReturnType<typeof Bun.spawn>
  stop(): Promise<void>
}

/**
 * `o.port` and `o.secret` start it again as it was (a restart on the same port with the same secret,
 * on the same results directory under `dir`); by default a free port and a new secret.
 */
export const startHub = async (dir: string, env: Record<string, string>, o: { port?: number; secret?: string } = {}): Promise<Hub> => {
  const secretFile = path.join(dir, "hub.secret")
  if (o.secret !== undefined) {
    fs.writeFileSync(secretFile, o.secret + "\n", { mode: 0o600 })
    fs.chmodSync(secretFile, 0o600)
  }
  const secret = o.secret ?? writeSecret(secretFile)
  const port = o.port ?? (await freePort())
  const p = Bun.spawn([periogtBinary(), "serve", "--demo", "--port", String(port)], {
    env: { ...env, PERIOGT_HPC_SECRET_FILE: secretFile, PERIOGT_RESULTS_DIR: path.join(dir, "hub-results") },
    stdout: "pipe",
    stderr: "pipe",
  })
  let text = ""
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const d = new TextDecoder()
    for await (const c of s) text += d.decode(c, { stream: true })
  }
  void drain(p.stdout)
  void drain(p.stderr)
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    async () => {
      if (p.exitCode !== null) throw new Error(`periogt serve exited ${p.exitCode}: ${text}`)
      try {
        return (await fetch(`${url}${paths.health}`)).status === 200
      } catch {
        return false
      }
    },
    120_000,
    "the hub's /api/hpc/health",
    100,
  )
  return {
    url,
    port,
    secret,
    proc: p,
    log: () => text,
    stop: async () => {
      p.kill("SIGTERM")
      await p.exited
    },
  }
}

/** A signed request as EMX2's user side makes it (no X-Worker-Id). */
export const hubCall = async (hub: Hub, method: string, p: string, body?: unknown | { bytes: Uint8Array }): Promise<{ status: number; json: any; bytes: Uint8Array }> => {
  const bytes = body !== undefined && typeof body === "object" && body !== null && "bytes" in body ? (body as { bytes: Uint8Array }).bytes : undefined
  const json = body !== undefined && bytes === undefined ? JSON.stringify(body) : undefined
  const headers = signRequest({ method, path: p, secret: hub.secret, ...(json !== undefined ? { body: json } : {}), ...(bytes !== undefined ? { body: bytes, contentType: "text/csv" } : {}) })
  const res = await fetch(`${hub.url}${p}`, { method, headers, ...(json !== undefined ? { body: json } : bytes !== undefined ? { body: bytes } : {}) })
  const out = new Uint8Array(await res.arrayBuffer())
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(out))
  } catch {
    parsed = undefined
  }
  return { status: res.status, json: parsed, bytes: out }
}

const ok = (r: { status: number; json: unknown }, what: string) => {
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`)
  return r.json as any
}

/** A committed managed artifact holding one file. */
export const createInputArtifact = async (hub: Hub, file: string, name = path.basename(file)): Promise<string> => {
  const bytes = new Uint8Array(fs.readFileSync(file))
  const a = ok(await hubCall(hub, "POST", paths.artifacts, { name, type: "csv", residence: "managed" }), "create artifact")
  ok(await hubCall(hub, "PUT", paths.file(a.id, name), { bytes }), "upload")
  ok(await hubCall(hub, "POST", paths.commit(a.id), { sha256: createHash("sha256").update(bytes).digest("hex"), size_bytes: bytes.byteLength }), "commit")
  return a.id as string
}

export const createJob = async (hub: Hub, o: { profile: string; property?: string; artifactId?: string; processor?: string; timeoutSeconds?: number }): Promise<string> =>
  ok(
    await hubCall(hub, "POST", paths.jobs, {
      processor: o.processor ?? "periogt",
      profile: o.profile,
      parameters: o.property === undefined ? {} : { property: o.property },
      inputs: o.artifactId === undefined ? [] : [{ artifact_id: o.artifactId }],
      ...(o.timeoutSeconds === undefined ? {} : { timeout_seconds: o.timeoutSeconds }),
    }),
    "create job",
  ).id as string

export const getJob = async (hub: Hub, id: string) => ok(await hubCall(hub, "GET", paths.job(id)), "get job")

export const transitions = async (hub: Hub, id: string): Promise<Array<{ from_status: string | null; to_status: string; worker_id: string | null; detail: string | null; progress: number | null }>> =>
  ok(await hubCall(hub, "GET", paths.transitions(id)), "transitions").items

export const waitJob = async (hub: Hub, id: string, done: (j: any) => boolean, timeoutMs = 240_000, also?: () => string): Promise<any> => {
  let last: any
  try {
    await waitFor(
      async () => {
        last = await getJob(hub, id)
        return done(last)
      },
      timeoutMs,
      `job ${id}`,
      200,
    )
  } catch (e) {
    throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}\n${also?.() ?? ""}`)
  }
  return last
}

/** The output artifact's one file, downloaded and checked against the hub's digest. */
export const downloadOutput = async (hub: Hub, artifactId: string): Promise<{ name: string; bytes: Uint8Array }> => {
  const files = ok(await hubCall(hub, "GET", paths.files(artifactId)), "files").items as Array<{ path: string; sha256: string }>
  if (files.length !== 1) throw new Error(`output artifact ${artifactId} holds ${files.length} files`)
  const r = await hubCall(hub, "GET", paths.file(artifactId, files[0]!.path))
  if (r.status !== 200) throw new Error(`download: ${r.status}`)
  if (createHash("sha256").update(r.bytes).digest("hex") !== files[0]!.sha256) throw new Error("downloaded output does not match its digest")
  return { name: files[0]!.path, bytes: r.bytes }
}

export interface BridgeFiles {
  readonly config: string
  readonly stateDir: string
  readonly secretFile: string
}

/** A periogt config file with a [bridge] table; `profile` is written as [bridge.profiles.<name>]. */
export const writeBridgeConfig = (dir: string, o: { hub: Hub; workerId: string; profile: string; scheduler: string; sets?: ReadonlyArray<string>; poll?: number; heartbeat?: number; secretMode?: number; checkpointDir?: string }): BridgeFiles => {
  fs.mkdirSync(dir, { recursive: true })
  const secretFile = path.join(dir, "bridge.secret")
  fs.writeFileSync(secretFile, o.hub.secret + "\n", { mode: o.secretMode ?? 0o600 })
  fs.chmodSync(secretFile, o.secretMode ?? 0o600)
  const stateDir = path.join(dir, "state")
  const config = path.join(dir, "periogt.toml")
  const lines = [
    ...(o.checkpointDir === undefined ? [] : [`checkpoint_dir = ${JSON.stringify(o.checkpointDir)}`]),
    "[bridge]",
    `hub_url = "${o.hub.url}"`,
    `worker_id = "${o.workerId}"`,
    `secret_file = "\${BRIDGE_DIR}/bridge.secret"`,
    `state_dir = ${JSON.stringify(stateDir)}`,
    `poll_seconds = ${o.poll ?? 0.3}`,
    `heartbeat_seconds = ${o.heartbeat ?? 5}`,
    `[bridge.profiles.${o.profile}]`,
    `scheduler = "${o.scheduler}"`,
    ...(o.sets === undefined ? [] : [`set = ${JSON.stringify(o.sets)}`]),
    "",
  ]
  fs.writeFileSync(config, lines.join("\n"))
  return { config, stateDir, secretFile }
}

export const bridgeEnv = (env: Record<string, string>, files: BridgeFiles): Record<string, string> => ({ ...env, BRIDGE_DIR: path.dirname(files.config) })

export const bridge = (args: ReadonlyArray<string>, env: Record<string, string>, files: BridgeFiles): Promise<RunResult> =>
  runAsync([periogtBinary(), "bridge", ...args, "--config", files.config], { env: bridgeEnv(env, files) })

export interface Running {
  readonly proc: ReturnType<typeof Bun.spawn>
  readonly log: () => string
  readonly exited: Promise<number>
}

export const startBridge = (args: ReadonlyArray<string>, env: Record<string, string>, files: BridgeFiles): Running => {
  const proc = Bun.spawn([periogtBinary(), "bridge", "run", ...args, "--config", files.config], { env: bridgeEnv(env, files), stdout: "pipe", stderr: "pipe" })
  let text = ""
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const d = new TextDecoder()
    for await (const c of s) text += d.decode(c, { stream: true })
  }
  const a = drain(proc.stdout as ReadableStream<Uint8Array>)
  const b = drain(proc.stderr as ReadableStream<Uint8Array>)
  return { proc, log: () => text, exited: Promise.all([a, b, proc.exited]).then(([, , code]) => code) }
}

/** The one job directory of a hub job under a bridge's state directory. */
export const jobDirOf = (files: BridgeFiles, jobId: string) => path.join(files.stateDir, "jobs", jobId)

/** `periogt submit` runs the bridge started for a job (its submit log keeps one header line per run). */
export const submitCalls = (files: BridgeFiles, jobId: string): string[] => {
  try {
    return fs.readFileSync(path.join(jobDirOf(files, jobId), "submit.log"), "utf8").split("\n").filter((l) => l.startsWith("$ periogt submit"))
  } catch {
    return []
  }
}

export const runsOf = (files: BridgeFiles, jobId: string): string[] => {
  const dir = path.join(jobDirOf(files, jobId), "results", "runs")
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((d) => path.join(dir, d)) : []
}

/** Whether the local executor's shard 0 of a run still has a live process (its pid file names it). */
export const localShardAlive = (runDir: string): boolean => {
  const pidFile = path.join(runDir, "local", "shard-0000.pid")
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : "0")
  if (!(Number.isInteger(pid) && pid > 0)) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The environment the bridge's tests run periogt in: tiny checkpoints on the CPU, one thread, no workers, a short scheduler backoff. */
export const bridgeTestEnv = (dir: string, checkpoints: string, base: Record<string, string> = { PATH: "/usr/bin:/bin" }): Record<string, string> => ({
  ...base,
  HOME: dir,
  PERIOGT_CHECKPOINT_DIR: checkpoints,
  PERIOGT_DEVICE: "cpu",
  PERIOGT_THREADS: "1",
  PERIOGT_WORKERS: "0",
  PERIOGT_SCHEDULER_BACKOFF_MS: "100",
})

/** `copies` copies of the test units as `<name>.csv` in `dir`, and what one `periogt batch` of it gives (eps; exit 1: two rows are invalid). */
export const inputWithReference = async (dir: string, env: Record<string, string>, name: string, copies: number): Promise<{ input: string; reference: string }> => {
  const input = path.join(dir, `${name}.csv`)
  writeInput(input, copies)
  const reference = path.join(dir, `${name}-reference.csv`)
  const r = await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], { ...env, PERIOGT_RESULTS_DIR: path.join(dir, "ref") })
  if (r.code !== 1) throw new Error(`reference batch of ${input}: exit ${r.code}: ${r.stderr}`)
  return { input, reference }
}
