/**
 * End to end, in one run on this machine: `periogt batch` (the compiled executable) against upstream's
 * whole Python pipeline (tools/oracle/pipeline.py: upstream featurization, mordred, PyTorch + DGL) on
 * the first N repeat units of the eps dataset, with the full light/base configuration (the oracle's
 * seeded synthetic checkpoints, .cache/oracle/model/full), and the cold start of one `predict`.
 * Not a test. Needs the oracle venv and ../shared.
 *
 *   bun bench/pipeline.ts [N=30] [--workers 0,2] [--reuse-python]
 *
 * --workers: PERIOGT_WORKERS values to run periogt with, one batch and one cold start each (default:
 * unset, i.e. the cores this job may use). --reuse-python: take upstream's timings and values from the
 * last run with the same input (.cache/bench/pipeline-python-<N>.json) instead of running it again.
 *
 * Also prints the CPU and the fp32 GEMM limit calibrated in this run (bench/support/calibrate.ts), and
 * what share of it periogt's batch reaches end to end: the matrix-product FLOPs of the network over the
 * N units (profiler shapes, bench/support/network.ts) divided by batch's whole wall time.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { placeCheckpoints } from "../test/support/checkpoints.ts"
import { compileCommand } from "../tools/build.ts"
import { loadOnnxRuntime } from "../core/runtime/onnxRuntime.ts"
import { calibrate, describeCalibration, share } from "./support/calibrate.ts"
import { networkFlops } from "./support/network.ts"
import { featurizeUnits } from "./support/units.ts"

const ROOT = path.resolve(import.meta.dir, "..")
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : (args.splice(i, 2)[1] ?? "")
}
const reusePython = args.includes("--reuse-python") ? (args.splice(args.indexOf("--reuse-python"), 1), true) : false
const WORKERS: Array<string | undefined> = flag("--workers")?.split(",") ?? [undefined]
const N = Number(args[0] ?? 30)
const FULL = path.join(ROOT, ".cache/oracle/model/full")
const SCALER = path.resolve(ROOT, "../shared/data/periogt/scaler_all.pkl")
const PY = path.join(ROOT, "tools/oracle/.venv/bin/python")
const UPSTREAM = process.env["PERIOGT_UPSTREAM"] ?? "/work/upstream/PerioGT/PerioGT_common"
for (const need of [FULL, SCALER, PY, UPSTREAM]) if (!fs.existsSync(need)) throw new Error(`missing ${need}`)

const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bench-"))
const bin = path.join(work, "periogt")
if (Bun.spawnSync(compileCommand(bin), { cwd: ROOT }).exitCode !== 0) throw new Error("build failed")
const ck = path.join(work, "ck")
placeCheckpoints(ck, { from: FULL, link: true })
const env = { PATH: "/usr/bin:/bin", HOME: work, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: String(os.availableParallelism()), PERIOGT_LOG_LEVEL: "warn" }
if (Bun.spawnSync([bin, "setup", "--skip-download"], { env }).exitCode !== 0) throw new Error("setup failed")

const lines = fs.readFileSync(path.resolve(ROOT, "../shared/data/periogt/datasets/eps/eps.csv"), "utf8").trim().split("\n").slice(1, N + 1)
const input = path.join(work, "units.csv")
fs.writeFileSync(input, "id,smiles\n" + lines.map((l, i) => `${i + 1},${l.split(",")[0]}`).join("\n") + "\n")
const one = path.join(work, "one.csv")
fs.writeFileSync(one, "id,smiles\n1," + lines[0]!.split(",")[0] + "\n")

const time = (cmd: Array<string>, e: Record<string, string>, cwd = work) => {
  const t0 = performance.now()
  const r = Bun.spawnSync(cmd, { env: e, cwd, stdout: "pipe", stderr: "pipe" })
  const s = (performance.now() - t0) / 1000
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString().slice(-2000)}`)
  return { s, stdout: r.stdout.toString() }
}
const pyEnv = { PATH: "/usr/bin:/bin", HOME: work, DGLBACKEND: "pytorch", OMP_NUM_THREADS: String(os.availableParallelism()) }
const py = (csv: string, out: string) => [PY, path.join(ROOT, "tools/oracle/pipeline.py"), "--upstream", UPSTREAM, "--scaler", SCALER, "--config", "full", "--tiny", FULL, "--input", csv, "--no-embedding", "--out", out]

const PY_CACHE = path.join(ROOT, `.cache/bench/pipeline-python-${N}.json`)
const inputKey = fs.readFileSync(input, "utf8")
type PyRun = { input: string; at: string; batchS: number; coldS: number; values: Array<number> }
const runPython = (): PyRun => {
  const coldPy = time(py(one, path.join(work, "one.json")), pyEnv)
  const theirs = time(py(input, path.join(work, "py.json")), pyEnv)
  const values = (JSON.parse(fs.readFileSync(path.join(work, "py.json"), "utf8")) as { units: Array<{ value: number }> }).units.map((u) => u.value)
  const run: PyRun = { input: inputKey, at: new Date().toISOString(), batchS: theirs.s, coldS: coldPy.s, values }
  fs.mkdirSync(path.dirname(PY_CACHE), { recursive: true })
  fs.writeFileSync(PY_CACHE, JSON.stringify(run))
  return run
}
const cached = reusePython && fs.existsSync(PY_CACHE) ? (JSON.parse(fs.readFileSync(PY_CACHE, "utf8")) as PyRun) : undefined
const python = cached !== undefined && cached.input === inputKey ? cached : runPython()
const pyNote = python === cached ? ` (reused: measured ${python.at})` : ""

const ours = WORKERS.map((w) => {
  const e = w === undefined ? env : { ...env, PERIOGT_WORKERS: w }
  const out = path.join(work, `out-${w ?? "auto"}.csv`)
  const cold = time([bin, "predict", "--smiles", lines[0]!.split(",")[0]!, "--property", "eps"], e)
  const batch = time([bin, "batch", "--input", input, "--property", "eps", "--output", out], e)
  const got = fs.readFileSync(out, "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[3]))
  const worst = Math.max(...python.values.map((v, i) => Math.abs(got[i]! - v) / Math.abs(v)))
  return { label: w === undefined ? "workers auto" : `workers ${w}`, cold, batch, worst }
})

// the network's matrix-product FLOPs over these units, and the limit now
const feat = await featurizeUnits(lines.map((l) => l.split(",")[0]!))
const ort = await loadOnnxRuntime(os.tmpdir())
const fl = await networkFlops(ort, path.join(ck, "onnx/pretrained.onnx"), path.join(ck, "onnx/finetuned/eps.onnx"), feat.inputs, os.availableParallelism())
const cal = await calibrate({ threads: os.availableParallelism(), ort })
console.log(describeCalibration(cal))
console.log(`machine: ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (at the end)`)
console.log(`full light/base config (synthetic seeded weights), ${N} eps repeat units, one property`)
console.log(`batch, upstream Python:      ${python.batchS.toFixed(1)} s  (${(N / python.batchS).toFixed(2)} units/s, imports and loading included)${pyNote}`)
for (const o of ours) {
  console.log(`batch, periogt, ${o.label.padEnd(13)} ${o.batch.s.toFixed(1)} s  (${(N / o.batch.s).toFixed(2)} units/s, model loading included; ${(python.batchS / o.batch.s).toFixed(1)}x upstream, goal >= 5x)`)
  console.log(`  cold start, one predict:   ${o.cold.s.toFixed(1)} s, Python ${python.coldS.toFixed(1)} s, ratio ${(o.cold.s / python.coldS).toFixed(2)} (goal <= 0.2)`)
  console.log(`  values agree: max relative difference ${o.worst.toExponential(2)}`)
  console.log(`  network share end to end: ${((fl.prompt + fl.finetuned) / 1e9).toFixed(0)} GFLOP of matrix products in ${o.batch.s.toFixed(1)} s → ${share(cal, (fl.prompt + fl.finetuned) / o.batch.s / 1e9)} (batch's whole wall time, loading included)`)
}
