/**
 * Training-environment fidelity end to end (issue 22), tiny synthetic checkpoints: on every unit whose
 * capped oligomers keep a hydrogen atom (test set and datasets: test/fixtures/trainingEnv/units.csv),
 * periogt's prediction and embedding equal upstream's whole pipeline (tools/oracle/pipeline.py, RDKit
 * 2022.09.5 oracle) fed PerioGT's training-environment fingerprints instead of its own
 * (`--training-fp`: RDKit 2021.09.2's bits of the capped 3-mer, tools/oracle/training_env37.py), within
 * 1e-5 relative. The fingerprint handed to ONNX Runtime is RDKit 2021.09.2's, bit for bit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import type { Engine } from "../../core/pipeline/engine.ts"
import { makePredictor } from "../../core/pipeline/makePredictor.ts"
import type { NetworkInput } from "../../core/pipeline/network.ts"
import { ValidationError } from "../../core/errors/index.ts"
import { relErr } from "../model/fixture.ts"
import { SHARED_SCALER } from "../support/checkpoints.ts"
import { tinyEngineWithInputs } from "../support/tinyEngine.ts"
import { loadTrainingEnv, TRAINING_ENV_DIR } from "../chem/support/trainingEnv.ts"

interface OracleUnit {
  readonly id: string
  readonly smiles: string
  readonly error?: string
  readonly value?: number
  readonly embedding?: number[]
  readonly fp_on?: number[]
}
const FIXTURE = path.join(TRAINING_ENV_DIR, "network-tiny.json.gz")
const fixture = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(fs.readFileSync(FIXTURE)))) as {
  meta: { label_stats: { mean: number; std: number } }
  units: OracleUnit[]
}
const training = new Map(loadTrainingEnv().units.map((u) => [u.id, u]))
const enabled = fs.existsSync(SHARED_SCALER)
if (!enabled) console.warn(`skipping the training-environment end-to-end test: upstream's descriptor scaler is not at ${SHARED_SCALER} (../shared is absent)`)
const run = enabled ? test : test.skip

describe("training environment end to end: tiny checkpoints, every unit that keeps a hydrogen atom", () => {
  let inputs = new Map<string, NetworkInput | ValidationError>()
  let engine: Engine | undefined
  beforeAll(async () => {
    if (!enabled) return
    ;({ engine, inputs } = await tinyEngineWithInputs("training-env", fixture.meta.label_stats, fixture.units))
  }, 600_000)
  afterAll(async () => {
    await engine?.release()
  })

  test("the reference covers every unit of the training-environment fixtures, with its 2021.09.2 bits", () => {
    expect(fixture.units.map((u) => u.id).sort()).toEqual([...training.keys()].sort())
    for (const u of fixture.units) {
      expect(u.error).toBeUndefined()
      expect({ id: u.id, on: u.fp_on }).toEqual({ id: u.id, on: [...training.get(u.id)!.mols["3"]!.fp!.on] })
    }
  })

  run("the fingerprint handed to ONNX Runtime is RDKit 2021.09.2's", () => {
    const report: string[] = []
    for (const u of fixture.units) {
      const mine = inputs.get(u.id)!
      if (mine instanceof ValidationError) {
        report.push(`${u.id}: ${mine.message}`)
        continue
      }
      const got = Array.from(mine.fp.keys()).filter((i) => mine.fp[i] === 1)
      if (JSON.stringify(got) !== JSON.stringify(u.fp_on)) report.push(`${u.id} ${u.smiles}: other bits`)
    }
    expect(report).toEqual([])
  })

  run("predictions and embeddings within 1e-5 of upstream's pipeline fed the training environment's fingerprints", async () => {
    const predictor = makePredictor(engine!, async (s) => inputs.get(fixture.units.find((u) => u.smiles === s)!.id)!, [{ id: "eps", label: "ε", units: "", checkpoint: "eps/best_model.pth" }])
    const out = await Effect.runPromise(predictor.predict(fixture.units.map((u) => ({ smiles: u.smiles, properties: ["eps"], returnEmbedding: true }))))
    const report: string[] = []
    let worst = 0
    let worstEmbedding = 0
    for (const [k, u] of fixture.units.entries()) {
      const o = out[k]!
      if (!o.ok) {
        report.push(`${u.id}: ${o.error.code} ${o.error.message}`)
        continue
      }
      // values are rounded to 6 decimals in every response, as the Python backend rounds them
      const rel = Math.abs(o.values[0]!.value - u.value!) / Math.max(Math.abs(u.value!), 1)
      const re = relErr(o.embedding!, Float32Array.from(u.embedding!))
      worst = Math.max(worst, rel)
      worstEmbedding = Math.max(worstEmbedding, re)
      if (!(rel <= 1e-5) || !(re <= 1e-5)) report.push(`${u.id} ${u.smiles}: ${o.values[0]!.value} vs ${u.value} (rel ${rel.toExponential(2)}), embedding rel ${re.toExponential(2)}`)
    }
    console.log(`training environment, tiny end to end: ${fixture.units.length} units, max relative error of values ${worst.toExponential(2)}, of embeddings ${worstEmbedding.toExponential(2)}`)
    expect(report).toEqual([])
  }, 300_000)
})
