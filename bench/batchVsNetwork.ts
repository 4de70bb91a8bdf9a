/**
 * Benchmark (not a test): `periogt batch` against the network alone on the same N repeat units — N
 * distinct units of upstream's datasets (eps first, then egc: bench/support/units.ts), full light/base configuration (the oracle's seeded synthetic checkpoints,
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
 *   bun bench/batchVsNetwork.ts [N=200] [--threads T] [--workers auto,0,1,2] [--rounds 2] [--source]
 *
 * --rounds R: the network alone and each batch run alternate R times; the figures are each one's best
 * (minimum) over the rounds, the medians beside them — on a shared machine the least disturbed run is
 * the one to compare.
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
import { datasetUnits, EPS_CSV, featurizeUnits, SCALER } from "./support/units.ts"

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
const rounds = Number(flag("--rounds") ?? 2)
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

const smiles = datasetUnits(N)
const input = path.join(work, "units.csv")
fs.writeFileSync(input, "id,smiles\n" + smiles.map((s, i) => `${i + 1},${s}`).join("\n") + "\n")

// the units featurized first (untimed), sessions as batch creates them
const feat = await featurizeUnits(smiles)
const ort = await loadOnnxRuntime(os.tmpdir())
const { enc, ft } = await batchSessions(ort, encPath, ftPath, threads)
await runNetwork(enc, ft, feat.inputs.slice(0, CHUNK_ROWS)) // warm-up (first-run allocations)

// 1. the network alone and 2. periogt batch on the same units, alternating for `rounds` rounds
const netRuns: Array<{ prompt: number; finetuned: number; s: number; load: string }> = []
const batchRuns = new Map<string, Array<{ s: number; rows: number; load: string }>>(WORKERS.map((w) => [w, []]))
for (let round = 0; round < rounds; round++) {
  const loadNet = load()
  const net = await runNetwork(enc, ft, feat.inputs)
  netRuns.push({ ...net, s: net.prompt + net.finetuned, load: loadNet })
  for (const w of WORKERS) {
    const e = w === "auto" ? env : { ...env, PERIOGT_WORKERS: w }
    const out = path.join(work, `out-${w}-${round}.csv`)
    const before = load()
    const t0 = performance.now()
    const r = Bun.spawnSync([...cmd, "batch", "--input", input, "--property", "eps", "--output", out], { env: e, stdout: "pipe", stderr: "pipe" })
    const s = (performance.now() - t0) / 1000
    if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`batch failed: ${r.stderr.toString().slice(-2000)}`)
    batchRuns.get(w)!.push({ s, rows: fs.readFileSync(out, "utf8").trim().split("\n").length - 1, load: before })
  }
}
await enc.release()
await ft.release()
const med = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const best = netRuns.reduce((a, b) => (b.s < a.s ? b : a))
const netS = best.s
const net = best

// 3. FLOPs (profiler shapes) and the calibrated limit
const fl = await networkFlops(ort, encPath, ftPath, feat.inputs, threads)
const cal = await calibrate({ threads, ort })

console.log(describeCalibration(cal))
const n = feat.inputs.length
console.log(`${smiles.length} units (${n} featurized, ${feat.failed} invalid; featurizing took ${feat.seconds.toFixed(1)} s on 2 workers, untimed), ${chunks(feat.inputs, CHUNK_ROWS).length} chunks of ≤ ${CHUNK_ROWS}, ${threads} network threads, ${rounds} rounds (best, median)`)
console.log(`network alone: ${netS.toFixed(2)} s, median ${med(netRuns.map((r) => r.s)).toFixed(2)} (best: prompt pass ${net.prompt.toFixed(2)} s, finetuned ${net.finetuned.toFixed(2)} s; ${((1000 * netS) / n).toFixed(1)} ms/unit; load averages before each round: ${netRuns.map((r) => r.load.split(" ")[0]).join(", ")})`)
console.log(`  matrix products ${((fl.prompt + fl.finetuned) / 1e9).toFixed(0)} GFLOP → prompt pass ${share(cal, fl.prompt / net.prompt / 1e9)}, finetuned ${share(cal, fl.finetuned / net.finetuned / 1e9)}, both ${share(cal, (fl.prompt + fl.finetuned) / netS / 1e9)}`)
for (const [w, runs] of batchRuns) {
  const b = Math.min(...runs.map((r) => r.s))
  console.log(`periogt batch, workers ${w.padEnd(4)}: ${b.toFixed(2)} s, median ${med(runs.map((r) => r.s)).toFixed(2)} (${runs[0]!.rows} rows; ${((1000 * b) / runs[0]!.rows).toFixed(1)} ms/row, loading included; load averages before: ${runs.map((r) => r.load.split(" ")[0]).join(", ")}) → batch / network = ${(b / netS).toFixed(2)} best to best, ${(med(runs.map((r) => r.s)) / med(netRuns.map((r) => r.s))).toFixed(2)} median to median (goal ≤ 1.15); network share of the limit end to end: ${share(cal, (fl.prompt + fl.finetuned) / b / 1e9)}`)
}
console.log(`load average at end: ${load()}`)
fs.rmSync(work, { recursive: true, force: true })
