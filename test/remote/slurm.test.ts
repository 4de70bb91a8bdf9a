import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { startSlurmCluster, type SlurmCluster } from "../adapters/slurmCluster.ts"
import { missingTools } from "../adapters/tools.ts"
import { tempDir } from "../support/binary.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { periogt, tinyCheckpoints, waitJobs, writeInput } from "../jobs/support.ts"
import { closeMasters, connectRefused, sshdUnavailable, startSshd, type Sshd } from "./sshd.ts"

/**
 * The whole path: a laptop (this process's periogt, its own ssh config) → a real sshd on
 * 127.0.0.1 → the test user's periogt there → the loopback Slurm cluster (test/adapters/slurmCluster.ts;
 * SLURM_CONF given to the ssh sessions by sshd's SetEnv): remote add → install → check (Slurm picked,
 * its controller answering) → submit --on (--scheduler auto) → jobs --on → collect --on equal to one
 * local batch.
 */
const why = (fs.existsSync(SHARED_SCALER) ? undefined : `upstream's descriptor scaler is not at ${SHARED_SCALER}`) ?? missingTools(["slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "munged"]) ?? sshdUnavailable()
if (why !== undefined) console.warn(`skipping remote → Slurm: ${why}`)

let dir = ""
let server: Sshd | undefined
let cluster: SlurmCluster | undefined
let env: Record<string, string> = {}
let input = ""
let reference = ""
let remoteDir = ""
const controlDir = () => path.join(dir, "client", ".cache", "periogt", "ssh")

beforeAll(async () => {
  if (why !== undefined) return
  dir = tempDir("remote-slurm")
  cluster = await startSlurmCluster({ accounting: false })
  server = await startSshd(dir, [`SetEnv SLURM_CONF=${cluster.env["SLURM_CONF"]}`])
  const remoteData = path.join(server.home, "data")
  fs.mkdirSync(remoteData, { recursive: true })
  const ck = await tinyCheckpoints(remoteData, ["eps"])
  remoteDir = path.join(server.home, "periogt")
  fs.mkdirSync(remoteDir, { recursive: true })
  fs.writeFileSync(path.join(remoteDir, "config.toml"), `checkpoint_dir = "${ck}"\nresults_dir = "${path.join(server.home, "results")}"\ndevice = "cpu"\nthreads = 1\nworkers = 0\n`)
  Bun.spawnSync(["chown", "-R", `${server.user}:${server.user}`, server.home])
  const clientHome = path.join(dir, "client")
  fs.mkdirSync(clientHome)
  env = { PATH: "/usr/bin:/bin", HOME: clientHome, PERIOGT_SSH_CONFIG: server.sshConfig, PERIOGT_RESULTS_DIR: path.join(clientHome, "results"), PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "1", PERIOGT_WORKERS: "0" }
  input = path.join(clientHome, "units.csv")
  writeInput(input, 6)
  reference = path.join(clientHome, "reference.csv")
  const r = await periogt(["batch", "--input", input, "--property", "eps", "--output", reference], env)
  if (r.code !== 1) throw new Error(`reference batch: exit ${r.code}: ${r.stderr}`)
}, 300_000)

afterAll(async () => {
  if (server !== undefined) {
    closeMasters(controlDir(), server.sshConfig)
    cluster?.stop()
    await server.stop()
    expect(await connectRefused(server.port)).toBe(true)
    expect(Bun.spawnSync(["id", server.user], { stdout: "ignore", stderr: "ignore" }).exitCode).not.toBe(0)
  } else cluster?.stop()
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
}, 120_000)

describe.skipIf(why !== undefined)("periogt submit --on a remote in front of a loopback Slurm cluster", () => {
  test("add → install → check (slurm) → submit --on → jobs --on → collect --on equals one local batch", async () => {
    const s = server!
    expect((await periogt(["remote", "add", "hpc", "--host", "127.0.0.1", "--port", String(s.port), "--user", s.user, "--remote-dir", remoteDir, "--accept-new-host-key"], env)).code).toBe(0)
    expect((await periogt(["remote", "install", "hpc"], env)).code).toBe(0)
    const check = JSON.parse((await periogt(["remote", "check", "hpc", "--json"], env)).stdout)
    expect(check.scheduler.name).toBe("slurm")
    const sub = await periogt(["submit", "--on", "hpc", "--input", input, "--property", "eps", "--shards", "2", "--max-running", "2", "--set", "cpus=1", "--set", "mem=256M", "--set", "time=00:10:00"], env)
    expect(sub.code).toBe(0)
    expect(sub.stderr).toContain("scheduler slurm: sbatch is at")
    const summary = JSON.parse(sub.stdout)
    expect(summary.scheduler).toBe("slurm")
    const view = await waitJobs(summary.id, env, undefined, 240_000, "hpc")
    expect(view.shards.map((x) => x.state)).toEqual(["completed", "completed"])
    const out = path.join(dir, "client", "merged.csv")
    const c = await periogt(["collect", "--on", "hpc", summary.id, "--output", out], env)
    expect(c.code).toBe(0)
    expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(reference, "utf8"))
  }, 400_000)
})
