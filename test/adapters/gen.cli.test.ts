import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { periogtBinary } from "../support/binary.ts"

/** `periogt gen` through the compiled executable: files, modes, stdout/stderr, exit codes. */

let bin = ""
const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-gencli-"))
beforeAll(() => {
  bin = process.env["PERIOGT_TEST_BIN"] || periogtBinary()
}, 120_000)
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const run = (args: ReadonlyArray<string>) => {
  const p = Bun.spawnSync([bin, ...args], { cwd: work, env: { PATH: process.env["PATH"] ?? "", HOME: work }, stdout: "pipe", stderr: "pipe" })
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() }
}

describe("periogt gen", () => {
  test("writes every file atomically with its mode, lists them on stdout, next steps on stderr", () => {
    const r = run(["gen", "slurm", "--cluster", "explorer", "--out", "jobs"])
    expect(r.code).toBe(0)
    const out = path.join(work, "jobs")
    expect(r.stdout.trim().split("\n")).toEqual(["setup_env.sh", "predict.sbatch", "batch.sbatch", "batch-array.sbatch", "server.sbatch", "shard.sh", "README.md"].map((f) => path.join(out, f)))
    expect(r.stderr).toContain("next: edit base_dir (/projects/<group>/periogt)")
    expect(fs.statSync(path.join(out, "batch.sbatch")).mode & 0o777).toBe(0o755)
    expect(fs.statSync(path.join(out, "setup_env.sh")).mode & 0o777).toBe(0o644)
    expect(fs.readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([])
    expect(fs.readFileSync(path.join(out, "predict.sbatch"), "utf8")).toContain(`PERIOGT_GENERATED_DIR="${out}"`)
    expect(fs.readFileSync(path.join(out, "predict.sbatch"), "utf8")).toContain('source "${PERIOGT_JOB_DIR}/setup_env.sh"')
  })

  test("regenerating the same content is fine; edited files need --force", () => {
    expect(run(["gen", "slurm", "--cluster", "explorer", "--out", "jobs"]).code).toBe(0)
    fs.appendFileSync(path.join(work, "jobs", "setup_env.sh"), "# my edit\n")
    const r = run(["gen", "slurm", "--cluster", "explorer", "--out", "jobs"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"code":"validation_error"')
    expect(r.stderr).toContain("setup_env.sh")
    expect(run(["gen", "slurm", "--cluster", "explorer", "--out", "jobs", "--force"]).code).toBe(0)
  })

  test("--set and configuration flags reach the files", () => {
    const r = run(["gen", "slurm", "--cluster", "cades", "--out", "gpu", "--set", "partition=gpu_acmhs", "--set", "account=abc123", "--checkpoint-dir", "/gpfs/wolf2/olcf/abc123/proj-shared/ck"])
    expect(r.code).toBe(0)
    const s = fs.readFileSync(path.join(work, "gpu", "predict.sbatch"), "utf8")
    expect(s).toContain("#SBATCH --account=abc123\n")
    expect(s).toContain("#SBATCH --gres=gpu:1\n")
    expect(fs.readFileSync(path.join(work, "gpu", "setup_env.sh"), "utf8")).toContain('PERIOGT_CHECKPOINT_DIR:-/gpfs/wolf2/olcf/abc123/proj-shared/ck}"')
  })

  test("every target generates", () => {
    for (const t of ["pbs", "apptainer", "conda", "modal"]) {
      const r = run(["gen", t, "--out", `t-${t}`])
      expect({ t, code: r.code, err: r.code === 0 ? "" : r.stderr }).toEqual({ t, code: 0, err: "" })
    }
    expect(fs.statSync(path.join(work, "t-apptainer", "build.sh")).mode & 0o111).not.toBe(0)
    expect(fs.existsSync(path.join(work, "t-modal", "periogt_modal.py"))).toBe(true)
  })

  test("bad targets, clusters and --set values exit 2 with validation_error", () => {
    for (const args of [["gen", "kubernetes"], ["gen"], ["gen", "slurm", "--cluster", "frontier"], ["gen", "slurm", "--set", "colour=blue"], ["gen", "pbs", "--cluster", "explorer"]]) {
      const r = run([...args, "--out", "bad"])
      expect({ args, code: r.code, coded: r.stderr.includes('"code":"validation_error"') }).toEqual({ args, code: 2, coded: true })
    }
    expect(fs.existsSync(path.join(work, "bad"))).toBe(false)
  })
})
