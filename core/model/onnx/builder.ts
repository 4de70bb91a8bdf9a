/**
 * A small graph builder over the protobuf encoder: named values, initializers, standard-opset nodes.
 */
import {
  type AttrValue,
  type DataTypeName,
  type ModelData,
  type NodeData,
  type TensorData,
  type ValueInfoData,
  encodeModel,
  externalizeInitializers,
} from "./proto.ts"

export type Attr =
  | number
  | string
  | ReadonlyArray<number>
  | { readonly floats: ReadonlyArray<number> }
  | { readonly float: number }
  | { readonly tensor: TensorData }

const toAttr = (a: Attr): AttrValue => {
  if (typeof a === "number") return Number.isInteger(a) ? { kind: "int", value: a } : { kind: "float", value: a }
  if (typeof a === "string") return { kind: "string", value: a }
  if (Array.isArray(a)) return { kind: "ints", value: a as ReadonlyArray<number> }
  if ("tensor" in (a as object)) return { kind: "tensor", value: (a as { tensor: TensorData }).tensor }
  if ("floats" in (a as object)) return { kind: "floats", value: (a as { floats: ReadonlyArray<number> }).floats }
  return { kind: "float", value: (a as { float: number }).float }
}

const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

export class GraphBuilder {
  readonly nodes: NodeData[] = []
  readonly initializers: TensorData[] = []
  readonly inputs: ValueInfoData[] = []
  readonly outputs: ValueInfoData[] = []
  private counter = 0
  private readonly constCache = new Map<string, string>()
  private readonly names = new Set<string>()

  /**
   * Prefix of the names of the nodes added next (e.g. `layer3/ffn`): ONNX Runtime's profiler reports
   * nodes by name, so a profile says which part of the network each node belongs to. Names only.
   */
  scope = ""

  constructor(readonly name: string) {}

  fresh(hint: string): string {
    let n: string
    do n = `${hint}_${this.counter++}`
    while (this.names.has(n))
    this.names.add(n)
    return n
  }

  input(name: string, elemType: DataTypeName, shape: ReadonlyArray<number | string>): string {
    this.names.add(name)
    this.inputs.push({ name, elemType, shape })
    return name
  }

  output(value: string, name: string, elemType: DataTypeName, shape: ReadonlyArray<number | string>): void {
    if (value !== name) this.op("Identity", [value], {}, name)
    this.outputs.push({ name, elemType, shape })
  }

  /** A float32 initializer (copied into little-endian bytes by reference when possible). */
  float(name: string, data: Float32Array, dims: ReadonlyArray<number>): string {
    const count = dims.reduce((a, b) => a * b, 1)
    if (count !== data.length) throw new Error(`initializer ${name}: ${data.length} values for dims ${JSON.stringify(dims)}`)
    const n = this.names.has(name) ? this.fresh(name) : name
    this.names.add(n)
    this.initializers.push({ name: n, dataType: "FLOAT", dims, raw: f32Bytes(data) })
    return n
  }

  int64(name: string, values: ReadonlyArray<number>, dims: ReadonlyArray<number> = [values.length]): string {
    const n = this.names.has(name) ? this.fresh(name) : name
    this.names.add(n)
    const b = new BigInt64Array(values.map((v) => BigInt(v)))
    this.initializers.push({ name: n, dataType: "INT64", dims, raw: new Uint8Array(b.buffer) })
    return n
  }

  /** A cached scalar or vector constant. */
  constF(values: number | ReadonlyArray<number>): string {
    const arr = typeof values === "number" ? [values] : values
    const dims = typeof values === "number" ? [] : [arr.length]
    const key = `f:${JSON.stringify(dims)}:${arr.map((v) => (Object.is(v, -0) ? "-0" : String(v))).join(",")}`
    const hit = this.constCache.get(key)
    if (hit !== undefined) return hit
    const n = this.float(this.fresh("const_f"), Float32Array.from(arr), dims)
    this.constCache.set(key, n)
    return n
  }

  constI(values: number | ReadonlyArray<number>): string {
    const arr = typeof values === "number" ? [values] : values
    const dims = typeof values === "number" ? [] : [arr.length]
    const key = `i:${JSON.stringify(dims)}:${arr.join(",")}`
    const hit = this.constCache.get(key)
    if (hit !== undefined) return hit
    const n = this.int64(this.fresh("const_i"), arr, dims)
    this.constCache.set(key, n)
    return n
  }

  /** int64 zeros of a runtime shape (ConstantOfShape with an int64 value). */
  zerosI(shape: string): string {
    const value: TensorData = { name: "value", dataType: "INT64", dims: [1], raw: new Uint8Array(8) }
    return this.op("ConstantOfShape", [shape], { value: { tensor: value } })
  }

  /** Adds a node; returns its (first) output name. */
  op(opType: string, inputs: ReadonlyArray<string>, attrs: Readonly<Record<string, Attr>> = {}, out?: string): string {
    return this.opN(opType, inputs, 1, attrs, out === undefined ? undefined : [out])[0]!
  }

  opN(
    opType: string,
    inputs: ReadonlyArray<string>,
    nOutputs: number,
    attrs: Readonly<Record<string, Attr>> = {},
    outs?: ReadonlyArray<string>,
  ): string[] {
    const outputs = outs !== undefined ? [...outs] : Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()))
    for (const o of outputs) this.names.add(o)
    const attributes: Record<string, AttrValue> = {}
    for (const [k, v] of Object.entries(attrs)) attributes[k] = toAttr(v)
    this.nodes.push({ opType, inputs, outputs, name: this.fresh(this.scope === "" ? `n_${opType}` : `${this.scope}/${opType}`), attributes })
    return outputs
  }

  toModel(options: { opset: number; producerVersion: string; docString?: string; metadata?: Record<string, string> }): ModelData {
    return {
      irVersion: 8,
      opsetImports: [{ domain: "", version: options.opset }],
      producerName: "periogt",
      producerVersion: options.producerVersion,
      graph: { name: this.name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs },
      ...(options.docString === undefined ? {} : { docString: options.docString }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    }
  }

  encode(options: { opset: number; producerVersion: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    return encodeModel(this.toModel(options))
  }

  /** The model with its large initializers in an external data file named `location` (see externalizeInitializers). */
  encodeExternal(options: { opset: number; producerVersion: string; docString?: string; metadata?: Record<string, string> }, location: string): { readonly bytes: Uint8Array; readonly data: ReadonlyArray<Uint8Array> } {
    const { model, data } = externalizeInitializers(this.toModel(options), location)
    return { bytes: encodeModel(model), data }
  }
}
