import { describe, expect, test } from "bun:test"
import * as path from "node:path"
import { missingTools } from "../adapters/tools.ts"
import { startTestServer } from "./support.ts"

const SCRIPT = path.resolve(import.meta.dir, "../../scripts/smoke_test.sh")
const curl = Bun.which("curl")
const noShellcheck = missingTools(["shellcheck"])

const runSmoke = async (url: string, env: Record<string, string> = {}) => {
  const p = Bun.spawn(["bash", SCRIPT, url], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env }, stdout: "pipe", stderr: "pipe" })
  const code = await p.exited
  return { code, out: await new Response(p.stdout).text(), err: await new Response(p.stderr).text() }
}

if (curl === null) {
  test.skip("scripts/smoke_test.sh: skipped, curl is not installed on this machine", () => {})
} else {
  describe("scripts/smoke_test.sh against the test server", () => {
    test("passes all six checks with the key from PERIOGT_API_KEY, and never prints the key", async () => {
      const key = "smoke-key-" + "7".repeat(30)
      const s = await startTestServer({ apiKey: key, quiet: true })
      try {
        const ok = await runSmoke(s.url, { PERIOGT_API_KEY: key })
        expect(ok.code).toBe(0)
        expect(ok.out).toContain("6 passed, 0 failed")
        expect(ok.out + ok.err).not.toContain(key)
        const noKey = await runSmoke(s.url)
        expect(noKey.code).toBe(1)
        expect(noKey.out).toContain("0 passed, 6 failed")
      } finally {
        await s.close()
      }
    })

    test("fails when the model never finishes loading within PERIOGT_SMOKE_WAIT_S, and on a dead URL", async () => {
      const s = await startTestServer({ predictor: { status: { state: "loading" } }, quiet: true })
      try {
        const r = await runSmoke(s.url, { PERIOGT_SMOKE_WAIT_S: "0" })
        expect(r.code).toBe(1)
        expect(r.out).toContain("FAIL  GET /v1/properties: expected 200, got 503")
      } finally {
        await s.close()
      }
      const dead = await runSmoke(s.url, { PERIOGT_SMOKE_MAX_TIME_S: "5" })
      expect(dead.code).toBe(1)
      expect(dead.out).toContain("0 passed, 6 failed")
      const usage = await runSmoke("")
      expect(usage.code).toBe(2)
    })
  })
}

test.skipIf(noShellcheck !== undefined)(`scripts/smoke_test.sh passes shellcheck${noShellcheck === undefined ? "" : ` (skipped: ${noShellcheck})`}`, () => {
  const r = Bun.spawnSync(["shellcheck", SCRIPT], { stdout: "pipe", stderr: "pipe" })
  expect(r.stdout.toString() + r.stderr.toString()).toBe("")
  expect(r.exitCode).toBe(0)
})
