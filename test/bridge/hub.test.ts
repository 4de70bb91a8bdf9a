import { afterAll, beforeAll, expect, test } from "bun:test"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { sha256Hex, treeHash } from "../../core/bridge/protocol/index.ts"
import type { ServeProcess } from "../web/support.ts"
import { WORKER, call, hubHome, registerWorker, startHub, type HubHome } from "./hubSupport.ts"

/**
 * The EMX2 hub in a real `periogt serve --demo`, driven over HTTP with requests signed by the protocol
 * module: a job's whole life, the transition log, a managed artifact uploaded, committed and downloaded
 * byte-identical, and the protocol's refusals.
 */
let h: HubHome
let serve: ServeProcess

beforeAll(async () => {
  h = hubHome()
  serve = await startHub(h)
})

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

test("health answers without a signature", async () => {
  const r = await fetch(`${serve.url}/api/hpc/health`)
  expect(r.status).toBe(200)
  expect(((await r.json()) as { api_version: string }).api_version).toBe("2025-01")
})

test("register → create → claim → submitted → started → artifact upload, commit → completed; the log and the bytes are as sent", async () => {
  const reg = await registerWorker(serve.url, h.secret)
  expect(reg.status).toBe(200)
  expect(reg.json.worker_id).toBe(WORKER)
  expect(reg.json._links.heartbeat.href).toBe(`/api/hpc/workers/${WORKER}/heartbeat`)
  const hb = await call(serve.url, h.secret, "POST", `/api/hpc/workers/${WORKER}/heartbeat`, { workerId: WORKER })
  expect(hb.status).toBe(200)
  expect(hb.json).toEqual({ worker_id: WORKER, status: "ok" })

  const created = await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "cpu", parameters: { property: "eps" } } })
  expect(created.status).toBe(201)
  expect(created.json.status).toBe("PENDING")
  expect(Object.keys(created.json._links).sort()).toEqual(["cancel", "claim", "self", "transitions"])
  const id: string = created.json.id

  const traced = await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`, { headers: { "X-Trace-Id": "trace-123" } })
  expect(traced.headers.get("x-trace-id")).toBe("trace-123")
  expect(traced.headers.get("x-request-id")).toBe(traced.sent["X-Request-Id"]!)
  const pending = await call(serve.url, h.secret, "GET", "/api/hpc/jobs?status=PENDING&processor=periogt")
  expect(pending.status).toBe(200)
  expect(pending.json.items.map((j: { id: string }) => j.id)).toContain(id)
  expect(pending.headers.get("x-total-count")).toBe(String(pending.json.total_count))

  const claimed = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: WORKER, json: { worker_id: WORKER } })
  expect(claimed.status).toBe(200)
  expect(claimed.json.status).toBe("CLAIMED")
  expect(claimed.json.worker_id).toBe(WORKER)
  expect(claimed.json._links.submit.href).toBe(`/api/hpc/jobs/${id}/transition`)

  const submitted = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "SUBMITTED", detail: "sbatch id 42", slurm_job_id: "42" } })
  expect(submitted.status).toBe(200)
  expect(submitted.json.slurm_job_id).toBe("42")
  // a retried identical report is answered, not logged twice
  const again = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "SUBMITTED", detail: "sbatch id 42", slurm_job_id: "42" } })
  expect(again.status).toBe(200)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "STARTED", detail: "running on node-1" } })).status).toBe(200)
  const progress = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "STARTED", phase: "predict", message: "rows 10 of 20", progress: 0.5 } })
  expect(progress.status).toBe(200)
  expect(progress.json.progress).toBe(0.5)

  // a managed artifact with two files, one nested; bytes that are not UTF-8 on purpose
  const art = await call(serve.url, h.secret, "POST", "/api/hpc/artifacts", { json: { name: `output-${id.slice(0, 8)}`, type: "csv", residence: "managed", metadata: { job_id: id } } })
  expect(art.status).toBe(201)
  expect(art.json.status).toBe("CREATED")
  const artId: string = art.json.id
  const files = { "results.csv": randomBytes(200_000), "logs/run.log": new TextEncoder().encode("done\n") }
  for (const [p, bytes] of Object.entries(files)) {
    const up = await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${artId}/files/${p}`, { bytes, contentType: "application/octet-stream" })
    expect(up.status).toBe(201)
    expect(up.json).toMatchObject({ artifact_id: artId, path: p, sha256: sha256Hex(bytes), size_bytes: bytes.byteLength })
  }
  const listed = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${artId}/files`)
  expect(listed.json.items.map((f: { path: string }) => f.path)).toEqual(["logs/run.log", "results.csv"])
  expect(listed.json.items[1].content_type).toBe("text/csv")
  const prefixed = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${artId}/files?prefix=logs/`)
  expect(prefixed.json.total_count).toBe(1)
  const uploading = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${artId}`)
  expect(uploading.json.status).toBe("UPLOADING")
  expect(Object.keys(uploading.json._links)).toContain("commit")

  const digest = treeHash(Object.entries(files).map(([p, b]) => ({ path: p, sha256: sha256Hex(b) })))!
  const size = Object.values(files).reduce((n, b) => n + b.byteLength, 0)
  const wrong = await call(serve.url, h.secret, "POST", `/api/hpc/artifacts/${artId}/commit`, { json: { sha256: "0".repeat(64), size_bytes: size } })
  expect(wrong.status).toBe(409)
  expect(wrong.json.title).toBe("Hash Mismatch")
  const committed = await call(serve.url, h.secret, "POST", `/api/hpc/artifacts/${artId}/commit`, { json: { sha256: digest, size_bytes: size } })
  expect(committed.status).toBe(200)
  expect(committed.json).toMatchObject({ status: "COMMITTED", sha256: digest, size_bytes: size })
  // immutable after commit
  const late = await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${artId}/files/extra.txt`, { bytes: new Uint8Array([1]) })
  expect(late.status).toBe(409)

  for (const [p, bytes] of Object.entries(files)) {
    const down = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${artId}/files/${p}`)
    expect(down.status).toBe(200)
    expect(Buffer.from(down.bytes).equals(Buffer.from(bytes))).toBe(true)
    expect(down.headers.get("x-content-sha256")).toBe(sha256Hex(bytes))
    const head = await call(serve.url, h.secret, "HEAD", `/api/hpc/artifacts/${artId}/files/${p}`)
    expect(head.status).toBe(200)
    expect(head.headers.get("x-content-sha256")).toBe(sha256Hex(bytes))
    expect(head.headers.get("content-length")).toBe(String(bytes.byteLength))
    expect(head.bytes.byteLength).toBe(0)
  }
  expect((await call(serve.url, h.secret, "HEAD", `/api/hpc/artifacts/${artId}/files/nope.txt`)).status).toBe(404)

  const done = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/complete`, { workerId: WORKER, json: { status: "COMPLETED", detail: "exit code 0", output_artifact_id: artId } })
  expect(done.status).toBe(200)
  expect(done.json.status).toBe("COMPLETED")
  expect(done.json.output_artifact).toMatchObject({ id: artId, status: "COMMITTED" })
  expect(Object.keys(done.json._links).sort()).toEqual(["self", "transitions"])
  // the daemon's crash-recovery retry of the same completion is answered 200
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/complete`, { workerId: WORKER, json: { status: "COMPLETED", detail: "exit code 0", output_artifact_id: artId } })).status).toBe(200)

  const log = await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}/transitions`)
  expect(log.status).toBe(200)
  expect(log.json.items.map((t: { from_status: string | null; to_status: string }) => `${t.from_status}→${t.to_status}`)).toEqual([
    "null→PENDING",
    "PENDING→CLAIMED",
    "CLAIMED→SUBMITTED",
    "SUBMITTED→STARTED",
    "STARTED→STARTED",
    "STARTED→COMPLETED",
  ])
  expect(log.json.items[4]).toMatchObject({ phase: "predict", message: "rows 10 of 20", progress: 0.5, worker_id: WORKER })
})

test("illegal transitions are 409 with an RFC 9457 body; a terminal job moves no further; delete needs a terminal job", async () => {
  await registerWorker(serve.url, h.secret)
  const id: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" } })).json.id
  const skip = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "STARTED" } })
  expect(skip.status).toBe(409)
  expect(skip.headers.get("content-type")).toBe("application/problem+json")
  expect(skip.json).toMatchObject({ type: "about:blank", title: "Conflict", status: 409, detail: `Cannot transition job ${id} from PENDING to STARTED` })
  expect(skip.json.instance).toMatch(/^urn:request:/)
  expect((await call(serve.url, h.secret, "DELETE", `/api/hpc/jobs/${id}`)).status).toBe(409)
  const cancelled = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/cancel`)
  expect(cancelled.status).toBe(200)
  expect(cancelled.json.status).toBe("CANCELLED")
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/cancel`)).status).toBe(409)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: WORKER })).status).toBe(409)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: "STARTED", detail: "late" } })).status).toBe(409)
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`)).json.status).toBe("CANCELLED")
  expect((await call(serve.url, h.secret, "DELETE", `/api/hpc/jobs/${id}`)).status).toBe(204)
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`)).status).toBe(404)
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}/transitions`)).status).toBe(404)
})

test("a claim needs a registered capability; another worker cannot report on a claimed job; bad bodies and headers are 400", async () => {
  await registerWorker(serve.url, h.secret)
  const id: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "other-tool" } })).json.id
  // a job without a profile runs on any profile: a worker polling by its profile sees it
  const anyProfile = await call(serve.url, h.secret, "GET", "/api/hpc/jobs?status=PENDING&processor=other-tool&profile=gpu")
  expect(anyProfile.json.items.map((j: { id: string }) => j.id)).toContain(id)
  const mismatch = await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: WORKER })
  expect(mismatch.status).toBe(409)
  expect(mismatch.json.detail).toContain("capability")
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/jobs/${id}`)).json.status).toBe("PENDING")

  const mine: string = (await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" } })).json.id
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${mine}/claim`, { workerId: WORKER })).status).toBe(200)
  await registerWorker(serve.url, h.secret, "intruder")
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${mine}/transition`, { workerId: "intruder", json: { status: "SUBMITTED" } })).status).toBe(409)

  expect((await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { profile: "x" } })).status).toBe(400)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${mine}/transition`, { workerId: WORKER, json: { status: "RUNNING" } })).status).toBe(400)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${mine}/transition`, { json: { status: "SUBMITTED" } })).status).toBe(400) // no X-Worker-Id
  expect((await call(serve.url, h.secret, "GET", "/api/hpc/jobs", { headers: { "X-EMX2-API-Version": "2024-01" } })).status).toBe(400)
  expect((await call(serve.url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", inputs: [{ artifact_id: "no-such-artifact" }] } })).status).toBe(400)
  const wrongSha = await call(serve.url, h.secret, "POST", "/api/hpc/artifacts", { json: { residence: "managed" } })
  const bytes = new Uint8Array([1, 2, 3])
  const bad = await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${wrongSha.json.id}/files/x.bin`, { bytes, sign: { bodyHash: sha256Hex("something else") } })
  expect(bad.status).toBe(400)
  expect(bad.json.detail).toContain("Content-SHA256 mismatch")
  expect((await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${wrongSha.json.id}`)).json.status).toBe("CREATED")
  expect((await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${wrongSha.json.id}/files/a%2F..%2Fb`, { bytes })).status).toBe(400) // one segment that decodes to a/../b
})

test("posix artifacts register file metadata, commit by tree hash, and redirect downloads to their content_url", async () => {
  const a = await call(serve.url, h.secret, "POST", "/api/hpc/artifacts", { json: { name: "nfs", type: "blob", residence: "posix", content_url: "file:///nfs/out/job-1" } })
  expect(a.status).toBe(201)
  expect(a.json.status).toBe("REGISTERED")
  const sha = sha256Hex("model bytes")
  const put = await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${a.json.id}/files/model.onnx`, { json: { sha256: sha, size_bytes: 11, content_type: "application/octet-stream" } })
  expect(put.status).toBe(201)
  const c = await call(serve.url, h.secret, "POST", `/api/hpc/artifacts/${a.json.id}/commit`, { json: { sha256: sha, size_bytes: 11 } })
  expect(c.status).toBe(200)
  const down = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${a.json.id}/files/model.onnx`)
  expect(down.status).toBe(302)
  expect(down.headers.get("location")).toBe("file:///nfs/out/job-1/model.onnx")
  expect((await call(serve.url, h.secret, "POST", "/api/hpc/artifacts", { json: { residence: "posix", content_url: "file:///nfs/../etc" } })).status).toBe(400)
})
