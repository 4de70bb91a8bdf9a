import { Effect } from "effect"
import { fromFsError, type PeriogtError } from "../errors/index.ts"
import { loadOnnxRuntime, type OnnxRuntime } from "./onnxRuntime.ts"

/**
 * ONNX Runtime, its native library unpacked under `cacheDir` (PERIOGT_CACHE_DIR) on first use: a cache
 * directory that cannot be created or written (a path under a file, a read-only or full filesystem) is a
 * `validation_error` naming it, not a bug.
 */
export const loadOnnxRuntimeIn = (cacheDir: string): Effect.Effect<OnnxRuntime, PeriogtError> =>
  Effect.tryPromise({ try: () => loadOnnxRuntime(cacheDir), catch: fromFsError(cacheDir, "PERIOGT_CACHE_DIR") })
