import { Effect, Result } from "effect"
import type { Device } from "../config/settings.ts"
import type { PeriogtError } from "../errors/index.ts"
import { cudaRuntimeCheck } from "../runtime/ortProbe.ts"
import type { OnnxRuntime } from "../runtime/onnxRuntime.ts"
import { assessGpu, decideDevice, type CudaRuntimeCheck, type DeviceDecision, type GpuAssessment } from "./assess.ts"
import { probeNvidiaSmi } from "./probe.ts"

/** Probes nvidia-smi, and ONNX Runtime's CUDA provider only when a GPU is listed. */
export const assessThisNode = (ort: () => Promise<OnnxRuntime>): Effect.Effect<GpuAssessment> =>
  Effect.promise(async () => {
    const smi = probeNvidiaSmi()
    let cuda: CudaRuntimeCheck = { usable: false, reason: "no GPU listed" }
    if (smi.kind === "ok" && smi.gpus.length > 0) {
      try {
        cuda = await cudaRuntimeCheck(await ort())
      } catch (e) {
        cuda = { usable: false, reason: e instanceof Error ? e.message : String(e) }
      }
    }
    return assessGpu(smi, process.env["CUDA_VISIBLE_DEVICES"], () => cuda)
  })

/** The device a command runs on: `cpu` as asked; `cuda` only on a GPU and driver this build supports (else refused with the reason); `auto` falls back to CPU saying why. */
export const resolveDevice = (request: Device, ort: () => Promise<OnnxRuntime>): Effect.Effect<DeviceDecision, PeriogtError> =>
  request === "cpu"
    ? Effect.succeed({ device: "cpu", gpu: undefined, warnings: [] })
    : Effect.flatMap(assessThisNode(ort), (a) => {
        const r = decideDevice(request, () => a)
        return Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure)
      })
