import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { periogtBinary, runAsync, tempDir } from "../support/binary.ts"

const PROPERTIES = 150
const WRITERS = 8
const READERS = 4
const ROUNDS = 60

const makeCheckpointDir = () => {
  const dir = tempDir("index")
  fs.mkdirSync(path.join(dir, "pretrained_ckpt", "pretrained"), { recursive: true })
  fs.writeFileSync(path.join(dir, "pretrained_ckpt", "pretrained", "base.pth"), "placed by hand")
  fs.writeFileSync(path.join(dir, "descriptor_scaler.pkl"), "placed by hand")
  for (let i = 0; i < PROPERTIES; i++) {
    const p = path.join(dir, "finetuned_ckpt", `prop${String(i).padStart(3, "0")}`)
    fs.mkdirSync(p, { recursive: true })
    fs.writeFileSync(path.join(p, "best_model.pth"), "not a real checkpoint: setup --skip-download only indexes")
  }
  return dir
}

describe("index.json under concurrent generation", () => {
  test(`${WRITERS} processes rewriting index.json at once while ${READERS} read it: never a partial or corrupt index`, async () => {
    const dir = makeCheckpointDir()
    const index = path.join(dir, "index.json")
    const stop = path.join(dir, "..", `${path.basename(dir)}.stop`)
    const readers = Array.from({ length: READERS }, () =>
      Bun.spawn(["bun", path.join(import.meta.dir, "readIndexLoop.ts"), index, stop, String(PROPERTIES)], { stdout: "pipe", stderr: "inherit" }),
    )
    const writers = Array.from({ length: WRITERS }, () =>
      Bun.spawn(["bun", path.join(import.meta.dir, "writeIndexLoop.ts"), dir, String(ROUNDS)], { stdout: "inherit", stderr: "inherit" }),
    )
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual(Array(WRITERS).fill(0))
    fs.writeFileSync(stop, "")
    const reports = await Promise.all(readers.map(async (r) => JSON.parse(await new Response(r.stdout).text()) as { absent: number; complete: number; corrupt: number; examples: Array<string> }))
    fs.rmSync(stop)
    for (const r of reports) {
      expect(r.examples).toEqual([])
      expect(r.corrupt).toBe(0)
    }
    expect(reports.reduce((n, r) => n + r.complete, 0)).toBeGreaterThan(0)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([])
  }, 120_000)

  test("a second setup changes nothing and says so", async () => {
    const bin = periogtBinary()
    const dir = tempDir("again")
    const tiny = path.resolve(import.meta.dir, "../fixtures/model/tiny")
    fs.mkdirSync(path.join(dir, "pretrained_ckpt"))
    fs.copyFileSync(path.join(tiny, "pretrained.pth"), path.join(dir, "pretrained_ckpt", "base.pth"))
    for (const p of ["eps", "nc"]) {
      fs.mkdirSync(path.join(dir, "finetuned_ckpt", p), { recursive: true })
      fs.copyFileSync(path.join(tiny, "finetuned.pth"), path.join(dir, "finetuned_ckpt", p, "best_model.pth"))
    }
    fs.writeFileSync(path.join(dir, "descriptor_scaler.pkl"), "placed by hand")
    const env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: dir }
    const first = await runAsync([bin, "setup", "--skip-download"], { env })
    const mtime = fs.statSync(path.join(dir, "index.json")).mtimeMs
    const onnxMtime = fs.statSync(path.join(dir, "onnx", "finetuned", "eps.onnx")).mtimeMs
    const second = await runAsync([bin, "setup", "--skip-download"], { env })
    expect(JSON.parse(first.stdout).status).toBe("updated")
    expect(JSON.parse(second.stdout).status).toBe("unchanged")
    expect(fs.statSync(path.join(dir, "index.json")).mtimeMs).toBe(mtime)
    expect(fs.statSync(path.join(dir, "onnx", "finetuned", "eps.onnx")).mtimeMs).toBe(onnxMtime)
  }, 60_000)
})
