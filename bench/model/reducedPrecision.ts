/**
 * Benchmark (not a test): would an int8 mode of the network's matrix products be worth offering (issue
 * 21, item 4)? Both graphs built from the full synthetic checkpoints (.cache/oracle/model/full: the
 * oracle's seeded random weights, light/base shapes — not trained weights), then rewritten by
 * bench/support/quantize.ts: every MatMul with a rank-2 constant weight becomes DynamicQuantizeLinear
 * (uint8 activations, per tensor) + MatMulInteger (int8 weights, per output column, symmetric) + Cast +
 * Mul, standard operators that ONNX Runtime's CPU provider fuses into DynamicQuantizeMatMul. Prints:
 *
 * - which products were rewritten, and whether ONNX Runtime fused them (op types its profiler recorded);
 * - the floor: one [170,768]×[768,3072] product alone (a real weight, N(0,1) activations), int8 against fp32
 *   and against an emulation of the quantized arithmetic (that the rewrite computes what it should);
 * - error of int8 against fp32, both passes as batch runs them (int8 prompt pass feeding the int8
 *   finetuned pass), over the test set (test/fixtures/polymers/valid.csv) and N dataset units (eps, then
 *   egc): predictions (standardized, as the finetuned network gives them), the encoder's graph embedding
 *   (the `embeddings` result) and its node embeddings (the prompts): max|a−b| / max|a| over the set, and
 *   the max over units of |a−b| / |a| (per unit: max|a−b| / max|a| of its vector);
 * - speed, fp32 against int8 alternating, medians (wall and process CPU time): one polymer (the encoder
 *   bench's) and the N units in batch's chunks of 32; the load average before each round.
 *
 *   bun bench/model/reducedPrecision.ts [N=200] [--threads T] [--repeats 7] [--rounds 3]
 *
 * The issue's bar: offered only if the predictions' error is ≤ 1e-3 (relative) over the test set and
 * the datasets.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import { createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { buildEncoderModel, buildFinetunedModel } from "../../core/model/onnx/index.ts"
import { GraphBuilder } from "../../core/model/onnx/builder.ts"
import { encodeModel } from "../../core/model/onnx/proto.ts"
import { finetunedPass, promptPass, type NetworkInput, type PromptPassOutput } from "../../core/pipeline/network.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { cpuInfo } from "../support/calibrate.ts"
import { chunks, CHUNK_ROWS, runNetwork } from "../support/network.ts"
import { readProfileRuns } from "../support/profile.ts"
import { decodeModel, quantizeColumns, quantizeMatMuls, type QuantizeReport } from "../support/quantize.ts"
import { datasetUnits, featurizeUnits, SCALER } from "../support/units.ts"

const ROOT = path.resolve(import.meta.dir, "../..")
const FULL = path.join(ROOT, ".cache/oracle/model/full")
const TEST_SET = path.join(ROOT, "test/fixtures/polymers/valid.csv")
const SMILES = "*NCCCCCCCCCCCC(=O)*"
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : (args.splice(i, 2)[1] ?? "")
}
const threads = Number(flag("--threads") ?? os.availableParallelism())
const repeats = Number(flag("--repeats") ?? 7)
const rounds = Number(flag("--rounds") ?? 3)
const N = Number(args[0] ?? 200)
for (const need of [path.join(FULL, "pretrained.pth"), path.join(FULL, "finetuned.pth"), SCALER, TEST_SET]) {
  if (!fs.existsSync(need)) {
    console.log(`skipped: missing ${need}`)
    process.exit(0)
  }
}
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ")
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const cpu = cpuInfo()
console.log(`load average at start: ${load()} on ${os.cpus().length} CPUs; ${cpu.model}; flags: ${cpu.flags.join(" ")}`)

// 1. the graphs, fp32 and int8
const pre = await readCheckpoint(path.join(FULL, "pretrained.pth"))
const fin = await readCheckpoint(path.join(FULL, "finetuned.pth"))
const encFp = buildEncoderModel(pre.tensors, { source: pre.file }).bytes
const ftFp = buildFinetunedModel(fin.tensors, { source: fin.file }).bytes
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])
for (const [name, b] of [["encoder", encFp], ["finetuned", ftFp]] as const)
  if (!sameBytes(encodeModel(decodeModel(b)), b)) throw new Error(`${name}: decoding and re-encoding the fp32 model does not give its bytes back`)
const encQ = quantizeMatMuls(encFp)
const ftQ = quantizeMatMuls(ftFp)
const describe = (name: string, r: QuantizeReport, fp: Uint8Array, q: Uint8Array) =>
  `${name}: rewritten ${JSON.stringify(r.rewritten)}, left in fp32 ${JSON.stringify(r.kept)} (activation × activation, or a weight not of rank 2: ${r.keptWeights.join(", ") || "none"}); ` +
  `model ${(fp.length / 1e6).toFixed(0)} → ${(q.length / 1e6).toFixed(0)} MB`
console.log("decode + re-encode of both fp32 models: byte-identical")
console.log(describe("encoder", encQ.report, encFp, encQ.bytes))
console.log(describe("finetuned", ftQ.report, ftFp, ftQ.bytes))

// 2. inputs: the test set, N dataset units, the one polymer
const testSmiles = fs.readFileSync(TEST_SET, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[1]!.trim())
const testSet = await featurizeUnits(testSmiles)
const data = await featurizeUnits(datasetUnits(N))
const one = await featurizeUnits([SMILES])
console.log(`units: test set ${testSet.inputs.length} (${testSet.failed} invalid), datasets ${data.inputs.length} of ${N} (${data.failed} invalid), featurized untimed`)

// 3. sessions as batch creates them
const ort = await loadOnnxRuntime(os.tmpdir())
const cfg = { provider: "cpu" as const, prepackWeights: true, intraOpThreads: threads }
const fp = { enc: await createSession(ort, encFp, { ...cfg, name: "encoder fp32" }), ft: await createSession(ort, ftFp, { ...cfg, name: "finetuned fp32" }) }
const q8 = { enc: await createSession(ort, encQ.bytes, { ...cfg, name: "encoder int8" }), ft: await createSession(ort, ftQ.bytes, { ...cfg, name: "finetuned int8" }) }

// did ONNX Runtime fuse the pattern? (op types of one profiled run of each int8 graph, one polymer)
{
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-q8-"))
  try {
    const encP = await createSession(ort, encQ.bytes, { ...cfg, prepackWeights: false, name: "encoder int8 (profiled)", profileFilePrefix: path.join(dir, "enc") })
    const ftP = await createSession(ort, ftQ.bytes, { ...cfg, prepackWeights: false, name: "finetuned int8 (profiled)", profileFilePrefix: path.join(dir, "ft") })
    await finetunedPass(ftP, one.inputs, await promptPass(encP, one.inputs))
    encP.endProfiling()
    ftP.endProfiling()
    await encP.release()
    await ftP.release()
    for (const prefix of ["enc", "ft"]) {
      const file = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith(".json"))!
      const counts = new Map<string, number>()
      for (const run of readProfileRuns(path.join(dir, file))) for (const e of run) counts.set(e.op, (counts.get(e.op) ?? 0) + 1)
      const pick = ["DynamicQuantizeMatMul", "MatMulIntegerToFloat", "DynamicQuantizeLinear", "MatMulInteger", "MatMul", "FusedMatMul", "Gemm"]
      console.log(`executed op types (${prefix === "enc" ? "encoder" : "finetuned"} int8, one run): ${pick.map((o) => `${o} ${counts.get(o) ?? 0}`).join(", ")}`)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// the floor: one product alone — layer 0's FFN in_proj weight [768, 3072] from the checkpoint, 170 rows of
// N(0,1) activations (a layer norm's output) — int8 against fp32, and against this file's own emulation of
// the quantized arithmetic (uint8 per tensor as DynamicQuantizeLinear rounds it, int8 per column)
{
  const wt = pre.tensors.get("model.mol_T_layers.0.node_out_layer.ffn.in_proj.weight")!
  const [N_, K] = wt.shape as [number, number]
  const src = wt.data as Float32Array
  const W = new Float32Array(K * N_)
  for (let n = 0; n < N_; n++) for (let k = 0; k < K; k++) W[k * N_ + n] = src[n * K + k]!
  const M = 170
  let seed = 12345
  const uni = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296
  const X = Float32Array.from({ length: M * K }, () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni()))
  const g = new GraphBuilder("one_product")
  g.input("x", "FLOAT", ["m", K])
  g.output(g.op("MatMul", ["x", g.float("w", W, [K, N_])]), "y", "FLOAT", ["m", N_])
  const bytes = g.encode({ opset: 18, producerVersion: "bench" })
  const feeds = { x: { type: "float32" as const, data: X, dims: [M, K] } }
  const s32 = await createSession(ort, bytes, cfg)
  const s8 = await createSession(ort, quantizeMatMuls(bytes).bytes, cfg)
  const a = (await s32.run(feeds)).y!.data
  const b = (await s8.run(feeds)).y!.data
  await s32.release()
  await s8.release()
  let lo = 0
  let hi = 0
  for (const v of X) (lo = Math.min(lo, v)), (hi = Math.max(hi, v))
  const xs = Math.fround((hi - lo) / 255)
  const zp = Math.max(0, Math.min(255, Math.round(-lo / xs)))
  const xq = X.map((v) => Math.max(0, Math.min(255, Math.round(v / xs) + zp)))
  const { q, scale } = quantizeColumns(W, K, N_)
  let dq = 0
  let de = 0
  let den = 0
  for (let i = 0; i < M; i += 5)
    for (let j = 0; j < N_; j++) {
      let acc = 0
      for (let k = 0; k < K; k++) acc += (xq[i * K + k]! - zp) * q[k * N_ + j]!
      const y = i * N_ + j
      dq = Math.max(dq, Math.abs(a[y]! - b[y]!))
      de = Math.max(de, Math.abs(acc * Math.fround(xs * scale[j]!) - b[y]!))
      den = Math.max(den, Math.abs(a[y]!))
    }
  console.log(`one product alone ([${M},${K}]×[${K},${N_}], layer 0's FFN in_proj weight, N(0,1) activations; every 5th row checked): int8 vs fp32 max|a−b|/max|a| ${(dq / den).toExponential(2)}; ONNX Runtime's int8 vs this bench's emulation of the quantized arithmetic ${(de / den).toExponential(2)}`)
}

// 4. error: int8 against fp32, both passes as batch runs them
interface Out {
  readonly pred: Float32Array
  readonly prompts: ReadonlyArray<PromptPassOutput>
}
const infer = async (s: { enc: ModelSession; ft: ModelSession }, inputs: ReadonlyArray<NetworkInput>): Promise<Out> => {
  const preds: Array<number> = []
  const prompts: Array<PromptPassOutput> = []
  for (const c of chunks(inputs, CHUNK_ROWS)) {
    const p = await promptPass(s.enc, c)
    preds.push(...(await finetunedPass(s.ft, c, p)))
    prompts.push(...p)
  }
  return { pred: Float32Array.from(preds), prompts }
}
/** max|a−b| / max|a| over all values, and the max over units of the same ratio per unit. a: fp32 (reference). */
const errors = (ref: ReadonlyArray<ArrayLike<number>>, got: ReadonlyArray<ArrayLike<number>>) => {
  let num = 0
  let den = 0
  let worstUnit = 0
  const perUnit: Array<number> = []
  ref.forEach((a, u) => {
    const b = got[u]!
    let n = 0
    let d = 0
    for (let i = 0; i < a.length; i++) {
      n = Math.max(n, Math.abs(a[i]! - b[i]!))
      d = Math.max(d, Math.abs(a[i]!))
    }
    num = Math.max(num, n)
    den = Math.max(den, d)
    const r = d > 0 ? n / d : n > 0 ? Infinity : 0
    perUnit.push(r)
    if (r > perUnit[worstUnit]!) worstUnit = u
  })
  return { overall: num / den, worstUnit: perUnit[worstUnit]!, medianUnit: median(perUnit), worstIndex: worstUnit }
}
const e = (x: number) => x.toExponential(2)
const verdict: Array<{ set: string; overall: number; worstUnit: number }> = []
for (const [set, f] of [["test set", testSet], [`datasets (${N})`, data]] as const) {
  const before = load()
  const a = await infer(fp, f.inputs)
  const b = await infer(q8, f.inputs)
  const pr = errors([...a.pred].map((x) => [x]), [...b.pred].map((x) => [x]))
  const ge = errors(a.prompts.map((p) => p.embedding), b.prompts.map((p) => p.embedding))
  const ne = errors(a.prompts.map((p) => p.prompt), b.prompts.map((p) => p.prompt))
  verdict.push({ set, overall: pr.overall, worstUnit: pr.worstUnit })
  console.log(`error int8 vs fp32, ${set}, ${f.inputs.length} units (load ${before.split(" ")[0]}): max|a−b|/max|a| | max over units of |a−b|/|a| | median over units`)
  console.log(`  prediction     ${e(pr.overall)} | ${e(pr.worstUnit)} (${f.smiles[pr.worstIndex]}: fp32 ${a.pred[pr.worstIndex]!.toPrecision(5)}, int8 ${b.pred[pr.worstIndex]!.toPrecision(5)}) | ${e(pr.medianUnit)}`)
  const absA = [...a.pred].map(Math.abs)
  const absD = [...a.pred].map((x, i) => Math.abs(x - b.pred[i]!))
  console.log(`                 (standardized predictions, in label standard deviations: fp32 max |a| ${Math.max(...absA).toPrecision(3)}, median |a| ${median(absA).toPrecision(3)}; max |a−b| ${Math.max(...absD).toPrecision(3)}, median |a−b| ${median(absD).toPrecision(3)})`)
  console.log(`  graph embedding ${e(ge.overall)} | ${e(ge.worstUnit)} | ${e(ge.medianUnit)}   (encoder's graph_emb, the \`embeddings\` result)`)
  console.log(`  node embeddings ${e(ne.overall)} | ${e(ne.worstUnit)} | ${e(ne.medianUnit)}   (encoder's node_emb as the prompts)`)
}

// 5. speed, alternating fp32 / int8
const time = async (f: () => Promise<unknown>) => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await f()
  const c = process.cpuUsage(c0)
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }
}
await runNetwork(fp.enc, fp.ft, data.inputs.slice(0, CHUNK_ROWS)) // warm-up
await runNetwork(q8.enc, q8.ft, data.inputs.slice(0, CHUNK_ROWS))
type Sample = { prompt: number; finetuned: number; cpu: number }
const oneRuns = { fp32: [] as Array<Sample>, int8: [] as Array<Sample> }
const oneLoads: Array<string> = []
for (let r = 0; r < repeats; r++) {
  oneLoads.push(load().split(" ")[0]!)
  for (const [k, s] of [["fp32", fp], ["int8", q8]] as const) {
    const c0 = process.cpuUsage()
    let p: Array<PromptPassOutput> = []
    const tp = await time(async () => (p = await promptPass(s.enc, one.inputs)))
    const tf = await time(() => finetunedPass(s.ft, one.inputs, p))
    const c = process.cpuUsage(c0)
    oneRuns[k].push({ prompt: tp.wall, finetuned: tf.wall, cpu: (c.user + c.system) / 1e6 })
  }
}
const batchRuns = { fp32: [] as Array<Sample>, int8: [] as Array<Sample> }
const batchLoads: Array<string> = []
for (let r = 0; r < rounds; r++) {
  batchLoads.push(load().split(" ")[0]!)
  for (const [k, s] of [["fp32", fp], ["int8", q8]] as const) {
    const c0 = process.cpuUsage()
    const t = await runNetwork(s.enc, s.ft, data.inputs)
    const c = process.cpuUsage(c0)
    batchRuns[k].push({ ...t, cpu: (c.user + c.system) / 1e6 })
  }
}
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`
const sec = (s: number) => `${s.toFixed(2)} s`
const report = (title: string, runs: typeof oneRuns, fmt: (s: number) => string, loads: ReadonlyArray<string>) => {
  const m = (k: "fp32" | "int8", f: (x: Sample) => number) => median(runs[k].map(f))
  const row = (label: string, f: (x: Sample) => number) => `  ${label.padEnd(10)} fp32 ${fmt(m("fp32", f))} | int8 ${fmt(m("int8", f))} | int8/fp32 ${(m("int8", f) / m("fp32", f)).toFixed(2)}`
  console.log(`${title}: ${runs.fp32.length} alternating runs each, medians (load average before each round: ${loads.join(", ")})`)
  console.log(row("prompt", (x) => x.prompt))
  console.log(row("finetuned", (x) => x.finetuned))
  console.log(row("both", (x) => x.prompt + x.finetuned))
  console.log(row("CPU time", (x) => x.cpu))
}
report(`one polymer ${SMILES}, ${threads} threads`, oneRuns, ms, oneLoads)
report(`${data.inputs.length} dataset units in chunks of ${CHUNK_ROWS}, ${threads} threads`, batchRuns, sec, batchLoads)
for (const s of [fp.enc, fp.ft, q8.enc, q8.ft]) await s.release()

const worst = Math.max(...verdict.map((v) => v.overall))
console.log(`bar (issue 21): predictions' error ≤ 1e-3 relative over the test set and the datasets → max|a−b|/max|a| ${verdict.map((v) => `${v.set} ${e(v.overall)}`).join(", ")}: ${worst <= 1e-3 ? "MET" : "NOT MET"}; per unit (|a−b|/|a|, worst): ${verdict.map((v) => `${v.set} ${e(v.worstUnit)}`).join(", ")}`)
console.log("weights: the oracle's seeded synthetic checkpoints, not trained ones")
console.log(`load average at end: ${load()}`)
