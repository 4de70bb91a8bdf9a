/** Loads a network fixture (fixture.json + fixture.bin.gz, see test/fixtures/model/README.md). */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import type { FeedTensor, LightGraphInput } from "../../core/model/inference/index.ts"

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

/** Splits a batched fixture feed (`prefix/in/…`) back into its graphs, as the featurizer would give them. */
export const splitGraphs = (fx: Fixture, prefix: string): Array<LightGraphInput> => {
  const ng = fx.ints(`${prefix}/in/node_graph`)
  const G = Math.max(...ng) + 1
  const starts = Array.from({ length: G }, (_, g) => ng.indexOf(g))
  const src = fx.ints(`${prefix}/in/edge_src`)
  const dst = fx.ints(`${prefix}/in/edge_dst`)
  const path = fx.ints(`${prefix}/in/edge_path`)
  const vp = fx.get(`${prefix}/in/edge_vp`).data as Uint8Array
  const sl = fx.get(`${prefix}/in/edge_sl`).data as Uint8Array
  const vavn = fx.ints(`${prefix}/in/vavn`)
  const be = fx.f32(`${prefix}/in/begin_end`)
  const ed = fx.f32(`${prefix}/in/edge`)
  const bid = fx.tensors.has(`${prefix}/in/bid`) ? fx.ints(`${prefix}/in/bid`) : undefined
  const dAtom2 = be.length / ng.length
  const dBond = ed.length / ng.length
  return starts.map((n0, g) => {
    const n1 = g + 1 < G ? starts[g + 1]! : ng.length
    const edges = src.map((s, e) => [s, e] as const).filter(([s]) => s >= n0 && s < n1).map(([, e]) => e)
    return {
      nNodes: n1 - n0,
      beginEnd: be.slice(n0 * dAtom2, n1 * dAtom2),
      edge: ed.slice(n0 * dBond, n1 * dBond),
      vavn: vavn.slice(n0, n1),
      edgeSrc: edges.map((e) => src[e]! - n0),
      edgeDst: edges.map((e) => dst[e]! - n0),
      edgePath: edges.flatMap((e) => path.slice(e * 5, e * 5 + 5).map((p) => (p < 0 ? -1e6 : p - n0))),
      edgeVp: edges.map((e) => vp[e]!),
      edgeSl: edges.map((e) => sl[e]!),
      ...(bid === undefined ? {} : { bid: bid.slice(n0, n1) }),
    }
  })
}
