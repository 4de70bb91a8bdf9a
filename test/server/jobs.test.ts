import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startTestServer, type TestServer } from "./support.ts"

/**
 * /v1/jobs on a real server (in this process, the test-double Predictor): upload, states, results,
 * limits, delete, the OpenAPI document, and the store's files (one SQLite file in WAL mode, input and
 * results beside it). The restart after SIGKILL is test/server/jobsRestart.test.ts (a real process).
 */

interface JobBody {
  id: string
  state: string
  rows_total: number | null
  rows_done: number
  rows_failed: number
  results_url: string | null
  error: { code: string } | null
}

const upload = (s: TestServer, csv: string, query = "property=eps", headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/jobs?${query}&name=polymers.csv`, { method: "POST", headers: { "content-type": "text/csv", ...headers }, body: csv })

/** Polls the job until it leaves queued/running (the runner's own pace; no fixed wait). */
const settled = async (s: TestServer, id: string): Promise<JobBody> => {
  for (;;) {
    const job = (await (await fetch(`${s.url}/v1/jobs/${id}`)).json()) as JobBody
    if (job.state === "completed" || job.state === "failed") return job
    await Bun.sleep(20)
  }
}

const csvOf = (n: number) => "id,smiles\n" + Array.from({ length: n }, (_, i) => `u${i},*C${"C".repeat(i % 5)}*`).join("\n") + "\n"

describe("/v1/jobs", () => {
  let dir: string
  let s: TestServer
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-jobs-"))
    s = await startTestServer({ jobsDir: dir, quiet: true, limits: { maxUploadBytes: 4096, maxActiveJobsPerClient: 2 } })
  })
  afterAll(async () => {
    await s.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test("an upload runs to completion; the results have one row per input row and property, in order", async () => {
    const r = await upload(s, csvOf(70) + "bad,CC\n", "property=eps,tg")
    expect(r.status).toBe(202)
    const job = (await r.json()) as JobBody
    expect(r.headers.get("location")).toBe(`/v1/jobs/${job.id}`)
    expect(["queued", "running"]).toContain(job.state)
    const done = await settled(s, job.id)
    expect(done).toMatchObject({ state: "completed", rows_total: 71, rows_done: 71, rows_failed: 1, results_url: `/v1/jobs/${job.id}/results` })
    const res = await fetch(`${s.url}${done.results_url}`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toStartWith("text/csv")
    expect(res.headers.get("content-disposition")).toContain("polymers_predictions.csv")
    const lines = (await res.text()).trimEnd().split("\n")
    expect(lines[0]).toBe("id,smiles,property,prediction_value,prediction_units,ok,error_code,error_message,request_id")
    expect(lines.length).toBe(1 + 71 * 2)
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(
      [...Array.from({ length: 70 }, (_, i) => [`u${i},*C${"C".repeat(i % 5)}*`]), ["bad,CC"]].flatMap(([p]) => [`${p},eps`, `${p},tg`]),
    )
    expect(lines.at(-1)).toContain(",false,validation_error,")
    // the files live beside the database
    expect(fs.existsSync(path.join(dir, job.id, "input.csv"))).toBe(true)
    expect(fs.existsSync(path.join(dir, job.id, "results.csv"))).toBe(true)
  })

  test("the store is one SQLite file in WAL mode", () => {
    const db = new Database(path.join(dir, "jobs.db"), { readonly: true })
    try {
      expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal")
      expect((db.query("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n).toBeGreaterThanOrEqual(1)
    } finally {
      db.close()
    }
  })

  test("GET /v1/jobs lists jobs newest first; DELETE removes a job and its files", async () => {
    const a = (await (await upload(s, csvOf(3))).json()) as JobBody
    await settled(s, a.id)
    const list = (await (await fetch(`${s.url}/v1/jobs`)).json()) as { jobs: Array<JobBody> }
    expect(list.jobs[0]!.id).toBe(a.id)
    const del = await fetch(`${s.url}/v1/jobs/${a.id}`, { method: "DELETE" })
    expect(del.status).toBe(204)
    expect((await fetch(`${s.url}/v1/jobs/${a.id}`)).status).toBe(404)
    expect(fs.existsSync(path.join(dir, a.id))).toBe(false)
  })

  test("refusals: no smiles column 422, unknown property 422, too large 413, not CSV 415, unknown job 404, unfinished results 409", async () => {
    const noSmiles = await upload(s, "id,name\n1,x\n")
    expect(noSmiles.status).toBe(422)
    expect(((await noSmiles.json()) as { error: { code: string } }).error.code).toBe("validation_error")
    const unknown = await upload(s, csvOf(2), "property=nope")
    expect(unknown.status).toBe(422)
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unsupported_property")
    const big = await upload(s, csvOf(400))
    expect(big.status).toBe(413)
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("payload_too_large")
    const json = await upload(s, "{}", "property=eps", { "content-type": "application/json" })
    expect(json.status).toBe(415)
    const missing = await fetch(`${s.url}/v1/jobs/00000000-0000-0000-0000-000000000000`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found")
    // no job directory was left behind by the refused uploads
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith("jobs.db")).length).toBe((await (await fetch(`${s.url}/v1/jobs`)).json() as { jobs: unknown[] }).jobs.length)
  })

  test("a client past its limit of active jobs gets 429; results of a job not finished are 409", async () => {
    s.control.setStatus({ state: "loading" }) // jobs wait for the model: they stay queued
    try {
      const a = (await (await upload(s, csvOf(2))).json()) as JobBody
      const b = await upload(s, csvOf(2))
      expect(b.status).toBe(202)
      const c = await upload(s, csvOf(2))
      expect(c.status).toBe(429)
      expect(((await c.json()) as { error: { code: string } }).error.code).toBe("too_many_jobs")
      const early = await fetch(`${s.url}/v1/jobs/${a.id}/results`)
      expect(early.status).toBe(409)
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe("job_not_finished")
    } finally {
      s.control.setStatus({ state: "ready" })
    }
    const jobs = ((await (await fetch(`${s.url}/v1/jobs`)).json()) as { jobs: Array<JobBody> }).jobs
    for (const j of jobs) expect((await settled(s, j.id)).state).toBe("completed")
  })

  test("one server per job store: a second one on the same directory refuses to start, naming the first", async () => {
    const second = await startTestServer({ jobsDir: dir, quiet: true }).then(
      () => "started",
      (e: unknown) => String(e instanceof Error ? e.message : e),
    )
    expect(second).toContain("being written by another run")
    expect(second).toContain(`process ${process.pid}`)
  })

  test("/metrics counts jobs by state", async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text()
    expect(text).toContain("# TYPE periogt_jobs gauge")
    expect(text).toMatch(/^periogt_jobs\{state="completed"\} [1-9]\d*$/m)
    expect(text).toMatch(/^periogt_jobs\{state="queued"\} \d+$/m)
  })

  test("the OpenAPI document has the job routes", async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> }
    expect(Object.keys(doc.paths["/v1/jobs"]!).sort()).toEqual(["get", "post"])
    expect(Object.keys(doc.paths["/v1/jobs/{id}"]!).sort()).toEqual(["delete", "get"])
    expect(Object.keys(doc.paths["/v1/jobs/{id}/results"]!)).toEqual(["get"])
    expect(doc.paths["/v1/jobs/{id}"]!["get"]!.parameters!.some((p) => p.name === "id" && p.in === "path")).toBe(true)
    expect(doc.paths["/"]).toBeUndefined()
  })
})

test("DELETE of a running job stops it after its chunk in flight and removes it; the next job runs", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-jobs-del-"))
  const s = await startTestServer({ jobsDir: dir, quiet: true, predictor: { batchCostMs: 40 } })
  try {
    const a = (await (await upload(s, csvOf(400))).json()) as JobBody
    const b = (await (await upload(s, csvOf(5))).json()) as JobBody
    // running, with a chunk committed
    for (;;) {
      const j = (await (await fetch(`${s.url}/v1/jobs/${a.id}`)).json()) as JobBody
      if (j.state === "running" && j.rows_done > 0) break
      expect(j.state).not.toBe("completed")
      await Bun.sleep(10)
    }
    expect((await fetch(`${s.url}/v1/jobs/${a.id}`, { method: "DELETE" })).status).toBe(204)
    expect((await fetch(`${s.url}/v1/jobs/${a.id}`)).status).toBe(404)
    expect(fs.existsSync(path.join(dir, a.id))).toBe(false)
    expect((await settled(s, b.id)).state).toBe("completed")
  } finally {
    await s.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("without a job directory /v1/jobs answers 503 jobs_unavailable", async () => {
  const s = await startTestServer({ quiet: true })
  try {
    const r = await fetch(`${s.url}/v1/jobs`)
    expect(r.status).toBe(503)
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("jobs_unavailable")
  } finally {
    await s.close()
  }
})
