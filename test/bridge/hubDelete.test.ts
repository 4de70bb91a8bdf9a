import { afterAll, beforeAll, expect, test } from "bun:test"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { sha256Hex } from "../../core/bridge/protocol/index.ts"
import { waitFor } from "../support/process.ts"
import type { ServeProcess } from "../web/support.ts"
import { call, committedArtifact, hubHome, registerWorker, startHub, type HubHome } from "./hubSupport.ts"

/**
 * DELETE of artifacts and workers against a real `serve --demo`: refused while a live job needs them,
 * shared content-addressed bytes kept while another artifact names them and removed once none does,
 * forged deletes refused with nothing changed, a deleted worker's jobs kept with worker_id null, and
 * orphan blobs swept when the hub starts.
 */
let h: HubHome
let serve: ServeProcess
let blobDir: string

const blobOf = (bytes: Uint8Array) => {
  const sha = sha256Hex(bytes)
  return path.join(blobDir, sha.slice(0, 2), sha)
}
const send = (method: string, target: string, o: Parameters<typeof call>[4] = {}) => call(serve.url, h.secret, method, target, o)
const newJob = async (processor: string, inputs?: unknown) => {
  const r = await send("POST", "/api/hpc/jobs", { json: { processor, ...(inputs === undefined ? {} : { inputs }) } })
  expect(r.status).toBe(201)
  return r.json.id as string
}
const report = (worker: string, job: string, status: string, extra: Record<string, unknown> = {}) =>
  send("POST", `/api/hpc/jobs/${job}/transition`, { workerId: worker, json: { status, ...extra } })
const claim = (worker: string, job: string) => send("POST", `/api/hpc/jobs/${job}/claim`, { workerId: worker, json: { worker_id: worker } })

beforeAll(async () => {
  h = hubHome("periogt-hub-delete-")
  serve = await startHub(h)
  blobDir = path.join(path.dirname(h.dbPath), "hub", "blobs")
})

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

test("DELETE artifact: 409 while a live job names it, 401 forged; then 204, 404, and shared bytes stay until no artifact names them", async () => {
  const shared = randomBytes(150_000)
  const own = randomBytes(90_000)
  const a = await committedArtifact(serve.url, h.secret, { "input.csv": shared }, "a")
  const twin = await committedArtifact(serve.url, h.secret, { "copy/input.csv": shared }, "twin")
  const c = await committedArtifact(serve.url, h.secret, { "out.bin": own }, "c")
  expect(fs.existsSync(blobOf(shared))).toBe(true)
  expect(fs.existsSync(blobOf(own))).toBe(true)

  expect((await send("DELETE", `/api/hpc/artifacts/${crypto.randomUUID()}`)).status).toBe(404)

  // a PENDING job's input
  const job = await newJob("delete-test", [{ artifact_id: a }])
  const refused = await send("DELETE", `/api/hpc/artifacts/${a}`)
  expect(refused.status).toBe(409)
  expect(refused.headers.get("content-type")).toBe("application/problem+json")
  expect(refused.json).toMatchObject({ status: 409, code: "artifact_in_use" })
  expect(refused.json.detail).toContain(job)

  // a live job's output
  expect((await registerWorker(serve.url, h.secret, "delete-out-worker", "delete-out")).status).toBe(200)
  const producing = await newJob("delete-out")
  expect((await claim("delete-out-worker", producing)).status).toBe(200)
  expect((await report("delete-out-worker", producing, "SUBMITTED", { output_artifact_id: c })).status).toBe(200)
  const outRefused = await send("DELETE", `/api/hpc/artifacts/${c}`)
  expect(outRefused.status).toBe(409)
  expect(outRefused.json.code).toBe("artifact_in_use")

  // forged and unsigned deletes change nothing
  expect((await send("DELETE", `/api/hpc/artifacts/${twin}`, { sign: { secret: "y".repeat(64) } })).status).toBe(401)
  const unsigned = await fetch(`${serve.url}/api/hpc/artifacts/${twin}`, { method: "DELETE", headers: { "X-EMX2-API-Version": "2025-01", "X-Request-Id": crypto.randomUUID(), "X-Timestamp": String(Math.floor(Date.now() / 1000)) } })
  expect(unsigned.status).toBe(401)
  expect((await send("GET", `/api/hpc/artifacts/${twin}`)).status).toBe(200)
  expect((await send("GET", `/api/hpc/artifacts/${a}`)).status).toBe(200)

  // once the job is terminal the artifact may go; its twin keeps the shared bytes
  expect((await send("POST", `/api/hpc/jobs/${job}/cancel`)).status).toBe(200)
  expect((await send("DELETE", `/api/hpc/artifacts/${a}`)).status).toBe(204)
  const gone = await send("GET", `/api/hpc/artifacts/${a}`)
  expect(gone.status).toBe(404)
  expect(gone.json.code).toBe("not_found")
  expect((await send("GET", `/api/hpc/artifacts/${a}/files/input.csv`)).status).toBe(404)
  expect((await send("GET", `/api/hpc/artifacts/${a}/files`)).status).toBe(404)
  expect((await send("DELETE", `/api/hpc/artifacts/${a}`)).status).toBe(404)
  expect(fs.existsSync(blobOf(shared))).toBe(true)
  const kept = await send("GET", `/api/hpc/artifacts/${twin}/files/copy/input.csv`)
  expect(kept.status).toBe(200)
  expect(kept.bytes).toEqual(new Uint8Array(shared))
  // the cancelled job still reads, its input shown by id alone
  const history = await send("GET", `/api/hpc/jobs/${job}`)
  expect(history.status).toBe(200)
  expect(history.json.inputs[0]).toMatchObject({ artifact_id: a })

  // the last artifact naming the bytes: they go too
  expect((await send("DELETE", `/api/hpc/artifacts/${twin}`)).status).toBe(204)
  expect(fs.existsSync(blobOf(shared))).toBe(false)

  expect((await send("POST", `/api/hpc/jobs/${producing}/cancel`)).status).toBe(200)
  expect((await send("DELETE", `/api/hpc/artifacts/${c}`)).status).toBe(204)
  expect(fs.existsSync(blobOf(own))).toBe(false)
})

test("a file replaced or deleted before commit drops its bytes at once, unless another file names them", async () => {
  const first = randomBytes(40_000)
  const second = randomBytes(40_000)
  const sharedWithOther = randomBytes(40_000)
  const other = await committedArtifact(serve.url, h.secret, { "keep.bin": sharedWithOther }, "other")
  const created = await send("POST", "/api/hpc/artifacts", { json: { name: "draft", type: "blob", residence: "managed" } })
  expect(created.status).toBe(201)
  const id: string = created.json.id
  const put = (bytes: Uint8Array) => send("PUT", `/api/hpc/artifacts/${id}/files/data.bin`, { bytes, contentType: "application/octet-stream" })

  expect((await put(first)).status).toBe(201)
  expect(fs.existsSync(blobOf(first))).toBe(true)
  expect((await put(second)).status).toBe(201)
  expect(fs.existsSync(blobOf(first))).toBe(false)
  expect(fs.existsSync(blobOf(second))).toBe(true)

  expect((await put(sharedWithOther)).status).toBe(201)
  expect(fs.existsSync(blobOf(second))).toBe(false)
  expect((await send("DELETE", `/api/hpc/artifacts/${id}/files/data.bin`)).status).toBe(204)
  // the committed artifact still names these bytes
  expect(fs.existsSync(blobOf(sharedWithOther))).toBe(true)
  const kept = await send("GET", `/api/hpc/artifacts/${other}/files/keep.bin`)
  expect(kept.bytes).toEqual(new Uint8Array(sharedWithOther))
})

test("the page's results of a COMPLETED job whose output artifact was deleted: 404 output_deleted, not a 500", async () => {
  expect((await registerWorker(serve.url, h.secret, "delete-page-worker", "periogt")).status).toBe(200)
  const results = new TextEncoder().encode("id,smiles,property,prediction_value\na,*CC*,eps,2.5\n")
  const out = await committedArtifact(serve.url, h.secret, { "results.csv": results }, "out")
  const job = await newJob("periogt")
  expect((await claim("delete-page-worker", job)).status).toBe(200)
  expect((await report("delete-page-worker", job, "SUBMITTED")).status).toBe(200)
  expect((await report("delete-page-worker", job, "STARTED")).status).toBe(200)
  expect((await report("delete-page-worker", job, "COMPLETED", { output_artifact_id: out })).status).toBe(200)
  const before = await fetch(`${serve.url}/v1/hub/jobs/${job}/results`)
  expect(before.status).toBe(200)
  expect(new Uint8Array(await before.arrayBuffer())).toEqual(results)

  expect((await send("DELETE", `/api/hpc/artifacts/${out}`)).status).toBe(204)
  const after = await fetch(`${serve.url}/v1/hub/jobs/${job}/results`)
  expect(after.status).toBe(404)
  const body = (await after.json()) as { error: { code: string; details: { reason: string; artifact: string } } }
  expect(body.error.code).toBe("not_found")
  expect(body.error.details).toMatchObject({ reason: "output_deleted", artifact: out })
  // the job's history keeps the reference
  expect((await send("GET", `/api/hpc/jobs/${job}`)).json.output_artifact_id).toBe(out)
})

test("DELETE worker: 404 unknown, 409 while it holds a live job, 401 forged; then 204, its jobs kept with worker_id null, its heartbeat 404", async () => {
  const W = "delete-me-worker"
  expect((await send("DELETE", "/api/hpc/workers/no-such-worker")).status).toBe(404)
  expect((await registerWorker(serve.url, h.secret, W, "delete-worker-proc")).status).toBe(200)

  const done = await newJob("delete-worker-proc")
  expect((await claim(W, done)).status).toBe(200)
  for (const s of ["SUBMITTED", "STARTED", "COMPLETED"]) expect((await report(W, done, s)).status).toBe(200)
  const live = await newJob("delete-worker-proc")
  expect((await claim(W, live)).status).toBe(200)

  const busy = await send("DELETE", `/api/hpc/workers/${W}`)
  expect(busy.status).toBe(409)
  expect(busy.json).toMatchObject({ status: 409, code: "worker_busy" })
  expect(busy.json.detail).toContain(live)
  expect((await send("DELETE", `/api/hpc/workers/${W}`, { sign: { secret: "z".repeat(64) } })).status).toBe(401)
  expect((await send("GET", `/api/hpc/workers/${W}`)).status).toBe(200)
  expect((await send("GET", `/api/hpc/jobs/${done}`)).json.worker_id).toBe(W)

  expect((await send("POST", `/api/hpc/jobs/${live}/cancel`)).status).toBe(200)
  expect((await send("DELETE", `/api/hpc/workers/${W}`)).status).toBe(204)
  expect((await send("GET", `/api/hpc/workers/${W}`)).status).toBe(404)
  const listed = await send("GET", "/api/hpc/workers")
  expect(listed.json.items.map((w: { worker_id: string }) => w.worker_id)).not.toContain(W)
  expect((await send("DELETE", `/api/hpc/workers/${W}`)).status).toBe(404)

  for (const id of [done, live]) {
    const j = await send("GET", `/api/hpc/jobs/${id}`)
    expect(j.status).toBe(200)
    expect(j.json.worker_id).toBeNull()
  }
  expect((await send("GET", `/api/hpc/jobs/${done}`)).json.status).toBe("COMPLETED")
  // the log is history: who reported each step stays in it
  const log = await send("GET", `/api/hpc/jobs/${done}/transitions`)
  expect(log.json.items.map((t: { to_status: string }) => t.to_status)).toEqual(["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"])
  expect(log.json.items.filter((t: { worker_id: string | null }) => t.worker_id === W).length).toBe(4)

  // the deleted worker: its heartbeat is an unknown worker's (404), its old job refuses it, it may register anew
  const hb = await send("POST", `/api/hpc/workers/${W}/heartbeat`, { workerId: W })
  expect(hb.status).toBe(404)
  expect(hb.json.code).toBe("not_found")
  expect((await report(W, done, "FAILED")).status).toBe(409)
  expect((await registerWorker(serve.url, h.secret, W, "delete-worker-proc")).status).toBe(200)
  expect((await send("GET", `/api/hpc/workers/${W}`)).status).toBe(200)
})

test("a restarted hub sweeps blobs no file names, and keeps those that are named", async () => {
  const keep = randomBytes(10_000)
  const id = await committedArtifact(serve.url, h.secret, { "keep.bin": keep }, "keep")
  const orphan = new TextEncoder().encode("left by a crash between a delete's commit and its unlink")
  fs.mkdirSync(path.dirname(blobOf(orphan)), { recursive: true })
  fs.writeFileSync(blobOf(orphan), orphan)
  expect(await serve.stop()).toBe(0)
  serve = await startHub(h)
  await waitFor(async () => (await fetch(`${serve.url}/api/hpc/health`)).status === 200, 30_000, "the restarted hub's health")
  expect(fs.existsSync(blobOf(orphan))).toBe(false)
  expect(fs.existsSync(blobOf(keep))).toBe(true)
  const down = await send("GET", `/api/hpc/artifacts/${id}/files/keep.bin`)
  expect(down.status).toBe(200)
  expect(down.bytes).toEqual(new Uint8Array(keep))
})
