import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

import { placeCheckpoints, SHARED_SCALER } from "../support/checkpoints.ts"
import { waitFor as waitUntil } from "../support/process.ts"

const ROOT = path.resolve(import.meta.dir, "../..")
const SCALER = SHARED_SCALER
const SMOKE = path.join(ROOT, "scripts/smoke_test.sh")
if (!fs.existsSync(SCALER)) console.warn(`skipping the real-server tests: upstream's descriptor scaler is not at ${SCALER} (../shared is absent)`)

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })

const baseEnv = (home: string): Record<string, string> => ({ PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home })

/** Reads stderr until `marker` appears. */
const waitFor = async (stream: ReadableStream<Uint8Array>, marker: string, sink: { text: string }) => {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const deadline = Date.now() + 20_000
  while (!sink.text.includes(marker)) {
    if (Date.now() > deadline) throw new Error(`no "${marker}" in: ${sink.text}`)
    const { value, done } = await reader.read()
    if (done) throw new Error(`exited before "${marker}": ${sink.text}`)
    sink.text += decoder.decode(value, { stream: true })
  }
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      sink.text += decoder.decode(value, { stream: true })
    }
  })()
}

describe("periogt serve", () => {
  test.skipIf(!fs.existsSync(SCALER))("models that cannot load: the server still answers; health says failed, model routes answer the load error (500, checkpoint_missing)", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-serve-"))
    const ck = path.join(home, "ck")
    fs.mkdirSync(path.join(ck, "pretrained_ckpt"), { recursive: true })
    fs.mkdirSync(path.join(ck, "finetuned_ckpt"), { recursive: true })
    fs.writeFileSync(path.join(ck, "label_stats.json"), JSON.stringify({ eps: { mean: 1, std: 1 } }))
    fs.copyFileSync(SCALER, path.join(ck, "descriptor_scaler.pkl"))
    fs.writeFileSync(path.join(ck, "index.json"), JSON.stringify({ eps: { checkpoint: path.join(ck, "finetuned_ckpt/eps.pth"), label: "Dielectric constant", units: "" } }))
    const port = await freePort()
    const p = Bun.spawn(["bun", path.join(ROOT, "bin/periogt.ts"), "serve"], {
      env: { ...baseEnv(home), PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_HOST: "127.0.0.1", PERIOGT_PORT: String(port) },
      stdout: "pipe",
      stderr: "pipe",
    })
    const err = { text: "" }
    try {
      await waitFor(p.stderr, "serving the /v1 API on", err)
      const url = `http://127.0.0.1:${port}`
      let health: { status: string; model_loaded: boolean; error?: { code: string; message: string } } = { status: "", model_loaded: false }
      for (let i = 0; i < 100 && health.status !== "failed"; i++) {
        health = (await (await fetch(`${url}/v1/health`)).json()) as typeof health
        if (health.status !== "failed") await Bun.sleep(100)
      }
      expect(health.status).toBe("failed")
      expect(health.model_loaded).toBe(false)
      expect(JSON.stringify(health)).toContain("checkpoint_missing")
      const r = await fetch(`${url}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ smiles: "*CC*", property: "eps" }) })
      expect(r.status).toBe(500)
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("checkpoint_missing")
    } finally {
      p.kill("SIGTERM")
    }
    expect(await p.exited).toBe(0)
    expect(err.text).toContain("loading the models failed: checkpoint_missing")
  }, 60_000)

  test.skipIf(!fs.existsSync(SCALER))("on the oracle's tiny checkpoints: the smoke script passes, a prediction equals upstream's, SIGTERM exits 0", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-serve-"))
    const ck = path.join(home, "ck")
    placeCheckpoints(ck)
    const env = { ...baseEnv(home), PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_HOST: "127.0.0.1" }
    const setup = Bun.spawnSync(["bun", path.join(ROOT, "bin/periogt.ts"), "setup", "--skip-download"], { env })
    expect(setup.exitCode).toBe(0)
    const port = await freePort()
    const p = Bun.spawn(["bun", path.join(ROOT, "bin/periogt.ts"), "serve"], { env: { ...env, PERIOGT_PORT: String(port) }, stdout: "pipe", stderr: "pipe" })
    const err = { text: "" }
    try {
      await waitFor(p.stderr, "serving the /v1 API on", err)
      const url = `http://127.0.0.1:${port}`
      const smoke = Bun.spawn(["bash", SMOKE, url], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" } })
      const out = await new Response(smoke.stdout).text()
      expect(await smoke.exited).toBe(0)
      expect(out).toContain("6 passed, 0 failed")
      const r = await fetch(`${url}/v1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ smiles: "*CC*", property: "eps" }) })
      const body = (await r.json()) as { prediction: { value: number } }
      const want = (JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/pipeline/tiny.json"), "utf8")) as { units: Array<{ smiles: string; value: number }> }).units.find((u) => u.smiles === "*CC*")!
      expect(Math.abs(body.prediction.value - want.value) / Math.abs(want.value)).toBeLessThan(1e-4)
    } finally {
      p.kill("SIGTERM")
    }
    expect(await p.exited).toBe(0)
  }, 120_000)

  test("serveWith: SIGTERM stops accepting, finishes the request in flight, exits 0; the key is never logged", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-serve-"))
    const port = await freePort()
    const key = "k-" + "9".repeat(40)
    const p = Bun.spawn(["bun", path.join(import.meta.dir, "fixtures/serveTestDouble.ts")], {
      env: { ...baseEnv(home), PERIOGT_HOST: "127.0.0.1", PERIOGT_PORT: String(port), PERIOGT_API_KEY: key, PERIOGT_TEST_BATCH_COST_MS: "600" },
      stdout: "pipe",
      stderr: "pipe",
    })
    const err = { text: "" }
    try {
      await waitFor(p.stderr, "serving the /v1 API on", err)
      const url = `http://127.0.0.1:${port}`
      expect((await fetch(`${url}/v1/health`, { headers: { "x-api-key": key } })).status).toBe(200)
      const inflight = fetch(`${url}/v1/predict`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify({ smiles: "*CC*", property: "eps" }) })
      // in flight once the predictor runs it (/metrics), not after a fixed sleep
      const running = async () => /^periogt_batches_in_flight [1-9]/m.test(await (await fetch(`${url}/metrics`, { headers: { "x-api-key": key } })).text())
      await waitUntil(running, 30_000, "the request to reach the predictor")
      p.kill("SIGTERM")
      const r = await inflight
      expect(r.status).toBe(200)
      expect(((await r.json()) as { smiles: string }).smiles).toBe("*CC*")
      expect(await p.exited).toBe(0)
      expect(err.text).toContain("SIGTERM: shutting down")
      expect(err.text).toContain("server stopped")
      expect(err.text).not.toContain(key)
      await expect(fetch(`${url}/v1/health`)).rejects.toThrow()
    } finally {
      p.kill("SIGKILL")
    }
  })
})
