/**
 * `periogt serve` as a real process for the page and restart tests, and the browser they drive:
 * Debian's chromium (installed by .ci/install-chromium.sh when missing) through puppeteer-core.
 * Every wait is for a sign of readiness (a log line, a job state, a DOM element), never a fixed time.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"

export const ROOT = path.resolve(import.meta.dir, "../..")
export const CLI = path.join(ROOT, "bin/periogt.ts")

let browser: { path?: string; reason?: string } | undefined

/** The browser's path, installing it when missing (once per process); or why there is none. */
export const chromium = (): { readonly path?: string; readonly reason?: string } => {
  if (browser !== undefined) return browser
  const r = Bun.spawnSync(["bash", path.join(ROOT, ".ci/install-chromium.sh")], { stdout: "pipe", stderr: "pipe" })
  const out = r.stdout.toString().trim().split("\n").at(-1) ?? ""
  browser = r.exitCode === 0 && out !== "" ? { path: out } : { reason: `chromium is not available and .ci/install-chromium.sh could not install it: ${r.stderr.toString().trim().split("\n").slice(-2).join(" | ")}` }
  return browser
}

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking"]

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })

export interface ServeProcess {
  readonly url: string
  readonly proc: ReturnType<typeof Bun.spawn>
  readonly stderr: () => string
  /** SIGTERM and wait (the server drains and exits 0). */
  readonly stop: () => Promise<number>
}

/** A base environment for a periogt process under `home`: nothing inherited but PATH. */
export const baseEnv = (home: string): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: home,
  PERIOGT_DEVICE: "cpu",
  PERIOGT_THREADS: "2",
  PERIOGT_RESULTS_DIR: path.join(home, "results"),
})

/** Starts `periogt serve` on 127.0.0.1 and a free port; resolves when it logs that it is serving. */
export const startServe = async (env: Record<string, string>, args: ReadonlyArray<string> = [], command: ReadonlyArray<string> = ["bun", CLI]): Promise<ServeProcess> => {
  const port = await freePort()
  const proc = Bun.spawn([...command, "serve", "--host", "127.0.0.1", "--port", String(port), ...args], { env, stdout: "ignore", stderr: "pipe" })
  let text = ""
  const decoder = new TextDecoder()
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader()
  const serving = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return false
      text += decoder.decode(value, { stream: true })
      if (text.includes("serving the /v1 API on")) return true
    }
  })()
  const ok = await serving
  if (!ok) throw new Error(`periogt serve exited before serving (code ${await proc.exited}):\n${text}`)
  // keep draining stderr so the process never blocks on a full pipe
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      text += decoder.decode(value, { stream: true })
    }
  })()
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    stderr: () => text,
    stop: async () => {
      proc.kill("SIGTERM")
      return proc.exited
    },
  }
}

/** Waits until the server's model is loaded (health ok). */
export const waitHealthy = async (url: string, headers: Record<string, string> = {}): Promise<void> => {
  for (;;) {
    const status = await fetch(`${url}/v1/health`, { headers })
      .then((r) => r.json() as Promise<{ status: string }>)
      .then((b) => b.status)
      .catch(() => "")
    if (status === "ok") return
    if (status === "failed") throw new Error("the model failed to load")
    await Bun.sleep(50)
  }
}

export interface JobBody {
  readonly id: string
  readonly state: string
  readonly rows_total: number | null
  readonly rows_done: number
  readonly rows_failed: number
  readonly rows_per_second: number | null
  readonly eta_seconds: number | null
  readonly results_url: string | null
}

export const getJob = async (url: string, id: string, headers: Record<string, string> = {}): Promise<JobBody> =>
  (await (await fetch(`${url}/v1/jobs/${id}`, { headers })).json()) as JobBody

/** Polls a job until `until(job)` holds. */
export const waitJob = async (url: string, id: string, until: (j: JobBody) => boolean, headers: Record<string, string> = {}): Promise<JobBody> => {
  for (;;) {
    const job = await getJob(url, id, headers)
    if (until(job)) return job
    if (job.state === "failed") throw new Error(`job ${id} failed: ${JSON.stringify(job)}`)
    await Bun.sleep(25)
  }
}

/** The demo's example polymers cycled to `n` rows, plus one invalid row. */
export const exampleCsv = (n: number): string => {
  const examples = fs
    .readFileSync(path.join(ROOT, "core/demo/assets/examples.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
  const rows = Array.from({ length: n }, (_, i) => {
    const line = examples[i % examples.length]!
    const comma = line.indexOf(",")
    return `r${i},${line.slice(comma + 1)}`
  })
  return ["id,smiles", ...rows, `bad,CC`].join("\n") + "\n"
}
