/**
 * The two network passes of PerioGT inference (its last two stages, after featurization) over many molecules at once:
 * the prompt pass (pretrained encoder over every prompt graph) and the finetuned pass (each base graph
 * with its prompts). The prompt pass does not depend on the property: one prompt pass serves every
 * property requested.
 */
import { assemblePrompts, batchGraphs, type LightGraphInput, type ModelSession } from "../model/inference/index.ts"

/**
 * Prompt sequence length: upstream's `--max_prompt` default in finetune.py and evaluation.py. Zero
 * rows take part in NodeSelfAttention (they are not masked), so this is part of the model's semantics.
 */
export const MAX_PROMPT = 10

/** One molecule as the network sees it; graph 0 of `graphs` is the base graph. */
export interface NetworkInput {
  /** Prompt graphs with bond ids; `graphs[0]` is the base graph. */
  readonly graphs: ReadonlyArray<LightGraphInput>
  /** Fingerprint of the capped 3-mer [1191]: every graph of the molecule gets it (upstream: n = 1 → 3-mer). */
  readonly fp: Float32Array
  /** Standardized descriptors of the capped 3-mer [1613]. */
  readonly md: Float32Array
}

export interface PromptPassOutput {
  /** The network's hidden width (768 at light/base), from the encoder's output. */
  readonly dim: number
  /** [baseNodes, maxPrompt, d] */
  readonly prompt: Float32Array
  /** The pretrained encoder's embedding of the base graph [3d]: the `embeddings` result. */
  readonly embedding: Float32Array
}

const repeatRows = (row: Float32Array, times: number) => {
  const out = new Float32Array(row.length * times)
  for (let i = 0; i < times; i++) out.set(row, i * row.length)
  return out
}

const concat = (parts: ReadonlyArray<Float32Array>) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Splits molecules into runs of at most `maxGraphs` graphs (a molecule is never split). */
export const chunkByGraphs = <T>(items: ReadonlyArray<T>, graphsOf: (t: T) => number, maxGraphs: number): Array<Array<T>> => {
  const chunks: Array<Array<T>> = []
  let current: Array<T> = []
  let count = 0
  for (const it of items) {
    const n = graphsOf(it)
    if (current.length > 0 && count + n > maxGraphs) {
      chunks.push(current)
      current = []
      count = 0
    }
    current.push(it)
    count += n
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/** The pretrained encoder over every prompt graph of every molecule, in runs of at most `maxGraphs`. */
export const promptPass = async (encoder: ModelSession, molecules: ReadonlyArray<NetworkInput>, options: { readonly maxGraphs?: number; readonly maxPrompt?: number } = {}): Promise<Array<PromptPassOutput>> => {
  const maxPrompt = options.maxPrompt ?? MAX_PROMPT
  const out: Array<PromptPassOutput> = []
  for (const chunk of chunkByGraphs(molecules, (m) => m.graphs.length, options.maxGraphs ?? 64)) {
    const graphs = chunk.flatMap((m) => m.graphs)
    const batch = batchGraphs(graphs, concat(chunk.map((m) => repeatRows(m.fp, m.graphs.length))), concat(chunk.map((m) => repeatRows(m.md, m.graphs.length))))
    if (batch.bid === null) throw new RangeError("prompt graphs need bond ids (bid)")
    const res = await encoder.run(batch.feeds)
    const nodeEmb = res["node_emb"]!.data
    const dim = res["node_emb"]!.dims[1]!
    const graphEmb = res["graph_emb"]!.data
    let node0 = 0
    let graph0 = 0
    for (const m of chunk) {
      const nodes = m.graphs.reduce((n, g) => n + g.nNodes, 0)
      const base = m.graphs[0]!
      out.push({
        dim,
        prompt: assemblePrompts(nodeEmb.subarray(node0 * dim, (node0 + nodes) * dim), batch.bid.subarray(node0, node0 + nodes), base.bid!, dim, maxPrompt),
        embedding: graphEmb.slice(graph0 * 3 * dim, (graph0 + 1) * 3 * dim),
      })
      node0 += nodes
      graph0 += m.graphs.length
    }
  }
  return out
}

/** A finetuned network over the base graphs with their prompts: standardized predictions, one per molecule. */
export const finetunedPass = async (finetuned: ModelSession, molecules: ReadonlyArray<NetworkInput>, prompts: ReadonlyArray<PromptPassOutput>, options: { readonly maxGraphs?: number; readonly maxPrompt?: number } = {}): Promise<Float32Array> => {
  const maxPrompt = options.maxPrompt ?? MAX_PROMPT
  const out = new Float32Array(molecules.length)
  if (molecules.length === 0) return out
  const dim = prompts[0]!.dim
  const indexed = molecules.map((m, i) => ({ m, i }))
  for (const chunk of chunkByGraphs(indexed, () => 1, options.maxGraphs ?? 64)) {
    const batch = batchGraphs(
      chunk.map(({ m }) => m.graphs[0]!),
      concat(chunk.map(({ m }) => m.fp)),
      concat(chunk.map(({ m }) => m.md)),
      { prompt: { data: concat(chunk.map(({ i }) => prompts[i]!.prompt)), length: maxPrompt, dim } },
    )
    const res = await finetuned.run(batch.feeds, ["prediction"])
    const pred = res["prediction"]!.data
    chunk.forEach(({ i }, k) => (out[i] = pred[k]!))
  }
  return out
}
