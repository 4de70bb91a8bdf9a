import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { csvRecords } from "../../core/io/csv/index.ts"
import { tempDir } from "../support/binary.ts"
import { committedRows, waitFor } from "../support/process.ts"

const HARNESS = path.join(import.meta.dir, "batchHarness.ts")
const ROWS = 3000

const makeInput = (dir: string) => {
  const file = path.join(dir, "in.csv")
  let text = "id,smiles\r\n"
  for (let i = 1; i <= ROWS; i++) text += i % 97 === 0 ? `p${i},"C,C${i}"\r\n` : `p${i},*CC(${"C".repeat(i % 13)})*\r\n`
  fs.writeFileSync(file, text)
  return file
}
const harness = (input: string, output: string, chunk = 7, delay = 1) =>
  Bun.spawn(["bun", HARNESS, input, output, String(chunk), String(delay)], { stdout: "pipe", stderr: "pipe" })

const rowsOf = async (file: string) => {
  const out: Array<ReadonlyArray<string>> = []
  for await (const r of csvRecords(fs.createReadStream(file))) if (r.ok) out.push(r.fields)
  return out
}

test("uninterrupted: one row per (input row, property), in order, failures as rows, exit 1", async () => {
  const dir = tempDir("batch")
  const input = makeInput(dir)
  const output = path.join(dir, "out.csv")
  const p = harness(input, output, 50, 0)
  expect(await p.exited).toBe(1)
  const rows = await rowsOf(output)
  expect(rows[0]).toEqual(["id", "smiles", "property", "prediction_value", "prediction_units", "ok", "error_code", "error_message", "request_id"])
  expect(rows.length).toBe(1 + 2 * ROWS)
  expect(rows[2 * 97 - 1]).toMatchObject({ 0: "p97", 2: "eps", 5: "false", 6: "validation_error" })
  expect(fs.existsSync(`${output}.partial`) || fs.existsSync(`${output}.progress`)).toBe(false)
}, 60_000)

test("killed (SIGKILL) at 25 random points and restarted each time: every row exactly once, byte-identical to an uninterrupted run", async () => {
  const dir = tempDir("kill")
  const input = makeInput(dir)
  const reference = path.join(dir, "reference.csv")
  expect(await harness(input, reference, 7, 0).exited).toBe(1)
  const output = path.join(dir, "out.csv")
  let seed = 12345
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  let kills = 0
  // A 5 ms cost per chunk of 7 rows keeps the whole job near 2 s, so 25 kills land while it runs.
  while (kills < 25 && !fs.existsSync(output)) {
    const p = harness(input, output, 7, 5)
    await Bun.sleep(30 + rand() * 150)
    p.kill("SIGKILL")
    if ((await p.exited) === 1) break
    kills++
    expect(fs.existsSync(output)).toBe(false) // never a final file before completion
  }
  if (!fs.existsSync(output)) expect(await harness(input, output, 7, 0).exited).toBe(1)
  expect(kills).toBe(25)
  expect(fs.readFileSync(output)).toEqual(fs.readFileSync(reference))
}, 300_000) // 26 processes: far over bun's default 5 s on a busy machine

test("SIGTERM (Slurm's walltime): commits, records progress, exits 2; the same command finishes the job", async () => {
  const dir = tempDir("term")
  const input = makeInput(dir)
  const output = path.join(dir, "out.csv")
  const p = harness(input, output, 7, 2)
  // under way once the journal records a committed chunk (a fixed sleep failed on a busy machine)
  await waitFor(() => committedRows(`${output}.progress`) > 0, 60_000, "the first committed chunk")
  p.kill("SIGTERM")
  expect(await p.exited).toBe(2)
  const summary = JSON.parse(await new Response(p.stdout).text()) as { rows: number; interrupted: boolean }
  expect(summary.interrupted).toBe(true)
  expect(summary.rows).toBeGreaterThan(0)
  expect(summary.rows).toBeLessThan(ROWS)
  expect(fs.existsSync(output)).toBe(false)
  const again = harness(input, output, 7, 0)
  expect(await again.exited).toBe(1)
  const resumed = JSON.parse(await new Response(again.stdout).text()) as { resumedFrom: number; failedRows: number }
  expect(resumed.resumedFrom).toBe(summary.rows)
  expect(resumed.failedRows).toBe(Math.floor(ROWS / 97))
  expect((await rowsOf(output)).length).toBe(1 + 2 * ROWS)
}, 120_000)

test("a journal from another job is not resumed from", async () => {
  const dir = tempDir("other")
  const input = makeInput(dir)
  const output = path.join(dir, "out.csv")
  const p = harness(input, output, 7, 2)
  await waitFor(() => committedRows(`${output}.progress`) > 0, 60_000, "the first committed chunk")
  p.kill("SIGKILL")
  await p.exited
  fs.appendFileSync(input, "p9999,*CCO*\n")
  const again = harness(input, output, 50, 0)
  expect(await again.exited).toBe(1)
  expect(JSON.parse(await new Response(again.stdout).text())).toMatchObject({ resumedFrom: 0 })
  expect((await rowsOf(output)).length).toBe(1 + 2 * (ROWS + 1))
}, 120_000)
