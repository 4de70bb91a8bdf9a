/**
 * ONNX Runtime's CUDA provider and the CUDA libraries it loads, as `periogt setup --gpu` installs them
 * into `<cache_dir>/native/<version>/cuda/` and as `doctor` and the loader find them there.
 *
 * How the files are found at run time (see core/runtime/onnxRuntime.ts): ONNX Runtime loads
 * `libonnxruntime_providers_shared.so` and `libonnxruntime_providers_cuda.so` from the directory of the
 * `libonnxruntime.so.1` it runs from, so when the CUDA directory is complete the loader puts its copy
 * of `libonnxruntime.so.1` there too and loads that one. The provider has no RPATH and the CUDA
 * libraries are not on LD_LIBRARY_PATH (which glibc reads once, at process start): before the first CUDA
 * session the loader loads them by full path, dependencies first, so that the provider's DT_NEEDED
 * entries (libcudart.so.13, libcublasLt.so.13, libcublas.so.13, libcurand.so.10) and the names it
 * opens itself (libcudnn.so.9, libcufft.so.12, libnvrtc.so.13) resolve to the already loaded objects by
 * their soname. cuDNN's sub-libraries carry RUNPATH $ORIGIN and are found beside libcudnn.so.9.
 * Only libcuda.so.1, the driver's, comes from the system.
 */
import * as fs from "node:fs"
import { sha256File } from "../io/sha256.ts"
import * as path from "node:path"
import { pipeline } from "node:stream/promises"
import * as unzipper from "unzipper"
import { ChecksumMismatch, ValidationError, type PeriogtError } from "../errors/index.ts"
import type { Logger } from "../log/Log.ts"
import { downloadResumable } from "../artifacts/setup/download.ts"
import { acquireLock } from "../artifacts/setup/lock.ts"
import { CUDA_PINS, type CudaPinnedFile, type CudaPinnedWheel, type CudaPins } from "./cudaPins.ts"

/** Test seam only: a JSON file replacing CUDA_PINS (same shape). */
export const PINS_FILE_ENV = "PERIOGT_CUDA_PINS_FILE"
/** The base URL of a mirror of the Python package index's files that the site provides. */
export const WHEEL_INDEX_ENV = "PERIOGT_WHEEL_INDEX"
export const MANIFEST = "periogt-cuda.json"

export const cudaPins = (env: NodeJS.ProcessEnv = process.env): CudaPins => {
  const file = env[PINS_FILE_ENV]
  return file === undefined || file === "" ? CUDA_PINS : (JSON.parse(fs.readFileSync(file, "utf8")) as CudaPins)
}

export const cudaDirOf = (nativeDir: string) => path.join(nativeDir, "cuda")

export const installedName = (f: CudaPinnedFile) => path.posix.basename(f.member)

export const pinnedFiles = (pins: CudaPins): ReadonlyArray<CudaPinnedFile & { readonly wheel: CudaPinnedWheel }> =>
  pins.wheels.flatMap((w) => w.files.map((f) => ({ ...f, wheel: w })))

/**
 * The order the loader opens them in before a CUDA session: each after what it needs. Names not in
 * the pins are skipped; the provider libraries are opened by ONNX Runtime itself.
 */
export const PRELOAD_ORDER = [
  "libcudart.so.13",
  "libcublasLt.so.13",
  "libcublas.so.13",
  "libcurand.so.10",
  "libcufft.so.12",
  "libnvrtc-builtins.so.13.0",
  "libnvrtc.so.13",
  "libcudnn.so.9",
] as const

export const PROVIDER_LIBRARIES = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"] as const

const sizeOf = (file: string): number | undefined => {
  try {
    const st = fs.statSync(file)
    return st.isFile() ? st.size : undefined
  } catch {
    return undefined
  }
}

const mismatch = (what: string, file: string, expected: { size: number; sha256: string }, got: { size: number | undefined; sha256?: string }) =>
  new ChecksumMismatch({
    message: `${file} (${what}) does not match its pin: expected ${expected.size} bytes, sha256 ${expected.sha256}; got ${got.size ?? "no file"} bytes${got.sha256 === undefined ? "" : `, sha256 ${got.sha256}`}`,
    action: "nothing was installed; fetch the file again from a trusted copy (or delete it to download it again) and rerun `periogt setup --gpu`",
    details: { path: file, expected_size: expected.size, expected_sha256: expected.sha256, size: got.size, sha256: got.sha256 },
  })

/** Checks size first (cheap), then sha256; returns the error, or undefined when the file is the pinned one. */
const verify = async (what: string, file: string, pin: { size: number; sha256: string }): Promise<PeriogtError | undefined> => {
  const size = sizeOf(file)
  if (size !== pin.size) return mismatch(what, file, pin, { size })
  const sha256 = await sha256File(file)
  return sha256 === pin.sha256 ? undefined : mismatch(what, file, pin, { size, sha256 })
}

class Refused extends Error {
  constructor(readonly error: PeriogtError) {
    super(error.message)
  }
}

const refuse = async (p: Promise<PeriogtError | undefined>) => {
  const e = await p
  if (e !== undefined) throw new Refused(e)
}

const extractMember = async (wheelFile: string, member: string, target: string) => {
  const directory = await unzipper.Open.file(wheelFile)
  const entry = directory.files.find((f) => f.path === member)
  if (entry === undefined) return false
  await pipeline(entry.stream(), fs.createWriteStream(target))
  return true
}

export interface CudaSource {
  /** A directory holding the pinned wheels, or the already extracted `.so` files (or both). */
  readonly from?: string | undefined
  /** Base URL of a mirror of the package index's files, or a directory of wheels. */
  readonly wheelsFrom?: string | undefined
}

export interface CudaInstallReport {
  readonly status: "installed" | "unchanged"
  readonly dir: string
  readonly files: ReadonlyArray<{ readonly name: string; readonly size: number; readonly sha256: string; readonly from: string }>
}

/** Whether `dir` already holds exactly the pinned set (manifest equal, every file of the pinned size). */
export const installedMatches = (dir: string, pins: CudaPins): boolean => {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8")) as { files: Array<{ name: string; size: number; sha256: string }> }
    const want = pinnedFiles(pins).map((f) => ({ name: installedName(f), size: f.size, sha256: f.sha256 }))
    if (JSON.stringify(manifest.files) !== JSON.stringify(want)) return false
    return want.every((f) => sizeOf(path.join(dir, f.name)) === f.size)
  } catch {
    return false
  }
}

const isUrl = (s: string) => /^https?:\/\//i.test(s)

/**
 * `periogt setup --gpu`: every pinned file into `<nativeDir>/cuda/`, each verified by size and sha256
 * (and each wheel it is taken from, too), staged in a sibling directory and renamed into place, under a
 * lock. A file that does not match refuses the whole set: nothing is installed.
 */
export const installCudaLibraries = async (o: {
  readonly nativeDir: string
  readonly source: CudaSource
  readonly pins: CudaPins
  readonly log: Logger
  readonly retries?: number
  readonly backoffMs?: number
}): Promise<{ ok: true; report: CudaInstallReport } | { ok: false; error: PeriogtError }> => {
  const { nativeDir, pins, log } = o
  const dir = cudaDirOf(nativeDir)
  const from = o.source.from
  const wheelsFrom = o.source.wheelsFrom
  if (from === undefined && wheelsFrom === undefined) {
    return {
      ok: false,
      error: new ValidationError({
        message: `setup --gpu needs a source for the ${pinnedFiles(pins).length} pinned CUDA files: no --from DIR, no --wheels-from URL|DIR and no ${WHEEL_INDEX_ENV}`,
        action: `give --wheels-from URL (or set ${WHEEL_INDEX_ENV}): a mirror of the Python package index's files your site provides, under which each wheel's path (core/gpu/cudaPins.ts) is served; or --from DIR holding the wheels (${pins.wheels.map((w) => w.wheel).join(", ")}) or the extracted libraries`,
        details: { setting: WHEEL_INDEX_ENV, wheels: pins.wheels.map((w) => w.wheel) },
      }),
    }
  }
  for (const d of [from, wheelsFrom]) {
    if (d !== undefined && !isUrl(d) && !fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) {
      return { ok: false, error: new ValidationError({ message: `${d} is not a directory`, action: "give a directory holding the pinned wheels or libraries, or a URL", details: { path: d } }) }
    }
  }
  fs.mkdirSync(nativeDir, { recursive: true })
  const lock = await acquireLock(path.join(nativeDir, ".cuda.lock"), () => log.info("another setup --gpu is running on this cache directory; waiting for it"))
  const staging = path.join(nativeDir, `.cuda.staging.${process.pid}.${Date.now()}`)
  try {
    if (installedMatches(dir, pins)) {
      const files = pinnedFiles(pins).map((f) => ({ name: installedName(f), size: f.size, sha256: f.sha256, from: path.join(dir, installedName(f)) }))
      return { ok: true, report: { status: "unchanged", dir, files } }
    }
    fs.mkdirSync(staging, { recursive: true })
    const downloads = path.join(nativeDir, "downloads")
    const installed: Array<{ name: string; size: number; sha256: string; from: string }> = []
    const fetched: Array<string> = []
    for (const wheel of pins.wheels) {
      // 1. every member already extracted in --from DIR
      const loose = from === undefined ? undefined : wheel.files.map((f) => path.join(from, installedName(f)))
      if (loose !== undefined && loose.every((p) => fs.existsSync(p))) {
        for (const [i, f] of wheel.files.entries()) {
          await refuse(verify(`${installedName(f)} of ${wheel.wheel}`, loose[i]!, f))
          fs.copyFileSync(loose[i]!, path.join(staging, installedName(f)))
          await refuse(verify(`${installedName(f)} of ${wheel.wheel}`, path.join(staging, installedName(f)), f))
          installed.push({ name: installedName(f), size: f.size, sha256: f.sha256, from: loose[i]! })
        }
        continue
      }
      // 2. the wheel, from a directory or downloaded from the mirror
      let wheelFile: string | undefined
      for (const d of [from, wheelsFrom]) {
        if (d !== undefined && !isUrl(d) && fs.existsSync(path.join(d, wheel.wheel))) {
          wheelFile = path.join(d, wheel.wheel)
          break
        }
      }
      if (wheelFile === undefined && wheelsFrom !== undefined && isUrl(wheelsFrom)) {
        fs.mkdirSync(downloads, { recursive: true })
        const target = path.join(downloads, wheel.wheel)
        if (sizeOf(target) !== wheel.size) {
          const url = `${wheelsFrom.replace(/\/+$/, "")}/${wheel.path}`
          const part = `${target}.part`
          log.info(`downloading ${wheel.wheel} (${(wheel.size / 1024 ** 2).toFixed(0)} MiB)`, { url })
          let last = 0
          await downloadResumable(url, part, {
            retries: o.retries ?? 6,
            backoffMs: o.backoffMs ?? 2000,
            onProgress: (p) => {
              if (p.received - last >= 256 * 1024 ** 2) {
                last = p.received
                log.info(`${wheel.wheel}: ${(p.received / 1024 ** 2).toFixed(0)} of ${(wheel.size / 1024 ** 2).toFixed(0)} MiB`)
              }
            },
            onRetry: (attempt, reason, waitMs) => log.warn(`${wheel.wheel}: ${reason}; retry ${attempt} in ${waitMs} ms`),
          })
          const bad = await verify(`wheel ${wheel.project} ${wheel.version}`, part, wheel)
          if (bad !== undefined) {
            fs.rmSync(part, { force: true })
            throw new Refused(bad)
          }
          fs.renameSync(part, target)
          fetched.push(target)
        }
        wheelFile = target
      }
      if (wheelFile === undefined) {
        const where = [from, wheelsFrom].filter((d) => d !== undefined).join(" and ")
        throw new Refused(
          new ValidationError({
            message: `${wheel.wheel} (${wheel.project} ${wheel.version}) is not in ${where}, nor are its files ${wheel.files.map(installedName).join(", ")}`,
            action: `place that wheel (or its extracted files) there, or give --wheels-from URL (${WHEEL_INDEX_ENV}) to download it`,
            details: { wheel: wheel.wheel, looked_in: [from, wheelsFrom].filter((d) => d !== undefined) },
          }),
        )
      }
      await refuse(verify(`wheel ${wheel.project} ${wheel.version}`, wheelFile, wheel))
      for (const f of wheel.files) {
        const target = path.join(staging, installedName(f))
        if (!(await extractMember(wheelFile, f.member, target))) {
          throw new Refused(new ChecksumMismatch({ message: `${wheelFile} has no member ${f.member}`, action: "fetch the pinned wheel again", details: { path: wheelFile, member: f.member } }))
        }
        await refuse(verify(`${f.member} of ${wheel.wheel}`, target, f))
        installed.push({ name: installedName(f), size: f.size, sha256: f.sha256, from: `${wheelFile}:${f.member}` })
      }
    }
    for (const f of installed) fs.chmodSync(path.join(staging, f.name), 0o755)
    const manifest = {
      onnxruntime: pins.onnxruntime,
      cuda: pins.cuda,
      cudnn: pins.cudnn,
      wheels: pins.wheels.map((w) => ({ project: w.project, version: w.version, wheel: w.wheel, sha256: w.sha256 })),
      files: pinnedFiles(pins).map((f) => ({ name: installedName(f), size: f.size, sha256: f.sha256 })),
    }
    fs.writeFileSync(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + "\n")
    // Replace atomically: an old or partial directory is moved aside first, then the staged one renamed in.
    if (fs.existsSync(dir)) {
      const old = path.join(nativeDir, `.cuda.old.${process.pid}.${Date.now()}`)
      fs.renameSync(dir, old)
      fs.renameSync(staging, dir)
      fs.rmSync(old, { recursive: true, force: true })
    } else {
      fs.renameSync(staging, dir)
    }
    for (const f of fetched) fs.rmSync(f, { force: true })
    return { ok: true, report: { status: "installed", dir, files: installed } }
  } catch (e) {
    if (e instanceof Refused) return { ok: false, error: e.error }
    throw e
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
    lock.release()
  }
}

export interface CudaLibraryStatus {
  readonly name: string
  readonly path: string
  readonly present: boolean
  /** The pinned project and version it belongs to. */
  readonly version: string
  /** Set when it was loaded (or tried): undefined when loading was not attempted. */
  readonly loadError?: string | undefined
  readonly loaded?: boolean
}

export interface CudaLibrariesReport {
  readonly dir: string
  readonly complete: boolean
  readonly libraries: ReadonlyArray<CudaLibraryStatus>
  /** Where each missing library was looked for. */
  readonly lookedIn: ReadonlyArray<string>
  readonly minDriver: string
  readonly computeCapabilities: ReadonlyArray<number>
  readonly cuda: string
}

/** What `doctor` reports: each pinned file, present (of the pinned size) or missing, and where it looked. */
export const cudaLibrariesStatus = (nativeDir: string, pins: CudaPins = cudaPins()): CudaLibrariesReport => {
  const dir = cudaDirOf(nativeDir)
  const complete = installedMatches(dir, pins)
  const libraries = pinnedFiles(pins).map((f) => {
    const p = path.join(dir, installedName(f))
    return { name: installedName(f), path: p, present: sizeOf(p) === f.size, version: `${f.wheel.project} ${f.wheel.version}` }
  })
  return { dir, complete, libraries, lookedIn: [dir], minDriver: pins.minDriver, computeCapabilities: pins.computeCapabilities, cuda: pins.cuda }
}
