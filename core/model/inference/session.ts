/**
 * A thin wrapper over an onnxruntime-node InferenceSession created from model bytes: execution provider
 * (cpu / cuda), thread control, session reuse, and typed feeds/fetches. Plain async functions; errors are
 * `ModelLoadFailed` (session creation) or `InternalError` (a run that fails).
 */
import { InternalError, ModelLoadFailed } from "../../errors/index.ts"
import { cudaFailure } from "../../gpu/cudaErrors.ts"
import { cudaRuntimeDirectory, preloadCudaLibraries, type OnnxRuntime } from "../../runtime/onnxRuntime.ts"

type SessionOptions = NonNullable<Parameters<OnnxRuntime["InferenceSession"]["create"]>[1]>

export type Provider = "cpu" | "cuda"

export interface SessionConfig {
  readonly provider?: Provider
  /** Threads inside one operator (CPU). Default: onnxruntime's (all physical cores). */
  readonly intraOpThreads?: number
  /** Threads across independent operators (CPU); 1 = sequential execution. */
  readonly interOpThreads?: number
  /** CUDA device ordinal. */
  readonly deviceId?: number
  readonly graphOptimization?: "disabled" | "basic" | "extended" | "all"
  /**
   * Repack matrix weights for the CPU's GEMM when the session is created (default true): each run is
   * faster, creation slower — for the full configuration about 0.3 s more per cold start and 15–30 %
   * faster runs. One-shot commands turn it off.
   */
  readonly prepackWeights?: boolean
  /**
   * Whether ONNX Runtime's intra-op threads busy-wait for the next operator instead of sleeping.
   * Default off: a network run is a chain of ~1000 operators, most of them small, and a waiting thread
   * that spins takes a core that the thread running the next operator (or a featurization worker)
   * needs. On a 2-core AMD EPYC virtual machine spinning made one polymer's prompt pass 15 % slower and
   * its finetuned pass 1.8× slower, and changed nothing at batch scale (bench/README.md).
   */
  readonly spinWait?: boolean
  /** Names the model in error messages. */
  readonly name?: string
  /**
   * ONNX Runtime's profiler (benches only): every run's node timings and shapes go to a JSON file whose
   * name starts with this prefix; `endProfiling` writes it and returns its path.
   */
  readonly profileFilePrefix?: string
}

export type FeedTensor =
  | { readonly type: "float32"; readonly data: Float32Array; readonly dims: ReadonlyArray<number> }
  | { readonly type: "int64"; readonly data: BigInt64Array; readonly dims: ReadonlyArray<number> }
  | { readonly type: "bool"; readonly data: Uint8Array; readonly dims: ReadonlyArray<number> }

export interface OutputTensor {
  readonly data: Float32Array
  readonly dims: ReadonlyArray<number>
}

export interface ModelSession {
  readonly name: string
  readonly provider: Provider
  readonly inputNames: ReadonlyArray<string>
  readonly outputNames: ReadonlyArray<string>
  /** Runs one batch; `fetch` restricts the outputs returned. */
  run(feeds: Readonly<Record<string, FeedTensor>>, fetch?: ReadonlyArray<string>): Promise<Record<string, OutputTensor>>
  /** Ends profiling (a session created with `profileFilePrefix`) and writes the profile. */
  endProfiling(): void
  release(): Promise<void>
}

/** The options handed to ONNX Runtime for `c` (exported for its test). */
export const sessionOptions = (c: SessionConfig): SessionOptions => {
  const provider = c.provider ?? "cpu"
  const eps: SessionOptions["executionProviders"] =
    provider === "cuda" ? [{ name: "cuda", deviceId: c.deviceId ?? 0 }, "cpu"] : ["cpu"]
  return {
    executionProviders: eps,
    graphOptimizationLevel: c.graphOptimization ?? "all",
    executionMode: (c.interOpThreads ?? 1) > 1 ? "parallel" : "sequential",
    ...(c.intraOpThreads === undefined ? {} : { intraOpNumThreads: c.intraOpThreads }),
    ...(c.interOpThreads === undefined ? {} : { interOpNumThreads: c.interOpThreads }),
    extra: {
      session: {
        "intra_op.allow_spinning": c.spinWait === true ? "1" : "0",
        ...(c.prepackWeights === false ? { disable_prepacking: "1" } : {}),
      },
    },
    ...(c.profileFilePrefix === undefined ? {} : { enableProfiling: true, profileFilePrefix: c.profileFilePrefix }),
  }
}

/**
 * Creates a session from serialized ONNX bytes or an .onnx file, with the ONNX Runtime that
 * `loadOnnxRuntime` loaded. Give large models as a path: ONNX Runtime then reads the file itself,
 * instead of JavaScript reading it and the addon copying it (for the full configuration, about 1.3 s
 * and 760 MB less at every cold start).
 */
export const createSession = async (ort: OnnxRuntime, model: Uint8Array | string, config: SessionConfig = {}): Promise<ModelSession> => {
  const name = config.name ?? "model"
  const provider = config.provider ?? "cpu"
  let session: Awaited<ReturnType<OnnxRuntime["InferenceSession"]["create"]>>
  if (provider === "cuda") await preloadCudaLibraries()
  try {
    session = typeof model === "string" ? await ort.InferenceSession.create(model, sessionOptions(config)) : await ort.InferenceSession.create(model, sessionOptions(config))
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    // out of memory, a driver too old, a missing library, a GPU without code: their own codes
    const cuda = provider === "cuda" ? cudaFailure(msg, `loading ${name}`, cudaRuntimeDirectory()) : undefined
    if (cuda !== undefined) throw cuda
    throw new ModelLoadFailed({
      message: `onnxruntime could not load ${name} on ${provider}: ${msg}`,
      action:
        provider === "cuda"
          ? "check the GPU with `periogt doctor`, or run with --device cpu"
          : "rebuild the model from the checkpoint (periogt setup) and retry",
      details: { model: name, provider },
      cause: e,
    })
  }
  return {
    name,
    provider,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: async (feeds, fetch) => {
      const ortFeeds: Record<string, InstanceType<OnnxRuntime["Tensor"]>> = {}
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.type, t.data, t.dims as number[])
      let res: Awaited<ReturnType<typeof session.run>>
      try {
        res = fetch === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, fetch as string[])
      } catch (e) {
        const cuda = provider === "cuda" ? cudaFailure(e instanceof Error ? e.message : String(e), `running ${name}`, cudaRuntimeDirectory()) : undefined
        if (cuda !== undefined) throw cuda
        throw new InternalError({
          message: `onnxruntime failed running ${name}: ${e instanceof Error ? e.message : String(e)}`,
          action: "this is a bug in periogt or an input batch it did not validate; report it with the input",
          details: { model: name, provider },
          cause: e,
        })
      }
      const out: Record<string, OutputTensor> = {}
      for (const [k, v] of Object.entries(res)) {
        if (!(v.data instanceof Float32Array)) continue
        out[k] = { data: v.data, dims: v.dims }
      }
      return out
    },
    endProfiling: () => session.endProfiling(),
    release: () => session.release(),
  }
}
