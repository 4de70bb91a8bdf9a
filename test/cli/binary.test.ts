import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorOf, periogtBinary, run, tempDir } from "../support/binary.ts"

/**
 * The compiled executable as a user meets it: copied alone into an empty directory, run with a PATH
 * holding neither node nor bun, a fresh HOME and an empty checkpoint directory.
 */
let bin: string
let home: string
let ckpt: string
let emptyPath: string
const FAKE_SMI = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")

beforeAll(() => {
  const dir = tempDir("user")
  bin = path.join(dir, "periogt")
  fs.copyFileSync(periogtBinary(), bin)
  fs.chmodSync(bin, 0o755)
  home = tempDir("home")
  ckpt = tempDir("ckpt")
  emptyPath = tempDir("path")
})

const env = (extra: Record<string, string> = {}) => ({ PATH: emptyPath, HOME: home, PERIOGT_CHECKPOINT_DIR: ckpt, ...extra })
const periogt = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) => run([bin, ...args], { env: env(extra), cwd: path.dirname(bin) })

describe("the single-file executable", () => {
  test("neither node nor bun is reachable from the test PATH", () => {
    expect(fs.readdirSync(emptyPath)).toEqual([])
  })

  test("--version", () => {
    const r = periogt(["--version"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("0.1.0")
  })

  test("doctor --json opens a real ONNX Runtime CPU session and lists every missing artifact with its path", () => {
    const r = periogt(["doctor", "--json"])
    expect(r.code).toBe(2)
    const report = JSON.parse(r.stdout) as {
      verdict: string
      onnxruntime: { cpu: { ok: boolean }; version: string; library: string }
      missing_artifacts: Array<{ artifact: string; path: string }>
    }
    expect(report.verdict).toBe("FAIL")
    expect(report.onnxruntime.cpu.ok).toBe(true)
    expect(report.onnxruntime.version).toBe("1.30.0")
    expect(report.onnxruntime.library.startsWith(path.join(home, ".cache", "periogt", "native"))).toBe(true)
    expect(report.missing_artifacts).toEqual([
      { artifact: "pretrained_ckpt", path: path.join(ckpt, "pretrained_ckpt") },
      { artifact: "finetuned_ckpt", path: path.join(ckpt, "finetuned_ckpt") },
      { artifact: "label_stats.json", path: path.join(ckpt, "label_stats.json") },
      { artifact: "descriptor_scaler.pkl", path: path.join(ckpt, "descriptor_scaler.pkl") },
      { artifact: "index.json", path: path.join(ckpt, "index.json") },
    ])
  })

  test("doctor shows the network's threads and the featurization workers for the cores the job may use (taskset -c 0: one core)", () => {
    const taskset = Bun.which("taskset")
    if (taskset === null) throw new Error("taskset (util-linux) is not on this machine")
    const r = run([taskset, "-c", "0", bin, "doctor", "--json"], { env: env(), cwd: path.dirname(bin) })
    const threads = (JSON.parse(r.stdout) as { checks: Array<{ check: string; value: string }> }).checks.find((c) => c.check === "threads")
    expect(threads?.value).toBe("network 1 (from default (1 usable core)); featurization workers 0 (from default (1 usable core: in the main thread))")
    const set = periogt(["doctor", "--json", "--threads", "3"])
    expect((JSON.parse(set.stdout) as { checks: Array<{ check: string; value: string }> }).checks.find((c) => c.check === "threads")?.value).toStartWith("network 3 (from flag --threads); ")
  })

  test("doctor in text: stdout has the report, stderr stays quiet", () => {
    const r = periogt(["doctor"])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain("verdict: FAIL")
    expect(r.stdout).toContain(path.join(ckpt, "index.json"))
  })

  test("predict with an empty checkpoint directory: checkpoint_missing, exit 2, paths logged to stderr only", () => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(errorOf(r.stderr)?.code).toBe("checkpoint_missing")
    expect(r.stderr).toContain(`checkpoint_dir ${ckpt}`)
    expect(r.stderr).toContain("env PERIOGT_CHECKPOINT_DIR")
  })

  test("PERIOGT_DEVICE=cuda on a machine without a GPU: cuda_unavailable", () => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps"], { PERIOGT_DEVICE: "cuda" })
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("cuda_unavailable")
  })

  test("PERIOGT_DEVICE=gpu: validation_error naming the variable", () => {
    const r = periogt(["doctor"], { PERIOGT_DEVICE: "gpu" })
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.details?.["variable"]).toBe("PERIOGT_DEVICE")
  })

  test("an invalid repeat unit is refused before anything else", () => {
    const r = periogt(["predict", "--smiles", "CCO", "--property", "eps"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.details?.["rule"]).toBe("no_wildcard")
  })

  test("JSON logs on stderr with --json-logs; stdout untouched", () => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps", "--json-logs"])
    const lines = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.some((l) => l["level"] === "info" && String(l["message"]).startsWith("checkpoint_dir"))).toBe(true)
    expect(r.stdout).toBe("")
  })

  test("secrets never reach the log", () => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps", "--json-logs"], { PERIOGT_API_KEY: "hunter2-secret", PERIOGT_LOG_LEVEL: "debug" })
    expect(r.stderr).not.toContain("hunter2-secret")
  })

  test("featurize --input streams one JSON line per row; invalid rows are error lines; exit 1", () => {
    const csv = path.join(path.dirname(bin), "units.csv")
    fs.writeFileSync(csv, 'id,smiles\r\na,*CC*\r\nb,CCO\r\n\r\nc,"*C(F)(F)*"\r\n')
    const r = periogt(["featurize", "--input", csv])
    expect(r.code).toBe(1)
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; valid: boolean; error?: { rule: string }; graphs?: unknown[] })
    expect(lines.map((l) => [l.id, l.valid])).toEqual([["a", true], ["b", false], ["c", true]])
    expect(lines[1]!.error?.rule).toBe("no_wildcard")
    expect(Array.isArray(lines[0]!.graphs)).toBe(true)
  })

  test("unknown commands and options are usage errors (exit 2)", () => {
    expect(periogt(["frobnicate"]).code).toBe(2)
    expect(periogt(["predict", "--smiles"]).code).toBe(2)
  })

  test("the unpacked library is reused by the next run, not rewritten", () => {
    const lib = path.join(home, ".cache", "periogt", "native", "0.1.0", "libonnxruntime.so.1")
    const before = fs.statSync(lib).mtimeMs
    periogt(["doctor", "--json"])
    expect(fs.statSync(lib).mtimeMs).toBe(before)
  })

  test("8 jobs starting at once with an empty cache all load ONNX Runtime (concurrent unpacking is safe)", async () => {
    const shared = tempDir("sharedcache")
    const procs = Array.from({ length: 8 }, () =>
      Bun.spawn([bin, "doctor", "--json"], { env: env({ PERIOGT_CACHE_DIR: shared }), stdout: "pipe", stderr: "pipe" }),
    )
    const reports = await Promise.all(procs.map(async (p) => JSON.parse(await new Response(p.stdout).text()) as { onnxruntime: { cpu: { ok: boolean } } }))
    expect(reports.map((r) => r.onnxruntime.cpu.ok)).toEqual(Array(8).fill(true))
    const dir = path.join(shared, "native", "0.1.0")
    expect(fs.readdirSync(dir)).toEqual(["libonnxruntime.so.1"])
  })

  test("a read-only home falls back to TMPDIR for the native cache", () => {
    const ro = tempDir("rohome")
    fs.chmodSync(ro, 0o555)
    const tmp = tempDir("tmp")
    const r = run([bin, "doctor", "--json"], { env: { PATH: emptyPath, HOME: ro, TMPDIR: tmp, PERIOGT_CHECKPOINT_DIR: ckpt }, cwd: tmp })
    const report = JSON.parse(r.stdout) as { onnxruntime: { library: string; cpu: { ok: boolean } } }
    // root ignores permission bits; only assert the fallback where the home really is read-only
    if (process.getuid?.() !== 0) expect(report.onnxruntime.library.startsWith(tmp)).toBe(true)
    expect(report.onnxruntime.cpu.ok).toBe(true)
  })
})

describe("the executable on replayed GPUs (fake nvidia-smi on PATH)", () => {
  const withGpu = (kase: string, device: string) => ({ PATH: FAKE_SMI, FAKE_SMI_CASE: kase, PERIOGT_DEVICE: device })
  test.each([
    ["k80", "gpu_unsupported"],
    ["k40m", "gpu_unsupported"],
    ["driver535", "driver_incompatible"],
    ["failing", "cuda_unavailable"],
    // The driver sees the H100, but this machine has no CUDA libraries: the nvliblist diagnosis.
    ["h100", "cuda_unavailable"],
  ])("PERIOGT_DEVICE=cuda on %s: %s", (kase, code) => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps"], withGpu(kase, "cuda"))
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe(code)
    if (kase === "h100") expect(r.stderr).toContain("nvliblist.conf")
  })

  test("PERIOGT_DEVICE=auto on a K80 falls back to CPU with a warning, then meets the missing artifacts", () => {
    const r = periogt(["predict", "--smiles", "*CC*", "--property", "eps"], withGpu("k80", "auto"))
    expect(errorOf(r.stderr)?.code).toBe("checkpoint_missing")
    expect(r.stderr).toContain("using CPU")
  })

  // This machine has no CUDA libraries, so even a supported GPU cannot pass under cuda: that is the
  // nvliblist diagnosis (FAIL under cuda, WARN under auto, which falls back to CPU).
  test.each([
    ["h200", "cuda", "FAIL", "nvliblist.conf"],
    ["h200", "auto", "WARN", "nvliblist.conf"],
    ["p100", "auto", "WARN", "nvliblist.conf"],
    ["k80", "auto", "WARN", "compute capability"],
    ["k80", "cuda", "FAIL", "compute capability"],
    ["driver535", "cuda", "FAIL", "560.28"],
    ["h100", "cpu", "PASS", "PERIOGT_DEVICE=cpu"],
  ])("doctor's gpu line for %s with PERIOGT_DEVICE=%s: %s", (kase, device, status, mentions) => {
    const r = periogt(["doctor", "--json"], withGpu(kase, device))
    const report = JSON.parse(r.stdout) as { checks: Array<{ check: string; status: string; value: string; action?: string }> }
    const gpu = report.checks.find((c) => c.check === "gpu")
    expect(gpu?.status).toBe(status)
    expect(`${gpu?.value} ${gpu?.action ?? ""}`).toContain(mentions)
  })
})
