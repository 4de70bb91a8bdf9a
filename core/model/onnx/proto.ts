/**
 * A minimal protobuf encoder for the subset of `onnx.proto` (IR version 8) that periogt writes:
 * ModelProto, OperatorSetIdProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto.Tensor, TensorShapeProto. Field numbers are those of onnx/onnx.proto.
 *
 * Messages are assembled as lists of byte chunks so large initializers are referenced, not copied,
 * until the single final concatenation.
 */

/** ONNX TensorProto.DataType values. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const
export type DataTypeName = keyof typeof DataType

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const

const enc = new TextEncoder()

export class Msg {
  readonly parts: Uint8Array[] = []
  length = 0
  private push(b: Uint8Array) {
    this.parts.push(b)
    this.length += b.length
  }
  private varintBytes(v: number | bigint): Uint8Array {
    let x = BigInt.asUintN(64, BigInt(v))
    const out: number[] = []
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80)
      x >>= 7n
    }
    out.push(Number(x))
    return Uint8Array.from(out)
  }
  private tag(field: number, wire: number) {
    this.push(this.varintBytes((field << 3) | wire))
  }
  varint(field: number, v: number | bigint): this {
    this.tag(field, 0)
    this.push(this.varintBytes(v))
    return this
  }
  float(field: number, v: number): this {
    this.tag(field, 5)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true)
    this.push(b)
    return this
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2)
    this.push(this.varintBytes(b.length))
    if (b.length > 0) this.push(b)
    return this
  }
  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s))
  }
  message(field: number, m: Msg): this {
    this.tag(field, 2)
    this.push(this.varintBytes(m.length))
    for (const p of m.parts) this.push(p)
    return this
  }
  /** Packed repeated int64 field. */
  packedInts(field: number, values: ReadonlyArray<number | bigint>): this {
    const inner = new Msg()
    for (const v of values) inner.push(inner.varintBytes(v))
    return this.message(field, inner)
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length)
    let p = 0
    for (const b of this.parts) {
      out.set(b, p)
      p += b.length
    }
    return out
  }
}

export type AttrValue =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "ints"; readonly value: ReadonlyArray<number> }
  | { readonly kind: "floats"; readonly value: ReadonlyArray<number> }
  | { readonly kind: "tensor"; readonly value: TensorData }

export interface TensorData {
  readonly name: string
  readonly dataType: DataTypeName
  readonly dims: ReadonlyArray<number>
  /** Little-endian raw bytes. */
  readonly raw: Uint8Array
  /** Where `raw` is stored instead, in an external data file beside the model (ONNX external data). */
  readonly external?: { readonly location: string; readonly offset: number }
}

export interface NodeData {
  readonly opType: string
  readonly inputs: ReadonlyArray<string>
  readonly outputs: ReadonlyArray<string>
  readonly name: string
  readonly attributes: Readonly<Record<string, AttrValue>>
  readonly domain?: string
}

export interface ValueInfoData {
  readonly name: string
  readonly elemType: DataTypeName
  /** number = fixed size, string = symbolic dimension. */
  readonly shape: ReadonlyArray<number | string>
}

export interface GraphData {
  readonly name: string
  readonly nodes: ReadonlyArray<NodeData>
  readonly initializers: ReadonlyArray<TensorData>
  readonly inputs: ReadonlyArray<ValueInfoData>
  readonly outputs: ReadonlyArray<ValueInfoData>
  readonly docString?: string
}

export interface ModelData {
  readonly irVersion: number
  readonly opsetImports: ReadonlyArray<{ readonly domain: string; readonly version: number }>
  readonly producerName: string
  readonly producerVersion: string
  readonly graph: GraphData
  readonly docString?: string
  readonly metadata?: Readonly<Record<string, string>>
}

export const encodeTensor = (t: TensorData): Msg => {
  const m = new Msg()
  for (const d of t.dims) m.varint(1, d) // dims (repeated, unpacked is accepted by every parser)
  m.varint(2, DataType[t.dataType])
  m.string(8, t.name)
  if (t.external === undefined) return m.bytes(9, t.raw)
  const entry = (key: string, value: string) => new Msg().string(1, key).string(2, value)
  m.message(13, entry("location", t.external.location))
  m.message(13, entry("offset", String(t.external.offset)))
  m.message(13, entry("length", String(t.raw.length)))
  return m.varint(14, 1) // data_location = EXTERNAL
}

/** Offsets in an external data file are page-aligned, so ONNX Runtime can map the weights instead of copying them. */
export const EXTERNAL_ALIGNMENT = 4096
/** Initializers smaller than this stay inside the model. */
const EXTERNAL_MIN_BYTES = 1024

/**
 * Moves the model's large initializers into an external data file named `location` (resolved by ONNX
 * Runtime relative to the model file): the model then refers to them by offset, and `data` is the
 * file's content as chunks (zero padding included), in order.
 */
export const externalizeInitializers = (model: ModelData, location: string): { readonly model: ModelData; readonly data: ReadonlyArray<Uint8Array> } => {
  const data: Array<Uint8Array> = []
  let size = 0
  const initializers = model.graph.initializers.map((t): TensorData => {
    if (t.raw.length < EXTERNAL_MIN_BYTES) return t
    const pad = (EXTERNAL_ALIGNMENT - (size % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT
    if (pad > 0) data.push(new Uint8Array(pad))
    const offset = size + pad
    data.push(t.raw)
    size = offset + t.raw.length
    return { ...t, external: { location, offset } }
  })
  return { model: { ...model, graph: { ...model.graph, initializers } }, data }
}

const encodeAttribute = (name: string, a: AttrValue): Msg => {
  const m = new Msg().string(1, name)
  switch (a.kind) {
    case "float":
      m.float(2, a.value).varint(20, AttrType.FLOAT)
      break
    case "int":
      m.varint(3, a.value).varint(20, AttrType.INT)
      break
    case "string":
      m.string(4, a.value).varint(20, AttrType.STRING)
      break
    case "tensor":
      m.message(5, encodeTensor(a.value)).varint(20, AttrType.TENSOR)
      break
    case "floats":
      for (const f of a.value) m.float(7, f)
      m.varint(20, AttrType.FLOATS)
      break
    case "ints":
      for (const i of a.value) m.varint(8, i)
      m.varint(20, AttrType.INTS)
      break
  }
  return m
}

const encodeNode = (n: NodeData): Msg => {
  const m = new Msg()
  for (const i of n.inputs) m.string(1, i)
  for (const o of n.outputs) m.string(2, o)
  m.string(3, n.name)
  m.string(4, n.opType)
  for (const [k, v] of Object.entries(n.attributes)) m.message(5, encodeAttribute(k, v))
  if (n.domain !== undefined && n.domain !== "") m.string(7, n.domain)
  return m
}

const encodeValueInfo = (v: ValueInfoData): Msg => {
  const shape = new Msg()
  for (const d of v.shape) {
    const dim = new Msg()
    if (typeof d === "number") dim.varint(1, d)
    else dim.string(2, d)
    shape.message(1, dim)
  }
  const tensorType = new Msg().varint(1, DataType[v.elemType]).message(2, shape)
  const type = new Msg().message(1, tensorType)
  return new Msg().string(1, v.name).message(2, type)
}

export const encodeGraph = (g: GraphData): Msg => {
  const m = new Msg()
  for (const n of g.nodes) m.message(1, encodeNode(n))
  m.string(2, g.name)
  for (const t of g.initializers) m.message(5, encodeTensor(t))
  if (g.docString !== undefined) m.string(10, g.docString)
  for (const i of g.inputs) m.message(11, encodeValueInfo(i))
  for (const o of g.outputs) m.message(12, encodeValueInfo(o))
  return m
}

/** Serializes a ModelProto. */
export const encodeModel = (model: ModelData): Uint8Array => {
  const m = new Msg()
  m.varint(1, model.irVersion)
  m.string(2, model.producerName)
  m.string(3, model.producerVersion)
  if (model.docString !== undefined) m.string(6, model.docString)
  m.message(7, encodeGraph(model.graph))
  for (const o of model.opsetImports) m.message(8, new Msg().string(1, o.domain).varint(2, o.version))
  for (const [k, v] of Object.entries(model.metadata ?? {})) m.message(14, new Msg().string(1, k).string(2, v))
  return m.toBytes()
}
