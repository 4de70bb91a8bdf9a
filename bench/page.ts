/**
 * The web page's costs (issue 17):
 * 1. first load: bytes the browser fetches for `GET /` until the page is interactive (HTML, script,
 *    style, the API calls it makes at start, the gallery's depictions), and the time from navigation to
 *    interactive (`body[data-ready]`: properties loaded) and to complete (the gallery's depictions, made
 *    by the server, shown), on loopback, in headless Chromium;
 *    the first load of a fresh browser and the median of `--runs` fresh contexts.
 * 2. a job's overhead: the same `--rows` rows (the demo's examples cycled, one invalid row) run by
 *    `periogt batch` (a process: start, model load, rows) and as a job on a running `periogt serve`
 *    (upload → completed, polled every 25 ms; the model is already loaded), with the ratio.
 *
 *   bun bench/page.ts [--rows 1000] [--runs 5] [--skip-load] [--skip-job]
 *
 * Runs on the tiny synthetic checkpoints (test/fixtures/model/tiny + ../shared's scaler); prints one
 * line per figure and a summary. Takes a few minutes for 1000 rows on 2 cores.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import puppeteer from "puppeteer-core"
import { placeCheckpoints, SHARED_SCALER } from "../test/support/checkpoints.ts"
import { baseEnv, chromium, CHROMIUM_ARGS, CLI, exampleCsv, startServe, waitHealthy, waitJob } from "../test/web/support.ts"

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "1000" }, runs: { type: "string", default: "5" }, "skip-load": { type: "boolean" }, "skip-job": { type: "boolean" } },
})
const ROWS = Number(args.rows)
const RUNS = Number(args.runs)

if (!fs.existsSync(SHARED_SCALER)) {
  console.error(`needs upstream's descriptor scaler at ${SHARED_SCALER}`)
  process.exit(2)
}
const home = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bench-page-"))
const ck = placeCheckpoints(path.join(home, "ck"))
const env = { ...baseEnv(home), PERIOGT_CHECKPOINT_DIR: ck }
const setup = Bun.spawnSync(["bun", CLI, "setup", "--skip-download"], { env, stdout: "pipe", stderr: "pipe" })
if (setup.exitCode !== 0) throw new Error(setup.stderr.toString())
const server = await startServe(env)
await waitHealthy(server.url)
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

try {
  if (args["skip-load"] !== true) {
    const info = chromium()
    if (info.path === undefined) throw new Error(info.reason)
    const browser = await puppeteer.launch({ executablePath: info.path, headless: true, args: CHROMIUM_ARGS })
    const loads: Array<{ ms: number; completeMs: number; bytes: number; requests: number }> = []
    for (let i = 0; i < RUNS + 1; i++) {
      const context = await browser.createBrowserContext()
      const page = await context.newPage()
      const session = await page.createCDPSession()
      await session.send("Network.enable")
      let bytes = 0
      let requests = 0
      session.on("Network.loadingFinished", (e: { encodedDataLength: number }) => {
        bytes += e.encodedDataLength
        requests++
      })
      const t0 = performance.now()
      await page.goto(`${server.url}/`)
      await page.waitForSelector('body[data-ready="true"]')
      const ms = performance.now() - t0
      await page.waitForSelector('body[data-gallery="true"]')
      await page.waitForFunction("[...document.querySelectorAll('#gallery img')].every((i) => i.complete)")
      loads.push({ ms, completeMs: performance.now() - t0, bytes, requests })
      await context.close()
    }
    await browser.close()
    const [first, ...rest] = loads
    console.log(`first load (fresh browser, first page of this server): ${first!.ms.toFixed(0)} ms to interactive, ${first!.completeMs.toFixed(0)} ms with the gallery, ${(first!.bytes / 1024).toFixed(1)} KiB in ${first!.requests} responses`)
    console.log(`first load (fresh context, median of ${rest.length}): ${median(rest.map((l) => l.ms)).toFixed(0)} ms to interactive, ${median(rest.map((l) => l.completeMs)).toFixed(0)} ms with the gallery, ${(median(rest.map((l) => l.bytes)) / 1024).toFixed(1)} KiB`)
    const html = await (await fetch(`${server.url}/`)).text()
    const js = await (await fetch(`${server.url}/page.js`)).text()
    const css = await (await fetch(`${server.url}/page.css`)).text()
    console.log(`assets: HTML ${html.length} B, script ${js.length} B, style ${css.length} B (uncompressed; no third-party request)`)
  }

  if (args["skip-job"] !== true) {
    const input = path.join(home, "rows.csv")
    fs.writeFileSync(input, exampleCsv(ROWS))
    const t0 = performance.now()
    const batch = Bun.spawnSync(["bun", CLI, "batch", "--input", input, "--property", "eps", "--output", path.join(home, "cli.csv")], { env, stdout: "pipe", stderr: "pipe" })
    const batchMs = performance.now() - t0
    if (batch.exitCode !== 0 && batch.exitCode !== 1) throw new Error(batch.stderr.toString())
    const t1 = performance.now()
    const r = await fetch(`${server.url}/v1/jobs?property=eps&name=rows.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: fs.readFileSync(input) })
    const { id } = (await r.json()) as { id: string }
    await waitJob(server.url, id, (j) => j.state === "completed")
    const jobMs = performance.now() - t1
    const same = (await (await fetch(`${server.url}/v1/jobs/${id}/results`)).text()) === fs.readFileSync(path.join(home, "cli.csv"), "utf8")
    console.log(`${ROWS + 1} rows: periogt batch ${(batchMs / 1000).toFixed(2)} s (process start and model load included); job on a running server ${(jobMs / 1000).toFixed(2)} s (upload to completed)`)
    console.log(`job / batch = ${(jobMs / batchMs).toFixed(2)}; results identical: ${same}`)
  }
} finally {
  await server.stop()
  fs.rmSync(home, { recursive: true, force: true })
}
