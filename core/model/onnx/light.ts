/**
 * ONNX models of PerioGT's LiGhT network, built from a state dict with every dimension read from the
 * weights. Graph structure is a model INPUT (edge lists, paths, flags), so one model serves any batch.
 *
 * Semantics follow upstream `models/light.py` (`LiGhTPredictor.generate_node_emb`, `generate_features`,
 * `forward_tune`) and DGL's message passing: `u_dot_v` (src query · dst key), `edge_softmax` over the
 * incoming edges of each destination (max-subtracted), `copy_e` + `sum` (scatter-add to destinations).
 * Written from the semantics, not translated from the code.
 */
import { ModelLoadFailed } from "../../errors/index.ts"
import type { Tensor } from "../checkpoint/index.ts"
import { GraphBuilder } from "./builder.ts"

/** Dimensions of a LiGhT checkpoint, all read from tensor shapes. */
export interface LightConfig {
  readonly dG: number
  readonly dAtom: number
  readonly dBond: number
  readonly dFp: number
  readonly dMd: number
  readonly nLayers: number
  readonly nHeads: number
  readonly pathLength: number
  readonly dTripPath: number
  /** Dense layers of each layer's FFN (2 = in_proj + out_proj). */
  readonly nFfnLayers: number
  readonly dFfnHidden: number
  /** Present in finetuned checkpoints. */
  readonly nodeAttn: { readonly heads: number } | null
  /** Predictor Linear layers (in → out), GELU between; null without a predictor. */
  readonly predictor: ReadonlyArray<{ readonly key: string; readonly dIn: number; readonly dOut: number }> | null
}

export interface BuildOptions {
  /** Heads of NodeSelfAttention's two nn.MultiheadAttention (not recoverable from weights; upstream: 8). */
  readonly nodeAttnHeads?: number
  /** Names the checkpoint in error messages. */
  readonly source?: string
  /** ONNX opset (≥ 18: ScatterElements max). */
  readonly opset?: number
  /**
   * Store the weights in an external data file of this name beside the model (`data` of the result)
   * instead of inside it: ONNX Runtime then maps them from the file rather than copying them.
   */
  readonly externalData?: string
}

export const GRAPH_INPUTS = [
  "begin_end",
  "edge",
  "vavn",
  "node_graph",
  "edge_src",
  "edge_dst",
  "edge_path",
  "edge_vp",
  "edge_sl",
  "fp",
  "md",
] as const

const LN_EPS = 1e-5

type Weights = ReadonlyMap<string, Tensor>

const bad = (source: string, reason: string): ModelLoadFailed =>
  new ModelLoadFailed({
    message: `cannot build the network from ${source}: ${reason}`,
    action: "the checkpoint is not a PerioGT LiGhT state dict (or is damaged): download it again with `periogt setup`",
    details: { file: source },
  })

class W {
  constructor(
    readonly tensors: Weights,
    readonly source: string,
  ) {}
  has(key: string): boolean {
    return this.tensors.has(key)
  }
  get(key: string, shape?: ReadonlyArray<number>): { data: Float32Array; shape: ReadonlyArray<number> } {
    const t = this.tensors.get(key)
    if (t === undefined) throw bad(this.source, `the state dict has no ${key}`)
    if (!(t.data instanceof Float32Array)) throw bad(this.source, `${key} is ${t.dtype}, not a floating tensor`)
    if (shape !== undefined && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])))
      throw bad(this.source, `${key} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`)
    return { data: t.data, shape: t.shape }
  }
  dim(key: string, axis: number): number {
    const s = this.get(key).shape
    const d = s[axis]
    if (d === undefined) throw bad(this.source, `${key} has rank ${s.length}`)
    return d
  }
  count(prefix: string, suffix: string): number {
    let n = 0
    while (this.tensors.has(`${prefix}${n}${suffix}`)) n++
    return n
  }
}

/** Reads every dimension of the network from the state dict. */
export const inferLightConfig = (tensors: Weights, options: BuildOptions = {}): LightConfig => {
  const w = new W(tensors, options.source ?? "<state dict>")
  const dG = w.dim("node_emb.in_proj.weight", 0)
  const dAtom = w.dim("node_emb.in_proj.weight", 1)
  const dBond = w.dim("edge_emb.in_proj.weight", 1)
  const dFp = w.dim("triplet_emb.fp_proj.in_proj.weight", 1)
  const dMd = w.dim("triplet_emb.md_proj.in_proj.weight", 1)
  const nLayers = w.count("model.mol_T_layers.", ".qkv.weight")
  const nHeads = w.dim("model.dist_attn_layer.2.weight", 0)
  const pathLength = w.count("model.trip_fortrans.", ".in_proj.weight")
  const dTripPath = w.dim("model.trip_fortrans.0.in_proj.weight", 0)
  if (nLayers === 0) throw bad(w.source, "no transformer layers (model.mol_T_layers.*)")
  if (pathLength === 0) throw bad(w.source, "no path transforms (model.trip_fortrans.*)")
  if (dG % nHeads !== 0) throw bad(w.source, `${dG} features do not split into ${nHeads} heads`)
  w.get("model.path_len_emb.weight", [pathLength + 1, dG])
  const nFfnLayers = w.count("model.mol_T_layers.0.node_out_layer.ffn.dense_layer_list.", ".weight") + 2
  const dFfnHidden = w.dim("model.mol_T_layers.0.node_out_layer.ffn.in_proj.weight", 0)
  let nodeAttn: LightConfig["nodeAttn"] = null
  if (w.has("node_attn.cls_token")) {
    const heads = options.nodeAttnHeads ?? 8
    if (dG % heads !== 0) throw bad(w.source, `${dG} features do not split into ${heads} prompt-attention heads`)
    nodeAttn = { heads }
  }
  let predictor: LightConfig["predictor"] = null
  if (w.has("predictor.weight")) {
    predictor = [{ key: "predictor", dIn: w.dim("predictor.weight", 1), dOut: w.dim("predictor.weight", 0) }]
  } else if (w.has("predictor.0.weight")) {
    const layers: Array<{ key: string; dIn: number; dOut: number }> = []
    // upstream get_predictor: Linear, Dropout, GELU repeated, then Linear → Linear modules at 0, 3, 6, …
    for (let i = 0; w.has(`predictor.${i}.weight`); i += 3)
      layers.push({ key: `predictor.${i}`, dIn: w.dim(`predictor.${i}.weight`, 1), dOut: w.dim(`predictor.${i}.weight`, 0) })
    predictor = layers
    if (layers[0]!.dIn !== 3 * dG) throw bad(w.source, `the predictor takes ${layers[0]!.dIn} features, expected ${3 * dG}`)
  }
  return { dG, dAtom, dBond, dFp, dMd, nLayers, nHeads, pathLength, dTripPath, nFfnLayers, dFfnHidden, nodeAttn, predictor }
}

const transpose = (data: Float32Array, rows: number, cols: number): Float32Array => {
  const out = new Float32Array(data.length)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!
  }
  return out
}

/** Builds the network graph into `g`. */
class LightGraph {
  readonly w: W
  constructor(
    readonly g: GraphBuilder,
    tensors: Weights,
    readonly cfg: LightConfig,
    source: string,
  ) {
    this.w = new W(tensors, source)
  }

  /** torch Linear (weight [out, in]) as MatMul with the transposed weight + Add. */
  linear(x: string, key: string, dIn: number, dOut: number, bias = true): string {
    const wt = this.w.get(`${key}.weight`, [dOut, dIn])
    const W = this.g.float(`${key}.weight_t`, transpose(wt.data, dOut, dIn), [dIn, dOut])
    const y = this.g.op("MatMul", [x, W])
    if (!bias) return y
    const b = this.g.float(`${key}.bias`, this.w.get(`${key}.bias`, [dOut]).data, [dOut])
    return this.g.op("Add", [y, b])
  }

  /** Exact GELU (torch nn.GELU()): 0.5·x·(1 + erf(x/√2)). */
  gelu(x: string): string {
    const g = this.g
    const e = g.op("Erf", [g.op("Div", [x, g.constF(Math.SQRT2)])])
    return g.op("Mul", [g.op("Mul", [x, g.constF(0.5)]), g.op("Add", [e, g.constF(1)])])
  }

  layerNorm(x: string, key: string, d: number): string {
    const s = this.g.float(`${key}.weight`, this.w.get(`${key}.weight`, [d]).data, [d])
    const b = this.g.float(`${key}.bias`, this.w.get(`${key}.bias`, [d]).data, [d])
    return this.g.op("LayerNormalization", [x, s, b], { axis: -1, epsilon: { float: LN_EPS } })
  }

  /** upstream MLP: in_proj, act, [dense_layer_list, act]…, out_proj. */
  mlp(x: string, key: string, dIn: number, dHidden: number, dOut: number, nDense: number): string {
    let h = this.gelu(this.linear(x, `${key}.in_proj`, dIn, dHidden))
    for (let i = 0; i < nDense - 2; i++) h = this.gelu(this.linear(h, `${key}.dense_layer_list.${i}`, dHidden, dHidden))
    return this.linear(h, `${key}.out_proj`, dHidden, dOut)
  }

  /** nn.Sequential(Linear, GELU, Linear) at `key.0`, `key.2`. */
  seq2(x: string, key: string, dIn: number, dHidden: number, dOut: number): string {
    return this.linear(this.gelu(this.linear(x, `${key}.0`, dIn, dHidden)), `${key}.2`, dHidden, dOut)
  }

  row(key: string, d: number): string {
    return this.g.float(key, this.w.get(key, [1, d]).data, [1, d])
  }

  /** Rows of `x` where `mask` ([N] bool) holds, as ScatterND/Gather indices [K,1]. */
  whereIdx(mask: string): string {
    return this.g.op("Transpose", [this.g.op("NonZero", [mask])], { perm: [1, 0] })
  }

  /** TripletEmbedding over the node inputs: [N, d]. */
  embed(): string {
    const { g, cfg } = this
    const d = cfg.dG
    const vavn = "vavn"
    g.scope = "embed"
    const isVA = g.op("Unsqueeze", [g.op("Equal", [vavn, g.constI(-1)]), g.constI([1])]) // [N,1]
    // AtomEmbedding: in_proj on both atoms; the second slot of virtual atoms is a learned vector.
    const pair = this.linear("begin_end", "node_emb.in_proj", cfg.dAtom, d) // [N,2,d]
    const s0 = g.op("Gather", [pair, g.constI(0)], { axis: 1 })
    const s1 = g.op("Gather", [pair, g.constI(1)], { axis: 1 })
    const nodeH = g.op("Add", [s0, g.op("Where", [isVA, this.row("node_emb.virtual_atom_emb.weight", d), s1])])
    // BondEmbedding
    const edgeH0 = this.linear("edge", "edge_emb.in_proj", cfg.dBond, d)
    const edgeH = g.op("Where", [isVA, this.row("edge_emb.virutal_bond_emb.weight", d), edgeH0])
    // TripletEmbedding
    let t = this.mlp(g.op("Concat", [nodeH, edgeH], { axis: 1 }), "triplet_emb.in_proj", 2 * d, d, d, 2)
    const fpH = this.mlp("fp", "triplet_emb.fp_proj", cfg.dFp, d, d, 2)
    const mdH = this.mlp("md", "triplet_emb.md_proj", cfg.dMd, d, d, 2)
    // triplet_h[vavn == 1] = fp_proj(fp); triplet_h[vavn == 2] = md_proj(md): k-th match ← k-th row.
    t = g.op("ScatterND", [t, this.whereIdx(g.op("Equal", [vavn, g.constI(1)])), fpH])
    t = g.op("ScatterND", [t, this.whereIdx(g.op("Equal", [vavn, g.constI(2)])), mdH])
    return t
  }

  /**
   * NodeSelfAttention(prompt, t): t + alpha · linear_3(cls output). Two rewrites of upstream's algebra,
   * equal in exact arithmetic (rounding-level differences only), that take 3 of its 7 [N·S, d]×[d, d]
   * products away (S = prompts + 1):
   * - block 1: out_proj followed by linear_1 (no nonlinearity between) is one d×d product, its matrix
   *   and bias folded here in float64;
   * - block 2: only the cls query is used, so its keys and values are never projected for all S rows:
   *   scores = (W_k,hᵀ·q_h)·x_s (the q·b_k term is the same for every key and cancels in the softmax),
   *   and Σ_s p_s·(x_s·W_v,h + b_v,h) = (Σ_s p_s·x_s)·W_v,h + b_v,h since the weights sum to 1.
   */
  promptAttention(t: string): string {
    const { g, cfg } = this
    const d = cfg.dG
    const heads = cfg.nodeAttn!.heads
    const dh = d / heads
    const P = "prompt"
    g.scope = "prompt_attn"
    const pShape = g.op("Shape", [P])
    const nShape = g.op("Slice", [pShape, g.constI([0]), g.constI([1])]) // [N]
    const sShape = g.op("Add", [g.op("Slice", [pShape, g.constI([1]), g.constI([2])]), g.constI(1)]) // [S] = prompts + 1
    const cls = g.float("node_attn.cls_token", this.w.get("node_attn.cls_token", [1, 1, d]).data, [1, 1, d])
    const clsN = g.op("Expand", [cls, g.op("Concat", [nShape, g.constI([1, d])], { axis: 0 })])
    const x = g.op("Concat", [clsN, P], { axis: 1 }) // [N,S,d]
    const xf = g.op("Reshape", [x, g.constI([-1, d])]) // [N·S,d]: 2-D products fuse with their bias (Gemm)
    // key_padding_mask = (x.sum(-1) == 0) → −inf on those keys
    const mask = g.op("Equal", [g.op("ReduceSum", [x, g.constI([-1])], { keepdims: 0 }), g.constF(0)]) // [N,S]
    const maskBias = g.op("Where", [mask, g.constF(-Infinity), g.constF(0)]) // [N,S]
    const bias = g.op("Unsqueeze", [maskBias, g.constI([1, 2])]) // [N,1,1,S]

    const headShape = g.op("Concat", [g.constI([-1]), sShape, g.constI([heads, dh])], { axis: 0 })
    const heads4 = (y: string) => g.op("Transpose", [g.op("Reshape", [y, headShape])], { perm: [0, 2, 1, 3] }) // [N,h,S,dh]
    const inProj = (key: string) => ({ w: this.w.get(`${key}.in_proj_weight`, [3 * d, d]).data, b: this.w.get(`${key}.in_proj_bias`, [3 * d]).data })
    const proj = (y: string, p: { w: Float32Array; b: Float32Array }, part: number, parts: number, name: string) => {
      // rows [part·d, (part+parts)·d) of in_proj_weight
      const rows = parts * d
      const wt = transpose(p.w.subarray(part * d * d, (part + parts) * d * d), rows, d)
      const W = g.float(`${name}.weight_t`, wt, [d, rows])
      const B = g.float(`${name}.bias`, p.b.slice(part * d, (part + parts) * d), [rows])
      return g.op("Add", [g.op("MatMul", [y, W]), B])
    }

    // block 1: full self-attention over [cls, prompts]; out_proj · linear_1 as one product
    const p1 = inProj("node_attn.self_attn_1")
    const [q1, k1, v1] = g.opN("Split", [proj(xf, p1, 0, 3, "node_attn.self_attn_1.in_proj"), g.constI([d, d, d])], 3, { axis: -1 })
    const qh = g.op("Div", [heads4(q1!), g.constF(Math.sqrt(dh))])
    const scores = g.op("Add", [g.op("MatMul", [qh, g.op("Transpose", [heads4(k1!)], { perm: [0, 1, 3, 2] })]), bias])
    const o = g.op("MatMul", [g.op("Softmax", [scores], { axis: -1 }), heads4(v1!)]) // [N,h,S,dh]
    const merged = g.op("Reshape", [g.op("Transpose", [o], { perm: [0, 2, 1, 3] }), g.constI([-1, d])]) // [N·S,d]
    const folded = this.foldLinears("node_attn.self_attn_1.out_proj", "node_attn.linear_1", d)
    const h1 = g.op("Add", [g.op("MatMul", [merged, folded.w]), folded.b])
    const x1f = this.layerNorm(g.op("Add", [h1, xf]), "node_attn.norm_1", d) // [N·S,d]
    const x1 = g.op("Reshape", [x1f, g.op("Concat", [g.constI([-1]), sShape, g.constI([d])], { axis: 0 })]) // [N,S,d]

    // block 2: the cls query only; keys and values reassociated (see above)
    const p2 = inProj("node_attn.self_attn_2")
    const x1cls = g.op("Squeeze", [g.op("Slice", [x1, g.constI([0]), g.constI([1]), g.constI([1])]), g.constI([1])]) // [N,d]
    const q2 = g.op("Div", [proj(x1cls, p2, 0, 1, "node_attn.self_attn_2.q_proj"), g.constF(Math.sqrt(dh))]) // [N,d]
    const q2h = g.op("Transpose", [g.op("Reshape", [q2, g.constI([-1, heads, dh])])], { perm: [1, 0, 2] }) // [h,N,dh]
    // W_k of head h as [dh, d] (rows of in_proj_weight): r = q_h · W_k,h  → [h,N,d]
    const wk = g.float("node_attn.self_attn_2.k_heads", p2.w.slice(d * d, 2 * d * d), [heads, dh, d])
    const r = g.op("Transpose", [g.op("MatMul", [q2h, wk])], { perm: [1, 0, 2] }) // [N,h,d]
    const s2 = g.op("Add", [g.op("MatMul", [r, g.op("Transpose", [x1], { perm: [0, 2, 1] })]), g.op("Unsqueeze", [maskBias, g.constI([1])])]) // [N,h,S]
    const ctx = g.op("Transpose", [g.op("MatMul", [g.op("Softmax", [s2], { axis: -1 }), x1])], { perm: [1, 0, 2] }) // [h,N,d]
    // W_v of head h as [d, dh]
    const wvT = new Float32Array(heads * d * dh)
    for (let h = 0; h < heads; h++) wvT.set(transpose(p2.w.subarray(2 * d * d + h * dh * d, 2 * d * d + (h + 1) * dh * d), dh, d), h * d * dh)
    const wv = g.float("node_attn.self_attn_2.v_heads", wvT, [heads, d, dh])
    const bv = g.float("node_attn.self_attn_2.v_bias", p2.b.slice(2 * d, 3 * d), [heads, 1, dh])
    const o2 = g.op("Add", [g.op("MatMul", [ctx, wv]), bv]) // [h,N,dh]
    const merged2 = g.op("Reshape", [g.op("Transpose", [o2], { perm: [1, 0, 2] }), g.constI([-1, d])]) // [N,d]
    const h2 = this.linear(this.linear(merged2, "node_attn.self_attn_2.out_proj", d, d), "node_attn.linear_2", d, d)
    const x2 = this.layerNorm(g.op("Add", [h2, x1cls]), "node_attn.norm_2", d) // [N,d]
    const clsOut = this.linear(x2, "node_attn.linear_3", d, d)
    const alpha = g.float("node_attn.alpha", this.w.get("node_attn.alpha", [1]).data, [1])
    return g.op("Add", [t, g.op("Mul", [alpha, clsOut])])
  }

  /** Two torch Linears in a row (`first` then `second`, both d×d) as one: W = (W2·W1)ᵀ, b = W2·b1 + b2, in float64. */
  foldLinears(first: string, second: string, d: number): { w: string; b: string } {
    const w1 = this.w.get(`${first}.weight`, [d, d]).data
    const b1 = this.w.get(`${first}.bias`, [d]).data
    const w2 = this.w.get(`${second}.weight`, [d, d]).data
    const b2 = this.w.get(`${second}.bias`, [d]).data
    const wt = new Float32Array(d * d) // [in, out]: wt[i, o] = Σ_m w2[o, m]·w1[m, i]
    const acc = new Float64Array(d)
    for (let i = 0; i < d; i++) {
      acc.fill(0)
      for (let m = 0; m < d; m++) {
        const a = w1[m * d + i]!
        if (a === 0) continue
        for (let o = 0; o < d; o++) acc[o]! += w2[o * d + m]! * a
      }
      for (let o = 0; o < d; o++) wt[i * d + o] = acc[o]!
    }
    const b = new Float32Array(d)
    for (let o = 0; o < d; o++) {
      let s = b2[o]!
      for (let m = 0; m < d; m++) s += w2[o * d + m]! * b1[m]!
      b[o] = s
    }
    return { w: this.g.float(`${first}+${second}.weight_t`, wt, [d, d]), b: this.g.float(`${first}+${second}.bias`, b, [d]) }
  }

  /** LiGhT.forward: path features, then the transformer layers. Returns [N, d]. */
  encoder(t0: string): string {
    const { g, cfg } = this
    const d = cfg.dG
    const H = cfg.nHeads
    const L = cfg.pathLength
    const dtp = cfg.dTripPath
    const dh = d / H
    const path = "edge_path"
    g.scope = "edge_bias/dist"
    const nNodes = g.op("Shape", [t0], { end: 1 }) // [1] = N
    const valid = g.op("GreaterOrEqual", [path, g.constI(0)]) // [E,L]
    const cnt = g.op("ReduceSum", [g.op("Cast", [valid], { to: 7 }), g.constI([-1])], { keepdims: 0 }) // [E] int64

    // Distance attention: path length embedding, replaced by the virtual-path / self-loop embeddings.
    // Only L+3 distinct rows exist, so the MLP runs on the table and edges gather their row.
    const table = g.op("Concat", [
      g.float("model.path_len_emb.weight", this.w.get("model.path_len_emb.weight", [L + 1, d]).data, [L + 1, d]),
      this.row("model.virtual_path_emb.weight", d),
      this.row("model.self_loop_emb.weight", d),
    ], { axis: 0 })
    const distTab = this.seq2(table, "model.dist_attn_layer", d, d, H) // [L+3,H]
    const code = g.op("Where", ["edge_sl", g.constI(L + 2), g.op("Where", ["edge_vp", g.constI(L + 1), cnt])])
    const distAttn = g.op("Gather", [distTab, code], { axis: 0 }) // [E,H]

    // Path attention: mean over the path's nodes of per-position MLPs of the node features.
    g.scope = "edge_bias/path"
    const inW = new Float32Array(d * L * dtp)
    const inB = new Float32Array(L * dtp)
    const outW = new Float32Array(L * dtp * dtp)
    const outB = new Float32Array(L * dtp)
    for (let i = 0; i < L; i++) {
      const key = `model.trip_fortrans.${i}`
      const wi = transpose(this.w.get(`${key}.in_proj.weight`, [dtp, d]).data, dtp, d) // [d,dtp]
      for (let r = 0; r < d; r++) inW.set(wi.subarray(r * dtp, (r + 1) * dtp), r * L * dtp + i * dtp)
      inB.set(this.w.get(`${key}.in_proj.bias`, [dtp]).data, i * dtp)
      if (this.w.has(`${key}.dense_layer_list.0.weight`)) throw bad(this.w.source, `${key} has more than 2 dense layers`)
      outW.set(transpose(this.w.get(`${key}.out_proj.weight`, [dtp, dtp]).data, dtp, dtp), i * dtp * dtp)
      outB.set(this.w.get(`${key}.out_proj.bias`, [dtp]).data, i * dtp)
    }
    const u = this.gelu(g.op("Add", [g.op("MatMul", [t0, g.float("model.trip_fortrans.in_t", inW, [d, L * dtp])]), g.float("model.trip_fortrans.in_b", inB, [L * dtp])]))
    const uL = g.op("Transpose", [g.op("Reshape", [u, g.constI([0, L, dtp])])], { perm: [1, 0, 2] }) // [L,N,dtp]
    const tf = g.op("Add", [
      g.op("MatMul", [uL, g.float("model.trip_fortrans.out_t", outW, [L, dtp, dtp])]),
      g.float("model.trip_fortrans.out_b", outB, [L, 1, dtp]),
    ]) // [L,N,dtp]
    // append a zero row per position (index N), flatten, gather at i·(N+1) + node (or N for padding)
    const zeros = g.op("ConstantOfShape", [g.op("Concat", [g.constI([L, 1]), g.constI([dtp])], { axis: 0 })], {})
    const tfz = g.op("Concat", [tf, zeros], { axis: 1 }) // [L,N+1,dtp]
    const flat = g.op("Reshape", [tfz, g.constI([-1, dtp])])
    const n1 = g.op("Add", [nNodes, g.constI(1)])
    const posBase = g.op("Mul", [g.constI(Array.from({ length: L }, (_, i) => i)), n1]) // [L]
    const idx = g.op("Add", [g.op("Where", [valid, path, nNodes]), posBase]) // [E,L]
    const pathSum = g.op("ReduceSum", [g.op("Gather", [flat, idx], { axis: 0 }), g.constI([1])], { keepdims: 0 }) // [E,dtp]
    const pathH = g.op("Div", [pathSum, g.op("Unsqueeze", [g.op("Cast", [cnt], { to: 1 }), g.constI([1])])])
    const pathAttn = this.seq2(pathH, "model.path_attn_layer", dtp, dtp, H) // [E,H]
    const edgeBias = g.op("Add", [distAttn, pathAttn])

    // Per-graph dense layout for attention (see `layout`): the edge bias becomes [G, H, M, M] with −inf
    // where there is no edge, so DGL's edge softmax over each destination's incoming edges is a row
    // softmax, and u_dot_v / copy_e+sum are batched matrix products.
    const lay = this.layout()
    g.scope = "edge_bias/scatter"
    const edgeIdx = g.op("Concat", [
      g.op("Unsqueeze", [g.op("Gather", ["node_graph", "edge_dst"], { axis: 0 }), g.constI([1])]),
      g.op("Unsqueeze", [g.op("Gather", [lay.pos, "edge_dst"], { axis: 0 }), g.constI([1])]),
      g.op("Unsqueeze", [g.op("Gather", [lay.pos, "edge_src"], { axis: 0 }), g.constI([1])]),
    ], { axis: 1 }) // [E,3] = (graph, dst position, src position); edges are unique
    const biasShape = g.op("Concat", [lay.gShape, lay.m, lay.m, g.constI([H])], { axis: 0 })
    const negInf = g.op("Add", [g.op("ConstantOfShape", [biasShape], {}), g.constF(-Infinity)])
    const dense = g.op("ScatterND", [negInf, edgeIdx, edgeBias]) // [G,M,M,H]
    const bias = g.op("Transpose", [dense], { perm: [3, 0, 1, 2] }) // [H,G,M(dst),M(src)]
    // padding positions read node 0 (any real row): as keys their bias is −inf (weight exactly 0), as
    // queries their rows are never gathered back — so no zero row has to be appended in every layer
    const padAny = g.op("Where", [g.op("Equal", [lay.padIndex, nNodes]), g.constI(0), lay.padIndex]) // [G,M]
    // qkv [N,3d] read as [N·3H, dh] rows (no copy): head h of q of node i is row i·3H + h, of k
    // i·3H + H + h, of v i·3H + 2H + h — three gathers give q, k, v in the padded grid [H,G,M,dh], heads
    // outermost, with no transpose and no split
    const heads = g.constI(Array.from({ length: H }, (_, h) => h)) // [H]
    const idxQ = g.op("Add", [g.op("Unsqueeze", [g.op("Mul", [padAny, g.constI(3 * H)]), g.constI([0])]), g.op("Unsqueeze", [heads, g.constI([1, 2])])]) // [H,G,M]
    const idxK = g.op("Add", [idxQ, g.constI(H)])
    const idxV = g.op("Add", [idxQ, g.constI(2 * H)])
    // and back: node i's head h is row h·G·M + flatIndex[i] of the attention output [H·G·M, dh]
    const gm = g.op("Mul", [lay.gShape, lay.m]) // [1]
    const idxO = g.op("Add", [g.op("Unsqueeze", [lay.flatIndex, g.constI([1])]), g.op("Mul", [heads, gm])]) // [N,H]
    const scale = d ** -0.5

    let t = t0
    for (let l = 0; l < cfg.nLayers; l++) {
      const key = `model.mol_T_layers.${l}`
      g.scope = `layer${l}/attn_norm`
      const hn = this.layerNorm(t, `${key}.attention_norm`, d)
      g.scope = `layer${l}/qkv`
      // the q columns (and bias) carry the attention scale, folded at build time
      const wqkv = transpose(this.w.get(`${key}.qkv.weight`, [3 * d, d]).data, 3 * d, d) // [d,3d]
      const bqkv = Float32Array.from(this.w.get(`${key}.qkv.bias`, [3 * d]).data)
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) wqkv[r * 3 * d + c]! *= scale
      for (let c = 0; c < d; c++) bqkv[c]! *= scale
      const qkv = g.op("Add", [g.op("MatMul", [hn, g.float(`${key}.qkv.weight_t_scaled`, wqkv, [d, 3 * d])]), g.float(`${key}.qkv.bias_scaled`, bqkv, [3 * d])]) // [N,3d]
      g.scope = `layer${l}/attn`
      const rows = g.op("Reshape", [qkv, g.constI([-1, dh])]) // [N·3H,dh]
      const [q, k, v] = [idxQ, idxK, idxV].map((i) => g.op("Gather", [rows, i], { axis: 0 }))
      // a[dst, src] = k[dst] · (scale·q[src]) + bias; softmax over src; Σ_src a·v[src]
      const a = g.op("Add", [g.op("MatMul", [k!, g.op("Transpose", [q!], { perm: [0, 1, 3, 2] })]), bias])
      const o = g.op("MatMul", [g.op("Softmax", [a], { axis: -1 }), v!]) // [H,G,M,dh]
      const agg = g.op("Reshape", [g.op("Gather", [g.op("Reshape", [o, g.constI([-1, dh])]), idxO], { axis: 0 }), g.constI([-1, d])]) // [N,H,dh] → [N,d]
      // Residual(node_out_layer)
      g.scope = `layer${l}/out_proj`
      const x = g.op("Add", [t, this.linear(agg, `${key}.node_out_layer.in_proj`, d, d)])
      g.scope = `layer${l}/ffn_norm`
      const y = this.layerNorm(x, `${key}.node_out_layer.norm`, d)
      g.scope = `layer${l}/ffn`
      const f = this.mlp(y, `${key}.node_out_layer.ffn`, d, cfg.dFfnHidden, d, cfg.nFfnLayers)
      t = g.op("Add", [x, f])
    }
    g.scope = ""
    return t
  }

  private layoutCache: { pos: string; flatIndex: string; padIndex: string; m: string; gShape: string } | null = null

  /**
   * Node i of graph b sits at position pos[i] of a [G, M] grid (M = largest graph): flatIndex[i] =
   * b·M + pos[i], padIndex[b, p] = the node there or N (a zero row) for padding. Requires `node_graph`
   * sorted with each graph's nodes contiguous (what batching produces).
   */
  layout(): { pos: string; flatIndex: string; padIndex: string; m: string; gShape: string } {
    if (this.layoutCache !== null) return this.layoutCache
    const g = this.g
    const outer = g.scope
    g.scope = "layout"
    const ng = "node_graph"
    const nShape = g.op("Shape", ["vavn"]) // [1] = N
    const gShape = g.op("Shape", ["fp"], { end: 1 }) // [1] = G
    const ones = g.op("Add", [g.zerosI(nShape), g.constI(1)])
    const counts = g.op("ScatterElements", [g.zerosI(gShape), ng, ones], { axis: 0, reduction: "add" })
    const m = g.op("ReduceMax", [counts], { keepdims: 1 }) // [1]
    const offsets = g.op("CumSum", [counts, g.constI(0)], { exclusive: 1 })
    const n = g.op("Squeeze", [nShape, g.constI([0])])
    const ar = g.op("Range", [g.constI(0), n, g.constI(1)]) // [N]
    const pos = g.op("Sub", [ar, g.op("Gather", [offsets, ng], { axis: 0 })])
    const flatIndex = g.op("Add", [g.op("Mul", [ng, m]), pos])
    const gm = g.op("Mul", [gShape, m])
    const fill = g.op("Add", [g.zerosI(gm), nShape])
    const padIndex = g.op("Reshape", [
      g.op("ScatterElements", [fill, flatIndex, ar], { axis: 0 }),
      g.op("Concat", [gShape, m], { axis: 0 }),
    ]) // [G,M]
    this.layoutCache = { pos, flatIndex, padIndex, m, gShape }
    g.scope = outer
    return this.layoutCache
  }

  /** concat(fp virtual node, md virtual node, mean of the other nodes) per graph: [G, 3d]. */
  readout(t: string): string {
    const { g, cfg } = this
    const d = cfg.dG
    const vavn = "vavn"
    g.scope = "readout"
    const fpv = g.op("GatherND", [t, this.whereIdx(g.op("Equal", [vavn, g.constI(1)]))])
    const mdv = g.op("GatherND", [t, this.whereIdx(g.op("Equal", [vavn, g.constI(2)]))])
    // mean over the nodes with vavn ≤ 0 of each graph, summed in the padded layout (no scatter-add)
    const lay = this.layout()
    const real = g.op("Unsqueeze", [g.op("Cast", [g.op("Less", [vavn, g.constI(1)])], { to: 1 }), g.constI([1])]) // [N,1]
    const zeroRow = g.op("ConstantOfShape", [g.constI([1, d + 1])], {})
    const both = g.op("Concat", [g.op("Concat", [g.op("Mul", [t, real]), real], { axis: 1 }), zeroRow], { axis: 0 }) // [N+1,d+1]
    const summed = g.op("ReduceSum", [g.op("Gather", [both, lay.padIndex], { axis: 0 }), g.constI([1])], { keepdims: 0 }) // [G,d+1]
    const [sums, counts] = g.opN("Split", [summed, g.constI([d, 1])], 2, { axis: 1 })
    const mean = g.op("Div", [sums!, g.op("Max", [counts!, g.constF(1)])])
    return g.op("Concat", [fpv, mdv, mean], { axis: 1 })
  }

  predictor(x: string): string {
    const layers = this.cfg.predictor!
    this.g.scope = "predictor"
    let h = x
    layers.forEach((l, i) => {
      h = this.linear(h, l.key, l.dIn, l.dOut)
      if (i < layers.length - 1) h = this.gelu(h)
    })
    return h
  }

  declareGraphInputs(withPrompt: boolean): void {
    const { g, cfg } = this
    g.input("begin_end", "FLOAT", ["nodes", 2, cfg.dAtom])
    g.input("edge", "FLOAT", ["nodes", cfg.dBond])
    g.input("vavn", "INT64", ["nodes"])
    g.input("node_graph", "INT64", ["nodes"])
    g.input("edge_src", "INT64", ["edges"])
    g.input("edge_dst", "INT64", ["edges"])
    g.input("edge_path", "INT64", ["edges", cfg.pathLength])
    g.input("edge_vp", "BOOL", ["edges"])
    g.input("edge_sl", "BOOL", ["edges"])
    g.input("fp", "FLOAT", ["graphs", cfg.dFp])
    g.input("md", "FLOAT", ["graphs", cfg.dMd])
    if (withPrompt) g.input("prompt", "FLOAT", ["nodes", "prompts", cfg.dG])
  }
}

export interface BuiltModel {
  readonly bytes: Uint8Array
  /** The external data file's content (chunks, in order) when `externalData` was asked for. */
  readonly data?: ReadonlyArray<Uint8Array>
  readonly config: LightConfig
  readonly inputs: ReadonlyArray<string>
  readonly outputs: ReadonlyArray<string>
}

const OPSET = 18

const encodeBuilt = (g: GraphBuilder, o: { opset: number; producerVersion: string; docString: string }, externalData: string | undefined): { bytes: Uint8Array; data?: ReadonlyArray<Uint8Array> } =>
  externalData === undefined ? { bytes: g.encode(o) } : g.encodeExternal(o, externalData)
const PRODUCER_VERSION = "0.1.0"

/**
 * The pretrained encoder: `node_emb` [N, d] (upstream `generate_node_emb`) and `graph_emb` [G, 3d]
 * (upstream `generate_features`: the 2304-wide embedding at light/base).
 */
export const buildEncoderModel = (tensors: Weights, options: BuildOptions = {}): BuiltModel => {
  const source = options.source ?? "<state dict>"
  const cfg = inferLightConfig(tensors, options)
  const g = new GraphBuilder("periogt_light_encoder")
  const net = new LightGraph(g, tensors, cfg, source)
  net.declareGraphInputs(false)
  const h = net.encoder(net.embed())
  g.output(h, "node_emb", "FLOAT", ["nodes", cfg.dG])
  g.output(net.readout(h), "graph_emb", "FLOAT", ["graphs", 3 * cfg.dG])
  const encoded = encodeBuilt(g, { opset: options.opset ?? OPSET, producerVersion: PRODUCER_VERSION, docString: "PerioGT LiGhT encoder" }, options.externalData)
  return { ...encoded, config: cfg, inputs: g.inputs.map((i) => i.name), outputs: ["node_emb", "graph_emb"] }
}

/**
 * The finetuned predictor (upstream `forward_tune`): prompts through NodeSelfAttention, the encoder,
 * the readout and the predictor. Outputs `prediction` [G, n_tasks] (standardized; × label std + label
 * mean by the caller) and `graph_emb` [G, 3d] (the predictor's input).
 */
export const buildFinetunedModel = (tensors: Weights, options: BuildOptions = {}): BuiltModel => {
  const source = options.source ?? "<state dict>"
  const cfg = inferLightConfig(tensors, options)
  if (cfg.nodeAttn === null) throw bad(source, "no node_attn.* weights: this is not a finetuned checkpoint")
  if (cfg.predictor === null) throw bad(source, "no predictor.* weights: this is not a finetuned checkpoint")
  const g = new GraphBuilder("periogt_light_finetuned")
  const net = new LightGraph(g, tensors, cfg, source)
  net.declareGraphInputs(true)
  const h = net.encoder(net.promptAttention(net.embed()))
  const feats = net.readout(h)
  const nTasks = cfg.predictor[cfg.predictor.length - 1]!.dOut
  g.output(net.predictor(feats), "prediction", "FLOAT", ["graphs", nTasks])
  g.output(feats, "graph_emb", "FLOAT", ["graphs", 3 * cfg.dG])
  const encoded = encodeBuilt(g, { opset: options.opset ?? OPSET, producerVersion: PRODUCER_VERSION, docString: "PerioGT LiGhT finetuned predictor" }, options.externalData)
  return { ...encoded, config: cfg, inputs: g.inputs.map((i) => i.name), outputs: ["prediction", "graph_emb"] }
}
