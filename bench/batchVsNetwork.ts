/**
 * Benchmark (not a test): `periogt batch` against the network alone on the same N repeat units — the
 * first N of the eps dataset, full light/base configuration (the oracle's seeded synthetic checkpoints,
 * .cache/oracle/model/full, converted by the executable's own `setup`). Prints both times and the ratio
 * batch / network (issue 21's goal: ≤ 1.15), and the network's matrix-product rate as a share of the fp32
 * limit calibrated in this run.
 *
 * - network alone: the units featurized first (untimed, worker threads), then the converted models run
 *   as batch runs them (bench/support/network.ts: same sessions, same chunks of 32 units, same passes),
 *   after a warm-up chunk; model loading, featurization and I/O are not in it.
 * - batch: the real command (the compiled executable, or `--source`: bun bin/periogt.ts), wall time of
 *   the whole process (loading, featurization, network, output), once per worker count asked for.
 *
 *   bun bench/batchVsNetwork.ts [N=200] [--threads T] [--workers auto,0,1,2] [--source]
 *
 * T: network threads for both (default: the machine's CPUs, as batch's default). Needs
 * .cache/oracle/model/full and ../shared (eps dataset, descriptor scaler).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { loadOnnxRuntime } from "../core/runtime/onnxRuntime.ts"
import { placeCheckpoints } from "../test/support/checkpoints.ts"
import { compileCommand } from "../tools/build.ts"
import { calibrate, describeCalibration, share } from "./support/calibrate.ts"
import { batchSessions, chunks, CHUNK_ROWS, networkFlops, runNetwork } from "./support/network.ts"
import { EPS_CSV, epsUnits, featurizeUnits, SCALER } from "./support/units.ts"

const ROOT = path.resolve(import.meta.dir, "..")
const FULL = path.join(ROOT, ".cache/oracle/model/full")
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : (args.splice(i, 2)[1] ?? "")
}
const source = args.includes("--source") ? (args.splice(args.indexOf("--source"), 1), true) : false
const threads = Number(flag("--threads") ?? os.availableParallelism())
const WORKERS = (flag("--workers") ?? "auto").split(",")
const N = Number(args[0] ?? 200)
for (const need of [path.join(FULL, "pretrained.pth"), SCALER, EPS_CSV]) {
  if (!fs.existsSync(need)) {
    console.log(`skipped: missing ${need}`)
    process.exit(0)
  }
}
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ")
console.log(`load average at start: ${load()} on ${os.cpus().length} CPUs`)

// the executable and its artifacts (setup converts the checkpoints to ONNX, as a user's would)
const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bvn-"))
let cmd: Array<string>
if (source) cmd = [process.execPath, path.join(ROOT, "bin/periogt.ts")]
else {
  const bin = path.join(work, "periogt")
  if (Bun.spawnSync(compileCommand(bin), { cwd: ROOT, stdout: "pipe", stderr: "pipe" }).exitCode !== 0) throw new Error("build failed")
  cmd = [bin]
}
const ck = placeCheckpoints(path.join(work, "ck"), { from: FULL, link: true })
const env: Record<string, string> = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: String(threads), PERIOGT_LOG_LEVEL: "warn" }
const setup = Bun.spawnSync([...cmd, "setup", "--skip-download"], { env, stdout: "pipe", stderr: "pipe" })
if (setup.exitCode !== 0) throw new Error(`setup failed: ${setup.stderr.toString().slice(-2000)}`)
const encPath = path.join(ck, "onnx/pretrained.onnx")
const ftPath = path.join(ck, "onnx/finetuned/eps.onnx")

const smiles = epsUnits(N)
const input = path.join(work, "units.csv")
fs.writeFileSync(input, "id,smiles\n" + smiles.map((s, i) => `${i + 1},${s}`).join("\n") + "\n")

// 1. the network alone on the prepared inputs
const feat = await featurizeUnits(smiles)
const ort = await loadOnnxRuntime(os.tmpdir())
const { enc, ft } = await batchSessions(ort, encPath, ftPath, threads)
await runNetwork(enc, ft, feat.inputs.slice(0, CHUNK_ROWS)) // warm-up (first-run allocations)
const loadNet = load()
const net = await runNetwork(enc, ft, feat.inputs)
const netS = net.prompt + net.finetuned
await enc.release()
await ft.release()

// 2. periogt batch on the same units, once per worker count
const batches = WORKERS.map((w) => {
  const e = w === "auto" ? env : { ...env, PERIOGT_WORKERS: w }
  const out = path.join(work, `out-${w}.csv`)
  const before = load()
  const t0 = performance.now()
  const r = Bun.spawnSync([...cmd, "batch", "--input", input, "--property", "eps", "--output", out], { env: e, stdout: "pipe", stderr: "pipe" })
  const s = (performance.now() - t0) / 1000
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`batch failed: ${r.stderr.toString().slice(-2000)}`)
  const rows = fs.readFileSync(out, "utf8").trim().split("\n").length - 1
  return { w, s, rows, before }
})

// 3. FLOPs (profiler shapes) and the calibrated limit
const fl = await networkFlops(ort, encPath, ftPath, feat.inputs, threads)
const cal = await calibrate({ threads, ort })

console.log(describeCalibration(cal))
console.log(`${N} eps units (${feat.inputs.length} featurized, ${feat.failed} invalid; featurizing took ${feat.seconds.toFixed(1)} s on 2 workers, untimed), ${chunks(feat.inputs, CHUNK_ROWS).length} chunks of ≤ ${CHUNK_ROWS}, ${threads} network threads`)
console.log(`network alone: ${netS.toFixed(2)} s (prompt pass ${net.prompt.toFixed(2)} s, finetuned ${net.finetuned.toFixed(2)} s; ${((1000 * netS) / feat.inputs.length).toFixed(1)} ms/unit; load average before ${loadNet})`)
console.log(`  matrix products ${((fl.prompt + fl.finetuned) / 1e9).toFixed(0)} GFLOP → prompt pass ${share(cal, fl.prompt / net.prompt / 1e9)}, finetuned ${share(cal, fl.finetuned / net.finetuned / 1e9)}, both ${share(cal, (fl.prompt + fl.finetuned) / netS / 1e9)}`)
for (const b of batches) {
  console.log(`periogt batch, workers ${b.w.padEnd(4)}: ${b.s.toFixed(2)} s (${b.rows} rows; ${((1000 * b.s) / N).toFixed(1)} ms/unit, loading included; load average before ${b.before}) → batch / network = ${(b.s / netS).toFixed(2)} (goal ≤ 1.15); network share of the limit end to end: ${share(cal, (fl.prompt + fl.finetuned) / b.s / 1e9)}`)
}
console.log(`load average at end: ${load()}`)
fs.rmSync(work, { recursive: true, force: true })
