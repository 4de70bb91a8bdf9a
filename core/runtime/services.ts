/**
 * RDKit MinimalLib and ONNX Runtime as services, built once per process in `bin/main.ts`. Each loads
 * on first use and only then (`gen` and `version` never load either), and every later use gets the
 * same instance: the Layer holds it, not a module-level variable.
 */
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../config/index.ts"
import { toPeriogtError, type PeriogtError } from "../errors/index.ts"
import { loadOnnxRuntimeIn } from "./loadOrt.ts"
import type { OnnxRuntime } from "./onnxRuntime.ts"
import { loadRDKit, type RDKit } from "./rdkit.ts"

export class RDKitRuntime extends Context.Service<RDKitRuntime, { readonly load: Effect.Effect<RDKit, PeriogtError> }>()("periogt/RDKit") {}

export class OnnxRuntimeService extends Context.Service<OnnxRuntimeService, { readonly load: Effect.Effect<OnnxRuntime, PeriogtError> }>()("periogt/OnnxRuntime") {}

export const RDKitRuntimeLive = Layer.effect(RDKitRuntime)(
  Effect.map(Effect.cached(Effect.tryPromise({ try: () => loadRDKit(), catch: toPeriogtError })), (load) => ({ load })),
)

/** ONNX Runtime's native library is unpacked under the configured cache directory, hence AppConfig. */
export const OnnxRuntimeLive = Layer.effect(OnnxRuntimeService)(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const load = yield* Effect.cached(loadOnnxRuntimeIn(config.cacheDir.value))
    return { load }
  }),
)

/** The loaded RDKit (loads it on the first call in this process). */
export const rdkit = RDKitRuntime.use((s) => s.load)

/** The loaded ONNX Runtime (loads it on the first call in this process). */
export const onnxRuntime = OnnxRuntimeService.use((s) => s.load)
