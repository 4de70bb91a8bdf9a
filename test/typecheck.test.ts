import { expect, test } from "bun:test"
import * as path from "node:path"

test("strict TypeScript: `tsc --noEmit` is clean", () => {
  const root = path.resolve(import.meta.dir, "..")
  const r = Bun.spawnSync([path.join(root, "node_modules/.bin/tsc"), "--noEmit", "-p", root], { cwd: root, stdout: "pipe", stderr: "pipe" })
  expect(r.stdout.toString() + r.stderr.toString()).toBe("")
  expect(r.exitCode).toBe(0)
})
