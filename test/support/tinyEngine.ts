import * as fs from "node:fs"
import * as os from "node:os"
import { artifactLayout, buildIndex } from "../../core/artifacts/index.ts"
import type { ValidationError } from "../../core/errors/index.ts"
import { convertCheckpoints } from "../../core/model/convert.ts"
import { loadEngine, readScaler, type Engine } from "../../core/pipeline/engine.ts"
import { featurizeForNetwork } from "../../core/pipeline/Featurizer.ts"
import type { NetworkInput } from "../../core/pipeline/network.ts"
import { rdkitRanks } from "../../core/pipeline/ranks.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { tempDir } from "./binary.ts"
import { placeCheckpoints } from "./checkpoints.ts"

/**
 * The tiny synthetic checkpoints placed, converted and loaded as `batch` loads them (eps with the given
 * label statistics), and each unit's network input as `featurizeForNetwork` builds it with the real scaler.
 */
export const tinyEngineWithInputs = async (
  name: string,
  labelStats: { readonly mean: number; readonly std: number },
  units: ReadonlyArray<{ readonly id: string; readonly smiles: string }>,
): Promise<{ readonly engine: Engine; readonly inputs: Map<string, NetworkInput | ValidationError> }> => {
  const rdkit = await loadRDKit()
  const layout = artifactLayout(tempDir(name))
  placeCheckpoints(layout.root)
  fs.writeFileSync(layout.labelStats, JSON.stringify({ eps: labelStats }))
  const built = buildIndex(layout)
  if (built._tag !== "Success") throw new Error("index")
  const { index } = await convertCheckpoints(layout, built.success, () => {})
  const scaler = await readScaler(layout)
  const ranks = rdkitRanks(rdkit)
  const inputs = new Map<string, NetworkInput | ValidationError>()
  for (const u of units) inputs.set(u.id, featurizeForNetwork(rdkit, u.smiles, ranks, scaler))
  const engine = await loadEngine({ ort: await loadOnnxRuntime(os.tmpdir()), layout, index, properties: ["eps"], device: "cpu", threads: 2, scaler })
  return { engine, inputs }
}
