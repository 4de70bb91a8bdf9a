import { describe, expect, test } from "bun:test"
import * as path from "node:path"
import { Result } from "effect"
import { assessGpu, decideDevice, type CudaRuntimeCheck } from "../../core/gpu/assess.ts"
import { probeNvidiaSmi } from "../../core/gpu/probe.ts"

const FAKE = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")
const smi = (kase: string) => probeNvidiaSmi({ PATH: `${FAKE}:/usr/bin:/bin`, FAKE_SMI_CASE: kase })
const libsLoad: CudaRuntimeCheck = { usable: true }
const libsMissing: CudaRuntimeCheck = { usable: false, reason: "libcudart.so.12: cannot open shared object file" }

const decide = (kase: string, request: "auto" | "cuda", runtime: CudaRuntimeCheck = libsLoad, visible?: string) =>
  decideDevice(request, () => assessGpu(smi(kase), visible, () => runtime))

const failureCode = (r: ReturnType<typeof decide>) => (Result.isFailure(r) ? r.failure.code : "ok")

describe("nvidia-smi probing (replayed outputs)", () => {
  test("modern drivers answer compute_cap directly", () => {
    const r = smi("h100")
    expect(r.kind).toBe("ok")
    if (r.kind !== "ok") return
    expect(r.gpus[0]).toMatchObject({ name: "NVIDIA H100 80GB HBM3", computeCapability: 9.0, computeCapabilityFrom: "nvidia-smi", driverVersion: "560.35.03", memoryMiB: 81559 })
  })
  test("Kepler-era drivers reject compute_cap: asked again without it, capability from the name", () => {
    const r = smi("k80")
    expect(r.kind).toBe("ok")
    if (r.kind !== "ok") return
    expect(r.gpus).toHaveLength(2)
    expect(r.gpus[0]).toMatchObject({ name: "Tesla K80", computeCapability: 3.7, computeCapabilityFrom: "name", driverVersion: "470.256.02" })
  })
  test("a failing nvidia-smi and a missing one are told apart", () => {
    expect(smi("failing").kind).toBe("failed")
    expect(probeNvidiaSmi({ PATH: "/nonexistent" }).kind).toBe("absent")
  })
})

describe("device guardrails per the seed's matrix", () => {
  test.each(["h200", "h100", "a100", "v100"])("%s with CUDA libraries: cuda, no warning", (kase) => {
    const r = decide(kase, "cuda")
    expect(Result.isSuccess(r) && r.success.device).toBe("cuda")
    expect(Result.isSuccess(r) && r.success.warnings).toEqual([])
  })
  test("P100 (6.0) is untested: cuda with a warning", () => {
    const r = decide("p100", "cuda")
    expect(Result.isSuccess(r) && r.success.device).toBe("cuda")
    expect(Result.isSuccess(r) && r.success.warnings.join()).toContain("untested")
  })
  test.each(["k80", "k40m"])("%s: gpu_unsupported naming the GPU and the minimum", (kase) => {
    const r = decide(kase, "cuda")
    expect(failureCode(r)).toBe("gpu_unsupported")
    if (Result.isFailure(r)) {
      expect(r.failure.message).toContain(kase === "k80" ? "Tesla K80" : "Tesla K40m")
      expect(r.failure.message).toContain("7.0")
    }
  })
  test("driver 535: driver_incompatible with both versions", () => {
    const r = decide("driver535", "cuda")
    expect(failureCode(r)).toBe("driver_incompatible")
    if (Result.isFailure(r)) {
      expect(r.failure.message).toContain("535.104.05")
      expect(r.failure.message).toContain("560.28")
    }
  })
  test("failing nvidia-smi or no GPU: cuda_unavailable suggesting cpu and --nv", () => {
    for (const r of [decide("failing", "cuda"), decideDevice("cuda", () => assessGpu({ kind: "absent" }, undefined, () => libsLoad))]) {
      expect(failureCode(r)).toBe("cuda_unavailable")
      if (Result.isFailure(r)) {
        expect(r.failure.action).toContain("PERIOGT_DEVICE=cpu")
        expect(r.failure.action).toContain("--nv")
      }
    }
  })
  test("GPU visible but CUDA libraries unloadable: the nvliblist.conf diagnosis", () => {
    const r = decide("h100", "cuda", libsMissing)
    expect(failureCode(r)).toBe("cuda_unavailable")
    if (Result.isFailure(r)) {
      expect(r.failure.action).toContain("nvliblist.conf")
      expect(r.failure.message).toContain("libcudart")
    }
  })
  test("auto falls back to CPU and says why; cpu never probes", () => {
    const r = decide("k80", "auto")
    expect(Result.isSuccess(r) && r.success.device).toBe("cpu")
    expect(Result.isSuccess(r) && r.success.warnings.join()).toContain("compute capability")
    let probed = false
    const cpu = decideDevice("cpu", () => {
      probed = true
      return { kind: "none", reason: "" }
    })
    expect(Result.isSuccess(cpu) && cpu.success.device).toBe("cpu")
    expect(probed).toBe(false)
  })
  test("CUDA_VISIBLE_DEVICES picks the GPU that is judged", () => {
    const first = decide("mixed", "cuda", libsLoad, "0")
    expect(Result.isSuccess(first) && first.success.gpu?.name).toBe("Tesla V100-SXM2-32GB")
    const second = decide("mixed", "cuda", libsLoad, "1")
    expect(Result.isSuccess(second) && second.success.gpu?.name).toBe("Tesla P100-PCIE-16GB")
  })
})
