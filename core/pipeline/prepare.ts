import { Effect, Result } from "effect"
import { artifactLayout, readIndex, requireArtifacts, type ArtifactIndex, type ArtifactLayout } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import { ModelLoadFailed, type PeriogtError } from "../errors/index.ts"
import type { DeviceDecision } from "../gpu/assess.ts"
import { resolveDevice } from "../gpu/resolveDevice.ts"
import { Log } from "../log/index.ts"
import { loadOnnxRuntime } from "../runtime/onnxRuntime.ts"
import { selectProperties } from "./properties.ts"

export interface Prepared {
  readonly layout: ArtifactLayout
  readonly index: ArtifactIndex
  readonly properties: ReadonlyArray<string>
  readonly device: DeviceDecision
}

const fromResult = <A, E>(r: Result.Result<A, E>): Effect.Effect<A, E> => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))

/**
 * Everything an inference command checks before heavy work: first the node (is the requested device
 * usable?), then the artifacts (present, index readable, properties known).
 */
export const prepareInference = (property: string | undefined) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const device = yield* resolveDevice(config.device.value, () => loadOnnxRuntime(config.cacheDir.value))
    for (const w of device.warnings) log.warn(w)
    log.info("device", { device: device.device, gpu: device.gpu?.name })
    const layout = artifactLayout(config.checkpointDir.value)
    yield* fromResult(requireArtifacts(layout))
    const index = yield* fromResult(readIndex(layout))
    const properties = yield* fromResult(selectProperties(property, index))
    return { layout, index, properties, device } satisfies Prepared
  })

/**
 * The network engine (issue 5) and the end-to-end pipeline (issue 7) are not part of this build yet:
 * commands stop here, after every check, with an honest `model_load_failed` — never a made-up number.
 */
export const engineUnavailable = (prepared: Prepared): Effect.Effect<never, PeriogtError> =>
  Effect.fail(
    new ModelLoadFailed({
      message: "the PerioGT network engine is not part of this build of periogt yet; all checks before model loading passed",
      action: "use a periogt release that includes the inference engine",
      details: { checkpoint_dir: prepared.layout.root, properties: prepared.properties, device: prepared.device.device },
    }),
  )
