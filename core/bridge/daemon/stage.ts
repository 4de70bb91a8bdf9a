import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { ValidationError, type PeriogtError } from "../../errors/index.ts"
import { sha256File } from "../../io/sha256.ts"
import type { HubClient } from "../client/client.ts"
import { treeHash } from "../protocol/index.ts"

/**
 * Input staging: each input artifact must be COMMITTED; a managed one is downloaded file by file, a
 * posix one (a path on the shared filesystem) is linked in place. Every file's SHA-256 is checked
 * against the hub's listing (and the download's `X-Content-SHA256`), and the artifact's tree hash
 * against its committed digest, before anything is submitted. The job's input is the one CSV among
 * the staged files.
 */
export class StageFailure {
  readonly _tag = "StageFailure"
  constructor(
    /** The FAILED reason the hub gets (`input_hash_mismatch`, `input_not_csv`, `input_not_committed`, …). */
    readonly reason: string,
    readonly detail: string,
  ) {}
}

const safeRelative = (p: string) => {
  const n = path.posix.normalize(p)
  return n !== "" && !n.startsWith("../") && n !== ".." && !path.posix.isAbsolute(n) && !n.includes("\0") ? n : undefined
}

export const stageInputs = (hub: HubClient, artifactIds: ReadonlyArray<string>, inputDir: string): Effect.Effect<{ csv: string; sha256: string }, PeriogtError | StageFailure> =>
  Effect.gen(function* () {
    if (artifactIds.length === 0) return yield* Effect.fail(new StageFailure("input_missing", "the job has no input artifact (inputs: [{artifact_id}])"))
    yield* Effect.try({ try: () => fs.mkdirSync(inputDir, { recursive: true }), catch: (e) => new ValidationError({ message: `cannot create ${inputDir}: ${(e as Error).message}`, action: "check the bridge's state directory", details: { path: inputDir } }) })
    const staged: string[] = []
    for (const id of artifactIds) {
      const a = yield* hub.artifact(id)
      if (a.status !== "COMMITTED") return yield* Effect.fail(new StageFailure("input_not_committed", `input artifact ${id} is ${a.status}, not COMMITTED`))
      const list = yield* hub.files(id)
      const digests: Array<{ path: string; sha256: string }> = []
      for (const f of list.items) {
        const rel = safeRelative(f.path)
        if (rel === undefined) return yield* Effect.fail(new StageFailure("input_bad_path", `input artifact ${id} holds a file named ${JSON.stringify(f.path)}, which is not a relative path`))
        const dest = path.join(inputDir, id.replace(/[^A-Za-z0-9_.-]/g, "_"), rel)
        yield* Effect.sync(() => fs.mkdirSync(path.dirname(dest), { recursive: true }))
        let got: string
        if (a.residence === "managed") {
          const d = yield* hub.download(id, f.path, dest)
          if (d.declared !== undefined && d.declared !== d.sha256) return yield* Effect.fail(new StageFailure("input_hash_mismatch", `${f.path} of artifact ${id}: the download's SHA-256 is ${d.sha256}, the hub declared ${d.declared}`))
          got = d.sha256
        } else if (a.residence === "posix" && a.content_url !== null && a.content_url.startsWith("file://")) {
          const root = fileURLToPath(a.content_url)
          const src = fs.existsSync(root) && fs.statSync(root).isDirectory() ? path.join(root, rel) : root
          if (!fs.existsSync(src)) return yield* Effect.fail(new StageFailure("input_missing", `${src} (artifact ${id}) is not on this node's filesystem`))
          yield* Effect.sync(() => {
            fs.rmSync(dest, { force: true })
            fs.symlinkSync(src, dest)
          })
          got = yield* Effect.promise(() => sha256File(src))
        } else return yield* Effect.fail(new StageFailure("input_residence_unsupported", `input artifact ${id} lives in ${a.residence}${a.content_url === null ? "" : ` (${a.content_url})`}; the bridge stages managed and posix (file://) artifacts`))
        if (got !== f.sha256) return yield* Effect.fail(new StageFailure("input_hash_mismatch", `${f.path} of artifact ${id}: SHA-256 ${got}, the hub lists ${f.sha256}`))
        digests.push({ path: f.path, sha256: got })
        staged.push(dest)
      }
      const tree = treeHash(digests)
      if (a.sha256 !== null && tree !== undefined && tree !== a.sha256) return yield* Effect.fail(new StageFailure("input_hash_mismatch", `artifact ${id}: its files hash to ${tree}, it was committed as ${a.sha256}`))
    }
    const csvs = staged.filter((f) => f.toLowerCase().endsWith(".csv"))
    if (csvs.length !== 1) return yield* Effect.fail(new StageFailure("input_not_csv", csvs.length === 0 ? `no CSV among the input files (${staged.map((f) => path.basename(f)).join(", ") || "none"})` : `${csvs.length} CSV files among the inputs; the job takes one`))
    return { csv: csvs[0]!, sha256: yield* Effect.promise(() => sha256File(csvs[0]!)) }
  })
