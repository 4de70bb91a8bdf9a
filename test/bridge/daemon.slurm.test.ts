import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { startSlurmCluster, type SlurmCluster } from "../adapters/slurmCluster.ts"
import { missingTools } from "../adapters/tools.ts"
import { periogtBinary, tempDir } from "../support/binary.ts"
import { waitFor } from "../support/process.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { tinyCheckpoints } from "../jobs/support.ts"
import { bridge, bridgeTestEnv, createInputArtifact, createJob, downloadOutput, getJob, inputWithReference, runsOf, startBridge, startHub, submitCalls, transitions, waitJob, writeBridgeConfig, type Hub } from "./daemonSupport.ts"

/**
 * `periogt bridge` in front of a real one-node Slurm cluster on loopback (test/adapters/slurmCluster.ts,
 * no accounting: states from squeue and scontrol): a hub job runs as a Slurm job and its output artifact
 * equals one `periogt batch` byte for byte; a bridge killed between sbatch's answer and its own record,
 * with the run's ledger stripped of its job ids, finds the job again with `squeue --name` and never calls
 * sbatch twice (every sbatch goes through a wrapper that counts it). Skipped, saying why, without
 * Slurm's daemons (as root: .ci/install-slurm.sh installs them).
 */
const why = missingTools(["slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "scancel", "sinfo", "munged"]) ?? (fs.existsSync(SHARED_SCALER) ? undefined : `upstream's descriptor scaler is not at ${SHARED_SCALER}`)

let cluster: SlurmCluster | undefined
let hub: Hub | undefined
let dir = ""
let env: Record<string, string> = {}
let input = ""
let reference = ""
let counter = ""

describe.skipIf(why !== undefined)(`periogt bridge on a loopback Slurm cluster${why === undefined ? "" : ` (skipped: ${why})`}`, () => {
  beforeAll(async () => {
    dir = tempDir("bridge-slurm")
    fs.chmodSync(dir, 0o755)
    periogtBinary()
    const ck = await tinyCheckpoints(dir, ["eps"])
    cluster = await startSlurmCluster({})
    // Every sbatch the bridge's `periogt submit` runs is counted, then handed to the real one.
    const wrap = path.join(dir, "wrap")
    fs.mkdirSync(wrap)
    counter = path.join(dir, "sbatch-calls")
    const real = Bun.which("sbatch")!
    fs.writeFileSync(path.join(wrap, "sbatch"), `#!/bin/sh\necho "$*" >>${JSON.stringify(counter)}\nexec ${real} "$@"\n`, { mode: 0o755 })
    env = bridgeTestEnv(dir, ck, { ...cluster.env, PATH: `${wrap}:${cluster.env["PATH"]}`, USER: "root" })
    hub = await startHub(dir, env)
    ;({ input, reference } = await inputWithReference(dir, env, "units", 6))
  }, 300_000)

  afterAll(async () => {
    await hub?.stop()
    cluster?.stop()
    if (dir !== "" && process.env["PERIOGT_TEST_KEEP"] === undefined) fs.rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  const sbatchCalls = (jobName: string) => (fs.existsSync(counter) ? fs.readFileSync(counter, "utf8").split("\n").filter((l) => l.includes(jobName)) : [])

  test("check picks Slurm; a hub job runs as a Slurm job (SUBMITTED with its job id) and its output artifact equals one batch", async () => {
    const files = writeBridgeConfig(path.join(dir, "slurm"), { hub: hub!, workerId: "slurm-1", profile: "cpu", scheduler: "slurm", sets: ["cpus=1", "mem=256M", "time=00:10:00"] })
    const check = await bridge(["check", "--json"], env, files)
    expect({ code: check.code, stderr: check.code === 0 ? "" : check.stderr }).toEqual({ code: 0, stderr: "" })
    expect(JSON.parse(check.stdout).checks.at(-1).detail).toContain("slurm: sbatch is at")
    const b = startBridge([], env, files)
    try {
      const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: await createInputArtifact(hub!, input) })
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 300_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(job.slurm_job_id).toMatch(/^\d+_0$/)
      const out = await downloadOutput(hub!, job.output_artifact_id)
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(reference))).toBe(true)
      const run = runsOf(files, id)
      expect(run).toHaveLength(1)
      const ledger = JSON.parse(fs.readFileSync(path.join(run[0]!, "run.json"), "utf8"))
      expect(ledger.scheduler).toBe("slurm")
      expect(sbatchCalls(`periogt-${ledger.id.slice(0, 40)}`)).toHaveLength(1)
      expect((await transitions(hub!, id)).map((t) => t.to_status).filter((s, k, a) => k === 0 || a[k - 1] !== s)).toEqual(["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"])
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 400_000)

  test("killed between sbatch's answer and its record, with the run's ledger stripped of the job id, restarted after the job ended: found again with squeue -t all --name, sbatch called once", async () => {
    const files = writeBridgeConfig(path.join(dir, "window"), { hub: hub!, workerId: "slurm-window", profile: "cpu", scheduler: "slurm", sets: ["cpus=1", "mem=256M", "time=00:10:00"] })
    const id = await createJob(hub!, { profile: "cpu", property: "eps", artifactId: await createInputArtifact(hub!, input) })
    const crashed = await bridge(["once"], { ...env, PERIOGT_BRIDGE_TEST_CRASH: "after-submit" }, files)
    expect(crashed.code).not.toBe(0)
    const runs = runsOf(files, id)
    expect(runs).toHaveLength(1)
    const ledgerFile = path.join(runs[0]!, "run.json")
    const ledger = JSON.parse(fs.readFileSync(ledgerFile, "utf8"))
    const jobId = ledger.shards[0].job_id as string
    // The Slurm job finishes while no bridge runs: squeue shows it only with -t all from then on.
    await waitFor(() => {
      try {
        return JSON.parse(fs.readFileSync(path.join(runs[0]!, "outputs", "shard-0000.status.json"), "utf8")).complete === true
      } catch {
        return false
      }
    }, 240_000, "the Slurm job to finish")
    await waitFor(() => !/RUNNING|COMPLETING|PENDING/.test(Bun.spawnSync(["squeue", "-h", "-r", "-t", "all", "-o", "%T", "-j", jobId.split("_")[0]!], { env: cluster!.env, stdout: "pipe" }).stdout.toString()), 60_000, "Slurm to see the job end")
    for (const s of ledger.shards) {
      delete s.job_id
      s.job_ids = []
      s.state = "unknown"
    }
    ledger.submissions = []
    fs.writeFileSync(ledgerFile, JSON.stringify(ledger, null, 2))
    const b = startBridge([], env, files)
    try {
      const job = await waitJob(hub!, id, (j) => j.status === "COMPLETED" || j.status === "FAILED", 300_000, b.log)
      expect({ status: job.status, log: job.status === "COMPLETED" ? "" : b.log() }).toEqual({ status: "COMPLETED", log: "" })
      expect(b.log()).toContain("found again (in the scheduler by its job name)")
      expect(job.slurm_job_id).toBe(jobId)
      expect(sbatchCalls(`periogt-${ledger.id.slice(0, 40)}`)).toHaveLength(1)
      expect(submitCalls(files, id)).toHaveLength(1)
      const out = await downloadOutput(hub!, job.output_artifact_id)
      expect(Buffer.from(out.bytes).equals(fs.readFileSync(reference))).toBe(true)
      expect((await getJob(hub!, id)).worker_id).toBe("slurm-window")
    } finally {
      b.proc.kill("SIGKILL")
    }
  }, 400_000)
})
