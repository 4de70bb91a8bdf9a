import * as fs from "node:fs"
import { Result } from "effect"
import { CheckpointMissing } from "../errors/index.ts"
import { requiredArtifacts, type ArtifactLayout, type RequiredArtifact } from "./layout.ts"

export interface ArtifactStatus {
  readonly name: RequiredArtifact
  readonly path: string
  readonly kind: "dir" | "file"
  readonly present: boolean
  /** Why it does not count as present, when it exists but is the wrong kind or empty. */
  readonly problem?: string
}

const statusOf = (a: { name: RequiredArtifact; path: string; kind: "dir" | "file" }): ArtifactStatus => {
  let st: fs.Stats
  try {
    st = fs.statSync(a.path)
  } catch {
    return { ...a, present: false, problem: "not found" }
  }
  if (a.kind === "dir" && !st.isDirectory()) return { ...a, present: false, problem: "exists but is not a directory" }
  if (a.kind === "file" && !st.isFile()) return { ...a, present: false, problem: "exists but is not a file" }
  if (a.kind === "file" && st.size === 0) return { ...a, present: false, problem: "is empty" }
  return { ...a, present: true }
}

export const artifactStatuses = (layout: ArtifactLayout): ReadonlyArray<ArtifactStatus> => requiredArtifacts(layout).map(statusOf)

/** Fails with every missing artifact and the exact path expected, before any heavy work starts. */
export const requireArtifacts = (layout: ArtifactLayout): Result.Result<ReadonlyArray<ArtifactStatus>, CheckpointMissing> => {
  const statuses = artifactStatuses(layout)
  const missing = statuses.filter((s) => !s.present)
  if (missing.length === 0) return Result.succeed(statuses)
  return Result.fail(
    new CheckpointMissing({
      message: `missing artifacts under ${layout.root}: ${missing.map((m) => `${m.name} (${m.path}: ${m.problem})`).join("; ")}`,
      action: "run `periogt setup` (on a login node with internet, or `periogt setup --skip-download` with archives placed by hand), or set PERIOGT_CHECKPOINT_DIR to the prepared directory",
      details: { checkpoint_dir: layout.root, missing: missing.map((m) => ({ artifact: m.name, path: m.path, problem: m.problem })) },
    }),
  )
}
