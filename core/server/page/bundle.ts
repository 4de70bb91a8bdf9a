/**
 * A Bun macro (imported `with { type: "macro" }`): bundles the page's TypeScript for the browser with
 * `bun build` when the importing module is transpiled — at `npm run build` for the executable, at first
 * use when run from source — and inlines the result as a string. (Bun.build itself cannot run inside a
 * macro while the bundler waits for it, hence the CLI.)
 */
import * as fs from "node:fs"
import * as path from "node:path"

export const bundlePage = (): string => {
  const entry = path.join(import.meta.dir, "web/main.ts")
  const r = Bun.spawnSync([process.execPath, "build", entry, "--target=browser", "--format=esm", "--minify"], { stdout: "pipe", stderr: "pipe" })
  if (r.exitCode !== 0) throw new Error(`bundling the page failed: ${r.stderr.toString()}`)
  return r.stdout.toString()
}

export const pageCss = (): string => fs.readFileSync(path.join(import.meta.dir, "web/style.css"), "utf8")
