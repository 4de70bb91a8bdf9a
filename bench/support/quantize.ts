/**
 * int8 dynamic quantization of a built model's matrix products (benches only: bench/model/reducedPrecision.ts).
 *
 * `quantizeMatMuls(bytes)` decodes the ONNX bytes that `buildEncoderModel` / `buildFinetunedModel` return
 * (the subset of onnx.proto that core/model/onnx/proto.ts writes), rewrites every MatMul — and Gemm
 * without transA/alpha/beta — whose second input is a constant float initializer of rank 2 [K, N] into
 * standard ONNX operators, and encodes the model again with the project's own encoder:
 *
 *   x ─ DynamicQuantizeLinear ─┬ x_q (uint8) ─┐
 *                              ├ x_zp ────────┤
 *                              └ x_scale ─┐   │
 *   W_q (int8 [K,N], per column, zp 0) ───┼── MatMulInteger ─ Cast(float) ─ Mul ─ [Add bias (Gemm's C)]
 *   w_scale [N] ───────────────────────── Mul ──────────────────────────────┘
 *
 * — the pattern of onnxruntime.quantization's quantize_dynamic, which ONNX Runtime's CPU provider fuses
 * into its DynamicQuantizeMatMul (u8 activations × s8 weights, VNNI where the CPU has it). The weight is
 * quantized at build time: symmetric, per output column, scale = max|W[:, n]| / 127, zero point 0.
 * MatMul's own bias is a separate Add in these graphs and stays as it is (ONNX Runtime folds it into the
 * fused node). Everything else is kept unchanged; a weight shared by several products is quantized once.
 *
 * Pure: the input bytes are not modified. `decodeModel` round-trips: encodeModel(decodeModel(b)) equals b
 * for a model periogt wrote (checked by the bench).
 */
import { DataType, encodeModel, type AttrValue, type DataTypeName, type ModelData, type NodeData, type TensorData, type ValueInfoData } from "../../core/model/onnx/proto.ts"

// ---------------------------------------------------------------------------------------------------
// protobuf decoding (the fields proto.ts writes; unknown fields are skipped)

interface Field {
  readonly no: number
  readonly wire: number
  /** varint (wire 0) */
  readonly v?: bigint
  /** 32-bit (wire 5), as raw bytes */
  readonly f32?: Uint8Array
  /** length-delimited (wire 2) */
  readonly bytes?: Uint8Array
}

const fields = (buf: Uint8Array): Array<Field> => {
  const out: Array<Field> = []
  let p = 0
  const varint = (): bigint => {
    let x = 0n
    let shift = 0n
    for (;;) {
      if (p >= buf.length) throw new Error("truncated varint")
      const b = buf[p++]!
      x |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return x
      shift += 7n
    }
  }
  while (p < buf.length) {
    const tag = Number(varint())
    const no = tag >>> 3
    const wire = tag & 7
    if (wire === 0) out.push({ no, wire, v: varint() })
    else if (wire === 1) (out.push({ no, wire, bytes: buf.subarray(p, p + 8) }), (p += 8))
    else if (wire === 5) (out.push({ no, wire, f32: buf.subarray(p, p + 4) }), (p += 4))
    else if (wire === 2) {
      const n = Number(varint())
      out.push({ no, wire, bytes: buf.subarray(p, p + n) })
      p += n
    } else throw new Error(`unsupported wire type ${wire}`)
  }
  return out
}

const td = new TextDecoder()
const str = (f: Field) => td.decode(f.bytes!)
const int = (f: Field) => Number(BigInt.asIntN(64, f.v!))
const f32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true)
const typeName = (code: number): DataTypeName => {
  const hit = (Object.entries(DataType) as Array<[DataTypeName, number]>).find(([, c]) => c === code)
  if (hit === undefined) throw new Error(`unsupported tensor data type ${code}`)
  return hit[0]
}

/** Repeated int64 that may come packed (wire 2) or not (wire 0). */
const ints = (fs: ReadonlyArray<Field>, no: number): Array<number> => {
  const out: Array<number> = []
  for (const f of fs) {
    if (f.no !== no) continue
    if (f.wire === 0) out.push(int(f))
    else for (const g of fields(packedVarints(f.bytes!))) out.push(int(g))
  }
  return out
}
/** Packed varints re-tagged as field 1 so `fields` can read them. */
const packedVarints = (b: Uint8Array): Uint8Array => {
  const out: Array<number> = []
  let p = 0
  while (p < b.length) {
    out.push(0x08)
    while (b[p]! & 0x80) out.push(b[p++]!)
    out.push(b[p++]!)
  }
  return Uint8Array.from(out)
}

const decodeTensor = (b: Uint8Array): TensorData => {
  const fs = fields(b)
  let name = ""
  let dataType: DataTypeName = "FLOAT"
  let raw: Uint8Array = new Uint8Array()
  for (const f of fs) {
    if (f.no === 2) dataType = typeName(int(f))
    else if (f.no === 8) name = str(f)
    else if (f.no === 9) raw = f.bytes!
    else if (f.no === 13 || f.no === 14) throw new Error(`tensor ${name}: external data is not supported here (build without externalData)`)
  }
  return { name, dataType, dims: ints(fs, 1), raw }
}

const decodeAttribute = (b: Uint8Array): [string, AttrValue] => {
  const fs = fields(b)
  const name = str(fs.find((f) => f.no === 1)!)
  const type = int(fs.find((f) => f.no === 20)!)
  const one = (no: number) => fs.find((f) => f.no === no)!
  switch (type) {
    case 1:
      return [name, { kind: "float", value: f32(one(2).f32!) }]
    case 2:
      return [name, { kind: "int", value: int(one(3)) }]
    case 3:
      return [name, { kind: "string", value: str(one(4)) }]
    case 4:
      return [name, { kind: "tensor", value: decodeTensor(one(5).bytes!) }]
    case 6: {
      const vs: Array<number> = []
      for (const f of fs.filter((f) => f.no === 7)) {
        if (f.wire === 5) vs.push(f32(f.f32!))
        else for (let i = 0; i < f.bytes!.length; i += 4) vs.push(f32(f.bytes!.subarray(i, i + 4)))
      }
      return [name, { kind: "floats", value: vs }]
    }
    case 7:
      return [name, { kind: "ints", value: ints(fs, 8) }]
    default:
      throw new Error(`attribute ${name}: unsupported type ${type}`)
  }
}

const decodeNode = (b: Uint8Array): NodeData => {
  const inputs: Array<string> = []
  const outputs: Array<string> = []
  const attributes: Record<string, AttrValue> = {}
  let name = ""
  let opType = ""
  let domain: string | undefined
  for (const f of fields(b)) {
    if (f.no === 1) inputs.push(str(f))
    else if (f.no === 2) outputs.push(str(f))
    else if (f.no === 3) name = str(f)
    else if (f.no === 4) opType = str(f)
    else if (f.no === 5) {
      const [k, v] = decodeAttribute(f.bytes!)
      attributes[k] = v
    } else if (f.no === 7) domain = str(f)
  }
  return { opType, inputs, outputs, name, attributes, ...(domain === undefined ? {} : { domain }) }
}

const decodeValueInfo = (b: Uint8Array): ValueInfoData => {
  const fs = fields(b)
  const name = str(fs.find((f) => f.no === 1)!)
  const tensorType = fields(fields(fs.find((f) => f.no === 2)!.bytes!).find((f) => f.no === 1)!.bytes!)
  const elemType = typeName(int(tensorType.find((f) => f.no === 1)!))
  const shapeField = tensorType.find((f) => f.no === 2)
  const shape = (shapeField === undefined ? [] : fields(shapeField.bytes!).filter((f) => f.no === 1)).map((d) => {
    const dim = fields(d.bytes!)[0]!
    return dim.no === 1 ? int(dim) : str(dim)
  })
  return { name, elemType, shape }
}

/** ModelProto bytes (as periogt writes them) → ModelData. */
export const decodeModel = (bytes: Uint8Array): ModelData => {
  let irVersion = 8
  let producerName = ""
  let producerVersion = ""
  let docString: string | undefined
  let graphBytes: Uint8Array | undefined
  const opsetImports: Array<{ domain: string; version: number }> = []
  const metadata: Record<string, string> = {}
  for (const f of fields(bytes)) {
    if (f.no === 1) irVersion = int(f)
    else if (f.no === 2) producerName = str(f)
    else if (f.no === 3) producerVersion = str(f)
    else if (f.no === 6) docString = str(f)
    else if (f.no === 7) graphBytes = f.bytes!
    else if (f.no === 8) {
      const o = fields(f.bytes!)
      opsetImports.push({ domain: o.find((x) => x.no === 1) === undefined ? "" : str(o.find((x) => x.no === 1)!), version: int(o.find((x) => x.no === 2)!) })
    } else if (f.no === 14) {
      const e = fields(f.bytes!)
      metadata[str(e.find((x) => x.no === 1)!)] = str(e.find((x) => x.no === 2)!)
    }
  }
  if (graphBytes === undefined) throw new Error("no graph")
  const nodes: Array<NodeData> = []
  const initializers: Array<TensorData> = []
  const inputs: Array<ValueInfoData> = []
  const outputs: Array<ValueInfoData> = []
  let name = ""
  let graphDoc: string | undefined
  for (const f of fields(graphBytes)) {
    if (f.no === 1) nodes.push(decodeNode(f.bytes!))
    else if (f.no === 2) name = str(f)
    else if (f.no === 5) initializers.push(decodeTensor(f.bytes!))
    else if (f.no === 10) graphDoc = str(f)
    else if (f.no === 11) inputs.push(decodeValueInfo(f.bytes!))
    else if (f.no === 12) outputs.push(decodeValueInfo(f.bytes!))
  }
  return {
    irVersion,
    opsetImports,
    producerName,
    producerVersion,
    graph: { name, nodes, initializers, inputs, outputs, ...(graphDoc === undefined ? {} : { docString: graphDoc }) },
    ...(docString === undefined ? {} : { docString }),
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
  }
}

// ---------------------------------------------------------------------------------------------------
// the rewrite

/** W [K, N] (row-major float32) → int8 per output column, symmetric (zero point 0), and the column scales. */
export const quantizeColumns = (w: Float32Array, K: number, N: number): { q: Int8Array; scale: Float32Array } => {
  const scale = new Float32Array(N)
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) scale[n] = Math.max(scale[n]!, Math.abs(w[k * N + n]!))
  for (let n = 0; n < N; n++) scale[n] = scale[n]! > 0 ? scale[n]! / 127 : 1
  const q = new Int8Array(K * N)
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) q[k * N + n] = Math.max(-127, Math.min(127, Math.round(w[k * N + n]! / scale[n]!)))
  return { q, scale }
}

const floats = (t: TensorData): Float32Array => {
  // copy: the raw bytes may sit at an offset that is not 4-aligned inside the decoded buffer
  const b = t.raw.slice()
  return new Float32Array(b.buffer, 0, b.length / 4)
}
const transposed = (w: Float32Array, rows: number, cols: number) => {
  const out = new Float32Array(w.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!
  return out
}

export interface QuantizeReport {
  /** Products rewritten, by op type. */
  readonly rewritten: Readonly<Record<string, number>>
  /** Products left in float (weight not a rank-2 float initializer, or Gemm with options), by op type. */
  readonly kept: Readonly<Record<string, number>>
  /** Products left in float although their second input is an initializer: its name and dims. */
  readonly keptWeights: ReadonlyArray<string>
  /** Weight bytes: float32 before, int8 + scales after (the rewritten products' only). */
  readonly weightBytes: { readonly fp32: number; readonly int8: number }
}

/** The model with its eligible MatMul/Gemm nodes as DynamicQuantizeLinear + MatMulInteger (see the header). */
export const quantizeModel = (model: ModelData): { model: ModelData; report: QuantizeReport } => {
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]))
  const used = new Set<string>([...model.graph.initializers.map((t) => t.name), ...model.graph.inputs.map((i) => i.name)])
  for (const n of model.graph.nodes) for (const o of [...n.inputs, ...n.outputs]) used.add(o)
  let counter = 0
  const fresh = (hint: string) => {
    let n: string
    do n = `${hint}_q${counter++}`
    while (used.has(n))
    used.add(n)
    return n
  }
  const added: Array<TensorData> = []
  const quantized = new Map<string, { q: string; scale: string; zp: string }>()
  const rewritten: Record<string, number> = {}
  const kept: Record<string, number> = {}
  const keptWeights: Array<string> = []
  let fp32Bytes = 0
  let int8Bytes = 0

  const weightOf = (name: string, transB: boolean) => {
    const key = `${name}|${transB}`
    const hit = quantized.get(key)
    if (hit !== undefined) return hit
    const t = inits.get(name)!
    const [r, c] = t.dims as [number, number]
    const w = transB ? transposed(floats(t), r, c) : floats(t)
    const [K, N] = transB ? [c, r] : [r, c]
    const { q, scale } = quantizeColumns(w, K, N)
    const out = { q: fresh(`${name}_int8`), scale: fresh(`${name}_scale`), zp: fresh(`${name}_zp`) }
    added.push({ name: out.q, dataType: "INT8", dims: [K, N], raw: new Uint8Array(q.buffer) })
    added.push({ name: out.scale, dataType: "FLOAT", dims: [N], raw: new Uint8Array(scale.buffer) })
    added.push({ name: out.zp, dataType: "INT8", dims: [N], raw: new Uint8Array(N) })
    fp32Bytes += t.raw.length
    int8Bytes += q.length + 4 * N + N
    quantized.set(key, out)
    return out
  }

  const nodes: Array<NodeData> = []
  for (const n of model.graph.nodes) {
    const isProduct = n.opType === "MatMul" || n.opType === "Gemm"
    if (!isProduct || (n.domain ?? "") !== "") {
      nodes.push(n)
      continue
    }
    const w = inits.get(n.inputs[1]!)
    const a = n.attributes
    const attr = (k: string, d: number) => (a[k] === undefined ? d : (a[k] as { value: number }).value)
    const gemmOk = n.opType === "MatMul" || (attr("transA", 0) === 0 && attr("alpha", 1) === 1 && attr("beta", 1) === 1)
    if (w === undefined || w.dataType !== "FLOAT" || w.dims.length !== 2 || !gemmOk) {
      kept[n.opType] = (kept[n.opType] ?? 0) + 1
      if (w !== undefined) keptWeights.push(`${w.name} [${w.dims.join(",")}]`)
      nodes.push(n)
      continue
    }
    rewritten[n.opType] = (rewritten[n.opType] ?? 0) + 1
    const qw = weightOf(w.name, n.opType === "Gemm" && attr("transB", 0) === 1)
    const base = n.name
    const [xq, xs, xz] = [fresh(`${base}/x_q`), fresh(`${base}/x_scale`), fresh(`${base}/x_zp`)]
    const [acc, accF, mult, y] = [fresh(`${base}/acc`), fresh(`${base}/acc_f`), fresh(`${base}/multiplier`), fresh(`${base}/y`)]
    const hasBias = n.opType === "Gemm" && n.inputs[2] !== undefined && n.inputs[2] !== ""
    const out = hasBias ? y : n.outputs[0]!
    const node = (opType: string, inputs: Array<string>, outputs: Array<string>, suffix: string, attributes: Record<string, AttrValue> = {}): NodeData => ({ opType, inputs, outputs, name: `${base}/${suffix}`, attributes })
    nodes.push(
      node("DynamicQuantizeLinear", [n.inputs[0]!], [xq, xs, xz], "DynamicQuantizeLinear"),
      node("MatMulInteger", [xq, qw.q, xz, qw.zp], [acc], "MatMulInteger"),
      node("Mul", [xs, qw.scale], [mult], "scale"),
      node("Cast", [acc], [accF], "Cast", { to: { kind: "int", value: DataType.FLOAT } }),
      node("Mul", [accF, mult], [out], "Mul"),
    )
    if (hasBias) nodes.push(node("Add", [y, n.inputs[2]!], [n.outputs[0]!], "bias"))
  }
  // float weights no product reads any more are dropped
  const read = new Set(nodes.flatMap((n) => n.inputs))
  for (const o of model.graph.outputs) read.add(o.name)
  const initializers = [...model.graph.initializers.filter((t) => read.has(t.name) || !quantizedNames(quantized, t.name)), ...added]
  return {
    model: { ...model, graph: { ...model.graph, nodes, initializers } },
    report: { rewritten, kept, keptWeights, weightBytes: { fp32: fp32Bytes, int8: int8Bytes } },
  }
}
const quantizedNames = (m: Map<string, unknown>, name: string) => m.has(`${name}|false`) || m.has(`${name}|true`)

/** ONNX bytes in, ONNX bytes out (see quantizeModel). */
export const quantizeMatMuls = (bytes: Uint8Array): { bytes: Uint8Array; report: QuantizeReport } => {
  const { model, report } = quantizeModel(decodeModel(bytes))
  return { bytes: encodeModel(model), report }
}
