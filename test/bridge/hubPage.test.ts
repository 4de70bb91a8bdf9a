import { afterAll, beforeAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import puppeteer from "puppeteer-core"
import { sha256Hex } from "../../core/bridge/protocol/index.ts"
import { baseEnv, chromium, CHROMIUM_ARGS, startServe, type ServeProcess } from "../web/support.ts"
import { WORKER, call, hubHome, registerWorker, type HubHome } from "./hubSupport.ts"

/**
 * The hub as the page sees it (/v1/hub, behind X-Api-Key) on a server with an API key: the workers and
 * jobs, a page batch sent to a cluster (a committed CSV artifact and a PENDING `periogt` job that a
 * signed worker claims and completes), and that job's results; the /api/hpc routes keep taking the
 * signature, not the key. Without the hub, /v1/hub says so. In headless Chromium (when there is one):
 * the page shows the workers and jobs, and its batch form sends a CSV to the cluster.
 */
const KEY = "page-key-0123456789"
let h: HubHome
let serve: ServeProcess
const withKey = { "x-api-key": KEY }

beforeAll(async () => {
  h = hubHome("periogt-hub-page-")
  serve = await startServe({ ...h.env, PERIOGT_API_KEY: KEY }, ["--demo"])
})

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

test("the page's markup has the cluster section and choice, hidden until the script finds a hub", async () => {
  const html = await (await fetch(`${serve.url}/`)).text()
  expect(html).toContain('<section id="hub" aria-labelledby="hub-title" hidden>')
  expect(html).toContain('<p id="cluster-choice" hidden>')
})

test("a CSV sent to a cluster from the page: a worker claims it, finds the CSV, completes it; the page downloads the results", async () => {
  expect((await fetch(`${serve.url}/v1/hub`)).status).toBe(401)
  // the worker protocol is signed, not keyed
  expect((await registerWorker(serve.url, h.secret)).status).toBe(200)
  const empty = (await (await fetch(`${serve.url}/v1/hub`, { headers: withKey })).json()) as { enabled: boolean; workers: Array<{ worker_id: string }> }
  expect(empty.enabled).toBe(true)
  expect(empty.workers.map((w) => w.worker_id)).toEqual([WORKER])

  const csv = "id,smiles\na,*CC*\nb,*CC(C)*\n"
  const sent = await fetch(`${serve.url}/v1/hub/jobs?property=eps&name=my%20polymers.csv`, { method: "POST", headers: { ...withKey, "content-type": "text/csv" }, body: csv })
  expect(sent.status).toBe(202)
  const job = (await sent.json()) as { id: string; status: string; processor: string; parameters: { property: string }; inputs: Array<{ artifact_id: string; status: string }> }
  expect(job).toMatchObject({ status: "PENDING", processor: "periogt", parameters: { property: "eps" } })
  expect(job.inputs[0]!.status).toBe("COMMITTED")
  const bad = await fetch(`${serve.url}/v1/hub/jobs?property=eps`, { method: "POST", headers: { ...withKey, "content-type": "text/csv" }, body: "id,name\n1,x\n" })
  expect(bad.status).toBe(422)

  // the bridge's side: the pending job, its input CSV byte-identical, then the results
  const pending = await call(serve.url, h.secret, "GET", "/api/hpc/jobs?status=PENDING&processor=periogt")
  expect(pending.json.items.map((j: { id: string }) => j.id)).toContain(job.id)
  const input = job.inputs[0]!.artifact_id
  const files = (await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${input}/files`)).json.items
  expect(files.map((f: { path: string }) => f.path)).toEqual(["my polymers.csv"])
  const got = await call(serve.url, h.secret, "GET", `/api/hpc/artifacts/${input}/files/my%20polymers.csv`)
  expect(new TextDecoder().decode(got.bytes)).toBe(csv)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${job.id}/claim`, { workerId: WORKER })).status).toBe(200)
  expect((await fetch(`${serve.url}/v1/hub/jobs/${job.id}/results`, { headers: withKey })).status).toBe(409)
  for (const s of ["SUBMITTED", "STARTED"]) expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${job.id}/transition`, { workerId: WORKER, json: { status: s } })).status).toBe(200)
  const results = new TextEncoder().encode("id,smiles,property,prediction_value\na,*CC*,eps,2.5\n")
  const out: string = (await call(serve.url, h.secret, "POST", "/api/hpc/artifacts", { json: { name: "output", type: "csv" } })).json.id
  expect((await call(serve.url, h.secret, "PUT", `/api/hpc/artifacts/${out}/files/my_polymers_eps_predictions.csv`, { bytes: results })).status).toBe(201)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/artifacts/${out}/commit`, { json: { sha256: sha256Hex(results), size_bytes: results.byteLength } })).status).toBe(200)
  expect((await call(serve.url, h.secret, "POST", `/api/hpc/jobs/${job.id}/complete`, { workerId: WORKER, json: { status: "COMPLETED", output_artifact_id: out } })).status).toBe(200)

  const overview = (await (await fetch(`${serve.url}/v1/hub`, { headers: withKey })).json()) as { jobs: Array<{ id: string; status: string }> }
  expect(overview.jobs[0]).toMatchObject({ id: job.id, status: "COMPLETED" })
  const download = await fetch(`${serve.url}/v1/hub/jobs/${job.id}/results`, { headers: withKey })
  expect(download.status).toBe(200)
  expect(new Uint8Array(await download.arrayBuffer())).toEqual(results)
})

test("without a hub, /v1/hub says it is off and sending a job is 503 hub_unavailable", async () => {
  const home = fs.mkdtempSync(`${h.home}-nohub`)
  const plain = await startServe({ ...baseEnv(home), PERIOGT_WORKERS: "0" }, ["--demo"])
  try {
    expect(await (await fetch(`${plain.url}/v1/hub`)).json()).toEqual({ enabled: false, workers: [], jobs: [] })
    const r = await fetch(`${plain.url}/v1/hub/jobs`, { method: "POST", headers: { "content-type": "text/csv" }, body: "smiles\n*CC*\n" })
    expect(r.status).toBe(503)
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("hub_unavailable")
  } finally {
    await plain.stop()
    fs.rmSync(home, { recursive: true, force: true })
  }
})

const browserInfo = chromium()
if (browserInfo.path === undefined) console.warn(`skipping the hub page test in Chromium: ${browserInfo.reason}`)

test.skipIf(browserInfo.path === undefined)("in Chromium: the Cluster section lists the workers and jobs; 'Run on a cluster' sends the CSV as a hub job", async () => {
  expect((await registerWorker(serve.url, h.secret)).status).toBe(200)
  const browser = await puppeteer.launch({ executablePath: browserInfo.path!, headless: true, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage()
    await page.evaluateOnNewDocument(`sessionStorage.setItem("periogt-api-key", ${JSON.stringify(KEY)})`)
    await page.goto(`${serve.url}/`)
    await page.waitForSelector('body[data-hub="on"]')
    expect(await page.$("#hub:not([hidden])")).not.toBeNull()
    expect(await page.$eval("#hub-workers tbody", (el) => (el as unknown as { textContent: string }).textContent)).toContain(WORKER)
    const csv = path.join(h.home, "from-the-page.csv")
    fs.writeFileSync(csv, "id,smiles\na,*CC*\n")
    const input = await page.$("#csv-file")
    await (input as unknown as { uploadFile: (p: string) => Promise<void> }).uploadFile(csv)
    await page.click("#cluster")
    await page.click("#upload-button")
    await page.waitForFunction("document.getElementById('job-status').textContent.startsWith('Sent to the cluster')")
    await page.waitForFunction("[...document.querySelectorAll('#hub-jobs tbody tr')].some((tr) => tr.textContent.includes('from-the-page.csv') && tr.dataset.status === 'PENDING')")
    const overview = (await (await fetch(`${serve.url}/v1/hub`, { headers: withKey })).json()) as { jobs: Array<{ parameters?: { name?: string }; status: string }> }
    expect(overview.jobs[0]).toMatchObject({ status: "PENDING", parameters: { name: "from-the-page.csv" } })
  } finally {
    await browser.close()
  }
})
