import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { expandArrayId, mapSlurmState, parseSacct, parseScontrol, parseSqueue, slurmExecutor } from "../../core/jobs/slurm/index.ts"

/** The recorded outputs live beside the executor: core/jobs/slurm/fixtures. */
const FIXTURES = path.resolve(import.meta.dir, "../../core/jobs/slurm/fixtures")

/** Slurm state parsing on recorded outputs (fixtures/README.md) and the submit lines. The loopback cluster test is test/jobs/slurm.cluster.test.ts. */
const fixture = (f: string) => fs.readFileSync(path.join(FIXTURES, f), "utf8")
const states = (m: Map<string, { state: string }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.state]))

test("sacct --parsable2: every state word, a pending array range expanded", () => {
  expect(states(parseSacct(fixture("sacct-parsable2.txt")))).toEqual({
    "4100_0": "completed",
    "4100_1": "cancelled",
    "4100_2": "timeout",
    "4100_3": "running",
    "4100_4": "queued",
    "4100_5": "queued",
    "4100_6": "queued",
    "4100_7": "queued",
    "4101": "out_of_memory",
    "4102": "node_fail",
    "4103": "preempted",
    "4104": "failed",
    "4105": "queued",
    "4106": "failed",
  })
  expect(parseSacct(fixture("sacct-parsable2.txt")).get("4100_1")).toEqual({ state: "cancelled", raw: "CANCELLED by 0", exitCode: "0:15" })
})

test("squeue -r", () => {
  expect(states(parseSqueue(fixture("squeue-r.txt")))).toEqual({ "4200_2": "running", "4200_3": "queued", "4200_4": "queued", "4201": "running", "4202": "queued" })
})

test("scontrol show job -o, recorded on the loopback cluster", () => {
  // Array 1 of three tasks, throttled to one: task 0 completed, task 2 ran past --time=1; task 1, cancelled
  // while pending, has no record left (see fixtures/README.md).
  const m = parseScontrol(fixture("scontrol-array.txt"))
  expect(Object.fromEntries([...m].map(([k, v]) => [k, [v.state, v.exitCode]]))).toEqual({ "1_0": ["completed", "0:0"], "1_2": ["timeout", "0:15"] })
})

test("array id ranges and unknown words", () => {
  expect(expandArrayId("7_[0-2,5,8-9%3]")).toEqual(["7_0", "7_1", "7_2", "7_5", "7_8", "7_9"])
  expect(expandArrayId("7_4")).toEqual(["7_4"])
  expect(mapSlurmState("SOMETHING_NEW")).toBe("unknown")
  expect(mapSlurmState("CANCELLED+")).toBe("cancelled")
})

describe("submit lines", () => {
  const req = { runDir: "/r", script: "/r/scripts/batch-array.sbatch", mode: "array" as const, shards: [0, 1, 2, 3, 4, 5, 6, 7], maxRunning: 2, logDir: "/r/logs", name: "periogt-x", env: { RUN_DIR: "/r" } }
  test("one array with %M; a resubmission lists only its shards", () => {
    expect(slurmExecutor().plan(req).map((c) => c.argv.join(" "))).toEqual(["sbatch --parsable --job-name=periogt-x --chdir=/r --array=0-7%2 --output=/r/logs/slurm-%A_%a.out /r/scripts/batch-array.sbatch"])
    expect(slurmExecutor().plan({ ...req, shards: [1, 4, 5] })[0]!.argv).toContain("--array=1,4-5%2")
  })
  test("individual: one job per shard with PERIOGT_SHARD", () => {
    const cs = slurmExecutor().plan({ ...req, mode: "individual", shards: [0, 3] })
    expect(cs.map((c) => c.env["PERIOGT_SHARD"])).toEqual(["0", "3"])
    expect(cs[0]!.argv).not.toContain("--array")
  })
})
