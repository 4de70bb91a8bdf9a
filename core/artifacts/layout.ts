import * as path from "node:path"

/**
 * The artifact layout under PERIOGT_CHECKPOINT_DIR. The first five entries are the Python backend's
 * (periogt-demo's), so a directory prepared for it works as it is; `onnx/` holds what `setup`/`convert`
 * derive from the checkpoints: `onnx/pretrained.onnx` and `onnx/finetuned/<property>.onnx`.
 */
export interface ArtifactLayout {
  readonly root: string
  readonly pretrainedDir: string
  readonly finetunedDir: string
  readonly labelStats: string
  readonly descriptorScaler: string
  readonly index: string
  readonly onnxDir: string
  readonly downloadsDir: string
}

export const artifactLayout = (checkpointDir: string): ArtifactLayout => ({
  root: checkpointDir,
  pretrainedDir: path.join(checkpointDir, "pretrained_ckpt"),
  finetunedDir: path.join(checkpointDir, "finetuned_ckpt"),
  labelStats: path.join(checkpointDir, "label_stats.json"),
  descriptorScaler: path.join(checkpointDir, "descriptor_scaler.pkl"),
  index: path.join(checkpointDir, "index.json"),
  onnxDir: path.join(checkpointDir, "onnx"),
  downloadsDir: path.join(checkpointDir, "downloads"),
})

export type RequiredArtifact = "pretrained_ckpt" | "finetuned_ckpt" | "label_stats.json" | "descriptor_scaler.pkl" | "index.json"

/** What inference needs present before any heavy work, with the kind of filesystem entry each is. */
export const requiredArtifacts = (l: ArtifactLayout): ReadonlyArray<{ readonly name: RequiredArtifact; readonly path: string; readonly kind: "dir" | "file" }> => [
  { name: "pretrained_ckpt", path: l.pretrainedDir, kind: "dir" },
  { name: "finetuned_ckpt", path: l.finetunedDir, kind: "dir" },
  { name: "label_stats.json", path: l.labelStats, kind: "file" },
  { name: "descriptor_scaler.pkl", path: l.descriptorScaler, kind: "file" },
  { name: "index.json", path: l.index, kind: "file" },
]
