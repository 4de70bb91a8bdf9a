/**
 * Calibration for the benches (not a test): what this machine's fp32 matrix product reaches right now,
 * measured in the same run as the figure it calibrates, so that a speed figure reads as a share of the
 * hardware's limit instead of as an absolute number that a shared, busy or different machine changes.
 *
 * - `cpuInfo`: lscpu's model name and the flags that bound fp32 GEMM (avx2, fma, avx512*, amx, bf16).
 * - `numpyGemm`: numpy's sgemm (OpenBLAS in the oracle venv) on n×n×n, best of `repeats`, with the
 *   same thread count; skipped (undefined) where the oracle venv is absent. Python only here, in a bench.
 * - `ortMatMul`: ONNX Runtime's own MatMul — a one-node graph built in memory with the project's ONNX
 *   builder, the weight an initializer (prepacked, as inference does), session options as inference
 *   (`createSession`, intra-op threads), best of `repeats`.
 *
 * The limit is the better of the two: the fastest fp32 GEMM this machine gave in this run. Best-of-N,
 * not a median: on a shared machine the best run is the one least disturbed by other work.
 *
 *   bun bench/support/calibrate.ts [--threads 2]     (prints the calibration alone)
 */
import { existsSync, readFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { createSession } from "../../core/model/inference/index.ts"
import { GraphBuilder } from "../../core/model/onnx/index.ts"
import { loadOnnxRuntime, type OnnxRuntime } from "../../core/runtime/onnxRuntime.ts"

const ROOT = join(import.meta.dir, "../..")
export const ORACLE_PYTHON = join(ROOT, "tools/oracle/.venv/bin/python")

export interface CpuInfo {
  readonly model: string
  readonly cpus: number
  /** The GEMM-relevant flags present: avx2, fma, avx512*, amx*, *bf16*, *vnni*. */
  readonly flags: ReadonlyArray<string>
}

const RELEVANT = /^(avx2|fma|avx512.*|amx.*|.*bf16.*|avx_vnni|.*vnni.*)$/

export const cpuInfo = (): CpuInfo => {
  let model = cpus()[0]?.model ?? "unknown"
  let flags: Array<string> = []
  const r = Bun.spawnSync(["lscpu"], { stdout: "pipe", stderr: "pipe" })
  if (r.exitCode === 0) {
    for (const line of r.stdout.toString().split("\n")) {
      const m = /^([^:]+):\s*(.*)$/.exec(line)
      if (m === null) continue
      if (m[1]!.trim() === "Model name") model = m[2]!.trim()
      if (m[1]!.trim() === "Flags") flags = m[2]!.trim().split(/\s+/)
    }
  } else if (existsSync("/proc/cpuinfo")) {
    const f = /^flags\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))
    if (f !== null) flags = f[1]!.split(/\s+/)
  }
  return { model, cpus: cpus().length, flags: flags.filter((f) => RELEVANT.test(f)) }
}

export interface GemmRate {
  readonly what: string
  /** Best of the repeats, GFLOP/s (2·m·n·k per product). */
  readonly best: number
  readonly median: number
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** numpy's fp32 matrix product n×n×n, best of `repeats`, `threads` BLAS threads; undefined without the oracle venv. */
export const numpyGemm = (threads: number, n = 2048, repeats = 10): GemmRate | undefined => {
  if (!existsSync(ORACLE_PYTHON)) return undefined
  const script = `
import json, time, numpy as np
n, r = ${n}, ${repeats}
rng = np.random.default_rng(0)
a = rng.random((n, n), dtype=np.float32) - 0.5
b = rng.random((n, n), dtype=np.float32) - 0.5
c = a @ b
ts = []
for _ in range(r):
    t = time.perf_counter(); np.matmul(a, b, out=c); ts.append(time.perf_counter() - t)
print(json.dumps(ts))
`
  const t = String(threads)
  const res = Bun.spawnSync([ORACLE_PYTHON, "-c", script], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t },
  })
  if (res.exitCode !== 0) return undefined
  const ts = JSON.parse(res.stdout.toString().trim().split("\n").pop()!) as Array<number>
  const fl = 2 * n ** 3
  return { what: `numpy ${n}×${n}×${n} sgemm`, best: fl / Math.min(...ts) / 1e9, median: fl / median(ts) / 1e9 }
}

/** ONNX Runtime's MatMul [m,k]×[k,n] (weight an initializer), inference's session options, best of `repeats`. */
export const ortMatMul = async (ort: OnnxRuntime, threads: number, shape: { m: number; k: number; n: number } = { m: 2048, k: 2048, n: 2048 }, repeats = 10): Promise<GemmRate> => {
  const { m, k, n } = shape
  const g = new GraphBuilder("calibration")
  g.input("x", "FLOAT", [m, k])
  const w = new Float32Array(k * n)
  for (let i = 0; i < w.length; i++) w[i] = ((i * 2654435761) % 1000) / 1000 - 0.5
  g.output(g.op("MatMul", ["x", g.float("w", w, [k, n])]), "y", "FLOAT", [m, n])
  const s = await createSession(ort, g.encode({ opset: 18, producerVersion: "bench" }), { intraOpThreads: threads, name: "calibration MatMul" })
  const x = new Float32Array(m * k)
  for (let i = 0; i < x.length; i++) x[i] = ((i * 40503) % 997) / 997 - 0.5
  const feeds = { x: { type: "float32" as const, data: x, dims: [m, k] } }
  for (let i = 0; i < 2; i++) await s.run(feeds)
  const ts: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    await s.run(feeds)
    ts.push((performance.now() - t) / 1000)
  }
  await s.release()
  const fl = 2 * m * k * n
  return { what: `ONNX Runtime MatMul ${m}×${k}×${n}`, best: fl / Math.min(...ts) / 1e9, median: fl / median(ts) / 1e9 }
}

export interface Calibration {
  readonly cpu: CpuInfo
  readonly threads: number
  readonly numpy: GemmRate | undefined
  readonly ort: GemmRate
  /** GFLOP/s: the better of numpy's and ONNX Runtime's best. */
  readonly limit: number
  readonly limitSource: string
  readonly load: ReadonlyArray<number>
}

export const calibrate = async (o: { threads: number; ort?: OnnxRuntime }): Promise<Calibration> => {
  const ort = o.ort ?? (await loadOnnxRuntime(tmpdir()))
  const load = loadavg()
  const ortRate = await ortMatMul(ort, o.threads)
  const np = numpyGemm(o.threads)
  const limitSource = np !== undefined && np.best > ortRate.best ? np.what : ortRate.what
  return { cpu: cpuInfo(), threads: o.threads, numpy: np, ort: ortRate, limit: Math.max(ortRate.best, np?.best ?? 0), limitSource, load }
}

const f1 = (x: number) => x.toFixed(1)

/** The calibration in a few lines, for a bench's output. */
export const describeCalibration = (c: Calibration): string =>
  [
    `cpu: ${c.cpu.model}, ${c.cpu.cpus} CPUs, flags: ${c.cpu.flags.join(" ") || "(none of avx2/fma/avx512/amx/bf16)"}`,
    `fp32 GEMM now (${c.threads} threads, load average ${c.load.map((l) => l.toFixed(2)).join(" ")} when it began):`,
    `  ${c.numpy === undefined ? "numpy: skipped (no oracle venv)" : `${c.numpy.what}: best ${f1(c.numpy.best)} GFLOP/s, median ${f1(c.numpy.median)}`}`,
    `  ${c.ort.what}: best ${f1(c.ort.best)} GFLOP/s, median ${f1(c.ort.median)}`,
    `  limit: ${f1(c.limit)} GFLOP/s (${c.limitSource})`,
  ].join("\n")

/** "x GFLOP/s = y % of the limit" */
export const share = (c: Calibration, gflops: number): string => `${f1(gflops)} GFLOP/s = ${((100 * gflops) / c.limit).toFixed(0)} % of ${f1(c.limit)}`

if (import.meta.main) {
  const i = process.argv.indexOf("--threads")
  const threads = i > 0 ? Number(process.argv[i + 1]) : 2
  console.log(describeCalibration(await calibrate({ threads })))
}
