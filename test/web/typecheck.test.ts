import { expect, test } from "bun:test"
import * as path from "node:path"

/** The page's browser code has its own tsconfig (DOM types, which the server's code must not see). */
test("strict TypeScript for the page's script: `tsc --noEmit -p core/server/page/web` is clean", () => {
  const root = path.resolve(import.meta.dir, "../..")
  const r = Bun.spawnSync([path.join(root, "node_modules/.bin/tsc"), "--noEmit", "-p", path.join(root, "core/server/page/web")], { cwd: root, stdout: "pipe", stderr: "pipe" })
  expect(r.stdout.toString() + r.stderr.toString()).toBe("")
  expect(r.exitCode).toBe(0)
})
