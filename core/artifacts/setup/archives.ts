import * as fs from "node:fs"
import { Result, Schema } from "effect"
import { ValidationError } from "../../errors/index.ts"

/**
 * What `setup` fetches, and the checksums it holds them to. The defaults are facts of PerioGT's
 * publication: Zenodo record 17035498 (REFERENCE §4) and upstream's descriptor scaler at the pinned
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
