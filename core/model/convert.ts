import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { entryKind, type ArtifactIndex } from "../artifacts/indexFile.ts"
import type { ArtifactLayout } from "../artifacts/layout.ts"
import { CheckpointMissing } from "../errors/index.ts"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { readCheckpoint } from "./checkpoint/index.ts"
import { buildEncoderModel, buildFinetunedModel } from "./onnx/index.ts"

/** Where converted networks live under the checkpoint directory. */
export const pretrainedOnnxPath = (l: ArtifactLayout) => path.join(l.onnxDir, "pretrained.onnx")
export const finetunedOnnxPath = (l: ArtifactLayout, property: string) => path.join(l.onnxDir, "finetuned", `${property}.onnx`)
const manifestPath = (l: ArtifactLayout) => path.join(l.onnxDir, "manifest.json")

interface Converted {
  readonly checkpoint: string
  /** The external data file holding the weights, beside the model (absent: converted by an older periogt). */
  readonly data?: string
  readonly size: number
  readonly mtimeMs: number
  readonly onnx: string
  readonly periogt: string
}
type Manifest = Record<string, Converted>

const readManifest = (l: ArtifactLayout): Manifest => {
  try {
    return JSON.parse(fs.readFileSync(manifestPath(l), "utf8")) as Manifest
  } catch {
    return {}
  }
}

/** The pretrained checkpoint: the one `.pth` under `pretrained_ckpt/` (upstream: base.pth). */
export const findPretrainedCheckpoint = (l: ArtifactLayout): string => {
  const found: Array<string> = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const kind = entryKind(path.join(d, e.name), e)
      if (kind === "dir") walk(path.join(d, e.name))
      else if (kind === "file" && e.name.endsWith(".pth")) found.push(path.join(d, e.name))
    }
  }
  if (fs.existsSync(l.pretrainedDir)) walk(l.pretrainedDir)
  const base = found.find((f) => path.basename(f) === "base.pth") ?? found[0]
  if (base === undefined) {
    throw new CheckpointMissing({
      message: `no .pth checkpoint under ${l.pretrainedDir}`,
      action: "extract pretrained_ckpt.zip there (periogt setup)",
      details: { missing: [{ artifact: "pretrained_ckpt/base.pth", path: path.join(l.pretrainedDir, "base.pth") }] },
    })
  }
  return base
}

export type ConvertOutcome = "converted" | "unchanged"

/**
 * Data files of earlier conversions of this model. Unlinking is safe for a job that has them mapped
 * (the data stays until it unmaps); only a job that read the old model but not yet its data would fail.
 */
const removeStaleData = (onnx: string, keep: string) => {
  const prefix = `${path.basename(onnx)}.`
  for (const f of fs.readdirSync(path.dirname(onnx))) if (f.startsWith(prefix) && f.endsWith(".data") && f !== keep) fs.rmSync(path.join(path.dirname(onnx), f), { force: true })
}

/**
 * Converts one checkpoint to ONNX unless the manifest shows this very file (size and mtime) was
 * already converted by this version of periogt. Writes are atomic: a job never loads half a model.
 */
const convertOne = async (l: ArtifactLayout, key: string, checkpoint: string, onnx: string, kind: "encoder" | "finetuned", log: (m: string) => void): Promise<ConvertOutcome> => {
  const st = fs.statSync(checkpoint)
  const previous = readManifest(l)[key]
  const dir = path.dirname(onnx)
  if (previous !== undefined && previous.checkpoint === checkpoint && previous.size === st.size && previous.mtimeMs === st.mtimeMs && previous.periogt === PERIOGT_VERSION && fs.existsSync(onnx) && previous.data !== undefined && fs.existsSync(path.join(dir, previous.data))) return "unchanged"
  log(`converting ${checkpoint} → ${onnx}`)
  const ckpt = await readCheckpoint(checkpoint)
  // A fresh data file name per conversion: the model in place always names a complete data file, and a
  // job loading the previous model keeps reading the previous data.
  const data = `${path.basename(onnx)}.${randomBytes(4).toString("hex")}.data`
  const options = { source: checkpoint, externalData: data }
  const built = kind === "encoder" ? buildEncoderModel(ckpt.tensors, options) : buildFinetunedModel(ckpt.tensors, options)
  writeFileAtomic(path.join(dir, data), built.data ?? [])
  writeFileAtomic(onnx, built.bytes)
  removeStaleData(onnx, data)
  const manifest = readManifest(l)
  manifest[key] = { checkpoint, size: st.size, mtimeMs: st.mtimeMs, onnx, data, periogt: PERIOGT_VERSION }
  writeFileAtomic(manifestPath(l), JSON.stringify(manifest, null, 2) + "\n")
  return "converted"
}

export interface ConvertReport {
  readonly pretrained: ConvertOutcome
  readonly finetuned: Record<string, ConvertOutcome>
  /** The index with each entry's `onnx` filled in. */
  readonly index: ArtifactIndex
}

/** `periogt convert`: every checkpoint of the directory to ONNX; the index records what was written. */
export const convertCheckpoints = async (l: ArtifactLayout, index: ArtifactIndex, log: (m: string) => void): Promise<ConvertReport> => {
  const pretrained = await convertOne(l, "pretrained", findPretrainedCheckpoint(l), pretrainedOnnxPath(l), "encoder", log)
  const finetuned: Record<string, ConvertOutcome> = {}
  const next: Record<string, ArtifactIndex[string]> = {}
  for (const [prop, entry] of Object.entries(index)) {
    const onnx = finetunedOnnxPath(l, prop)
    finetuned[prop] = await convertOne(l, `finetuned/${prop}`, entry.checkpoint, onnx, "finetuned", log)
    next[prop] = { ...entry, onnx }
  }
  return { pretrained, finetuned, index: next }
}
