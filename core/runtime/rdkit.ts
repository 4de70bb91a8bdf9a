import initRDKitModule, { type MainModule } from "@rdkit/rdkit"
import rdkitWasm from "../../node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" with { type: "file" }

export type RDKit = MainModule

/**
 * A new RDKit MinimalLib instance (WebAssembly; its .wasm is embedded in the executable). The
 * executable's commands share one through the RDKitRuntime service (services.ts), each worker thread
 * loads its own; every call here costs a fresh instance.
 */
export const loadRDKit = async (): Promise<RDKit> => {
  const wasmBinary = await Bun.file(rdkitWasm).arrayBuffer()
  return initRDKitModule({ wasmBinary })
}
