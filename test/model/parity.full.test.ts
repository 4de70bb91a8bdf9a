import { afterAll, beforeAll, expect, test } from "bun:test"
import { join } from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import * as os from "node:os"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { assemblePrompts, createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { GRAPH_INPUTS, buildEncoderModel, buildFinetunedModel } from "../../core/model/onnx/index.ts"
import { fixtureExists, loadFixture, relErr } from "./fixture.ts"

const DIR = join(import.meta.dir, "../../.cache/oracle/model/full")
const HAVE = fixtureExists(DIR)
if (!HAVE) console.warn(`full-config parity skipped: ${DIR} is absent (generate it with tools/oracle/network.py --config full, see test/fixtures/model/README.md)`)
const TOL = 1e-4
const fx = HAVE ? loadFixture(DIR) : null!
let enc: ModelSession
let ft: ModelSession
const report: Record<string, number> = {}

beforeAll(async () => {
  if (!HAVE) return
  const pre = await readCheckpoint(join(DIR, "pretrained.pth"))
  const fin = await readCheckpoint(join(DIR, "finetuned.pth"))
  const e = buildEncoderModel(pre.tensors, { source: pre.file })
  expect(e.config).toMatchObject({ dG: 768, nLayers: 12, nHeads: 12, pathLength: 5, dTripPath: 64, nFfnLayers: 2, dFfnHidden: 3072, dFp: 1191, dMd: 1613 })
  enc = await createSession(await loadOnnxRuntime(os.tmpdir()), e.bytes, { name: "full encoder", intraOpThreads: 2 })
  ft = await createSession(await loadOnnxRuntime(os.tmpdir()), buildFinetunedModel(fin.tensors, { source: fin.file }).bytes, { name: "full finetuned", intraOpThreads: 2 })
}, 600_000)
afterAll(async () => {
  if (HAVE) console.log(`full parity, max relative error (inf-norm) per output: ${JSON.stringify(report)}`)
  await enc?.release()
  await ft?.release()
})

const cases = !HAVE ? [] : [...fx.meta.cases.map((_, k) => `poly${k}`), "mixed"]

for (const c of cases)
  test.skipIf(!HAVE)(`encoder ${c}: node embeddings and graph embeddings match upstream`, async () => {
    const out = await enc.run(fx.feeds(`enc/${c}`, GRAPH_INPUTS))
    const ne = relErr(out.node_emb!.data, fx.f32(`enc/${c}/out/node_emb`))
    const ge = relErr(out.graph_emb!.data, fx.f32(`enc/${c}/out/graph_emb`))
    report[`node_emb/${c}`] = ne
    report[`graph_emb/${c}`] = ge
    expect(out.node_emb!.dims).toEqual(fx.get(`enc/${c}/out/node_emb`).shape)
    expect(ne).toBeLessThanOrEqual(TOL)
    expect(ge).toBeLessThanOrEqual(TOL)
  })

test.skipIf(!HAVE)("prompts assembled from node embeddings match upstream's _build_with_prompt", async () => {
  const d = fx.meta.config.d_g_feats as number
  for (let k = 0; k < fx.meta.cases.length; k++) {
    const out = await enc.run(fx.feeds(`enc/poly${k}`, GRAPH_INPUTS))
    const prompts = assemblePrompts(out.node_emb!.data, fx.ints(`enc/poly${k}/in/bid`), fx.ints(`prompt/poly${k}/base_bid`), d, fx.meta.max_prompt)
    const err = relErr(prompts, fx.f32(`prompt/poly${k}/prompt`))
    report[`prompt/poly${k}`] = err
    expect(err).toBeLessThanOrEqual(TOL)
  }
})

test.skipIf(!HAVE)("finetuned: predictions and embeddings match upstream's forward_tune", async () => {
  const out = await ft.run(fx.feeds("ft", [...GRAPH_INPUTS, "prompt"]))
  const pe = relErr(out.prediction!.data, fx.f32("ft/out/prediction"))
  const ge = relErr(out.graph_emb!.data, fx.f32("ft/out/graph_emb"))
  report["prediction"] = pe
  report["ft_graph_emb"] = ge
  expect(out.prediction!.dims).toEqual([fx.meta.cases.length, 1])
  expect(pe).toBeLessThanOrEqual(TOL)
  expect(ge).toBeLessThanOrEqual(TOL)
})

test.skipIf(!HAVE)("multi-threaded runs are deterministic (no scatter races)", async () => {
  const first = await enc.run(fx.feeds("enc/mixed", GRAPH_INPUTS))
  for (let i = 0; i < 4; i++) {
    const again = await enc.run(fx.feeds("enc/mixed", GRAPH_INPUTS))
    expect(Buffer.from(again.node_emb!.data.buffer).equals(Buffer.from(first.node_emb!.data.buffer))).toBe(true)
    expect(Buffer.from(again.graph_emb!.data.buffer).equals(Buffer.from(first.graph_emb!.data.buffer))).toBe(true)
  }
})
