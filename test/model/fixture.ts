/** Loads a network fixture (fixture.json + fixture.bin.gz, see test/fixtures/model/README.md). */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import type { FeedTensor } from "../../core/model/inference/index.ts"

export interface FixtureTensor {
  readonly dtype: "float32" | "int64" | "uint8"
  readonly shape: ReadonlyArray<number>
  readonly data: Float32Array | BigInt64Array | Uint8Array
}

export interface Fixture {
  readonly dir: string
  readonly meta: { config: Record<string, number | null>; smiles: string[]; max_prompt: number; cases: Array<{ smiles: string; graphs: number; base_nodes: number }> }
  readonly tensors: ReadonlyMap<string, FixtureTensor>
  get(name: string): FixtureTensor
  f32(name: string): Float32Array
  ints(name: string): number[]
  /** The ONNX feeds stored under `prefix/in/`. */
  feeds(prefix: string, names: ReadonlyArray<string>): Record<string, FeedTensor>
}

export const fixtureExists = (dir: string) => existsSync(join(dir, "fixture.json")) && existsSync(join(dir, "fixture.bin.gz"))

export const loadFixture = (dir: string): Fixture => {
  const manifest = JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8"))
  const blob = new Uint8Array(gunzipSync(readFileSync(join(dir, "fixture.bin.gz"))))
  const tensors = new Map<string, FixtureTensor>()
  for (const [name, m] of Object.entries(manifest.tensors as Record<string, { dtype: FixtureTensor["dtype"]; shape: number[]; offset: number; length: number }>)) {
    const bytes = blob.slice(m.offset, m.offset + m.length)
    const data = m.dtype === "float32" ? new Float32Array(bytes.buffer) : m.dtype === "int64" ? new BigInt64Array(bytes.buffer) : bytes
    tensors.set(name, { dtype: m.dtype, shape: m.shape, data })
  }
  const get = (name: string) => {
    const t = tensors.get(name)
    if (t === undefined) throw new Error(`fixture ${dir} has no tensor ${name}`)
    return t
  }
  return {
    dir,
    meta: manifest.meta,
    tensors,
    get,
    f32: (name) => get(name).data as Float32Array,
    ints: (name) => Array.from(get(name).data as BigInt64Array, Number),
    feeds: (prefix, names) => {
      const out: Record<string, FeedTensor> = {}
      for (const n of names) {
        const t = get(`${prefix}/in/${n}`)
        if (t.dtype === "float32") out[n] = { type: "float32", data: t.data as Float32Array, dims: t.shape }
        else if (t.dtype === "int64") out[n] = { type: "int64", data: t.data as BigInt64Array, dims: t.shape }
        else out[n] = { type: "bool", data: t.data as Uint8Array, dims: t.shape }
      }
      return out
    },
  }
}

/** max |a − b| / max |b| (the relative error in the infinity norm). */
export const relErr = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Infinity
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!)
    if (!(d <= num)) num = Number.isNaN(d) ? Infinity : Math.max(num, d)
    den = Math.max(den, Math.abs(b[i]!))
  }
  return den === 0 ? num : num / den
}
