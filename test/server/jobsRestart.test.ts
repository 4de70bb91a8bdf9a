import { expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { baseEnv, exampleCsv, startServe, waitHealthy, waitJob } from "../web/support.ts"

/**
 * A real `periogt serve --demo` process killed with SIGKILL in the middle of a job: the job is still
 * `running` in the store; the restarted server queues it again, resumes it from the batch engine's
 * journal and completes it — every input row once, in order, and the file equal byte for byte to the
 * same input run as a job from start to end without interruption.
 */
const ROWS = 224

test("a job survives SIGKILL of the server: resumed at restart, no row lost or repeated", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-jobs-kill-"))
  const env = { ...baseEnv(home), PERIOGT_WORKERS: "0" }
  const csv = exampleCsv(ROWS)
  const dbPath = path.join(home, "results", "jobs", "jobs.db")
  let first = await startServe(env, ["--demo"])
  try {
    await waitHealthy(first.url)
    const r = await fetch(`${first.url}/v1/jobs?property=all&name=examples.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv })
    expect(r.status).toBe(202)
    const { id } = (await r.json()) as { id: string }
    // kill it once at least one chunk is committed and the job is not done yet
    const mid = await waitJob(first.url, id, (j) => (j.state === "running" && j.rows_done > 0) || j.state === "completed")
    expect(mid.state).toBe("running")
    expect(mid.rows_per_second).toBeGreaterThan(0)
    expect(mid.eta_seconds).toBeGreaterThanOrEqual(0)
    first.proc.kill("SIGKILL")
    await first.proc.exited

    const db = new Database(dbPath, { readonly: true })
    const row = db.query("SELECT state, rows_done FROM jobs WHERE id = $id").get({ id }) as { state: string; rows_done: number }
    db.close()
    expect(row.state).toBe("running")
    expect(row.rows_done).toBeLessThan(ROWS + 1)

    first = await startServe(env, ["--demo"])
    expect(first.stderr()).not.toContain("internal_error")
    const done = await waitJob(first.url, id, (j) => j.state === "completed")
    expect(done).toMatchObject({ rows_total: ROWS + 1, rows_done: ROWS + 1, rows_failed: 1 })
    const resumed = await (await fetch(`${first.url}/v1/jobs/${id}/results`)).text()

    // the same input, uninterrupted
    const again = (await (await fetch(`${first.url}/v1/jobs?property=all&name=examples.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv })).json()) as { id: string }
    await waitJob(first.url, again.id, (j) => j.state === "completed")
    const whole = await (await fetch(`${first.url}/v1/jobs/${again.id}/results`)).text()

    const lines = resumed.trimEnd().split("\n")
    expect(lines.length).toBe(1 + ROWS + 1)
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual([...Array.from({ length: ROWS }, (_, i) => `r${i}`), "bad"])
    expect(resumed).toBe(whole)
    expect(await first.stop()).toBe(0)
  } finally {
    first.proc.kill("SIGKILL")
    fs.rmSync(home, { recursive: true, force: true })
  }
}, 240_000)

test("SIGTERM mid-job: the server commits the chunk in flight, puts the job back in the queue and exits 0; the next start completes it", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-jobs-term-"))
  const env = { ...baseEnv(home), PERIOGT_WORKERS: "0" }
  const csv = exampleCsv(ROWS)
  let server = await startServe(env, ["--demo"])
  try {
    await waitHealthy(server.url)
    const { id } = (await (await fetch(`${server.url}/v1/jobs?property=all&name=examples.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv })).json()) as { id: string }
    const mid = await waitJob(server.url, id, (j) => (j.state === "running" && j.rows_done > 0) || j.state === "completed")
    expect(mid.state).toBe("running")
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toContain("it resumes at the next start")
    const db = new Database(path.join(home, "results", "jobs", "jobs.db"), { readonly: true })
    const row = db.query("SELECT state FROM jobs WHERE id = $id").get({ id }) as { state: string }
    db.close()
    expect(row.state).toBe("queued")
    server = await startServe(env, ["--demo"])
    const done = await waitJob(server.url, id, (j) => j.state === "completed")
    expect(done.rows_done).toBe(ROWS + 1)
    const lines = (await (await fetch(`${server.url}/v1/jobs/${id}/results`)).text()).trimEnd().split("\n")
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual([...Array.from({ length: ROWS }, (_, i) => `r${i}`), "bad"])
    expect(await server.stop()).toBe(0)
  } finally {
    server.proc.kill("SIGKILL")
    fs.rmSync(home, { recursive: true, force: true })
  }
}, 240_000)
