/**
 * Reads a PyTorch state dict written by `torch.save` (the zip format of torch ≥ 1.6: `<name>/data.pkl`,
 * `<name>/data/<key>` storages, `<name>/byteorder`, `<name>/version`) without Python.
 *
 * The pickle is decoded by the safe interpreter with an allow-list of the torch globals a state dict
 * uses; storages are read entry by entry (CRC-checked) and tensors are rebuilt honouring sizes, strides
 * and offsets. Floating tensors (fp16, bf16, fp32, fp64) become Float32Array. Leading `module.` prefixes
 * (DataParallel / DDP) are stripped. Any failure is a `ModelLoadFailed` naming the file and the reason.
 */
import { ModelLoadFailed } from "../../errors/index.ts"
import { COLLECTIONS_GLOBALS } from "../../io/pickle/collections.ts"
import { halfToFloat } from "../../io/pickle/numpy.ts"
import { decodePickle, refuse } from "../../io/pickle/unpickle.ts"
import { type AllowList, type GlobalHandler, isGlobalRef, isTuple } from "../../io/pickle/values.ts"
import { type ByteSource, ZipReader, fileSource } from "./zip.ts"

export type TorchDType = "float32" | "float64" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool"

export interface Tensor {
  /** The dtype stored in the checkpoint. */
  readonly dtype: TorchDType
  readonly shape: ReadonlyArray<number>
  /** Row-major values; Float32Array for floating dtypes, the matching integer array otherwise. */
  readonly data: Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array
}

export interface FloatTensor extends Tensor {
  readonly data: Float32Array
}

export interface Checkpoint {
  readonly file: string
  /** Keys in file order, `module.` prefixes stripped. */
  readonly tensors: ReadonlyMap<string, Tensor>
  readonly byteorder: "little" | "big"
  readonly version: string | null
}

export interface ReadCheckpointOptions {
  /** Verify each storage's CRC-32 (default true). */
  readonly verifyCrc?: boolean
  /** Key prefixes to strip (default `["module."]`, applied repeatedly at the start of a key). */
  readonly stripPrefixes?: ReadonlyArray<string>
}

const STORAGE_DTYPES: Record<string, { dtype: TorchDType; itemsize: number }> = {
  FloatStorage: { dtype: "float32", itemsize: 4 },
  DoubleStorage: { dtype: "float64", itemsize: 8 },
  HalfStorage: { dtype: "float16", itemsize: 2 },
  BFloat16Storage: { dtype: "bfloat16", itemsize: 2 },
  LongStorage: { dtype: "int64", itemsize: 8 },
  IntStorage: { dtype: "int32", itemsize: 4 },
  ShortStorage: { dtype: "int16", itemsize: 2 },
  CharStorage: { dtype: "int8", itemsize: 1 },
  ByteStorage: { dtype: "uint8", itemsize: 1 },
  BoolStorage: { dtype: "bool", itemsize: 1 },
  UntypedStorage: { dtype: "uint8", itemsize: 1 },
}

interface StorageRef {
  readonly _tag: "StorageRef"
  readonly key: string
  readonly dtype: TorchDType
  readonly itemsize: number
  readonly numel: number
}

interface TensorRef {
  readonly _tag: "TensorRef"
  readonly storage: StorageRef
  readonly offset: number
  readonly size: ReadonlyArray<number>
  readonly stride: ReadonlyArray<number>
}

const isStorageRef = (u: unknown): u is StorageRef => typeof u === "object" && u !== null && (u as StorageRef)._tag === "StorageRef"
const isTensorRef = (u: unknown): u is TensorRef => typeof u === "object" && u !== null && (u as TensorRef)._tag === "TensorRef"

const intTuple = (u: unknown, what: string): ReadonlyArray<number> => {
  if (!Array.isArray(u) || !u.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0))
    return refuse(`${what} is not a tuple of non-negative integers`)
  return u as ReadonlyArray<number>
}

const rebuildTensor = (args: ReadonlyArray<unknown>): TensorRef => {
  const [storage, offset, size, stride] = args
  if (!isStorageRef(storage)) return refuse("a tensor is rebuilt from something that is not a storage")
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
    return refuse("a tensor has a bad storage offset")
  const sz = intTuple(size, "a tensor size")
  const st = intTuple(stride, "a tensor stride")
  if (sz.length !== st.length) return refuse("a tensor's size and stride have different ranks")
  return { _tag: "TensorRef", storage, offset, size: sz, stride: st }
}

const storageClassHandler: GlobalHandler = {}

/** The torch globals a plain state dict may use, and nothing else. */
export const TORCH_STATE_DICT_GLOBALS: AllowList = {
  ...COLLECTIONS_GLOBALS,
  "torch._utils._rebuild_tensor_v2": { call: rebuildTensor },
  "torch._utils._rebuild_tensor": { call: rebuildTensor },
  "torch._utils._rebuild_parameter": {
    call: (args) => (isTensorRef(args[0]) ? args[0] : refuse("a parameter wraps something that is not a tensor")),
  },
  ...Object.fromEntries(Object.keys(STORAGE_DTYPES).map((k) => [`torch.${k}`, storageClassHandler])),
  "torch.storage.UntypedStorage": storageClassHandler,
}

const persistentLoad = (pid: unknown): StorageRef => {
  if (!isTuple(pid) || pid.length < 5 || pid[0] !== "storage") return refuse("a persistent id is not a torch storage")
  const [, type, key, , numel] = pid
  if (!isGlobalRef(type)) return refuse("a storage type is not a torch storage class")
  const info = STORAGE_DTYPES[type.name.split(".").pop() ?? ""]
  if (info === undefined) return refuse(`storage type ${type.name} is not supported`)
  if (typeof key !== "string" || !/^[A-Za-z0-9_.-]+$/.test(key)) return refuse("a storage key is not a plain name")
  if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) return refuse("a storage has a bad size")
  return { _tag: "StorageRef", key, dtype: info.dtype, itemsize: info.itemsize, numel }
}

const ACTION =
  "the checkpoint is damaged, truncated or not a PyTorch state dict: download it again (periogt setup) and retry"

const fail = (file: string, reason: string, cause?: unknown, details: Record<string, unknown> = {}): ModelLoadFailed =>
  new ModelLoadFailed({ message: `cannot read checkpoint ${file}: ${reason}`, action: ACTION, details: { file, ...details }, cause })

/** Reads a `torch.save` state dict from a file. */
export const readCheckpoint = (path: string, options: ReadCheckpointOptions = {}): Promise<Checkpoint> => {
  let source: ByteSource
  try {
    source = fileSource(path)
    if (source.size === 0) throw new Error("the file is empty")
  } catch (e) {
    return Promise.reject(fail(path, e instanceof Error ? e.message : String(e), e))
  }
  return readCheckpointFrom(source, options)
}

/** Reads a `torch.save` state dict from any byte source. */
export const readCheckpointFrom = async (source: ByteSource, options: ReadCheckpointOptions = {}): Promise<Checkpoint> => {
  const file = source.name
  let zip: ZipReader
  try {
    zip = await ZipReader.open(source)
  } catch (e) {
    const head = await source.read(0, Math.min(2, source.size)).catch(() => new Uint8Array(0))
    const legacy = head[0] === 0x80 && head[1] !== undefined && head[1] <= 5
    const reason = legacy
      ? "this is the legacy (pre-1.6) torch.save format, which is not supported: re-save it with torch ≥ 1.6"
      : e instanceof Error
        ? e.message
        : String(e)
    throw fail(file, reason, e)
  }
  const pkls = [...zip.entries.keys()].filter((n) => n.endsWith("/data.pkl") && n.split("/").length === 2)
  if (pkls.length !== 1)
    throw fail(file, pkls.length === 0 ? "no <name>/data.pkl entry: not a torch.save archive" : "several data.pkl entries")
  const prefix = pkls[0]!.slice(0, -"data.pkl".length)
  const readEntry = async (name: string) => {
    try {
      return await zip.read(name, { verifyCrc: options.verifyCrc ?? true })
    } catch (e) {
      throw fail(file, e instanceof Error ? e.message : String(e), e, { entry: name })
    }
  }
  const text = async (name: string) => (zip.entries.has(name) ? new TextDecoder().decode(await readEntry(name)).trim() : null)
  const byteorderText = await text(`${prefix}byteorder`)
  if (byteorderText !== null && byteorderText !== "little" && byteorderText !== "big")
    throw fail(file, `unknown byte order ${JSON.stringify(byteorderText.slice(0, 20))}`)
  const byteorder = (byteorderText ?? "little") as "little" | "big"
  const version = await text(`${prefix}version`)

  const pkl = await readEntry(pkls[0]!)
  const root = decodePickle(
    pkl,
    { globals: TORCH_STATE_DICT_GLOBALS, persistentLoad, source: `${file}:${pkls[0]}`, action: ACTION },
    (v) => v,
  )
  if (!(root instanceof Map)) throw fail(file, "data.pkl does not hold a state dict (a dict of tensors)")

  const strip = options.stripPrefixes ?? ["module."]
  const refs: Array<[string, TensorRef]> = []
  const seen = new Set<string>()
  for (const [k, v] of root) {
    if (typeof k !== "string") throw fail(file, "a state dict key is not a string")
    if (!isTensorRef(v)) throw fail(file, `state dict entry ${k} is not a tensor`)
    let key = k
    for (let again = true; again; ) {
      again = false
      for (const p of strip)
        if (p !== "" && key.startsWith(p)) {
          key = key.slice(p.length)
          again = true
        }
    }
    if (seen.has(key)) throw fail(file, `two entries become ${key} once prefixes are stripped`)
    seen.add(key)
    refs.push([key, v])
  }

  const storages = new Map<string, Uint8Array>()
  const tensors = new Map<string, Tensor>()
  for (const [key, ref] of refs) {
    const s = ref.storage
    let bytes = storages.get(s.key)
    if (bytes === undefined) {
      const name = `${prefix}data/${s.key}`
      if (!zip.entries.has(name)) throw fail(file, `storage ${s.key} of ${key} is missing from the archive`)
      bytes = await readEntry(name)
      if (bytes.length < s.numel * s.itemsize)
        throw fail(file, `storage ${s.key} has ${bytes.length} bytes, ${s.numel} ${s.dtype} values need ${s.numel * s.itemsize}`)
      storages.set(s.key, bytes)
    }
    try {
      tensors.set(key, materialize(ref, bytes, byteorder))
    } catch (e) {
      throw fail(file, `tensor ${key}: ${e instanceof Error ? e.message : String(e)}`, e)
    }
  }
  return { file, tensors, byteorder, version }
}

const materialize = (ref: TensorRef, bytes: Uint8Array, byteorder: "little" | "big"): Tensor => {
  const { storage, offset, size, stride } = ref
  let count = 1
  let last = offset
  for (let d = 0; d < size.length; d++) {
    count *= size[d]!
    if (size[d]! > 0) last += (size[d]! - 1) * stride[d]!
  }
  if (!Number.isSafeInteger(count)) throw new Error("its size overflows")
  if (count > 0 && last >= storage.numel)
    throw new Error(`it reads element ${last} of a storage of ${storage.numel} (${JSON.stringify(size)} at offset ${offset})`)
  const itemsize = storage.itemsize
  const little = byteorder === "little"
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const contiguous = isContiguous(size, stride)
  // Element index (in storage elements) of row-major position i.
  const elementAt = contiguous ? (i: number) => offset + i : stridedIndexer(size, stride, offset)
  const shape = [...size]
  switch (storage.dtype) {
    case "float32": {
      if (contiguous && little && (bytes.byteOffset + offset * 4) % 4 === 0)
        return { dtype: "float32", shape, data: new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, count) }
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(elementAt(i) * 4, little)
      return { dtype: "float32", shape, data: out }
    }
    case "float64": {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(elementAt(i) * 8, little)
      return { dtype: "float64", shape, data: out }
    }
    case "float16": {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(elementAt(i) * 2, little))
      return { dtype: "float16", shape, data: out }
    }
    case "bfloat16": {
      const out = new Float32Array(count)
      const u = new Uint32Array(1)
      const f = new Float32Array(u.buffer)
      for (let i = 0; i < count; i++) {
        u[0] = view.getUint16(elementAt(i) * 2, little) << 16
        out[i] = f[0]!
      }
      return { dtype: "bfloat16", shape, data: out }
    }
    case "int64": {
      const out = new BigInt64Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(elementAt(i) * 8, little)
      return { dtype: "int64", shape, data: out }
    }
    case "int32": {
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt32(elementAt(i) * 4, little)
      return { dtype: "int32", shape, data: out }
    }
    case "int16": {
      const out = new Int16Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt16(elementAt(i) * 2, little)
      return { dtype: "int16", shape, data: out }
    }
    case "int8": {
      const out = new Int8Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt8(elementAt(i) * itemsize)
      return { dtype: "int8", shape, data: out }
    }
    case "uint8":
    case "bool": {
      const out = new Uint8Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getUint8(elementAt(i))
      return { dtype: storage.dtype, shape, data: out }
    }
  }
}

const isContiguous = (size: ReadonlyArray<number>, stride: ReadonlyArray<number>): boolean => {
  let expected = 1
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d]! !== 1 && stride[d]! !== expected) return false
    expected *= size[d]!
  }
  return true
}

const stridedIndexer = (size: ReadonlyArray<number>, stride: ReadonlyArray<number>, offset: number) => (i: number) => {
  let rem = i
  let at = offset
  for (let d = size.length - 1; d >= 0; d--) {
    const s = size[d]!
    at += (rem % s) * stride[d]!
    rem = Math.floor(rem / s)
  }
  return at
}

/** The float tensor `key`, or a `ModelLoadFailed` naming the file when it is missing or not floating. */
export const floatTensor = (ckpt: Checkpoint, key: string): FloatTensor => {
  const t = ckpt.tensors.get(key)
  if (t === undefined) throw fail(ckpt.file, `the state dict has no ${key}`)
  if (!(t.data instanceof Float32Array)) throw fail(ckpt.file, `${key} is ${t.dtype}, not a floating tensor`)
  return t as FloatTensor
}

export { ZipReader, fileSource, memorySource, crc32, type ByteSource, type ZipEntry } from "./zip.ts"
