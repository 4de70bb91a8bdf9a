import initRDKitModule, { type MainModule } from "@rdkit/rdkit"
import rdkitWasm from "../../node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" with { type: "file" }

export type RDKit = MainModule

let loaded: Promise<RDKit> | undefined

/** RDKit MinimalLib (WebAssembly), loaded once per process (or worker); its .wasm is embedded in the executable. */
export const loadRDKit = (): Promise<RDKit> =>
  (loaded ??= (async () => {
    const wasmBinary = await Bun.file(rdkitWasm).arrayBuffer()
    return initRDKitModule({ wasmBinary })
  })())
