import { Effect, Result } from "effect"
import type { Device } from "../config/settings.ts"
import type { PeriogtError } from "../errors/index.ts"
import { cudaRuntimeCheck } from "../runtime/ortProbe.ts"
import { cudaRuntimeDirectory, type OnnxRuntime } from "../runtime/onnxRuntime.ts"
import { assessGpu, decideDevice, MATRIX_REQUIREMENTS, type CudaRuntimeCheck, type DeviceDecision, type GpuAssessment, type GpuRequirements } from "./assess.ts"
import { CUDA_PINS } from "./cudaPins.ts"

/** What the pinned CUDA set (core/gpu/cudaPins.ts) needs: it carries no code below its lowest compute capability. */
export const PINNED_REQUIREMENTS: GpuRequirements = {
  cudaVersion: CUDA_PINS.cuda,
  minDriver: CUDA_PINS.minDriver,
  minComputeCapability: Math.min(...CUDA_PINS.computeCapabilities),
  refuseBelow: Math.min(...CUDA_PINS.computeCapabilities),
  source: `ONNX Runtime ${CUDA_PINS.onnxruntime}'s CUDA ${CUDA_PINS.cuda} provider, installed by setup --gpu`,
}
import { probeNvidiaSmi } from "./probe.ts"

/** Probes nvidia-smi, and ONNX Runtime's CUDA provider only when a GPU is listed. */
export const assessThisNode = (ort: () => Promise<OnnxRuntime>): Effect.Effect<GpuAssessment> =>
  Effect.promise(async () => {
    const smi = probeNvidiaSmi()
    let cuda: CudaRuntimeCheck = { usable: false, reason: "no GPU listed" }
    let req = MATRIX_REQUIREMENTS
    if (smi.kind === "ok" && smi.gpus.length > 0) {
      try {
        const loaded = await ort()
        // the pinned set of `setup --gpu` in use: judged against its own needs (CUDA 13: driver 580, 7.5+)
        if (cudaRuntimeDirectory() !== undefined) req = PINNED_REQUIREMENTS
        cuda = await cudaRuntimeCheck(loaded)
      } catch (e) {
        cuda = { usable: false, reason: e instanceof Error ? e.message : String(e) }
      }
    }
    return assessGpu(smi, process.env["CUDA_VISIBLE_DEVICES"], () => cuda, req)
  })

/** The device a command runs on: `cpu` as asked; `cuda` only on a GPU and driver this build supports (else refused with the reason); `auto` falls back to CPU saying why. */
export const resolveDevice = (request: Device, ort: () => Promise<OnnxRuntime>): Effect.Effect<DeviceDecision, PeriogtError> =>
  request === "cpu"
    ? Effect.succeed({ device: "cpu", gpu: undefined, warnings: [] })
    : Effect.flatMap(assessThisNode(ort), (a) => {
        const r = decideDevice(request, () => a)
        return Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure)
      })
