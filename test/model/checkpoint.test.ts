import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ModelLoadFailed } from "../../core/errors/index.ts"
import { ZipReader, fileSource, floatTensor, memorySource, readCheckpoint, readCheckpointFrom } from "../../core/model/checkpoint/index.ts"
import { bytesOf, writeZip } from "./zipwriter.ts"

const TINY = join(import.meta.dir, "../fixtures/model/tiny")
const tmp = mkdtempSync(join(tmpdir(), "periogt-ckpt-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const rejects = async (p: Promise<unknown>): Promise<ModelLoadFailed> => {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadFailed)
    expect((e as ModelLoadFailed).code).toBe("model_load_failed")
    return e as ModelLoadFailed
  }
  throw new Error("expected ModelLoadFailed, the checkpoint was accepted")
}

test("tiny pretrained checkpoint: module. prefix stripped, shapes as saved", async () => {
  const c = await readCheckpoint(join(TINY, "pretrained.pth"))
  expect(c.byteorder).toBe("little")
  expect(c.version).toBe("3")
  const keys = [...c.tensors.keys()]
  expect(keys.every((k) => !k.startsWith("module."))).toBe(true)
  expect(floatTensor(c, "node_emb.in_proj.weight").shape).toEqual([32, 138])
  expect(floatTensor(c, "model.mol_T_layers.1.qkv.weight").shape).toEqual([96, 32])
  // first values as torch.load prints them
  const w = floatTensor(c, "node_emb.in_proj.weight").data
  expect(w[0]).toBeCloseTo(-0.06981448829174042, 7)
  expect(w[1]).toBeCloseTo(0.033678360283374786, 7)
})

test("tiny finetuned checkpoint holds node_attn and predictor", async () => {
  const c = await readCheckpoint(join(TINY, "finetuned.pth"))
  expect(floatTensor(c, "node_attn.self_attn_1.in_proj_weight").shape).toEqual([96, 32])
  expect(floatTensor(c, "predictor.0.weight").shape).toEqual([256, 96])
  expect(floatTensor(c, "predictor.3.weight").shape).toEqual([1, 256])
  expect(c.tensors.has("fp_predictor.0.weight")).toBe(false)
})

test("truncated checkpoints are refused with the file name and a reason", async () => {
  const bytes = readFileSync(join(TINY, "pretrained.pth"))
  for (const cut of [0, 10, 1000, Math.floor(bytes.length / 2), bytes.length - 30, bytes.length - 1]) {
    const f = join(tmp, `cut-${cut}.pth`)
    writeFileSync(f, bytes.subarray(0, cut))
    const e = await rejects(readCheckpoint(f))
    expect(e.message).toContain(f)
  }
})

test("corrupt checkpoints: flipped bytes in storages, data.pkl or the directory are detected", async () => {
  const bytes = new Uint8Array(readFileSync(join(TINY, "pretrained.pth")))
  const zip = await ZipReader.open(memorySource(bytes))
  const entry = [...zip.entries.values()].find((e) => e.name.endsWith("/data/5"))!
  const pkl = [...zip.entries.values()].find((e) => e.name.endsWith("/data.pkl"))!
  const dataStart = (e: { localHeaderOffset: number; name: string }) =>
    e.localHeaderOffset + 30 + new DataView(bytes.buffer).getUint16(e.localHeaderOffset + 26, true) + new DataView(bytes.buffer).getUint16(e.localHeaderOffset + 28, true)
  const cases: Array<[string, number]> = [
    ["storage", dataStart(entry) + 3],
    ["pickle", dataStart(pkl) + 40],
    // first central-directory entry: its compressed size; then the EOCD's directory offset
    ["central directory entry", new DataView(bytes.buffer).getUint32(bytes.length - 22 + 16, true) + 21],
    ["end record", bytes.length - 22 + 17],
  ]
  for (const [what, at] of cases) {
    const b = bytes.slice()
    b[at] = b[at]! ^ 0x5a
    const f = join(tmp, `flip-${what.replace(/ /g, "_")}.pth`)
    writeFileSync(f, b)
    const e = await rejects(readCheckpoint(f))
    expect(e.message).toContain(f)
  }
  const b = bytes.slice()
  b[dataStart(entry) + 3] = b[dataStart(entry) + 3]! ^ 0x5a
  const e = await rejects(readCheckpointFrom(memorySource(b, "flipped.pth")))
  expect(e.message).toContain("CRC")
})

test("a data.pkl referencing a non-allowed global is refused, naming it", async () => {
  const cmd = "touch /tmp/periogt-should-not-exist"
  const evil = bytesOf([0x80, 2], "cos\nsystem\n", [0x58, cmd.length, 0, 0, 0], cmd, [0x85, 0x52, 0x2e])
  const z = writeZip([
    ["archive/data.pkl", evil],
    ["archive/version", new TextEncoder().encode("3\n")],
  ])
  const f = join(tmp, "evil.pth")
  writeFileSync(f, z)
  const e = await rejects(readCheckpoint(f))
  expect(e.message).toContain("os.system")
  expect(e.message).toContain(f)
})

test("non-state-dict and missing storage are refused; strides/offsets honoured; fp16/fp64 → fp32", async () => {
  // state dict {"a": rebuilt(storage FloatStorage key "0" numel 6, offset 1, size (2,2), stride (1,2)),
  //             "h": HalfStorage key "1" numel 2 size (2,) stride (1,), "d": DoubleStorage key "2"}
  const tensor = (storageType: string, key: string, numel: number, offset: number, size: number[], stride: number[]) =>
    bytesOf(
      "ctorch._utils\n_rebuild_tensor_v2\n(",
      "(X",
      [7, 0, 0, 0],
      "storage",
      `ctorch\n${storageType}\n`,
      [0x58, key.length, 0, 0, 0],
      key,
      [0x58, 3, 0, 0, 0],
      "cpu",
      [0x4b, numel],
      "tQ",
      [0x4b, offset],
      "(",
      ...size.map((s) => [0x4b, s]),
      "t(",
      ...stride.map((s) => [0x4b, s]),
      "t",
      [0x89],
      "ccollections\nOrderedDict\n)R",
      "tR",
    )
  const pkl = bytesOf(
    [0x80, 2],
    "ccollections\nOrderedDict\n)R(",
    [0x58, 8, 0, 0, 0],
    "module.a",
    tensor("FloatStorage", "0", 6, 1, [2, 2], [1, 2]),
    [0x58, 1, 0, 0, 0],
    "h",
    tensor("HalfStorage", "1", 2, 0, [2], [1]),
    [0x58, 1, 0, 0, 0],
    "d",
    tensor("DoubleStorage", "2", 1, 0, [1], [1]),
    "u.",
  )
  const f32 = new Float32Array([0, 1, 2, 3, 4, 5])
  const f16 = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) // 1.0, -2.0
  const f64 = new Float64Array([0.1])
  const z = writeZip([
    ["m/data.pkl", pkl],
    ["m/byteorder", new TextEncoder().encode("little")],
    ["m/data/0", new Uint8Array(f32.buffer)],
    ["m/data/1", f16],
    ["m/data/2", new Uint8Array(f64.buffer)],
  ])
  const c = await readCheckpointFrom(memorySource(z, "synthetic.pth"))
  // element (i,j) = storage[1 + i*1 + j*2]
  expect([...floatTensor(c, "a").data]).toEqual([1, 3, 2, 4])
  expect([...floatTensor(c, "h").data]).toEqual([1, -2])
  expect(floatTensor(c, "d").data[0]).toBeCloseTo(0.1, 7)
  expect(floatTensor(c, "d").dtype).toBe("float64")

  const missing = writeZip([["m/data.pkl", pkl]])
  expect((await rejects(readCheckpointFrom(memorySource(missing, "missing.pth")))).message).toContain("missing")
  const notDict = writeZip([["m/data.pkl", bytesOf([0x80, 2, 0x5d, 0x2e])]])
  expect((await rejects(readCheckpointFrom(memorySource(notDict, "list.pth")))).message).toContain("state dict")
  const short = writeZip([["m/data.pkl", pkl], ["m/data/0", new Uint8Array(8)], ["m/data/1", f16], ["m/data/2", new Uint8Array(8)]])
  expect((await rejects(readCheckpointFrom(memorySource(short, "short.pth")))).message).toContain("storage 0")
})

test("file source reads slices", async () => {
  const s = fileSource(join(TINY, "finetuned.pth"))
  expect((await s.read(0, 4))[0]).toBe(0x50)
})
