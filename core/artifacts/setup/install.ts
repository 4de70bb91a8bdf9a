import * as fs from "node:fs"
import * as path from "node:path"
import { ChecksumMismatch, CheckpointMissing, ValidationError, type PeriogtError } from "../../errors/index.ts"
import { temporarySibling, writeFileAtomic } from "../../io/atomicWrite.ts"
import { makeProgress } from "../../io/progress.ts"
import type { Logger } from "../../log/Log.ts"
import type { ArtifactLayout } from "../layout.ts"
import { sourceOf, type ArchiveSpec } from "./archives.ts"
import { downloadResumable } from "./download.ts"
import { extractZip, UnsafeArchiveError } from "./extract.ts"
import { md5File } from "./md5.ts"

/** `.periogt-setup.json`: which archive (by checksum) each target was installed from. */
export const markerPath = (layout: ArtifactLayout) => path.join(layout.root, ".periogt-setup.json")
type Marker = Record<string, { readonly md5: string; readonly from: string }>

export const readMarker = (layout: ArtifactLayout): Marker => {
  try {
    return JSON.parse(fs.readFileSync(markerPath(layout), "utf8")) as Marker
  } catch {
    return {}
  }
}
const writeMarker = (layout: ArtifactLayout, m: Marker) => writeFileAtomic(markerPath(layout), JSON.stringify(m, null, 2) + "\n")

export interface InstallOptions {
  readonly layout: ArtifactLayout
  readonly from: string | undefined
  readonly skipDownload: boolean
  readonly log: Logger
  readonly retries: number
  readonly backoffMs: number
}

export type InstallOutcome = "installed" | "unchanged" | "placed-by-hand"

const nonEmptyDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory() && fs.readdirSync(p).length > 0
  } catch {
    return false
  }
}
const isFile = (p: string) => {
  try {
    return fs.statSync(p).isFile() && fs.statSync(p).size > 0
  } catch {
    return false
  }
}

/** Bytes free for this user on the filesystem holding `dir`. */
const freeBytes = (dir: string): number => {
  const s = fs.statfsSync(dir)
  return Number(s.bavail) * Number(s.bsize)
}

class SetupFailure extends Error {
  constructor(readonly error: PeriogtError) {
    super(error.message)
  }
}
export const failureOf = (e: unknown): PeriogtError | undefined => (e instanceof SetupFailure ? e.error : undefined)
const fail = (e: PeriogtError): never => {
  throw new SetupFailure(e)
}

/** Gets the archive file into `downloads/`, verified against its checksum; a mismatch deletes it. */
const obtain = async (spec: ArchiveSpec, o: InstallOptions): Promise<string> => {
  const file = path.join(o.layout.downloadsDir, spec.name)
  fs.mkdirSync(o.layout.downloadsDir, { recursive: true })
  const handPlaced = [file, path.join(o.layout.root, spec.name)].find(isFile)
  if (handPlaced !== undefined) {
    if ((await md5File(handPlaced)) === spec.md5) return handPlaced
    if (o.skipDownload) {
      fs.rmSync(handPlaced, { force: true })
      fail(new ChecksumMismatch({ message: `${handPlaced} does not match the published MD5 ${spec.md5}; it was deleted`, action: `place a complete copy of ${spec.name} there again, or run setup without --skip-download`, details: { file: handPlaced, expected: spec.md5 } }))
    }
    o.log.warn(`${handPlaced} does not match its checksum; downloading it again`)
    fs.rmSync(handPlaced, { force: true })
  }
  if (o.skipDownload) {
    fail(new CheckpointMissing({
      message: `--skip-download: ${spec.name} is neither extracted at ${path.join(o.layout.root, spec.target)} nor placed at ${file}`,
      action: `place ${spec.name} (or its extracted folder) there, or run setup without --skip-download`,
      details: { missing: [{ artifact: spec.target, path: path.join(o.layout.root, spec.target) }, { artifact: spec.name, path: file }] },
    }))
  }
  const source = sourceOf(spec, o.from)
  const part = `${file}.part`
  if (source.kind === "dir") {
    if (!isFile(source.location)) fail(new CheckpointMissing({ message: `${source.location} not found in the --from directory`, action: `put ${spec.name} in ${o.from}`, details: { missing: [{ artifact: spec.name, path: source.location }] } }))
    fs.copyFileSync(source.location, part)
  } else {
    const already = isFile(part) ? fs.statSync(part).size : 0
    const need = (spec.kind === "zip" ? 2.05 : 1) * spec.size - already
    const free = freeBytes(o.layout.root)
    if (free < need) {
      fail(new ValidationError({
        message: `not enough free space under ${o.layout.root}: ${(free / 1e9).toFixed(2)} GB free, ${spec.name} needs about ${(need / 1e9).toFixed(2)} GB (download and extraction)`,
        action: "free space there, or point PERIOGT_CHECKPOINT_DIR at a larger persistent filesystem",
        details: { path: o.layout.root, free_bytes: free, needed_bytes: Math.ceil(need) },
      }))
    }
    if (already > 0) o.log.info(`resuming ${spec.name} from byte ${already}`)
    else o.log.info(`downloading ${spec.name}`, { from: source.location })
    const progress = makeProgress(spec.name, "B", o.log)
    await downloadResumable(source.location, part, {
      retries: o.retries,
      backoffMs: o.backoffMs,
      onProgress: (p) => progress.update(p.received, p.total),
      onRetry: (n, reason, wait) => o.log.warn(`${spec.name}: ${reason}; retry ${n} of ${o.retries} in ${(wait / 1000).toFixed(1)} s`),
    }).catch((e: unknown) => fail(new CheckpointMissing({ message: `downloading ${spec.name} from ${source.location} failed: ${e instanceof Error ? e.message : String(e)}`, action: "check the network (login and transfer nodes have it; compute nodes often do not), or download on another machine and use --from DIR; rerun setup to resume", details: { url: source.location, partial: part } })))
    progress.finish()
  }
  const md5 = await md5File(part)
  if (md5 !== spec.md5) {
    fs.rmSync(part, { force: true })
    fail(new ChecksumMismatch({ message: `${spec.name} has MD5 ${md5}, the published one is ${spec.md5}; the file was deleted`, action: "rerun `periogt setup` to download it again; if it keeps happening, the source is damaged: try another mirror with --from", details: { file: spec.name, expected: spec.md5, actual: md5, source: source.location } }))
  }
  fs.renameSync(part, file)
  return file
}

/** A zip holding one top folder (e.g. `finetuned_ckpt/…`) installs that folder, not a folder inside a folder. */
const contentRoot = (staging: string): string => {
  const entries = fs.readdirSync(staging, { withFileTypes: true }).filter((e) => !e.name.startsWith("__MACOSX"))
  return entries.length === 1 && entries[0]!.isDirectory() ? path.join(staging, entries[0]!.name) : staging
}

const install = async (spec: ArchiveSpec, file: string, o: InstallOptions): Promise<void> => {
  const target = path.join(o.layout.root, spec.target)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  if (spec.kind === "file") {
    const tmp = temporarySibling(target)
    fs.copyFileSync(file, tmp)
    fs.renameSync(tmp, target)
    return
  }
  const staging = path.join(o.layout.root, `.staging-${spec.target.replace(/\//g, "_")}-${process.pid}`)
  fs.rmSync(staging, { recursive: true, force: true })
  try {
    o.log.info(`extracting ${spec.name}`, { into: target })
    await extractZip(file, staging)
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true })
    if (e instanceof UnsafeArchiveError) fail(new ValidationError({ message: `refusing ${spec.name}: ${e.message}`, action: "this archive is not safe to extract; get it again from the published source", details: { archive: e.archive, entry: e.entry, reason: e.why } }))
    // The MD5 matched: the file is the one the manifest describes, and that file is not a whole zip.
    const why = e instanceof Error ? e.message : String(e)
    const reason = why === "FILE_ENDED" ? "it ends before the zip's list of entries: it is truncated, or not a zip archive at all" : why
    fail(new ChecksumMismatch({
      message: `${spec.name} matches its MD5 (${spec.md5}) but is not a complete zip archive: ${reason}`,
      action: `the MD5 in the archive list is that of this damaged file: get a complete ${spec.name} and its MD5 from where it is published (for --archives, fix the list), delete ${file}, and rerun setup`,
      details: { archive: file, md5: spec.md5, reason: why },
    }))
  }
  const old = `${target}.old-${process.pid}`
  if (fs.existsSync(target)) fs.renameSync(target, old)
  fs.renameSync(contentRoot(staging), target)
  fs.rmSync(staging, { recursive: true, force: true })
  fs.rmSync(old, { recursive: true, force: true })
}

/** Brings one archive's target to its published state; idempotent. */
export const installArchive = async (spec: ArchiveSpec, o: InstallOptions): Promise<InstallOutcome> => {
  const target = path.join(o.layout.root, spec.target)
  const marker = readMarker(o.layout)
  const present = spec.kind === "zip" ? nonEmptyDir(target) : isFile(target)
  const recorded = marker[spec.target]
  if (present && recorded?.md5 === spec.md5) return "unchanged"
  // Extracted by hand, or by the Python backend's setup (atomic installs never leave a partial target): used as it is.
  if (present && recorded === undefined) return "placed-by-hand"
  const file = await obtain(spec, o)
  await install(spec, file, o)
  writeMarker(o.layout, { ...readMarker(o.layout), [spec.target]: { md5: spec.md5, from: spec.name } })
  // What setup downloaded is removed once installed (archives are gigabytes); files a user placed are theirs.
  if (path.dirname(file) === o.layout.downloadsDir) fs.rmSync(file, { force: true })
  return "installed"
}
