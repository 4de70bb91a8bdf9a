import { spawnSync } from "node:child_process"
import { parseQuery, QUERY_WITH_CC, QUERY_WITHOUT_CC, rejectsComputeCapField, type SmiReport } from "./nvidiaSmi.ts"

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  spawnSync("nvidia-smi", [...args], { encoding: "utf8", timeout: 15_000, env })

/** Asks nvidia-smi (from PATH) about the GPUs; falls back to the old-driver query without compute_cap. */
export const probeNvidiaSmi = (env: NodeJS.ProcessEnv = process.env): SmiReport => {
  const first = run(QUERY_WITH_CC, env)
  if (first.error !== undefined && (first.error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" }
  if (first.status === 0) return { kind: "ok", gpus: parseQuery(first.stdout, true) }
  const output = `${first.stdout ?? ""}${first.stderr ?? ""}`
  if (rejectsComputeCapField(output)) {
    const second = run(QUERY_WITHOUT_CC, env)
    if (second.status === 0) return { kind: "ok", gpus: parseQuery(second.stdout, false) }
    return { kind: "failed", exitCode: second.status, output: `${second.stdout ?? ""}${second.stderr ?? ""}` }
  }
  if (first.error !== undefined) return { kind: "failed", exitCode: null, output: first.error.message }
  return { kind: "failed", exitCode: first.status, output }
}
