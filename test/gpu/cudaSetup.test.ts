import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { CudaPins } from "../../core/gpu/cudaPins.ts"
import { CUDA_PINS } from "../../core/gpu/cudaPins.ts"
import { PERIOGT_VERSION } from "../../core/version/version.ts"
import { errorOf, ROOT, runAsync, tempDir } from "../support/binary.ts"
import { makeZip } from "../support/zip.ts"

/**
 * `periogt setup --gpu` on small fake wheels and libraries whose pins are injected through
 * PERIOGT_CUDA_PINS_FILE (the test seam): installed and verified, refused whole when one byte differs.
 * `doctor` with the stand-in nvidia-smi names the missing files of the real pins and where it looked.
 */
const FAKE_SMI = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")
const sha = (d: Uint8Array) => createHash("sha256").update(d).digest("hex")
const bytes = (seed: string, n: number) => new Uint8Array(Array.from({ length: n }, (_, i) => (seed.charCodeAt(i % seed.length) + i) & 0xff))

const members = {
  ort: [
    ["onnxruntime/capi/libonnxruntime_providers_shared.so", bytes("shared", 1500)],
    ["onnxruntime/capi/libonnxruntime_providers_cuda.so", bytes("cuda-provider", 4000)],
  ],
  rt: [["nvidia/cu13/lib/libcudart.so.13", bytes("cudart", 2500)]],
} as const

let work: string
let wheelsDir: string
let looseDir: string
let pinsFile: string
let pins: CudaPins
const wheelName = { ort: "fake_onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl", rt: "fake_nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.whl" }

beforeAll(() => {
  work = tempDir("cuda-setup")
  wheelsDir = path.join(work, "wheels")
  looseDir = path.join(work, "loose")
  fs.mkdirSync(wheelsDir)
  fs.mkdirSync(looseDir)
  const wheels = (["ort", "rt"] as const).map((k) => {
    const zip = makeZip([...members[k].map(([name, data]) => ({ name, data })), { name: "fake.dist-info/METADATA", data: "Name: fake\n" }])
    fs.writeFileSync(path.join(wheelsDir, wheelName[k]), zip)
    for (const [name, data] of members[k]) fs.writeFileSync(path.join(looseDir, path.basename(name)), data)
    return {
      project: `fake-${k}`,
      version: k === "ort" ? "1.30.0" : "13.0.96",
      role: "test",
      wheel: wheelName[k],
      path: `packages/aa/bb/${wheelName[k]}`,
      size: zip.length,
      sha256: sha(zip),
      files: members[k].map(([member, data]) => ({ member, size: data.length, sha256: sha(data) })),
    }
  })
  pins = { ...CUDA_PINS, wheels }
  pinsFile = path.join(work, "pins.json")
  fs.writeFileSync(pinsFile, JSON.stringify(pins))
})

afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const periogt = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  runAsync([process.execPath, path.join(ROOT, "bin/periogt.ts"), ...args], {
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, PERIOGT_CUDA_PINS_FILE: pinsFile, ...env },
    cwd: work,
  })

const cudaDir = (cache: string) => path.join(cache, "native", PERIOGT_VERSION, "cuda")
const leftovers = (cache: string) => (fs.existsSync(path.join(cache, "native", PERIOGT_VERSION)) ? fs.readdirSync(path.join(cache, "native", PERIOGT_VERSION)).filter((n) => n.startsWith(".cuda")) : [])

describe("setup --gpu", () => {
  test("--from a directory of wheels installs exactly the pinned files, verified; a second run changes nothing", async () => {
    const cache = path.join(work, "cache-wheels")
    const r = await periogt(["setup", "--gpu", "--from", wheelsDir], { PERIOGT_CACHE_DIR: cache })
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { status: string; cuda_dir: string; files: Array<{ name: string }> }
    expect(out.status).toBe("updated")
    expect(out.cuda_dir).toBe(cudaDir(cache))
    const names = fs.readdirSync(cudaDir(cache)).sort()
    // the pinned files, the manifest, and ONNX Runtime's own library put beside the providers (read-only images)
    expect(names).toEqual(["libcudart.so.13", "libonnxruntime.so.1", "libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so", "periogt-cuda.json"])
    for (const k of ["ort", "rt"] as const) {
      for (const [member, data] of members[k]) expect(sha(fs.readFileSync(path.join(cudaDir(cache), path.basename(member))))).toBe(sha(data))
    }
    expect(leftovers(cache)).toEqual([])
    const again = await periogt(["setup", "--gpu", "--from", wheelsDir], { PERIOGT_CACHE_DIR: cache })
    expect(again.code).toBe(0)
    expect((JSON.parse(again.stdout) as { status: string }).status).toBe("unchanged")
  }, 120_000)

  test("--from a directory of already extracted libraries", async () => {
    const cache = path.join(work, "cache-loose")
    const r = await periogt(["setup", "--gpu", "--from", looseDir], { PERIOGT_CACHE_DIR: cache })
    expect(r.code).toBe(0)
    expect(fs.readdirSync(cudaDir(cache))).toContain("libonnxruntime_providers_cuda.so")
  }, 120_000)

  test("a tampered wheel (same size, one byte changed) is checksum_mismatch and nothing is installed", async () => {
    const bad = path.join(work, "bad-wheels")
    fs.cpSync(wheelsDir, bad, { recursive: true })
    const f = path.join(bad, wheelName.rt)
    const d = fs.readFileSync(f)
    d[d.length - 30]! ^= 0xff
    fs.writeFileSync(f, d)
    const cache = path.join(work, "cache-bad-wheel")
    const r = await periogt(["setup", "--gpu", "--from", bad], { PERIOGT_CACHE_DIR: cache })
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("checksum_mismatch")
    expect(e?.message).toContain(wheelName.rt)
    expect(fs.existsSync(cudaDir(cache))).toBe(false)
    expect(leftovers(cache)).toEqual([])
  }, 120_000)

  test("a tampered extracted library is checksum_mismatch and nothing is installed", async () => {
    const bad = path.join(work, "bad-loose")
    fs.cpSync(looseDir, bad, { recursive: true })
    const provider = path.join(bad, "libonnxruntime_providers_cuda.so")
    const d = fs.readFileSync(provider)
    d[0]! ^= 1
    fs.writeFileSync(provider, d)
    const cache = path.join(work, "cache-bad-loose")
    const r = await periogt(["setup", "--gpu", "--from", bad], { PERIOGT_CACHE_DIR: cache })
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("checksum_mismatch")
    expect(errorOf(r.stderr)?.message).toContain("libonnxruntime_providers_cuda.so")
    expect(fs.existsSync(cudaDir(cache))).toBe(false)
    expect(leftovers(cache)).toEqual([])
  }, 120_000)

  test("new pins whose files do not match what is offered: refused, and the installed set stays as it was", async () => {
    const cache = path.join(work, "cache-keep")
    expect((await periogt(["setup", "--gpu", "--from", wheelsDir], { PERIOGT_CACHE_DIR: cache })).code).toBe(0)
    const before = fs.readdirSync(cudaDir(cache)).map((n) => [n, sha(fs.readFileSync(path.join(cudaDir(cache), n)))])
    const newPins = path.join(work, "pins-new.json")
    const changed = { ...pins, wheels: pins.wheels.map((w, i) => (i === 0 ? { ...w, files: w.files.map((f, j) => (j === 1 ? { ...f, sha256: "0".repeat(64) } : f)) } : w)) }
    fs.writeFileSync(newPins, JSON.stringify(changed))
    const r = await periogt(["setup", "--gpu", "--from", looseDir], { PERIOGT_CACHE_DIR: cache, PERIOGT_CUDA_PINS_FILE: newPins })
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("checksum_mismatch")
    expect(fs.readdirSync(cudaDir(cache)).map((n) => [n, sha(fs.readFileSync(path.join(cudaDir(cache), n)))])).toEqual(before)
    expect(leftovers(cache)).toEqual([])
  }, 120_000)

  test("without --from, --wheels-from or PERIOGT_WHEEL_INDEX it refuses, naming the setting", async () => {
    const cache = path.join(work, "cache-none")
    const r = await periogt(["setup", "--gpu"], { PERIOGT_CACHE_DIR: cache })
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("PERIOGT_WHEEL_INDEX")
    expect(fs.existsSync(cudaDir(cache))).toBe(false)
  }, 120_000)

  test("PERIOGT_WHEEL_INDEX: downloads <base>/<path>, resuming a partial download with a Range request", async () => {
    const ranges: Array<string | null> = []
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const name = path.basename(new URL(req.url).pathname)
        const file = path.join(wheelsDir, name)
        if (!new URL(req.url).pathname.startsWith("/mirror/packages/aa/bb/") || !fs.existsSync(file)) return new Response("no", { status: 404 })
        const data = fs.readFileSync(file)
        const range = req.headers.get("range")
        ranges.push(range)
        const m = range === null ? null : /bytes=(\d+)-/.exec(range)
        if (m === null) return new Response(data)
        const start = Number(m[1])
        return new Response(data.subarray(start), { status: 206, headers: { "content-range": `bytes ${start}-${data.length - 1}/${data.length}` } })
      },
    })
    try {
      const cache = path.join(work, "cache-mirror")
      const downloads = path.join(cache, "native", PERIOGT_VERSION, "downloads")
      fs.mkdirSync(downloads, { recursive: true })
      const whole = fs.readFileSync(path.join(wheelsDir, wheelName.ort))
      fs.writeFileSync(path.join(downloads, `${wheelName.ort}.part`), whole.subarray(0, 1000))
      const r = await periogt(["setup", "--gpu"], { PERIOGT_CACHE_DIR: cache, PERIOGT_WHEEL_INDEX: `http://127.0.0.1:${server.port}/mirror/` })
      expect(r.code).toBe(0)
      expect(ranges).toContain("bytes=1000-")
      expect(fs.readdirSync(cudaDir(cache))).toContain("libonnxruntime_providers_shared.so")
      // downloaded wheels are removed once their files are installed
      expect(fs.readdirSync(downloads)).toEqual([])
    } finally {
      server.stop(true)
    }
  }, 120_000)
})

describe("doctor and the CUDA provider set", () => {
  test("with the stand-in nvidia-smi (H200) and nothing installed, doctor names each missing pinned file and where it looked", async () => {
    const cache = path.join(work, "cache-doctor")
    const r = await runAsync([process.execPath, path.join(ROOT, "bin/periogt.ts"), "doctor", "--json"], {
      env: { PATH: `${FAKE_SMI}:/usr/bin:/bin`, HOME: work, FAKE_SMI_CASE: "h200", PERIOGT_DEVICE: "auto", PERIOGT_CACHE_DIR: cache, PERIOGT_CHECKPOINT_DIR: path.join(work, "ckpt") },
      cwd: work,
    })
    const report = JSON.parse(r.stdout) as { checks: Array<{ check: string; status: string; value: string; action?: string }>; cuda: { libraries: { lookedIn: Array<string>; libraries: Array<{ name: string; present: boolean; path: string }> } } }
    const line = report.checks.find((c) => c.check === "cuda libraries")
    expect(line?.status).toBe("WARN")
    const dir = cudaDir(cache)
    expect(line?.value).toContain(`looked in ${dir}`)
    for (const w of CUDA_PINS.wheels) for (const f of w.files) expect(line?.value).toContain(`${path.basename(f.member)} (${w.project} ${w.version}) not at ${path.join(dir, path.basename(f.member))}`)
    expect(line?.action).toContain("setup --gpu")
    expect(report.cuda.libraries.lookedIn).toEqual([dir])
    expect(report.cuda.libraries.libraries.every((l) => !l.present)).toBe(true)
    // the H200's 565 driver is older than the 580 branch CUDA 13 needs: said on its own line
    expect(report.checks.find((c) => c.check === "cuda build")?.value).toContain(CUDA_PINS.minDriver)
  }, 120_000)

  test("with a set installed, ONNX Runtime runs from its directory and doctor reports each library that fails to load", async () => {
    const cache = path.join(work, "cache-doctor-installed")
    expect((await periogt(["setup", "--gpu", "--from", wheelsDir], { PERIOGT_CACHE_DIR: cache })).code).toBe(0)
    const r = await periogt(["doctor", "--json"], { PATH: `${FAKE_SMI}:/usr/bin:/bin`, FAKE_SMI_CASE: "h200", PERIOGT_DEVICE: "cuda", PERIOGT_CACHE_DIR: cache, PERIOGT_CHECKPOINT_DIR: path.join(work, "ckpt") })
    const report = JSON.parse(r.stdout) as { checks: Array<{ check: string; status: string; value: string }>; onnxruntime: { library: string; cpu: { ok: boolean } } }
    // the loader put libonnxruntime.so.1 beside the providers and a CPU session still opens from there
    expect(report.onnxruntime.library).toBe(path.join(cudaDir(cache), "libonnxruntime.so.1"))
    expect(report.onnxruntime.cpu.ok).toBe(true)
    expect(report.checks.find((c) => c.check === "cuda libraries")?.status).toBe("PASS")
    const loadable = report.checks.find((c) => c.check === "cuda loadable")
    expect(loadable?.status).toBe("FAIL")
    // the fake libcudart is not an ELF file; this machine has no driver library
    expect(loadable?.value).toContain(`libcudart.so.13 (${path.join(cudaDir(cache), "libcudart.so.13")})`)
    expect(loadable?.value).toContain("libcuda.so.1: cannot open shared object file")
    // with the set in use, the H200's 565 driver is judged against CUDA 13's 580 branch
    const gpu = report.checks.find((c) => c.check === "gpu") as { status: string; value: string; code?: string } | undefined
    expect(gpu?.status).toBe("FAIL")
    expect(gpu?.code).toBe("driver_incompatible")
    expect(gpu?.value).toContain("580.65.06")
  }, 120_000)

  test("on a node without a GPU and without the set, doctor says nothing about CUDA libraries", async () => {
    const r = await runAsync([process.execPath, path.join(ROOT, "bin/periogt.ts"), "doctor", "--json"], {
      env: { PATH: "/usr/bin:/bin", HOME: work, PERIOGT_CACHE_DIR: path.join(work, "cache-cpu"), PERIOGT_CHECKPOINT_DIR: path.join(work, "ckpt") },
      cwd: work,
    })
    const report = JSON.parse(r.stdout) as { checks: Array<{ check: string }> }
    expect(report.checks.some((c) => c.check.startsWith("cuda"))).toBe(false)
  }, 120_000)
})
