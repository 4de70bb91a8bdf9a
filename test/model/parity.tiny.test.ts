import { afterAll, beforeAll, expect, test } from "bun:test"
import { join } from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import * as os from "node:os"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { assemblePrompts, createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { GRAPH_INPUTS, buildEncoderModel, buildFinetunedModel } from "../../core/model/onnx/index.ts"
import { loadFixture, relErr, splitGraphs } from "./fixture.ts"

const DIR = join(import.meta.dir, "../fixtures/model/tiny")
const TOL = 1e-4
const fx = loadFixture(DIR)
let enc: ModelSession
let ft: ModelSession
const report: Record<string, number> = {}

beforeAll(async () => {
  const pre = await readCheckpoint(join(DIR, "pretrained.pth"))
  const fin = await readCheckpoint(join(DIR, "finetuned.pth"))
  const e = buildEncoderModel(pre.tensors, { source: pre.file })
  expect(e.config).toMatchObject({ dG: 32, nLayers: 2, nHeads: 4, pathLength: 5, dTripPath: 8, nFfnLayers: 3, dFp: 1191, dMd: 1613 })
  enc = await createSession(await loadOnnxRuntime(os.tmpdir()), e.bytes, { name: "tiny encoder", intraOpThreads: 2 })
  ft = await createSession(await loadOnnxRuntime(os.tmpdir()), buildFinetunedModel(fin.tensors, { source: fin.file }).bytes, { name: "tiny finetuned", intraOpThreads: 2 })
}, 600_000)
afterAll(async () => {
  console.log(`tiny parity, max relative error (inf-norm) per output: ${JSON.stringify(report)}`)
  await enc?.release()
  await ft?.release()
})

const cases = [...fx.meta.cases.map((_, k) => `poly${k}`), "mixed"]

for (const c of cases)
  test(`encoder ${c}: node embeddings and graph embeddings match upstream`, async () => {
    const out = await enc.run(fx.feeds(`enc/${c}`, GRAPH_INPUTS))
    const ne = relErr(out.node_emb!.data, fx.f32(`enc/${c}/out/node_emb`))
    const ge = relErr(out.graph_emb!.data, fx.f32(`enc/${c}/out/graph_emb`))
    report[`node_emb/${c}`] = ne
    report[`graph_emb/${c}`] = ge
    expect(out.node_emb!.dims).toEqual(fx.get(`enc/${c}/out/node_emb`).shape)
    expect(ne).toBeLessThanOrEqual(TOL)
    expect(ge).toBeLessThanOrEqual(TOL)
  })

test("prompts assembled from node embeddings match upstream's _build_with_prompt", async () => {
  const d = fx.meta.config.d_g_feats as number
  for (let k = 0; k < fx.meta.cases.length; k++) {
    const out = await enc.run(fx.feeds(`enc/poly${k}`, GRAPH_INPUTS))
    const prompts = assemblePrompts(out.node_emb!.data, fx.ints(`enc/poly${k}/in/bid`), fx.ints(`prompt/poly${k}/base_bid`), d, fx.meta.max_prompt)
    const err = relErr(prompts, fx.f32(`prompt/poly${k}/prompt`))
    report[`prompt/poly${k}`] = err
    expect(err).toBeLessThanOrEqual(TOL)
  }
})

test("finetuned: predictions and embeddings match upstream's forward_tune", async () => {
  const out = await ft.run(fx.feeds("ft", [...GRAPH_INPUTS, "prompt"]))
  const pe = relErr(out.prediction!.data, fx.f32("ft/out/prediction"))
  const ge = relErr(out.graph_emb!.data, fx.f32("ft/out/graph_emb"))
  report["prediction"] = pe
  report["ft_graph_emb"] = ge
  expect(out.prediction!.dims).toEqual([fx.meta.cases.length, 1])
  expect(pe).toBeLessThanOrEqual(TOL)
  expect(ge).toBeLessThanOrEqual(TOL)
})

test("multi-threaded runs are deterministic (no scatter races)", async () => {
  const first = await enc.run(fx.feeds("enc/mixed", GRAPH_INPUTS))
  for (let i = 0; i < 4; i++) {
    const again = await enc.run(fx.feeds("enc/mixed", GRAPH_INPUTS))
    expect(Buffer.from(again.node_emb!.data.buffer).equals(Buffer.from(first.node_emb!.data.buffer))).toBe(true)
    expect(Buffer.from(again.graph_emb!.data.buffer).equals(Buffer.from(first.graph_emb!.data.buffer))).toBe(true)
  }
})

test("batchGraphs: splitting the mixed batch into graphs and re-batching reproduces upstream's outputs", async () => {
  const { batchGraphs } = await import("../../core/model/inference/index.ts")
  const graphs = splitGraphs(fx, "enc/mixed").map(({ bid: _bid, ...g }) => g)
  const G = graphs.length
  const batch = batchGraphs(graphs, fx.f32("enc/mixed/in/fp"), fx.f32("enc/mixed/in/md"))
  expect(batch.nGraphs).toBe(G)
  const out = await enc.run(batch.feeds)
  expect(relErr(out.node_emb!.data, fx.f32("enc/mixed/out/node_emb"))).toBeLessThanOrEqual(TOL)
  expect(relErr(out.graph_emb!.data, fx.f32("enc/mixed/out/graph_emb"))).toBeLessThanOrEqual(TOL)
  const g0 = graphs[0]!
  const dup = { ...g0, edgeSrc: [...Array.from(g0.edgeSrc), g0.edgeSrc[0]!], edgeDst: [...Array.from(g0.edgeDst), g0.edgeDst[0]!], edgePath: [...Array.from(g0.edgePath), -1, -1, -1, -1, -1], edgeVp: [...Array.from(g0.edgeVp), 0], edgeSl: [...Array.from(g0.edgeSl), 0] }
  expect(() => batchGraphs([dup], fx.f32("enc/mixed/in/fp").slice(0, 1191), fx.f32("enc/mixed/in/md").slice(0, 1613))).toThrow("duplicate edge")
})

test("a session created from an .onnx file path (ONNX Runtime reads it itself) gives the same outputs; a missing file is model_load_failed", async () => {
  const fs = await import("node:fs")
  const file = join(fs.mkdtempSync(join(os.tmpdir(), "periogt-onnx-")), "encoder.onnx")
  const pre = await readCheckpoint(join(DIR, "pretrained.pth"))
  fs.writeFileSync(file, buildEncoderModel(pre.tensors).bytes)
  const ort = await loadOnnxRuntime(os.tmpdir())
  const fromPath = await createSession(ort, file, { name: "tiny encoder (path)", intraOpThreads: 2 })
  const feeds = fx.feeds("enc/poly0", GRAPH_INPUTS)
  const [a, b] = [await enc.run(feeds), await fromPath.run(feeds)]
  expect(Array.from(b.node_emb!.data)).toEqual(Array.from(a.node_emb!.data))
  await fromPath.release()
  const missing = await createSession(ort, file + ".absent", { name: "absent" }).catch((e: { code?: string }) => e)
  expect((missing as { code?: string }).code).toBe("model_load_failed")
})

test("weights in an external data file (page-aligned, mapped by ONNX Runtime): the same outputs as the model with inline weights", async () => {
  const fs = await import("node:fs")
  const dir = fs.mkdtempSync(join(os.tmpdir(), "periogt-onnx-ext-"))
  const pre = await readCheckpoint(join(DIR, "pretrained.pth"))
  const built = buildEncoderModel(pre.tensors, { externalData: "encoder.onnx.1234.data" })
  expect(built.data!.length).toBeGreaterThan(0)
  fs.writeFileSync(join(dir, "encoder.onnx"), built.bytes)
  fs.writeFileSync(join(dir, "encoder.onnx.1234.data"), Buffer.concat(built.data!.map((c) => Buffer.from(c))))
  expect(built.bytes.length).toBeLessThan(buildEncoderModel(pre.tensors).bytes.length / 10)
  const ext = await createSession(await loadOnnxRuntime(os.tmpdir()), join(dir, "encoder.onnx"), { name: "tiny encoder (external data)", intraOpThreads: 2 })
  const feeds = fx.feeds("enc/poly1", GRAPH_INPUTS)
  const [a, b] = [await enc.run(feeds), await ext.run(feeds)]
  expect(Array.from(b.node_emb!.data)).toEqual(Array.from(a.node_emb!.data))
  expect(Array.from(b.graph_emb!.data)).toEqual(Array.from(a.graph_emb!.data))
  await ext.release()
})
