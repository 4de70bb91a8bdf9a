import { afterAll, expect, test } from "bun:test"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { sha256Hex } from "../../core/bridge/protocol/index.ts"
import type { ServeProcess } from "../web/support.ts"
import { WORKER, call, hubHome, registerWorker, replay, startHub } from "./hubSupport.ts"

/**
 * The hub's state survives `serve` killed with SIGKILL: workers, jobs in every state, their transition
 * logs, committed artifacts (bytes identical) — and the nonces, so a request seen before the kill is
 * still refused as a replay after the restart.
 */
const h = hubHome("periogt-hub-restart-")
let serve: ServeProcess | undefined

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

test("SIGKILL and restart: jobs, transitions, artifacts and nonces are all still there", async () => {
  serve = await startHub(h)
  let url = serve.url
  expect((await registerWorker(url, h.secret)).status).toBe(200)

  // one job completed with an artifact, one left SUBMITTED, one PENDING
  const done: string = (await call(url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", parameters: { rows: 3 } } })).json.id
  const submitted: string = (await call(url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" } })).json.id
  const pending: string = (await call(url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt" } })).json.id
  for (const [id, states] of [
    [done, ["SUBMITTED", "STARTED"]],
    [submitted, ["SUBMITTED"]],
  ] as const) {
    expect((await call(url, h.secret, "POST", `/api/hpc/jobs/${id}/claim`, { workerId: WORKER })).status).toBe(200)
    for (const s of states) expect((await call(url, h.secret, "POST", `/api/hpc/jobs/${id}/transition`, { workerId: WORKER, json: { status: s, detail: `${s} ${id}` } })).status).toBe(200)
  }
  const bytes = randomBytes(300_000)
  const art: string = (await call(url, h.secret, "POST", "/api/hpc/artifacts", { json: { name: "out", type: "csv" } })).json.id
  expect((await call(url, h.secret, "PUT", `/api/hpc/artifacts/${art}/files/out.csv`, { bytes })).status).toBe(201)
  expect((await call(url, h.secret, "POST", `/api/hpc/artifacts/${art}/commit`, { json: { sha256: sha256Hex(bytes), size_bytes: bytes.byteLength } })).status).toBe(200)
  const completed = await call(url, h.secret, "POST", `/api/hpc/jobs/${done}/complete`, { workerId: WORKER, json: { status: "COMPLETED", output_artifact_id: art } })
  expect(completed.status).toBe(200)
  const logBefore = (await call(url, h.secret, "GET", `/api/hpc/jobs/${done}/transitions`)).json
  const heldNonce = await call(url, h.secret, "POST", "/api/hpc/jobs", { json: { processor: "periogt", profile: "once" } })
  expect(heldNonce.status).toBe(201)

  serve.proc.kill("SIGKILL")
  await serve.proc.exited
  serve = await startHub(h)
  url = serve.url

  expect((await call(url, h.secret, "GET", `/api/hpc/workers/${WORKER}`)).json.worker_id).toBe(WORKER)
  const j1 = await call(url, h.secret, "GET", `/api/hpc/jobs/${done}`)
  expect(j1.json).toMatchObject({ status: "COMPLETED", worker_id: WORKER, output_artifact_id: art, parameters: { rows: 3 } })
  expect((await call(url, h.secret, "GET", `/api/hpc/jobs/${done}/transitions`)).json).toEqual(logBefore)
  expect((await call(url, h.secret, "GET", `/api/hpc/jobs/${submitted}`)).json.status).toBe("SUBMITTED")
  expect((await call(url, h.secret, "GET", `/api/hpc/jobs/${pending}`)).json.status).toBe("PENDING")
  const a = await call(url, h.secret, "GET", `/api/hpc/artifacts/${art}`)
  expect(a.json).toMatchObject({ status: "COMMITTED", sha256: sha256Hex(bytes), size_bytes: bytes.byteLength })
  const down = await call(url, h.secret, "GET", `/api/hpc/artifacts/${art}/files/out.csv`)
  expect(Buffer.from(down.bytes).equals(bytes)).toBe(true)

  // the request from before the kill, replayed inside the window, is still refused
  const again = await replay(url, "POST", "/api/hpc/jobs", heldNonce.sent, JSON.stringify({ processor: "periogt", profile: "once" }))
  expect(again.status).toBe(401)
  const once = await call(url, h.secret, "GET", "/api/hpc/jobs?status=PENDING&profile=once")
  // (jobs without a profile are listed under every profile; count the ones named "once")
  expect(once.json.items.filter((j: { profile: string | null }) => j.profile === "once").length).toBe(1)

  // and the restarted hub goes on: the SUBMITTED job can finish
  expect((await call(url, h.secret, "POST", `/api/hpc/jobs/${submitted}/transition`, { workerId: WORKER, json: { status: "STARTED" } })).status).toBe(200)
  expect((await call(url, h.secret, "POST", `/api/hpc/jobs/${submitted}/transition`, { workerId: WORKER, json: { status: "FAILED", detail: "exit 1" } })).status).toBe(200)
})
