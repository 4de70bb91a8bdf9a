import { describe, expect, test } from "bun:test"
import * as path from "node:path"
import { isLoopbackHost } from "../../core/commands/serve.ts"
import { errorOf, ROOT, run, tempDir } from "../support/binary.ts"

/**
 * `serve` never starts an open server by accident: on an address other than loopback it needs an API
 * key or --allow-unauthenticated, and an empty PERIOGT_API_KEY (an unset variable in a job script) is
 * an error, not "no key". The checkpoint directory is empty, so a server allowed to start stops at the
 * artifact check (checkpoint_missing): that is how these tests see that the key check let it through.
 */
const home = tempDir("serve-auth")
const ckpt = tempDir("serve-auth-ckpt")
const serve = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
  run(["bun", path.join(ROOT, "bin/periogt.ts"), "serve", ...args], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_CHECKPOINT_DIR: ckpt, PERIOGT_PORT: "1", ...extra },
  })

describe("serve and API keys", () => {
  test.each([["0.0.0.0"], ["::"], ["10.1.2.3"], ["node042"]])("--host %s without a key refuses to start: validation_error saying what to do", (host) => {
    const r = serve(["--host", host])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr) as { code: string; message: string; action?: string; details?: Record<string, unknown> } | undefined
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain(`refusing to serve on ${host} without an API key`)
    expect(e?.action).toContain("PERIOGT_API_KEY")
    expect(e?.action).toContain("PERIOGT_API_KEY_FILE")
    expect(e?.action).toContain("--allow-unauthenticated")
  }, 60_000)

  test("PERIOGT_HOST=0.0.0.0 with PERIOGT_API_KEY empty (an unset variable in a job script): validation_error naming PERIOGT_API_KEY", () => {
    const r = serve([], { PERIOGT_HOST: "0.0.0.0", PERIOGT_API_KEY: "" })
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)).toMatchObject({ code: "validation_error", message: "PERIOGT_API_KEY is set but empty", details: { variable: "PERIOGT_API_KEY" } })
  }, 60_000)

  test("loopback without a key, any address with a key, or --allow-unauthenticated: past the key check", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>]> = [
      [[], {}],
      [["--host", "localhost"], {}],
      [["--host", "::1"], {}],
      [["--host", "0.0.0.0"], { PERIOGT_API_KEY: "k3y-not-logged" }],
      [["--host", "0.0.0.0", "--allow-unauthenticated"], {}],
    ]
    for (const [args, extra] of cases) {
      const r = serve(args, extra)
      expect(r.code).toBe(2)
      expect(errorOf(r.stderr)?.code).toBe("checkpoint_missing")
      expect(r.stderr).not.toContain("k3y-not-logged")
      if (args.includes("--allow-unauthenticated")) expect(r.stderr).toContain("without an API key (--allow-unauthenticated)")
    }
  }, 120_000)

  test("which addresses are loopback", () => {
    for (const h of ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "localhost.", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) expect([h, isLoopbackHost(h)]).toEqual([h, true])
    for (const h of ["0.0.0.0", "::", "128.0.0.1", "10.0.0.1", "127.0.0.1.example.org", "localhost.example.org", "::2", "[::]", "node01", ""]) expect([h, isLoopbackHost(h)]).toEqual([h, false])
  })
})
