/**
 * ONNX Runtime profiles, read back (benches only): the node events of a session created with
 * `profileFilePrefix`, split into runs, with the FLOPs of every matrix product counted from the shapes
 * the profiler recorded — the graph as ONNX Runtime executed it, after its own fusions.
 *
 * FLOPs, honestly: only matrix products count (MatMul, Gemm, FusedMatMul: 2·m·k·n per product, times the
 * broadcast batch), with m, n from the node's output shape and k from its first input (the contraction
 * dimension: whichever of its last two dimensions is not m). Padding that the graph computes (the
 * per-graph [G, M] attention grid pads every graph to the largest) is counted, since it is executed;
 * element-wise work (softmax, GELU, layer norms, adds) and data movement (gathers, scatters,
 * transposes) count zero — they are the time a matrix product's rate does not cover.
 */
import { readFileSync } from "node:fs"

export interface NodeEvent {
  readonly name: string
  readonly op: string
  /** microseconds */
  readonly dur: number
  readonly ts: number
  readonly inputs: ReadonlyArray<ReadonlyArray<number>>
  readonly outputs: ReadonlyArray<ReadonlyArray<number>>
  readonly flops: number
}

type Raw = { cat?: string; name: string; dur: number; ts: number; args?: Record<string, unknown> }

const shapes = (x: unknown): Array<Array<number>> =>
  Array.isArray(x) ? x.map((o) => (Object.values(o as Record<string, Array<number>>)[0] ?? []) as Array<number>) : []

const MATMULS = new Set(["MatMul", "Gemm", "FusedMatMul", "MatMulInteger", "FusedGemm"])

/**
 * 2·m·k·n·batch of a matrix-product node from its recorded shapes; 0 for any other op. k from the
 * second input where recorded (whichever of its last two dimensions is not n), else from the first
 * (whichever is not m): FusedMatMul may transpose either operand, batch dimensions included, and a
 * Gemm's prepacked weight is not recorded.
 */
export const matmulFlops = (op: string, inputs: ReadonlyArray<ReadonlyArray<number>>, outputs: ReadonlyArray<ReadonlyArray<number>>): number => {
  if (!MATMULS.has(op)) return 0
  const a = inputs[0]
  const b = inputs[1]
  const y = outputs[0]
  if (a === undefined || y === undefined || y.length === 0) return 0
  const outCount = y.reduce((p, q) => p * q, 1)
  const n = y[y.length - 1]!
  const m = y.length >= 2 ? y[y.length - 2]! : 1
  let k: number
  if (b !== undefined && b.length >= 2 && op !== "Gemm") {
    const [r, c] = [b[b.length - 2]!, b[b.length - 1]!]
    k = c === n ? r : c
  } else if (a.length === 1) k = a[0]!
  else {
    const [r, c] = [a[a.length - 2]!, a[a.length - 1]!]
    k = r === m ? c : r
  }
  return 2 * outCount * k
}

/** The node events of one profile file, grouped by `model_run` (warm-up included: drop what you need). */
export const readProfileRuns = (file: string): Array<Array<NodeEvent>> => {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Array<Raw>
  const runs = raw.filter((e) => e.cat === "Session" && e.name === "model_run").sort((a, b) => a.ts - b.ts)
  const nodes = raw
    .filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"))
    .map((e): NodeEvent => {
      const args = e.args ?? {}
      const op = String(args["op_name"] ?? "?")
      const inputs = shapes(args["input_type_shape"])
      const outputs = shapes(args["output_type_shape"])
      return { name: e.name.slice(0, -"_kernel_time".length), op, dur: e.dur, ts: e.ts, inputs, outputs, flops: matmulFlops(op, inputs, outputs) }
    })
  return runs.map((r) => nodes.filter((n) => n.ts >= r.ts && n.ts <= r.ts + r.dur))
}

/**
 * The part of the network a node belongs to: its scope (core/model/onnx/light.ts), the path before the
 * first `<Op>_<n>` component (ONNX Runtime appends its fusion's name to the first fused node's),
 * layers merged when `mergeLayers`.
 */
export const section = (name: string, mergeLayers = true): string => {
  if (!name.includes("/")) return "(unscoped: inserted by ONNX Runtime's optimizers)"
  const parts = name.split("/")
  const i = parts.findIndex((p) => /^[A-Z][A-Za-z0-9]*_\d+$/.test(p))
  const scope = parts.slice(0, i < 0 ? parts.length : i).join("/")
  if (scope === "") return "(unscoped: fusions of ONNX Runtime)"
  return mergeLayers ? scope.replace(/^layer\d+\//, "layer*/") : scope
}

export interface Row {
  readonly key: string
  readonly op: string
  /** median over runs, µs */
  readonly us: number
  readonly flops: number
  readonly count: number
  readonly shapes: string
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Rows grouped by `keyOf` (a node's name, its section, its op type), each the median over runs of
 * the group's summed time; FLOPs per run.
 */
export const table = (runs: ReadonlyArray<ReadonlyArray<NodeEvent>>, keyOf: (e: NodeEvent) => string): Array<Row> => {
  const perRun = runs.map((r) => {
    const m = new Map<string, { us: number; flops: number; count: number; ops: Set<string>; shapes: string }>()
    for (const e of r) {
      const k = keyOf(e)
      const x = m.get(k) ?? { us: 0, flops: 0, count: 0, ops: new Set<string>(), shapes: `${e.inputs.map((s) => `[${s.join(",")}]`).join("·")}→[${e.outputs[0]?.join(",") ?? ""}]` }
      x.us += e.dur
      x.flops += e.flops
      x.count++
      x.ops.add(e.op)
      m.set(k, x)
    }
    return m
  })
  const keys = new Set(perRun.flatMap((m) => [...m.keys()]))
  return [...keys]
    .map((key): Row => {
      const xs = perRun.map((m) => m.get(key)).filter((x) => x !== undefined)
      return { key, op: [...xs[0]!.ops].join("+"), us: median(xs.map((x) => x.us)), flops: xs[0]!.flops, count: xs[0]!.count, shapes: xs[0]!.shapes }
    })
    .sort((a, b) => b.us - a.us)
}

/** Matrix-product FLOPs of one run. */
export const runFlops = (run: ReadonlyArray<NodeEvent>): number => run.reduce((s, e) => s + e.flops, 0)

/** A Markdown table of the top rows: time, share, GFLOP/s of its matrix products, share of `limit`. */
export const markdown = (rows: ReadonlyArray<Row>, limit: number, top = 20, withShapes = false): string => {
  const total = rows.reduce((s, r) => s + r.us, 0)
  const head = `| ${withShapes ? "node" : "part"} | ops | nodes | ms | % time | GFLOP | GFLOP/s | % of limit |${withShapes ? " shapes (in → out) |" : ""}`
  const sep = `|---|---|---:|---:|---:|---:|---:|---:|${withShapes ? "---|" : ""}`
  const lines = rows.slice(0, top).map((r) => {
    const gf = r.flops > 0 ? r.flops / (r.us * 1e-6) / 1e9 : 0
    return `| ${r.key} | ${r.op} | ${r.count} | ${(r.us / 1000).toFixed(2)} | ${((100 * r.us) / total).toFixed(1)} | ${(r.flops / 1e9).toFixed(2)} | ${r.flops > 0 ? gf.toFixed(0) : "–"} | ${r.flops > 0 ? ((100 * gf) / limit).toFixed(0) : "–"} |${withShapes ? ` ${r.shapes} |` : ""}`
  })
  return [head, sep, ...lines].join("\n")
}

/**
 * Matrix-product FLOPs of one run of `model` on `feeds`, as ONNX Runtime executes it (after fusions):
 * a throwaway profiling session (weights not prepacked: creation is faster, the graph the same), one run.
 */
export const countFlops = async (
  ort: import("../../core/runtime/onnxRuntime.ts").OnnxRuntime,
  model: Uint8Array | string,
  feeds: Readonly<Record<string, import("../../core/model/inference/index.ts").FeedTensor>>,
  fetch?: ReadonlyArray<string>,
): Promise<number> => {
  const { createSession } = await import("../../core/model/inference/index.ts")
  const { mkdtempSync, readdirSync, rmSync } = await import("node:fs")
  const { tmpdir } = await import("node:os")
  const { join } = await import("node:path")
  const dir = mkdtempSync(join(tmpdir(), "periogt-flops-"))
  try {
    const s = await createSession(ort, model, { intraOpThreads: 1, prepackWeights: false, profileFilePrefix: join(dir, "p") })
    await s.run(feeds, fetch)
    s.endProfiling()
    await s.release()
    const file = readdirSync(dir).find((f) => f.endsWith(".json"))
    if (file === undefined) throw new Error("ONNX Runtime wrote no profile")
    const runs = readProfileRuns(join(dir, file))
    return runFlops(runs[runs.length - 1]!)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
