import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { isPeriogtError, type PeriogtError } from "../../core/errors/index.ts"
import { readStandardScaler } from "../../core/io/pickle/index.ts"
import { describe as describeSmiles, type CappedUnits, type Described } from "../../core/pipeline/describe.ts"
import { makeWorkerPool, type WorkerPool } from "../../core/pipeline/workers/pool.ts"
import { loadRDKit, type RDKit } from "../../core/runtime/rdkit.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { csvColumn } from "../support/csvColumn.ts"

/**
 * "describe" requests through the worker pool (what `periogt descriptors --workers N` runs) against
 * `describe()` in the main thread: the same molecule and the same values bit for bit (NaN payloads and
 * -0 included), the same errors (class, code, message, details), raw and — with the scaler — scaled.
 */
const FIXTURES = path.join(import.meta.dir, "../fixtures/polymers")
const CRASHING = path.join(import.meta.dir, "fixtures/crashingDescribeWorker.ts")

const bits = (x: Described | PeriogtError): unknown =>
  isPeriogtError(x)
    ? { error: x.constructor.name, tag: x._tag, code: x.code, message: x.message, action: x.action, details: x.details }
    : { molecule: x.molecule, type: x.values.constructor.name, length: x.values.length, bytes: Buffer.from(x.values.buffer, x.values.byteOffset, x.values.byteLength).toString("base64") }

let rdkit: RDKit
let sample: Array<string> = []
const pools: Array<WorkerPool> = []

beforeAll(async () => {
  rdkit = await loadRDKit()
  const valid = await csvColumn(path.join(FIXTURES, "valid.csv"), "smiles")
  const invalid = await csvColumn(path.join(FIXTURES, "invalid.csv"), "smiles")
  // 12 repeat units across the families, 6 invalid ones across the rules, plain molecules, a repeat.
  sample = [...valid.filter((_, i) => i % 20 === 0), ...invalid.filter((_, i) => i % 6 === 1), "CCO", "c1ccccc1C(=O)O", "not a smiles", valid[0]!]
})
afterAll(async () => {
  for (const p of pools) await p.close()
})

const each = async (pool: WorkerPool, oligomer: CappedUnits, scaled: boolean) => (await Promise.all(sample.map((s) => pool.describe(s, { oligomer, scaled })))).map(bits)

describe("descriptors on worker threads", () => {
  test("raw: pool output equals describe() in the main thread, bit for bit, errors included (3- and 6-mers, molecules, invalid SMILES)", async () => {
    const pool = makeWorkerPool({ size: 2 })
    pools.push(pool)
    expect(sample.length).toBeGreaterThanOrEqual(20)
    for (const oligomer of [3, 6] as const) {
      const want = sample.map((s) => bits(describeSmiles(rdkit, s, { oligomer })))
      const got = await each(pool, oligomer, false)
      expect(got.filter((g) => (g as { error?: string }).error !== undefined).length).toBeGreaterThanOrEqual(6)
      expect(got.filter((g) => (g as { type?: string }).type === "Float64Array").length).toBeGreaterThanOrEqual(14)
      for (const [i, s] of sample.entries()) expect({ smiles: s, out: got[i] }).toEqual({ smiles: s, out: want[i] })
    }
    expect(pool.alive()).toBe(2)
    // the reply's buffer was transferred: what arrived is a whole buffer of its own
    const one = (await pool.describe("CCO", { oligomer: 3, scaled: false })) as Described
    expect(one.values.buffer.byteLength).toBe(one.values.byteLength)
    // a pool without the scaler refuses scaled requests (and featurization) at once, without a worker
    expect(await pool.describe("CCO", { oligomer: 3, scaled: true })).toMatchObject({ code: "internal_error" })
    expect(await pool.featurize("*CC*")).toMatchObject({ code: "internal_error" })
  }, 300_000)

  test.skipIf(!fs.existsSync(SHARED_SCALER))("scaled (--model-input): the md vector equals describe() with the scaler, bit for bit", async () => {
    const scaler = await readStandardScaler(SHARED_SCALER)
    const pool = makeWorkerPool({ size: 2, scaler })
    pools.push(pool)
    const want = sample.map((s) => bits(describeSmiles(rdkit, s, { oligomer: 3, scaler })))
    const got = await each(pool, 3, true)
    expect(got.filter((g) => (g as { type?: string }).type === "Float32Array").length).toBeGreaterThanOrEqual(14)
    for (const [i, s] of sample.entries()) expect({ smiles: s, out: got[i] }).toEqual({ smiles: s, out: want[i] })
  }, 300_000)

  test("a worker that dies while describing fails only its row (internal_error, stage describe) and is replaced", async () => {
    const crashes: Array<string> = []
    const p = makeWorkerPool({ size: 2, entry: CRASHING, onCrash: (s) => crashes.push(s) })
    try {
      const rows = ["CCO", "CRASH_EXIT", "*CC*", "CRASH_THROW", "CCN"]
      const out = await Promise.all(rows.map((s) => p.describe(s, { oligomer: 3, scaled: false })))
      expect(out.map((o) => (isPeriogtError(o) ? o.code : "ok"))).toEqual(["ok", "internal_error", "ok", "internal_error", "ok"])
      expect((out[1] as PeriogtError).details).toMatchObject({ stage: "describe", smiles: "CRASH_EXIT" })
      expect((out[1] as PeriogtError).message).toContain("stopped its worker thread")
      expect(crashes).toEqual(["CRASH_EXIT"])
      expect(isPeriogtError(await p.describe("CCO", { oligomer: 3, scaled: false }))).toBe(false)
    } finally {
      await p.close()
    }
    expect(await p.describe("CCO", { oligomer: 3, scaled: false })).toMatchObject({ code: "internal_error" })
  }, 120_000)

  test("a unit past the time limit fails alone (validation_error, rule too_slow); its worker is replaced and the others finish", async () => {
    const p = makeWorkerPool({ size: 2, entry: CRASHING, unitTimeLimitMs: 3000 })
    try {
      // Both workers warmed up first (started, RDKit loaded, each has described once), so the limit
      // measures only the hanging unit and not a cold start on a busy machine: the test once failed there.
      await Promise.all(["CCO", "CCN", "CCC", "CCCl"].map((s) => p.describe(s, { oligomer: 3, scaled: false })))
      expect(p.alive()).toBe(2)
      const rows = ["CCO", "CRASH_HANG", "*CC*", "CCN", "c1ccccc1"]
      const out = await Promise.all(rows.map((s) => p.describe(s, { oligomer: 3, scaled: false })))
      expect(out.map((o) => (isPeriogtError(o) ? o.code : "ok"))).toEqual(["ok", "validation_error", "ok", "ok", "ok"])
      expect((out[1] as PeriogtError).details).toMatchObject({ stage: "describe", rule: "too_slow", seconds: 3, smiles: "CRASH_HANG" })
      expect(p.alive()).toBeLessThanOrEqual(2)
      expect(isPeriogtError(await p.describe("CCO", { oligomer: 3, scaled: false }))).toBe(false)
    } finally {
      await p.close()
    }
  }, 120_000)
})
