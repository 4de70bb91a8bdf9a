/**
 * Benchmark (not a test): the full light/base network on CPU for one polymer — its prompt pass (the
 * pretrained encoder over its ≤10 prompt graphs) and its finetuned pass (base graph with prompts) —
 * ONNX Runtime (this project) vs upstream PyTorch+DGL, in the same run, same thread count.
 *
 *   bun bench/model/encoder.ts [--threads 2] [--repeats 5] [--smiles '*NCCCCCCCCCCCC(=O)*']
 *
 * Needs the full synthetic checkpoints (.cache/oracle/model/full, tools/oracle/network.py --config full)
 * and the oracle venv. GFLOP/s counts only matrix-product FLOPs (2·m·n·k), counted from the shapes ONNX
 * Runtime's profiler records for the graph it executes (bench/support/profile.ts; padding included) —
 * the analytic count of the useful products is printed beside it. The limit is calibrated in the same
 * run (bench/support/calibrate.ts: numpy's and ONNX Runtime's own fp32 GEMM on this CPU, now).
 */
import { existsSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { createSession } from "../../core/model/inference/index.ts"
import { GRAPH_INPUTS, buildEncoderModel, buildFinetunedModel, type LightConfig } from "../../core/model/onnx/index.ts"
import { loadFixture, relErr } from "../../test/model/fixture.ts"
import { calibrate, describeCalibration, share } from "../support/calibrate.ts"
import { countFlops } from "../support/profile.ts"

const ROOT = join(import.meta.dir, "../..")
const FULL = join(ROOT, ".cache/oracle/model/full")
const OUT = join(ROOT, ".cache/oracle/model/bench")
const PY = join(ROOT, "tools/oracle/.venv/bin/python")
const UPSTREAM = process.env.PERIOGT_UPSTREAM ?? "/work/upstream/PerioGT/PerioGT_common"

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt
}
const threads = Number(arg("threads", "2"))
const repeats = Number(arg("repeats", "5"))
const smiles = arg("smiles", "*NCCCCCCCCCCCC(=O)*")

if (!existsSync(join(FULL, "pretrained.pth")) || !existsSync(PY)) {
  console.log(`skipped: needs ${FULL} (tools/oracle/network.py --config full) and ${PY}`)
  process.exit(0)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")} on ${cpus().length} CPUs`)
// 1. upstream PyTorch+DGL (also writes the exact inputs it timed)
const py = Bun.spawnSync([PY, join(ROOT, "tools/oracle/network_bench.py"), "--upstream", UPSTREAM, "--ckpt", FULL, "--out", OUT,
  "--smiles", smiles, "--threads", String(threads), "--repeats", String(repeats)], { stderr: "pipe", env: { ...process.env, DGLBACKEND: "pytorch" } })
if (py.exitCode !== 0) {
  console.error(new TextDecoder().decode(py.stderr))
  process.exit(1)
}
const lines = new TextDecoder().decode(py.stdout).trim().split("\n")
const torchRes = JSON.parse(lines[lines.length - 1]!) as { graphs: number; torch: string; timings_s: { prompt_pass: number[]; ft_pass: number[] } }

// 2. ONNX Runtime
const t0 = performance.now()
const pre = await readCheckpoint(join(FULL, "pretrained.pth"))
const fin = await readCheckpoint(join(FULL, "finetuned.pth"))
const tRead = performance.now()
const encModel = buildEncoderModel(pre.tensors, { source: pre.file })
const ftModel = buildFinetunedModel(fin.tensors, { source: fin.file })
const tBuild = performance.now()
const enc = await createSession(await loadOnnxRuntime(tmpdir()), encModel.bytes, { intraOpThreads: threads, name: "encoder" })
const ft = await createSession(await loadOnnxRuntime(tmpdir()), ftModel.bytes, { intraOpThreads: threads, name: "finetuned" })
const tSession = performance.now()
const fx = loadFixture(OUT)
const promptFeeds = fx.feeds("prompt_pass", GRAPH_INPUTS)
const ftFeeds = fx.feeds("ft_pass", [...GRAPH_INPUTS, "prompt"])
const check1 = await enc.run(promptFeeds)
const check2 = await ft.run(ftFeeds)
const ortTimes = { prompt_pass: [] as number[], ft_pass: [] as number[] }
for (let i = 0; i < repeats; i++) {
  let t = performance.now()
  await enc.run(promptFeeds, ["node_emb"])
  ortTimes.prompt_pass.push((performance.now() - t) / 1000)
  t = performance.now()
  await ft.run(ftFeeds, ["prediction"])
  ortTimes.ft_pass.push((performance.now() - t) / 1000)
}

// 3. FLOPs of the matrix products the ONNX models perform
const graphSizes = (prefix: string) => {
  const ng = fx.ints(`${prefix}/in/node_graph`)
  const counts = new Map<number, number>()
  for (const g of ng) counts.set(g, (counts.get(g) ?? 0) + 1)
  return { N: ng.length, G: counts.size, M: Math.max(...counts.values()), E: fx.get(`${prefix}/in/edge_src`).shape[0]! }
}
const encoderFlops = (c: LightConfig, s: { N: number; G: number; M: number; E: number }) => {
  const { dG: d, dAtom, dBond, dFp, dMd, nLayers, nHeads: H, pathLength: L, dTripPath: t, dFfnHidden: f, nFfnLayers } = c
  const mm = (m: number, k: number, n: number) => 2 * m * k * n
  let x = mm(2 * s.N, dAtom, d) + mm(s.N, dBond, d) + mm(s.N, 2 * d, d) + mm(s.N, d, d)
  x += mm(s.G, dFp, d) + mm(s.G, d, d) + mm(s.G, dMd, d) + mm(s.G, d, d)
  x += mm(s.N, d, L * t) + L * mm(s.N, t, t) + mm(s.E, t, t) + mm(s.E, t, H) + mm(L + 3, d, d) + mm(L + 3, d, H)
  const layer = mm(s.N, d, 3 * d) + 2 * s.G * H * mm(s.M, d / H, s.M) + mm(s.N, d, d) + mm(s.N, d, f) + (nFfnLayers - 2) * mm(s.N, f, f) + mm(s.N, f, d)
  return x + nLayers * layer
}
const promptAttnFlops = (c: LightConfig, N: number, S: number) => {
  const d = c.dG
  const h = c.nodeAttn!.heads
  const mm = (m: number, k: number, n: number) => 2 * m * k * n
  const block1 = mm(N * S, d, 3 * d) + 2 * N * h * mm(S, d / h, S) + 2 * mm(N * S, d, d)
  const block2 = mm(N * S, d, 2 * d) + mm(N, d, d) + 2 * N * h * mm(1, d / h, S) + 2 * mm(N, d, d)
  return block1 + block2 + mm(N, d, d)
}
const sp = graphSizes("prompt_pass")
const sf = graphSizes("ft_pass")
const P = fx.get("ft_pass/in/prompt").shape[1]!
const flopsPrompt = encoderFlops(encModel.config, sp)
const flopsFt = encoderFlops(ftModel.config, sf) + promptAttnFlops(ftModel.config, sf.N, P + 1) + 2 * sf.G * (3 * ftModel.config.dG * 256 + 256)

// 4. calibration: numpy's and ONNX Runtime's fp32 GEMM, now, under the same load
const ort = await loadOnnxRuntime(tmpdir())
const cal = await calibrate({ threads, ort })
// executed matrix-product FLOPs, from the profiler's shapes
const execPrompt = await countFlops(ort, encModel.bytes, promptFeeds, ["node_emb"])
const execFt = await countFlops(ort, ftModel.bytes, ftFeeds, ["prediction"])

const ortP = median(ortTimes.prompt_pass)
const ortF = median(ortTimes.ft_pass)
const pyP = median(torchRes.timings_s.prompt_pass)
const pyF = median(torchRes.timings_s.ft_pass)
const fmt = (s: number) => `${(s * 1000).toFixed(1)} ms`
const gf = (fl: number, s: number) => fl / s / 1e9
console.log(`polymer ${smiles}: ${torchRes.graphs} prompt graphs (${sp.N} nodes, ${sp.E} edges, largest ${sp.M}); base graph ${sf.N} nodes, ${P} prompts/node`)
console.log(`setup (ONNX side): read checkpoints ${fmt((tRead - t0) / 1000)}, build ONNX ${fmt((tBuild - tRead) / 1000)} (${((encModel.bytes.length + ftModel.bytes.length) / 1e6).toFixed(0)} MB), sessions ${fmt((tSession - tBuild) / 1000)}`)
console.log(`parity in this run: node_emb ${relErr(check1.node_emb!.data, fx.f32("prompt_pass/out/node_emb")).toExponential(2)}, prediction ${relErr(check2.prediction!.data, fx.f32("ft_pass/out/prediction")).toExponential(2)} (max rel, inf-norm)`)
console.log(describeCalibration(cal))
console.log(`matrix-product FLOPs as executed (profiler shapes) / upstream's algorithm (analytic count): prompt pass ${(execPrompt / 1e9).toFixed(2)} / ${(flopsPrompt / 1e9).toFixed(2)} GFLOP, finetuned ${(execFt / 1e9).toFixed(2)} / ${(flopsFt / 1e9).toFixed(2)} GFLOP; the shares use the executed count, "upstream-equivalent" the analytic one (the graph skips products upstream computes: core/model/onnx/README.md)`)
console.log(`threads ${threads}, repeats ${repeats}, medians:`)
console.log(`  prompt pass : ONNX Runtime ${fmt(ortP)} | PyTorch ${torchRes.torch}+DGL ${fmt(pyP)} | ratio ${(pyP / ortP).toFixed(2)}x | ONNX ${share(cal, gf(execPrompt, ortP))} | PyTorch ${gf(flopsPrompt, pyP).toFixed(1)} GFLOP/s (analytic count)`)
console.log(`  finetuned   : ONNX Runtime ${fmt(ortF)} | PyTorch ${torchRes.torch}+DGL ${fmt(pyF)} | ratio ${(pyF / ortF).toFixed(2)}x | ONNX ${share(cal, gf(execFt, ortF))} | PyTorch ${gf(flopsFt, pyF).toFixed(1)} GFLOP/s (analytic count)`)
const tot = ortP + ortF
console.log(`  total       : ONNX Runtime ${fmt(tot)} | PyTorch ${fmt(pyP + pyF)} | ratio ${((pyP + pyF) / tot).toFixed(2)}x | ONNX ${share(cal, gf(execPrompt + execFt, tot))}`)
console.log(`  upstream-equivalent rates (analytic FLOPs / ONNX time): prompt pass ${share(cal, gf(flopsPrompt, ortP))}, finetuned ${share(cal, gf(flopsFt, ortF))}, total ${share(cal, gf(flopsPrompt + flopsFt, tot))}`)
console.log(`ONNX Runtime times (s): ${JSON.stringify(ortTimes)}`)
console.log(`PyTorch times (s): ${JSON.stringify(torchRes.timings_s)}`)
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other processes on this machine share the 2 cores)`)
await enc.release()
await ft.release()
