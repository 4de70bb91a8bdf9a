import { afterAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Result } from "effect"
import { runBatch } from "../../core/pipeline/batch.ts"
import type { PredictItem, PredictOutcome } from "../../core/pipeline/Predictor.ts"

/**
 * runBatch keeps two chunks in flight — the next one featurizing while the previous one runs through
 * the network — and still commits in input order. A stand-in predict records when each chunk starts
 * and ends; a chunk that fails stops the run with its error, the committed rows kept.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-overlap-"))
const input = path.join(dir, "in.csv")
fs.writeFileSync(input, ["id,smiles", ...Array.from({ length: 40 }, (_, i) => `u${i},*C${"C".repeat(i % 5)}*`)].join("\n") + "\n")

const run = (output: string, predict: (items: ReadonlyArray<PredictItem>) => Promise<ReadonlyArray<PredictOutcome>>) =>
  runBatch({ input, output, properties: ["eps"], jobKey: "overlap", predict, chunkRows: 10, progress: { update: () => {}, finish: () => {} }, shouldStop: () => false })

const values = (items: ReadonlyArray<PredictItem>): ReadonlyArray<PredictOutcome> =>
  items.map((it) => ({ ok: true, smiles: it.smiles, embedding: undefined, values: [{ property: "eps", value: it.smiles.length, units: "u", checkpoint: "test" }] }))

test("the next chunk starts before the previous one is done; rows come out in input order", async () => {
  const events: Array<string> = []
  let chunk = 0
  const out = path.join(dir, "ordered.csv")
  const r = await run(out, async (items) => {
    const k = chunk++
    events.push(`start ${k}`)
    // later chunks finish sooner: order must come from the commits, not from completion
    await Bun.sleep(80 - 20 * k)
    events.push(`end ${k}`)
    return values(items)
  })
  expect(Result.isSuccess(r)).toBe(true)
  expect(events.indexOf("start 1")).toBeLessThan(events.indexOf("end 0"))
  const ids = fs.readFileSync(out, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0])
  expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => `u${i}`))
})

test("a chunk that fails ends the run with its error; the chunks before it are committed", async () => {
  let chunk = 0
  const out = path.join(dir, "failing.csv")
  await expect(
    run(out, async (items) => {
      const k = chunk++
      await Bun.sleep(10)
      if (k === 2) throw new Error("network failed")
      return values(items)
    }),
  ).rejects.toThrow("network failed")
  expect(fs.existsSync(out)).toBe(false)
  // header + the 20 rows of chunks 0 and 1; the journal's last entry says so
  expect(fs.readFileSync(`${out}.partial`, "utf8").trim().split("\n").length).toBe(21)
  const journal = fs.readFileSync(`${out}.progress`, "utf8").trim().split("\n")
  expect(JSON.parse(journal.at(-1)!)).toMatchObject({ rows: 20 })
})

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
