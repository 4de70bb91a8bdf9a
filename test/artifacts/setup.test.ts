import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorOf, periogtBinary, runAsync, tempDir } from "../support/binary.ts"
import { makeZip } from "../support/zip.ts"

/**
 * `periogt setup` against a real HTTP server on loopback serving synthetic archives in the layouts
 * the published ones may have. The server can throttle a response (to kill a download midway), count
 * Range requests and serve corrupted bytes.
 */
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex")
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff)

// Real checkpoints (the oracle's tiny synthetic ones), so setup's conversion to ONNX runs for real.
const TINY = path.resolve(import.meta.dir, "../fixtures/model/tiny")
const tinyPretrained = new Uint8Array(fs.readFileSync(path.join(TINY, "pretrained.pth")))
const tinyFinetuned = new Uint8Array(fs.readFileSync(path.join(TINY, "finetuned.pth")))
// Layout A: one top folder; layout B: files at the root and property from the file name.
const pretrained = makeZip([{ name: "pretrained_ckpt/" }, { name: "pretrained_ckpt/base.pth", data: tinyPretrained }])
const finetuned = makeZip([
  { name: "eps/" },
  { name: "eps/best_model.pth", data: tinyFinetuned },
  { name: "egc/best_model.pth", data: tinyFinetuned },
  { name: "best_model_nc.pth", data: tinyFinetuned },
])
const scaler = bytes(39_260, 5)
const escaping = makeZip([{ name: "ok.pth", data: "x" }, { name: "../escaped.txt", data: "gotcha" }])
const linking = makeZip([{ name: "link", data: "/etc/passwd", symlink: true }])

interface Served {
  readonly body: Uint8Array
  /** Bytes per 10 ms when throttled. */
  throttle?: number
}
const files = new Map<string, Served>([
  ["pretrained_ckpt.zip", { body: pretrained }],
  ["finetuned_ckpt.zip", { body: finetuned }],
  ["scaler_all.pkl", { body: scaler }],
  ["escaping.zip", { body: escaping }],
  ["linking.zip", { body: linking }],
])
const log: Array<{ file: string; range: string | null }> = []
let server: ReturnType<typeof Bun.serve>
let base: string

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const name = path.basename(new URL(req.url).pathname)
      const f = files.get(name)
      log.push({ file: name, range: req.headers.get("range") })
      if (f === undefined) return new Response("not found", { status: 404 })
      const m = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "")
      const start = m === null ? 0 : Number(m[1])
      const body = f.body.subarray(start)
      const headers = { "content-length": String(body.length), ...(m === null ? {} : { "content-range": `bytes ${start}-${f.body.length - 1}/${f.body.length}` }) }
      if (f.throttle === undefined) return new Response(body, { status: m === null ? 200 : 206, headers })
      const step = f.throttle
      const stream = new ReadableStream({
        async pull(c) {
          const i = (this as unknown as { i?: number }).i ?? 0
          if (i >= body.length) return c.close()
          c.enqueue(body.subarray(i, i + step))
          ;(this as unknown as { i?: number }).i = i + step
          await Bun.sleep(10)
        },
      })
      return new Response(stream, { status: m === null ? 200 : 206, headers })
    },
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.stop(true))

const manifest = (dir: string, entries: Array<{ name: string; kind: "zip" | "file"; target: string; md5?: string }>) => {
  const file = path.join(dir, "archives.json")
  fs.writeFileSync(file, JSON.stringify(entries.map((e) => ({ name: e.name, url: `${base}/${e.name}`, md5: e.md5 ?? md5(files.get(e.name)!.body), size: files.get(e.name)!.body.length, kind: e.kind, target: e.target }))))
  return file
}
const PUBLISHED_LIKE = [
  { name: "pretrained_ckpt.zip", kind: "zip" as const, target: "pretrained_ckpt" },
  { name: "finetuned_ckpt.zip", kind: "zip" as const, target: "finetuned_ckpt" },
  { name: "scaler_all.pkl", kind: "file" as const, target: "descriptor_scaler.pkl" },
]

const setupEnv = (ckpt: string) => ({ PATH: "/usr/bin:/bin", HOME: ckpt, PERIOGT_CHECKPOINT_DIR: ckpt })
const setup = (ckpt: string, args: Array<string>) => runAsync([periogtBinary(), "setup", ...args], { env: setupEnv(ckpt) })

describe("setup", () => {
  test("from nothing: downloads, verifies, extracts both layouts, writes label statistics and the index", async () => {
    const ckpt = tempDir("setup")
    const r = await setup(ckpt, ["--archives", manifest(ckpt, PUBLISHED_LIKE)])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout) as { status: string; properties: Array<string>; propertiesWithoutStats: Array<string> }
    expect(report.status).toBe("updated")
    expect(fs.readFileSync(path.join(ckpt, "pretrained_ckpt", "base.pth"))).toEqual(Buffer.from(tinyPretrained))
    expect(fs.existsSync(path.join(ckpt, "pretrained_ckpt", "pretrained_ckpt"))).toBe(false)
    expect(fs.readFileSync(path.join(ckpt, "descriptor_scaler.pkl"))).toEqual(Buffer.from(scaler))
    const index = JSON.parse(fs.readFileSync(path.join(ckpt, "index.json"), "utf8")) as Record<string, { checkpoint: string; units: string; onnx: string }>
    expect(Object.keys(index)).toEqual(["egc", "eps", "nc"])
    expect(index["eps"]!.checkpoint).toBe(path.join(ckpt, "finetuned_ckpt", "eps", "best_model.pth"))
    // Every checkpoint converted, and the index records where.
    expect(index["eps"]!.onnx).toBe(path.join(ckpt, "onnx", "finetuned", "eps.onnx"))
    // the model and its weights, in the one external data file beside it
    const converted = (onnx: string) => {
      const data = fs.readdirSync(path.dirname(onnx)).filter((f) => f.startsWith(`${path.basename(onnx)}.`) && f.endsWith(".data"))
      expect(data.length).toBe(1)
      return fs.statSync(onnx).size + fs.statSync(path.join(path.dirname(onnx), data[0]!)).size
    }
    for (const p of ["egc", "eps", "nc"]) expect(converted(index[p]!.onnx)).toBeGreaterThan(100_000)
    expect(converted(path.join(ckpt, "onnx", "pretrained.onnx"))).toBeGreaterThan(100_000)
    expect(index["egc"]!.units).toBe("eV")
    const stats = JSON.parse(fs.readFileSync(path.join(ckpt, "label_stats.json"), "utf8")) as Record<string, { mean: number; std: number }>
    expect(Object.keys(stats).sort()).toEqual(["eat", "eea", "egb", "egc", "ei", "eps", "nc"])
    expect(report.propertiesWithoutStats).toEqual([])
    expect(fs.readdirSync(path.join(ckpt, "downloads"))).toEqual([])
    // The same command again: nothing downloaded, nothing changed, and it says so.
    const before = log.length
    const again = await setup(ckpt, ["--archives", manifest(ckpt, PUBLISHED_LIKE)])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).status).toBe("unchanged")
    expect(again.stderr).toContain("nothing changed")
    expect(log.length).toBe(before)
  })

  test("killed mid-download, the same command resumes with an HTTP Range request", async () => {
    const ckpt = tempDir("resume")
    const big = tinyFinetuned
    files.set("big.zip", { body: makeZip([{ name: "finetuned_ckpt/eps.pth", data: big }]), throttle: 16_000 })
    fs.mkdirSync(path.join(ckpt, "pretrained_ckpt"))
    fs.writeFileSync(path.join(ckpt, "pretrained_ckpt", "base.pth"), tinyPretrained)
    const m = manifest(ckpt, [{ name: "big.zip", kind: "zip", target: "finetuned_ckpt" }])
    const proc = Bun.spawn([periogtBinary(), "setup", "--archives", m], { env: setupEnv(ckpt), stdout: "pipe", stderr: "pipe" })
    const part = path.join(ckpt, "downloads", "big.zip.part")
    for (let i = 0; i < 500 && !(fs.existsSync(part) && fs.statSync(part).size > 300_000); i++) await Bun.sleep(10)
    proc.kill("SIGKILL")
    await proc.exited
    const partial = fs.statSync(part).size
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(files.get("big.zip")!.body.length)
    files.get("big.zip")!.throttle = undefined
    const r = await setup(ckpt, ["--archives", m])
    expect(r.code).toBe(0)
    expect(log.filter((l) => l.file === "big.zip").at(-1)?.range).toBe(`bytes=${partial}-`)
    expect(fs.readFileSync(path.join(ckpt, "finetuned_ckpt", "eps.pth"))).toEqual(Buffer.from(big))
  })

  test("a corrupted archive: checksum_mismatch, exit 2, the file deleted", async () => {
    const ckpt = tempDir("corrupt")
    const r = await setup(ckpt, ["--archives", manifest(ckpt, [{ name: "pretrained_ckpt.zip", kind: "zip", target: "pretrained_ckpt", md5: "0".repeat(32) }])])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("checksum_mismatch")
    expect(fs.readdirSync(path.join(ckpt, "downloads"))).toEqual([])
    expect(fs.existsSync(path.join(ckpt, "pretrained_ckpt"))).toBe(false)
  })

  test.each([
    ["escaping.zip", "'..'"],
    ["linking.zip", "symbolic link"],
  ])("%s is refused before anything is written", async (name, why) => {
    const ckpt = tempDir("hostile")
    const r = await setup(ckpt, ["--archives", manifest(ckpt, [{ name, kind: "zip", target: "finetuned_ckpt" }])])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain(why)
    expect(fs.existsSync(path.join(ckpt, "escaped.txt"))).toBe(false)
    expect(fs.existsSync(path.join(ckpt, "finetuned_ckpt"))).toBe(false)
  })

  test("a manifest target climbing out with '..' is refused before anything is downloaded or written", async () => {
    const outside = tempDir("outside")
    const ckpt = path.join(outside, "a", "ckpt")
    fs.mkdirSync(ckpt, { recursive: true })
    const before = log.length
    const m = manifest(outside, [{ name: "scaler_all.pkl", kind: "file", target: "../../X.pkl" }])
    const r = await setup(ckpt, ["--archives", m])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("../../X.pkl")
    expect(e?.message).toContain("scaler_all.pkl")
    expect(fs.existsSync(path.join(outside, "X.pkl"))).toBe(false)
    expect(log.length).toBe(before)
    expect(fs.readdirSync(ckpt)).toEqual([])
  }, 60_000)

  test("a manifest name climbing out with '..' and a wrong MD5 under --skip-download deletes nothing outside", async () => {
    const outside = tempDir("victim")
    const ckpt = path.join(outside, "a", "ckpt")
    fs.mkdirSync(path.join(ckpt, "downloads"), { recursive: true })
    const victim = path.join(outside, "victim.txt")
    fs.writeFileSync(victim, "precious")
    const file = path.join(outside, "archives.json")
    fs.writeFileSync(file, JSON.stringify([{ name: "../../victim.txt", url: `${base}/victim.txt`, md5: "0".repeat(32), size: 8, kind: "file", target: "descriptor_scaler.pkl" }]))
    const r = await setup(ckpt, ["--archives", file, "--skip-download"])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e?.code).toBe("validation_error")
    expect(e?.message).toContain("../../victim.txt")
    expect(fs.readFileSync(victim, "utf8")).toBe("precious")
  }, 60_000)

  test("a manifest target under a symbolic link leading outside, or an absolute one, is refused", async () => {
    const outside = tempDir("linked")
    const ckpt = tempDir("linking-ckpt")
    fs.symlinkSync(outside, path.join(ckpt, "sub"))
    const r = await setup(ckpt, ["--archives", manifest(ckpt, [{ name: "scaler_all.pkl", kind: "file", target: "sub/descriptor_scaler.pkl" }])])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("validation_error")
    expect(errorOf(r.stderr)?.message).toContain("symbolic link")
    expect(fs.readdirSync(outside)).toEqual([])
    const abs = await setup(ckpt, ["--archives", manifest(ckpt, [{ name: "scaler_all.pkl", kind: "file", target: path.join(outside, "x.pkl") }])])
    expect(abs.code).toBe(2)
    expect(errorOf(abs.stderr)?.message).toContain("absolute")
    expect(fs.readdirSync(outside)).toEqual([])
    // A nested relative target that stays inside is fine.
    const nested = await setup(ckpt, ["--archives", manifest(ckpt, [{ name: "scaler_all.pkl", kind: "file", target: "extra/descriptor_scaler.pkl" }, { name: "pretrained_ckpt.zip", kind: "zip", target: "pretrained_ckpt" }])])
    expect(fs.readFileSync(path.join(ckpt, "extra", "descriptor_scaler.pkl"))).toEqual(Buffer.from(scaler))
    expect(errorOf(nested.stderr)?.message ?? "").not.toContain("extra/")
  }, 60_000)

  test("a truncated archive whose MD5 matches (the list was made from the damaged file): a clear message, not FILE_ENDED", async () => {
    const ckpt = tempDir("truncated")
    files.set("truncated.zip", { body: pretrained.subarray(0, pretrained.length - 100) })
    const r = await setup(ckpt, ["--archives", manifest(ckpt, [{ name: "truncated.zip", kind: "zip", target: "pretrained_ckpt" }])])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr) as { code: string; message: string; action?: string } | undefined
    expect(e?.code).toBe("checksum_mismatch")
    expect(e?.message).toContain("truncated.zip matches its MD5")
    expect(e?.message).toContain("it is truncated, or not a zip archive")
    expect(e?.message).not.toContain("FILE_ENDED")
    expect(e?.action).toContain("get a complete truncated.zip")
    expect(fs.existsSync(path.join(ckpt, "pretrained_ckpt"))).toBe(false)
  }, 60_000)

  test("8 concurrent setups leave one consistent result and download each archive once", async () => {
    const ckpt = tempDir("concurrent")
    const m = manifest(ckpt, PUBLISHED_LIKE)
    const before = log.length
    const procs = Array.from({ length: 8 }, () => Bun.spawn([periogtBinary(), "setup", "--archives", m], { env: setupEnv(ckpt), stdout: "pipe", stderr: "pipe" }))
    const codes = await Promise.all(procs.map((p) => p.exited))
    expect(codes).toEqual(Array(8).fill(0))
    const statuses = await Promise.all(procs.map(async (p) => (JSON.parse(await new Response(p.stdout).text()) as { status: string }).status))
    expect(statuses.filter((s) => s === "updated")).toHaveLength(1)
    expect(log.slice(before).map((l) => l.file).sort()).toEqual(["finetuned_ckpt.zip", "pretrained_ckpt.zip", "scaler_all.pkl"])
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(ckpt, "index.json"), "utf8")) as object)).toEqual(["egc", "eps", "nc"])
    expect(fs.readdirSync(ckpt).filter((f) => f.startsWith(".staging") || f.endsWith(".tmp") || f === ".setup.lock")).toEqual([])
  })

  test("--from DIR: a compute node sets up from archives a login node downloaded", async () => {
    const mirror = tempDir("mirror")
    for (const n of ["pretrained_ckpt.zip", "finetuned_ckpt.zip", "scaler_all.pkl"]) fs.writeFileSync(path.join(mirror, n), files.get(n)!.body)
    const ckpt = tempDir("fromdir")
    const before = log.length
    const r = await setup(ckpt, ["--archives", manifest(ckpt, PUBLISHED_LIKE), "--from", mirror])
    expect(r.code).toBe(0)
    expect(log.length).toBe(before)
    expect(fs.existsSync(path.join(ckpt, "finetuned_ckpt", "eps", "best_model.pth"))).toBe(true)
  })

  test("--skip-download: a directory prepared by hand (or by the Python backend) is used as it is", async () => {
    const ckpt = tempDir("byhand")
    fs.mkdirSync(path.join(ckpt, "pretrained_ckpt"))
    fs.writeFileSync(path.join(ckpt, "pretrained_ckpt", "base.pth"), tinyPretrained)
    fs.mkdirSync(path.join(ckpt, "finetuned_ckpt", "tg"), { recursive: true })
    fs.writeFileSync(path.join(ckpt, "finetuned_ckpt", "tg", "best_model.pth"), tinyFinetuned)
    fs.writeFileSync(path.join(ckpt, "descriptor_scaler.pkl"), "x")
    fs.writeFileSync(path.join(ckpt, "label_stats.json"), JSON.stringify({ tg: { mean: 400, std: 90 } }))
    const r = await setup(ckpt, ["--skip-download"])
    expect(r.code).toBe(0)
    expect(JSON.parse(fs.readFileSync(path.join(ckpt, "label_stats.json"), "utf8"))).toEqual({ tg: { mean: 400, std: 90 } })
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(ckpt, "index.json"), "utf8")) as object)).toEqual(["tg"])
    // A damaged checkpoint is refused with model_load_failed naming the file.
    fs.writeFileSync(path.join(ckpt, "finetuned_ckpt", "tg", "best_model.pth"), tinyFinetuned.subarray(0, 5000))
    const damaged = await setup(ckpt, ["--skip-download"])
    expect(damaged.code).toBe(2)
    expect(errorOf(damaged.stderr)?.code).toBe("model_load_failed")
    expect(errorOf(damaged.stderr)?.message).toContain("best_model.pth")
    const empty = tempDir("nothing")
    const missing = await setup(empty, ["--skip-download"])
    expect(missing.code).toBe(2)
    expect(errorOf(missing.stderr)?.code).toBe("checkpoint_missing")
  })
})

describe("convert", () => {
  test("converts a hand-placed checkpoint directory, records the ONNX paths in the index, then changes nothing", async () => {
    const ckpt = tempDir("convert")
    fs.mkdirSync(path.join(ckpt, "pretrained_ckpt"))
    fs.writeFileSync(path.join(ckpt, "pretrained_ckpt", "base.pth"), tinyPretrained)
    fs.mkdirSync(path.join(ckpt, "finetuned_ckpt"))
    fs.writeFileSync(path.join(ckpt, "finetuned_ckpt", "eps.pth"), tinyFinetuned)
    const env = setupEnv(ckpt)
    // A checkpoint linked from elsewhere (a shared project space) counts like a file.
    const shared = tempDir("shared-ckpt")
    fs.writeFileSync(path.join(shared, "egc.pth"), tinyFinetuned)
    fs.symlinkSync(path.join(shared, "egc.pth"), path.join(ckpt, "finetuned_ckpt", "egc.pth"))
    const first = await runAsync([periogtBinary(), "convert"], { env })
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ status: "updated", converted: { pretrained: "converted", eps: "converted", egc: "converted" } })
    const index = JSON.parse(fs.readFileSync(path.join(ckpt, "index.json"), "utf8")) as Record<string, { onnx: string }>
    expect(index["eps"]!.onnx).toBe(path.join(ckpt, "onnx", "finetuned", "eps.onnx"))
    const second = await runAsync([periogtBinary(), "convert"], { env })
    expect(JSON.parse(second.stdout)).toMatchObject({ status: "unchanged", converted: { pretrained: "unchanged", eps: "unchanged", egc: "unchanged" } })
    // A pretrained checkpoint passed off as a finetuned one is refused, naming the file.
    fs.writeFileSync(path.join(ckpt, "finetuned_ckpt", "nc.pth"), tinyPretrained)
    const wrong = await runAsync([periogtBinary(), "convert"], { env })
    expect(wrong.code).toBe(2)
    expect(errorOf(wrong.stderr)?.code).toBe("model_load_failed")
    expect(errorOf(wrong.stderr)?.message).toContain("nc.pth")
  })
})
