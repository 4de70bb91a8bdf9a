import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/**
 * The Node that package.json's "engines" names is the one the installed packages accept, but for the
 * few the README lists (they declare the Node they need when Node runs them; here Bun runs them), and
 * .ci/run refuses an older Node saying what to install.
 */
const ROOT = path.resolve(import.meta.dir, "..")
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")
const minimum = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1]

/** Packages whose engines.node the README explains (npm ci on Node 20 warns about them). */
const EXPLAINED = ["@effect/platform-node", "@effect/platform-node-shared", "@puppeteer/browsers", "puppeteer-core"]

const installedPackages = function* (dir: string): Generator<{ name: string; version: string; node?: string }> {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith(".")) continue
    const at = path.join(dir, entry)
    if (entry.startsWith("@")) {
      yield* installedPackages(at)
      continue
    }
    const file = path.join(at, "package.json")
    if (!fs.existsSync(file)) continue
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { name: string; version: string; engines?: { node?: string } }
    yield { name: p.name, version: p.version, ...(p.engines?.node === undefined ? {} : { node: p.engines.node }) }
    yield* installedPackages(path.join(at, "node_modules"))
  }
}

test("package.json names the oldest Node every installed package accepts, but the ones the README explains", () => {
  expect(minimum).toBeDefined()
  const refusing = new Set<string>()
  for (const p of installedPackages(path.join(ROOT, "node_modules"))) {
    if (p.node !== undefined && !Bun.semver.satisfies(minimum!, p.node)) refusing.add(p.name)
  }
  expect([...refusing].sort()).toEqual(EXPLAINED)
  for (const name of EXPLAINED) expect(readme).toContain(`\`${name}\``)
  expect(readme).toContain(`Node ${minimum!.replace(/\.0$/, "")} or newer`)
})

test(".ci/run refuses a Node older than package.json's, saying what to install, before installing anything", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-ci-"))
  fs.mkdirSync(path.join(dir, ".ci"))
  fs.copyFileSync(path.join(ROOT, ".ci/run"), path.join(dir, ".ci/run"))
  const bin = path.join(dir, "bin")
  fs.mkdirSync(bin)
  const calls = path.join(dir, "calls")
  const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho ${name} "$@" >> ${calls}\n${body}\n`, { mode: 0o755 })
  fake("npm", "exit 0")
  const ci = (nodeVersion: string) => {
    fake("node", `echo ${nodeVersion}`)
    fs.rmSync(calls, { force: true })
    const r = Bun.spawnSync(["bash", path.join(dir, ".ci/run")], { env: { PATH: `${bin}:/usr/bin:/bin` }, stdout: "pipe", stderr: "pipe" })
    const called = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : ""
    return { code: r.exitCode, stderr: r.stderr.toString(), npm: called.split("\n").filter((l) => l.startsWith("npm")) }
  }
  const old = ci("v20.11.1")
  expect(old.code).toBe(2)
  expect(old.stderr).toContain(`node v20.11.1 is too old; install Node.js ${minimum}`)
  expect(old.npm).toEqual([])
  const ok = ci(`v${minimum}`)
  expect(ok.code).toBe(0)
  expect(ok.npm).toEqual(["npm ci --no-audit --no-fund", "npm test"])
})
