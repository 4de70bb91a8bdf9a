import { Effect, Result } from "effect"
import { artifactLayout } from "../artifacts/index.ts"
import { PUBLISHED_ARCHIVES, readArchiveManifest } from "../artifacts/setup/archives.ts"
import { runSetup } from "../artifacts/setup/run.ts"
import { AppConfig } from "../config/index.ts"
import { EXIT, fromFsError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { writeOut } from "../io/stdout.ts"
import { cudaPins, installCudaLibraries, WHEEL_INDEX_ENV } from "../gpu/cudaLibs.ts"
import { nativeDir } from "../runtime/onnxRuntime.ts"
import { OnnxRuntimeService } from "../runtime/services.ts"

export interface SetupOptions {
  readonly skipDownload?: boolean
  readonly from?: string
  readonly archives?: string
  /** Install ONNX Runtime's CUDA provider and the CUDA libraries (only that), from --from or --wheels-from. */
  readonly gpu?: boolean
  readonly wheelsFrom?: string
}

/** `periogt setup --gpu`: the pinned CUDA set into `<cache_dir>/native/<version>/cuda/` (core/gpu/cudaLibs.ts). */
const setupGpuProgram = (o: SetupOptions) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const native = nativeDir(config.cacheDir.value)
    const wheelsFrom = o.wheelsFrom ?? (process.env[WHEEL_INDEX_ENV] === "" ? undefined : process.env[WHEEL_INDEX_ENV])
    const result = yield* Effect.tryPromise({
      try: () => installCudaLibraries({ nativeDir: native, source: { from: o.from, wheelsFrom }, pins: cudaPins(), log }),
      catch: fromFsError(native, "PERIOGT_CACHE_DIR"),
    })
    if (!result.ok) return yield* result.error
    const r = result.report
    // ONNX Runtime's library goes beside the providers now (the loader puts it there), so an image or a
    // shared environment that is read-only later never needs to write it; loading it proves it loads.
    yield* OnnxRuntimeService.use((s) => s.load)
    log.info(r.status === "installed" ? `CUDA provider and libraries installed in ${r.dir}` : `the pinned CUDA set is already in ${r.dir}; nothing changed`)
    writeOut(JSON.stringify({ status: r.status === "installed" ? "updated" : "unchanged", cuda_dir: r.dir, files: r.files }) + "\n")
    return EXIT.success
  })

/** `periogt setup`: download (or take from --from), verify, extract, write label statistics and the index. */
export const setupProgram = (o: SetupOptions) =>
  o.gpu === true ? setupGpuProgram(o) : Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const layout = artifactLayout(config.checkpointDir.value)
    let archives = PUBLISHED_ARCHIVES
    if (o.archives !== undefined) {
      const m = readArchiveManifest(o.archives)
      if (Result.isFailure(m)) return yield* m.failure
      archives = m.success
    }
    // a checkpoint directory that cannot be created or written (a path through a file, read-only, full)
    // is the user's to fix: validation_error naming it, not "a bug"
    const result = yield* Effect.tryPromise({
      try: () => runSetup({ layout, archives, manifest: o.archives, from: o.from, skipDownload: o.skipDownload === true, log }),
      catch: fromFsError(layout.root, "PERIOGT_CHECKPOINT_DIR"),
    })
    if (Result.isFailure(result)) return yield* result.failure
    const report = result.success
    if (!report.changed) log.info("everything was already in place; nothing changed")
    if (report.propertiesWithoutStats.length > 0) {
      log.warn(`no label statistics for: ${report.propertiesWithoutStats.join(", ")}; predictions for them cannot be de-normalized`, { action: `add their {"mean", "std"} to ${layout.labelStats}` })
    }
    writeOut(JSON.stringify({ status: report.changed ? "updated" : "unchanged", checkpoint_dir: layout.root, ...report }) + "\n")
    return EXIT.success
  })
