import { afterAll, beforeAll, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { artifactLayout, buildIndex } from "../../core/artifacts/index.ts"
import { ValidationError } from "../../core/errors/index.ts"
import { convertCheckpoints } from "../../core/model/convert.ts"
import { loadEngine, type Engine } from "../../core/pipeline/engine.ts"
import { makePredictor } from "../../core/pipeline/makePredictor.ts"
import type { NetworkInput } from "../../core/pipeline/network.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { loadFixture, relErr, splitGraphs } from "../model/fixture.ts"
import { tempDir } from "../support/binary.ts"
import { placeCheckpoints, SHARED_SCALER, TINY_CHECKPOINTS } from "../support/checkpoints.ts"

// The engine (converted models, sessions, label statistics, scaler) and the Predictor over it, on the
// oracle's tiny checkpoints. The chemistry is replaced by the oracle's own graphs for the fixture's
// repeat units (a test double: the featurizer and descriptors are tested on their own).
const SCALER = SHARED_SCALER
const fx = loadFixture(TINY_CHECKPOINTS)
const STATS = { mean: 4.58, std: 1.11 }
let engine: Engine | undefined
if (!fs.existsSync(SCALER)) console.warn(`skipping the engine tests: upstream's descriptor scaler is not at ${SCALER} (../shared is absent)`)

const featurize = async (smiles: string): Promise<NetworkInput | ValidationError> => {
  const k = fx.meta.cases.findIndex((c) => c.smiles === smiles)
  if (k < 0) return new ValidationError({ message: `not in the fixture: ${smiles}`, details: { rule: "unparsable" } })
  return { graphs: splitGraphs(fx, `enc/poly${k}`), fp: fx.f32(`enc/poly${k}/in/fp`).slice(0, 1191), md: fx.f32(`enc/poly${k}/in/md`).slice(0, 1613) }
}

beforeAll(async () => {
  if (!fs.existsSync(SCALER)) return
  const dir = tempDir("engine")
  const layout = artifactLayout(dir)
  placeCheckpoints(layout.root)
  fs.writeFileSync(layout.labelStats, JSON.stringify({ eps: STATS }))
  const built = buildIndex(layout)
  if (built._tag !== "Success") throw new Error("index")
  const { index } = await convertCheckpoints(layout, built.success, () => {})
  engine = await loadEngine({ ort: await loadOnnxRuntime(os.tmpdir()), layout, index, properties: ["eps"], device: "cpu", threads: 2 })
}, 120_000)
afterAll(async () => engine?.release())

test.skipIf(!fs.existsSync(SCALER))("predict: de-normalized values equal upstream's forward_tune × std + mean; embeddings; per-item errors", async () => {
  const predictor = makePredictor(engine!, featurize, [{ id: "eps", label: "Dielectric constant", units: "", checkpoint: "eps/best_model.pth" }], { maxPrompt: fx.meta.max_prompt })
  const items = [...fx.meta.cases.map((c) => ({ smiles: c.smiles, properties: ["eps"], returnEmbedding: true })), { smiles: "CCO", properties: ["eps"], returnEmbedding: false }]
  const out = await Effect.runPromise(predictor.predict(items))
  const want = fx.f32("ft/out/prediction").map((v) => v * STATS.std + STATS.mean)
  const got = new Float32Array(fx.meta.cases.map((_, k) => {
    const o = out[k]!
    if (!o.ok) throw new Error(o.error.message)
    return o.values[0]!.value
  }))
  expect(relErr(got, want)).toBeLessThanOrEqual(1e-4)
  const first = out[0]!
  expect(first.ok && relErr(first.embedding!, fx.f32("enc/poly0/out/graph_emb").slice(0, 96))).toBeLessThanOrEqual(1e-4)
  expect(out.at(-1)).toMatchObject({ ok: false, smiles: "CCO", error: { code: "validation_error" } })
  const emb = await Effect.runPromise(predictor.embed([fx.meta.cases[1]!.smiles]))
  expect(emb[0]!.ok && emb[0]!.embedding.length).toBe(96)
})

test.skipIf(!fs.existsSync(SCALER))("the scaler is upstream's: 1613 descriptors", () => {
  expect(engine!.scaler.mean.length).toBe(1613)
})
