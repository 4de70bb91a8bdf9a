import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { periogtBinary } from "../support/binary.ts"
import { exampleCsv, startServe, waitHealthy, waitJob } from "./support.ts"

/**
 * The compiled executable, alone in an empty directory with neither node nor bun on PATH, serves the page
 * from what is embedded in it (`serve --demo`: no checkpoints either) and runs a job.
 */
test("the executable serves the page, its script and style from inside itself, and runs a job on --demo", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-page-bin-"))
  const bin = path.join(dir, "periogt")
  fs.copyFileSync(periogtBinary(), bin)
  fs.chmodSync(bin, 0o755)
  const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-path-"))
  const env = { PATH: emptyPath, HOME: dir, PERIOGT_RESULTS_DIR: path.join(dir, "results"), PERIOGT_WORKERS: "0", PERIOGT_THREADS: "2" }
  const server = await startServe(env, ["--demo"], [bin])
  try {
    await waitHealthy(server.url)
    const html = await (await fetch(`${server.url}/`)).text()
    expect(html).toContain('src="page.js"')
    const js = await (await fetch(`${server.url}/page.js`)).text()
    expect(js).toContain("periogt-api-key")
    expect(js).not.toContain("import ") // one bundle, nothing left to fetch
    expect((await (await fetch(`${server.url}/page.css`)).text())).toContain(":focus-visible")
    const { id } = (await (await fetch(`${server.url}/v1/jobs?property=all&name=x.csv`, { method: "POST", headers: { "content-type": "text/csv" }, body: exampleCsv(12) })).json()) as { id: string }
    const job = await waitJob(server.url, id, (j) => j.state === "completed")
    expect(job).toMatchObject({ rows_done: 13, rows_failed: 1 })
    expect(await server.stop()).toBe(0)
  } finally {
    server.proc.kill("SIGKILL")
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(emptyPath, { recursive: true, force: true })
  }
}, 300_000)
