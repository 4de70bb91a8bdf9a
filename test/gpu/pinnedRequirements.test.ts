import { describe, expect, test } from "bun:test"
import * as path from "node:path"
import { Result } from "effect"
import { assessGpu, decideDevice, type CudaRuntimeCheck } from "../../core/gpu/assess.ts"
import { probeNvidiaSmi } from "../../core/gpu/probe.ts"
import { PINNED_REQUIREMENTS } from "../../core/gpu/resolveDevice.ts"

/**
 * With the pinned CUDA set installed (setup --gpu), GPUs are judged against what it needs: CUDA 13.0,
 * driver 580.65.06 or newer, compute capability 7.5 or newer (no code for V100 or P100).
 */
const FAKE = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")
const smi = (kase: string) => probeNvidiaSmi({ PATH: `${FAKE}:/usr/bin:/bin`, FAKE_SMI_CASE: kase })
const ok: CudaRuntimeCheck = { usable: true }
const decide = (kase: string) => decideDevice("cuda", () => assessGpu(smi(kase), undefined, () => ok, PINNED_REQUIREMENTS))

describe("GPUs judged against the pinned CUDA 13 set", () => {
  test("an H100 with a 580 driver is usable", () => {
    const r = decide("h100-driver580")
    expect(Result.isSuccess(r) && r.success.device).toBe("cuda")
  })
  test.each([
    ["h200", "driver_incompatible", "580.65.06"],
    ["a100", "driver_incompatible", "580.65.06"],
    ["v100", "gpu_unsupported", "7.5"],
    ["p100", "gpu_unsupported", "7.5"],
    ["k80", "gpu_unsupported", "7.5"],
  ])("%s: %s naming %s", (kase, code, mentions) => {
    const r = decide(kase)
    expect(Result.isFailure(r) && (r.failure.code as string)).toBe(code)
    if (Result.isFailure(r)) expect(r.failure.message).toContain(mentions)
  })
  test("without the set, the seed's matrix still decides (an H200 on 565 passes)", () => {
    const r = decideDevice("cuda", () => assessGpu(smi("h200"), undefined, () => ok))
    expect(Result.isSuccess(r)).toBe(true)
  })
})
