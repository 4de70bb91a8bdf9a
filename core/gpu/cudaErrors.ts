/**
 * ONNX Runtime's CUDA failures, read from its messages, mapped to periogt's codes. ONNX Runtime reports
 * CUDA errors as text (the CUDA, cuBLAS or cuDNN status name and its description, or dlerror's words);
 * these patterns follow those names, which are stable across CUDA releases. Anything else stays what
 * the caller would have reported (model_load_failed for a session, internal_error for a run).
 */
import { CudaUnavailable, DriverIncompatible, GpuUnsupported, type PeriogtError } from "../errors/index.ts"
import { CUDA_PINS } from "./cudaPins.ts"

export type CudaFailureKind = "out_of_memory" | "driver_too_old" | "missing_library" | "no_kernel_for_gpu" | "no_device"

const PATTERNS: ReadonlyArray<readonly [CudaFailureKind, RegExp]> = [
  ["driver_too_old", /cudaErrorInsufficientDriver|CUDA driver version is insufficient|forward compatibility was attempted|cudaErrorCompatNotSupportedOnDevice|CUDA_ERROR_UNSUPPORTED_PTX_VERSION/i],
  ["out_of_memory", /out of memory|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED|CUDNN_STATUS_ALLOC_FAILED|CUDNN_STATUS_NOT_ENOUGH_WORKSPACE|Failed to allocate memory|BFCArena.*(Failed|Available memory)/i],
  ["no_kernel_for_gpu", /no kernel image is available|cudaErrorNoKernelImageForDevice|CUDA_ERROR_NO_BINARY_FOR_GPU/i],
  ["no_device", /no CUDA-capable device|cudaErrorNoDevice|cudaErrorInvalidDevice|CUDA_ERROR_NO_DEVICE/i],
  ["missing_library", /cannot open shared object file|Failed to load (shared )?library|error while loading shared libraries|cuDNN is not available|LoadLibrary|undefined symbol/i],
]

export const cudaFailureKind = (message: string): CudaFailureKind | undefined => PATTERNS.find(([, re]) => re.test(message))?.[0]

/** The library a dlerror names (`libcudnn.so.9: cannot open shared object file`). */
export const missingLibraryName = (message: string): string | undefined => /(lib[\w.+-]+\.so(?:\.[\d.]+)?)(?=: cannot open| not found|: undefined symbol)/.exec(message)?.[1]

/**
 * The periogt error for a CUDA failure, or undefined when the message is none of the known kinds.
 * `where` names the model and the step; `cudaDir` is where `setup --gpu` puts the libraries.
 */
export const cudaFailure = (message: string, where: string, cudaDir: string | undefined): PeriogtError | undefined => {
  const kind = cudaFailureKind(message)
  const short = message.replace(/\s+/g, " ").slice(0, 400)
  switch (kind) {
    case undefined:
      return undefined
    case "out_of_memory":
      return new CudaUnavailable({
        message: `the GPU ran out of memory ${where}: ${short}`,
        action: "use a GPU with more free memory (another process may hold it: nvidia-smi), lower the batch size (fewer units per chunk), or run with PERIOGT_DEVICE=cpu",
        details: { reason: kind },
      })
    case "driver_too_old":
      return new DriverIncompatible({
        message: `the NVIDIA driver is too old for the CUDA ${CUDA_PINS.cuda} libraries ${where}: ${short}`,
        action: `use a node with driver ${CUDA_PINS.minDriver} or newer (ask your cluster's admins), or set PERIOGT_DEVICE=cpu`,
        details: { reason: kind, minimum_driver: CUDA_PINS.minDriver },
      })
    case "no_kernel_for_gpu":
      return new GpuUnsupported({
        message: `ONNX Runtime's CUDA provider has no code for this GPU ${where}: ${short}`,
        action: `it is built for compute capabilities ${CUDA_PINS.computeCapabilities.map((c) => c.toFixed(1)).join(", ")}; request such a GPU, or set PERIOGT_DEVICE=cpu`,
        details: { reason: kind, compute_capabilities: CUDA_PINS.computeCapabilities },
      })
    case "no_device":
      return new CudaUnavailable({
        message: `no CUDA device can be used ${where}: ${short}`,
        action: "check CUDA_VISIBLE_DEVICES and the job's GPU request (--gres=gpu:1; apptainer --nv), or set PERIOGT_DEVICE=cpu",
        details: { reason: kind },
      })
    case "missing_library": {
      const lib = missingLibraryName(message)
      return new CudaUnavailable({
        message: `a CUDA library cannot be loaded ${where}${lib === undefined ? "" : ` (${lib})`}: ${short}`,
        action: `run \`periogt setup --gpu\` to install ONNX Runtime's CUDA provider and the CUDA ${CUDA_PINS.cuda} libraries${cudaDir === undefined ? "" : ` into ${cudaDir}`}, then \`periogt doctor\`; or set PERIOGT_DEVICE=cpu`,
        details: { reason: kind, library: lib, looked_in: cudaDir },
      })
    }
  }
}
