import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { periogtBinary, tempDir } from "../support/binary.ts"

const PROPERTIES = 150
const WRITERS = 8
const READERS = 4
const ROUNDS = 4

const makeCheckpointDir = () => {
  const dir = tempDir("index")
  for (const d of ["pretrained_ckpt"]) fs.mkdirSync(path.join(dir, d), { recursive: true })
  for (let i = 0; i < PROPERTIES; i++) {
    const p = path.join(dir, "finetuned_ckpt", `prop${String(i).padStart(3, "0")}`)
    fs.mkdirSync(p, { recursive: true })
    fs.writeFileSync(path.join(p, "best_model.pth"), "not a real checkpoint: setup --skip-download only indexes")
  }
  return dir
}

describe("index.json under concurrent generation", () => {
  test(`${WRITERS} setup processes at once, ${READERS} readers: never a partial or corrupt index`, async () => {
    const bin = periogtBinary()
    const dir = makeCheckpointDir()
    const index = path.join(dir, "index.json")
    const stop = path.join(dir, "..", `${path.basename(dir)}.stop`)
    const env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: dir, PERIOGT_LOG_LEVEL: "warn" }
    const readers = Array.from({ length: READERS }, () =>
      Bun.spawn(["bun", path.join(import.meta.dir, "readIndexLoop.ts"), index, stop, String(PROPERTIES)], { stdout: "pipe", stderr: "inherit" }),
    )
    let expected: string | undefined
    for (let round = 0; round < ROUNDS; round++) {
      fs.rmSync(index, { force: true })
      const writers = Array.from({ length: WRITERS }, () => Bun.spawn([bin, "setup", "--skip-download"], { env, stdout: "pipe", stderr: "pipe" }))
      const codes = await Promise.all(writers.map((w) => w.exited))
      expect(codes).toEqual(Array(WRITERS).fill(0))
      const text = fs.readFileSync(index, "utf8")
      expected ??= text
      expect(text).toBe(expected)
    }
    fs.writeFileSync(stop, "")
    const reports = await Promise.all(readers.map(async (r) => JSON.parse(await new Response(r.stdout).text()) as { absent: number; complete: number; corrupt: number; examples: Array<string> }))
    fs.rmSync(stop)
    for (const r of reports) {
      expect(r.examples).toEqual([])
      expect(r.corrupt).toBe(0)
    }
    expect(reports.reduce((n, r) => n + r.complete, 0)).toBeGreaterThan(0)
    expect(Object.keys(JSON.parse(expected!) as object)).toHaveLength(PROPERTIES)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  test("a second setup changes nothing and says so", () => {
    const bin = periogtBinary()
    const dir = makeCheckpointDir()
    const env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: dir }
    const first = Bun.spawnSync([bin, "setup", "--skip-download"], { env })
    const mtime = fs.statSync(path.join(dir, "index.json")).mtimeMs
    const second = Bun.spawnSync([bin, "setup", "--skip-download"], { env })
    expect(JSON.parse(first.stdout.toString()).status).toBe("updated")
    expect(JSON.parse(second.stdout.toString()).status).toBe("unchanged")
    expect(fs.statSync(path.join(dir, "index.json")).mtimeMs).toBe(mtime)
  })
})
