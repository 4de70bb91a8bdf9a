import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { mapPbsState, parsePbsProJson, parseTorqueFull, pbsExecutor, shortPbsId } from "../../core/jobs/pbs/index.ts"

/** The recorded outputs live beside the executor: core/jobs/pbs/fixtures. */
const FIXTURES = path.resolve(import.meta.dir, "../../core/jobs/pbs/fixtures")

/** PBS Pro and Torque state parsing on recorded outputs (fixtures/README.md), and the submit lines of both dialects. */
const fixture = (f: string) => fs.readFileSync(path.join(FIXTURES, f), "utf8")
const states = (m: Map<string, { state: string }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.state]))

describe("PBS Pro: qstat -x -f -F json -t", () => {
  test("every subjob and job mapped, ids without the server", () => {
    expect(states(parsePbsProJson(fixture("qstat-pbspro.json")))).toEqual({
      "5001[]": "running",
      "5001[0]": "completed",
      "5001[1]": "timeout",
      "5001[2]": "cancelled",
      "5001[3]": "running",
      "5001[4]": "queued",
      "5001[5]": "queued",
      "5002": "out_of_memory",
      "5003": "failed",
      "5004": "queued",
    })
    expect(parsePbsProJson(fixture("qstat-pbspro.json")).get("5001[1]")).toMatchObject({ raw: "X exit -29", exitCode: "-29" })
  })
  test("not JSON, or no Jobs: nothing known", () => {
    expect(parsePbsProJson("qstat: Unknown Job Id 5009.pbs01").size).toBe(0)
    expect(parsePbsProJson('{"timestamp":1,"pbs_version":"2022.1.4","pbs_server":"pbs01"}').size).toBe(0)
  })
})

describe("Torque: qstat -f -t", () => {
  test("blocks with continued lines; exit statuses mapped", () => {
    expect(states(parseTorqueFull(fixture("qstat-f-t-torque.txt")))).toEqual({
      "6001[0]": "completed",
      "6001[1]": "timeout",
      "6001[2]": "cancelled",
      "6001[3]": "running",
      "6001[4]": "queued",
      "6002": "failed",
    })
  })
})

test("state letters and ids", () => {
  expect(["Q", "H", "W", "T", "S", "R", "E", "B"].map((l) => mapPbsState(l, undefined, "pbs"))).toEqual(["queued", "queued", "queued", "queued", "queued", "running", "running", "running"])
  expect(mapPbsState("C", -11, "torque")).toBe("timeout")
  expect(mapPbsState("F", -3, "pbs")).toBe("node_fail")
  expect(mapPbsState("Z", undefined, "pbs")).toBe("unknown")
  expect(shortPbsId("5001[].pbs01\n")).toBe("5001[]")
  expect(shortPbsId("6001[12].torque01.example.edu")).toBe("6001[12]")
})

const req = { runDir: "/r", script: "/r/scripts/batch-array.pbs", mode: "array" as const, shards: [0, 1, 2, 3], maxRunning: 2, logDir: "/r/logs", name: "periogt-x", resources: { cpus: 4, mem: "16gb", gpus: 1 }, env: { RUN_DIR: "/r" } }

describe("submit lines", () => {
  test("PBS Pro: -J with %M and select; Torque: -t list%M", () => {
    expect(pbsExecutor("pbs").plan(req).map((c) => c.argv.join(" "))).toEqual(["qsub -N periogt-x -j oe -o /r/logs -l select=1:ncpus=4:mem=16gb:ngpus=1 -v RUN_DIR=/r -J 0-3%2 /r/scripts/batch-array.pbs"])
    expect(pbsExecutor("torque").plan({ ...req, shards: [0, 2, 3] }).map((c) => c.argv.join(" "))).toEqual(["qsub -N periogt-x -j oe -o /r/logs -v RUN_DIR=/r -t 0,2-3%2 /r/scripts/batch-array.pbs"])
  })
  test("PBS Pro cannot array a sparse resubmission: one job per shard with PERIOGT_SHARD", () => {
    expect(pbsExecutor("pbs").plan({ ...req, shards: [1, 3] }).map((c) => c.argv.join(" "))).toEqual([
      "qsub -N periogt-x -j oe -o /r/logs -l select=1:ncpus=4:mem=16gb:ngpus=1 -v RUN_DIR=/r,PERIOGT_SHARD=1 /r/scripts/batch-array.pbs",
      "qsub -N periogt-x -j oe -o /r/logs -l select=1:ncpus=4:mem=16gb:ngpus=1 -v RUN_DIR=/r,PERIOGT_SHARD=3 /r/scripts/batch-array.pbs",
    ])
  })
})

describe("through the commands (stand-in qsub and qstat replaying the recordings)", () => {
  test("submit reads the array id; status asks once and maps", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-pbs-"))
    fs.writeFileSync(path.join(bin, "qsub"), "#!/bin/sh\necho '5001[].pbs01'\n", { mode: 0o755 })
    fs.writeFileSync(path.join(bin, "qstat"), `#!/bin/sh\necho "$@" >>${bin}/qstat.args\ncat ${path.join(FIXTURES, "qstat-pbspro.json")}\n`, { mode: 0o755 })
    const saved = process.env["PATH"]
    process.env["PATH"] = `${bin}:${saved}`
    try {
      const ex = pbsExecutor("pbs")
      const sub = await Effect.runPromise(ex.submit({ ...req, shards: [0, 1, 2, 3, 4, 5] }))
      expect([...sub.jobIds]).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, `5001[${i}]`]))
      const st = await Effect.runPromise(ex.status([...sub.jobIds.values()], "/r"))
      expect([0, 1, 2, 3, 4, 5].map((i) => st.get(`5001[${i}]`)?.state)).toEqual(["completed", "timeout", "cancelled", "running", "queued", "queued"])
      expect(fs.readFileSync(path.join(bin, "qstat.args"), "utf8").trim().split("\n")).toEqual(["-x -f -F json -t 5001[]"])
    } finally {
      process.env["PATH"] = saved
      fs.rmSync(bin, { recursive: true, force: true })
    }
  })
})
