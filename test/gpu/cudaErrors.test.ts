import { describe, expect, test } from "bun:test"
import { cudaFailure, cudaFailureKind, missingLibraryName } from "../../core/gpu/cudaErrors.ts"

/** ONNX Runtime's CUDA messages (their CUDA / cuBLAS / cuDNN status names) mapped to periogt's codes. */
describe("CUDA failures", () => {
  test.each([
    ["CUDA failure 2: out of memory ; GPU=0 ; hostname=n1 ; file=cuda_allocator.cc", "out_of_memory", "cuda_unavailable"],
    ["Failed to allocate memory for requested buffer of size 1073741824", "out_of_memory", "cuda_unavailable"],
    ["CUBLAS failure 3: CUBLAS_STATUS_ALLOC_FAILED", "out_of_memory", "cuda_unavailable"],
    ["CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version", "driver_too_old", "driver_incompatible"],
    ["CUDA failure 804: forward compatibility was attempted on non supported HW", "driver_too_old", "driver_incompatible"],
    ["CUDA failure 209: no kernel image is available for execution on the device", "no_kernel_for_gpu", "gpu_unsupported"],
    ["CUDA failure 100: no CUDA-capable device is detected", "no_device", "cuda_unavailable"],
    ["libcudnn.so.9: cannot open shared object file: No such file or directory", "missing_library", "cuda_unavailable"],
    ["OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library", "missing_library", "cuda_unavailable"],
  ])("%s → %s (%s)", (message, kind, code) => {
    expect(cudaFailureKind(message)).toBe(kind as ReturnType<typeof cudaFailureKind>)
    expect(cudaFailure(message, "loading m", "/c/cuda")?.code as string | undefined).toBe(code)
  })

  test("a missing library is named, with the directory setup --gpu fills", () => {
    expect(missingLibraryName("libcublasLt.so.13: cannot open shared object file: No such file or directory")).toBe("libcublasLt.so.13")
    const e = cudaFailure("libcudnn.so.9: cannot open shared object file", "loading pretrained", "/cache/native/0.1.0/cuda")
    expect(e?.details).toMatchObject({ library: "libcudnn.so.9", looked_in: "/cache/native/0.1.0/cuda" })
    expect(e?.action).toContain("periogt setup --gpu")
  })

  test("anything else is left to the caller", () => {
    expect(cudaFailure("Invalid rank for input: x Got: 3 Expected: 2", "running m", undefined)).toBeUndefined()
  })
})
