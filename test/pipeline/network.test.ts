import { afterAll, beforeAll, expect, test } from "bun:test"
import * as os from "node:os"
import { join } from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import { createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { buildEncoderModel, buildFinetunedModel } from "../../core/model/onnx/index.ts"
import { chunkByGraphs, finetunedPass, promptPass, type NetworkInput } from "../../core/pipeline/network.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { loadFixture, relErr, splitGraphs } from "../model/fixture.ts"

// The pipeline's two passes, from per-molecule graphs (as the featurizer gives them), against
// upstream's `_build_with_prompt` + `forward_tune` on the oracle's tiny synthetic checkpoints.
const DIR = join(import.meta.dir, "../fixtures/model/tiny")
const fx = loadFixture(DIR)
const d = fx.meta.config.d_g_feats as number
let enc: ModelSession
let ft: ModelSession
let molecules: Array<NetworkInput>

beforeAll(async () => {
  const ort = await loadOnnxRuntime(os.tmpdir())
  enc = await createSession(ort, buildEncoderModel((await readCheckpoint(join(DIR, "pretrained.pth"))).tensors).bytes, { intraOpThreads: 2 })
  ft = await createSession(ort, buildFinetunedModel((await readCheckpoint(join(DIR, "finetuned.pth"))).tensors).bytes, { intraOpThreads: 2 })
  molecules = fx.meta.cases.map((_, k) => ({
    graphs: splitGraphs(fx, `enc/poly${k}`),
    fp: fx.f32(`enc/poly${k}/in/fp`).slice(0, 1191),
    md: fx.f32(`enc/poly${k}/in/md`).slice(0, 1613),
  }))
}, 120_000)
afterAll(async () => {
  await enc?.release()
  await ft?.release()
})

test("every molecule's prompt graphs share one fp/md row, as upstream feeds them", () => {
  for (let k = 0; k < fx.meta.cases.length; k++) {
    const fp = fx.f32(`enc/poly${k}/in/fp`)
    for (let g = 1; g < fp.length / 1191; g++) expect(fp.subarray(g * 1191, (g + 1) * 1191)).toEqual(fp.subarray(0, 1191))
  }
})

test.each([1, 2, 64])("prompt pass over all molecules (runs of ≤ %i graphs) gives upstream's prompts and base embeddings", async (maxGraphs) => {
  const out = await promptPass(enc, molecules, { maxGraphs, maxPrompt: fx.meta.max_prompt })
  for (let k = 0; k < molecules.length; k++) {
    expect(out[k]!.dim).toBe(d)
    expect(relErr(out[k]!.prompt, fx.f32(`prompt/poly${k}/prompt`))).toBeLessThanOrEqual(1e-4)
    expect(relErr(out[k]!.embedding, fx.f32(`enc/poly${k}/out/graph_emb`).slice(0, 3 * d))).toBeLessThanOrEqual(1e-4)
  }
})

test("finetuned pass on the base graphs gives upstream's forward_tune predictions", async () => {
  const prompts = await promptPass(enc, molecules, { maxPrompt: fx.meta.max_prompt })
  const pred = await finetunedPass(ft, molecules, prompts, { maxPrompt: fx.meta.max_prompt, maxGraphs: 2 })
  expect(relErr(pred, fx.f32("ft/out/prediction"))).toBeLessThanOrEqual(1e-4)
})

test("chunking never splits a molecule and keeps order", () => {
  expect(chunkByGraphs([3, 1, 2, 5, 1], (n) => n, 4)).toEqual([[3, 1], [2], [5], [1]])
})
