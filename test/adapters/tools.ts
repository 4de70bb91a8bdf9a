/**
 * External tools the adapter tests need (shellcheck, Ruby, Slurm, munge). When one is missing and we run as
 * root, `.ci/install-slurm.sh` installs them (once per test process); otherwise the tests that need
 * them skip, saying why.
 */
import * as path from "node:path"

const ROOT = path.resolve(import.meta.dir, "../..")
let attempted: { ok: boolean; output: string } | undefined

export const has = (cmd: string): boolean => Bun.which(cmd) !== null

const install = (): { ok: boolean; output: string } => {
  if (attempted !== undefined) return attempted
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    attempted = { ok: false, output: "not root: cannot install packages" }
    return attempted
  }
  const p = Bun.spawnSync(["bash", path.join(ROOT, ".ci/install-slurm.sh")], { stdout: "pipe", stderr: "pipe" })
  attempted = { ok: p.exitCode === 0, output: (p.stdout.toString() + p.stderr.toString()).slice(-2000) }
  return attempted
}

/** Why a tool is unavailable, or undefined when it is there (installing it first when possible). */
export const missingTools = (cmds: ReadonlyArray<string>): string | undefined => {
  if (cmds.every(has)) return undefined
  const r = install()
  const still = cmds.filter((c) => !has(c))
  return still.length === 0 ? undefined : `${still.join(", ")} not available and .ci/install-slurm.sh could not install them: ${r.output.trim().split("\n").slice(-3).join(" | ")}`
}
