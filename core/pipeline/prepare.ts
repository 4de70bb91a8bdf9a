import { Effect, Result } from "effect"
import { artifactLayout, readIndex, requireArtifacts, type ArtifactIndex, type ArtifactLayout } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import type { DeviceDecision } from "../gpu/assess.ts"
import { resolveDevice } from "../gpu/resolveDevice.ts"
import { Log } from "../log/index.ts"
import { OnnxRuntimeService } from "../runtime/services.ts"
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
export const prepareInference = (property: string | undefined | null) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const ort = yield* OnnxRuntimeService
    const device = yield* resolveDevice(config.device.value, () => Effect.runPromise(ort.load))
    for (const w of device.warnings) log.warn(w)
    log.info("device", { device: device.device, gpu: device.gpu?.name })
    const layout = artifactLayout(config.checkpointDir.value)
    yield* fromResult(requireArtifacts(layout))
    const index = yield* fromResult(readIndex(layout))
    // null: the pretrained encoder alone (embeddings), no property to select
    const properties = property === null ? [] : yield* fromResult(selectProperties(property, index))
    return { layout, index, properties, device } satisfies Prepared
  })
