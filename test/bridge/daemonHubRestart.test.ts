import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { waitFor } from "../support/process.ts"
import { canTransition, isJobStatus } from "../../core/bridge/protocol/index.ts"
import { hubBackoffMs } from "../../core/bridge/daemon/daemon.ts"
import { tinyCheckpoints } from "../jobs/support.ts"
import { bridge, bridgeTestEnv, createInputArtifact, createJob, downloadOutput, getJob, inputWithReference, runsOf, startBridge, startHub, submitCalls, transitions, waitJob, writeBridgeConfig, type Hub } from "./daemonSupport.ts"

/**
 * The hub (`periogt serve`) killed with SIGKILL while a bridge (`periogt bridge run`, local executor,
 * tiny checkpoints) works one of its jobs, and restarted on the same results directory, port and
 * secret: the bridge waits the outage out without exiting (it says so in its log and tries again with a
 * backoff), the batch runs on, and once the hub answers again the job reaches COMPLETED with nothing
 * lost — its transition log is a walk of the state machine with no gap and no repeated move, its output
 * artifact equals one `periogt batch` of the same input byte for byte, and the scheduler saw one
 * submission.
 */
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the bridge's hub-restart test: upstream's descriptor scaler is not at ${SHARED_SCALER}`)

let dir = ""
let env: Record<string, string> = {}
let hub: Hub | undefined
let input = ""
let reference = ""

beforeAll(async () => {
  if (!has) return
  dir = tempDir("bridge-hub-restart")
  const ck = await tinyCheckpoints(dir, ["eps"])
  env = bridgeTestEnv(dir, ck)
  hub = await startHub(dir, env)
  // 180 copies (3 240 rows): the batch is still running when the hub is killed, however fast the machine
  ;({ input, reference } = await inputWithReference(dir, env, "big", 180))
}, 300_000)

afterAll(async () => {
  await hub?.stop()
  if (dir !== "" && process.env["PERIOGT_TEST_KEEP"] === undefined) fs.rmSync(dir, { recursive: true, force: true })
})

const UNREACHABLE = "the hub cannot be reached"
const STILL = "the hub is still unreachable"
const BACK = "the hub answers again"

test("the wait between tries at an unreachable hub: one poll interval, doubling, at most a minute (or one poll interval when longer)", () => {
  expect([1, 2, 3, 4].map((k) => hubBackoffMs(0.3, k))).toEqual([300, 600, 1200, 2400])
  expect(hubBackoffMs(30, 1)).toBe(30_000)
  expect(hubBackoffMs(30, 3)).toBe(60_000)
  expect(hubBackoffMs(30, 50)).toBe(60_000)
  expect(hubBackoffMs(120, 5)).toBe(120_000)
})

describe.skipIf(!has)("periogt bridge, the hub killed and restarted", () => {
  test("SIGKILL of serve mid-batch, restart on the same port and results: the bridge waits it out and the job completes, nothing lost", async () => {
    const files = writeBridgeConfig(path.join(dir, "outage"), { hub: hub!, workerId: "outage-1", profile: "cpu", scheduler: "local", poll: 0.3, heartbeat: 1 })
    const artifact = await createInputArtifact(hub!, input)
    const b = startBridge([], env, files)
    try {
      const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: artifact })
      // Readiness: the batch runs (STARTED on the hub, rows committed, not done).
      await waitJob(hub!, id, (j) => j.status === "STARTED" && j.progress > 0 && j.progress < 0.9, 180_000, b.log)
      expect(submitCalls(files, id)).toHaveLength(1)

      const { port, secret } = hub!
      const mark = b.log().length
      hub!.proc.kill("SIGKILL")
      await hub!.proc.exited
      const since = () => b.log().slice(mark)
      // The bridge goes on cycling against the dead hub: it says so once, then tries again after at
      // least one poll interval (the backoff's first step) and says it is still unreachable.
      await waitFor(() => since().includes(UNREACHABLE), 60_000, "the bridge to log that the hub cannot be reached")
      await waitFor(() => since().includes(STILL), 60_000, "the bridge to try the dead hub again")
      expect(since().split("\n").filter((l) => l.includes(UNREACHABLE))).toHaveLength(1)
      expect(b.proc.exitCode).toBeNull()

      hub = await startHub(dir, env, { port, secret })
      expect(hub.port).toBe(port)
      await waitFor(() => since().includes(BACK), 120_000, "the bridge to find the hub again")

      const job = await waitJob(hub, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 300_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(job.worker_id).toBe("outage-1")

      // The transition log: from creation, every entry starts where the one before ended (no gap); each is
      // a move of the state machine or a same-state STARTED progress report; each move happens once.
      const ts = await transitions(hub, id)
      expect(ts[0]).toMatchObject({ from_status: null, to_status: "PENDING" })
      for (let k = 1; k < ts.length; k++) {
        const { from_status: from, to_status: to } = ts[k]!
        expect({ k, from }).toEqual({ k, from: ts[k - 1]!.to_status })
        expect(isJobStatus(from) && isJobStatus(to)).toBe(true)
        const progress = from === "STARTED" && to === "STARTED" && ts[k]!.progress !== null
        expect({ k, from, to, legal: progress || canTransition(from as never, to as never) }).toEqual({ k, from, to, legal: true })
      }
      const moves = ts.slice(1).filter((t) => t.from_status !== t.to_status).map((t) => `${t.from_status}->${t.to_status}`)
      expect(moves).toEqual(["PENDING->CLAIMED", "CLAIMED->SUBMITTED", "SUBMITTED->STARTED", "STARTED->COMPLETED"])
      expect(ts.slice(1).every((t) => t.worker_id === "outage-1")).toBe(true)
      // Progress reports: rows done never going back, and no report stored twice.
      const progress = ts.filter((t) => t.from_status === "STARTED" && t.to_status === "STARTED").map((t) => t.progress!)
      expect(progress.every((p, k) => p >= 0 && p <= 1 && (k === 0 || p > progress[k - 1]!))).toBe(true)

      const out = await downloadOutput(hub, job.output_artifact_id)
      expect(out.name).toBe("big_eps_predictions.csv")
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(reference))).toBe(true)

      // Submitted once: one `periogt submit`, one run, one submission in its ledger.
      expect(submitCalls(files, id)).toHaveLength(1)
      const runs = runsOf(files, id)
      expect(runs).toHaveLength(1)
      expect(JSON.parse(fs.readFileSync(path.join(runs[0]!, "run.json"), "utf8")).submissions).toHaveLength(1)

      // The bridge never exited, and it finished with the job (it left the state file).
      await waitFor(() => JSON.parse(fs.readFileSync(path.join(files.stateDir, "state.json"), "utf8")).jobs.length === 0, 30_000, "the state file to drop the job")
      expect(b.proc.exitCode).toBeNull()
      expect((await getJob(hub, id)).status).toBe("COMPLETED")
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 600_000)

  test("a bridge started while the hub is down registers once it answers, then follows the job it had claimed but not written down", async () => {
    const files = writeBridgeConfig(path.join(dir, "late"), { hub: hub!, workerId: "late-1", profile: "late", scheduler: "local", poll: 0.3, heartbeat: 1 })
    const id = await createJob(hub!, { profile: "late", property: "eps", artifactId: await createInputArtifact(hub!, input) })
    const crashed = await bridge(["once"], { ...env, PERIOGT_BRIDGE_TEST_CRASH: "after-claim" }, files)
    expect(crashed.code).not.toBe(0)
    expect((await getJob(hub!, id)).status).toBe("CLAIMED")

    const { port, secret } = hub!
    hub!.proc.kill("SIGKILL")
    await hub!.proc.exited
    const b = startBridge([], env, files)
    try {
      await waitFor(() => b.log().includes("cannot register yet"), 60_000, "the bridge to start without the hub")
      expect(b.proc.exitCode).toBeNull()
      hub = await startHub(dir, env, { port, secret })
      const job = await waitJob(hub, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 300_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(b.log()).toContain(`job ${id}: CLAIMED on the hub for this worker but not in the state file`)
      expect(Buffer.from((await downloadOutput(hub, job.output_artifact_id)).bytes).equals(fs.readFileSync(reference))).toBe(true)
      expect(submitCalls(files, id)).toHaveLength(1)
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 600_000)
})
