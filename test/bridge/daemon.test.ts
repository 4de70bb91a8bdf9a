import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorOf, tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { waitFor } from "../support/process.ts"
import { paths } from "../../core/bridge/protocol/index.ts"
import { PERIOGT_VERSION } from "../../core/version/version.ts"
import { tinyCheckpoints, writeInput } from "../jobs/support.ts"
import { bridge, bridgeTestEnv, createInputArtifact, createJob, downloadOutput, getJob, hubCall, inputWithReference, localShardAlive, runsOf, startBridge, startHub, submitCalls, transitions, waitJob, writeBridgeConfig, type Hub } from "./daemonSupport.ts"

/**
 * `periogt bridge` against a real hub (`periogt serve` with PERIOGT_HPC_SECRET_FILE, on loopback), the
 * compiled executable on both sides, the tiny synthetic checkpoints, the local executor: a job created
 * on the hub is claimed, run, collected and uploaded, and its output artifact equals one `periogt
 * batch` of the same input byte for byte; two bridges racing for the same jobs claim each exactly
 * once; a bridge killed with SIGKILL mid-job (and one killed between the scheduler's answer and its
 * record) is restarted and completes the job without submitting it again; --simulate walks every
 * state; a secret file others can read is refused. The loopback Slurm cluster's case is in
 * daemon.slurm.test.ts.
 */
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the bridge's tests: upstream's descriptor scaler is not at ${SHARED_SCALER}`)

let dir = ""
let env: Record<string, string> = {}
let hub: Hub | undefined
let input = ""
let reference = ""

beforeAll(async () => {
  if (!has) return
  dir = tempDir("bridge")
  const ck = await tinyCheckpoints(dir, ["eps"])
  env = bridgeTestEnv(dir, ck)
  hub = await startHub(dir, env)
  ;({ input, reference } = await inputWithReference(dir, env, "units", 6))
}, 300_000)

afterAll(async () => {
  await hub?.stop()
  if (dir !== "" && process.env["PERIOGT_TEST_KEEP"] === undefined) fs.rmSync(dir, { recursive: true, force: true })
})

const states = (ts: ReadonlyArray<{ to_status: string }>) => ts.map((t) => t.to_status).filter((s, k, a) => k === 0 || a[k - 1] !== s)

describe.skipIf(!has)("periogt bridge", () => {
  test("a secret file its group can read is refused (validation_error, reason secret_file_permissions), by check and by run; check passes once it is 0600", async () => {
    const files = writeBridgeConfig(path.join(dir, "perm"), { hub: hub!, workerId: "perm-1", profile: "cpu", scheduler: "local", secretMode: 0o640 })
    const check = await bridge(["check", "--json"], env, files)
    expect(check.code).toBe(2)
    const failed = JSON.parse(check.stdout).checks.find((c: { name: string }) => c.name === "secret")
    expect([failed.ok, failed.reason]).toEqual([false, "secret_file_permissions"])
    expect(failed.detail).toContain("mode 0640")
    const run = await bridge(["run"], env, files)
    expect(run.code).toBe(2)
    const e = errorOf(run.stderr)
    expect([e?.code, e?.details?.["reason"]]).toEqual(["validation_error", "secret_file_permissions"])
    expect(e?.message).toContain("mode 0640")
    fs.chmodSync(files.secretFile, 0o600)
    const ok = await bridge(["check", "--json"], env, files)
    expect({ code: ok.code, stderr: ok.code === 0 ? "" : ok.stderr }).toEqual({ code: 0, stderr: "" })
    const report = JSON.parse(ok.stdout)
    expect(report.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([["config", true], ["secret", true], ["state_dir", true], ["hub", true], ["auth", true], ["artifacts", true], ["scheduler:cpu", true]])
    // A wrong secret: the hub refuses the signature, check says so and exits 2.
    fs.writeFileSync(files.secretFile, "f".repeat(64) + "\n", { mode: 0o600 })
    const bad = await bridge(["check", "--json"], env, files)
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout).checks.find((c: { name: string }) => c.name === "auth").ok).toBe(false)
  }, 120_000)

  test("--simulate walks a claimed job through every state, one a cycle (bridge once), without a scheduler; the output artifact is committed", async () => {
    const files = writeBridgeConfig(path.join(dir, "sim"), { hub: hub!, workerId: "sim-1", profile: "sim", scheduler: "slurm" })
    const id = await createJob(hub!, { profile: "sim", property: "eps" })
    // A job pinned to this periogt's version is this bridge's too; one pinned to another version is not.
    const pinned = await createJob(hub!, { profile: "sim", property: "eps", processor: `periogt:${PERIOGT_VERSION}` })
    const other = await createJob(hub!, { profile: "sim", property: "eps", processor: "periogt:0.0.0-other" })
    const seen: string[] = []
    for (let k = 0; k < 4; k++) {
      const r = await bridge(["once", "--simulate"], { ...env, PATH: "/nonexistent" }, files)
      expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" })
      seen.push((await getJob(hub!, id)).status)
    }
    expect(seen).toEqual(["SUBMITTED", "STARTED", "COMPLETED", "COMPLETED"])
    expect([(await getJob(hub!, pinned)).status, (await getJob(hub!, other)).status]).toEqual(["COMPLETED", "PENDING"])
    const ts = await transitions(hub!, id)
    expect(states(ts)).toEqual(["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"])
    expect(ts.filter((t) => t.to_status !== "PENDING").every((t) => t.worker_id === "sim-1")).toBe(true)
    const job = await getJob(hub!, id)
    expect(job.slurm_job_id).toBe(`sim-${id.slice(0, 8)}`)
    const out = await downloadOutput(hub!, job.output_artifact_id)
    expect(new TextDecoder().decode(out.bytes)).toContain("nothing was run")
    // Nothing was submitted: no run directory.
    expect(runsOf(files, id)).toEqual([])
  }, 120_000)

  test("a job created on the hub is claimed, staged (sha256 checked), run by the local executor, collected and uploaded; its output artifact equals one periogt batch byte for byte", async () => {
    const files = writeBridgeConfig(path.join(dir, "local"), { hub: hub!, workerId: "local-1", profile: "cpu", scheduler: "local" })
    const b = startBridge([], env, files)
    try {
      const artifact = await createInputArtifact(hub!, input)
      const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: artifact })
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 240_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(job.worker_id).toBe("local-1")
      const out = await downloadOutput(hub!, job.output_artifact_id)
      expect(out.name).toBe("units_eps_predictions.csv")
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(reference))).toBe(true)
      expect(states(await transitions(hub!, id))).toEqual(["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"])
      expect(submitCalls(files, id)).toHaveLength(1)
      // Finished jobs leave the state file.
      await waitFor(() => JSON.parse(fs.readFileSync(path.join(files.stateDir, "state.json"), "utf8")).jobs.length === 0, 10_000, "the state file to drop the job")
      // SIGTERM: it stops taking work and exits 0.
      b.proc.kill("SIGTERM")
      expect(await b.exited).toBe(0)
      expect(b.log()).toContain("the bridge takes no more work")
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 300_000)

  test("a CSV sent from the web page to the cluster (POST /v1/hub/jobs, no profile) is run by the bridge; the page's results equal one batch", async () => {
    const files = writeBridgeConfig(path.join(dir, "page"), { hub: hub!, workerId: "page-1", profile: "anyprofile", scheduler: "local" })
    const sent = await fetch(`${hub!.url}/v1/hub/jobs?property=eps&name=units.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: fs.readFileSync(input) })
    expect(sent.status).toBe(202)
    const id = ((await sent.json()) as { id: string }).id
    const b = startBridge([], env, files)
    try {
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 240_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      const results = await fetch(`${hub!.url}/v1/hub/jobs/${id}/results`)
      expect(results.status).toBe(200)
      expect(Buffer.from(await results.arrayBuffer()).equals(fs.readFileSync(reference))).toBe(true)
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 300_000)

  test("two bridges racing for the same jobs: each job is claimed exactly once", async () => {
    const one = writeBridgeConfig(path.join(dir, "race-a"), { hub: hub!, workerId: "race-a", profile: "race", scheduler: "local" })
    const two = writeBridgeConfig(path.join(dir, "race-b"), { hub: hub!, workerId: "race-b", profile: "race", scheduler: "local" })
    const ids = await Promise.all([0, 1, 2, 3, 4, 5].map(() => createJob(hub!, { profile: "race", property: "eps" })))
    // Both at once, several rounds: each `once` lists the same pending jobs and tries to claim them all.
    for (let round = 0; round < 2; round++) {
      const [a, c] = await Promise.all([bridge(["once", "--simulate"], env, one), bridge(["once", "--simulate"], env, two)])
      expect([a.code, c.code]).toEqual([0, 0])
    }
    const owners: string[] = []
    for (const id of ids) {
      const ts = await transitions(hub!, id)
      const claims = ts.filter((t) => t.to_status === "CLAIMED")
      expect(claims).toHaveLength(1)
      owners.push(claims[0]!.worker_id!)
      // Every later transition is the claimer's.
      expect(ts.filter((t) => t.from_status !== null).every((t) => t.worker_id === claims[0]!.worker_id)).toBe(true)
    }
    expect(owners.every((o) => o === "race-a" || o === "race-b")).toBe(true)
  }, 180_000)

  test("a bridge killed with SIGKILL mid-job is restarted: the job completes, submitted once, output equal to one batch", async () => {
    const files = writeBridgeConfig(path.join(dir, "kill"), { hub: hub!, workerId: "kill-1", profile: "cpu", scheduler: "local" })
    // 180 copies (3 240 rows): long enough that a fast machine cannot finish between two progress reports
    const { input: big, reference: bigReference } = await inputWithReference(dir, env, "big", 180)
    const artifact = await createInputArtifact(hub!, big)
    const first = startBridge([], env, files)
    const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: artifact })
    // Mid-job: the batch has committed rows and is not done.
    await waitJob(hub!, id, (j) => j.status === "STARTED" && j.progress > 0 && j.progress < 0.9, 120_000, first.log)
    first.proc.kill("SIGKILL")
    await first.exited
    expect((await getJob(hub!, id)).status).toBe("STARTED")
    const second = startBridge([], env, files)
    try {
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 300_000, second.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : second.log() }).toEqual({ status: "COMPLETED", log: "" })
      const out = await downloadOutput(hub!, job.output_artifact_id)
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(bigReference))).toBe(true)
      expect(submitCalls(files, id)).toHaveLength(1)
      const runs = runsOf(files, id)
      expect(runs).toHaveLength(1)
      expect(JSON.parse(fs.readFileSync(path.join(runs[0]!, "run.json"), "utf8")).submissions).toHaveLength(1)
      const ts = await transitions(hub!, id)
      expect(states(ts)).toEqual(["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"])
      // The batch's progress journal relayed as same-state STARTED transitions, rows done rising.
      const progress = ts.filter((t) => t.to_status === "STARTED" && t.progress !== null).map((t) => t.progress!)
      expect(progress.filter((p) => p > 0).length).toBeGreaterThan(0)
      expect(progress.every((p, k) => p >= 0 && p <= 1 && (k === 0 || p >= progress[k - 1]!))).toBe(true)
    } finally {
      second.proc.kill("SIGKILL")
    }
  }, 420_000)

  test("a bridge killed between the scheduler's answer and its own record (and a run whose ledger lost its job ids) finds the job again by name: never submitted twice", async () => {
    const files = writeBridgeConfig(path.join(dir, "window"), { hub: hub!, workerId: "window-1", profile: "cpu", scheduler: "local" })
    const artifact = await createInputArtifact(hub!, input)
    const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: artifact })
    // The test seam kills the bridge (SIGKILL) right after `periogt submit` returned, before it records anything.
    const crashed = await bridge(["once"], { ...env, PERIOGT_BRIDGE_TEST_CRASH: "after-submit" }, files)
    expect(crashed.code).not.toBe(0)
    const state = JSON.parse(fs.readFileSync(path.join(files.stateDir, "state.json"), "utf8"))
    expect(state.jobs.map((j: { id: string; phase: string }) => [j.id, j.phase])).toEqual([[id, "submitting"]])
    const runs = runsOf(files, id)
    expect(runs).toHaveLength(1)
    // As if submit itself had died between the scheduler's answer and its ledger update: the ledger has no job ids.
    const ledgerFile = path.join(runs[0]!, "run.json")
    const ledger = JSON.parse(fs.readFileSync(ledgerFile, "utf8"))
    for (const s of ledger.shards) {
      delete s.job_id
      s.job_ids = []
      s.state = "unknown"
    }
    ledger.submissions = []
    fs.writeFileSync(ledgerFile, JSON.stringify(ledger, null, 2))
    const b = startBridge([], env, files)
    try {
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 240_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(b.log()).toContain("found again (in the scheduler by its job name)")
      expect(submitCalls(files, id)).toHaveLength(1)
      expect(runsOf(files, id)).toHaveLength(1)
      const out = await downloadOutput(hub!, job.output_artifact_id)
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(reference))).toBe(true)
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 300_000)

  test("a bridge killed right after a claim, before writing it down, follows the job again at its next start (the hub says it is this worker's)", async () => {
    const files = writeBridgeConfig(path.join(dir, "claim"), { hub: hub!, workerId: "claim-1", profile: "claim", scheduler: "local" })
    const id = await createJob(hub!, { profile: "claim", property: "eps", artifactId: await createInputArtifact(hub!, input) })
    const crashed = await bridge(["once"], { ...env, PERIOGT_BRIDGE_TEST_CRASH: "after-claim" }, files)
    expect(crashed.code).not.toBe(0)
    expect((await getJob(hub!, id)).status).toBe("CLAIMED")
    const state = path.join(files.stateDir, "state.json")
    expect(fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, "utf8")).jobs : []).toEqual([])
    const b = startBridge([], env, files)
    try {
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 240_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(b.log()).toContain(`job ${id}: CLAIMED on the hub for this worker but not in the state file`)
      expect(Buffer.from((await downloadOutput(hub!, job.output_artifact_id)).bytes).equals(fs.readFileSync(reference))).toBe(true)
      expect(submitCalls(files, id)).toHaveLength(1)
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 300_000)

  test("a job cancelled on the hub while it runs: the bridge cancels its scheduler job (the local shard is stopped) and stops following it", async () => {
    const files = writeBridgeConfig(path.join(dir, "cancel"), { hub: hub!, workerId: "cancel-1", profile: "cpu", scheduler: "local" })
    const big = path.join(dir, "cancel.csv")
    // 1000 copies: still running whenever the cancel arrives, however fast the machine
    writeInput(big, 1000)
    const b = startBridge([], env, files)
    try {
      const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: await createInputArtifact(hub!, big) })
      await waitJob(hub!, id, (j) => j.status === "STARTED", 180_000, b.log)
      const c = await hubCall(hub!, "POST", paths.cancel(id), {})
      expect(c.status).toBe(200)
      await waitFor(() => b.log().includes(`job ${id}: cancelled its scheduler job(s) local:0`), 60_000, "the bridge to cancel the shard")
      const run = runsOf(files, id)[0]!
      expect(fs.existsSync(path.join(run, "local", "shard-0000.cancel"))).toBe(true)
      await waitFor(() => !localShardAlive(run), 120_000, "the cancelled shard to stop")
      await waitFor(() => JSON.parse(fs.readFileSync(path.join(files.stateDir, "state.json"), "utf8")).jobs.length === 0, 30_000, "the state file to drop the job")
      expect((await getJob(hub!, id)).status).toBe("CANCELLED")
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 300_000)

  test("a job past its timeout_seconds fails (reason timeout) and its scheduler job is cancelled", async () => {
    const files = writeBridgeConfig(path.join(dir, "timeout"), { hub: hub!, workerId: "timeout-1", profile: "cpu", scheduler: "local" })
    const big = path.join(dir, "timeout.csv")
    // 1000 copies (18 000 rows): minutes of work on any machine, so the 3 s limit passes long before it
    // could complete (60 copies finished inside 8 s on a fast CI machine)
    writeInput(big, 1000)
    const b = startBridge([], env, files)
    try {
      const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: await createInputArtifact(hub!, big), timeoutSeconds: 3 })
      const job = await waitJob(hub!, id, (j) => j.status === "FAILED" || j.status === "COMPLETED", 120_000, b.log)
      expect(job.status).toBe("FAILED")
      expect((await transitions(hub!, id)).at(-1)!.detail).toStartWith("timeout: the job's timeout_seconds (3) passed")
      // Submitted in time (a busy machine may not get that far in 3 s): its shard was told to stop.
      const runs = runsOf(files, id)
      if (runs.length > 0) {
        expect(fs.existsSync(path.join(runs[0]!, "local", "shard-0000.cancel"))).toBe(true)
        // and it stops (SIGTERM: the chunk at hand is committed), rather than working through 18 000 rows
        await waitFor(() => !localShardAlive(runs[0]!), 120_000, "the cancelled shard to stop")
      }
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 180_000)

  test("heartbeats keep the worker's registration fresh; a second bridge on the same state directory is refused, naming the first", async () => {
    const files = writeBridgeConfig(path.join(dir, "beat"), { hub: hub!, workerId: "beat-1", profile: "beat", scheduler: "local", heartbeat: 0.5 })
    const b = startBridge([], env, files)
    try {
      await waitFor(() => b.log().includes("registered worker beat-1"), 60_000, "the bridge to register")
      const w0 = (await hubCall(hub!, "GET", paths.worker("beat-1"))).json
      expect(w0.capabilities).toEqual([{ processor: "periogt", profile: "beat", max_concurrent_jobs: 4 }, { processor: `periogt:${PERIOGT_VERSION}`, profile: "beat", max_concurrent_jobs: 4 }])
      await waitFor(async () => (await hubCall(hub!, "GET", paths.worker("beat-1"))).json.last_heartbeat_at > w0.last_heartbeat_at, 30_000, "a heartbeat", 200)
      const second = await bridge(["once"], env, files)
      expect(second.code).toBe(2)
      expect(errorOf(second.stderr)?.message).toContain(`is being written by another run: process ${b.proc.pid}`)
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 120_000)

  test("a job that names no property fails with invalid_parameters, saying what to give", async () => {
    const files = writeBridgeConfig(path.join(dir, "bad"), { hub: hub!, workerId: "bad-1", profile: "bad", scheduler: "local" })
    const noProperty = await createJob(hub!, { profile: "bad", artifactId: await createInputArtifact(hub!, input) })
    const r = await bridge(["once"], env, files)
    expect(r.code).toBe(0)
    const j = await getJob(hub!, noProperty)
    expect(j.status).toBe("FAILED")
    expect((await transitions(hub!, noProperty)).at(-1)!.detail).toStartWith("invalid_parameters: the job names no property")
  }, 120_000)
})
