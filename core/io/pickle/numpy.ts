/**
 * numpy arrays, dtypes and scalars as pickled by numpy (`ndarray.__reduce__`): allow-list handlers that
 * rebuild them as typed arrays. Only numeric dtypes are accepted; object arrays are refused.
 */
import { refuse } from "./unpickle.ts"
import { type AllowList, type GlobalHandler, SETSTATE, type SetStateable, isGlobalRef, isTuple } from "./values.ts"

export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array

/** A numpy dtype: kind (`f`, `i`, `u`, `b`), item size in bytes, byte order (`<`, `>`, `|`). */
export class NumpyDType implements SetStateable {
  readonly _tag = "NumpyDType"
  byteorder = "="
  constructor(readonly code: string) {}
  get kind(): string {
    return this.code[0] ?? "?"
  }
  get itemsize(): number {
    return Number(this.code.slice(1))
  }
  [SETSTATE](state: unknown): void {
    if (!isTuple(state) || state.length < 2) refuse("numpy dtype state is not a tuple")
    const order = (state as ReadonlyArray<unknown>)[1]
    if (typeof order !== "string") refuse("numpy dtype byte order is not a string")
    this.byteorder = order as string
  }
}

/** A numpy ndarray rebuilt as a typed array (C order; Fortran-order arrays are transposed on read). */
export class NdArray implements SetStateable {
  readonly _tag = "NdArray"
  dtype: NumpyDType = new NumpyDType("f8")
  shape: ReadonlyArray<number> = []
  data: NumericArray = new Float64Array(0);
  [SETSTATE](state: unknown): void {
    if (!isTuple(state)) refuse("ndarray state is not a tuple")
    const st = state as ReadonlyArray<unknown>
    // (version, shape, dtype, is_fortran, rawdata) or the version-less 4-tuple.
    const [shape, dtype, fortran, raw] = st.length === 5 ? st.slice(1) : st
    if (!isTuple(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0))
      refuse("ndarray shape is not a tuple of sizes")
    if (!(dtype instanceof NumpyDType)) refuse("ndarray dtype is not a numpy dtype")
    if (!(raw instanceof Uint8Array)) refuse("ndarray data is not raw bytes (object arrays are not supported)")
    const dt = dtype as NumpyDType
    const dims = shape as ReadonlyArray<number>
    const count = dims.reduce((a, b) => a * b, 1)
    const bytes = raw as Uint8Array
    if (bytes.length !== count * dt.itemsize)
      refuse(`ndarray data has ${bytes.length} bytes, shape ${JSON.stringify(dims)} of ${dt.code} needs ${count * dt.itemsize}`)
    let data = typedFromBytes(dt, bytes)
    if (fortran === true && dims.length > 1) data = fortranToC(data, dims)
    this.dtype = dt
    this.shape = dims
    this.data = data
  }
}

const bigEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0

/** Copies raw numpy bytes into a fresh, aligned typed array of the dtype (byte-swapped when needed). */
export const typedFromBytes = (dt: NumpyDType, raw: Uint8Array): NumericArray => {
  const size = dt.itemsize
  const copy = raw.slice()
  const swap = size > 1 && ((dt.byteorder === ">" && !bigEndianHost) || (dt.byteorder === "<" && bigEndianHost))
  if (swap)
    for (let i = 0; i < copy.length; i += size)
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a]!
        copy[a] = copy[b]!
        copy[b] = t
      }
  const buf = copy.buffer
  switch (dt.code) {
    case "f8":
      return new Float64Array(buf)
    case "f4":
      return new Float32Array(buf)
    case "f2": {
      const u = new Uint16Array(buf)
      const out = new Float32Array(u.length)
      for (let i = 0; i < u.length; i++) out[i] = halfToFloat(u[i]!)
      return out
    }
    case "i8":
      return new BigInt64Array(buf)
    case "u8":
      return new BigUint64Array(buf)
    case "i4":
      return new Int32Array(buf)
    case "u4":
      return new Uint32Array(buf)
    case "i2":
      return new Int16Array(buf)
    case "u2":
      return new Uint16Array(buf)
    case "i1":
      return new Int8Array(buf)
    case "u1":
    case "b1":
      return new Uint8Array(buf)
    default:
      return refuse(`numpy dtype ${dt.code} is not supported`)
  }
}

export const halfToFloat = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * f * 2 ** -24
  if (e === 31) return f ? NaN : s * Infinity
  return s * (1 + f / 1024) * 2 ** (e - 15)
}

const fortranToC = (data: NumericArray, dims: ReadonlyArray<number>): NumericArray => {
  const out = new (data.constructor as new (n: number) => NumericArray)(data.length)
  const rank = dims.length
  const idx = new Array<number>(rank).fill(0)
  for (let c = 0; c < data.length; c++) {
    let f = 0
    let mul = 1
    for (let d = 0; d < rank; d++) {
      f += idx[d]! * mul
      mul *= dims[d]!
    }
    ;(out as unknown as Array<number | bigint>)[c] = (data as unknown as Array<number | bigint>)[f]!
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++
      if (idx[d]! < dims[d]!) break
      idx[d] = 0
    }
  }
  return out
}

const KNOWN_CODES = new Set(["f8", "f4", "f2", "i8", "u8", "i4", "u4", "i2", "u2", "i1", "u1", "b1"])

const dtypeHandler: GlobalHandler = {
  call: (args) => {
    const code = args[0]
    if (typeof code !== "string") return refuse("numpy.dtype called without a type code")
    if (!KNOWN_CODES.has(code)) return refuse(`numpy dtype ${code} is not supported`)
    return new NumpyDType(code)
  },
}

const reconstructHandler: GlobalHandler = {
  call: (args) => {
    if (!isGlobalRef(args[0]) || args[0].name.split(".").pop() !== "ndarray")
      return refuse("numpy _reconstruct of something other than ndarray")
    return new NdArray()
  },
}

const scalarHandler: GlobalHandler = {
  call: (args) => {
    const [dt, raw] = args
    if (!(dt instanceof NumpyDType) || !(raw instanceof Uint8Array)) return refuse("numpy scalar with bad arguments")
    if (raw.length !== dt.itemsize) return refuse("numpy scalar of the wrong size")
    const v = typedFromBytes(dt, raw)[0]!
    if (typeof v === "bigint")
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
    return v
  },
}

/** The numpy globals needed for arrays, dtypes and scalars (numpy 1.x and 2.x module names). */
export const NUMPY_GLOBALS: AllowList = {
  "numpy.ndarray": {},
  "numpy.dtype": dtypeHandler,
  "numpy.core.multiarray._reconstruct": reconstructHandler,
  "numpy._core.multiarray._reconstruct": reconstructHandler,
  "numpy.core.multiarray.scalar": scalarHandler,
  "numpy._core.multiarray.scalar": scalarHandler,
}

/** Python's `copyreg._reconstructor(cls, base, state)` limited to allowed classes (old-protocol objects). */
export const COPYREG_GLOBALS: AllowList = {
  "copyreg._reconstructor": {
    call: (args) => {
      const cls = args[0]
      if (!isGlobalRef(cls) || cls.handler.construct === undefined)
        return refuse("copyreg._reconstructor of a class that may not be instantiated")
      return cls.handler.construct([], new Map())
    },
  },
  "builtins.object": {},
  "__builtin__.object": {},
}

/** Converts an integer ndarray to numbers (refusing values beyond 2^53). */
export const toIntArray = (a: NdArray): Array<number> => {
  if (a.dtype.kind !== "i" && a.dtype.kind !== "u" && a.dtype.kind !== "b")
    return refuse(`expected an integer array, found dtype ${a.dtype.code}`)
  return Array.from(a.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n)) refuse(`integer ${v} is out of range`)
    return n
  })
}

/** Converts a numeric ndarray to Float64Array. */
export const toFloat64 = (a: NdArray): Float64Array => {
  if (a.data instanceof Float64Array) return a.data
  return Float64Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v))
}
