import type { ArtifactStatus } from "../artifacts/check.ts"
import { describeSource, pathSettings, type PeriogtConfig } from "../config/index.ts"
import { EXIT } from "../errors/index.ts"
import { assessmentError, gpuLabel, type GpuAssessment } from "../gpu/assess.ts"
import type { CudaLibrariesReport } from "../gpu/cudaLibs.ts"
import { compareVersions } from "../gpu/matrix.ts"
import type { SystemFacts } from "./system.ts"

export type Status = "PASS" | "WARN" | "FAIL"

export interface CheckLine {
  readonly check: string
  readonly status: Status
  readonly value: string
  /** What to do, on every line that is not PASS. */
  readonly action?: string
  readonly code?: string
}

export interface OrtFacts {
  readonly version: string | undefined
  readonly library: string | undefined
  readonly cpu: { readonly ok: boolean; readonly error?: string; readonly value?: number }
  readonly cuda: { readonly ok: boolean; readonly error?: string; readonly value?: number } | undefined
  readonly loadError?: string
}

/** The CUDA provider set (`setup --gpu`) as doctor found it, and what opening it did. */
export interface CudaFacts {
  readonly libraries: CudaLibrariesReport
  /** Each installed library opened by full path before the CUDA session (empty when not installed). */
  readonly loaded: ReadonlyArray<{ readonly name: string; readonly path: string; readonly error?: string }>
  /** The probe model's result on CPU and CUDA, when both sessions ran. */
  readonly comparison?: { readonly cpu: number; readonly cuda: number } | undefined
}

export interface DoctorFacts {
  readonly versions: Record<string, string | undefined>
  readonly system: SystemFacts
  readonly config: PeriogtConfig
  readonly gpu: GpuAssessment
  readonly ort: OrtFacts
  readonly artifacts: ReadonlyArray<ArtifactStatus>
  readonly properties: ReadonlyArray<string>
  readonly propertiesWithoutStats: ReadonlyArray<string>
  readonly memoryEstimateBytes: number
  readonly cuda?: CudaFacts | undefined
}

/**
 * The CUDA provider set: shown when a GPU is listed, CUDA is requested or the set is installed. Missing
 * files are named with the directory looked in; installed ones with their pinned version and whether
 * they load; the CUDA session's result is compared with the CPU's.
 */
export const cudaLines = (facts: DoctorFacts): ReadonlyArray<CheckLine> => {
  const c = facts.cuda
  if (c === undefined) return []
  const request = facts.config.device.value
  const gpuListed = facts.gpu.kind !== "none"
  const lib = c.libraries
  const anyPresent = lib.libraries.some((l) => l.present)
  if (request === "cpu" || (!gpuListed && request !== "cuda" && !anyPresent)) return []
  const lines: Array<CheckLine> = []
  const bad: Status = request === "cuda" ? "FAIL" : "WARN"
  const missing = lib.libraries.filter((l) => !l.present)
  if (missing.length > 0) {
    lines.push({
      check: "cuda libraries",
      status: bad,
      value: `${missing.length} of ${lib.libraries.length} pinned files missing, looked in ${lib.lookedIn.join(", ")}: ${missing.map((l) => `${l.name} (${l.version}) not at ${l.path}`).join("; ")}`,
      action: "run `periogt setup --gpu --from DIR` (the pinned wheels or files) or `periogt setup --gpu --wheels-from URL` (PERIOGT_WHEEL_INDEX); the list is in core/gpu/cudaPins.ts",
      code: "cuda_unavailable",
    })
  } else {
    const versions = [...new Set(lib.libraries.map((l) => l.version))].join(", ")
    lines.push({ check: "cuda libraries", status: lib.complete ? "PASS" : bad, value: `${lib.libraries.length} files in ${lib.dir}${lib.complete ? "" : " (manifest does not match the pins: rerun setup --gpu)"}: ${versions}` })
  }
  const failed = c.loaded.filter((l) => l.error !== undefined)
  if (c.loaded.length > 0) {
    lines.push(
      failed.length === 0
        ? { check: "cuda loadable", status: "PASS", value: c.loaded.map((l) => l.name).join(", ") }
        : {
            check: "cuda loadable",
            status: bad,
            value: failed.map((l) => `${l.name} (${l.path}): ${l.error}`).join("; "),
            action: "libcuda.so.1 comes from the NVIDIA driver (apptainer --nv binds it); any other library here is reinstalled by `periogt setup --gpu`",
            code: "cuda_unavailable",
          },
    )
  }
  const a = facts.gpu
  if (a.kind !== "none" && a.kind !== "driver_failed") {
    const problems: Array<string> = []
    const cc = a.gpu.computeCapability
    if (cc !== undefined && !lib.computeCapabilities.some((x) => Math.abs(x - cc) < 1e-6) && cc < Math.max(...lib.computeCapabilities)) {
      problems.push(`${a.gpu.name} has compute capability ${cc.toFixed(1)}; the pinned provider carries code for ${lib.computeCapabilities.map((x) => x.toFixed(1)).join(", ")} only`)
    }
    if (a.gpu.driverVersion !== "" && compareVersions(a.gpu.driverVersion, lib.minDriver) < 0) {
      problems.push(`driver ${a.gpu.driverVersion} is older than the ${lib.minDriver} the pinned CUDA ${lib.cuda} libraries need`)
    }
    if (problems.length > 0) lines.push({ check: "cuda build", status: bad, value: problems.join("; "), action: "use a GPU and driver the pinned set supports, or PERIOGT_DEVICE=cpu", code: problems.some((p) => p.includes("driver")) ? "driver_incompatible" : "gpu_unsupported" })
  }
  if (c.comparison !== undefined) {
    const { cpu, cuda } = c.comparison
    const rel = Math.abs(cuda - cpu) / Math.max(Math.abs(cpu), 1e-30)
    lines.push(
      rel <= 1e-6
        ? { check: "cuda session", status: "PASS", value: `probe model on CUDA: ${cuda}, on CPU: ${cpu} (equal)` }
        : { check: "cuda session", status: "FAIL", value: `probe model on CUDA: ${cuda}, on CPU: ${cpu}`, action: "report this with `periogt doctor --json`", code: "cuda_unavailable" },
    )
  }
  return lines
}

const GiB = 1024 ** 3
const gib = (b: number) => `${(b / GiB).toFixed(1)} GiB`

const gpuLine = (facts: DoctorFacts): CheckLine => {
  const request = facts.config.device.value
  const a = facts.gpu
  if (a.kind === "usable") {
    return a.warnings.length === 0
      ? { check: "gpu", status: "PASS", value: `${gpuLabel(a.gpu)}: supported` }
      : { check: "gpu", status: "WARN", value: `${gpuLabel(a.gpu)}: ${a.warnings.join("; ")}`, action: "prefer a V100, A100, H100 or H200; or set PERIOGT_DEVICE=cpu" }
  }
  const error = assessmentError(a)
  if (request === "cpu") {
    return { check: "gpu", status: "PASS", value: `not used (PERIOGT_DEVICE=cpu)${a.kind === "none" ? "" : `; ${error.message}`}` }
  }
  if (request === "cuda") return { check: "gpu", status: "FAIL", value: error.message, action: error.action ?? "", code: error.code }
  // auto: a node with no GPU at all is an ordinary CPU node; a GPU that cannot be used is worth a warning.
  if (a.kind === "none") return { check: "gpu", status: "PASS", value: `none; running on CPU (${a.reason})` }
  return { check: "gpu", status: "WARN", value: `${error.message}; periogt will run on CPU`, action: error.action ?? "", code: error.code }
}

/** Turns gathered facts into the report's lines; pure, so every verdict is tested on recorded facts. */
export const doctorLines = (facts: DoctorFacts): ReadonlyArray<CheckLine> => {
  const s = facts.system
  const lines: Array<CheckLine> = []
  lines.push({ check: "periogt", status: "PASS", value: Object.entries(facts.versions).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(", ") })
  lines.push({ check: "os", status: "PASS", value: `${s.os}, kernel ${s.kernel}, glibc ${s.glibc ?? "unknown"}` })
  const features = [s.cpu.avx2 && "AVX2", s.cpu.avx512 && "AVX-512", s.cpu.amx && "AMX"].filter(Boolean).join(", ") || "none of AVX2/AVX-512/AMX"
  lines.push(
    s.cpu.avx2
      ? { check: "cpu", status: "PASS", value: `${s.cpu.model}; ${s.cpu.usableCores} of ${s.cpu.logicalCores} cores usable; ${features}` }
      : { check: "cpu", status: "WARN", value: `${s.cpu.model}; ${features}`, action: "CPU inference without AVX2 is several times slower; prefer a newer node" },
  )
  // What the network and the featurization will run on here: ONNX Runtime's own default would count the
  // node's cores, not the job's.
  const { threads, workers } = facts.config
  lines.push({ check: "threads", status: "PASS", value: `network ${threads.value} (from ${describeSource(threads.source)}); featurization workers ${workers.value} (from ${describeSource(workers.source)})` })
  const limit = s.memoryLimitBytes
  const usable = Math.min(s.memoryAvailableBytes, limit ?? Infinity)
  const memValue = `${gib(s.memoryTotalBytes)} total, ${gib(s.memoryAvailableBytes)} available${limit === undefined ? "" : `, job limit ${gib(limit)}`}; periogt needs about ${gib(facts.memoryEstimateBytes)} (estimate)`
  lines.push(
    usable >= facts.memoryEstimateBytes
      ? { check: "memory", status: "PASS", value: memValue }
      : { check: "memory", status: "WARN", value: memValue, action: `request more memory (e.g. #SBATCH --mem=${Math.ceil((facts.memoryEstimateBytes * 1.5) / GiB)}G)` },
  )
  lines.push(gpuLine(facts))
  lines.push(...cudaLines(facts))
  const ort = facts.ort
  if (ort.loadError !== undefined) {
    lines.push({ check: "onnxruntime", status: "FAIL", value: `cannot load ONNX Runtime: ${ort.loadError}`, action: "check that the cache directory is writable (PERIOGT_CACHE_DIR) and the node is Linux x86-64 with glibc ≥ 2.28", code: "model_load_failed" })
  } else {
    const eps = [ort.cpu.ok ? "cpu" : undefined, ort.cuda?.ok === true ? "cuda" : undefined].filter(Boolean).join(", ")
    lines.push(
      ort.cpu.ok
        ? { check: "onnxruntime", status: "PASS", value: `${ort.version}; working execution providers: ${eps}; library ${ort.library}` }
        : { check: "onnxruntime", status: "FAIL", value: `${ort.version}; a CPU session cannot be opened: ${ort.cpu.error}`, action: "report this with the output of `periogt doctor --json`", code: "model_load_failed" },
    )
  }
  for (const [key, setting] of pathSettings(facts.config)) {
    lines.push({ check: key, status: "PASS", value: `${setting.value} (from ${describeSource(setting.source)})` })
  }
  for (const a of facts.artifacts) {
    lines.push(
      a.present
        ? { check: `artifact ${a.name}`, status: "PASS", value: a.path }
        : { check: `artifact ${a.name}`, status: "FAIL", value: `${a.path}: ${a.problem}`, action: "run `periogt setup` (or `periogt setup --skip-download` with the archives placed by hand)", code: "checkpoint_missing" },
    )
  }
  if (facts.properties.length > 0) {
    lines.push({ check: "properties", status: "PASS", value: facts.properties.join(", ") })
  }
  if (facts.propertiesWithoutStats.length > 0) {
    lines.push({
      check: "label statistics",
      status: "WARN",
      value: `no label statistics for: ${facts.propertiesWithoutStats.join(", ")} (predictions for these cannot be de-normalized)`,
      action: `add {"<property>": {"mean": …, "std": …}} entries to ${facts.config.checkpointDir.value}/label_stats.json`,
    })
  }
  return lines
}

export const verdictOf = (lines: ReadonlyArray<CheckLine>): { readonly verdict: Status; readonly exitCode: number } =>
  lines.some((l) => l.status === "FAIL")
    ? { verdict: "FAIL", exitCode: EXIT.fatal }
    : lines.some((l) => l.status === "WARN")
      ? { verdict: "WARN", exitCode: EXIT.partial }
      : { verdict: "PASS", exitCode: EXIT.success }

export const renderText = (lines: ReadonlyArray<CheckLine>): string => {
  const width = Math.max(...lines.map((l) => l.check.length))
  const out: Array<string> = []
  for (const l of lines) {
    out.push(`${l.status.padEnd(4)}  ${l.check.padEnd(width)}  ${l.value}`)
    if (l.action !== undefined && l.status !== "PASS") out.push(`${" ".repeat(6 + width)}  → ${l.action}`)
  }
  const { verdict } = verdictOf(lines)
  out.push("", `verdict: ${verdict}`)
  return out.join("\n") + "\n"
}
