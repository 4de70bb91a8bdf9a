import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { usableCores } from "../../core/config/cores.ts"
import { isPeriogtError, type PeriogtError } from "../../core/errors/index.ts"
import { readStandardScaler, type StandardScalerParams } from "../../core/io/pickle/index.ts"
import { featurizeForNetwork } from "../../core/pipeline/Featurizer.ts"
import type { NetworkInput } from "../../core/pipeline/network.ts"
import { rdkitRanks } from "../../core/pipeline/ranks.ts"
import { makeFeaturizePool, type FeaturizePool } from "../../core/pipeline/workers/pool.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { csvColumn } from "../support/csvColumn.ts"

/**
 * The featurization workers against the main thread: the same function on the same inputs must give
 * the same arrays, bit for bit, and the same errors (class, code, message, details). A worker that dies
 * fails only its repeat unit and is replaced (a crashing test worker, test/pipeline/fixtures).
 */
const FIXTURES = path.join(import.meta.dir, "../fixtures/polymers")
const CRASHING = path.join(import.meta.dir, "fixtures/crashingWorker.ts")
const has = fs.existsSync(SHARED_SCALER)
if (!has) console.warn(`skipping the worker-pool tests: upstream's descriptor scaler is not at ${SHARED_SCALER} (../shared is absent)`)

/** Every own field of a NetworkInput as bytes/values, so equality is bit for bit (NaN and -0 included). */
const bits = (x: NetworkInput | PeriogtError): unknown => {
  if (isPeriogtError(x)) return { error: x.constructor.name, tag: x._tag, code: x.code, message: x.message, action: x.action, details: x.details }
  const v = (u: unknown): unknown => (ArrayBuffer.isView(u) ? { type: u.constructor.name, bytes: Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("base64") } : Array.isArray(u) ? u.map(v) : u)
  return { graphs: x.graphs.map((g) => Object.fromEntries(Object.entries(g).map(([k, u]) => [k, v(u)]))), fp: v(x.fp), md: v(x.md) }
}

let scaler: StandardScalerParams
let sample: Array<string> = []
let pool: FeaturizePool | undefined

beforeAll(async () => {
  if (!has) return
  scaler = await readStandardScaler(SHARED_SCALER)
  const valid = await csvColumn(path.join(FIXTURES, "valid.csv"), "smiles")
  const invalid = await csvColumn(path.join(FIXTURES, "invalid.csv"), "smiles")
  // ~30 units across the families (every 10th valid one), 8 invalid ones across the rules, and repeats.
  sample = [...valid.filter((_, i) => i % 10 === 0), ...invalid.filter((_, i) => i % 5 === 2), valid[0]!, valid[10]!]
})
afterAll(async () => pool?.close())

describe.skipIf(!has)("featurization workers", () => {
  test("pool output equals featurizeForNetwork in the main thread, bit for bit, errors included (valid and invalid test-set units)", async () => {
    const rdkit = await loadRDKit()
    const ranks = rdkitRanks(rdkit)
    const want = sample.map((s) => bits(featurizeForNetwork(rdkit, s, ranks, scaler)))
    pool = makeFeaturizePool({ size: 2, scaler })
    const got = (await Promise.all(sample.map((s) => pool!.featurize(s)))).map(bits)
    expect(sample.length).toBeGreaterThanOrEqual(30)
    expect(got.filter((g) => (g as { error?: string }).error !== undefined).length).toBeGreaterThanOrEqual(8)
    for (const [i, s] of sample.entries()) expect({ smiles: s, out: got[i] }).toEqual({ smiles: s, out: want[i] })
    expect(pool.alive()).toBe(2)
    // the reply's buffers were transferred, not copied: what arrived is a whole buffer of its own
    const one = (await pool.featurize(sample[0]!)) as NetworkInput
    expect(one.md.buffer.byteLength).toBe(one.md.byteLength)
  }, 300_000)

  test("a pool asked for more workers than the cores this process may use starts no more than those (PERIOGT_WORKERS=1e3 once exhausted memory)", async () => {
    const big = makeFeaturizePool({ size: 1000, scaler })
    try {
      const out = await Promise.all(sample.slice(0, 20).map((s) => big.featurize(s)))
      expect(out).toHaveLength(20)
      expect(big.size).toBe(usableCores())
      expect(big.alive()).toBeLessThanOrEqual(usableCores())
    } finally {
      await big.close()
    }
  }, 300_000)

  test("a unit whose descriptors MinimalLib reads: the pool tells onFallback what the main thread does (the debug log is the same with workers)", async () => {
    const rdkit = await loadRDKit()
    const ranks = rdkitRanks(rdkit)
    // double-bond stereo set through the wildcard bond: the TypeScript oligomer builder leaves it to MinimalLib
    const smiles = "*/C=C/CC*"
    const here: Array<[string, number, string]> = []
    featurizeForNetwork(rdkit, smiles, ranks, scaler, (s, n, reason) => here.push([s, n, reason]))
    expect(here.length).toBeGreaterThan(0)
    const there: Array<[string, number, string]> = []
    const own = makeFeaturizePool({ size: 1, scaler, onFallback: (s, n, reason) => there.push([s, n, reason]) })
    try {
      expect(isPeriogtError(await own.featurize(smiles))).toBe(false)
      expect(there).toEqual(here)
      // a unit built wholly in TypeScript reports none
      there.length = 0
      await own.featurize("*CC(*)c1ccccc1")
      expect(there).toEqual([])
    } finally {
      await own.close()
    }
  }, 300_000)

  test("a worker that dies fails only its unit (internal_error, the unit in details) and is replaced", async () => {
    const crashes: Array<string> = []
    const p = makeFeaturizePool({ size: 2, scaler, entry: CRASHING, onCrash: (s) => crashes.push(s) })
    try {
      const units = ["*CC*", "*CRASH_EXIT*", "*C(C)C*", "*CRASH_STACK*", "*CC(*)c1ccccc1", "*CRASH_THROW*", "*CC*"]
      const out = await Promise.all(units.map((s) => p.featurize(s)))
      const codes = out.map((o) => (isPeriogtError(o) ? o.code : "ok"))
      expect(codes).toEqual(["ok", "internal_error", "ok", "internal_error", "ok", "internal_error", "ok"])
      expect((out[1] as PeriogtError).details).toMatchObject({ stage: "featurize", smiles: "*CRASH_EXIT*" })
      expect((out[3] as PeriogtError).details).toMatchObject({ stage: "featurize", smiles: "*CRASH_STACK*" })
      expect((out[3] as PeriogtError).message).toContain("stopped its worker thread")
      // a throwing featurizer is reported like in the main thread (toPeriogtError), and its worker replaced too
      expect((out[5] as PeriogtError).message).toContain("unexpected failure")
      expect(crashes).toEqual(["*CRASH_EXIT*", "*CRASH_STACK*"])
      // after the crashes the pool still works, with fresh workers
      const again = await p.featurize("*CC*")
      expect(isPeriogtError(again)).toBe(false)
      expect(p.alive()).toBeLessThanOrEqual(2)
    } finally {
      await p.close()
    }
    expect(p.alive()).toBe(0)
    expect(await p.featurize("*CC*")).toMatchObject({ code: "internal_error" })
  }, 120_000)

  test("workers that cannot start: every request fails with internal_error saying so (no hang, no respawn loop)", async () => {
    const p = makeFeaturizePool({ size: 2, scaler, entry: path.join(import.meta.dir, "fixtures/no-such-worker.ts") })
    try {
      const out = await Promise.all(["*CC*", "*C(C)C*", "*CCO*"].map((s) => p.featurize(s)))
      for (const o of out) expect(o).toMatchObject({ code: "internal_error" })
      expect((out.at(-1) as PeriogtError).message).toContain("cannot start")
    } finally {
      await p.close()
    }
  }, 60_000)
})
