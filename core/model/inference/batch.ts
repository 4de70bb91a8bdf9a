/**
 * Graph batches as the LiGhT ONNX models take them: graphs concatenated (node ids offset, as DGL's
 * batch + upstream's `preprocess_batch_light` do), padding in paths kept negative.
 */
import type { FeedTensor } from "./session.ts"

/** One LiGhT line graph (what the featurizer builds for a prompt or base graph). */
export interface LightGraphInput {
  readonly nNodes: number
  /** [nNodes, 2, dAtom] */
  readonly beginEnd: Float32Array
  /** [nNodes, dBond] */
  readonly edge: Float32Array
  /** [nNodes]: 0 bond node, −1 isolated atom, 1 fingerprint node, 2 descriptor node */
  readonly vavn: ArrayLike<number>
  readonly edgeSrc: ArrayLike<number>
  readonly edgeDst: ArrayLike<number>
  /** [nEdges, pathLength] node ids inside this graph; any negative value = padding */
  readonly edgePath: ArrayLike<number>
  readonly edgeVp: ArrayLike<number | boolean>
  readonly edgeSl: ArrayLike<number | boolean>
  /** [nNodes] bond ids (prompt grouping); optional */
  readonly bid?: ArrayLike<number>
}

export interface GraphBatch {
  readonly nGraphs: number
  readonly nNodes: number
  readonly nEdges: number
  readonly feeds: Record<string, FeedTensor>
  readonly bid: Int32Array | null
}

/**
 * Throws RangeError on malformed graphs (an edge or path outside the graph, a duplicate edge): the
 * featurizer's bug, not the user's input.
 *
 * Concatenates graphs into one batch with fp [G, dFp] and md [G, dMd] (row g for graph g) and, for the
 * finetuned model, prompts [N, P, d] (rows in node order).
 */
export const batchGraphs = (
  graphs: ReadonlyArray<LightGraphInput>,
  fp: Float32Array,
  md: Float32Array,
  options: { readonly pathLength?: number; readonly prompt?: { readonly data: Float32Array; readonly length: number; readonly dim: number } } = {},
): GraphBatch => {
  const L = options.pathLength ?? 5
  const G = graphs.length
  const N = graphs.reduce((a, g) => a + g.nNodes, 0)
  const E = graphs.reduce((a, g) => a + g.edgeSrc.length, 0)
  const dAtom2 = G > 0 ? graphs[0]!.beginEnd.length / Math.max(1, graphs[0]!.nNodes) : 0
  const dBond = G > 0 ? graphs[0]!.edge.length / Math.max(1, graphs[0]!.nNodes) : 0
  const beginEnd = new Float32Array(N * dAtom2)
  const edge = new Float32Array(N * dBond)
  const vavn = new BigInt64Array(N)
  const nodeGraph = new BigInt64Array(N)
  const src = new BigInt64Array(E)
  const dst = new BigInt64Array(E)
  const path = new BigInt64Array(E * L)
  const vp = new Uint8Array(E)
  const sl = new Uint8Array(E)
  const hasBid = graphs.every((g) => g.bid !== undefined)
  const bid = hasBid ? new Int32Array(N) : null
  let n0 = 0
  let e0 = 0
  graphs.forEach((g, gi) => {
    beginEnd.set(g.beginEnd, n0 * dAtom2)
    edge.set(g.edge, n0 * dBond)
    for (let i = 0; i < g.nNodes; i++) {
      vavn[n0 + i] = BigInt(g.vavn[i]!)
      nodeGraph[n0 + i] = BigInt(gi)
      if (bid !== null) bid[n0 + i] = g.bid![i]!
    }
    const ne = g.edgeSrc.length
    const seen = new Set<number>()
    for (let e = 0; e < ne; e++) {
      const s = g.edgeSrc[e]!
      const t = g.edgeDst[e]!
      if (!(s >= 0 && s < g.nNodes && t >= 0 && t < g.nNodes))
        throw new RangeError(`graph ${gi}: edge ${e} (${s} → ${t}) leaves the graph's ${g.nNodes} nodes`)
      const k = t * g.nNodes + s
      if (seen.has(k)) throw new RangeError(`graph ${gi}: duplicate edge ${s} → ${t} (the models assume a simple graph)`)
      seen.add(k)
      src[e0 + e] = BigInt(g.edgeSrc[e]! + n0)
      dst[e0 + e] = BigInt(g.edgeDst[e]! + n0)
      vp[e0 + e] = g.edgeVp[e] ? 1 : 0
      sl[e0 + e] = g.edgeSl[e] ? 1 : 0
      for (let j = 0; j < L; j++) {
        const p = g.edgePath[e * L + j]!
        if (p >= g.nNodes) throw new RangeError(`graph ${gi}: edge ${e} path refers to node ${p} of ${g.nNodes}`)
        path[(e0 + e) * L + j] = BigInt(p < 0 ? -1 : p + n0)
      }
    }
    n0 += g.nNodes
    e0 += ne
  })
  const feeds: Record<string, FeedTensor> = {
    begin_end: { type: "float32", data: beginEnd, dims: [N, 2, dAtom2 / 2] },
    edge: { type: "float32", data: edge, dims: [N, dBond] },
    vavn: { type: "int64", data: vavn, dims: [N] },
    node_graph: { type: "int64", data: nodeGraph, dims: [N] },
    edge_src: { type: "int64", data: src, dims: [E] },
    edge_dst: { type: "int64", data: dst, dims: [E] },
    edge_path: { type: "int64", data: path, dims: [E, L] },
    edge_vp: { type: "bool", data: vp, dims: [E] },
    edge_sl: { type: "bool", data: sl, dims: [E] },
    fp: { type: "float32", data: fp, dims: [G, G > 0 ? fp.length / G : 0] },
    md: { type: "float32", data: md, dims: [G, G > 0 ? md.length / G : 0] },
  }
  if (options.prompt !== undefined)
    feeds.prompt = { type: "float32", data: options.prompt.data, dims: [N, options.prompt.length, options.prompt.dim] }
  return { nGraphs: G, nNodes: N, nEdges: E, feeds, bid }
}

/**
 * Upstream `_build_with_prompt`'s grouping: every node embedding of the prompt batch, grouped by bond id
 * in node order; base node i gets the first `maxPrompt` embeddings of its bond id, zero-padded.
 * Returns [baseNodes, maxPrompt, d].
 */
export const assemblePrompts = (
  nodeEmb: Float32Array,
  promptBids: ArrayLike<number>,
  baseBids: ArrayLike<number>,
  d: number,
  maxPrompt: number,
): Float32Array => {
  const byBid = new Map<number, number[]>()
  for (let i = 0; i < promptBids.length; i++) {
    const b = promptBids[i]!
    let list = byBid.get(b)
    if (list === undefined) byBid.set(b, (list = []))
    list.push(i)
  }
  const out = new Float32Array(baseBids.length * maxPrompt * d)
  for (let n = 0; n < baseBids.length; n++) {
    const rows = byBid.get(baseBids[n]!) ?? []
    const k = Math.min(rows.length, maxPrompt)
    for (let j = 0; j < k; j++) out.set(nodeEmb.subarray(rows[j]! * d, (rows[j]! + 1) * d), (n * maxPrompt + j) * d)
  }
  return out
}
