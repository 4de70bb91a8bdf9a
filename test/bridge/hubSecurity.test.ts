import { afterAll, beforeAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { CLI, baseEnv, freePort, startServe, type ServeProcess } from "../web/support.ts"
import { WORKER, call, hubHome, registerWorker, replay, startHub, type HubHome } from "./hubSupport.ts"

/**
 * The hub's refusals against a real server: a forged signature, a tampered body, a stale timestamp and a
 * replayed nonce are 401 and change nothing (checked with a GET afterwards); two racing claims, exactly
 * one wins; without a secret the routes do not exist; a secret file others can read stops serve.
 */
let h: HubHome
let serve: ServeProcess

beforeAll(async () => {
  h = hubHome()
  serve = await startHub(h)
  expect((await registerWorker(serve.url, h.secret)).status).toBe(200)
})

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

const allJobs = async () => {
  const ids: Array<string> = []
  for (const s of ["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED", "FAILED", "CANCELLED"]) {
    const r = await call(serve.url, h.secret, "GET", `/api/hpc/jobs?status=${s}&limit=1000`)
    expect(r.status).toBe(200)
    ids.push(...r.json.items.map((j: { id: string }) => j.id))
  }
  return ids.sort()
}

test("a forged signature, a tampered body and a stale timestamp are 401, and nothing changes", async () => {
  const before = await allJobs()
  const forged = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" }, sign: { secret: "x".repeat(64) } })
  expect(forged.status).toBe(401)
  expect(forged.json).toMatchObject({ title: "Unauthorized", status: 401 })
  expect(forged.json.detail).toContain("signature mismatch")

  // signed for one body, sent with another
  const signed = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" }, sign: { body: JSON.stringify({ processor: "harmless" }) } })
  expect(signed.status).toBe(401)

  const stale = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" }, sign: { timestamp: Math.floor(Date.now() / 1000) - 301 } })
  expect(stale.status).toBe(401)
  expect(stale.json.detail).toContain("timestamp")
  const future = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" }, sign: { timestamp: Math.floor(Date.now() / 1000) + 301 } })
  expect(future.status).toBe(401)

  const unsigned = await fetch(`${serve.url}/api/hpc/jobs?status=PENDING`, {
    headers: { "X-EMX2-API-Version": "2025-01", "X-Request-Id": crypto.randomUUID(), "X-Timestamp": String(Math.floor(Date.now() / 1000)) },
  })
  expect(unsigned.status).toBe(401)
  expect(await allJobs()).toEqual(before)

  // a forged transition leaves the job where it was
  const id: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" } })).json.id
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: WORKER, sign: { secret: "y".repeat(64) } })).status).toBe(401)
  const job = await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`)
  expect(job.json.status).toBe("PENDING")
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}/transitions`)).json.count).toBe(1)
})

test("a replayed request (same nonce) is 401 and is not applied twice", async () => {
  const before = await allJobs()
  const body = JSON.stringify({ processor: "periogt", profile: "replay" })
  const first = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: JSON.parse(body) })
  expect(first.status).toBe(201)
  const again = await replay(serve.url, "POST", "/api/hpc/jobs", first.sent, body)
  expect(again.status).toBe(401)
  expect(again.json.detail).toContain("nonce")
  const after = await allJobs()
  expect(after.length).toBe(before.length + 1)
  expect(after).toContain(first.json.id)
  // a fresh nonce with the same body is a new request
  expect((await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: JSON.parse(body) })).status).toBe(201)
})

test("two workers claiming the same job at once: exactly one 200, the other 409 (20 jobs)", async () => {
  // a limit above the 20 jobs each may end up holding
  expect((await registerWorker(serve.url, h.secret, "racer-a", "periogt", 100)).status).toBe(200)
  expect((await registerWorker(serve.url, h.secret, "racer-b", "periogt", 100)).status).toBe(200)
  for (let i = 0; i < 20; i++) {
    const id: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "race" } })).json.id
    const [a, b] = await Promise.all([
      call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: "racer-a" }),
      call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: "racer-b" }),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    const winner = a.status === 200 ? "racer-a" : "racer-b"
    const job = await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`)
    expect(job.json).toMatchObject({ status: "CLAIMED", worker_id: winner })
    const log = await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}/transitions`)
    expect(log.json.items.filter((t: { to_status: string }) => t.to_status === "CLAIMED").length).toBe(1)
  }
})

test("max_concurrent_jobs: a worker at its limit cannot claim more", async () => {
  expect((await registerWorker(serve.url, h.secret, "small", "tiny-tool", 1)).status).toBe(200)
  const one: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "tiny-tool" } })).json.id
  const two: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "tiny-tool" } })).json.id
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${one}/claim`, { workerId: "small" })).status).toBe(200)
  const full = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${two}/claim`, { workerId: "small" })
  expect(full.status).toBe(409)
  expect(full.json.detail).toContain("max_concurrent_jobs")
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${two}`)).json.status).toBe("PENDING")
})

test("without hpc_secret_file the /api/hpc routes do not exist; a secret file others can read stops serve", async () => {
  const home = fs.mkdtempSync(path.join(path.dirname(h.home), "periogt-nohub-"))
  try {
    const plain = await startServe({ ...baseEnv(home), PERIOGT_WORKERS: "0" }, ["--demo"])
    try {
      for (const p of ["/api/hpc/health", "/api/hpc/jobs"]) {
        const r = await fetch(`${plain.url}${p}`)
        expect(r.status).toBe(404)
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("not_found")
      }
    } finally {
      await plain.stop()
    }
    const loose = path.join(home, "loose.secret")
    fs.writeFileSync(loose, "z".repeat(64), { mode: 0o644 })
    fs.chmodSync(loose, 0o644)
    const short = path.join(home, "short.secret")
    fs.writeFileSync(short, "tooshort", { mode: 0o600 })
    for (const [file, says] of [
      [loose, "group or others"],
      [short, "at least 32"],
    ] as const) {
      const p = Bun.spawn(["bun", CLI, "serve", "--demo", "--host", "127.0.0.1", "--port", String(await freePort())], {
        env: { ...baseEnv(home), PERIOGT_WORKERS: "0", PERIOGT_HPC_SECRET_FILE: file },
        stdout: "ignore",
        stderr: "pipe",
      })
      expect(await p.exited).toBe(2)
      const err = await new Response(p.stderr as ReadableStream).text()
      expect(err).toContain("PERIOGT_HPC_SECRET_FILE")
      expect(err).toContain(says)
      expect(err).not.toContain("z".repeat(64))
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true })
  }
})
