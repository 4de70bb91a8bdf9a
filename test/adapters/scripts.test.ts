import { afterAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Result } from "effect"
import { generate } from "../../core/deploy/generate.ts"
import { writeGenerated } from "../../core/deploy/write.ts"
import { fixedConfig } from "./cases.ts"

/**
 * The generated job scripts run directly with bash (no scheduler): every check happens before
 * periogt is called, the launcher is the executable or `apptainer exec` with the right binds, the
 * exit status is periogt's (a batch complete with invalid rows exits 0 unless PERIOGT_FAIL_ON_INVALID=1), the array
 * script takes its shard from a run's ledger, and shard.sh splits and merges.
 */

const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-scripts-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const writeTarget = (name: string, target: string, cluster: string, sets: ReadonlyArray<string>) => {
  const out = path.join(work, name)
  const r = generate({ target, cluster, sets, outDir: out, config: fixedConfig(), env: {}, cwd: work, version: "0.0.0-test", selfBinary: "/nonexistent/periogt" })
  if (Result.isFailure(r)) throw r.failure
  writeGenerated(out, r.success.files)
  return out
}

/** A stand-in for periogt: records its arguments, then writes the --output file (or fails with $FAKE_EXIT). */
const fakeBin = (() => {
  const p = path.join(work, "fake-periogt")
  fs.writeFileSync(
    p,
    [
      "#!/bin/bash",
      'printf "%s\\n" "$@" > "$FAKE_LOG"',
      'out=""',
      'while [[ $# -gt 0 ]]; do if [[ "$1" == --output ]]; then out="$2"; fi; shift; done',
      'if [[ -n "$out" ]]; then printf "id,smiles,prediction_value\\n" > "$out"; fi',
      'echo \'{"ok":true}\'',
      'exit "${FAKE_EXIT:-0}"',
      "",
    ].join("\n"),
  )
  fs.chmodSync(p, 0o755)
  return p
})()

const base = path.join(work, "base")
const ckpt = path.join(work, "ckpt")
fs.mkdirSync(ckpt, { recursive: true })
const slurm = writeTarget("slurm", "slurm", "generic", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`])
const pbs = writeTarget("pbs", "pbs", "generic", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`])
const explorer = writeTarget("explorer", "slurm", "explorer", [])
const submit = path.join(work, "submit")
fs.mkdirSync(submit, { recursive: true })
fs.writeFileSync(path.join(submit, "in.csv"), "id,smiles\na,*CC*\nb,*CC(C)*\nc,*CCO*\nd,*CCN*\ne,*CCS*\n")

const runScript = (script: string, env: Record<string, string>, cwd = submit) => {
  const log = path.join(work, `fake-${Math.random().toString(36).slice(2)}.log`)
  const p = Bun.spawnSync(["bash", script], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: work, USER: "tester", FAKE_LOG: log, ...env },
    stdout: "pipe",
    stderr: "pipe",
  })
  const called = fs.existsSync(log)
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString(), called, args: called ? fs.readFileSync(log, "utf8").trim().split("\n") : [] }
}

describe("checks before any work", () => {
  test("predict without SMILES: exit 2 with the example command, periogt not called", () => {
    const r = runScript(path.join(slurm, "predict.sbatch"), { PERIOGT_BIN: fakeBin, PROPERTY: "eps" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("SMILES is required")
    expect(r.stderr).toContain(`example: SMILES='*CC(C)*' PROPERTY=eps sbatch ${path.join(slurm, "predict.sbatch")}`)
    expect(r.called).toBe(false)
  })

  test("batch with a missing input file: exit 2, periogt not called, nothing created", () => {
    const r = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "missing.csv", PROPERTY: "eps" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`INPUT_CSV=${path.join(submit, "missing.csv")} does not exist`)
    expect(r.called).toBe(false)
    expect(fs.existsSync(path.join(base, "results"))).toBe(false)
  })

  test("explorer scripts refuse to run while a path still holds its placeholder", () => {
    const r = runScript(path.join(explorer, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("PERIOGT_BASE_DIR=/projects/<group>/periogt still holds a placeholder")
    expect(r.called).toBe(false)
  })

  test("a checkpoint directory on a purged filesystem is warned about", () => {
    const r = runScript(path.join(explorer, "batch.sbatch"), {
      PERIOGT_BIN: fakeBin,
      INPUT_CSV: "in.csv",
      PROPERTY: "eps",
      PERIOGT_BASE_DIR: base,
      PERIOGT_CHECKPOINT_DIR: "/scratch/tester/ckpt",
      PERIOGT_RESULTS_DIR: path.join(work, "explorer-results"),
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain("PERIOGT_CHECKPOINT_DIR=/scratch/tester/ckpt is on /scratch, which is purged")
  })

  test("without PERIOGT_BIN and without apptainer: exit 2 naming both ways", () => {
    const r = runScript(path.join(slurm, "predict.sbatch"), { SMILES: "*CC*", PROPERTY: "eps", PATH: "/usr/bin:/bin" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("apptainer is not on PATH")
    expect(r.stderr).toContain("PERIOGT_BIN")
  })

  test("array script without a run directory, or without an array index: exit 2 before periogt runs", () => {
    const none = runScript(path.join(slurm, "batch-array.sbatch"), { PERIOGT_BIN: fakeBin, SLURM_ARRAY_TASK_ID: "0" })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("RUN_DIR is required")
    const notRun = runScript(path.join(slurm, "batch-array.sbatch"), { PERIOGT_BIN: fakeBin, RUN_DIR: submit, SLURM_ARRAY_TASK_ID: "0" })
    expect(notRun.code).toBe(2)
    expect(notRun.stderr).toContain("holds no run.json")
    const run = path.join(work, "a-run")
    fs.mkdirSync(run, { recursive: true })
    fs.writeFileSync(path.join(run, "run.json"), "{}")
    const r = runScript(path.join(slurm, "batch-array.sbatch"), { PERIOGT_BIN: fakeBin, RUN_DIR: run })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no shard index")
    expect(r.called).toBe(false)
  })
})

describe("running periogt", () => {
  test("batch runs the executable with absolute paths and reports the results location", () => {
    const r = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps", SLURM_SUBMIT_DIR: submit })
    expect(r.code).toBe(0)
    const output = path.join(base, "results", "in_eps_predictions.csv")
    expect(r.args).toEqual(["batch", "--input", path.join(submit, "in.csv"), "--property", "eps", "--output", output])
    expect(r.stdout).toContain(`periogt-job: done; results: ${output}`)
  })

  test("a batch complete with invalid rows (periogt's exit 1) exits 0, counted in the log; PERIOGT_FAIL_ON_INVALID=1 keeps 1; 2 stays 2", () => {
    const r = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps", FAKE_EXIT: "1" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("some rows are invalid")
    const strict = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps", FAKE_EXIT: "1", PERIOGT_FAIL_ON_INVALID: "1" })
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain("some rows failed")
    const fatal = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps", FAKE_EXIT: "2" })
    expect(fatal.code).toBe(2)
  })

  test("two batches of one input for different properties get different default outputs", () => {
    const a = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps" })
    const b = runScript(path.join(slurm, "batch.sbatch"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "Egc, eps" })
    expect(a.args[6]).toBe(path.join(base, "results", "in_eps_predictions.csv"))
    expect(b.args[6]).toBe(path.join(base, "results", "in_egc-eps_predictions.csv"))
  })

  test("the array task takes its shard from the run's ledger: periogt batch --run RUN --shard <index>; PERIOGT_SHARD for a plain job", () => {
    const run = path.join(work, "ledger-run")
    fs.mkdirSync(run, { recursive: true })
    fs.writeFileSync(path.join(run, "run.json"), "{}")
    const r = runScript(path.join(slurm, "batch-array.sbatch"), { PERIOGT_BIN: fakeBin, RUN_DIR: run, SLURM_ARRAY_TASK_ID: "3" })
    expect(r.code).toBe(0)
    expect(r.args).toEqual(["batch", "--run", run, "--shard", "3"])
    const one = runScript(path.join(pbs, "batch-array.pbs"), { PERIOGT_BIN: fakeBin, RUN_DIR: run, PERIOGT_SHARD: "2", PERIOGT_FAIL_ON_INVALID: "1" })
    expect(one.args).toEqual(["batch", "--run", run, "--shard", "2", "--fail-on-invalid"])
    const pbsArray = runScript(path.join(pbs, "batch-array.pbs"), { PERIOGT_BIN: fakeBin, RUN_DIR: run, PBS_ARRAY_INDEX: "4" })
    expect(pbsArray.args).toEqual(["batch", "--run", run, "--shard", "4"])
  })

  test("predict keeps the result in the results directory and the log", () => {
    const r = runScript(path.join(slurm, "predict.sbatch"), { PERIOGT_BIN: fakeBin, SMILES: "*CC*", PROPERTY: "eps", SLURM_JOB_ID: "42" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('{"ok":true}')
    expect(fs.readFileSync(path.join(base, "results", "predict-42.json"), "utf8")).toContain('{"ok":true}')
  })

  test("the container path: apptainer exec with the checkpoint, results and input directories bound once each (no --nv: no GPU visible)", () => {
    const fakeDir = path.join(work, "fake-apptainer-bin")
    fs.mkdirSync(fakeDir, { recursive: true })
    fs.writeFileSync(path.join(fakeDir, "apptainer"), '#!/bin/bash\nprintf "%s\\n" "$@" > "$FAKE_LOG"\n')
    fs.chmodSync(path.join(fakeDir, "apptainer"), 0o755)
    const sif = path.join(work, "periogt.sif")
    fs.writeFileSync(sif, "")
    const r = runScript(path.join(slurm, "batch.sbatch"), {
      // No GPU visible, even on a machine that has one: the nvidia-smi stand-in fails as without a driver.
      PATH: `${fakeDir}:${path.resolve(import.meta.dir, "../fixtures/nvidia-smi")}:/usr/bin:/bin`,
      FAKE_SMI_CASE: "failing",
      PERIOGT_CONTAINER: sif,
      INPUT_CSV: "in.csv",
      PROPERTY: "eps",
      OUTPUT_CSV: path.join(base, "results", "x.csv"),
    })
    expect(r.code).toBe(0)
    expect(r.args).toEqual(["exec", "--bind", ckpt, "--bind", path.join(base, "results"), "--bind", submit, sif, "periogt", "batch", "--input", path.join(submit, "in.csv"), "--property", "eps", "--output", path.join(base, "results", "x.csv")])
  })

  test("PBS scripts take relative inputs from $PBS_O_WORKDIR, not from where they run", () => {
    const r = runScript(path.join(pbs, "batch.pbs"), { PERIOGT_BIN: fakeBin, INPUT_CSV: "in.csv", PROPERTY: "eps", PBS_O_WORKDIR: submit }, work)
    expect(r.code).toBe(0)
    expect(r.args[2]).toBe(path.join(submit, "in.csv"))
  })
})

describe("shard.sh", () => {
  test("splits into consecutive shards with the header (pointing to periogt submit for array jobs), merge joins them", () => {
    const shards = path.join(work, "shards")
    const split = Bun.spawnSync([path.join(slurm, "shard.sh"), "split", "in.csv", "2", shards], { cwd: submit, stdout: "pipe", stderr: "pipe" })
    expect(split.exitCode).toBe(0)
    expect(split.stdout.toString()).toContain(`periogt submit --input ${path.join(submit, "in.csv")} --property PROPERTY --shards 2`)
    expect(fs.readFileSync(path.join(shards, "in_shard0000.csv"), "utf8")).toBe("id,smiles\na,*CC*\nb,*CC(C)*\nc,*CCO*\n")
    expect(fs.readFileSync(path.join(shards, "in_shard0001.csv"), "utf8")).toBe("id,smiles\nd,*CCN*\ne,*CCS*\n")
    const again = Bun.spawnSync([path.join(slurm, "shard.sh"), "split", "in.csv", "2", shards], { cwd: submit, stderr: "pipe" })
    expect(again.exitCode).toBe(2)

    const merged = path.join(work, "merged.csv")
    const m = Bun.spawnSync([path.join(slurm, "shard.sh"), "merge", merged, path.join(shards, "in_shard0000.csv"), path.join(shards, "in_shard0001.csv")], { stdout: "pipe" })
    expect(m.exitCode).toBe(0)
    expect(fs.readFileSync(merged, "utf8")).toBe(fs.readFileSync(path.join(submit, "in.csv"), "utf8"))
  })

  test("more shards than rows gives one shard per row", () => {
    const shards = path.join(work, "many")
    const split = Bun.spawnSync([path.join(slurm, "shard.sh"), "split", path.join(submit, "in.csv"), "50", shards], { stdout: "pipe" })
    expect(split.exitCode).toBe(0)
    expect(fs.readdirSync(shards)).toHaveLength(5)
  })
})
