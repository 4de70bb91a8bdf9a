import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { csvRecords } from "../../core/io/csv/index.ts"
import { placeCheckpoints, SHARED_SCALER } from "../support/checkpoints.ts"
import { waitFor } from "../support/process.ts"

/**
 * `periogt serve` on the real pipeline (tiny checkpoints, real chemistry): while a batch of large repeat
 * units is being featurized — on the worker threads — GET /v1/health still answers at once, because
 * featurization no longer runs on the event loop. (With PERIOGT_WORKERS=0 the same health requests wait
 * for the whole batch: set HEALTH_TEST_WORKERS=0 to see it fail.)
 */
const ROOT = path.resolve(import.meta.dir, "../..")
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the health-during-batch test: upstream's descriptor scaler is not at ${SHARED_SCALER} (../shared is absent)`)
const WORKERS = process.env["HEALTH_TEST_WORKERS"] ?? "2"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })

/** The test set's largest valid repeat units (the slowest to featurize), up to `n`. */
const largestUnits = async (n: number): Promise<Array<string>> => {
  const out: Array<string> = []
  let at = -1
  for await (const r of csvRecords(fs.createReadStream(path.join(ROOT, "test/fixtures/polymers/valid.csv")))) {
    if (!r.ok) continue
    if (at < 0) at = r.fields.indexOf("smiles")
    else out.push(r.fields[at]!)
  }
  return out.filter((s) => s.length <= 200).sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).slice(0, n)
}

describe.skipIf(!has)("serve with featurization workers", () => {
  test("GET /v1/health answers in under 200 ms while a featurization batch is in flight", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-health-"))
    const ck = path.join(home, "ck")
    placeCheckpoints(ck)
    const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_HOST: "127.0.0.1", PERIOGT_THREADS: "2", PERIOGT_WORKERS: WORKERS }
    expect(Bun.spawnSync(["bun", path.join(ROOT, "bin/periogt.ts"), "setup", "--skip-download"], { env }).exitCode).toBe(0)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const p = Bun.spawn(["bun", path.join(ROOT, "bin/periogt.ts"), "serve"], { env: { ...env, PERIOGT_PORT: String(port) }, stdout: "ignore", stderr: "pipe" })
    try {
      let status = ""
      for (let i = 0; i < 600 && status !== "ok" && status !== "failed"; i++) {
        status = await fetch(`${url}/v1/health`)
          .then((r) => r.json() as Promise<{ status: string }>)
          .then((b) => b.status)
          .catch(() => "")
        if (status !== "ok") await Bun.sleep(100)
      }
      expect(status).toBe("ok")
      // warm the workers (RDKit loaded, code compiled) so the batch below is featurization, not start-up
      await fetch(`${url}/v1/predict/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ items: [{ smiles: "*CC*", property: "eps" }, { smiles: "*C(C)C*", property: "eps" }] }) })

      const units = await largestUnits(40)
      let doneAt = 0
      const t0 = performance.now()
      const batch = fetch(`${url}/v1/predict/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ items: units.map((smiles) => ({ smiles, property: "eps" })) }) }).then(async (r) => {
        doneAt = performance.now()
        return { status: r.status, body: (await r.json()) as { results: Array<{ prediction?: { value: number }; code?: string }> } }
      })
      // the batch is under way once the predictor runs it (/metrics), not after a fixed sleep
      await waitFor(async () => /^periogt_batches_in_flight [1-9]/m.test(await (await fetch(`${url}/metrics`)).text()), 60_000, "the batch to reach the predictor")
      const latencies: Array<number> = []
      for (let i = 0; i < 8; i++) {
        const s = performance.now()
        const r = await fetch(`${url}/v1/health`)
        expect(r.status).toBe(200)
        await r.json()
        latencies.push(performance.now() - s)
        await Bun.sleep(50)
      }
      const polledUntil = performance.now()
      const { status: batchStatus, body } = await batch
      console.log(`workers=${WORKERS}: batch of ${units.length} units took ${((doneAt - t0) / 1000).toFixed(1)} s; health during it: ${latencies.map((l) => l.toFixed(0)).join(", ")} ms`)
      expect(batchStatus).toBe(200)
      // every unit predicted, or refused as upstream refuses it (a few test-set units have no prompt graph)
      expect(body.results.filter((r) => r.prediction === undefined && r.code !== "validation_error")).toEqual([])
      expect(body.results.filter((r) => r.prediction !== undefined).length).toBeGreaterThanOrEqual(30)
      // the health requests were answered while the batch was still running
      expect(doneAt).toBeGreaterThan(polledUntil)
      expect(Math.max(...latencies)).toBeLessThan(200)
    } finally {
      p.kill("SIGTERM")
    }
    expect(await p.exited).toBe(0)
  }, 240_000)
})
