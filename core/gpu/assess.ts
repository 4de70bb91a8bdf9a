import { Result } from "effect"
import type { Device } from "../config/settings.ts"
import { CudaUnavailable, DriverIncompatible, GpuUnsupported, type PeriogtError } from "../errors/index.ts"
import { compareVersions, CUDA_VERSION, MIN_COMPUTE_CAPABILITY, MIN_DRIVER, MIN_UNTESTED_COMPUTE_CAPABILITY } from "./matrix.ts"
import type { GpuInfo, SmiReport } from "./nvidiaSmi.ts"

/** Whether ONNX Runtime could open a CUDA session here; asked only when the GPU itself passes. */
export type CudaRuntimeCheck = { readonly usable: true } | { readonly usable: false; readonly reason: string }

/**
 * What the CUDA libraries in use need: the seed's CUDA 12 matrix by default; the pinned set's own
 * minimums when `setup --gpu` installed it (core/gpu/cudaPins.ts: CUDA 13.0, driver 580, 7.5 and newer).
 */
export interface GpuRequirements {
  readonly cudaVersion: string
  readonly minDriver: string
  /** Supported from here on. */
  readonly minComputeCapability: number
  /** Refused below this; between it and minComputeCapability only warned about. */
  readonly refuseBelow: number
  readonly source: string
}

export const MATRIX_REQUIREMENTS: GpuRequirements = {
  cudaVersion: CUDA_VERSION,
  minDriver: MIN_DRIVER,
  minComputeCapability: MIN_COMPUTE_CAPABILITY,
  refuseBelow: MIN_UNTESTED_COMPUTE_CAPABILITY,
  source: "the seed's matrix",
}

export type GpuAssessment =
  | { readonly kind: "none"; readonly reason: string }
  | { readonly kind: "driver_failed"; readonly reason: string }
  | { readonly kind: "unsupported"; readonly gpu: GpuInfo; readonly requirements?: GpuRequirements }
  | { readonly kind: "driver_old"; readonly gpu: GpuInfo; readonly requirements?: GpuRequirements }
  | { readonly kind: "libs_missing"; readonly gpu: GpuInfo; readonly reason: string }
  | { readonly kind: "usable"; readonly gpu: GpuInfo; readonly warnings: ReadonlyArray<string> }

/** Slurm and the user restrict GPUs through CUDA_VISIBLE_DEVICES; nvidia-smi does not honour it. */
export const visibleGpus = (gpus: ReadonlyArray<GpuInfo>, cudaVisible: string | undefined): ReadonlyArray<GpuInfo> => {
  if (cudaVisible === undefined || cudaVisible.trim() === "") return gpus
  const wanted = cudaVisible.split(",").map((s) => s.trim())
  if (!wanted.every((w) => /^\d+$/.test(w))) return gpus
  const picked = wanted.map((w) => gpus.find((g) => g.index === Number(w))).filter((g): g is GpuInfo => g !== undefined)
  return picked.length > 0 ? picked : gpus
}

export const gpuLabel = (g: GpuInfo) =>
  `${g.name} (compute capability ${g.computeCapability?.toFixed(1) ?? "unknown"}, driver ${g.driverVersion || "unknown"})`

/**
 * Judges the first visible GPU against the seed's matrix, then asks the CUDA runtime check.
 * Pure: the caller supplies what nvidia-smi said and a function that tries ONNX Runtime's CUDA provider.
 */
export const assessGpu = (smi: SmiReport, cudaVisible: string | undefined, cudaCheck: (gpu: GpuInfo) => CudaRuntimeCheck, req: GpuRequirements = MATRIX_REQUIREMENTS): GpuAssessment => {
  if (smi.kind === "absent") return { kind: "none", reason: "nvidia-smi is not on PATH: this node has no NVIDIA driver, or the container was started without --nv" }
  if (smi.kind === "failed") {
    const first = smi.output.split(/\r?\n/).find((l) => l.trim() !== "") ?? ""
    return { kind: "driver_failed", reason: `nvidia-smi failed (exit ${smi.exitCode ?? "signal"}): ${first.trim()}` }
  }
  const gpu = visibleGpus(smi.gpus, cudaVisible)[0]
  if (gpu === undefined) return { kind: "none", reason: "nvidia-smi lists no GPU" }
  const cc = gpu.computeCapability
  const withReq = req === MATRIX_REQUIREMENTS ? {} : { requirements: req }
  if (cc !== undefined && cc < req.refuseBelow) return { kind: "unsupported", gpu, ...withReq }
  if (gpu.driverVersion === "" || compareVersions(gpu.driverVersion, req.minDriver) < 0) return { kind: "driver_old", gpu, ...withReq }
  const warnings: Array<string> = []
  if (cc === undefined) warnings.push(`the compute capability of ${gpu.name} is unknown; periogt needs ${req.minComputeCapability.toFixed(1)}`)
  else if (cc < req.minComputeCapability) warnings.push(`${gpu.name} has compute capability ${cc.toFixed(1)}: below ${req.minComputeCapability.toFixed(1)} it is untested (seed matrix: may work)`)
  const runtime = cudaCheck(gpu)
  if (!runtime.usable) return { kind: "libs_missing", gpu, reason: runtime.reason }
  return { kind: "usable", gpu, warnings }
}

const NVLIBLIST_ACTION =
  "the driver sees the GPU but the CUDA libraries cannot be loaded. Install ONNX Runtime's CUDA provider and the CUDA " +
  "libraries it loads with `periogt setup --gpu` (then `periogt doctor` names any that still fail). Inside Apptainer: run " +
  "with --nv and check that /etc/apptainer/nvliblist.conf binds the driver's libcuda.so.1 (Apptainer 1.2 ships a CUDA 11 " +
  "list), or use --nvccli where nvidia-container-cli exists. Or run on CPU with PERIOGT_DEVICE=cpu"

/** The error a CUDA request meets for each non-usable assessment. */
export const assessmentError = (a: Exclude<GpuAssessment, { kind: "usable" }>): PeriogtError => {
  switch (a.kind) {
    case "none":
    case "driver_failed":
      return new CudaUnavailable({
        message: `PERIOGT_DEVICE=cuda but no usable GPU: ${a.reason}`,
        action: "run on a GPU node (and with apptainer --nv inside a container), or set PERIOGT_DEVICE=cpu",
        details: { reason: a.reason },
      })
    case "unsupported": {
      const req = a.requirements ?? MATRIX_REQUIREMENTS
      return new GpuUnsupported({
        message: `${gpuLabel(a.gpu)} is not supported: periogt's CUDA ${req.cudaVersion} build needs compute capability ${req.minComputeCapability.toFixed(1)} or newer`,
        action: req === MATRIX_REQUIREMENTS ? "request a V100, A100, H100 or H200 (e.g. --gres=gpu:v100:1), or set PERIOGT_DEVICE=cpu" : `request an A100, H100, H200 or L4 (${req.source}), or set PERIOGT_DEVICE=cpu`,
        details: { gpu: a.gpu.name, compute_capability: a.gpu.computeCapability, minimum: req.minComputeCapability },
      })
    }
    case "driver_old": {
      const req = a.requirements ?? MATRIX_REQUIREMENTS
      return new DriverIncompatible({
        message: `NVIDIA driver ${a.gpu.driverVersion || "unknown"} on ${a.gpu.name} is too old: CUDA ${req.cudaVersion} needs driver ${req.minDriver} or newer`,
        action: "use a node with a newer driver (ask your cluster's admins), or set PERIOGT_DEVICE=cpu",
        details: { gpu: a.gpu.name, driver: a.gpu.driverVersion, minimum_driver: req.minDriver },
      })
    }
    case "libs_missing":
      return new CudaUnavailable({
        message: `${gpuLabel(a.gpu)} is visible but ONNX Runtime cannot use CUDA: ${a.reason}`,
        action: NVLIBLIST_ACTION,
        details: { gpu: a.gpu.name, reason: a.reason },
      })
  }
}

export interface DeviceDecision {
  readonly device: "cpu" | "cuda"
  readonly gpu: GpuInfo | undefined
  readonly warnings: ReadonlyArray<string>
}

/** cpu is always honoured; cuda is refused with the precise code; auto falls back to CPU saying why. */
export const decideDevice = (request: Device, assessment: () => GpuAssessment): Result.Result<DeviceDecision, PeriogtError> => {
  if (request === "cpu") return Result.succeed({ device: "cpu", gpu: undefined, warnings: [] })
  const a = assessment()
  if (a.kind === "usable") return Result.succeed({ device: "cuda", gpu: a.gpu, warnings: a.warnings })
  const error = assessmentError(a)
  if (request === "cuda") return Result.fail(error)
  const why = a.kind === "none" || a.kind === "driver_failed" ? `no usable GPU (${a.reason})` : error.message
  return Result.succeed({ device: "cpu", gpu: undefined, warnings: [`using CPU: ${why}`] })
}
