import * as fs from "node:fs"
import * as path from "node:path"
import { Result, Schema } from "effect"
import { ValidationError } from "../../errors/index.ts"

/**
 * What `setup` fetches, and the checksums it holds them to. The defaults are facts of PerioGT's
 * publication: Zenodo record 17035498 (its checkpoint archives) and upstream's descriptor scaler at the pinned
 * commit. `--archives FILE` replaces the list (a lab's own checkpoints, a private mirror's layout).
 */
export const ArchiveSpec = Schema.Struct({
  /** File name, also the name looked up under a `--from` mirror. */
  name: Schema.NonEmptyString,
  url: Schema.NonEmptyString,
  md5: Schema.String.check(Schema.isPattern(/^[0-9a-f]{32}$/)),
  /** Approximate size in bytes, for the free-space check before downloading. */
  size: Schema.Number,
  /** `zip`: extracted into `target` (a directory); `file`: copied to `target`. */
  kind: Schema.Literals(["zip", "file"]),
  target: Schema.NonEmptyString,
})
export type ArchiveSpec = typeof ArchiveSpec.Type
export const ArchiveManifest = Schema.Array(ArchiveSpec)

const ZENODO = "https://zenodo.org/records/17035498/files"
const UPSTREAM_RAW = "https://raw.githubusercontent.com/wuyuhui-zju/PerioGT/fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36/PerioGT_common"

export const PUBLISHED_ARCHIVES: ReadonlyArray<ArchiveSpec> = [
  { name: "pretrained_ckpt.zip", url: `${ZENODO}/pretrained_ckpt.zip?download=1`, md5: "7adbcfc4da134692e9a2965270321662", size: 350e6, kind: "zip", target: "pretrained_ckpt" },
  { name: "finetuned_ckpt.zip", url: `${ZENODO}/finetuned_ckpt.zip?download=1`, md5: "f285c724142aa2c8919f6a736f6e6093", size: 5.9e9, kind: "zip", target: "finetuned_ckpt" },
  { name: "scaler_all.pkl", url: `${UPSTREAM_RAW}/datasets/pretrain/scaler_all.pkl`, md5: "d2626952c850b012a8b55177205e1d7d", size: 39260, kind: "file", target: "descriptor_scaler.pkl" },
]

export const readArchiveManifest = (file: string): Result.Result<ReadonlyArray<ArchiveSpec>, ValidationError> => {
  try {
    const decoded = Schema.decodeUnknownResult(ArchiveManifest)(JSON.parse(fs.readFileSync(file, "utf8")))
    if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
    return Result.fail(new ValidationError({ message: `${file} is not an archive manifest: ${decoded.failure.message}`, action: "give a JSON array of {name, url, md5, size, kind: zip|file, target}", details: { file } }))
  } catch (e) {
    return Result.fail(new ValidationError({ message: `archive manifest ${file} cannot be read: ${(e as Error).message}`, action: "check the --archives path", details: { file } }))
  }
}

/** Where an archive comes from: its own URL, a mirror URL or a directory (`--from`). */
export const sourceOf = (spec: ArchiveSpec, from: string | undefined): { readonly kind: "url" | "dir"; readonly location: string } => {
  if (from === undefined) return { kind: "url", location: spec.url }
  if (/^https?:\/\//.test(from)) return { kind: "url", location: `${from.replace(/\/+$/, "")}/${spec.name}` }
  return { kind: "dir", location: `${from.replace(/\/+$/, "")}/${spec.name}` }
}

/** Names setup keeps for its own bookkeeping under the checkpoint directory: never a target. */
const RESERVED = new Set(["downloads", ".setup.lock", ".periogt-setup.json"])

/** Why `name` is not a plain file name (it becomes `downloads/<name>`, `<root>/<name>`, `<mirror>/<name>`). */
const notPlainName = (name: string): string | undefined => {
  if (name.includes("\0")) return "has a NUL byte"
  if (name.includes("/") || name.includes("\\")) return "is not a plain file name (it has a '/' or '\\')"
  if (name === "." || name === "..") return "is not a file name"
  if (name.trim() !== name) return "begins or ends with white space"
  return undefined
}

/** Why `target` is not a relative path staying inside the checkpoint directory (lexically). */
const notInsideTarget = (target: string): string | undefined => {
  if (target.includes("\0")) return "has a NUL byte"
  if (target.includes("\\")) return "has a '\\' (use '/')"
  if (path.isAbsolute(target)) return "is an absolute path"
  if (target.split("/").includes("..")) return "climbs out of the checkpoint directory with '..'"
  const normal = path.posix.normalize(target).replace(/\/+$/, "")
  if (normal === "." || normal === "") return "is the checkpoint directory itself"
  if (RESERVED.has(normal.split("/")[0]!) || normal.split("/")[0]!.startsWith(".staging-")) return `is a name setup keeps for itself (${[...RESERVED].join(", ")}, .staging-*)`
  return undefined
}

/**
 * The deepest existing ancestor of `p` (itself included), resolved through symbolic links; undefined
 * when that ancestor is a dangling link (where it would lead is unknown).
 */
const realAncestor = (p: string): string | undefined => {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      return fs.realpathSync(dir)
    } catch {
      try {
        fs.lstatSync(dir)
        return undefined
      } catch {
        if (path.dirname(dir) === dir) return dir
      }
    }
  }
}

const isInside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep)

/**
 * Every path an archive manifest names stays inside the checkpoint directory: `name` is a plain file
 * name, `target` a relative path without '..', and no directory setup would write through (the parent
 * of each target, `downloads/`) is a symbolic link leading outside. Checked before any download, write
 * or delete; the first offending entry is a validation_error naming it. A target that is itself a
 * symbolic link (a checkpoint folder shared from a project space) is allowed: setup only reads
 * through it, and replacing it replaces the link, not what it points to.
 */
export const checkManifestPaths = (root: string, specs: ReadonlyArray<ArchiveSpec>, manifest?: string): Result.Result<void, ValidationError> => {
  const base = path.resolve(root)
  const realRoot = realAncestor(base) ?? base
  const refuse = (i: number, spec: ArchiveSpec, field: "name" | "target", why: string) =>
    Result.fail(
      new ValidationError({
        message: `archive entry ${i + 1} (${JSON.stringify(spec.name)})${manifest === undefined ? "" : ` of ${manifest}`}: ${field} ${JSON.stringify(spec[field])} ${why}`,
        action: "in the archive manifest, give name as a plain file name and target as a relative path inside PERIOGT_CHECKPOINT_DIR (e.g. \"finetuned_ckpt\")",
        details: { entry: i, name: spec.name, field, value: spec[field], reason: why, checkpoint_dir: base, ...(manifest === undefined ? {} : { manifest }) },
      }),
    )
  const escapes = (p: string) => {
    // Lexically inside, then through whatever links exist on disk.
    if (!isInside(base, p)) return true
    const real = realAncestor(p)
    return real === undefined || !isInside(realRoot, real)
  }
  for (const [i, spec] of specs.entries()) {
    const badName = notPlainName(spec.name)
    if (badName !== undefined) return refuse(i, spec, "name", badName)
    const badTarget = notInsideTarget(spec.target)
    if (badTarget !== undefined) return refuse(i, spec, "target", badTarget)
    const target = path.resolve(base, spec.target)
    if (escapes(path.dirname(target))) return refuse(i, spec, "target", "leads outside the checkpoint directory through a symbolic link")
    if (escapes(path.join(base, "downloads"))) return refuse(i, spec, "name", `would be downloaded into ${path.join(base, "downloads")}, a symbolic link leading outside the checkpoint directory`)
  }
  return Result.succeed(undefined)
}
