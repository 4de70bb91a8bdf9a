import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { csvRecords } from "../../core/io/csv/index.ts"
import { ResumableOutput } from "../../core/io/resumableOutput.ts"
import { waitFor } from "../support/process.ts"
import { errorOf, periogtBinary, runAsync, tempDir } from "../support/binary.ts"
import { placeCheckpoints, SHARED_SCALER } from "../support/checkpoints.ts"

/**
 * The compiled executable end to end, as a user runs it, on the oracle's tiny synthetic checkpoints
 * (placed by hand, then `setup --skip-download`): predict, embeddings, batch — compared with upstream's
 * whole pipeline (test/fixtures/pipeline/tiny.json) — and a real batch killed and resumed.
 */
const ROOT = path.resolve(import.meta.dir, "../..")
const SCALER = SHARED_SCALER
const want = JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/pipeline/tiny.json"), "utf8")) as { units: Array<{ id: string; smiles: string; value: number; embedding: number[] }> }
const has = fs.existsSync(SCALER)
if (!has) console.warn(`skipping the executable's pipeline tests: upstream's descriptor scaler is not at ${SCALER} (../shared is absent)`)

let env: Record<string, string>
let dir: string
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

beforeAll(async () => {
  if (!has) return
  dir = tempDir("user-e2e")
  const ck = path.join(dir, "ck")
  placeCheckpoints(ck)
  env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: ck, PERIOGT_DEVICE: "cpu", PERIOGT_THREADS: "2" }
  const setup = await runAsync([periogtBinary(), "setup", "--skip-download"], { env })
  if (setup.code !== 0) throw new Error(setup.stderr)
}, 300_000)

describe.skipIf(!has)("the executable on the tiny checkpoints", () => {
  test("predict (json and csv) equals upstream's pipeline; invalid input is validation_error", async () => {
    const u = want.units.find((x) => x.id === "pes001")!
    const r = await runAsync([periogtBinary(), "predict", "--smiles", u.smiles, "--property", "eps", "--return-embedding"], { env })
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as { smiles: string; property: string; prediction: { value: number; units: string }; embedding: number[]; model: { name: string }; request_id: string }
    expect(body).toMatchObject({ smiles: u.smiles, property: "eps", model: { name: "PerioGT" } })
    expect(rel(body.prediction.value, u.value)).toBeLessThan(1e-4)
    expect(body.embedding).toHaveLength(96)
    const csv = await runAsync([periogtBinary(), "predict", "--smiles", u.smiles, "--property", "eps", "--format", "csv"], { env })
    const [smiles, property, value] = csv.stdout.trim().split(",")
    expect([smiles, property]).toEqual([u.smiles, "eps"])
    expect(rel(Number(value), u.value)).toBeLessThan(1e-4)
    const bad = await runAsync([periogtBinary(), "predict", "--smiles", "*C(*)(*)C", "--property", "eps"], { env })
    expect(bad.code).toBe(2)
    expect(errorOf(bad.stderr)?.details?.["rule"]).toBe("wildcard_count")
    const unknown = await runAsync([periogtBinary(), "predict", "--smiles", u.smiles, "--property", "tg"], { env })
    expect(errorOf(unknown.stderr)?.code).toBe("unsupported_property")
  }, 120_000)

  test("embeddings: {smiles, embedding, dim, request_id} equal upstream's", async () => {
    const u = want.units.find((x) => x.id === "con001")!
    const r = await runAsync([periogtBinary(), "embeddings", "--smiles", u.smiles], { env })
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as { embedding: number[]; dim: number }
    expect(body.dim).toBe(96)
    const err = Math.max(...body.embedding.map((x, i) => Math.abs(x - u.embedding[i]!))) / Math.max(...u.embedding.map(Math.abs))
    expect(err).toBeLessThan(1e-4)
  }, 120_000)

  test("batch: every row once, values equal upstream's, invalid rows as error rows, exit 1; killed 5 times and resumed, byte-identical", async () => {
    const input = path.join(dir, "units.csv")
    const rows = [...want.units.map((u) => [u.id, u.smiles]), ["bad1", "CCO"], ["bad2", "*C*C*"]]
    const repeated = Array.from({ length: 6 }, (_, k) => rows.map(([id, s]) => `${id}_${k},${s}`)).flat()
    fs.writeFileSync(input, "id,smiles\n" + repeated.join("\n") + "\n")
    const reference = path.join(dir, "reference.csv")
    const first = await runAsync([periogtBinary(), "batch", "--input", input, "--property", "eps", "--output", reference], { env })
    expect(first.code).toBe(1)
    const out: Array<ReadonlyArray<string>> = []
    for await (const r of csvRecords(fs.createReadStream(reference))) if (r.ok) out.push(r.fields)
    expect(out.length).toBe(1 + repeated.length)
    for (const f of out.slice(1)) {
      const u = want.units.find((x) => f[0]!.startsWith(x.id + "_"))
      if (u === undefined) expect(f.slice(5, 7)).toEqual(["false", "validation_error"])
      else expect(rel(Number(f[3]), u.value)).toBeLessThan(1e-4)
    }
    const output = path.join(dir, "resumed.csv")
    let kills = 0
    for (let attempt = 0; attempt < 40 && !fs.existsSync(output); attempt++) {
      const p = Bun.spawn([periogtBinary(), "batch", "--input", input, "--property", "eps", "--output", output], { env, stdout: "pipe", stderr: "pipe" })
      if (kills < 5) {
        await Bun.sleep(400 + ((attempt * 137) % 500))
        p.kill("SIGKILL")
        if ((await p.exited) !== 1) kills++
      } else await p.exited
    }
    expect(kills).toBe(5)
    expect(fs.readFileSync(output)).toEqual(fs.readFileSync(reference))
  }, 300_000)

  test("batch --input - (rows piped in) equals batch of the file; killed, the same rows piped in again resume it; no copy of the input is left", async () => {
    const rows = [...want.units.map((u) => [u.id, u.smiles]), ["bad1", "CCO"]]
    const input = path.join(dir, "piped.csv")
    // long enough that no machine finishes it between the first committed chunk and the kill
    fs.writeFileSync(input, "id,smiles\n" + Array.from({ length: 100 }, (_, k) => rows.map(([id, s]) => `${id}_${k},${s}`)).flat().join("\n") + "\n")
    const reference = path.join(dir, "piped-reference.csv")
    expect((await runAsync([periogtBinary(), "batch", "--input", input, "--property", "eps", "--output", reference], { env })).code).toBe(1)

    const output = path.join(dir, "piped.out.csv")
    const piped = () => Bun.spawn([periogtBinary(), "batch", "--input", "-", "--property", "eps", "--output", output], { env, stdin: Bun.file(input), stdout: "pipe", stderr: "pipe" })
    const killed = piped()
    const journal = ResumableOutput.journalPath(output)
    // the header commit is the journal's second line; a third is a chunk of rows
    await waitFor(() => fs.existsSync(journal) && fs.readFileSync(journal, "utf8").split("\n").filter((l) => l !== "").length >= 3, 120_000, "a first chunk of piped rows to be committed")
    killed.kill("SIGKILL")
    await killed.exited
    expect(fs.existsSync(output)).toBe(false)

    const resumed = piped()
    const [code, stdout] = await Promise.all([resumed.exited, new Response(resumed.stdout).text()])
    expect(code).toBe(1)
    expect((JSON.parse(stdout) as { resumed_from: number }).resumed_from).toBeGreaterThan(0)
    expect(fs.readFileSync(output)).toEqual(fs.readFileSync(reference))
    expect(fs.existsSync(`${output}.input`)).toBe(false)

    // a pipe named by path (bash's process substitution: /dev/fd/N) is copied the same way
    const substituted = path.join(dir, "substituted.csv")
    const viaFd = await runAsync(["bash", "-c", `${JSON.stringify(periogtBinary())} batch --input <(cat ${JSON.stringify(input)}) --property eps --output ${JSON.stringify(substituted)}`], { env })
    expect(viaFd.code).toBe(1)
    expect(fs.readFileSync(substituted)).toEqual(fs.readFileSync(reference))
    expect(fs.existsSync(`${substituted}.input`)).toBe(false)
  }, 300_000)
})
