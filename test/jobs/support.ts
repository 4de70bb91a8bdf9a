import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "bun:test"
import { periogtBinary, runAsync, type RunResult } from "../support/binary.ts"
import { placeCheckpoints } from "../support/checkpoints.ts"

/**
 * What the job-lifecycle tests share: a checkpoint directory from the oracle's tiny synthetic
 * checkpoints (placed by hand, then the executable's own `setup --skip-download`), an input CSV of
 * the test units repeated (with invalid rows), the executable run with an exact environment, and a
 * wait on `periogt jobs --json` until every shard is final (polling the state, never a fixed sleep).
 */
const ROOT = path.resolve(import.meta.dir, "../..")

export const tinyCheckpoints = async (dir: string, properties: ReadonlyArray<string> = ["eps"]): Promise<string> => {
  const ck = path.join(dir, "ck")
  for (const p of properties) placeCheckpoints(ck, { property: p })
  const r = await runAsync([periogtBinary(), "setup", "--skip-download"], { env: { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: ck } })
  if (r.code !== 0) throw new Error(`setup failed: ${r.stderr}`)
  return ck
}

/** `copies` times the tiny fixture's units with ids `<id>_<k>`, and two invalid rows each time. */
export const writeInput = (file: string, copies: number): number => {
  const units = (JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/pipeline/tiny.json"), "utf8")) as { units: Array<{ id: string; smiles: string }> }).units
  const rows = [...units.map((u) => [u.id, u.smiles]), ["bad1", "CCO"], ["bad2", "*C*C*"]]
  const lines = Array.from({ length: copies }, (_, k) => rows.map(([id, s]) => `${id}_${k},${s}`)).flat()
  fs.writeFileSync(file, "id,smiles\n" + lines.join("\n") + "\n")
  return lines.length
}

export const periogt = (args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<RunResult> => runAsync([periogtBinary(), ...args], { env, ...(cwd === undefined ? {} : { cwd }) })

export interface JobsView {
  readonly complete: boolean
  readonly poll_error: string | null
  readonly shards: ReadonlyArray<{ shard: number; job_id: string | null; state: string; rows: number; rows_done: number; failed_rows: number }>
}

/** `periogt jobs RUN --json`, here or on a remote (`--on NAME`: RUN is then the remote run's id). */
export const jobs = async (run: string, env: Record<string, string>, on?: string): Promise<JobsView> => {
  const r = await periogt(["jobs", ...(on === undefined ? [] : ["--on", on]), run, "--json"], env)
  if (r.code !== 0) throw new Error(`periogt jobs failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as JobsView
}

const FINAL = new Set(["completed", "failed", "cancelled", "timeout", "preempted", "node_fail", "out_of_memory"])

/** Polls `periogt jobs --json` until `done` holds (default: every shard final). */
export const waitJobs = async (run: string, env: Record<string, string>, done: (v: JobsView) => boolean = (v) => v.shards.every((s) => FINAL.has(s.state)), timeoutMs = 240_000, on?: string): Promise<JobsView> => {
  const deadline = Date.now() + timeoutMs
  let last: JobsView | undefined
  while (Date.now() < deadline) {
    last = await jobs(run, env, on)
    if (done(last)) return last
    await Bun.sleep(300)
  }
  throw new Error(`run ${run} did not reach the awaited state in ${timeoutMs} ms: ${JSON.stringify(last)}`)
}

/** Waits until a file exists and `ok` holds on its text. */
export const waitFile = async (file: string, ok: (text: string) => boolean = () => true, timeoutMs = 120_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const t = fs.readFileSync(file, "utf8")
      if (ok(t)) return t
    } catch {
      // not yet
    }
    await Bun.sleep(100)
  }
  throw new Error(`${file} did not appear as awaited in ${timeoutMs} ms`)
}

/** `periogt submit` → the run directory (from its JSON line). */
export const submit = async (args: ReadonlyArray<string>, env: Record<string, string>): Promise<string> => {
  const r = await periogt(["submit", ...args], env)
  expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" })
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as { run: string }).run
}

/** The committed rows of a shard's resumable output (its progress journal's last line). */
export const journalRows = (text: string): number => {
  const lines = text.trim().split("\n")
  for (let k = lines.length - 1; k >= 1; k--) {
    try {
      return (JSON.parse(lines[k]!) as { rows: number }).rows
    } catch {
      // torn
    }
  }
  return 0
}
