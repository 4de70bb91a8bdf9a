import { afterAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { sha256Hex } from "../../core/bridge/protocol/index.ts"
import { ROOT, type ServeProcess } from "../web/support.ts"
import { call, hubHome, startHub, type HubHome } from "./hubSupport.ts"

/**
 * MOLGENIS EMX2's own reference daemon (tools/hpc-daemon, Python), unchanged, against the periogt hub:
 * `once --backend simulate` claims a job, reports SUBMITTED and STARTED, and on its next cycle uploads
 * its (simulated) logs and outputs as managed artifacts, commits them with its tree hash and completes
 * the job; a job cancelled on the hub while it runs is dropped; a posix profile registers its files'
 * metadata (JSON PUTs) and commits, and the hub redirects downloads to the filesystem. Found at $EMX2_HPC_DAEMON_DIR, else /work/upstream/emx2/tools/hpc-daemon; run with
 * tools/oracle/.venv/bin/python or python3, whichever has httpx, click and pyyaml. Skips, saying why,
 * where either is missing (CI has neither).
 */
const DAEMON_DIR = process.env["EMX2_HPC_DAEMON_DIR"] ?? "/work/upstream/emx2/tools/hpc-daemon"
const DAEMON_SRC = path.join(DAEMON_DIR, "src")

const findPython = (): { python?: string; reason?: string } => {
  if (!fs.existsSync(path.join(DAEMON_SRC, "emx2_hpc_daemon", "cli.py"))) return { reason: `EMX2's reference daemon is not at ${DAEMON_DIR} (set EMX2_HPC_DAEMON_DIR)` }
  const tried: Array<string> = []
  for (const candidate of [path.join(ROOT, "tools/oracle/.venv/bin/python"), "python3"]) {
    // an interpreter that is not there at all (a fresh clone has no oracle venv) is one more reason to skip
    let r: ReturnType<typeof Bun.spawnSync>
    try {
      r = Bun.spawnSync([candidate, "-c", "import sys, httpx, click, yaml; assert sys.version_info >= (3, 11)"], { stdout: "ignore", stderr: "pipe" })
    } catch (e) {
      tried.push(`${candidate}: ${(e as Error).message}`)
      continue
    }
    if (r.exitCode === 0) return { python: candidate }
    tried.push(`${candidate}: ${r.stderr?.toString().trim().split("\n").at(-1) ?? `exit ${r.exitCode}`}`)
  }
  return { reason: `no Python >= 3.11 with httpx, click and pyyaml (${tried.join("; ")})` }
}

const found = findPython()
if (found.python === undefined) console.warn(`skipping the EMX2 reference daemon test: ${found.reason}`)

describe.skipIf(found.python === undefined)("EMX2's reference daemon against the periogt hub", () => {
  let h: HubHome | undefined
  let serve: ServeProcess | undefined

  afterAll(async () => {
    await serve?.stop()
    if (h !== undefined) fs.rmSync(h.home, { recursive: true, force: true })
  })

  /** The hub, and EMX2's daemon configured for it: profile `cpu` keeps outputs in the hub (managed), `nfs` on the filesystem (posix). */
  let ready: { url: string; hh: HubHome; once: () => string } | undefined
  const setup = async () => {
    if (ready !== undefined) return ready
    const hh = (h = hubHome("periogt-hub-emx2-"))
    serve = await startHub(hh)
    const url = serve.url
    const config = path.join(hh.home, "daemon.yaml")
    const profile = (name: string, residence: string) => [`  "periogt:${name}":`, '    sif_image: "/dev/null"', "    cpus: 1", '    memory: "1G"', '    time: "00:10:00"', `    output_residence: "${residence}"`, `    log_residence: "${residence}"`]
    fs.writeFileSync(
      config,
      [
        "emx2:",
        `  base_url: "${url}"`,
        '  worker_id: "emx2-reference-daemon"',
        `  worker_secret_file: "${hh.secretFile}"`,
        "worker:",
        "  max_concurrent_jobs: 2",
        `  state_db: "${path.join(hh.home, "daemon-state.db")}"`,
        "profiles:",
        ...profile("cpu", "managed"),
        ...profile("nfs", "posix"),
        "apptainer:",
        `  tmp_dir: "${path.join(hh.home, "daemon-tmp")}"`,
        "",
      ].join("\n"),
    )
    const once = () => {
      const r = Bun.spawnSync([found.python!, "-m", "emx2_hpc_daemon.cli", "-c", config, "once", "--backend", "simulate"], {
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: hh.home, PYTHONPATH: DAEMON_SRC, TMPDIR: hh.home },
        stdout: "pipe",
        stderr: "pipe",
      })
      const log = r.stderr.toString()
      expect(r.exitCode, log).toBe(0)
      // the daemon logs and swallows its HTTP errors; any traceback is a protocol disagreement
      expect(log, log).not.toContain("Traceback")
      return log
    }
    return (ready = { url, hh, once })
  }

  test("`once --backend simulate`, cycle by cycle: the job reaches COMPLETED with its transitions and committed artifacts", async () => {
    const { url, hh, once } = await setup()
    const created = await call(url, hh.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "cpu", parameters: { property: "eps" } } })
    expect(created.status).toBe(201)
    const id: string = created.json.id
    const status = async () => (await call(url, hh.secret, "GET", `/api/hpc/jobs/${id}`)).json.status as string

    // cycle 1: register, claim, SUBMITTED; the simulated scheduler says RUNNING, so STARTED
    const first = once()
    expect(first).toContain(`Claimed job ${id}`)
    expect(await status()).toBe("STARTED")
    // cycle 2: recovers the job from its state file and the hub, finds it done, uploads, commits, completes
    const second = once()
    expect(second).toContain("completed with status COMPLETED")
    // cycle 3: nothing left to do
    once()

    const job = (await call(url, hh.secret, "GET", `/api/hpc/jobs/${id}`)).json
    expect(job).toMatchObject({ status: "COMPLETED", worker_id: "emx2-reference-daemon", slurm_job_id: `sim-${id.slice(0, 8)}` })
    const log = (await call(url, hh.secret, "GET", `/api/hpc/jobs/${id}/transitions`)).json
    expect(log.items.map((t: { from_status: string | null; to_status: string }) => `${t.from_status}→${t.to_status}`)).toEqual([
      "null→PENDING",
      "PENDING→CLAIMED",
      "CLAIMED→SUBMITTED",
      "SUBMITTED→STARTED",
      "STARTED→COMPLETED",
    ])
    expect(log.items.slice(1).every((t: { worker_id: string }) => t.worker_id === "emx2-reference-daemon")).toBe(true)

    const worker = (await call(url, hh.secret, "GET", "/api/hpc/workers/emx2-reference-daemon")).json
    expect(worker.capabilities).toEqual([
      { processor: "periogt", profile: "cpu", max_concurrent_jobs: 2 },
      { processor: "periogt", profile: "nfs", max_concurrent_jobs: 2 },
    ])

    // its output artifact: committed, and the bytes it uploaded come back with the digest it committed
    for (const ref of [job.output_artifact_id, job.log_artifact_id]) {
      const art = (await call(url, hh.secret, "GET", `/api/hpc/artifacts/${ref}`)).json
      expect(art).toMatchObject({ residence: "managed", status: "COMMITTED" })
      const files = (await call(url, hh.secret, "GET", `/api/hpc/artifacts/${ref}/files`)).json.items as Array<{ path: string; sha256: string }>
      expect(files.length).toBeGreaterThan(0)
      for (const f of files) {
        const down = await call(url, hh.secret, "GET", `/api/hpc/artifacts/${ref}/files/${f.path}`)
        expect(down.status).toBe(200)
        expect(sha256Hex(down.bytes)).toBe(f.sha256)
      }
    }
    const result = await call(url, hh.secret, "GET", `/api/hpc/artifacts/${job.output_artifact_id}/files/result.txt`)
    expect(new TextDecoder().decode(result.bytes)).toContain(`Simulated output for job ${id}`)
  })
  test("a job cancelled on the hub while it runs is dropped by the daemon; a posix job registers its files' metadata and commits", async () => {
    const { url, hh, once } = await setup()
    const nfs: string = (await call(url, hh.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "nfs" } })).json.id
    const doomed: string = (await call(url, hh.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "cpu" } })).json.id
    once()
    for (const id of [nfs, doomed]) expect((await call(url, hh.secret, "GET", `/api/hpc/jobs/${id}`)).json.status).toBe("STARTED")
    expect((await call(url, hh.secret, "POST", `/api/hpc/jobs/${doomed}/cancel`)).status).toBe(200)
    const log = once()
    expect(log).toContain(`Job ${doomed} cancelled on server`)
    once()

    const cancelled = (await call(url, hh.secret, "GET", `/api/hpc/jobs/${doomed}/transitions`)).json.items.at(-1)
    expect(cancelled).toMatchObject({ from_status: "STARTED", to_status: "CANCELLED", detail: "Cancelled via API", worker_id: null })
    const job = (await call(url, hh.secret, "GET", `/api/hpc/jobs/${nfs}`)).json
    expect(job.status).toBe("COMPLETED")
    const art = (await call(url, hh.secret, "GET", `/api/hpc/artifacts/${job.output_artifact_id}`)).json
    expect(art).toMatchObject({ residence: "posix", status: "COMMITTED" })
    expect(art.content_url).toStartWith("file:///")
    const files = (await call(url, hh.secret, "GET", `/api/hpc/artifacts/${art.id}/files`)).json.items as Array<{ path: string; sha256: string }>
    expect(files.map((f) => f.path)).toEqual(["result.txt"])
    // the bytes stayed on the (shared) filesystem: the hub redirects there, and they match the digest registered
    const down = await call(url, hh.secret, "GET", `/api/hpc/artifacts/${art.id}/files/result.txt`)
    expect(down.status).toBe(302)
    const where = down.headers.get("location")!
    expect(where).toBe(`${art.content_url}/result.txt`)
    expect(sha256Hex(fs.readFileSync(where.slice("file://".length)))).toBe(files[0]!.sha256)
  })
})
