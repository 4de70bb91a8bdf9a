/**
 * Benchmark (not a test): where the network's time goes, by ONNX Runtime's own profiler, on the full
 * light/base configuration (the oracle's synthetic checkpoints, .cache/oracle/model/full) — for one
 * polymer (the encoder bench's) and for one batch chunk (the first 32 eps units, as `periogt batch`
 * feeds the network: prompt pass in runs of ≤ 64 graphs, finetuned pass over the 32 base graphs).
 * Prints, for each pass, the time by part of the network (node scopes of core/model/onnx/light.ts), by
 * op type, and the top nodes, each with the GFLOP/s of its matrix products and its share of the fp32
 * limit calibrated in this run (bench/support/calibrate.ts). FLOPs: bench/support/profile.ts.
 *
 *   bun bench/model/profile.ts [--threads 2] [--repeats 5] [--units 32] [--case both|one|batch] [--markdown out.md]
 */
import * as fs from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { readCheckpoint } from "../../core/model/checkpoint/index.ts"
import { createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { buildEncoderModel, buildFinetunedModel } from "../../core/model/onnx/index.ts"
import { finetunedPass, promptPass, type NetworkInput } from "../../core/pipeline/network.ts"
import { loadOnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { calibrate, describeCalibration, share } from "../support/calibrate.ts"
import { markdown, readProfileRuns, runFlops, section, table, type NodeEvent } from "../support/profile.ts"
import { epsUnits, featurizeUnits, SCALER } from "../support/units.ts"

const ROOT = join(import.meta.dir, "../..")
const FULL = join(ROOT, ".cache/oracle/model/full")
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt
}
const threads = Number(arg("threads", "2"))
const repeats = Number(arg("repeats", "5"))
const nUnits = Number(arg("units", "32"))
const mdOut = arg("markdown", "")
const cases = arg("case", "both")
const SMILES = "*NCCCCCCCCCCCC(=O)*"

if (!fs.existsSync(join(FULL, "pretrained.pth")) || !fs.existsSync(SCALER)) {
  console.log(`skipped: needs ${FULL} (tools/oracle/network.py --config full) and ${SCALER}`)
  process.exit(0)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const out: Array<string> = []
const say = (s: string) => {
  console.log(s)
  out.push(s)
}

say(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`)
const ort = await loadOnnxRuntime(tmpdir())
const one = await featurizeUnits([SMILES])
const chunk = await featurizeUnits(epsUnits(nUnits))
const pre = await readCheckpoint(join(FULL, "pretrained.pth"))
const fin = await readCheckpoint(join(FULL, "finetuned.pth"))
const encBytes = buildEncoderModel(pre.tensors).bytes
const ftBytes = buildFinetunedModel(fin.tensors).bytes

const dir = fs.mkdtempSync(join(tmpdir(), "periogt-profile-"))
const profiled = async (bytes: Uint8Array, name: string) => createSession(ort, bytes, { intraOpThreads: threads, name, profileFilePrefix: join(dir, name) })

interface PassResult {
  readonly label: string
  readonly wall: number
  readonly flops: number
  readonly runs: Array<Array<NodeEvent>>
}

/** `call` runs `repeats`+1 times (the first is warm-up); each call's model runs are merged into one. */
const profilePass = async (label: string, session: ModelSession, name: string, call: () => Promise<unknown>, callsBefore = 0): Promise<PassResult> => {
  const walls: number[] = []
  for (let i = 0; i <= repeats; i++) {
    const t = performance.now()
    await call()
    walls.push((performance.now() - t) / 1000)
  }
  session.endProfiling()
  const file = fs.readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith(".json"))!
  const runs = readProfileRuns(join(dir, file))
  const perCall = runs.length / (repeats + 1 + callsBefore)
  if (!Number.isInteger(perCall)) throw new Error(`${name}: ${runs.length} runs do not split into ${repeats + 1 + callsBefore} calls`)
  const calls: Array<Array<NodeEvent>> = []
  for (let i = 1 + callsBefore; i <= repeats + callsBefore; i++) calls.push(runs.slice(i * perCall, (i + 1) * perCall).flat())
  return { label, wall: median(walls.slice(1)), flops: runFlops(calls[0]!), runs: calls }
}

const results: Array<PassResult> = []
for (const [caseName, inputs] of [["one polymer", one.inputs], [`batch chunk of ${chunk.inputs.length} eps units`, chunk.inputs]] as Array<[string, Array<NetworkInput>]>) {
  if (cases !== "both" && !caseName.startsWith(cases)) continue
  const tag = caseName.startsWith("one") ? "one" : "chunk"
  const enc = await profiled(encBytes, `enc-${tag}`)
  const ft = await profiled(ftBytes, `ft-${tag}`)
  const prompts = await promptPass(enc, inputs)
  results.push(await profilePass(`${caseName}: prompt pass (${inputs.reduce((n, m) => n + m.graphs.length, 0)} graphs)`, enc, `enc-${tag}`, () => promptPass(enc, inputs), 1))
  results.push(await profilePass(`${caseName}: finetuned pass (${inputs.length} base graphs)`, ft, `ft-${tag}`, () => finetunedPass(ft, inputs, prompts)))
  await enc.release()
  await ft.release()
}
const cal = await calibrate({ threads, ort })
say(describeCalibration(cal))
say(`threads ${threads}, ${repeats} profiled repeats (medians); profiling adds a little per node, so rates here are slightly below the plain benches'`)
for (const r of results) {
  const profSum = median(r.runs.map((x) => x.reduce((s, e) => s + e.dur, 0))) / 1e6
  say(`\n### ${r.label}\n`)
  say(`wall ${(r.wall * 1000).toFixed(1)} ms (nodes ${(profSum * 1000).toFixed(1)} ms), ${(r.flops / 1e9).toFixed(2)} GFLOP of matrix products → ${share(cal, r.flops / r.wall / 1e9)}\n`)
  say("By part of the network (layers merged):\n")
  say(markdown(table(r.runs, (e) => section(e.name)), cal.limit, 30))
  say("\nBy op type:\n")
  say(markdown(table(r.runs, (e) => e.op), cal.limit, 14))
  say("\nTop nodes:\n")
  say(markdown(table(r.runs, (e) => e.name), cal.limit, 12, true))
  say("\nOne layer's attention (layer 0), by node:\n")
  say(markdown(table(r.runs.map((x) => x.filter((e) => section(e.name, false) === "layer0/attn")), (e) => e.name), cal.limit, 30, true))
  if (r.runs[0]!.some((e) => section(e.name) === "prompt_attn")) {
    say("\nNodeSelfAttention (prompt_attn), by node:\n")
    say(markdown(table(r.runs.map((x) => x.filter((e) => section(e.name) === "prompt_attn")), (e) => e.name), cal.limit, 30, true))
  }
}
say(`\nload average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`)
if (mdOut !== "") fs.writeFileSync(mdOut, out.join("\n") + "\n")
fs.rmSync(dir, { recursive: true, force: true })
