import * as path from "node:path"
import libonnxruntime from "../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1" with { type: "file" }
import { PERIOGT_VERSION } from "../version/version.ts"
import { isEmbedded, materialize } from "./nativeCache.ts"

export type OnnxRuntime = typeof import("onnxruntime-node")

let loaded: Promise<OnnxRuntime> | undefined

/**
 * Loads onnxruntime-node. In the compiled executable the addon is unpacked by Bun but its
 * `libonnxruntime.so.1` (found through `$ORIGIN`) is not; so periogt writes the library into
 * `<cache_dir>/native/<version>/` and loads it first: the addon's dependency is then satisfied by
 * the already-loaded library of the same soname. CUDA provider libraries placed in that same
 * directory are found by ONNX Runtime next to the library.
 */
export const loadOnnxRuntime = (cacheDir: string): Promise<OnnxRuntime> =>
  (loaded ??= (async () => {
    if (isEmbedded(libonnxruntime)) {
      const dir = nativeDir(cacheDir)
      const lib = await materialize(libonnxruntime, dir, "libonnxruntime.so.1")
      const { dlopen } = await import("bun:ffi")
      dlopen(lib, { OrtGetApiBase: { args: [], returns: "ptr" } })
    }
    const ort = await import("onnxruntime-node")
    ort.env.logLevel = "fatal"
    return ort
  })())

export const nativeDir = (cacheDir: string) => path.join(cacheDir, "native", PERIOGT_VERSION)

/** Where ONNX Runtime's own library lives for this process: what `doctor` reports and CUDA providers sit beside. */
export const onnxRuntimeLibraryPath = (cacheDir: string): string =>
  isEmbedded(libonnxruntime) ? path.join(nativeDir(cacheDir), "libonnxruntime.so.1") : libonnxruntime
