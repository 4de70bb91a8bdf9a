import * as fs from "node:fs"
import * as path from "node:path"
import libonnxruntime from "../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1" with { type: "file" }
import { PERIOGT_VERSION } from "../version/version.ts"
import { isEmbedded, materialize } from "./nativeCache.ts"
import { cudaDirOf, cudaPins, installedMatches, PRELOAD_ORDER } from "../gpu/cudaLibs.ts"

export type OnnxRuntime = typeof import("onnxruntime-node")

// Process-wide on purpose: the addon and its native library can be loaded once per process, from one
// directory (two copies of libonnxruntime.so.1 in one process would be two runtimes). The executable's
// commands reach it through the OnnxRuntimeService (services.ts).
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
    // With the CUDA set installed (`setup --gpu`), ONNX Runtime runs from that directory, where it
    // finds its provider libraries (core/gpu/cudaLibs.ts); in a source checkout too.
    const cuda = cudaDirOf(nativeDir(cacheDir))
    const withCuda = installedMatches(cuda, cudaPins())
    if (withCuda || isEmbedded(libonnxruntime)) {
      const dir = withCuda ? cuda : nativeDir(cacheDir)
      const lib = await materialize(libonnxruntime, dir, "libonnxruntime.so.1")
      const { dlopen } = await import("bun:ffi")
      dlopen(lib, { OrtGetApiBase: { args: [], returns: "ptr" } })
      if (withCuda) cudaRuntimeDir = cuda
    }
    const ort = await import("onnxruntime-node")
    ort.env.logLevel = "fatal"
    return ort
  })())

let cudaRuntimeDir: string | undefined
let preloaded: ReadonlyArray<{ readonly name: string; readonly path: string; readonly error?: string }> | undefined

/**
 * Opens the installed CUDA libraries by full path, dependencies first, before the first CUDA session,
 * so that the provider's needs resolve by soname without LD_LIBRARY_PATH. Once per process; a library
 * that fails to open is reported (doctor) and left to ONNX Runtime's own error. Nothing when the CUDA
 * set is not installed (the system's libraries, LD_LIBRARY_PATH, are then ONNX Runtime's only chance).
 */
export const preloadCudaLibraries = async (): Promise<ReadonlyArray<{ readonly name: string; readonly path: string; readonly error?: string }>> => {
  if (preloaded !== undefined) return preloaded
  if (cudaRuntimeDir === undefined) return (preloaded = [])
  const open = await systemDlopen()
  const out: Array<{ name: string; path: string; error?: string }> = []
  for (const name of PRELOAD_ORDER) {
    const file = path.join(cudaRuntimeDir, name)
    if (!fs.existsSync(file)) continue
    const error = open(file)
    out.push(error === undefined ? { name, path: file } : { name, path: file, error })
  }
  // The driver's library, found by the system's search (ld.so.cache, LD_LIBRARY_PATH, apptainer --nv's binds).
  const driver = open("libcuda.so.1")
  out.push(driver === undefined ? { name: "libcuda.so.1", path: "libcuda.so.1 (system search path)" } : { name: "libcuda.so.1", path: "libcuda.so.1 (system search path)", error: driver })
  return (preloaded = out)
}

/**
 * glibc's own dlopen (bun:ffi's needs a symbol list and hides dlerror): returns dlerror's text, or
 * undefined when the library is loaded. RTLD_LAZY | RTLD_GLOBAL, as a preloaded library should be.
 */
const systemDlopen = async (): Promise<(file: string) => string | undefined> => {
  const ffi = await import("bun:ffi")
  const symbols = { dlopen: { args: ["ptr", "i32"], returns: "ptr" }, dlerror: { args: [], returns: "cstring" } } as const
  let lib: { symbols: { dlopen: (p: unknown, f: number) => unknown; dlerror: () => unknown } } | undefined
  for (const name of ["libc.so.6", "libdl.so.2"]) {
    try {
      lib = ffi.dlopen(name, symbols) as unknown as typeof lib
      break
    } catch {
      // glibc < 2.34 keeps dlopen in libdl
    }
  }
  if (lib === undefined) return () => "dlopen is not available in this process"
  const { dlopen, dlerror } = lib.symbols
  return (file) => {
    const handle = dlopen(ffi.ptr(Buffer.from(`${file}\0`)), 0x001 | 0x100)
    if (handle !== null && handle !== 0) return undefined
    return String(dlerror() ?? "dlopen failed")
  }
}

/** The directory ONNX Runtime runs from when the CUDA set is installed; undefined otherwise. */
export const cudaRuntimeDirectory = () => cudaRuntimeDir

export const nativeDir = (cacheDir: string) => path.join(cacheDir, "native", PERIOGT_VERSION)

/** Where ONNX Runtime's own library lives for this process: what `doctor` reports and CUDA providers sit beside. */
export const onnxRuntimeLibraryPath = (cacheDir: string): string =>
  cudaRuntimeDir !== undefined
    ? path.join(cudaRuntimeDir, "libonnxruntime.so.1")
    : isEmbedded(libonnxruntime) ? path.join(nativeDir(cacheDir), "libonnxruntime.so.1") : libonnxruntime
