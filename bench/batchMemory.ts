/**
 * Memory over a long `periogt batch`: the compiled executable on N rows (default 100 000) with the
 * oracle's tiny synthetic checkpoints, sampling the process's resident memory (VmRSS, VmHWM from
 * /proc) every second. Flat means: the RSS of the last tenth of the run is no higher than that of the
 * second tenth plus a small margin, whatever N is. Not a test (it runs for a long time).
 *
 *   bun bench/batchMemory.ts [--rows 100000] [--distinct 200] [--workers N]
 *
 * The rows cycle through the first `distinct` repeat units of the eps dataset with a unique id each,
 * so every chunk is real work (units are featurized once per chunk, as in any batch).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { placeCheckpoints } from "../test/support/checkpoints.ts"
import { compileCommand } from "../tools/build.ts"

const ROOT = path.resolve(import.meta.dir, "..")
const { values: args } = parseArgs({ options: { rows: { type: "string", default: "100000" }, distinct: { type: "string", default: "200" }, workers: { type: "string" } } })
const ROWS = Number(args.rows)
const DISTINCT = Number(args.distinct)

const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-batchmem-"))
const bin = path.join(work, "periogt")
if (Bun.spawnSync(compileCommand(bin), { cwd: ROOT }).exitCode !== 0) throw new Error("build failed")
const ck = placeCheckpoints(path.join(work, "ck"))
const env: Record<string, string> = { PATH: "/usr/bin:/bin", HOME: work, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_LOG_LEVEL: "warn", ...(args.workers === undefined ? {} : { PERIOGT_WORKERS: args.workers }) }
if (Bun.spawnSync([bin, "setup", "--skip-download"], { env }).exitCode !== 0) throw new Error("setup failed")

const units = fs.readFileSync(path.resolve(ROOT, "../shared/data/periogt/datasets/eps/eps.csv"), "utf8").trim().split("\n").slice(1, DISTINCT + 1).map((l) => l.split(",")[0]!)
const input = path.join(work, "rows.csv")
const out = fs.createWriteStream(input)
out.write("id,smiles\n")
for (let i = 0; i < ROWS; i++) out.write(`r${i},${units[i % units.length]}\n`)
await new Promise((r) => out.end(r))

const status = (pid: number) => {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = (k: string) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? NaN)
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 }
  } catch {
    return undefined
  }
}
const output = path.join(work, "out.csv")
const t0 = performance.now()
const proc = Bun.spawn([bin, "batch", "--input", input, "--property", "eps", "--output", output], { env, stdout: "ignore", stderr: "pipe" })
const samples: Array<{ t: number; rss: number; hwm: number }> = []
const timer = setInterval(() => {
  const s = status(proc.pid)
  if (s !== undefined) samples.push({ t: (performance.now() - t0) / 1000, ...s })
}, 1000)
const code = await proc.exited
clearInterval(timer)
const seconds = (performance.now() - t0) / 1000
if (code !== 0 && code !== 1) throw new Error(`batch exited ${code}: ${(await new Response(proc.stderr).text()).slice(-2000)}`)
const lines = fs.readFileSync(output, "utf8").trim().split("\n").length - 1

const tenth = (k: number) => {
  const s = samples.filter((x) => x.t >= (seconds * k) / 10 && x.t < (seconds * (k + 1)) / 10)
  return s.length === 0 ? NaN : Math.max(...s.map((x) => x.rss))
}
const peak = Math.max(...samples.map((x) => x.hwm))
console.log(`machine: ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`)
console.log(`batch of ${ROWS} rows (${DISTINCT} distinct eps units), tiny synthetic checkpoints: ${seconds.toFixed(0)} s, ${(ROWS / seconds).toFixed(0)} rows/s, ${lines} output rows, exit ${code}`)
console.log(`RSS by tenth of the run (MiB): ${Array.from({ length: 10 }, (_, k) => tenth(k).toFixed(0)).join(" ")}`)
console.log(`peak RSS (VmHWM): ${peak.toFixed(0)} MiB; last tenth − second tenth: ${(tenth(9) - tenth(1)).toFixed(0)} MiB`)
fs.rmSync(work, { recursive: true, force: true })
