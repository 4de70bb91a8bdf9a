import * as fs from "node:fs"
import type { ArtifactIndex } from "../artifacts/indexFile.ts"
import type { ArtifactLayout } from "../artifacts/layout.ts"
import { CheckpointMissing, ModelLoadFailed } from "../errors/index.ts"
import { readStandardScaler, type StandardScalerParams } from "../io/pickle/index.ts"
import { createSession, type ModelSession } from "../model/inference/index.ts"
import { pretrainedOnnxPath } from "../model/convert.ts"
import type { OnnxRuntime } from "../runtime/onnxRuntime.ts"

export interface LabelStats {
  readonly mean: number
  readonly std: number
}

/** Everything loaded once per process: sessions, the descriptor scaler, label statistics. */
export interface Engine {
  readonly encoder: ModelSession
  readonly finetuned: ReadonlyMap<string, ModelSession>
  readonly scaler: StandardScalerParams
  readonly labelStats: ReadonlyMap<string, LabelStats>
  readonly release: () => Promise<void>
}

export interface EngineOptions {
  readonly ort: OnnxRuntime
  readonly layout: ArtifactLayout
  readonly index: ArtifactIndex
  readonly properties: ReadonlyArray<string>
  readonly device: "cpu" | "cuda"
  /** ONNX Runtime's intra-op threads (the resolved `threads`: always set, never ONNX Runtime's own count). */
  readonly threads: number
  /** One network run and done (predict, embeddings): skip weight prepacking, which pays off only over many runs. */
  readonly oneShot?: boolean
  /** The descriptor scaler when the caller read it already (readScaler); read from the layout otherwise. */
  readonly scaler?: StandardScalerParams
}

/** The descriptor scaler of these artifacts (upstream's scaler_all.pkl). */
export const readScaler = (layout: ArtifactLayout): Promise<StandardScalerParams> => readStandardScaler(layout.descriptorScaler)

const readLabelStats = (layout: ArtifactLayout, properties: ReadonlyArray<string>): Map<string, LabelStats> => {
  let json: Record<string, { mean?: unknown; std?: unknown }>
  try {
    json = JSON.parse(fs.readFileSync(layout.labelStats, "utf8")) as typeof json
  } catch (e) {
    throw new CheckpointMissing({ message: `${layout.labelStats} cannot be read: ${(e as Error).message}`, action: "run `periogt setup`, or write {\"<property>\": {\"mean\": …, \"std\": …}} there", details: { missing: [{ artifact: "label_stats.json", path: layout.labelStats }] } })
  }
  const out = new Map<string, LabelStats>()
  const lacking: Array<string> = []
  for (const p of properties) {
    const s = json[p]
    if (s === undefined || typeof s.mean !== "number" || typeof s.std !== "number" || !(s.std > 0)) lacking.push(p)
    else out.set(p, { mean: s.mean, std: s.std })
  }
  if (lacking.length > 0) {
    throw new CheckpointMissing({
      message: `no label statistics for ${lacking.join(", ")} in ${layout.labelStats}: predictions cannot be de-normalized`,
      action: `add {"mean": …, "std": …} for ${lacking.join(", ")} (the train split's label mean and population std) to ${layout.labelStats}`,
      details: { missing: lacking.map((p) => ({ artifact: `label_stats.json:${p}`, path: layout.labelStats })) },
    })
  }
  return out
}

/**
 * The converted model's path, checked readable; ONNX Runtime reads the file itself (no copy through
 * JavaScript: for the full configuration that is 760 MB and over a second of every cold start).
 */
const modelFile = (file: string | undefined, what: string): string => {
  if (file === undefined || !fs.existsSync(file)) {
    throw new CheckpointMissing({ message: `the converted ${what} model is missing${file === undefined ? "" : `: ${file}`}`, action: "run `periogt convert` (or `periogt setup`)", details: { missing: [{ artifact: what, path: file ?? "onnx/" }] } })
  }
  try {
    fs.accessSync(file, fs.constants.R_OK)
  } catch (e) {
    throw new ModelLoadFailed({ message: `${file} cannot be read: ${(e as Error).message}`, action: "run `periogt convert` again", details: { path: file } })
  }
  return file
}

/** Loads the pretrained encoder and one finetuned network per requested property, once. */
export const loadEngine = async (o: EngineOptions): Promise<Engine> => {
  const labelStats = readLabelStats(o.layout, o.properties)
  const scaler = o.scaler ?? (await readScaler(o.layout))
  const cfg = { provider: o.device, prepackWeights: o.oneShot !== true, intraOpThreads: o.threads } as const
  const encoder = await createSession(o.ort, modelFile(pretrainedOnnxPath(o.layout), "pretrained"), { ...cfg, name: "pretrained encoder" })
  const finetuned = new Map<string, ModelSession>()
  for (const p of o.properties) finetuned.set(p, await createSession(o.ort, modelFile(o.index[p]?.onnx, `finetuned ${p}`), { ...cfg, name: `finetuned ${p}` }))
  return {
    encoder,
    finetuned,
    scaler,
    labelStats,
    release: async () => {
      await encoder.release()
      for (const s of finetuned.values()) await s.release()
    },
  }
}
