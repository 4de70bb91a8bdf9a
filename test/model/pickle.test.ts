import { expect, test } from "bun:test"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { ModelLoadFailed } from "../../core/errors/index.ts"
import {
  COLLECTIONS_GLOBALS,
  NUMPY_GLOBALS,
  NdArray,
  PickleObject,
  isTuple,
  parseSplit,
  parseStandardScaler,
  plainClass,
  readSplit,
  readStandardScaler,
  unpickle,
} from "../../core/io/pickle/index.ts"
import { bytesOf } from "./zipwriter.ts"

const SHARED = join(import.meta.dir, "../../../shared/data/periogt")
const haveShared = existsSync(join(SHARED, "scaler_all.pkl"))
const SKIP_MSG = `../shared/data/periogt is absent (${SHARED}): real scaler/split tests skipped`
if (!haveShared) console.warn(SKIP_MSG)

const refusal = (f: () => unknown): ModelLoadFailed => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadFailed)
    return e as ModelLoadFailed
  }
  throw new Error("expected a ModelLoadFailed, nothing was thrown")
}

test("plain values: protocol 2 list/dict/tuple/ints/floats/strings/bytes", () => {
  // pickle.dumps([1, -2, 300, 70000, 2**70, 1.5, "héllo", b"ab", (True, None), {"k": [3]}], protocol=2) — hand-assembled
  const p = bytesOf(
    [0x80, 2, 0x5d, 0x71, 0, 0x28],
    [0x4b, 1],
    [0x4a, 0xfe, 0xff, 0xff, 0xff],
    [0x4d, 0x2c, 0x01],
    [0x4a, 0x70, 0x11, 0x01, 0x00],
    [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40],
    [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
    [0x58, 6, 0, 0, 0, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f],
    [0x43, 2, 0x61, 0x62],
    [0x88, 0x4e, 0x86],
    [0x7d, 0x58, 1, 0, 0, 0, 0x6b, 0x5d, 0x4b, 3, 0x61, 0x73],
    [0x65, 0x2e],
  )
  const v = unpickle(p) as unknown[]
  expect(v[0]).toBe(1)
  expect(v[1]).toBe(-2)
  expect(v[2]).toBe(300)
  expect(v[3]).toBe(70000)
  expect(v[4]).toBe(2n ** 70n)
  expect(v[5]).toBe(1.5)
  expect(v[6]).toBe("héllo")
  expect(v[7]).toEqual(Uint8Array.from([0x61, 0x62]))
  expect(isTuple(v[8])).toBe(true)
  expect(v[8]).toEqual([true, null])
  expect(v[9]).toBeInstanceOf(Map)
  expect((v[9] as Map<string, unknown>).get("k")).toEqual([3])
})

test("hostile: os.system through GLOBAL + REDUCE is refused, naming the global, nothing executed", () => {
  // pickle.dumps of an object whose __reduce__ returns (os.system, ("touch /tmp/pwned",)), protocol 2
  const marker = `/tmp/periogt-pickle-pwned-${process.pid}`
  const cmd = `touch ${marker}`
  const p = bytesOf([0x80, 2], "cposix\nsystem\n", [0x71, 0, 0x58, cmd.length, 0, 0, 0], cmd, [0x85, 0x52, 0x2e])
  const e = refusal(() => unpickle(p, { source: "evil.pkl", globals: { ...NUMPY_GLOBALS } }))
  expect(e.code).toBe("model_load_failed")
  expect(e.message).toContain("posix.system")
  expect(e.message).toContain("evil.pkl")
  expect(e.details?.global).toBe("posix.system")
  expect(existsSync(marker)).toBe(false)
  const p2 = bytesOf([0x80, 2], "cos\nsystem\n", [0x58, cmd.length, 0, 0, 0], cmd, [0x85, 0x52, 0x2e])
  expect(refusal(() => unpickle(p2)).message).toContain("os.system")
})

test("hostile: STACK_GLOBAL (protocol 4) builtins.eval is refused", () => {
  const p = bytesOf([0x80, 4, 0x95, 30, 0, 0, 0, 0, 0, 0, 0], [0x8c, 8], "builtins", [0x94, 0x8c, 4], "eval", [0x94, 0x93, 0x94], [0x8c, 4], "1+1", [0x85, 0x52, 0x2e])
  expect(refusal(() => unpickle(p)).message).toContain("builtins.eval")
})

test("hostile: an allowed global may only do what its handler allows", () => {
  // numpy.ndarray is allowed as a reference, not as something to call
  const p = bytesOf([0x80, 2], "cnumpy\nndarray\n", [0x29, 0x52, 0x2e])
  expect(refusal(() => unpickle(p, { globals: NUMPY_GLOBALS })).message).toContain("calling it is not allowed")
  // REDUCE on a non-callable value
  const p2 = bytesOf([0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e])
  expect(refusal(() => unpickle(p2)).message).toContain("not an allowed callable")
  // extension registry and persistent ids without a loader
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x82, 1, 0x2e]))).message).toContain("EXT")
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x4b, 1, 0x51, 0x2e]))).message).toContain("persistent")
})

test("malformed pickles: truncated, unknown opcode, bad memo, stack underflow", () => {
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x58, 10, 0, 0, 0, 0x61]))).message).toContain("truncated")
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x4b, 1]))).message).toContain("no STOP")
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0xff, 0x2e]))).message).toContain("unknown opcode")
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x68, 5, 0x2e]))).message).toContain("memo")
  expect(refusal(() => unpickle(bytesOf([0x80, 2, 0x52, 0x2e]))).message).toContain("underflow")
  expect(refusal(() => unpickle(bytesOf([0x80, 9, 0x2e]))).message).toContain("protocol")
})

test("OrderedDict and plain classes through the allow-list; BUILD fills state", () => {
  // collections.OrderedDict() then SETITEMS a=1; then a plain class instance with a dict state
  const p = bytesOf(
    [0x80, 2, 0x5d, 0x28],
    "ccollections\nOrderedDict\n",
    [0x29, 0x52, 0x28, 0x58, 1, 0, 0, 0],
    "a",
    [0x4b, 1, 0x75],
    "cpkg.mod\nThing\n",
    [0x29, 0x81, 0x7d, 0x58, 1, 0, 0, 0],
    "x",
    [0x4b, 7, 0x73, 0x62],
    [0x65, 0x2e],
  )
  const v = unpickle(p, { globals: { ...COLLECTIONS_GLOBALS, "pkg.mod.Thing": plainClass("pkg.mod.Thing") } }) as unknown[]
  expect(v[0]).toBeInstanceOf(Map)
  expect([...(v[0] as Map<string, number>)]).toEqual([["a", 1]])
  expect(v[1]).toBeInstanceOf(PickleObject)
  expect((v[1] as PickleObject).get("x")).toBe(7)
})

test.skipIf(!haveShared)("real scaler_all.pkl: StandardScaler with 1613 features", async () => {
  const s = await readStandardScaler(join(SHARED, "scaler_all.pkl"))
  expect(s.nFeaturesIn).toBe(1613)
  expect(s.mean.length).toBe(1613)
  expect(s.scale.length).toBe(1613)
  expect(s.variance?.length).toBe(1613)
  expect(s.sklearnVersion).toBe("1.0.2")
  expect(s.nSamplesSeen).toBe(2900085)
  // Values read by Python (sklearn 1.1.3 unpickling the same file)
  expect(s.mean[0]).toBe(123.62201604701116)
  expect(s.mean[1]).toBe(64.56482099211397)
  expect(s.scale[0]).toBe(78.00205766294381)
  expect(s.variance![0]).toBe(6084.3209996532105)
  for (let i = 0; i < 1613; i++) {
    expect(Number.isFinite(s.scale[i]!)).toBe(true)
    // scale_ = sqrt(var_) with zeros replaced by 1
    const v = s.variance![i]!
    expect(Math.abs(s.scale[i]! - (v === 0 ? 1 : Math.sqrt(v)))).toBeLessThanOrEqual(1e-9 * Math.max(1, s.scale[i]!))
  }
})

test.skipIf(!haveShared)("real split.pkl files: lists of int64 index arrays", async () => {
  const dirs = readdirSync(join(SHARED, "datasets"))
  expect(dirs.length).toBeGreaterThan(0)
  for (const d of dirs) {
    const sp = await readSplit(join(SHARED, "datasets", d, "split.pkl"))
    expect(sp.parts.length).toBe(3)
    const all = sp.parts.flatMap((p) => [...p])
    expect(new Set(all).size).toBe(all.length)
  }
  const eps = await readSplit(join(SHARED, "datasets", "eps", "split.pkl"))
  expect(eps.parts.map((p) => p.length)).toEqual([275, 30, 77])
  expect([...eps.train.slice(0, 5)]).toEqual([329, 182, 159, 119, 149])
})

test("scaler and split parsers refuse other pickles", () => {
  const list = bytesOf([0x80, 2, 0x5d, 0x2e])
  expect(refusal(() => parseStandardScaler(list, "x.pkl")).message).toContain("StandardScaler")
  expect(refusal(() => parseSplit(list, "s.pkl")).message).toContain("s.pkl")
  expect(refusal(() => parseSplit(bytesOf([0x80, 2, 0x5d, 0x58, 1, 0, 0, 0], "a", [0x61, 0x2e]))).message).toContain(
    "not an integer array",
  )
})

test("numpy arrays: f4 big-endian and fortran order", () => {
  // numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') + BUILD (1, (2,2), dtype('f4') with '>', True, data)
  const data = new Uint8Array(16)
  const dv = new DataView(data.buffer)
  ;[1, 2, 3, 4].forEach((x, i) => dv.setFloat32(i * 4, x, false)) // column-major [[1,3],[2,4]]
  const p = bytesOf(
    [0x80, 2],
    "cnumpy.core.multiarray\n_reconstruct\n",
    "cnumpy\nndarray\n",
    [0x4b, 0, 0x85, 0x43, 1, 0x62, 0x87, 0x52],
    [0x28, 0x4b, 1, 0x4b, 2, 0x4b, 2, 0x86],
    "cnumpy\ndtype\n",
    [0x58, 2, 0, 0, 0],
    "f4",
    [0x89, 0x88, 0x87, 0x52],
    [0x28, 0x4b, 3, 0x58, 1, 0, 0, 0],
    ">",
    [0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0, 0x74, 0x62],
    [0x88, 0x43, 16],
    data,
    [0x74, 0x62, 0x2e],
  )
  const a = unpickle(p, { globals: NUMPY_GLOBALS }) as NdArray
  expect(a).toBeInstanceOf(NdArray)
  expect(a.shape).toEqual([2, 2])
  expect([...a.data]).toEqual([1, 3, 2, 4])
})
