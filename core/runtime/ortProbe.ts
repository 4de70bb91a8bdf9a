import type { CudaRuntimeCheck } from "../gpu/assess.ts"
import { preloadCudaLibraries, type OnnxRuntime } from "./onnxRuntime.ts"
import { PROBE_MODEL } from "./probeModel.ts"

const firstLine = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).replace(/\x1b\[[0-9;]*m/g, "").split("\n")[0]!.slice(0, 400)

/** Opens a real session on the one-node probe model with the given provider and runs it. */
export const tryProvider = async (ort: OnnxRuntime, provider: "cpu" | "cuda"): Promise<{ ok: boolean; error?: string; value?: number }> => {
  try {
    if (provider === "cuda") await preloadCudaLibraries()
    const session = await ort.InferenceSession.create(PROBE_MODEL, { executionProviders: [provider] })
    const out = await session.run({ x: new ort.Tensor("float32", new Float32Array([1.5]), [1]) })
    await session.release()
    const y = out["y"]?.data as Float32Array | undefined
    return y?.[0] === 3 ? { ok: true, value: y[0] } : { ok: false, error: `probe model returned ${String(y?.[0])} instead of 3` }
  } catch (e) {
    return { ok: false, error: firstLine(e) }
  }
}

export const cudaRuntimeCheck = async (ort: OnnxRuntime): Promise<CudaRuntimeCheck> => {
  const r = await tryProvider(ort, "cuda")
  return r.ok ? { usable: true } : { usable: false, reason: r.error ?? "unknown" }
}
