import * as fs from "node:fs"
import * as path from "node:path"
import { Result, Schema } from "effect"
import { CheckpointMissing, ModelLoadFailed } from "../errors/index.ts"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import type { ArtifactLayout } from "./layout.ts"
import { propertyMeta } from "./properties.ts"

/**
 * `index.json`: property id → its checkpoint, label and units — the Python backend's format, so either
 * tool reads the other's index. periogt adds `onnx` (the converted model) where it has converted one.
 */
export const IndexEntry = Schema.Struct({
  checkpoint: Schema.String,
  label: Schema.String,
  units: Schema.String,
  onnx: Schema.optional(Schema.String),
})
export type IndexEntry = typeof IndexEntry.Type
export const ArtifactIndex = Schema.Record(Schema.String, IndexEntry)
export type ArtifactIndex = typeof ArtifactIndex.Type

const GENERIC_STEMS = /^(best_?model|model|checkpoint|ckpt|last|final|finetuned?)$/i

/** Property id of a finetuned checkpoint: from its file name (`eps.pth`, `best_model_eps.pth`), else its folder. */
export const propertyOfCheckpoint = (file: string, finetunedDir: string): string | undefined => {
  const stem = path.basename(file, ".pth").replace(/^best_?model_?/i, "")
  if (stem !== "" && !GENERIC_STEMS.test(stem)) return stem.toLowerCase()
  const rel = path.relative(finetunedDir, path.dirname(file))
  if (rel === "" || rel.startsWith("..")) return undefined
  const parts = rel.split(path.sep).filter((p) => p !== "" && !/^(finetuned?_?ckpts?|checkpoints?)$/i.test(p))
  return parts.at(-1)?.toLowerCase()
}

/** A directory entry's kind, following symbolic links (checkpoints are often linked from a shared project space). */
export const entryKind = (p: string, e: fs.Dirent): "dir" | "file" | "other" => {
  if (e.isDirectory()) return "dir"
  if (e.isFile()) return "file"
  if (!e.isSymbolicLink()) return "other"
  try {
    const st = fs.statSync(p)
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : "other"
  } catch {
    return "other"
  }
}

const findCheckpoints = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name)
      const kind = entryKind(p, e)
      if (kind === "dir") walk(p)
      else if (kind === "file" && e.name.endsWith(".pth")) out.push(p)
    }
  }
  walk(dir)
  return out
}

/** Scans `finetuned_ckpt/` into an index; deterministic (sorted), so concurrent generators agree. */
export const buildIndex = (layout: ArtifactLayout, converted: (property: string) => string | undefined = () => undefined): Result.Result<ArtifactIndex, CheckpointMissing> => {
  if (!fs.existsSync(layout.finetunedDir)) {
    return Result.fail(
      new CheckpointMissing({
        message: `finetuned checkpoints not found: ${layout.finetunedDir} does not exist`,
        action: "run `periogt setup`, or extract finetuned_ckpt.zip there",
        details: { missing: [{ artifact: "finetuned_ckpt", path: layout.finetunedDir }] },
      }),
    )
  }
  const entries: Record<string, IndexEntry> = {}
  for (const file of findCheckpoints(layout.finetunedDir)) {
    const prop = propertyOfCheckpoint(file, layout.finetunedDir)
    if (prop === undefined || prop in entries) continue
    const meta = propertyMeta(prop)
    const onnx = converted(prop)
    entries[prop] = { checkpoint: file, label: meta.label, units: meta.units, ...(onnx === undefined ? {} : { onnx }) }
  }
  if (Object.keys(entries).length === 0) {
    return Result.fail(
      new CheckpointMissing({
        message: `no .pth checkpoint found under ${layout.finetunedDir}`,
        action: "extract finetuned_ckpt.zip into that directory (or rerun `periogt setup`)",
        details: { missing: [{ artifact: "finetuned_ckpt/*.pth", path: layout.finetunedDir }] },
      }),
    )
  }
  const sorted: Record<string, IndexEntry> = {}
  for (const k of Object.keys(entries).sort()) sorted[k] = entries[k]!
  return Result.succeed(sorted)
}

export const serializeIndex = (index: ArtifactIndex): string => JSON.stringify(index, null, 2) + "\n"

/** Writes the index atomically; returns false when the file already held exactly this content. */
export const writeIndex = (layout: ArtifactLayout, index: ArtifactIndex): boolean => {
  const text = serializeIndex(index)
  try {
    if (fs.readFileSync(layout.index, "utf8") === text) return false
  } catch {
    // absent: write it
  }
  writeFileAtomic(layout.index, text)
  return true
}

export const readIndex = (layout: ArtifactLayout): Result.Result<ArtifactIndex, CheckpointMissing | ModelLoadFailed> => {
  let text: string
  try {
    text = fs.readFileSync(layout.index, "utf8")
  } catch {
    return Result.fail(
      new CheckpointMissing({
        message: `index.json not found at ${layout.index}`,
        action: "run `periogt setup --skip-download` to generate it",
        details: { missing: [{ artifact: "index.json", path: layout.index }] },
      }),
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(new ModelLoadFailed({ message: `${layout.index} is not valid JSON: ${(e as Error).message}`, action: "rerun `periogt setup --skip-download` to regenerate it", details: { path: layout.index } }))
  }
  const decoded = Schema.decodeUnknownResult(ArtifactIndex)(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(new ModelLoadFailed({ message: `${layout.index} does not have the index format: ${decoded.failure.message}`, action: "rerun `periogt setup --skip-download` to regenerate it", details: { path: layout.index } }))
  }
  return Result.succeed(decoded.success)
}
